/*
 * 003-sim-events.c - the engine's event loop around its users: timers that
 * are still queued when a simulation is destroyed or dropped, the stop flag
 * in a loop of timers only, and observers that ask to stop (the rc comes
 * back once, after the operation completed, and nothing more is delivered
 * meanwhile).  Leaks are the AddressSanitizer build's to find.
 */
#include <stdlib.h>

#include "t.h"
#include "engine/sim_impl.h"

#define BASE UINT64_C(0x7e0000000000)

static struct sim *make(const char *mode)
{
	struct sim_config c;
	char err[256];
	config_defaults(&c);
	config_set(&c, "ram", "64M", err, sizeof err);
	config_set(&c, "mode", mode, err, sizeof err);
	struct sim *s = sim_create(&c, err, sizeof err);
	CHECK(s != NULL);
	return s;
}

static int64_t sys(struct sim *s, uint32_t pid, unsigned op, uint64_t a, uint64_t len)
{
	struct trace_op o = { .op = (uint8_t)op, .pid = pid, .addr = a, .len = len,
			      .prot = TPROT_READ | TPROT_WRITE,
			      .flags = TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED };
	int rc;
	int64_t r = sim_syscall(s, &o, &rc);
	CHECK_EQ(rc, 0);
	return r;
}

/* ---- timers ----------------------------------------------------------------------- */

static int fired;

static int count_fire(struct sim *s, void *ud)
{
	(void)s;
	fired++;
	free(ud);
	return 0;
}

static int dropped;

static void count_drop(void *ud)
{
	dropped++;
	free(ud);
}

static void timers_should_be_freed_by_sim_destroy(void)
{
	struct sim *s = make("full");
	static int ud;
	for (int i = 0; i < 5; i++)
		CHECK_EQ(sim_at(s, 1000u * (unsigned)i, count_fire, NULL), 0);
	CHECK_EQ(sim_at(s, 10, count_fire, &ud), 0); /* a ud the caller owns */
	sim_destroy(s); /* the struct timers: ASan reports them if they leak */
	CHECK_EQ(fired, 0);
}

static void timers_should_be_handed_back_by_sim_drop_timers(void)
{
	struct sim *s = make("full");
	fired = dropped = 0;
	for (int i = 0; i < 4; i++)
		CHECK_EQ(sim_at(s, 100u * (unsigned)i, count_fire, malloc(8)), 0);
	sim_drop_timers(s, count_drop);
	CHECK_EQ(dropped, 4);
	CHECK_EQ(sim_run(s), 0);
	CHECK_EQ(fired, 0);
	/* the queue still works */
	CHECK_EQ(sim_at(s, 50, count_fire, malloc(8)), 0);
	CHECK_EQ(sim_run(s), 0);
	CHECK_EQ(fired, 1);
	sim_destroy(s);
}

/* ---- the stop flag ------------------------------------------------------------------ */

struct again {
	int n;
	volatile int *stop;
};

/* A timer that queues itself again forever and raises the stop flag at its
 * third run. */
static int forever(struct sim *s, void *ud)
{
	struct again *a = ud;
	if (++a->n == 3)
		*a->stop = 1;
	return sim_at(s, sim_now(s) + 10, forever, a);
}

static void sim_run_should_stop_a_loop_of_timers_at_the_stop_flag(void)
{
	struct sim *s = make("full");
	volatile int stop = 0;
	struct again a = { 0, &stop };
	sim_set_stop_flag(s, &stop);
	CHECK_EQ(sim_at(s, 0, forever, &a), 0);
	CHECK_EQ(sim_run(s), SIM_EINTR);
	CHECK_EQ(a.n, 3);
	CHECK_STR(sim_errmsg(s), "interrupted");
	stop = 0;
	sim_set_stop_flag(s, NULL);
	sim_destroy(s); /* the timer queued by the third run is freed */
}

/* ---- observers that stop ------------------------------------------------------------- */

struct obs {
	int faults, events;
	int stop_at; /* return -6 at this fault (1-based); 0: never */
};

static int observe(void *ud, const struct sink_event *e, const struct sink_fault *f)
{
	struct obs *o = ud;
	if (e)
		o->events++;
	if (f && ++o->faults == o->stop_at)
		return SIM_EASSERT;
	return 0;
}

static void observer_should_stop_sim_touch_once_right_after_the_access(void)
{
	struct sim *s = make("full");
	struct obs o = { 0, 0, 3 };
	sim_set_observer(s, observe, &o);
	sys(s, 1, TOP_MMAP, BASE, 2048 * 4096);
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, BASE, 1024 * 4096), SIM_EASSERT);
	/* it stopped right after the access whose fault said stop */
	CHECK_EQ(o.faults, 3);
	CHECK_EQ(task_stats(sim_task(s, 1))->minflt, 3);
	CHECK_STR(sim_errmsg(s), "stopped by an event observer");
	/* reported once: the next operation runs and is observed again */
	o.stop_at = 0;
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, BASE + 1024 * 4096, 4096), 0);
	CHECK_EQ(o.faults, 4);
	sim_destroy(s);
}

static void observer_should_stop_a_syscall_after_it_completed(void)
{
	struct sim *s = make("full");
	struct obs o = { 0, 0, 0 };
	sim_set_observer(s, observe, &o);
	sys(s, 1, TOP_MMAP, BASE, 4096);
	CHECK_EQ(o.events, 1);
	o.stop_at = 1;
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, BASE, 1), SIM_EASSERT);
	struct trace_op op = { .op = TOP_MUNMAP, .pid = 1, .addr = BASE, .len = 4096 };
	int rc;
	CHECK_EQ(sim_syscall(s, &op, &rc), 0);
	CHECK_EQ(rc, 0); /* the stop was reported by sim_touch already */
	sim_destroy(s);
}

static int stop_on_event(void *ud, const struct sink_event *e, const struct sink_fault *f)
{
	(void)f;
	return e && e->type == EV_MARK && ud ? SIM_ESTATE : 0;
}

static int mark_timer(struct sim *s, void *ud)
{
	(void)ud;
	return sim_mark(s, 0, "t");
}

static int count_timer(struct sim *s, void *ud)
{
	(void)s;
	(*(int *)ud)++;
	return 0;
}

static void observer_should_stop_sim_run_with_its_rc(void)
{
	struct sim *s = make("full");
	int later = 0;
	sim_set_observer(s, stop_on_event, s);
	CHECK_EQ(sim_at(s, 10, mark_timer, NULL), 0);
	CHECK_EQ(sim_at(s, 20, count_timer, &later), 0);
	CHECK_EQ(sim_run(s), SIM_ESTATE);
	CHECK_EQ(later, 0);
	sim_set_observer(s, NULL, NULL);
	CHECK_EQ(sim_run(s), 0); /* the rest is still queued and runs */
	CHECK_EQ(later, 1);
	sim_destroy(s);
}

int main(void)
{
	RUN(timers_should_be_freed_by_sim_destroy);
	RUN(timers_should_be_handed_back_by_sim_drop_timers);
	RUN(sim_run_should_stop_a_loop_of_timers_at_the_stop_flag);
	RUN(observer_should_stop_sim_touch_once_right_after_the_access);
	RUN(observer_should_stop_a_syscall_after_it_completed);
	RUN(observer_should_stop_sim_run_with_its_rc);
	return T_DONE();
}
