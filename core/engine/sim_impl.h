/*
 * engine/sim_impl.h - the inside of `struct sim` and `struct task`, shared by
 * core/engine/ and core/mm/ (never installed).
 *
 * struct sim is the root context (R14): clock, event queue, TLBs, physical
 * memory, processes, files, the sink.  struct task is a process: its pid,
 * its address space (struct mm) and its counters.
 */
#ifndef MEMSIM_ENGINE_SIM_IMPL_H
#define MEMSIM_ENGINE_SIM_IMPL_H

#include <memsim/sim.h>
#include <memsim/tlb.h>

#include "../arch/pgtable.h"
#include "../mm/mm_types.h"
#include "event.h"

struct phys;

struct task {
	uint32_t pid;
	char name[32];
	int alive;               /* 0 after exit or OOM kill */
	int exited;              /* ended by its own exit: a later op is bad input */
	int16_t oom_score_adj;
	uint16_t asid;           /* PCID / ASID of its address space */
	struct mm *mm;           /* NULL after exit */
	struct proc_stats st;    /* counters (kept after exit) */
	struct task *hnext;      /* pid hash chain */
	struct task *next;       /* creation order (for_each_process) */
};

/* One trace file being replayed. */
struct stream {
	struct trace_reader *r;
	struct trace_batch b;    /* current batch */
	size_t pos;              /* next access in b.acc */
	int have;                /* b holds unconsumed data */
	sim_time_t clock;        /* the stream's own time */
	int done;
};

struct timer {
	sim_timer_fn fn;
	void *ud;
};

/* The pids of one sim_replay: trace pid -> simulation pid, in order of first
 * use (pairs) with an open-addressing index (slot = pair index + 1, 0 free). */
struct pid_map {
	uint32_t (*pairs)[2];    /* [i][0] trace pid, [i][1] simulation pid */
	size_t n, cap;           /* pairs used / allocated */
	uint32_t *slots;         /* 2 * cap entries */
	size_t last;             /* index of the last hit + 1 (0: none) */
};

#define TASK_HASH 1024u
#define PATH_HASH 256u

struct path_intern {
	uint64_t key;            /* hash of the function-id sequence */
	char *str;               /* "exc_page_fault>..." */
	struct path_intern *next;
};

struct sim {
	struct sim_config cfg;
	char err[SIM_ERRMSG_MAX];

	/* engine */
	sim_time_t now;
	uint64_t seq;            /* global order of recorded events and faults */
	struct ev_heap q;
	volatile int *stop;
	sim_progress_fn progress;
	void *progress_ud;
	sim_observer_fn observer;
	void *observer_ud;
	int observer_rc;         /* < 0: an observer asked to stop (reported once) */
	sim_time_t next_sample;
	int next_sample_armed;   /* an EVK_SAMPLE is queued */

	/* machine */
	struct tlb_hier tlb;
	struct pwc pwc;
	const struct mmu_arch_ops *ops;
	/* The architecture's exception entry for a walk that failed: returns 1
	 * to retry the access, 0 when it ended in a signal (access skipped). */
	int (*arch_fault)(struct sim *s, struct task *t, vaddr_t va, unsigned access,
			  enum hw_fault f, int level);
	struct pt_format fmt;
	struct phys *phys;
	struct page *mem_map;         /* phys_mem_map(phys), for page_of() */
	struct pt_pool *pt_pool;      /* host memory of page-table entries */
	pfn_t zero_pfn;          /* the shared zero page */
	pfn_t huge_zero_pfn;     /* the huge zero page (PFN_NONE until first use) */
	unsigned page_shift;
	uint32_t next_anon_vma;
	uint16_t next_asid;
	struct file *files;      /* declared files and shmem objects */
	uint32_t next_file_id;

	/* processes */
	struct task *tasks[TASK_HASH];
	struct task *task_list, *task_tail;
	struct task *cur;        /* the process on the CPU */
	struct proc_stats *cur_st;
	uint32_t next_pid;

	/* results */
	struct sink *sink;
	struct phase *phases;
	size_t nphases, phases_cap;
	struct proc_stats phase_base; /* system counters when the phase began */
	struct path_intern *paths[PATH_HASH];
	uint64_t rss_total;      /* resident user pages of all processes */
	uint64_t rss_total_peak;
	uint64_t accesses_since_progress;
	int nstreams_live;       /* streams of the running sim_replay not yet ended */
	struct pid_map pids;     /* the trace pids of the last sim_replay */
};

/* engine/sim.c services for mm/ */
struct task *sim__task_get(struct sim *s, uint32_t pid);      /* create on first use */
void sim__switch_to(struct sim *s, struct task *t);            /* context switch */
uint64_t sim__next_seq(struct sim *s);
void sim__emit_event(struct sim *s, const struct sink_event *e);
void sim__emit_fault(struct sim *s, const struct sink_fault *f);
const char *sim__intern_path(struct sim *s, const uint8_t *ids, unsigned n);
int sim__error(struct sim *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Free the trace-pid map of the last replay (engine/replay.c). */
void sim__pid_map_free(struct pid_map *m);

/* mm/ entry points used by the engine (core/mm/) */
int mm_sim_init(struct sim *s);                      /* phys, zero page */
void mm_sim_fini(struct sim *s);
struct mm *mm_create(struct sim *s, struct task *t); /* empty address space */
void mm_exit(struct sim *s, struct task *t);         /* exit_mmap + free */
void mm_release(struct sim *s, struct task *t);      /* host memory only */
int mm_fork(struct sim *s, struct task *parent, struct task *child); /* dup_mmap */
int mm_file_declare(struct sim *s, const char *name, uint64_t size, unsigned flags);
/* Full-mode access to one page after a TLB miss or an insufficient entry:
 * walk, fault, retry; fills the TLB.  0, MM_ACCESS_SIGNALED, or SIM_E* on
 * an engine error. */
#define MM_ACCESS_SIGNALED 1 /* the access ended in SIGSEGV/SIGBUS: skip its rest */
int mm_access_slow(struct sim *s, struct task *t, unsigned kind, vaddr_t va);
/* The syscall ops from the trace (mmap, munmap, ...): the syscall's result;
 * engine errors in *err. */
int64_t mm_syscall(struct sim *s, struct task *t, const struct trace_op *op, int *err);

#endif
