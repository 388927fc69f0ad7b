/*
 * core/sink/bench.c - the baseline the sink's speed is measured against: a
 * bare single-threaded SQLite insert loop writing faults rows (one prepared
 * statement, one transaction), and the synthetic rows both sides write.
 *
 * The loop binds rows with the same sink__bind_fault() as the writer thread
 * and into the same table definition, so the comparison measures only what
 * the sink adds: the queue, the hand-off and the batching.
 */
#include <stdlib.h>
#include <time.h>

#include "sink_internal.h"

/* Typical handler chains; string literals, so valid "until close". */
static const char *const sink_bench_paths[] = {
	"exc_page_fault>do_user_addr_fault>handle_mm_fault>__handle_mm_fault>"
	"handle_pte_fault>do_pte_missing>do_anonymous_page",
	"exc_page_fault>do_user_addr_fault>handle_mm_fault>__handle_mm_fault>"
	"handle_pte_fault>do_wp_page>wp_page_copy",
	"exc_page_fault>do_user_addr_fault>handle_mm_fault>__handle_mm_fault>"
	"handle_pte_fault>do_pte_missing>do_fault>do_read_fault>filemap_fault",
	"exc_page_fault>do_user_addr_fault>handle_mm_fault>__handle_mm_fault>"
	"handle_pte_fault>do_swap_page",
};

/* Fill *f with row i of the benchmark's synthetic faults (deterministic). */
void sink_bench_fault_row(uint64_t i, struct sink_fault *f)
{
	static const uint8_t kinds[4] = { FK_ANON, FK_COW, FK_FILE, FK_SWAPIN };
	unsigned k = (unsigned)(i % 4);

	f->seq = i;
	f->t_ns = 1000 + i * 250;
	f->pid = 1 + (uint32_t)(i % 3);
	f->access = k == 1 ? ACC_WRITE : ACC_READ;
	f->kind = kinds[k];
	f->major = k == 3;
	f->level = 4;
	f->vaddr = 0x7f0000000000ull + (i << 12);
	f->code = k == 1 ? 0x7 : 0x4;
	f->path = sink_bench_paths[k];
	f->latency_ns = k == 3 ? 25000 : 600 + (i % 7) * 10;
}

static double sink_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The measured loop: BEGIN, nrows x (bind, step, reset), COMMIT. */
static int sink_bench_loop(sqlite3 *db, sqlite3_stmt *st, uint64_t nrows,
			   double *seconds)
{
	struct sink_fault f;
	double t0 = sink_now();

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return SIM_EIO;
	for (uint64_t i = 0; i < nrows; i++) {
		sink_bench_fault_row(i, &f);
		sink__bind_fault(st, 0, 0, &f);
		if (sqlite3_step(st) != SQLITE_DONE)
			return SIM_EIO;
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return SIM_EIO;
	*seconds = sink_now() - t0;
	return 0;
}

/* Insert nrows synthetic faults rows (run_id 0) into `path`, given the
 * memsim schema if it lacks it, in one transaction of one prepared
 * statement, on SQLite's default journal; *seconds is the time from BEGIN
 * to the end of COMMIT.  0, SIM_EINPUT (not a memsim database) or SIM_EIO.
 * Use a fresh file: the rows stay in it. */
int sink_bench_raw_insert(const char *path, uint64_t nrows, double *seconds)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	*seconds = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return SIM_EIO;
	}
	rc = sink__schema_apply(db, path, NULL, NULL, 0);
	if (rc == 0 && sqlite3_prepare_v2(db, sink__sql_insert_fault, -1, &st,
					  NULL) != SQLITE_OK)
		rc = SIM_EIO;
	if (rc == 0)
		rc = sink_bench_loop(db, st, nrows, seconds);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
