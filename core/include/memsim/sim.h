/*
 * memsim/sim.h - the simulation: one machine, its processes, the event
 * engine, and the drivers that feed it (trace replay, direct operations).
 *
 * A `struct sim` (like Lua's global_State, R14) owns the clock, the event
 * queue, the TLBs, physical memory and every process; it is the first
 * parameter of everything.  Nothing here prints or exits: functions return 0
 * or a negative SIM_E* code and leave the detail in sim_errmsg().
 *
 * Time: a simulated clock in nanoseconds.  Events are ordered by
 * (time, seq); seq grows by one for every event scheduled, so two events at
 * the same time run in the order they were scheduled (R16).  The same inputs
 * and seed give the same events, always.
 */
#ifndef MEMSIM_SIM_H
#define MEMSIM_SIM_H

#include "config.h"
#include "sink.h"
#include "trace.h"
#include "types.h"

struct sim;
struct task;

/* Counters of one process; pid 0 in the database is the sum (DESIGN 6). */
struct proc_stats {
	uint64_t accesses;       /* trace accesses (not pages) */
	uint64_t minflt, majflt; /* getrusage meaning */
	uint64_t faults;         /* architectural faults taken (perf page-faults) */
	uint64_t walks;          /* hardware page walks */
	uint64_t cow_copies, cow_reuses;
	uint64_t swap_outs, swap_ins;
	uint64_t oom_kills;
	uint64_t thp_faults, thp_splits, thp_collapses;
	uint64_t segv, sigbus;
	uint64_t shootdowns;     /* TLB shootdown events */
	uint64_t rss_peak_pages;
	struct tlb_stats tlb;
};

/* The counters of struct proc_stats by their names in the `counters` table
 * (DESIGN 6), in that table's order: sim_counters[i].off is the offset of
 * a uint64_t in struct proc_stats.  SIM_NCOUNTERS entries. */
struct sim_counter {
	const char *name;
	size_t off;
};
#define SIM_NCOUNTERS 23
extern const struct sim_counter sim_counters[SIM_NCOUNTERS];
static inline uint64_t sim_counter_value(const struct proc_stats *st, const struct sim_counter *c)
{
	return *(const uint64_t *)(const void *)((const char *)st + c->off);
}

/* ---- life cycle ------------------------------------------------------------ */

/* Create a machine from a validated configuration.  Returns NULL with the
 * reason in errbuf. */
struct sim *sim_create(const struct sim_config *cfg, char *errbuf, size_t errlen);
/* Free everything, including the timers still queued by sim_at (their `ud`
 * belongs to the caller: reclaim it first with sim_drop_timers); NULL is a
 * no-op.  Does not close the sink. */
void sim_destroy(struct sim *s);
const char *sim_errmsg(const struct sim *s);
const struct sim_config *sim_config(const struct sim *s);

/* Attach the result sink (may be NULL: nothing is recorded). */
void sim_set_sink(struct sim *s, struct sink *k);
/* A flag that, once nonzero, makes the engine stop at the next operation
 * boundary with SIM_EINTR (set from a SIGINT/SIGTERM handler). */
void sim_set_stop_flag(struct sim *s, volatile int *flag);
/* Progress callback for long replays (called at most every ~2^20 accesses). */
typedef void (*sim_progress_fn)(void *ud, uint64_t done_bytes, uint64_t total_bytes,
				uint64_t accesses);
void sim_set_progress(struct sim *s, sim_progress_fn fn, void *ud);

/* ---- drivers ----------------------------------------------------------------- */

/* Replay trace files: one stream each, interleaved by simulated time, with
 * everything else queued (timers).  Returns 0, SIM_EINPUT (a bad trace line,
 * or an operation the engine refuses: a fork to a pid in use, an operation
 * of a process that exited; message "FILE:LINE: ...", "FILE:@OFFSET: ..."
 * for binary traces), SIM_EIO, SIM_EINTR (stop flag), or the rc of a timer
 * or observer that stopped the run.  On an error every stream is ended and
 * closed; the simulation can run again.
 *
 * Trace pids: a pid of the traces that names a process which exists when
 * the replay first meets it (made before the replay, or by someone else
 * during it) is replayed as a fresh pid (the next free one), as is a fork
 * child whose pid exists; the other pids are used as they are.  The mapping
 * of the last replay is read with sim_replay_pid(). */
int sim_replay(struct sim *s, const char *const *paths, int npaths, enum trace_format fmt);
/* Entry i (0, 1, ... in order of first use) of the pid mapping of the last
 * sim_replay: the trace's pid and the simulation pid it was replayed as.
 * Returns 1, or 0 past the last entry. */
int sim_replay_pid(const struct sim *s, size_t i, uint32_t *trace_pid, uint32_t *pid);
/* Trace streams of the running sim_replay that have not ended (0 outside
 * one): a timer can tell whether the replay still has work queued. */
int sim_streams_live(const struct sim *s);

/* Run one operation now, at the current time, as if it came from a trace
 * (op->pid names the process; an unknown pid is a new process).  Accesses
 * bigger than 64 bytes are fine here.  Returns 0 or SIM_E*. */
int sim_do_op(struct sim *s, const struct trace_op *op);
/* Run one system-call operation (mmap, munmap, mprotect, madvise, mremap,
 * brk, fork, exit, oom_score_adj, file) and return its result as the
 * syscall would: the address for mmap/mremap, the new break for brk, the
 * child's pid for fork (op->arg 0 picks a free pid), 0 for the others, or a
 * negative errno (-12 ENOMEM ...).  Engine errors (bad input, out of host
 * memory) are returned as SIM_E* through *rc (0 when fine). */
int64_t sim_syscall(struct sim *s, const struct trace_op *op, int *rc);
/* Open a phase named `label` (as the trace op `mark`), recorded as an event. */
int sim_mark(struct sim *s, uint32_t pid, const char *label);
/* One access of `kind` to every page of [addr, addr+len) (len 0 = 1 byte),
 * each page touched once, ascending: the loop of p:write(a, len). */
int sim_touch(struct sim *s, uint32_t pid, unsigned kind, vaddr_t addr, uint64_t len);

/* ---- events and timers --------------------------------------------------------- */
typedef int (*sim_timer_fn)(struct sim *s, void *ud);
/* Call fn at simulated time t (>= now).  Returns 0 or SIM_ENOMEM. */
int sim_at(struct sim *s, sim_time_t t, sim_timer_fn fn, void *ud);
/* Remove every queued timer without running it, calling drop(ud) for each
 * (drop may be NULL).  Other queued events stay. */
void sim_drop_timers(struct sim *s, void (*drop)(void *ud));
/* Run queued events (timers, streams) until none is left, a timer's fn
 * returns < 0 (that rc), an observer returned < 0 (that rc) or the stop flag
 * is up (SIM_EINTR; checked before every event, which then stays queued). */
int sim_run(struct sim *s);
sim_time_t sim_now(const struct sim *s);
/* Advance the clock to at least t (immediate-mode sleeps). */
void sim_advance(struct sim *s, sim_time_t t);
/* Set the clock (for a scheduler that runs one operation of a process at
 * the process's own time, measures its cost and sets the clock back, so
 * other processes can run in the meantime).  Never use it to go back past
 * a time at which a queued event was already dispatched. */
void sim_set_clock(struct sim *s, sim_time_t t);

/* Observer of recorded events (for Lua sim:on).  Called for every event and
 * fault after it is recorded; `e` or `f` is NULL.  Cost is zero when unset.
 * It returns 0, or a negative rc to stop the simulation: accesses stop
 * right after the one that produced the event (a system call in progress
 * completes; no further event reaches the observer meanwhile) and the
 * driver that ran it (sim_replay, sim_run, sim_do_op, sim_syscall,
 * sim_touch, sim_mark) returns that rc, once.  The observer keeps its own message; sim_errmsg() says only
 * that an observer stopped the simulation. */
typedef int (*sim_observer_fn)(void *ud, const struct sink_event *e,
			       const struct sink_fault *f);
void sim_set_observer(struct sim *s, sim_observer_fn fn, void *ud);

/* ---- processes ------------------------------------------------------------------- */
/* Find a process by pid; NULL if it never existed. */
struct task *sim_task(struct sim *s, uint32_t pid);
/* Create a process with an empty address space; pid 0 picks the next free
 * pid.  Returns NULL if the pid exists already. */
struct task *sim_task_create(struct sim *s, uint32_t pid, const char *name);
uint32_t task_pid(const struct task *t);
/* The name given at creation ("proc" by default; a fork child's is its
 * parent's). */
const char *task_name(const struct task *t);
int task_alive(const struct task *t);
const struct proc_stats *task_stats(const struct task *t);
/* Resident pages (anon + file + shmem) and swap entries now. */
uint64_t task_rss(const struct task *t);
uint64_t task_swapents(const struct task *t);
/* Sum of all processes (living and exited). */
void sim_stats(const struct sim *s, struct proc_stats *out);
/* Resident pages and swap entries now, summed over every process (a page
 * mapped by several processes counts once per process, as RSS does). */
uint64_t sim_rss(const struct sim *s);
uint64_t sim_swapents(const struct sim *s);
uint64_t sim_free_pages(const struct sim *s);

/* ---- phases (mark) ---------------------------------------------------------------
 * Each `mark` opens a phase that runs until the next mark; the simulation
 * keeps the system-wide minflt/majflt of every phase for `memsim check`. */
struct phase {
	char label[64];
	uint64_t minflt, majflt, faults, cow_copies, thp_faults, segv, sigbus;
};
size_t sim_phases(const struct sim *s, const struct phase **out);

/* Write the counters of every process and of pid 0, and the phases, to the
 * sink.  Called once at the end of a run. */
int sim_write_counters(struct sim *s);

#endif
