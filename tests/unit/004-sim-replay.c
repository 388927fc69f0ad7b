/*
 * 004-sim-replay.c - sim_replay around the access loops: a stream that
 * fails ends (the engine can run again, its RSS sampler does not spin),
 * errors the engine raises on a trace line name FILE:LINE (FILE:@OFFSET in
 * binary traces), trace pids that collide with existing processes run as
 * fresh pids; and the system calls the engine answers itself: brk as a
 * query, mmap/brk addresses in mode tlb.
 */
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "engine/sim_impl.h"

#define BASE UINT64_C(0x7e0000000000)

static char tdir[256];

static const char *put(const char *name, const char *text)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tdir, name);
	FILE *f = fopen(buf[k], "w");
	fputs(text, f);
	fclose(f);
	return buf[k];
}

static struct sim *make(const char *mode, struct sink **k)
{
	struct sim_config c;
	char err[256];
	config_defaults(&c);
	config_set(&c, "ram", "64M", err, sizeof err);
	config_set(&c, "mode", mode, err, sizeof err);
	config_set(&c, "output.sample_ns", "1000", err, sizeof err);
	struct sim *s = sim_create(&c, err, sizeof err);
	CHECK(s != NULL);
	if (k) {
		struct sink_run_info ri = { "x86_64", "{}", "test", "0", 0 };
		*k = sink_open(":memory:", err, sizeof err);
		CHECK(*k != NULL);
		CHECK(sink_run_begin(*k, &ri) > 0);
		sim_set_sink(s, *k);
	}
	return s;
}

static struct sim *make_with(const char *mode, const char *key, const char *value)
{
	struct sim_config c;
	char err[256];
	config_defaults(&c);
	config_set(&c, "ram", "64M", err, sizeof err);
	config_set(&c, "mode", mode, err, sizeof err);
	CHECK_EQ(config_set(&c, key, value, err, sizeof err), 0);
	struct sim *s = sim_create(&c, err, sizeof err);
	CHECK(s != NULL);
	return s;
}

static void done(struct sim *s, struct sink *k)
{
	if (k)
		sink_run_end(k, RUN_COMPLETE);
	sink_close(k);
	sim_destroy(s);
}

static int replay1(struct sim *s, const char *path)
{
	const char *paths[1] = { path };
	return sim_replay(s, paths, 1, TRACE_AUTO);
}

/* "DIR/name" -> does the message start with "name:LINE: "? (the path varies) */
static int msg_is(struct sim *s, const char *prefix, const char *rest)
{
	char want[600];
	snprintf(want, sizeof want, "%s/%s%s", tdir, prefix, rest);
	if (strcmp(sim_errmsg(s), want)) {
		fprintf(stderr, "  message: '%s'\n  wanted:  '%s'\n", sim_errmsg(s), want);
		return 0;
	}
	return 1;
}

/* ---- a failing stream ---------------------------------------------------------------- */

static int ticks;

static int tick(struct sim *s, void *ud)
{
	(void)s, (void)ud;
	ticks++;
	return 0;
}

static void replay_should_end_a_failing_stream_and_run_again(void)
{
	struct sink *k;
	struct sim *s = make("full", &k);
	const char *bad = put("bad.mtr", "1 mmap 0x7e0000000000 8K rw- private,anon,fixed\n"
					 "1 W 0x7e0000000000\n"
					 "1 frob\n");
	const char *good = put("good.mtr", "1 W 0x7e0000000000\n1 sleep 5000\n1 W 0x7e0000001000\n");
	const char *two[2] = { good, bad };
	alarm(20); /* the old engine sampled forever after this */
	CHECK_EQ(replay1(s, bad), SIM_EINPUT);
	CHECK(msg_is(s, "bad.mtr", ":3: unknown op 'frob'"));
	CHECK_EQ(s->nstreams_live, 0);
	CHECK_EQ(sim_at(s, sim_now(s) + 3000, tick, NULL), 0);
	CHECK_EQ(sim_run(s), 0);
	CHECK_EQ(ticks, 1);
	/* two streams, one fails: the other ends too, and nothing stays queued */
	CHECK_EQ(sim_replay(s, two, 2, TRACE_AUTO), SIM_EINPUT);
	CHECK_EQ(s->nstreams_live, 0);
	CHECK_EQ(sim_run(s), 0);
	CHECK_EQ(s->q.n, 0);
	/* and a good trace replays after all that */
	CHECK_EQ(replay1(s, good), 0);
	alarm(0);
	done(s, k);
}

static void replay_should_stop_at_the_stop_flag_with_sampling(void)
{
	struct sink *k;
	struct sim *s = make("full", &k);
	volatile int stop = 1;
	sim_set_stop_flag(s, &stop);
	alarm(20);
	CHECK_EQ(replay1(s, put("g.mtr", "1 W 0x1000\n")), SIM_EINTR);
	CHECK_EQ(s->nstreams_live, 0);
	stop = 0;
	CHECK_EQ(sim_run(s), 0);
	alarm(0);
	done(s, k);
}

/* ---- engine errors on a trace line ------------------------------------------------------ */

static void replay_should_name_the_line_of_an_op_the_engine_refuses(void)
{
	struct sim *s = make("full", NULL);
	CHECK_EQ(replay1(s, put("fork.mtr", "1 W 0x1000\n2 W 0x1000\n# c\n1 fork 2\n")),
		 SIM_EINPUT);
	CHECK(msg_is(s, "fork.mtr", ":4: fork: child pid 2 already exists"));
	sim_destroy(s);

	s = make("full", NULL);
	CHECK_EQ(replay1(s, put("exit.mtr", "1 W 0x1000\n1 exit\n\n1 W 0x2000\n")), SIM_EINPUT);
	CHECK(msg_is(s, "exit.mtr", ":4: access: process 1 has exited"));
	sim_destroy(s);

	s = make("tlb", NULL);
	CHECK_EQ(replay1(s, put("exit2.mtr", "1 W 0x1000\n1 exit\n1 mmap 0 4096 rw- private,anon\n")),
		 SIM_EINPUT);
	CHECK(msg_is(s, "exit2.mtr", ":3: mmap: process 1 has exited"));
	sim_destroy(s);
}

static void replay_should_name_the_offset_in_a_binary_trace(void)
{
	char err[512], bin[512];
	snprintf(bin, sizeof bin, "%s/fork.bin", tdir);
	CHECK_EQ(trace_convert(put("f.mtr", "1 W 0x1000\n2 W 0x1000\n1 fork 2\n"), bin,
			       TRACE_BINARY, err, sizeof err), 0);
	struct sim *s = make("full", NULL);
	CHECK_EQ(replay1(s, bin), SIM_EINPUT);
	CHECK(strstr(sim_errmsg(s), "fork.bin:@") != NULL);
	CHECK(strstr(sim_errmsg(s), ": fork: child pid 2 already exists") != NULL);
	sim_destroy(s);
}

/* ---- trace pids ------------------------------------------------------------------------- */

static uint32_t mapped(struct sim *s, uint32_t tp)
{
	uint32_t a, b;
	for (size_t i = 0; sim_replay_pid(s, i, &a, &b); i++)
		if (a == tp)
			return b;
	return 0;
}

static void replay_should_run_colliding_pids_as_fresh_ones(void)
{
	struct sim *s = make("full", NULL);
	CHECK(sim_task_create(s, 1, "mine") != NULL);
	CHECK(sim_task_create(s, 2, "mine") != NULL);
	const char *t = put("pids.mtr", "1 mmap 0x7e0000000000 8K rw- private,anon,fixed\n"
					"1 W 0x7e0000000000\n"
					"1 fork 2\n"
					"2 W 0x7e0000000000\n"
					"7 W 0x1000\n");
	CHECK_EQ(replay1(s, t), 0);
	CHECK_EQ(mapped(s, 1), 3);
	CHECK_EQ(mapped(s, 2), 4);
	CHECK_EQ(mapped(s, 7), 7);          /* free: used as it is */
	CHECK_EQ(task_stats(sim_task(s, 1))->accesses, 0); /* mine were not touched */
	CHECK_EQ(task_stats(sim_task(s, 2))->accesses, 0);
	CHECK_EQ(task_stats(sim_task(s, 4))->cow_copies, 1);
	CHECK_STR(task_name(sim_task(s, 4)), "proc");
	/* a second replay of the same trace: 1, 2 and 7 exist now */
	CHECK_EQ(replay1(s, t), 0);
	CHECK_EQ(mapped(s, 1), 8);
	CHECK_EQ(mapped(s, 2), 9);
	CHECK_EQ(mapped(s, 7), 10);
	CHECK_EQ(task_stats(sim_task(s, 3))->accesses, 1);
	/* the next process made by pid 0 comes after every reserved pid */
	struct task *n = sim_task_create(s, 0, NULL);
	CHECK_EQ(task_pid(n), 11);
	sim_destroy(s);
}

/* ---- system calls the engine answers ----------------------------------------------- */

static int brk_events, brk_errors;

static int count_brk(void *ud, const struct sink_event *e, const struct sink_fault *f)
{
	(void)ud, (void)f;
	if (e && e->type == EV_BRK) {
		brk_events++;
		brk_errors += e->label != NULL;
	}
	return 0;
}

static int64_t brk_op(struct sim *s, uint64_t a)
{
	struct trace_op op = { .op = TOP_BRK, .pid = 1, .addr = a };
	int rc;
	int64_t r = sim_syscall(s, &op, &rc);
	CHECK_EQ(rc, 0);
	return r;
}

static void brk_should_answer_a_query_without_an_error_event(void)
{
	struct sim *s = make("full", NULL);
	sim_set_observer(s, count_brk, NULL);
	CHECK_EQ(brk_op(s, 0), 0);                       /* no heap yet */
	CHECK_EQ(brk_events, 0);
	CHECK_EQ(brk_op(s, 0x555555559123), 0x55555555a000); /* places the heap */
	CHECK_EQ(brk_op(s, 0x55555555a000 + 8192), 0x55555555a000 + 8192);
	CHECK_EQ(brk_events, 2);
	CHECK_EQ(brk_op(s, 0), 0x55555555a000 + 8192);   /* brk(0) reads the break */
	CHECK_EQ(brk_op(s, 0x1000), 0x55555555a000 + 8192); /* below start_brk: the same */
	CHECK_EQ(brk_events, 2);
	CHECK_EQ(brk_errors, 0);
	CHECK_EQ(brk_op(s, UINT64_C(0x7ff000000000)), 0x55555555a000 + 8192); /* refused */
	CHECK_EQ(brk_errors, 1);
	sim_destroy(s);
}

/* Run the same system calls in both modes: every result must agree. */
static void tlb_mode_should_answer_system_calls_as_full_mode_does(void)
{
	const unsigned pa = TMAP_PRIVATE | TMAP_ANON, fx = pa | TMAP_FIXED;
	const struct trace_op ops[] = {
		{ .op = TOP_MMAP, .pid = 1, .len = 400 << 10, .flags = pa },
		{ .op = TOP_MMAP, .pid = 1, .len = 2 << 20, .flags = pa },     /* PMD aligned */
		{ .op = TOP_MMAP, .pid = 1, .len = 4096, .flags = pa },        /* into the gap */
		{ .op = TOP_MMAP, .pid = 1, .len = 12345, .flags = pa },
		{ .op = TOP_MMAP, .pid = 1, .len = 4 << 20, .flags = TMAP_SHARED | TMAP_ANON },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x10000000, .len = 8192, .flags = fx },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x20000001, .len = 8192, .flags = pa },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x10000000, .len = 4096, .flags = pa }, /* taken */
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x20000001, .len = 8192, .flags = fx },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x100, .len = 4096, .flags = fx },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x100, .len = 4096, .flags = pa },
		{ .op = TOP_MMAP, .pid = 1, .len = 0, .flags = pa },
		{ .op = TOP_MUNMAP, .pid = 1, .addr = 0x10000000, .len = 8192 },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x10000000, .len = 4096, .flags = pa }, /* free again */
		{ .op = TOP_MUNMAP, .pid = 1, .addr = 0x10000001, .len = 8192 },
		{ .op = TOP_BRK, .pid = 1, .addr = 0 },
		{ .op = TOP_BRK, .pid = 1, .addr = 0x555555559123 },
		{ .op = TOP_BRK, .pid = 1, .addr = 0x555555559123 + 100000 },
		{ .op = TOP_BRK, .pid = 1, .addr = 0 },
		{ .op = TOP_BRK, .pid = 1, .addr = 0x1000 },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x555555600000, .len = 4096, .flags = fx },
		{ .op = TOP_BRK, .pid = 1, .addr = 0x555555600000 },              /* no room */
		{ .op = TOP_BRK, .pid = 1, .addr = 0x555555559123 + 4096 },      /* shrink */
		{ .op = TOP_MREMAP, .pid = 1, .addr = 0x20000000, .len = 8192, .arg = 4096 },
		{ .op = TOP_MREMAP, .pid = 1, .addr = 0x20000000, .len = 4096, .arg = 1 << 20 },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x30000000, .len = 4096, .flags = fx },
		{ .op = TOP_MMAP, .pid = 1, .addr = 0x30001000, .len = 4096, .flags = fx },
		{ .op = TOP_MREMAP, .pid = 1, .addr = 0x30000000, .len = 4096, .arg = 8192 }, /* moves */
		{ .op = TOP_MREMAP, .pid = 1, .addr = 0x30001000, .len = 4096, .arg = 4096,
		  .has_newaddr = 1, .newaddr = 0x40000000 },
		{ .op = TOP_MREMAP, .pid = 1, .addr = 0x50000000, .len = 4096, .arg = 4096 },
		{ .op = TOP_MMAP, .pid = 1, .len = 4096, .flags = pa },
		{ .op = TOP_FORK, .pid = 1, .arg = 5 },
		{ .op = TOP_MMAP, .pid = 5, .len = 4096, .flags = pa },
		{ .op = TOP_BRK, .pid = 5, .addr = 0 },
		{ .op = TOP_EXIT, .pid = 1 },
		{ .op = TOP_MMAP, .pid = 5, .len = 8 << 20, .flags = pa },
	};
	struct sim *full = make("full", NULL), *tlb = make("tlb", NULL);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		struct trace_op op = ops[i];
		int rc1, rc2;
		op.prot = TPROT_READ | TPROT_WRITE;
		int64_t want = sim_syscall(full, &op, &rc1), got = sim_syscall(tlb, &op, &rc2);
		if (want != got)
			fprintf(stderr, "  op %zu (%s): full %" PRId64 " (%#" PRIx64 "), tlb %" PRId64
				" (%#" PRIx64 ")\n", i, trace_op_name(op.op), want, (uint64_t)want,
				got, (uint64_t)got);
		CHECK_EQ(got, want);
		CHECK_EQ(rc2, rc1);
	}
	sim_destroy(full);
	sim_destroy(tlb);
}

/* The same, for random mmap/munmap/mremap/brk calls of two processes. */
static void tlb_mode_should_agree_with_full_mode_on_random_calls(void)
{
	static const uint64_t lens[] = { 4096, 8192, 12345, 2 << 20, 4 << 20, 64 << 10, 1 << 30 };
	uint64_t x = 88172645463325252ull;
	int diffs = 0;
	for (int round = 0; round < 16 && !diffs; round++) {
		/* mode tlb has no overcommit accounting: mode 1 grants all in both */
		struct sim *full = make_with("full", "vm.overcommit_memory", "1");
		struct sim *tlb = make_with("tlb", "vm.overcommit_memory", "1");
		for (int i = 0; i < 300 && !diffs; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint64_t r = x >> 8, base = 0x10000000 + ((r >> 4) % 64) * 65536;
			struct trace_op op = { .pid = 1 + (uint32_t)(x >> 63), .prot = 3,
					       .len = lens[(r >> 12) % 7] };
			switch (r % 7) {
			case 0: case 1: op.op = TOP_MMAP; op.flags = TMAP_PRIVATE | TMAP_ANON; break;
			case 2: op.op = TOP_MMAP; op.addr = base;
				op.flags = TMAP_PRIVATE | TMAP_ANON | ((r >> 20) & 1 ? TMAP_FIXED : 0);
				break;
			case 3: op.op = TOP_MUNMAP; op.addr = base; break;
			case 4: op.op = TOP_BRK;
				op.addr = (r >> 20) & 1 ? 0 : 0x555555550000 + ((r >> 24) % 64) * 5000;
				break;
			case 5: op.op = TOP_MREMAP; op.addr = base; op.arg = lens[(r >> 30) % 7];
				op.has_newaddr = (r >> 40) & 1;
				op.newaddr = 0x20000000 + ((r >> 44) % 16) * 262144;
				break;
			default: op.op = TOP_MMAP; op.flags = TMAP_SHARED | TMAP_ANON; break;
			}
			int rc1, rc2;
			int64_t want = sim_syscall(full, &op, &rc1), got = sim_syscall(tlb, &op, &rc2);
			if (want != got || rc1 != rc2) {
				fprintf(stderr, "  round %d op %d %s %#" PRIx64 " %" PRIu64 ": full %#"
					PRIx64 ", tlb %#" PRIx64 "\n", round, i, trace_op_name(op.op),
					op.addr, op.len, (uint64_t)want, (uint64_t)got);
				diffs++;
			}
		}
		sim_destroy(full);
		sim_destroy(tlb);
	}
	CHECK_EQ(diffs, 0);
}

int main(void)
{
	snprintf(tdir, sizeof tdir, "%s", "004-XXXXXX");
	if (!mkdtemp(tdir))
		return 1;
	RUN(replay_should_end_a_failing_stream_and_run_again);
	RUN(replay_should_stop_at_the_stop_flag_with_sampling);
	RUN(replay_should_name_the_line_of_an_op_the_engine_refuses);
	RUN(replay_should_name_the_offset_in_a_binary_trace);
	RUN(replay_should_run_colliding_pids_as_fresh_ones);
	RUN(brk_should_answer_a_query_without_an_error_event);
	RUN(tlb_mode_should_answer_system_calls_as_full_mode_does);
	RUN(tlb_mode_should_agree_with_full_mode_on_random_calls);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tdir);
	return T_DONE();
}
