/*
 * engine/replay.c - the drivers: trace streams under the event loop, single
 * operations, and the access loops of both modes.
 *
 * Scheduling.  Every trace file is a stream with its own clock.  The event
 * loop pops the earliest event (time, seq); a stream runs batch by batch
 * (a run of up to a few thousand accesses, or one operation) until its clock
 * passes the time of the next queued event, then it is queued again at its
 * clock.  One file with several pids is therefore replayed in file order,
 * and several files interleave by simulated time.  The granularity of
 * interleaving is one batch.
 *
 * Cost.  What happens is decided by the TLB model and mm/; how long it takes
 * comes from the cost model (struct cost_model), added here per access from
 * the counters the TLB model keeps (R6).
 *
 * Stopping.  The event loop looks at the stop flag before every event and a
 * stream before every batch; an observer that returned < 0 (observe() in
 * sim.c) is reported by the same checks, and by the single-operation
 * drivers when their operation has completed (boundary()).
 *
 * Trace errors.  An operation the engine refuses while replaying a line
 * (SIM_EINPUT, SIM_ESTATE) is reported as "FILE:LINE: ..." of that line
 * ("FILE:@OFFSET: ..." in binary traces), like the readers' own errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_impl.h"

int sim__mark(struct sim *s, const char *label);

/* ---- access loops ----------------------------------------------------------------- */

/* Cost of the TLB work between two snapshots of the current process's counters. */
static uint64_t tlb_cost(const struct sim *s, const struct tlb_stats *a,
			 const struct tlb_stats *b, uint64_t walks)
{
	const struct cost_model *c = &s->cfg.cost;
	uint64_t l1 = (b->l1d_hits + b->l1d_misses + b->l1i_hits + b->l1i_misses) -
		      (a->l1d_hits + a->l1d_misses + a->l1i_hits + a->l1i_misses);
	uint64_t l2 = (b->l2_hits + b->l2_misses) - (a->l2_hits + a->l2_misses);
	return l1 * c->tlb_l1_ns + l2 * c->tlb_l2_ns + walks * s->fmt.levels * c->walk_level_ns;
}

/* TLB-only mode: identity translation, no faults (DESIGN 5b). */
static void run_tlb_mode(struct sim *s, struct task *t, const uint64_t *acc, size_t n)
{
	struct tlb_stats before = t->st.tlb;
	tlb_hier_access_words(&s->tlb, acc, n, t->asid);
	t->st.accesses += n;
	uint64_t walks = t->st.tlb.l2_misses - before.l2_misses;
	t->st.walks += walks;
	s->now += tlb_cost(s, &before, &t->st.tlb, walks);
}

/* What a TLB entry must allow for each access kind (R, W, X). */
static const uint8_t tlb_need[4] = { 0, 0, TLBE_WRITE, TLBE_EXEC };

/* Full mode, one page, after the inline L1 probe missed or did not allow
 * the access: the rest of the TLB lookup, then the walk and the fault path. */
static int access_page_slow(struct sim *s, struct task *t, unsigned kind, vaddr_t va,
			    int probed_hit, uint64_t data)
{
	if (!probed_hit && tlb_hier_lookup(&s->tlb, kind, va, t->asid, &data) &&
	    (data & tlb_need[kind]) == tlb_need[kind])
		return 0;
	return mm_access_slow(s, t, kind, va);
}

static int access_full(struct sim *s, struct task *t, unsigned kind, vaddr_t va, uint64_t size)
{
	unsigned shift = s->page_shift;
	vaddr_t first = va >> shift, last = (va + (size ? size : 1) - 1) >> shift;
	for (vaddr_t p = first; p <= last; p++) {
		vaddr_t a = p == first ? va : p << shift;
		uint64_t data = 0;
		int hit = tlb_hier_lookup_fast(&s->tlb, kind, a, t->asid, &data);
		if (hit && (data & tlb_need[kind]) == tlb_need[kind])
			continue;
		int rc = access_page_slow(s, t, kind, a, hit, data);
		if (rc == MM_ACCESS_SIGNALED)
			return 0; /* the instruction stops at its first bad page */
		if (rc)
			return rc;
		if (!t->alive || s->observer_rc)
			return 0;
	}
	return 0;
}

/* Full mode: the TLB-hit path of a one-page access is inline; everything
 * else (L2, walks, faults, page-crossing accesses) is not. */
static int run_full_mode(struct sim *s, struct task *t, const uint64_t *acc, size_t n)
{
	struct tlb_hier *h = &s->tlb;
	struct tlb_stats before = t->st.tlb;
	uint64_t walks0 = t->st.walks, pmask = (UINT64_C(1) << s->page_shift) - 1;
	uint16_t asid = t->asid;
	size_t i;
	for (i = 0; i < n; i++) {
		uint64_t w = acc[i], va = tacc_addr(w), data = 0;
		unsigned kind = tacc_kind(w), size = tacc_size(w);
		int rc;
		if ((va & pmask) + size - 1 <= pmask) {
			int hit = tlb_hier_lookup_fast(h, kind, va, asid, &data);
			if (hit && (data & tlb_need[kind]) == tlb_need[kind])
				continue;
			rc = access_page_slow(s, t, kind, va, hit, data);
		} else {
			rc = access_full(s, t, kind, va, size);
		}
		if (rc && rc != MM_ACCESS_SIGNALED)
			return rc;
		if (!t->alive || s->observer_rc) { /* killed, or an observer said stop */
			i++;
			break;
		}
	}
	t->st.accesses += i;
	s->now += tlb_cost(s, &before, &t->st.tlb, t->st.walks - walks0);
	return 0;
}

/* An operation of process t, which is not alive: an error when it exited by
 * itself (the trace is wrong), nothing at all when it was killed (the trace
 * did not know).  Returns the rc for the caller to return. */
static int dead_task(struct sim *s, const struct task *t, const char *what)
{
	if (t->exited)
		return sim__error(s, SIM_EINPUT, "%s: process %u has exited", what, t->pid);
	return 0;
}

/* The rc of a driver whose operation has completed: its own error, or else
 * the stop requested by an observer meanwhile (reported once). */
static int boundary(struct sim *s, int rc)
{
	int orc = s->observer_rc;
	s->observer_rc = 0;
	return rc ? rc : orc;
}

static int run_accesses(struct sim *s, uint32_t pid, const uint64_t *acc, size_t n)
{
	struct task *t = sim__task_get(s, pid);
	if (!t)
		return sim__error(s, SIM_ENOMEM, "out of memory");
	if (!t->alive)
		return dead_task(s, t, "access");
	sim__switch_to(s, t);
	if (s->cfg.mode == MODE_TLB) {
		run_tlb_mode(s, t, acc, n);
		return 0;
	}
	return run_full_mode(s, t, acc, n);
}

int sim_touch(struct sim *s, uint32_t pid, unsigned kind, vaddr_t addr, uint64_t len)
{
	uint64_t buf[256];
	size_t n = 0;
	uint64_t psz = UINT64_C(1) << s->page_shift;
	vaddr_t end = addr + (len ? len : 1);
	if (end < addr)
		return sim__error(s, SIM_EINPUT, "range wraps around the address space");
	for (vaddr_t a = addr; a < end; a = (a & ~(psz - 1)) + psz) {
		buf[n++] = tacc_make(kind, 1, a);
		if (n == sizeof buf / sizeof buf[0]) {
			int rc = boundary(s, run_accesses(s, pid, buf, n));
			if (rc)
				return rc;
			n = 0;
		}
	}
	return boundary(s, n ? run_accesses(s, pid, buf, n) : 0);
}

/* ---- operations -------------------------------------------------------------------- */

static void record_op_event(struct sim *s, struct task *t, unsigned type, vaddr_t va,
			    uint64_t len, const char *label)
{
	struct sink_event e = { sim__next_seq(s), s->now, t ? t->pid : 0, (uint16_t)type, va,
				len, label };
	sim__emit_event(s, &e);
}

static int do_large_access(struct sim *s, const struct trace_op *op)
{
	/* An access larger than 64 bytes: every page it covers, ascending. */
	struct task *t = sim__task_get(s, op->pid);
	if (!t)
		return sim__error(s, SIM_ENOMEM, "out of memory");
	if (!t->alive)
		return dead_task(s, t, "access");
	sim__switch_to(s, t);
	t->st.accesses++;
	if (s->cfg.mode == MODE_TLB) {
		tlb_hier_access(&s->tlb, op->op, op->addr, op->len, t->asid);
		return 0;
	}
	return access_full(s, t, op->op, op->addr, op->len);
}

int sim_mark(struct sim *s, uint32_t pid, const char *label)
{
	int rc = sim__mark(s, label ? label : "");
	record_op_event(s, sim_task(s, pid), EV_MARK, 0, 0, label);
	return boundary(s, rc);
}

/* Operations without a process's address space behind them. */
static int do_engine_op(struct sim *s, const struct trace_op *op)
{
	switch (op->op) {
	case TOP_R:
	case TOP_W:
	case TOP_X:
		if (op->len <= TACC_MAX_SIZE) {
			uint64_t w = tacc_make(op->op, op->len ? (unsigned)op->len : 1, op->addr);
			return run_accesses(s, op->pid, &w, 1);
		}
		return do_large_access(s, op);
	case TOP_AT:
		sim_advance(s, op->t_ns);
		return 0;
	case TOP_MARK:
		return sim_mark(s, op->pid, op->name);
	case TOP_SLEEP:
		s->now += op->arg;
		return 0;
	default:
		return 1;
	}
}

int64_t sim_syscall(struct sim *s, const struct trace_op *op, int *rc)
{
	*rc = 0;
	if (op->op == TOP_FILE) {
		*rc = boundary(s, mm_file_declare(s, op->name, op->len, op->flags));
		return 0;
	}
	struct task *t = sim__task_get(s, op->pid);
	if (!t) {
		*rc = sim__error(s, SIM_ENOMEM, "out of memory");
		return -12;
	}
	if (!t->alive) {
		*rc = dead_task(s, t, trace_op_name(op->op));
		return -3; /* ESRCH: the process is gone */
	}
	sim__switch_to(s, t);
	s->now += s->cfg.cost.syscall_ns;
	int64_t r = mm_syscall(s, t, op, rc);
	if (op->op == TOP_EXIT && !t->alive)
		t->exited = 1;
	*rc = boundary(s, *rc);
	return r;
}

int sim_do_op(struct sim *s, const struct trace_op *op)
{
	int rc = do_engine_op(s, op);
	if (rc <= 0)
		return boundary(s, rc);
	sim_syscall(s, op, &rc);
	return rc;
}

/* ---- streams and the event loop ------------------------------------------------------ */

static void sample(struct sim *s)
{
	if (!s->sink || s->cfg.output_events == OUT_EVENTS_NONE)
		return;
	uint64_t free_pages = sim_free_pages(s);
	for (struct task *t = s->task_list; t; t = t->next) {
		if (!t->alive)
			continue;
		struct sink_sample smp = { s->now, t->pid, task_rss(t), task_swapents(t),
					   free_pages };
		sink_sample(s->sink, &smp);
	}
}

/* The stop flag (SIGINT) or an observer's stop, checked at every boundary
 * of the event loop and of a stream. */
static int check_stop(struct sim *s)
{
	if (s->observer_rc)
		return boundary(s, 0);
	if (s->stop && *s->stop)
		return sim__error(s, SIM_EINTR, "interrupted");
	return 0;
}

static void report_progress(struct sim *s, struct stream *st, size_t n)
{
	s->accesses_since_progress += n;
	if (!s->progress || s->accesses_since_progress < (1u << 20))
		return;
	uint64_t done, total;
	trace_progress(st->r, &done, &total);
	struct proc_stats all;
	sim_stats(s, &all);
	s->progress(s->progress_ud, done, total, all.accesses);
	s->accesses_since_progress = 0;
}

/* ---- trace pids -------------------------------------------------------------------- */

void sim__pid_map_free(struct pid_map *m)
{
	free(m->pairs);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static size_t pid_slot(uint32_t pid, size_t nslots)
{
	return (size_t)((pid * UINT32_C(2654435761)) & (uint32_t)(nslots - 1));
}

static int pid_map_grow(struct pid_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	uint32_t(*pairs)[2] = realloc(m->pairs, cap * sizeof(*pairs));
	if (!pairs)
		return SIM_ENOMEM;
	m->pairs = pairs;
	uint32_t *slots = calloc(2 * cap, sizeof(*slots));
	if (!slots)
		return SIM_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = pid_slot(pairs[i][0], 2 * cap);
		while (slots[j])
			j = (j + 1) & (2 * cap - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/* The entry of trace pid `tp`, or NULL. */
static uint32_t *pid_map_find(struct pid_map *m, uint32_t tp)
{
	if (m->last && m->pairs[m->last - 1][0] == tp)
		return m->pairs[m->last - 1];
	if (!m->cap)
		return NULL;
	for (size_t j = pid_slot(tp, 2 * m->cap); m->slots[j]; j = (j + 1) & (2 * m->cap - 1))
		if (m->pairs[m->slots[j] - 1][0] == tp) {
			m->last = m->slots[j];
			return m->pairs[m->slots[j] - 1];
		}
	return NULL;
}

/*
 * The simulation pid of trace pid `tp` (*out), fixed at its first use in
 * this replay (see sim_replay in sim.h): the same number while no process
 * has it, else the next free pid.  Either is reserved against sim_task_create
 * choosing it for someone else.  0 or SIM_ENOMEM.
 */
static int pid_map_get(struct sim *s, uint32_t tp, uint32_t *out)
{
	struct pid_map *m = &s->pids;
	uint32_t *e = pid_map_find(m, tp);
	if (e) {
		*out = e[1];
		return 0;
	}
	if (m->n == m->cap && pid_map_grow(m))
		return sim__error(s, SIM_ENOMEM, "out of memory");
	uint32_t pid = tp;
	if (sim_task(s, tp)) {
		while (sim_task(s, s->next_pid))
			s->next_pid++;
		pid = s->next_pid;
	}
	if (pid >= s->next_pid)
		s->next_pid = pid + 1;
	m->pairs[m->n][0] = tp;
	m->pairs[m->n][1] = pid;
	size_t j = pid_slot(tp, 2 * m->cap);
	while (m->slots[j])
		j = (j + 1) & (2 * m->cap - 1);
	m->slots[j] = (uint32_t)++m->n;
	*out = pid;
	return 0;
}

int sim_replay_pid(const struct sim *s, size_t i, uint32_t *trace_pid, uint32_t *pid)
{
	if (i >= s->pids.n)
		return 0;
	*trace_pid = s->pids.pairs[i][0];
	*pid = s->pids.pairs[i][1];
	return 1;
}

/* ---- running a stream -------------------------------------------------------------- */

/* Run the operation of a batch, its pids mapped (the child's of a fork too). */
static int stream_op(struct sim *s, const struct trace_op *top)
{
	struct trace_op op = *top;
	int rc = 0;
	if (op.op != TOP_AT && op.op != TOP_FILE)
		rc = pid_map_get(s, op.pid, &op.pid);
	if (!rc && op.op == TOP_FORK && op.arg) {
		uint32_t child;
		rc = pid_map_get(s, (uint32_t)op.arg, &child);
		op.arg = child;
	}
	return rc ? rc : sim_do_op(s, &op);
}

/* Run the current batch of a stream. */
static int stream_batch(struct sim *s, struct stream *st)
{
	if (!st->b.n)
		return stream_op(s, &st->b.op);
	uint32_t pid;
	int rc = pid_map_get(s, st->b.pid, &pid);
	if (rc)
		return rc;
	rc = run_accesses(s, pid, st->b.acc, st->b.n);
	report_progress(s, st, st->b.n);
	return rc;
}

/* Put "FILE:LINE: " (binary: "FILE:@OFFSET: ") of the current batch before
 * the message of an error the engine raised on it; returns rc. */
static int stream_error(struct sim *s, struct stream *st, int rc)
{
	if (rc != SIM_EINPUT && rc != SIM_ESTATE)
		return rc;
	char msg[SIM_ERRMSG_MAX];
	const char *path = trace_reader_path(st->r);
	uint64_t where = st->b.n ? st->b.where : st->b.op.where;
	snprintf(msg, sizeof msg, "%s", s->err);
	return sim__error(s, rc, "%s:%s%llu: %s", strcmp(path, "-") ? path : "<stdin>",
			  trace_reader_format(st->r) == TRACE_BINARY ? "@" : "",
			  (unsigned long long)where, msg);
}

/* Run one stream until it ends or its clock passes the next event's time. */
static int stream_run(struct sim *s, struct stream *st)
{
	s->now = st->clock > s->now ? st->clock : s->now;
	for (;;) {
		int rc = check_stop(s);
		if (rc)
			return rc;
		rc = trace_next(st->r, &st->b);
		if (rc == 0) {
			st->done = 1;
			break;
		}
		if (rc < 0)
			return sim__error(s, rc, "%s", trace_errmsg(st->r));
		rc = stream_batch(s, st);
		if (rc)
			return stream_error(s, st, rc);
		const struct ev *top = ev_top(&s->q);
		if (top && top->t < s->now)
			break;
	}
	st->clock = s->now;
	return 0;
}

static int dispatch(struct sim *s, const struct ev *e)
{
	if (e->t > s->now)
		s->now = e->t;
	switch (e->kind) {
	case EVK_STREAM: {
		struct stream *st = e->p;
		int rc = stream_run(s, st);
		if (rc || st->done) {
			st->done = 1; /* a stream that failed has ended too */
			s->nstreams_live--;
			return rc;
		}
		return ev_push(&s->q, st->clock, EVK_STREAM, st, NULL);
	}
	case EVK_TIMER: {
		struct timer *tm = e->p;
		int rc = tm->fn(s, tm->ud);
		free(tm);
		return rc < 0 ? rc : 0;
	}
	case EVK_SAMPLE:
		sample(s);
		if (s->nstreams_live > 0 || s->q.n > 0) {
			s->next_sample = s->now + s->cfg.sample_ns;
			return ev_push(&s->q, s->next_sample, EVK_SAMPLE, NULL, NULL);
		}
		s->next_sample = 0;
		s->next_sample_armed = 0;
		return 0;
	}
	return 0;
}

int sim_at(struct sim *s, sim_time_t t, sim_timer_fn fn, void *ud)
{
	struct timer *tm = malloc(sizeof(*tm));
	if (!tm)
		return SIM_ENOMEM;
	tm->fn = fn;
	tm->ud = ud;
	if (ev_push(&s->q, t < s->now ? s->now : t, EVK_TIMER, tm, NULL)) {
		free(tm);
		return SIM_ENOMEM;
	}
	return 0;
}

/* ev_filter callbacks: drop every timer (calling the caller's drop on its
 * ud) / end every stream. */
static int keep_non_timer(const struct ev *e, void *ud)
{
	void (*drop)(void *) = *(void (**)(void *))ud;
	if (e->kind != EVK_TIMER)
		return 1;
	struct timer *tm = e->p;
	if (drop)
		drop(tm->ud);
	free(tm);
	return 0;
}

static int keep_non_stream(const struct ev *e, void *ud)
{
	struct sim *s = ud;
	if (e->kind != EVK_STREAM)
		return 1;
	((struct stream *)e->p)->done = 1;
	s->nstreams_live--;
	return 0;
}

void sim_drop_timers(struct sim *s, void (*drop)(void *ud))
{
	ev_filter(&s->q, keep_non_timer, &drop);
}

static void arm_sampling(struct sim *s)
{
	if (s->cfg.sample_ns && s->sink && s->cfg.output_events != OUT_EVENTS_NONE &&
	    s->cfg.mode == MODE_FULL && !s->next_sample_armed) {
		if (ev_push(&s->q, s->now + s->cfg.sample_ns, EVK_SAMPLE, NULL, NULL) == 0)
			s->next_sample_armed = 1;
	}
}

int sim_run(struct sim *s)
{
	struct ev e;
	arm_sampling(s);
	for (;;) {
		int rc = check_stop(s);
		if (rc)
			return rc;
		if (ev_pop(&s->q, &e))
			break;
		if (e.kind == EVK_SAMPLE && s->nstreams_live == 0 && s->q.n == 0) {
			s->next_sample_armed = 0;
			break;
		}
		rc = dispatch(s, &e);
		if (rc)
			return rc;
	}
	s->next_sample_armed = 0;
	return 0;
}

int sim_streams_live(const struct sim *s) { return s->nstreams_live; }

int sim_replay(struct sim *s, const char *const *paths, int npaths, enum trace_format fmt)
{
	struct stream *sts = calloc((size_t)npaths, sizeof(*sts));
	int rc = 0;
	if (!sts)
		return sim__error(s, SIM_ENOMEM, "out of memory");
	sim__pid_map_free(&s->pids);
	for (int i = 0; i < npaths && !rc; i++) {
		char err[SIM_ERRMSG_MAX];
		sts[i].r = trace_open(paths[i], fmt, err, sizeof err);
		if (!sts[i].r) {
			rc = sim__error(s, SIM_EIO, "%s", err);
			break;
		}
		sts[i].clock = s->now;
		rc = ev_push(&s->q, s->now, EVK_STREAM, &sts[i], NULL);
		if (rc)
			rc = sim__error(s, SIM_ENOMEM, "out of memory");
		else
			s->nstreams_live++;
	}
	if (!rc)
		rc = sim_run(s);
	/* On error the queue may still hold the other streams: they end here
	 * (the one that failed ended in dispatch), so nothing counts them as
	 * live any more and the simulation can run again. */
	if (rc)
		ev_filter(&s->q, keep_non_stream, s);
	for (int i = 0; i < npaths; i++)
		trace_close(sts[i].r);
	free(sts);
	return rc;
}
