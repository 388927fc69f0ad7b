/*
 * engine/sim.c - the machine: creation, processes, recording of events and
 * faults, phases and counters.
 *
 * The replay and direct-operation drivers are in engine/replay.c; the
 * memory manager they call is in core/mm/.  This file owns struct sim's life
 * cycle and every path by which a result leaves the core (the sink and the
 * observer), so the output level (output.events) is applied in one place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_impl.h"

int sim__error(struct sim *s, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return rc;
}

const char *sim_errmsg(const struct sim *s) { return s->err; }
const struct sim_config *sim_config(const struct sim *s) { return &s->cfg; }
void sim_set_sink(struct sim *s, struct sink *k) { s->sink = k; }
void sim_set_stop_flag(struct sim *s, volatile int *flag) { s->stop = flag; }
sim_time_t sim_now(const struct sim *s) { return s->now; }

void sim_set_progress(struct sim *s, sim_progress_fn fn, void *ud)
{
	s->progress = fn;
	s->progress_ud = ud;
}

void sim_set_observer(struct sim *s, sim_observer_fn fn, void *ud)
{
	s->observer = fn;
	s->observer_ud = ud;
}

void sim_advance(struct sim *s, sim_time_t t)
{
	if (t > s->now)
		s->now = t;
}

void sim_set_clock(struct sim *s, sim_time_t t) { s->now = t; }

static int setup_paging(struct sim *s, char *err, size_t n)
{
	const struct sim_config *c = &s->cfg;
	if (c->arch == ARCH_X86_64) {
		s->ops = &x86_64_mmu_ops;
		if (x86_64_pt_format(&s->fmt, c->paging_levels)) {
			snprintf(err, n, "bad value for paging.levels: '%u'", c->paging_levels);
			return -1;
		}
	} else {
		char why[160];
		s->ops = &arm64_mmu_ops;
		if (arm64_pt_format(&s->fmt, c->paging_granule, c->paging_va_bits, why,
				    sizeof why)) {
			snprintf(err, n, "bad value for paging.va_bits: '%u' (%s)",
				 c->paging_va_bits, why);
			return -1;
		}
	}
	s->page_shift = s->fmt.page_shift;
	return 0;
}

struct sim *sim_create(const struct sim_config *cfg, char *err, size_t n)
{
	char why[400];
	if (config_validate(cfg, why, sizeof why)) {
		snprintf(err, n, "%s", why);
		return NULL;
	}
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->cfg = *cfg;
	ev_heap_init(&s->q);
	s->next_pid = 1;
	s->next_asid = 1;
	s->next_anon_vma = 1;
	s->next_file_id = 1;
	s->huge_zero_pfn = PFN_NONE;
	if (setup_paging(s, err, n))
		goto fail;
	struct tlb_config tc = cfg->tlb;
	tc.page_shift = s->fmt.page_shift; /* arm64 16K/64K granules */
	tc.seed = cfg->seed;               /* tlb.policy = random */
	if (tlb_hier_create(&s->tlb, &tc)) {
		snprintf(err, n, "cannot create the TLBs with this geometry");
		goto fail;
	}
	unsigned shifts[PWC_MAX_LEVELS];
	unsigned nl = s->fmt.levels - 1;
	for (unsigned i = 0; i < nl && i < PWC_MAX_LEVELS; i++)
		shifts[i] = s->fmt.shift[i];
	if (pwc_create(&s->pwc, nl > PWC_MAX_LEVELS ? PWC_MAX_LEVELS : nl, shifts, cfg->pwc,
		       cfg->seed)) {
		snprintf(err, n, "cannot create the paging-structure caches");
		goto fail;
	}
	/* both modes: mode tlb still keeps address spaces (VMAs) so that mmap,
	 * mremap and brk answer as in full mode; it only never faults */
	if (mm_sim_init(s)) {
		snprintf(err, n, "cannot set up %llu bytes of simulated memory",
			 (unsigned long long)cfg->ram);
		goto fail;
	}
	s->next_sample = cfg->sample_ns;
	return s;
nomem:
	snprintf(err, n, "out of memory");
fail:
	sim_destroy(s);
	return NULL;
}

static void free_paths(struct sim *s)
{
	for (unsigned i = 0; i < PATH_HASH; i++) {
		struct path_intern *p = s->paths[i];
		while (p) {
			struct path_intern *nx = p->next;
			free(p->str);
			free(p);
			p = nx;
		}
	}
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	sim_drop_timers(s, NULL);
	sim__pid_map_free(&s->pids);
	for (struct task *t = s->task_list, *nx; t; t = nx) {
		nx = t->next;
		if (t->mm)
			mm_release(s, t);
		free(t);
	}
	mm_sim_fini(s);
	tlb_hier_destroy(&s->tlb);
	pwc_destroy(&s->pwc);
	ev_heap_free(&s->q);
	free(s->phases);
	free_paths(s);
	free(s);
}

/* ---- processes ----------------------------------------------------------------- */

struct task *sim_task(struct sim *s, uint32_t pid)
{
	for (struct task *t = s->tasks[pid & (TASK_HASH - 1)]; t; t = t->hnext)
		if (t->pid == pid)
			return t;
	return NULL;
}

struct task *sim_task_create(struct sim *s, uint32_t pid, const char *name)
{
	if (pid == 0) {
		while (sim_task(s, s->next_pid))
			s->next_pid++;
		pid = s->next_pid++;
	}
	if (sim_task(s, pid))
		return NULL;
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pid = pid;
	snprintf(t->name, sizeof t->name, "%s", name ? name : "proc");
	t->alive = 1;
	t->asid = s->next_asid;
	s->next_asid = (uint16_t)(s->next_asid % 4095 + 1);
	t->mm = mm_create(s, t);
	if (!t->mm) {
		free(t);
		return NULL;
	}
	unsigned h = pid & (TASK_HASH - 1);
	t->hnext = s->tasks[h];
	s->tasks[h] = t;
	if (s->task_tail)
		s->task_tail->next = t;
	else
		s->task_list = t;
	s->task_tail = t;
	if (pid >= s->next_pid)
		s->next_pid = pid + 1;
	return t;
}

struct task *sim__task_get(struct sim *s, uint32_t pid)
{
	struct task *t = sim_task(s, pid);
	return t ? t : sim_task_create(s, pid, NULL);
}

void sim__switch_to(struct sim *s, struct task *t)
{
	if (s->cur == t)
		return;
	if (!s->cfg.tlb_asid && s->cur) {
		tlb_hier_flush_all(&s->tlb);
		pwc_flush_all(&s->pwc);
	}
	s->cur = t;
	s->cur_st = &t->st;
	s->tlb.st = &t->st.tlb;
}

uint32_t task_pid(const struct task *t) { return t->pid; }
const char *task_name(const struct task *t) { return t->name; }
int task_alive(const struct task *t) { return t->alive; }
const struct proc_stats *task_stats(const struct task *t) { return &t->st; }

uint64_t task_rss(const struct task *t)
{
	if (!t->mm)
		return 0;
	return (uint64_t)(t->mm->rss[MM_FILEPAGES] + t->mm->rss[MM_ANONPAGES] +
			  t->mm->rss[MM_SHMEMPAGES]);
}

uint64_t task_swapents(const struct task *t)
{
	return t->mm ? (uint64_t)t->mm->rss[MM_SWAPENTS] : 0;
}

uint64_t sim_rss(const struct sim *s)
{
	uint64_t n = 0;
	for (const struct task *t = s->task_list; t; t = t->next)
		n += task_rss(t);
	return n;
}

uint64_t sim_swapents(const struct sim *s)
{
	uint64_t n = 0;
	for (const struct task *t = s->task_list; t; t = t->next)
		n += task_swapents(t);
	return n;
}

static void stats_add(struct proc_stats *a, const struct proc_stats *b)
{
	const uint64_t *src = (const uint64_t *)b;
	uint64_t *dst = (uint64_t *)a;
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

void sim_stats(const struct sim *s, struct proc_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (const struct task *t = s->task_list; t; t = t->next)
		stats_add(out, &t->st);
	out->rss_peak_pages = s->rss_total_peak;
}

/* ---- recording ------------------------------------------------------------------ */

uint64_t sim__next_seq(struct sim *s) { return ++s->seq; }

/* Deliver to the observer; a negative return is kept for the driver, which
 * reports it at its next operation boundary (mm/ cannot be unwound here). */
static void observe(struct sim *s, const struct sink_event *e, const struct sink_fault *f)
{
	int rc = s->observer(s->observer_ud, e, f);
	if (rc < 0) {
		s->observer_rc = rc;
		sim__error(s, rc, "stopped by an event observer");
	}
}

void sim__emit_event(struct sim *s, const struct sink_event *e)
{
	if (s->sink && s->cfg.output_events != OUT_EVENTS_NONE &&
	    (e->type != EV_FAULT || s->cfg.output_events == OUT_EVENTS_ALL))
		sink_event(s->sink, e);
	if (s->observer && !s->observer_rc)
		observe(s, e, NULL);
}

void sim__emit_fault(struct sim *s, const struct sink_fault *f)
{
	if (s->sink && s->cfg.output_events != OUT_EVENTS_NONE) {
		sink_fault(s->sink, f);
		if (s->cfg.output_events == OUT_EVENTS_ALL) {
			struct sink_event e = { f->seq, f->t_ns, f->pid, EV_FAULT, f->vaddr, 0,
						sink_fault_kind_name(f->kind) };
			sink_event(s->sink, &e);
		}
	}
	if (s->observer && !s->observer_rc)
		observe(s, NULL, f);
}

/* Paths are chains of function ids; each distinct chain becomes one string,
 * built on first use and kept until sim_destroy (the sink stores the pointer). */
extern const char *const mm_fn_names[];

const char *sim__intern_path(struct sim *s, const uint8_t *ids, unsigned n)
{
	uint64_t h = 1469598103934665603ull;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ ids[i]) * 1099511628211ull;
	h ^= n;
	struct path_intern **bucket = &s->paths[h & (PATH_HASH - 1)];
	for (struct path_intern *p = *bucket; p; p = p->next)
		if (p->key == h)
			return p->str;
	size_t len = 1;
	for (unsigned i = 0; i < n; i++)
		len += strlen(mm_fn_names[ids[i]]) + 1;
	struct path_intern *p = malloc(sizeof(*p));
	char *str = malloc(len);
	if (!p || !str) {
		free(p);
		free(str);
		return "";
	}
	str[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strcat(str, ">");
		strcat(str, mm_fn_names[ids[i]]);
	}
	p->key = h;
	p->str = str;
	p->next = *bucket;
	*bucket = p;
	return str;
}

/* ---- phases --------------------------------------------------------------------- */

static void phase_close(struct sim *s)
{
	if (!s->nphases)
		return;
	struct proc_stats now;
	sim_stats(s, &now);
	struct phase *ph = &s->phases[s->nphases - 1];
	ph->minflt = now.minflt - s->phase_base.minflt;
	ph->majflt = now.majflt - s->phase_base.majflt;
	ph->faults = now.faults - s->phase_base.faults;
	ph->cow_copies = now.cow_copies - s->phase_base.cow_copies;
	ph->thp_faults = now.thp_faults - s->phase_base.thp_faults;
	ph->segv = now.segv - s->phase_base.segv;
	ph->sigbus = now.sigbus - s->phase_base.sigbus;
}

int sim__mark(struct sim *s, const char *label)
{
	phase_close(s);
	if (s->nphases == s->phases_cap) {
		size_t nc = s->phases_cap ? s->phases_cap * 2 : 16;
		struct phase *np = realloc(s->phases, nc * sizeof(*np));
		if (!np)
			return sim__error(s, SIM_ENOMEM, "out of memory");
		s->phases = np;
		s->phases_cap = nc;
	}
	struct phase *ph = &s->phases[s->nphases++];
	memset(ph, 0, sizeof(*ph));
	snprintf(ph->label, sizeof ph->label, "%s", label);
	sim_stats(s, &s->phase_base);
	return 0;
}

size_t sim_phases(const struct sim *s, const struct phase **out)
{
	phase_close((struct sim *)s);
	*out = s->phases;
	return s->nphases;
}

/* ---- counters ---------------------------------------------------------------------- */

const struct sim_counter sim_counters[] = { /* its size must be SIM_NCOUNTERS */
#define F(n, f) { n, offsetof(struct proc_stats, f) }
	F("accesses", accesses), F("minflt", minflt), F("majflt", majflt),
	F("faults", faults), F("walks", walks), F("cow_copies", cow_copies),
	F("cow_reuses", cow_reuses), F("swap_outs", swap_outs), F("swap_ins", swap_ins),
	F("oom_kills", oom_kills), F("thp_faults", thp_faults), F("thp_splits", thp_splits),
	F("thp_collapses", thp_collapses), F("segv", segv), F("sigbus", sigbus),
	F("tlb_shootdowns", shootdowns), F("rss_peak_pages", rss_peak_pages),
	F("tlb.l1d.hits", tlb.l1d_hits), F("tlb.l1d.misses", tlb.l1d_misses),
	F("tlb.l1i.hits", tlb.l1i_hits), F("tlb.l1i.misses", tlb.l1i_misses),
	F("tlb.l2.hits", tlb.l2_hits), F("tlb.l2.misses", tlb.l2_misses),
#undef F
};

static void write_stats(struct sink *k, uint32_t pid, const struct proc_stats *st)
{
	for (size_t i = 0; i < SIM_NCOUNTERS; i++)
		sink_counter(k, pid, sim_counters[i].name,
			     (int64_t)sim_counter_value(st, &sim_counters[i]));
}

int sim_write_counters(struct sim *s)
{
	if (!s->sink)
		return 0;
	/* a last RSS sample, so even a short run has one point per process */
	if (s->cfg.output_events != OUT_EVENTS_NONE && s->cfg.mode == MODE_FULL) {
		uint64_t free_pages = sim_free_pages(s);
		for (struct task *t = s->task_list; t; t = t->next) {
			struct sink_sample smp = { s->now, t->pid, task_rss(t), task_swapents(t),
						   free_pages };
			sink_sample(s->sink, &smp);
		}
	}
	for (struct task *t = s->task_list; t; t = t->next)
		write_stats(s->sink, t->pid, &t->st);
	struct proc_stats all;
	sim_stats(s, &all);
	write_stats(s->sink, 0, &all);
	if (s->cfg.mode == MODE_FULL)
		sink_counter(s->sink, 0, "free_pages", (int64_t)sim_free_pages(s));
	return 0;
}
