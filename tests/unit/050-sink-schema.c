/*
 * 050-sink-schema.c - the result database schema (DESIGN.md 6): the tables
 * and their contract columns, the schema version, the names written into
 * type/kind, and the refusal of files that are not memsim databases.
 */
#include <stdio.h>

#include "059-sink-t.h"

static char dir[64];

struct cols {
	char buf[512];
};

static int collect_cols(void *ud, int ncol, const char *const *names,
			const struct sink_value *vals)
{
	struct cols *c = ud;
	size_t len = strlen(c->buf);

	(void)ncol;
	(void)names;
	snprintf(c->buf + len, sizeof c->buf - len, "%s%.*s", len ? "," : "",
		 (int)vals[0].n, vals[0].s);
	return 0;
}

static void columns_of(struct sink *s, const char *table, char *out, size_t n)
{
	struct cols c = { "" };
	struct sink_value p = { .type = SINK_TEXT, .s = table };
	char err[256];
	int rc = sink_query(s, "SELECT name FROM pragma_table_info(?) ORDER BY cid",
			    &p, 1, collect_cols, &c, err, sizeof err);

	CHECK_EQ(rc, 0);
	snprintf(out, n, "%s", c.buf);
}

static void sink_should_create_every_table_with_the_contract_columns(void)
{
	char path[128], cols[512];
	char err[SIM_ERRMSG_MAX];
	struct sink *s;

	snprintf(path, sizeof path, "%s/schema.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	columns_of(s, "runs", cols, sizeof cols);
	CHECK_STR(cols, "run_id,started_at,finished_at,status,arch,config_json,"
			"source,memsim_version");
	columns_of(s, "events", cols, sizeof cols);
	CHECK_STR(cols, "run_id,seq,t_ns,pid,type,vaddr,len,label");
	columns_of(s, "faults", cols, sizeof cols);
	CHECK_STR(cols, "run_id,seq,t_ns,pid,vaddr,access,kind,major,code,level,"
			"path,latency_ns");
	columns_of(s, "counters", cols, sizeof cols);
	CHECK_STR(cols, "run_id,pid,name,value");
	columns_of(s, "samples", cols, sizeof cols);
	CHECK_STR(cols, "run_id,t_ns,pid,rss_pages,swap_pages,free_pages");
	CHECK_EQ(st_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'view'"
			   " AND name IN ('fault_summary', 'event_summary', 'tlb_summary')"), 3);
	sink_close(s);
}

static void sink_should_stamp_the_schema_version(void)
{
	char path[128], err[SIM_ERRMSG_MAX];
	struct sink *s;

	snprintf(path, sizeof path, "%s/version.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(st_int(s, "PRAGMA user_version"), 1);
	CHECK_EQ(st_int(s, "PRAGMA application_id"), 0x4D454D53);
	CHECK_EQ(st_int(s, "PRAGMA page_size"), 16384);
	sink_close(s);
}

static void sink_should_name_event_types_and_fault_kinds_as_the_design(void)
{
	static const char *const ev[] = {
		"mark", "fault", "mmap", "munmap", "mprotect", "madvise", "mremap",
		"brk", "file", "fork", "exit", "sleep", "oom_score_adj", "swap_out",
		"swap_in", "oom_kill", "thp_collapse", "thp_split", "tlb_shootdown",
		"kswapd_wake", "kswapd_sleep", "segv", "sigbus",
	};
	static const char *const fk[] = {
		"anon", "zero", "cow", "reuse", "file", "file_cow", "shared",
		"swapin", "thp", "thp_zero", "thp_reuse", "access_flag",
		"segv_maperr", "segv_accerr", "sigbus", "oom", "spurious",
	};

	CHECK_EQ(sizeof ev / sizeof ev[0], EV__COUNT);
	CHECK_EQ(sizeof fk / sizeof fk[0], FK__COUNT);
	for (unsigned i = 0; i < EV__COUNT; i++)
		CHECK_STR(sink_event_name(i), ev[i]);
	for (unsigned i = 0; i < FK__COUNT; i++)
		CHECK_STR(sink_fault_kind_name(i), fk[i]);
	CHECK(sink_event_name(EV__COUNT) == NULL);
	CHECK(sink_fault_kind_name(FK__COUNT) == NULL);
}

static void sink_should_reopen_its_own_database(void)
{
	char path[128], err[SIM_ERRMSG_MAX];
	struct sink *s;

	snprintf(path, sizeof path, "%s/reopen.db", dir);
	sink_close(sink_open(path, err, sizeof err));
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(st_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			   " AND name IN ('runs','events','faults','counters','samples')"), 5);
	sink_close(s);
}

static void sink_should_leave_one_file_in_rollback_mode_after_close(void)
{
	char path[128], wal[140], err[SIM_ERRMSG_MAX];
	unsigned char hdr[20] = { 0 };
	struct sink *s;
	FILE *f;

	snprintf(path, sizeof path, "%s/onefile.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, &(struct sink_run_info){ .arch = "x86_64" }), 1);
	CHECK(!st_file_exists(wal));  /* a rollback journal, even while it runs */
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
	CHECK(!st_file_exists(wal));
	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
		fclose(f);
	}
	CHECK_EQ(hdr[18], 1); /* file format: legacy (rollback journal), not WAL */
	CHECK_EQ(hdr[19], 1);
}

static void sink_should_refuse_a_file_that_is_not_sqlite(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("this is not a database, just some text long enough to look like"
	      " a file with a header of one hundred bytes or more............\n", f);
	fclose(f);
	CHECK(sink_open(path, err, sizeof err) == NULL);
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, "not a SQLite database") != NULL);
}

static void sink_should_refuse_a_foreign_table_of_a_contract_name(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	struct sink *s;

	snprintf(path, sizeof path, "%s/foreign.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	/* Turn it into somebody else's database with a `faults` table. */
	CHECK_EQ(sink_query(s, "DROP VIEW fault_summary; DROP TABLE faults;"
			    "CREATE TABLE faults(a, b); PRAGMA application_id = 0;"
			    "PRAGMA user_version = 0", NULL, 0, NULL, NULL, err,
			    sizeof err), 0);
	sink_close(s);
	CHECK(sink_open(path, err, sizeof err) == NULL);
	CHECK(strstr(err, "faults") != NULL);
	CHECK(strstr(err, "not a memsim table") != NULL);
}

static void sink_should_refuse_a_database_of_another_program(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	struct sink *s;

	snprintf(path, sizeof path, "%s/other.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_query(s, "PRAGMA application_id = 42", NULL, 0, NULL, NULL,
			    err, sizeof err), 0);
	sink_close(s);
	CHECK(sink_open(path, err, sizeof err) == NULL);
	CHECK(strstr(err, "another program") != NULL);
}

static void sink_should_add_its_tables_beside_unrelated_ones(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	struct sink *s;

	snprintf(path, sizeof path, "%s/mixed.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_query(s, "CREATE TABLE notes(x); DROP VIEW fault_summary;"
			    " DROP TABLE faults; PRAGMA application_id = 0;"
			    " PRAGMA user_version = 0", NULL, 0, NULL, NULL, err,
			    sizeof err), 0);
	sink_close(s);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(st_int(s, "SELECT count(*) FROM sqlite_master WHERE name IN"
			   " ('notes', 'faults')"), 2);
	sink_close(s);
}

static void sink_should_report_an_unopenable_path(void)
{
	char err[SIM_ERRMSG_MAX] = "";

	CHECK(sink_open("/nonexistent-dir/x/y.db", err, sizeof err) == NULL);
	CHECK(strstr(err, "/nonexistent-dir/x/y.db") != NULL);
	sink_close(NULL); /* a no-op */
}

int main(void)
{
	st_mkdtemp(dir, sizeof dir);
	RUN(sink_should_create_every_table_with_the_contract_columns);
	RUN(sink_should_stamp_the_schema_version);
	RUN(sink_should_name_event_types_and_fault_kinds_as_the_design);
	RUN(sink_should_reopen_its_own_database);
	RUN(sink_should_leave_one_file_in_rollback_mode_after_close);
	RUN(sink_should_refuse_a_file_that_is_not_sqlite);
	RUN(sink_should_refuse_a_foreign_table_of_a_contract_name);
	RUN(sink_should_refuse_a_database_of_another_program);
	RUN(sink_should_add_its_tables_beside_unrelated_ones);
	RUN(sink_should_report_an_unopenable_path);
	st_rmdir(dir);
	return T_DONE();
}
