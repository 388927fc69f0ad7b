/*
 * memsim/sink.h - the result database (the contract of core/sink/).
 *
 * core/sink/ is the only code that includes sqlite3.h (R1, R25).  The core
 * fills plain records and hands them to the sink; the sink queues them and a
 * writer thread inserts them with prepared statements in batched
 * transactions, so the simulation runs on one core and SQLite on the other.
 *
 * Run life cycle (DESIGN.md section 6):
 *   sink_open -> sink_run_begin (runs row inserted with status 'interrupted',
 *   so a crash or a kill leaves an honest status) -> records ... ->
 *   sink_run_end(status) -> sink_close.
 * Every committed batch leaves a readable database.
 *
 * Threads: every sink_* function is called from one thread (the
 * simulation's); the writer thread is internal and blocks all signals, so
 * SIGINT/SIGTERM reach the caller, which may then call sink_run_end at any
 * point.  sink_report opens its own connection and needs no sink.
 */
#ifndef MEMSIM_SINK_H
#define MEMSIM_SINK_H

#include "types.h"

/* Event types of the `events` table (DESIGN 6); names via sink_event_name(). */
enum ev_type {
	EV_MARK = 0, EV_FAULT, EV_MMAP, EV_MUNMAP, EV_MPROTECT, EV_MADVISE, EV_MREMAP,
	EV_BRK, EV_FILE, EV_FORK, EV_EXIT, EV_SLEEP, EV_OOM_SCORE_ADJ,
	EV_SWAP_OUT, EV_SWAP_IN, EV_OOM_KILL, EV_THP_COLLAPSE, EV_THP_SPLIT,
	EV_TLB_SHOOTDOWN, EV_KSWAPD_WAKE, EV_KSWAPD_SLEEP, EV_SEGV, EV_SIGBUS,
	EV__COUNT
};

/* Fault kinds of the `faults` table (DESIGN 6); names via sink_fault_kind_name(). */
enum fault_kind {
	FK_ANON = 0, FK_ZERO, FK_COW, FK_REUSE, FK_FILE, FK_FILE_COW, FK_SHARED,
	FK_SWAPIN, FK_THP, FK_THP_ZERO, FK_THP_REUSE, FK_ACCESS_FLAG,
	FK_SEGV_MAPERR, FK_SEGV_ACCERR, FK_SIGBUS, FK_OOM,
	FK_SPURIOUS,          /* nothing to do (young/dirty update, raced) */
	FK__COUNT
};

/* Run status. */
enum run_status { RUN_COMPLETE = 0, RUN_INTERRUPTED, RUN_FAILED };

struct sink_event {
	uint64_t seq;         /* global order, shared with faults */
	sim_time_t t_ns;
	uint32_t pid;
	uint16_t type;        /* enum ev_type */
	uint64_t vaddr;
	uint64_t len;
	const char *label;    /* may be NULL; copied by the sink */
};

struct sink_fault {
	uint64_t seq;
	sim_time_t t_ns;
	uint32_t pid;
	uint8_t access;       /* enum access_kind */
	uint8_t kind;         /* enum fault_kind */
	uint8_t major;        /* 1 where Linux counts a major fault */
	int8_t level;         /* page-table level where the walk stopped */
	uint64_t vaddr;
	uint64_t code;        /* x86 #PF error code or arm64 ESR_EL1 */
	const char *path;     /* "exc_page_fault>...": must stay valid until
				 sink_close (interned by the caller) */
	uint64_t latency_ns;
};

struct sink_sample {
	sim_time_t t_ns;
	uint32_t pid;
	uint64_t rss_pages, swap_pages, free_pages;
};

struct sink_run_info {
	const char *arch;
	const char *config_json;
	const char *source;   /* trace path(s) or scenario */
	const char *version;
	int64_t started_at;   /* unix seconds; 0 = now */
};

struct sink;

/* Open (creating if needed) the database at `path` and make sure the schema
 * exists.  Returns NULL with a message in errbuf. */
struct sink *sink_open(const char *path, char *errbuf, size_t errlen);
/* Start a run: inserts the runs row; returns the run_id (> 0) or SIM_EIO. */
int64_t sink_run_begin(struct sink *s, const struct sink_run_info *ri);
/* Queue records (no SQL on the caller's thread; the copy is cheap).  When
 * the queue is full the caller waits for the writer: nothing is dropped.
 * Records given outside a run are dropped and reported by the next
 * sink_flush (SIM_ESTATE).  sink_counter sets the total of (run, pid, name):
 * a second call replaces the value. */
void sink_event(struct sink *s, const struct sink_event *e);
void sink_fault(struct sink *s, const struct sink_fault *f);
void sink_sample(struct sink *s, const struct sink_sample *smp);
void sink_counter(struct sink *s, uint32_t pid, const char *name, int64_t value);
/* Wait until everything queued is committed. 0 or SIM_EIO (the writer
 * failed: later records are dropped, the run will end 'failed'). */
int sink_flush(struct sink *s);
/* End the run: flush, set status and finished_at.  0 or SIM_EIO. */
int sink_run_end(struct sink *s, enum run_status st);
/* Close (after sink_run_end, or without: the run stays 'interrupted').
 * NULL is a no-op. */
void sink_close(struct sink *s);
const char *sink_errmsg(const struct sink *s);
int64_t sink_run_id(const struct sink *s);

/* ---- queries (used by `memsim report`, `memsim check` and Lua sim:query) --- */
enum sink_vtype { SINK_NULL = 0, SINK_INT, SINK_REAL, SINK_TEXT };
struct sink_value {
	enum sink_vtype type;
	int64_t i;
	double d;
	const char *s;
	size_t n;
};
/* Called once per result row; return nonzero to stop. */
typedef int (*sink_row_fn)(void *ud, int ncol, const char *const *names,
			   const struct sink_value *vals);
/* Flush, then run `sql` with parameters bound in order.  0 on success,
 * SIM_EINPUT for bad SQL (message in errbuf), or whatever fn returned.
 * `sql` may hold several statements, run in turn; each one that has
 * parameters takes all nparams.  A SINK_TEXT param with n == 0 is read up to
 * its NUL.  Names and text values are valid only during the callback.  Runs
 * on a second connection that sees everything committed (and may write). */
int sink_query(struct sink *s, const char *sql, const struct sink_value *params,
	       int nparams, sink_row_fn fn, void *ud, char *errbuf, size_t errlen);

/* `memsim report DB [--html FILE]`: print summary tables of every run to
 * `out`; with html_path also write an HTML page with charts.  0, SIM_EIO or
 * SIM_EINPUT (not a memsim database), message in errbuf. */
int sink_report(const char *db_path, void *out /* FILE* */, const char *html_path,
		char *errbuf, size_t errlen);

/* Names stored in events.type / faults.kind; NULL when out of range. */
const char *sink_event_name(unsigned type);
const char *sink_fault_kind_name(unsigned kind);

/* ---- benchmark support ---------------------------------------------------- */
/* The baseline of the sink's speed target: insert `nrows` synthetic faults
 * rows (run_id 0) into a fresh database at `path` with one prepared
 * statement in one transaction, single-threaded, binding exactly as the
 * writer thread binds.  *seconds = time from BEGIN to the end of COMMIT.
 * 0, SIM_EINPUT (path is not a memsim database) or SIM_EIO. */
int sink_bench_raw_insert(const char *path, uint64_t nrows, double *seconds);
/* Row i of those synthetic rows (deterministic; path is a static string),
 * to push the same rows through sink_fault() for a like-for-like figure. */
void sink_bench_fault_row(uint64_t i, struct sink_fault *f);

#endif
