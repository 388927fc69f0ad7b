/*
 * engine/event.h - the event queue: a binary min-heap ordered by (time, seq).
 *
 * seq is taken from a counter that grows by one per ev_push, so events
 * scheduled for the same time run in the order they were scheduled.  The
 * engine pops the earliest event, sets the clock and dispatches it (R16).
 */
#ifndef MEMSIM_ENGINE_EVENT_H
#define MEMSIM_ENGINE_EVENT_H

#include <memsim/types.h>

enum ev_kind {
	EVK_STREAM = 1,   /* a trace stream continues */
	EVK_TIMER,        /* a callback (sim_at, Lua timers) */
	EVK_SAMPLE        /* periodic RSS sample */
};

struct ev {
	sim_time_t t;     /* when */
	uint64_t seq;     /* tie-break: scheduling order */
	int kind;         /* enum ev_kind */
	void *p;          /* kind-specific object (stream, timer closure) */
	void *fn;         /* EVK_TIMER: sim_timer_fn (stored as void *) */
};

struct ev_heap {
	struct ev *a;     /* heap array */
	size_t n, cap;
	uint64_t seq;     /* next seq */
};

void ev_heap_init(struct ev_heap *h);
void ev_heap_free(struct ev_heap *h);
/* Schedule an event; returns 0 or SIM_ENOMEM. */
int ev_push(struct ev_heap *h, sim_time_t t, int kind, void *p, void *fn);
/* Remove the earliest event into *out; returns 0, or -1 if empty. */
int ev_pop(struct ev_heap *h, struct ev *out);
/* Remove every event for which keep(e, ud) returns 0 (keep does what the
 * removal needs, such as freeing e->p); the others keep their (time, seq)
 * order.  No allocation: it cannot fail. */
void ev_filter(struct ev_heap *h, int (*keep)(const struct ev *e, void *ud), void *ud);
/* Earliest event or NULL. */
static inline const struct ev *ev_top(const struct ev_heap *h) { return h->n ? &h->a[0] : 0; }

#endif
