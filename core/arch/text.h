/*
 * arch/text.h - the snprintf accumulator the decoders (x86_64/decode.c,
 * arm64/decode.c) write their explanations with.
 */
#ifndef MEMSIM_ARCH_TEXT_H
#define MEMSIM_ARCH_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Appends to buf[0..n); keeps counting (len) after buf is full, as snprintf. */
struct text {
	char *buf;
	size_t n;
	size_t len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = t->len < t->n ? t->n - t->len : 0;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
	va_end(ap);
	if (r > 0)
		t->len += (size_t)r;
}

#endif
