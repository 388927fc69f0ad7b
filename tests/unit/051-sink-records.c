/*
 * 051-sink-records.c - records go through the queue and the writer thread
 * and come back intact: faults, events (with labels), samples and counters,
 * more records than the queue holds, in order of seq; sink_query's
 * parameters, errors and early stop.
 */
#include <stdio.h>
#include <stdlib.h>

#include "059-sink-t.h"

#define NFAULTS 100000   /* about three times what the queue holds */

static char dir[64];

static struct sink *open_run(const char *name, char *path, size_t n)
{
	char err[SIM_ERRMSG_MAX];
	struct sink *s;

	snprintf(path, n, "%s/%s", dir, name);
	s = sink_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "sink_open: %s\n", err);
		return NULL;
	}
	if (sink_run_begin(s, &(struct sink_run_info){ .arch = "x86_64",
						        .source = name }) <= 0) {
		sink_close(s);
		return NULL;
	}
	return s;
}

/* Compare every faults row with the row it was made from. */
struct fault_check {
	uint64_t next;      /* expected seq */
	unsigned bad;
};

static int check_fault_row(void *ud, int ncol, const char *const *names,
			   const struct sink_value *v)
{
	struct fault_check *c = ud;
	struct sink_fault f;
	char acc;

	(void)names;
	sink_bench_fault_row(c->next, &f);
	acc = f.access == ACC_WRITE ? 'W' : 'R';
	if (ncol != 12 || v[1].i != (int64_t)f.seq || v[2].i != (int64_t)f.t_ns ||
	    v[3].i != f.pid || v[4].i != (int64_t)f.vaddr || v[5].s[0] != acc ||
	    strcmp(v[6].s, sink_fault_kind_name(f.kind)) != 0 ||
	    v[7].i != f.major || v[8].i != (int64_t)f.code || v[9].i != f.level ||
	    strcmp(v[10].s, f.path) != 0 || v[11].i != (int64_t)f.latency_ns)
		c->bad++;
	c->next++;
	return 0;
}

static void sink_should_store_more_faults_than_the_queue_holds_in_order(void)
{
	char path[128], err[SIM_ERRMSG_MAX];
	struct fault_check c = { 0, 0 };
	struct sink *s = open_run("faults.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	for (uint64_t i = 0; i < NFAULTS; i++) {
		struct sink_fault f;

		sink_bench_fault_row(i, &f);
		sink_fault(s, &f);
	}
	CHECK_EQ(sink_flush(s), 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), NFAULTS);
	CHECK_EQ(sink_query(s, "SELECT * FROM faults ORDER BY rowid", NULL, 0,
			    check_fault_row, &c, err, sizeof err), 0);
	CHECK_EQ(c.next, NFAULTS);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults WHERE run_id = 1"), NFAULTS);
	CHECK_EQ(st_int(s, "SELECT sum(major) FROM faults"), NFAULTS / 4);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
}

static void sink_should_keep_one_seq_order_across_events_and_faults(void)
{
	char path[128], buf[256];
	struct sink *s = open_run("mixed.db", path, sizeof path);
	uint64_t seq = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 5000; i++) {
		struct sink_event e = { .seq = seq++, .t_ns = (sim_time_t)i * 10,
					.pid = 7, .type = EV_MMAP,
					.vaddr = 0x10000 + (uint64_t)i * 4096,
					.len = 4096, .label = i % 3 ? NULL : "region" };
		struct sink_fault f;

		sink_event(s, &e);
		sink_bench_fault_row(seq++, &f);
		sink_fault(s, &f);
		if (i % 1000 == 0) {
			char lbl[32];
			struct sink_event m = { .seq = seq++, .t_ns = e.t_ns,
						.type = EV_MARK, .label = lbl };

			snprintf(lbl, sizeof lbl, "phase-%d", i / 1000);
			sink_event(s, &m);
			lbl[0] = 'X'; /* the sink copied it */
		}
	}
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events"), 5005);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 5000);
	/* events and faults together: seq 0..seq-1, each once */
	CHECK_EQ(st_int(s, "SELECT count(DISTINCT seq) FROM (SELECT seq FROM events"
			   " UNION ALL SELECT seq FROM faults)"), seq);
	CHECK_EQ(st_int(s, "SELECT max(seq) FROM (SELECT seq FROM events UNION ALL"
			   " SELECT seq FROM faults)"), seq - 1);
	/* each table in the order given */
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events a JOIN events b"
			   " ON b.rowid = a.rowid + 1 WHERE b.seq <= a.seq"), 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events WHERE label = 'region'"), 1667);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events WHERE type = 'mmap'"
			   " AND label IS NULL"), 3333);
	CHECK_STR(st_text(s, "SELECT group_concat(label, ',') FROM (SELECT label"
			     " FROM events WHERE type = 'mark' ORDER BY seq)", buf,
			  sizeof buf), "phase-0,phase-1,phase-2,phase-3,phase-4");
	CHECK_EQ(st_int(s, "SELECT vaddr FROM events WHERE seq = 3"), 0x10000 + 4096);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
}

static void sink_should_copy_labels_bigger_than_a_block_arena(void)
{
	char path[128], buf[64];
	struct sink *s = open_run("labels.db", path, sizeof path);
	size_t big = 200000;
	char *label = malloc(big + 1);

	CHECK(s != NULL && label != NULL);
	if (!s || !label) {
		free(label);
		sink_close(s);
		return;
	}
	memset(label, 'L', big);
	label[big] = '\0';
	for (int i = 0; i < 3000; i++) {
		struct sink_event e = { .seq = (uint64_t)i, .type = EV_MARK,
					.label = i % 1000 == 999 ? label : "small" };

		sink_event(s, &e);
	}
	free(label);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events"), 3000);
	CHECK_EQ(st_int(s, "SELECT length(label) FROM events WHERE seq = 1999"), big);
	CHECK_STR(st_text(s, "SELECT label FROM events WHERE seq = 2000", buf,
			  sizeof buf), "small");
	CHECK_EQ(st_int(s, "SELECT count(*) FROM events WHERE label = 'small'"), 2997);
	sink_close(s);
}

static void sink_should_store_samples_and_set_counters(void)
{
	char path[128];
	struct sink *s = open_run("samples.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < 40000; i++) {
		struct sink_sample smp = { .t_ns = (sim_time_t)i * 1000,
					   .pid = 1 + (uint32_t)(i % 2),
					   .rss_pages = (uint64_t)i, .swap_pages = 3,
					   .free_pages = 100000 - (uint64_t)i };

		sink_sample(s, &smp);
	}
	sink_counter(s, 0, "minflt", 10);
	sink_counter(s, 1, "minflt", 4);
	sink_counter(s, 0, "minflt", 12); /* sets, does not add a row */
	sink_counter(s, 0, "accesses", -1);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM samples"), 40000);
	CHECK_EQ(st_int(s, "SELECT max(rss_pages) FROM samples WHERE pid = 2"), 39999);
	CHECK_EQ(st_int(s, "SELECT free_pages FROM samples WHERE t_ns = 5000"), 99995);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM counters"), 3);
	CHECK_EQ(st_int(s, "SELECT value FROM counters WHERE pid = 0 AND"
			   " name = 'minflt'"), 12);
	CHECK_EQ(st_int(s, "SELECT value FROM counters WHERE pid = 0 AND"
			   " name = 'accesses'"), (uint64_t)-1);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
}

struct collect {
	int rows, stop_after;
	int64_t sum;
	char first_name[32];
};

static int collect_rows(void *ud, int ncol, const char *const *names,
			const struct sink_value *v)
{
	struct collect *c = ud;

	if (c->rows++ == 0)
		snprintf(c->first_name, sizeof c->first_name, "%s", names[0]);
	if (ncol > 0 && v[0].type == SINK_INT)
		c->sum += v[0].i;
	return c->stop_after && c->rows >= c->stop_after ? 42 : 0;
}

static void sink_should_query_with_params_and_report_bad_sql(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	struct sink *s = open_run("query.db", path, sizeof path);
	struct collect c = { 0 };
	struct sink_value p[2] = {
		{ .type = SINK_INT, .i = 10 },
		{ .type = SINK_TEXT, .s = "anon" },
	};

	CHECK(s != NULL);
	if (!s)
		return;
	for (uint64_t i = 0; i < 100; i++) {
		struct sink_fault f;

		sink_bench_fault_row(i, &f);
		sink_fault(s, &f);
	}
	CHECK_EQ(sink_query(s, "SELECT seq AS s FROM faults WHERE seq < ?1 AND kind = ?2",
			    p, 2, collect_rows, &c, err, sizeof err), 0);
	CHECK_EQ(c.rows, 3);            /* seq 0, 4, 8 */
	CHECK_EQ(c.sum, 12);
	CHECK_STR(c.first_name, "s");
	memset(&c, 0, sizeof c);
	c.stop_after = 5;
	CHECK_EQ(sink_query(s, "SELECT seq FROM faults", NULL, 0, collect_rows, &c,
			    err, sizeof err), 42);
	CHECK_EQ(c.rows, 5);
	CHECK_EQ(sink_query(s, "SELEKT 1", NULL, 0, collect_rows, &c, err,
			    sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "syntax error") != NULL);
	CHECK_EQ(sink_query(s, "SELECT * FROM nosuch", NULL, 0, collect_rows, &c,
			    err, sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "no such table: nosuch") != NULL);
	CHECK_EQ(sink_query(s, "SELECT ?1 + ?2", p, 1, collect_rows, &c, err,
			    sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "parameters") != NULL);
	/* the connection is still usable after errors */
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 100);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
}

static void sink_should_drop_and_report_records_outside_a_run(void)
{
	char path[128], err[SIM_ERRMSG_MAX];
	struct sink *s;
	struct sink_fault f;

	snprintf(path, sizeof path, "%s/outside.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	sink_bench_fault_row(0, &f);
	sink_fault(s, &f);
	CHECK_EQ(sink_flush(s), SIM_ESTATE);
	CHECK(strstr(sink_errmsg(s), "outside a run") != NULL);
	CHECK_EQ(sink_flush(s), 0);     /* reported once */
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), SIM_ESTATE);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 0);
	sink_close(s);
}

static void sink_should_work_in_memory(void)
{
	char err[SIM_ERRMSG_MAX];
	struct sink *s = sink_open(":memory:", err, sizeof err);
	struct sink_fault f;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	for (uint64_t i = 0; i < 3000; i++) {
		sink_bench_fault_row(i, &f);
		sink_fault(s, &f);
	}
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 3000);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM runs WHERE status = 'complete'"), 1);
	sink_close(s);
}

static void sink_should_time_the_raw_baseline_on_the_same_rows(void)
{
	char path[128], err[SIM_ERRMSG_MAX];
	struct fault_check c = { 0, 0 };
	double secs = -1;
	struct sink *s;

	snprintf(path, sizeof path, "%s/raw.db", dir);
	CHECK_EQ(sink_bench_raw_insert(path, 5000, &secs), 0);
	CHECK(secs > 0);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_query(s, "SELECT * FROM faults ORDER BY rowid", NULL, 0,
			    check_fault_row, &c, err, sizeof err), 0);
	CHECK_EQ(c.next, 5000);
	CHECK_EQ(c.bad, 0);
	sink_close(s);
}

int main(void)
{
	st_mkdtemp(dir, sizeof dir);
	RUN(sink_should_store_more_faults_than_the_queue_holds_in_order);
	RUN(sink_should_keep_one_seq_order_across_events_and_faults);
	RUN(sink_should_copy_labels_bigger_than_a_block_arena);
	RUN(sink_should_store_samples_and_set_counters);
	RUN(sink_should_query_with_params_and_report_bad_sql);
	RUN(sink_should_drop_and_report_records_outside_a_run);
	RUN(sink_should_work_in_memory);
	RUN(sink_should_time_the_raw_baseline_on_the_same_rows);
	st_rmdir(dir);
	return T_DONE();
}
