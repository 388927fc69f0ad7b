/*
 * core/sink/sqlite_sink.c - the result database writer: a bounded queue of
 * record blocks drained by one writer thread into SQLite (DESIGN.md 6, R25,
 * R26), and sink_query's reads.  With schema.c, report.c and bench.c this
 * is the only code that talks to SQLite.
 *
 * Two threads:
 *   - the producer: the one thread that calls sink_* (the simulation).  It
 *     copies each record into the block it is filling (no SQL, no malloc);
 *     a full block goes to the writer in one locked hand-off.
 *   - the writer: started by sink_open, joined by sink_close.  It inserts
 *     with statements prepared once (bind, step, reset), opening a
 *     transaction at the first record and committing every SINK_TXN_ROWS
 *     rows, when it has been idle for a second, and before every call.
 *
 * Calls: whatever else must touch the writer's connection (flush, begin and
 * end of a run) is run *by the writer thread* as a call: the producer hands
 * its partial block over, posts the call and waits; the writer drains every
 * block posted before it, commits, runs the call and wakes the producer.
 *
 * Invariants:
 *   1. Between sink_open and the join in sink_close, only the writer thread
 *      touches s->db and its statements.  s->rdb (sink_query's connection)
 *      belongs to the producer thread.
 *   2. Blocks are in exactly one place: s->cur (producer), the full ring,
 *      the free stack, or in the writer's hands.  The rings hold
 *      SINK_NBLOCKS entries, so pushing never overflows.
 *   3. Each table gets its rows in the order they were given; commits fall
 *      between blocks only; a block never spans two runs (every call hands
 *      the partial block over).
 *   4. A call returns only once everything given before it is committed,
 *      or the writer has failed and says so.
 *   5. After a writer failure the writer keeps taking blocks and drops
 *      them, so the producer never waits forever; every later flush or call
 *      returns SIM_EIO, and sink_run_end records the run as 'failed'.
 *
 * Simplifications: one producer thread (the sink is not a multi-producer
 * queue); records given outside a run are dropped and reported by the next
 * sink_flush as SIM_ESTATE.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "sink_internal.h"

_Static_assert(SINK_NBLOCKS <= 64, "struct sink's arenas mask has 64 bits");

#define SINK_TXN_ROWS 100000   /* rows per transaction while running */
#define SINK_IDLE_COMMIT_S 1   /* commit an open batch idle this long */

#define SINK_MULTI 64          /* rows per multi-row INSERT */
#define SINK_WAKE_FREE (SINK_NBLOCKS / 4) /* a producer waiting for room is
					     woken when this many blocks are
					     free: fewer sleeps and wake-ups */

/* Statement index = record tag - REC_FAULT. */
enum { SINK_INS_FAULT, SINK_INS_EVENT, SINK_INS_SAMPLE, SINK_INS_COUNTER, SINK_NINS };
static const int sink_ncols[SINK_NINS] = {
	SINK_FAULT_COLS, SINK_EVENT_COLS, SINK_SAMPLE_COLS, 4
};

typedef int (*sink_call_fn)(struct sink *s, void *arg);

struct sink {
	/* ---- producer thread only ---- */
	struct sink_block *cur;        /* block being filled, or NULL */
	int64_t run_id;                /* current or last run, 0 before the first */
	int run_active;                /* between sink_run_begin and sink_run_end */
	int prod_rc;                   /* SIM_ESTATE / SIM_ENOMEM seen while queuing */
	uint64_t dropped;              /* records given outside a run */
	struct sink_rec scratch;       /* where those records are written */
	sqlite3 *rdb;                  /* sink_query's connection, opened lazily */
	char *path;                    /* as given to sink_open */
	int memdb;                     /* path is ":memory:" (shared-cache URI) */
	char errmsg[SIM_ERRMSG_MAX];

	/* ---- shared, under mu ---- */
	pthread_mutex_t mu;
	pthread_cond_t wake;           /* writer: a block, a call or stop */
	pthread_cond_t done;           /* producer: a free block or a call done */
	struct sink_block *full[SINK_NBLOCKS]; /* ring of blocks to write */
	unsigned full_head, full_n;
	struct sink_block *freeb[SINK_NBLOCKS]; /* stack of empty blocks */
	unsigned free_n;
	sink_call_fn call_fn;          /* the posted call (may be NULL: flush) */
	void *call_arg;
	uint64_t call_seq, call_done;  /* posted / finished calls */
	int call_rc;
	int prod_waiting;              /* the producer waits for free blocks */
	int stop;                      /* sink_close: writer should exit */
	int failed;                    /* the writer has failed (werrmsg) */
	char werrmsg[SIM_ERRMSG_MAX];

	/* ---- writer thread only (invariant 1) ---- */
	sqlite3 *db;
	sqlite3_stmt *ins[SINK_NINS];  /* one-row INSERTs, prepared at open */
	sqlite3_stmt *multi[SINK_NINS]; /* SINK_MULTI-row INSERTs (not counters:
					  an upsert, and rare), prepared at
					  their first use (sink_multi) */
	int multi_failed[SINK_NINS];   /* could not be prepared: one by one */
	int in_txn;                    /* a batch transaction is open */
	uint64_t txn_rows;             /* rows in it */
	int wfailed;                   /* writer-local copy of `failed` */

	/* ---- set up by sink_open, freed by sink_close ---- */
	struct sink_block *blocks;     /* SINK_NBLOCKS blocks, one allocation */
	uint64_t arenas;               /* bit i: blocks[i] has an arena (producer) */
	pthread_t thread;
	int thread_started;
	int sync_ok;                   /* mutex and conditions initialised */
};

/* ------------------------------------------------------------------------ */
/* Writer thread                                                            */

/* Record the first failure of the writer (later ones keep the first text)
 * and drop the open batch. */
static void sink_writer_fail(struct sink *s, const char *what)
{
	if (!s->wfailed) {
		s->wfailed = 1;
		pthread_mutex_lock(&s->mu);
		s->failed = 1;
		sink__fmt(s->werrmsg, sizeof s->werrmsg, "%s: %s: %s", s->path,
			  what, sqlite3_errmsg(s->db));
		pthread_mutex_unlock(&s->mu);
	}
	if (s->in_txn && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = 0;
	s->txn_rows = 0;
}

static int sink_commit(struct sink *s)
{
	if (!s->in_txn)
		return 0;
	s->in_txn = 0;
	s->txn_rows = 0;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sink_writer_fail(s, "commit failed");
		return SIM_EIO;
	}
	return 0;
}

/* Bind record r at parameter base+1.. of st (its table's INSERT). */
static void sink_bind_rec(sqlite3_stmt *st, int base, const struct sink_block *b,
			  const struct sink_rec *r)
{
	const char *str = r->str_off == SINK_NO_STR ? NULL : b->arena + r->str_off;

	switch (r->tag) {
	case REC_FAULT:
		sink__bind_fault(st, base, b->run_id, &r->u.f);
		break;
	case REC_EVENT:
		sink__bind_event(st, base, b->run_id, &r->u.e, str);
		break;
	case REC_SAMPLE:
		sink__bind_sample(st, base, b->run_id, &r->u.smp);
		break;
	default: /* REC_COUNTER */
		sqlite3_bind_int64(st, base + 1, b->run_id);
		sqlite3_bind_int64(st, base + 2, r->u.c.pid);
		sqlite3_bind_text(st, base + 3, str, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, base + 4, r->u.c.value);
		break;
	}
}

static int sink_step(struct sink *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		sink_writer_fail(s, "insert failed");
		return -1;
	}
	return 0;
}

static const char *const sink_ins_sql[SINK_NINS] = {
	[SINK_INS_FAULT] = sink__sql_insert_fault,
	[SINK_INS_EVENT] = sink__sql_insert_event,
	[SINK_INS_SAMPLE] = sink__sql_insert_sample,
	[SINK_INS_COUNTER] = sink__sql_insert_counter,
};

/* Whether rows of table t are gathered for the multi-row statement. */
static int sink_gathers(const struct sink *s, int t)
{
	return t != SINK_INS_COUNTER && !s->multi_failed[t];
}

/* The multi-row INSERT of table t, prepared the first time a full group of
 * rows needs it (a run that records little never pays for it); NULL if it
 * cannot be (the rows then go one by one). */
static sqlite3_stmt *sink_multi(struct sink *s, int t)
{
	if (s->multi[t] || !sink_gathers(s, t))
		return s->multi[t];
	char *sql = sink__sql_multi(sink_ins_sql[t], SINK_MULTI);
	if (!sql || sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->multi[t],
				       NULL) != SQLITE_OK) {
		sqlite3_finalize(s->multi[t]);
		s->multi[t] = NULL;
		s->multi_failed[t] = 1;
	}
	sqlite3_free(sql);
	return s->multi[t];
}

/* Insert the n records of one table gathered in `p`: SINK_MULTI at a time
 * through the multi-row statement when there are that many, else one by
 * one. */
static int sink_insert_rows(struct sink *s, int t, const struct sink_block *b,
			    const struct sink_rec *const *p, unsigned n)
{
	sqlite3_stmt *m = n == SINK_MULTI ? sink_multi(s, t) : NULL;

	if (m) {
		for (unsigned i = 0; i < n; i++)
			sink_bind_rec(m, (int)i * sink_ncols[t], b, p[i]);
		return sink_step(s, m);
	}
	for (unsigned i = 0; i < n; i++) {
		sink_bind_rec(s->ins[t], 0, b, p[i]);
		if (sink_step(s, s->ins[t]))
			return -1;
	}
	return 0;
}

/* Insert every record of a block; commit when the batch is full.  Each
 * table's rows keep their order; rows of different tables may be inserted
 * in another order than given, which no reader can tell: commits fall only
 * between blocks. */
static void sink_write_block(struct sink *s, const struct sink_block *b)
{
	const struct sink_rec *pend[SINK_NINS][SINK_MULTI];
	unsigned npend[SINK_NINS] = { 0 };

	if (s->wfailed || b->n == 0)
		return;
	if (!s->in_txn) {
		if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			sink_writer_fail(s, "cannot begin a transaction");
			return;
		}
		s->in_txn = 1;
	}
	for (uint32_t i = 0; i < b->n; i++) {
		int t = b->recs[i].tag - REC_FAULT;

		pend[t][npend[t]++] = &b->recs[i];
		if (npend[t] < SINK_MULTI && sink_gathers(s, t))
			continue;
		if (sink_insert_rows(s, t, b, pend[t], npend[t]))
			return;
		npend[t] = 0;
	}
	for (int t = 0; t < SINK_NINS; t++)
		if (npend[t] && sink_insert_rows(s, t, b, pend[t], npend[t]))
			return;
	s->txn_rows += b->n;
	if (s->txn_rows >= SINK_TXN_ROWS)
		sink_commit(s);
}

/* Run the posted call: commit, then the call itself.  Called unlocked. */
static int sink_run_call(struct sink *s, sink_call_fn fn, void *arg)
{
	int rc = sink_commit(s);
	int frc = fn ? fn(s, arg) : 0;

	if (s->wfailed)
		return SIM_EIO;
	return rc ? rc : frc;
}

/* Wait for work.  With a batch open, wake after SINK_IDLE_COMMIT_S and
 * commit it, so a long quiet stretch leaves its records committed. */
static void sink_writer_wait(struct sink *s)
{
	struct timespec ts;

	if (!s->in_txn) {
		pthread_cond_wait(&s->wake, &s->mu);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += SINK_IDLE_COMMIT_S;
	if (pthread_cond_timedwait(&s->wake, &s->mu, &ts) == ETIMEDOUT &&
	    s->full_n == 0 && s->call_done == s->call_seq) {
		pthread_mutex_unlock(&s->mu);
		sink_commit(s);
		pthread_mutex_lock(&s->mu);
	}
}

static void *sink_writer_main(void *arg)
{
	struct sink *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->full_n) {
			struct sink_block *b = s->full[s->full_head];

			s->full_head = (s->full_head + 1) % SINK_NBLOCKS;
			s->full_n--;
			pthread_mutex_unlock(&s->mu);
			sink_write_block(s, b);
			pthread_mutex_lock(&s->mu);
			s->freeb[s->free_n++] = b;
			if (s->prod_waiting && s->free_n >= SINK_WAKE_FREE)
				pthread_cond_signal(&s->done);
		} else if (s->call_done != s->call_seq) {
			sink_call_fn fn = s->call_fn;
			void *carg = s->call_arg;
			int rc;

			pthread_mutex_unlock(&s->mu);
			rc = sink_run_call(s, fn, carg);
			pthread_mutex_lock(&s->mu);
			s->call_rc = rc;
			s->call_done = s->call_seq;
			pthread_cond_signal(&s->done);
		} else if (s->stop) {
			break;
		} else {
			sink_writer_wait(s);
		}
	}
	pthread_mutex_unlock(&s->mu);
	sink_commit(s);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Producer side                                                            */

/* Hand the block being filled to the writer (or back to the free stack when
 * empty).  Called with mu held. */
static void sink_release_cur_locked(struct sink *s)
{
	struct sink_block *b = s->cur;

	s->cur = NULL;
	if (!b)
		return;
	if (b->n == 0) {
		s->freeb[s->free_n++] = b;
		return;
	}
	s->full[(s->full_head + s->full_n) % SINK_NBLOCKS] = b;
	s->full_n++;
	pthread_cond_signal(&s->wake);
}

/* Hand over the current block and take an empty one, waiting for the writer
 * if the queue is full (records are never dropped). */
static void sink_next_block(struct sink *s)
{
	struct sink_block *b;

	pthread_mutex_lock(&s->mu);
	sink_release_cur_locked(s);
	while (s->free_n == 0) {
		s->prod_waiting = 1;
		pthread_cond_wait(&s->done, &s->mu);
	}
	s->prod_waiting = 0;
	b = s->freeb[--s->free_n];
	pthread_mutex_unlock(&s->mu);
	b->n = 0;
	b->arena_used = 0;
	b->run_id = s->run_id;
	s->cur = b;
}

/* The slow path of sink_rec_get: outside a run, or the block is full. */
static struct sink_rec *sink_rec_slow(struct sink *s)
{
	if (!s->run_active) {
		s->dropped++;
		return &s->scratch;
	}
	sink_next_block(s);
	return &s->cur->recs[s->cur->n++];
}

/* A free slot for one record: the hot path is a compare and an increment. */
static inline struct sink_rec *sink_rec_get(struct sink *s)
{
	struct sink_block *b = s->cur;

	if (__builtin_expect(b != NULL && b->n < SINK_BLOCK_RECS, 1))
		return &b->recs[b->n++];
	return sink_rec_slow(s);
}

/* Make room for `len` more bytes in a block's arena.  0 or -1. */
static int sink_grow_arena(struct sink_block *b, size_t len)
{
	size_t need = b->arena_used + len;
	size_t cap = b->arena_cap ? b->arena_cap * 2 : SINK_ARENA_INIT;
	if (cap < need)
		cap = need;
	char *na;

	if (need >= SINK_NO_STR)
		return -1;
	na = realloc(b->arena, cap);
	if (!na)
		return -1;
	b->arena = na;
	b->arena_cap = cap;
	return 0;
}

/* A slot for a record that carries a string: copies `str` into the arena of
 * the block that will hold the record and sets r->str_off.  A block whose
 * arena would pass SINK_ARENA_SOFT_MAX is handed over first; an arena grows
 * (once, then it is reused) for a string bigger than it. */
static struct sink_rec *sink_rec_get_str(struct sink *s, const char *str)
{
	size_t len = str ? strlen(str) + 1 : 0;
	struct sink_block *b = s->cur;
	struct sink_rec *r;

	if (str && b && b->n < SINK_BLOCK_RECS && b->arena_used > 0 &&
	    b->arena_used + len > SINK_ARENA_SOFT_MAX)
		sink_next_block(s);
	r = sink_rec_get(s);
	r->str_off = SINK_NO_STR;
	b = s->cur;
	if (!str || r == &s->scratch)
		return r;
	if (b->arena_used + len > b->arena_cap) {
		if (sink_grow_arena(b, len)) {
			s->prod_rc = SIM_ENOMEM;  /* the string is stored as NULL */
			return r;
		}
		s->arenas |= UINT64_C(1) << (b - s->blocks);
	}
	memcpy(b->arena + b->arena_used, str, len);
	r->str_off = (uint32_t)b->arena_used;
	b->arena_used += len;
	return r;
}

/* The four producers below copy one record into the queue and return; the
 * writer inserts it later (see the file header).  They may wait for the
 * writer when the queue is full; they never fail: problems surface at the
 * next sink_flush. */
void sink_fault(struct sink *s, const struct sink_fault *f)
{
	struct sink_rec *r = sink_rec_get(s);

	r->tag = REC_FAULT;
	r->str_off = SINK_NO_STR;
	r->u.f = *f;
}

void sink_event(struct sink *s, const struct sink_event *e)
{
	struct sink_rec *r = sink_rec_get_str(s, e->label);

	r->tag = REC_EVENT;
	r->u.e = *e;
	r->u.e.label = NULL; /* the copy is at str_off */
}

void sink_sample(struct sink *s, const struct sink_sample *smp)
{
	struct sink_rec *r = sink_rec_get(s);

	r->tag = REC_SAMPLE;
	r->str_off = SINK_NO_STR;
	r->u.smp = *smp;
}

void sink_counter(struct sink *s, uint32_t pid, const char *name, int64_t value)
{
	struct sink_rec *r = sink_rec_get_str(s, name);

	r->tag = REC_COUNTER;
	r->u.c.pid = pid;
	r->u.c.value = value;
}

/* Post a call to the writer and wait for it (invariant 4).  fn == NULL is a
 * flush.  Returns the call's result; on failure s->errmsg says why. */
static int sink_call(struct sink *s, sink_call_fn fn, void *arg)
{
	uint64_t seq;
	int rc;

	pthread_mutex_lock(&s->mu);
	sink_release_cur_locked(s);
	s->call_fn = fn;
	s->call_arg = arg;
	seq = ++s->call_seq;
	pthread_cond_signal(&s->wake);
	while (s->call_done != seq)
		pthread_cond_wait(&s->done, &s->mu);
	rc = s->call_rc;
	if (rc && s->failed)
		memcpy(s->errmsg, s->werrmsg, sizeof s->errmsg);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Wait until every record queued so far is committed.  0; SIM_EIO when the
 * writer has failed; SIM_ESTATE / SIM_ENOMEM once when records were given
 * outside a run or a string could not be copied.  Message in sink_errmsg. */
int sink_flush(struct sink *s)
{
	int rc = sink_call(s, NULL, NULL);

	if (rc)
		return rc;
	if (s->dropped) {
		sink__fmt(s->errmsg, sizeof s->errmsg,
			  "%llu records given outside a run were dropped",
			  (unsigned long long)s->dropped);
		s->dropped = 0;
		return SIM_ESTATE;
	}
	if (s->prod_rc) {
		rc = s->prod_rc;
		s->prod_rc = 0;
		sink__fmt(s->errmsg, sizeof s->errmsg,
			  "out of memory copying a label: stored as NULL");
	}
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */

struct sink_begin_args {
	const struct sink_run_info *ri;
	int64_t started_at;
	int64_t run_id;                /* out */
};

/* Writer-side part of sink_run_begin: insert the runs row, committed at
 * once, with status 'interrupted' until sink_run_end says otherwise. */
static int sink_do_begin(struct sink *s, void *arg)
{
	struct sink_begin_args *a = arg;
	sqlite3_stmt *st;
	int rc;

	if (s->wfailed)
		return SIM_EIO;
	rc = sqlite3_prepare_v2(s->db,
		"INSERT INTO runs(started_at, status, arch, config_json, source,"
		" memsim_version) VALUES(?, 'interrupted', ?, ?, ?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, a->started_at);
		sqlite3_bind_text(st, 2, a->ri ? a->ri->arch : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->ri ? a->ri->config_json : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, a->ri ? a->ri->source : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, a->ri ? a->ri->version : NULL, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK) {
		sink_writer_fail(s, "cannot insert the runs row");
		return SIM_EIO;
	}
	a->run_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Start a run: commits a runs row with status 'interrupted' (ri may be
 * NULL: all fields NULL, started now).  Returns the run_id; SIM_ESTATE if a
 * run is active; SIM_EIO if the row cannot be written. */
int64_t sink_run_begin(struct sink *s, const struct sink_run_info *ri)
{
	struct sink_begin_args a = { ri, ri && ri->started_at ? ri->started_at :
				     (int64_t)time(NULL), 0 };
	int rc;

	if (s->run_active) {
		sink__fmt(s->errmsg, sizeof s->errmsg,
			  "run %lld is still active", (long long)s->run_id);
		return SIM_ESTATE;
	}
	rc = sink_call(s, sink_do_begin, &a);
	if (rc)
		return rc;
	s->run_id = a.run_id;
	s->run_active = 1;
	return a.run_id;
}

struct sink_end_args {
	int64_t run_id;
	enum run_status st;
};

/* Writer-side part of sink_run_end.  A run whose records could not all be
 * written is recorded as 'failed', whatever the caller says. */
static int sink_do_end(struct sink *s, void *arg)
{
	static const char *const names[] = { "complete", "interrupted", "failed" };
	struct sink_end_args *a = arg;
	unsigned st = s->wfailed ? RUN_FAILED : (unsigned)a->st;
	sqlite3_stmt *stmt;
	int rc;

	rc = sqlite3_prepare_v2(s->db,
		"UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
		-1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, names[st <= RUN_FAILED ? st : RUN_FAILED],
				  -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (int64_t)time(NULL));
		sqlite3_bind_int64(stmt, 3, a->run_id);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(stmt);
	}
	if (rc != SQLITE_OK) {
		sink_writer_fail(s, "cannot update the runs row");
		return SIM_EIO;
	}
	return 0;
}

/* End the active run: everything queued is committed, then its status
 * (or 'failed' if records were lost) and finished_at.  0; SIM_ESTATE when no
 * run is active; SIM_EIO after a writer failure (the status still says
 * 'failed' if that row could be written). */
int sink_run_end(struct sink *s, enum run_status st)
{
	struct sink_end_args a = { s->run_id, st };
	int rc;

	if (!s->run_active) {
		sink__fmt(s->errmsg, sizeof s->errmsg, "no run is active");
		return SIM_ESTATE;
	}
	rc = sink_call(s, sink_do_end, &a);
	s->run_active = 0;
	if (rc == 0)
		rc = sink_flush(s);  /* reports dropped records / ENOMEM */
	return rc;
}

/* The message of the last failure of a sink call ("" if none). */
const char *sink_errmsg(const struct sink *s)
{
	return s->errmsg;
}

/* The active run, else the last one; 0 before the first. */
int64_t sink_run_id(const struct sink *s)
{
	return s->run_id;
}

/* ------------------------------------------------------------------------ */
/* Open and close                                                           */

/* The name SQLite opens: a shared-cache URI for ":memory:", so that
 * sink_query's second connection sees the same database. */
static int sink_open_conn(struct sink *s, sqlite3 **db, int create)
{
	char uri[64];
	const char *name = s->path;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);

	if (s->memdb) {
		snprintf(uri, sizeof uri, "file:memsim-%p?mode=memory&cache=shared",
			 (void *)s);
		name = uri;
		flags |= SQLITE_OPEN_URI;
	}
	if (sqlite3_open_v2(name, db, flags, NULL) != SQLITE_OK)
		return SIM_EIO;
	sqlite3_busy_timeout(*db, 5000);
	sqlite3_extended_result_codes(*db, 1);
	return 0;
}

/* Block every signal in the writer thread: SIGINT and SIGTERM must reach
 * the simulation thread, which handles them. */
static int sink_start_writer(struct sink *s)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, sink_writer_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->thread_started = rc == 0;
	return rc;
}

static int sink_init_sync(struct sink *s)
{
	pthread_condattr_t ca;

	if (pthread_mutex_init(&s->mu, NULL))
		return -1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&s->wake, &ca)) {
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	if (pthread_cond_init(&s->done, NULL)) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->mu);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	s->sync_ok = 1;
	return 0;
}

static int sink_alloc_blocks(struct sink *s)
{
	s->blocks = calloc(SINK_NBLOCKS, sizeof *s->blocks);
	if (!s->blocks)
		return -1;
	/* arenas come with a block's first string (sink_grow_arena): a run
	 * that records few events touches few blocks */
	for (unsigned i = 0; i < SINK_NBLOCKS; i++)
		s->freeb[s->free_n++] = &s->blocks[i];
	return 0;
}

static int sink_prepare_inserts(struct sink *s)
{
	for (int i = 0; i < SINK_NINS; i++)
		if (sqlite3_prepare_v3(s->db, sink_ins_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->ins[i], NULL) != SQLITE_OK)
			return -1;
	return 0;
}

/* Open (creating if needed) the database at `path`, check or create the
 * schema, set the run's pragmas and start the writer thread.
 * Returns the sink, or NULL with "PATH: why" in errbuf: not a SQLite file
 * or a foreign table of our name (bad input), or it cannot be opened. */
struct sink *sink_open(const char *path, char *errbuf, size_t errlen)
{
	struct sink *s = calloc(1, sizeof *s);

	if (!s || !(s->path = strdup(path))) {
		sink__fmt(errbuf, errlen, "%s: out of memory", path);
		goto fail;
	}
	s->memdb = strcmp(path, ":memory:") == 0;
	if (sink_open_conn(s, &s->db, 1)) {
		sink__fmt(errbuf, errlen, "%s: cannot open: %s", path,
			  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	if (sink__schema_apply(s->db, path, s->memdb ? NULL : sink__run_pragmas,
			       errbuf, errlen))
		goto fail;
	if (sink_prepare_inserts(s)) {
		sink__fmt(errbuf, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sink_alloc_blocks(s) || sink_init_sync(s)) {
		sink__fmt(errbuf, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (sink_start_writer(s)) {
		sink__fmt(errbuf, errlen, "%s: cannot start the writer thread", path);
		goto fail;
	}
	return s;
fail:
	sink_close(s);
	return NULL;
}

/* Finalize the writer's statements and close its connection. */
static void sink_finish_db(struct sink *s)
{
	for (int i = 0; i < SINK_NINS; i++) {
		sqlite3_finalize(s->ins[i]);
		sqlite3_finalize(s->multi[i]);
	}
	sqlite3_close(s->db);
}

/* Flush, stop the writer, and close.  A run not ended stays 'interrupted'
 * with its records committed.  NULL is a no-op. */
void sink_close(struct sink *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		sink_call(s, NULL, NULL);
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	if (s->rdb)
		sqlite3_close(s->rdb);
	if (s->db)
		sink_finish_db(s);
	if (s->sync_ok) {
		pthread_cond_destroy(&s->done);
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->mu);
	}
	/* only the blocks that got an arena: reading the others' headers
	 * would fault in pages of the queue that were never used */
	for (unsigned i = 0; s->blocks && i < SINK_NBLOCKS; i++)
		if (s->arenas & (UINT64_C(1) << i))
			free(s->blocks[i].arena);
	free(s->blocks);
	free(s->path);
	free(s);
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */

/* Map an SQLite result code to SIM_EIO (the file) or SIM_EINPUT (the SQL). */
static int sink_sql_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_IOERR: case SQLITE_CORRUPT: case SQLITE_FULL:
	case SQLITE_CANTOPEN: case SQLITE_NOTADB: case SQLITE_NOMEM:
	case SQLITE_READONLY: case SQLITE_PERM:
		return SIM_EIO;
	default:
		return SIM_EINPUT;
	}
}

static int sink_query_fail(struct sink *s, sqlite3 *db, int rc, char *errbuf,
			   size_t errlen)
{
	sink__fmt(s->errmsg, sizeof s->errmsg, "%s", sqlite3_errmsg(db));
	sink__fmt(errbuf, errlen, "%s", s->errmsg);
	return sink_sql_rc(rc);
}

static void sink_bind_params(sqlite3_stmt *st, const struct sink_value *p, int n)
{
	for (int i = 0; i < n; i++) {
		switch (p[i].type) {
		case SINK_INT: sqlite3_bind_int64(st, i + 1, p[i].i); break;
		case SINK_REAL: sqlite3_bind_double(st, i + 1, p[i].d); break;
		case SINK_TEXT:
			sqlite3_bind_text(st, i + 1, p[i].s,
					  p[i].n ? (int)p[i].n : -1, SQLITE_TRANSIENT);
			break;
		default: sqlite3_bind_null(st, i + 1); break;
		}
	}
}

static void sink_column_value(sqlite3_stmt *st, int c, struct sink_value *v)
{
	memset(v, 0, sizeof *v);
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER:
		v->type = SINK_INT;
		v->i = sqlite3_column_int64(st, c);
		v->d = (double)v->i;
		break;
	case SQLITE_FLOAT:
		v->type = SINK_REAL;
		v->d = sqlite3_column_double(st, c);
		v->i = (int64_t)v->d;
		break;
	case SQLITE_NULL:
		v->type = SINK_NULL;
		break;
	default: /* TEXT, BLOB */
		v->type = SINK_TEXT;
		v->s = (const char *)sqlite3_column_text(st, c);
		v->n = (size_t)sqlite3_column_bytes(st, c);
		break;
	}
}

/* Step one prepared statement, calling fn per row.  *sqlrc is SQLITE_OK or
 * the failing code; returns 0, fn's nonzero value, or -1 on failure. */
static int sink_query_rows(sqlite3_stmt *st, sink_row_fn fn, void *ud, int *sqlrc)
{
	int ncol = sqlite3_column_count(st);
	const char *names_s[32];
	struct sink_value vals_s[32];
	const char **names = names_s;
	struct sink_value *vals = vals_s;
	int rc = 0;

	if (ncol > 32) {
		names = malloc(sizeof *names * (size_t)ncol);
		vals = malloc(sizeof *vals * (size_t)ncol);
		if (!names || !vals) {
			*sqlrc = SQLITE_NOMEM;
			rc = -1;
			goto out;
		}
	}
	for (int c = 0; c < ncol; c++)
		names[c] = sqlite3_column_name(st, c);
	while ((*sqlrc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++)
			sink_column_value(st, c, &vals[c]);
		if (fn && (rc = fn(ud, ncol, names, vals)) != 0)
			break;
	}
	if (*sqlrc == SQLITE_DONE || *sqlrc == SQLITE_ROW)
		*sqlrc = SQLITE_OK;
	else
		rc = -1;
out:
	if (names != names_s)
		free(names);
	if (vals != vals_s)
		free(vals);
	return rc;
}

/* Run one prepared statement of a query and finalize it: check and bind
 * the parameters, then call fn per row.  0, fn's nonzero value, or
 * SIM_EINPUT / SIM_EIO with the message in errbuf. */
static int sink_query_stmt(struct sink *s, sqlite3_stmt *st,
			   const struct sink_value *params, int nparams,
			   sink_row_fn fn, void *ud, char *errbuf, size_t errlen)
{
	int want = sqlite3_bind_parameter_count(st);
	int rc, sqlrc;

	if (want > nparams || (want < nparams && want > 0)) {
		sqlite3_finalize(st);
		sink__fmt(s->errmsg, sizeof s->errmsg,
			  "the SQL takes %d parameter%s, %d given", want,
			  want == 1 ? "" : "s", nparams);
		sink__fmt(errbuf, errlen, "%s", s->errmsg);
		return SIM_EINPUT;
	}
	sink_bind_params(st, params, want);
	rc = sink_query_rows(st, fn, ud, &sqlrc);
	if (sqlrc != SQLITE_OK)
		rc = sink_query_fail(s, s->rdb, sqlrc, errbuf, errlen);
	sqlite3_finalize(st);
	return rc;
}

/* Flush, then run every statement of `sql` on the query connection, each
 * with `params` bound in order, calling fn per row.  See sink.h. */
int sink_query(struct sink *s, const char *sql, const struct sink_value *params,
	       int nparams, sink_row_fn fn, void *ud, char *errbuf, size_t errlen)
{
	int rc = sink_flush(s);

	if (rc == SIM_ESTATE || rc == SIM_ENOMEM)
		rc = 0; /* reported; the data that is there can be read */
	if (rc) {
		sink__fmt(errbuf, errlen, "%s", s->errmsg);
		return rc;
	}
	if (!s->rdb && sink_open_conn(s, &s->rdb, 0)) {
		sink__fmt(s->errmsg, sizeof s->errmsg, "%s: cannot open: %s", s->path,
			  s->rdb ? sqlite3_errmsg(s->rdb) : "out of memory");
		sink__fmt(errbuf, errlen, "%s", s->errmsg);
		sqlite3_close(s->rdb);
		s->rdb = NULL;
		return SIM_EIO;
	}
	while (rc == 0 && sql && *sql) {
		sqlite3_stmt *st;
		int sqlrc = sqlite3_prepare_v2(s->rdb, sql, -1, &st, &sql);

		if (sqlrc != SQLITE_OK)
			return sink_query_fail(s, s->rdb, sqlrc, errbuf, errlen);
		if (st) /* NULL for blanks or a comment */
			rc = sink_query_stmt(s, st, params, nparams, fn, ud, errbuf,
					     errlen);
	}
	return rc;
}
