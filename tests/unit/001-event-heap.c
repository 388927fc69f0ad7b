/* 001-event-heap.c - the event queue orders by (time, seq). */
#include "t.h"
#include "engine/event.h"

static void event_should_pop_in_time_then_schedule_order(void)
{
	struct ev_heap h;
	ev_heap_init(&h);
	int tags[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	uint64_t times[8] = { 50, 10, 50, 0, 10, 99, 0, 50 };
	for (int i = 0; i < 8; i++)
		CHECK_EQ(ev_push(&h, times[i], EVK_TIMER, &tags[i], NULL), 0);
	int want[8] = { 3, 6, 1, 4, 0, 2, 7, 5 };
	struct ev e;
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(ev_pop(&h, &e), 0);
		CHECK_EQ(*(int *)e.p, want[i]);
	}
	CHECK(ev_pop(&h, &e) == -1);
	ev_heap_free(&h);
}

static void event_should_stay_ordered_under_many_random_pushes(void)
{
	struct ev_heap h;
	ev_heap_init(&h);
	uint64_t x = 12345;
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ev_push(&h, x % 1000, EVK_TIMER, NULL, NULL);
	}
	struct ev e, prev = { 0, 0, 0, 0, 0 };
	int ok = 1;
	for (int i = 0; i < 10000; i++) {
		ev_pop(&h, &e);
		if (i && (e.t < prev.t || (e.t == prev.t && e.seq < prev.seq)))
			ok = 0;
		prev = e;
	}
	CHECK(ok);
	CHECK_EQ(h.n, 0);
	ev_heap_free(&h);
}

int main(void)
{
	RUN(event_should_pop_in_time_then_schedule_order);
	RUN(event_should_stay_ordered_under_many_random_pushes);
	return T_DONE();
}
