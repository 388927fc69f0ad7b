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

/* Put e at slot i and move it down to its place among slots i..n-1. */
static void sift_down(struct ev_heap *h, size_t i, struct ev e)
{
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_less(&h->a[c + 1], &h->a[c]))
			c++;
		if (!ev_less(&h->a[c], &e))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = e;
}

int ev_pop(struct ev_heap *h, struct ev *out)
{
	if (!h->n)
		return -1;
	*out = h->a[0];
	struct ev last = h->a[--h->n];
	if (h->n)
		sift_down(h, 0, last);
	return 0;
}

void ev_filter(struct ev_heap *h, int (*keep)(const struct ev *e, void *ud), void *ud)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (keep(&h->a[i], ud))
			h->a[n++] = h->a[i];
	h->n = n;
	for (size_t i = n / 2; i-- > 0;) /* Floyd's heap construction */
		sift_down(h, i, h->a[i]);
}
