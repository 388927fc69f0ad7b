/*
 * 053-sink-report.c - `memsim report`: the text tables carry the numbers of
 * the database (run header, pid-0 counters with TLB miss rates, faults by
 * kind, processes, events by type); --html writes one self-contained page
 * with SVG charts; a file that is not a memsim database is refused.
 */
#include <stdio.h>
#include <stdlib.h>

#include "059-sink-t.h"

static char dir[64];
static char db[128];

static void counter(struct sink *s, uint32_t pid, const char *name, int64_t v)
{
	sink_counter(s, pid, name, v);
}

/* One complete run with known numbers, one interrupted run. */
static void make_db(void)
{
	char err[SIM_ERRMSG_MAX];
	struct sink_run_info ri = { .arch = "x86_64", .source = "traces/fork_cow.mtr",
				    .version = "0.1.0", .started_at = 1700000000 };
	struct sink *s;
	uint64_t seq = 0;

	snprintf(db, sizeof db, "%s/report.db", dir);
	s = sink_open(db, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, &ri), 1);
	for (int i = 0; i < 30; i++) {      /* 30 anon (latency 600), 10 cow, 4 swapin major */
		struct sink_fault f = { .seq = seq++, .t_ns = (sim_time_t)i * 100,
					.pid = 1, .access = ACC_WRITE, .kind = FK_ANON,
					.vaddr = 0x1000 * (uint64_t)i, .path = "a>b",
					.latency_ns = 600 };

		sink_fault(s, &f);
		if (i < 10) {
			f.seq = seq++;
			f.kind = FK_COW;
			f.pid = 2;
			f.latency_ns = 1000;
			sink_fault(s, &f);
		}
		if (i < 4) {
			f.seq = seq++;
			f.kind = FK_SWAPIN;
			f.major = 1;
			f.latency_ns = 50000;
			sink_fault(s, &f);
		}
	}
	for (int i = 0; i < 3; i++) {
		struct sink_event e = { .seq = seq++, .t_ns = 5000, .pid = 1,
					.type = EV_MMAP, .len = 4096 };

		sink_event(s, &e);
	}
	sink_event(s, &(struct sink_event){ .seq = seq++, .t_ns = 7000000,
					    .type = EV_FORK, .pid = 1 });
	for (int i = 0; i < 50; i++) {
		sink_sample(s, &(struct sink_sample){ .t_ns = (sim_time_t)i * 1000,
						      .pid = 1, .rss_pages = (uint64_t)i });
		sink_sample(s, &(struct sink_sample){ .t_ns = (sim_time_t)i * 1000,
						      .pid = 2, .rss_pages = 2 * (uint64_t)i });
	}
	counter(s, 0, "accesses", 123456);
	counter(s, 0, "minflt", 40);
	counter(s, 0, "majflt", 4);
	counter(s, 0, "tlb.l1d.hits", 900);
	counter(s, 0, "tlb.l1d.misses", 100);
	counter(s, 0, "tlb.l2.hits", 75);
	counter(s, 0, "tlb.l2.misses", 25);
	counter(s, 0, "walks", 25);
	counter(s, 0, "zz_custom", 7);
	counter(s, 1, "minflt", 30);
	counter(s, 1, "majflt", 4);
	counter(s, 1, "rss_peak_pages", 34);
	counter(s, 2, "minflt", 10);
	counter(s, 2, "majflt", 0);
	counter(s, 2, "rss_peak_pages", 20);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	CHECK_EQ(sink_run_begin(s, &ri), 2);
	sink_close(s);                      /* run 2 stays 'interrupted' */
}

static char *report_text(const char *path, const char *html, int *rc, char *err,
			 size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	*rc = sink_report(path, out, html, err, errlen);
	fclose(out);
	return buf;
}

/* Does some line of `text` contain all of a, b and c, in that order? */
static int has_line(const char *text, const char *a, const char *b, const char *c)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512];
		const char *p;

		snprintf(buf, sizeof buf, "%.*s", (int)n, line);
		if ((p = strstr(buf, a)) && (p = strstr(p + strlen(a), b)) &&
		    strstr(p + strlen(b), c))
			return 1;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

static void sink_should_report_the_numbers_of_each_run(void)
{
	char err[SIM_ERRMSG_MAX] = "";
	int rc;
	char *t = report_text(db, NULL, &rc, err, sizeof err);

	CHECK_EQ(rc, 0);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CHECK(t && strstr(t, "run 1: complete") != NULL);
	CHECK(t && strstr(t, "run 2: interrupted") != NULL);
	CHECK(t && has_line(t, "arch", "x86_64", ""));
	CHECK(t && has_line(t, "source", "traces/fork_cow.mtr", ""));
	CHECK(t && has_line(t, "started", "2023-11-14 22:13:20 UTC", ""));
	CHECK(t && has_line(t, "simulated", "7.000 ms", ""));
	CHECK(t && has_line(t, "accesses", "123456", ""));
	CHECK(t && has_line(t, "tlb.l1d.misses", "100", "10.00% miss"));
	CHECK(t && has_line(t, "tlb.l2.misses", "25", "25.00% miss"));
	CHECK(t && has_line(t, "zz_custom", "7", ""));
	/* kind, count, major, mean latency */
	CHECK(t && has_line(t, "anon", "30", "600.0"));
	CHECK(t && has_line(t, "cow", "10", "1000.0"));
	CHECK(t && has_line(t, "swapin", "4  ", "50000.0"));
	CHECK(t && has_line(t, "swapin", " 4 ", " 4 "));
	/* pid, accesses, minflt, majflt, rss_peak_pages */
	CHECK(t && has_line(t, "1", "30", "34"));
	CHECK(t && has_line(t, "2", "10", "20"));
	CHECK(t && has_line(t, "mmap", "3", ""));
	CHECK(t && has_line(t, "fork", "1", ""));
	/* counters come in DESIGN order: accesses before minflt before walks */
	CHECK(t && strstr(t, "accesses") < strstr(t, "minflt"));
	CHECK(t && strstr(t, "minflt") < strstr(t, "walks"));
	if (t && getenv("SINK_TEST_SHOW"))
		fputs(t, stderr);
	free(t);
}

static void sink_should_write_a_self_contained_html_page(void)
{
	char html[160], err[SIM_ERRMSG_MAX] = "", *page;
	long len;
	int rc;
	FILE *f;

	snprintf(html, sizeof html, "%s/report.html", dir);
	free(report_text(db, html, &rc, err, sizeof err));
	CHECK_EQ(rc, 0);
	f = fopen(html, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	page = calloc(1, (size_t)len + 1);
	CHECK_EQ(fread(page, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	CHECK(strstr(page, "<!DOCTYPE html>") == page);
	CHECK(strstr(page, "<svg") != NULL);
	CHECK(strstr(page, "<polyline") != NULL);   /* rss over time */
	CHECK(strstr(page, "aria-label=\"faults by kind\"") != NULL);
	CHECK(strstr(page, "10.00% miss") != NULL);
	CHECK(strstr(page, "<script") == NULL);
	CHECK(strstr(page, "src=") == NULL && strstr(page, "href=") == NULL);
	CHECK(strstr(page, "</html>") != NULL);
	free(page);
}

static void sink_should_refuse_a_file_that_is_not_a_memsim_database(void)
{
	char path[128], want[160], err[SIM_ERRMSG_MAX] = "";
	struct sink *s;
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/plain.txt", dir);
	f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	free(report_text(path, NULL, &rc, err, sizeof err));
	CHECK_EQ(rc, SIM_EINPUT);
	snprintf(want, sizeof want, "%s: not a memsim database", path);
	CHECK_STR(err, want);

	/* a SQLite database without the memsim tables */
	snprintf(path, sizeof path, "%s/bare.db", dir);
	s = sink_open(path, err, sizeof err);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(sink_query(s, "DROP VIEW fault_summary; DROP VIEW event_summary;"
				    " DROP VIEW tlb_summary; DROP TABLE faults", NULL, 0,
				    NULL, NULL, err, sizeof err), 0);
		sink_close(s);
	}
	free(report_text(path, NULL, &rc, err, sizeof err));
	CHECK_EQ(rc, SIM_EINPUT);
	snprintf(want, sizeof want, "%s: not a memsim database", path);
	CHECK_STR(err, want);

	snprintf(path, sizeof path, "%s/missing.db", dir);
	free(report_text(path, NULL, &rc, err, sizeof err));
	CHECK_EQ(rc, SIM_EIO);
	CHECK(strstr(err, "missing.db") != NULL);
	CHECK(!st_file_exists(path));   /* reporting creates nothing */
}

static void sink_should_report_an_empty_database(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	int rc;
	char *t;

	snprintf(path, sizeof path, "%s/empty.db", dir);
	sink_close(sink_open(path, err, sizeof err));
	t = report_text(path, NULL, &rc, err, sizeof err);
	CHECK_EQ(rc, 0);
	CHECK(t && strstr(t, "no runs") != NULL);
	free(t);
}

int main(void)
{
	st_mkdtemp(dir, sizeof dir);
	make_db();
	RUN(sink_should_report_the_numbers_of_each_run);
	RUN(sink_should_write_a_self_contained_html_page);
	RUN(sink_should_refuse_a_file_that_is_not_a_memsim_database);
	RUN(sink_should_report_an_empty_database);
	if (getenv("SINK_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", dir);
	else
		st_rmdir(dir);
	return T_DONE();
}
