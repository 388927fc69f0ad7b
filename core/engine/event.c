/*
 * engine/event.c - the event queue (a binary min-heap on (time, seq)).
 *
 * Mirrors the ordering rule of libuv's timer heap: earlier time first, then
 * the order of scheduling.  O(log n) push and pop, no allocation once the
 * array has grown to the number of pending events.
 */
#include <stdlib.h>

#include "event.h"

static int ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

void ev_heap_init(struct ev_heap *h)
{
	h->a = NULL;
	h->n = h->cap = 0;
	h->seq = 0;
}

void ev_heap_free(struct ev_heap *h)
{
	free(h->a);
	ev_heap_init(h);
}

int ev_push(struct ev_heap *h, sim_time_t t, int kind, void *p, void *fn)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		struct ev *na = realloc(h->a, nc * sizeof(*na));
		if (!na)
			return SIM_ENOMEM;
		h->a = na;
		h->cap = nc;
	}
	struct ev e = { t, h->seq++, kind, p, fn };
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_less(&e, &h->a[parent]))
			break;
		h->a[i] = h->a[parent];
		i = parent;
	}
	h->a[i] = e;
	return 0;
}

int ev_pop(struct ev_heap *h, struct ev *out)
{
	if (!h->n)
		return -1;
	*out = h->a[0];
	struct ev last = h->a[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!ev_less(&h->a[c], &last))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
	return 0;
}
