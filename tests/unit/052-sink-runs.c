/*
 * 052-sink-runs.c - the runs table: statuses and times, several runs in one
 * database (one sink or several opens), a close without sink_run_end, a
 * process killed mid-run (committed records kept, status 'interrupted', the
 * database intact), and a file that is not a database.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "059-sink-t.h"

static char dir[64];

static struct sink *open_db(const char *name, char *path, size_t n)
{
	char err[SIM_ERRMSG_MAX];
	struct sink *s;

	snprintf(path, n, "%s/%s", dir, name);
	s = sink_open(path, err, sizeof err);
	if (!s)
		fprintf(stderr, "sink_open: %s\n", err);
	return s;
}

static void emit_faults(struct sink *s, uint64_t from, uint64_t n)
{
	struct sink_fault f;

	for (uint64_t i = from; i < from + n; i++) {
		sink_bench_fault_row(i, &f);
		sink_fault(s, &f);
	}
}

static void sink_should_record_each_status_and_the_run_info(void)
{
	static const char *const names[] = { "complete", "interrupted", "failed" };
	char path[128], buf[256];
	struct sink *s = open_db("status.db", path, sizeof path);
	struct sink_run_info ri = { .arch = "arm64", .config_json = "{\"ram\":\"1G\"}",
				    .source = "traces/a.mtr", .version = "0.1.0",
				    .started_at = 1700000000 };
	int64_t now = (int64_t)time(NULL);

	CHECK(s != NULL);
	if (!s)
		return;
	for (int st = RUN_COMPLETE; st <= RUN_FAILED; st++) {
		char sql[128];
		int64_t id = sink_run_begin(s, &ri);

		CHECK_EQ(id, st + 1);
		CHECK_EQ(sink_run_id(s), id);
		snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id = %d",
			 st + 1);
		CHECK_STR(st_text(s, sql, buf, sizeof buf), "interrupted");
		CHECK_EQ(sink_run_end(s, (enum run_status)st), 0);
		CHECK_STR(st_text(s, sql, buf, sizeof buf), names[st]);
	}
	CHECK_STR(st_text(s, "SELECT arch || ' ' || config_json || ' ' || source ||"
			     " ' ' || memsim_version FROM runs WHERE run_id = 2",
			  buf, sizeof buf), "arm64 {\"ram\":\"1G\"} traces/a.mtr 0.1.0");
	CHECK_EQ(st_int(s, "SELECT started_at FROM runs WHERE run_id = 3"), 1700000000);
	CHECK(st_int(s, "SELECT finished_at FROM runs WHERE run_id = 3") >= now);
	sink_close(s);
}

static void sink_should_start_now_when_no_start_is_given(void)
{
	char path[128];
	struct sink *s = open_db("now.db", path, sizeof path);
	int64_t now = (int64_t)time(NULL);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	CHECK(st_int(s, "SELECT started_at FROM runs") >= now);
	CHECK_EQ(st_int(s, "SELECT finished_at FROM runs"), -998); /* NULL */
	CHECK_EQ(sink_run_begin(s, NULL), SIM_ESTATE);  /* one run at a time */
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), SIM_ESTATE);
	sink_close(s);
}

static void sink_should_keep_two_runs_apart_in_one_sink(void)
{
	char path[128];
	struct sink *s = open_db("two.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	emit_faults(s, 0, 1500);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	CHECK_EQ(sink_run_begin(s, NULL), 2);
	emit_faults(s, 0, 2500);
	CHECK_EQ(sink_run_end(s, RUN_INTERRUPTED), 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults WHERE run_id = 1"), 1500);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults WHERE run_id = 2"), 2500);
	sink_close(s);
}

static void sink_should_append_a_run_to_an_existing_database(void)
{
	char path[128], buf[64];
	struct sink *s = open_db("append.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	emit_faults(s, 0, 10);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), 0);
	sink_close(s);
	s = open_db("append.db", path, sizeof path);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 2);
	emit_faults(s, 0, 20);
	CHECK_EQ(sink_run_end(s, RUN_FAILED), 0);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 30);
	CHECK_STR(st_text(s, "SELECT group_concat(status, ',') FROM (SELECT status"
			     " FROM runs ORDER BY run_id)", buf, sizeof buf),
		  "complete,failed");
	sink_close(s);
}

static void sink_should_leave_interrupted_when_closed_without_end(void)
{
	char path[128], buf[64];
	struct sink *s = open_db("noend.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	emit_faults(s, 0, 777);     /* queued, not flushed: close commits them */
	sink_close(s);
	s = open_db("noend.db", path, sizeof path);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(st_text(s, "SELECT status FROM runs", buf, sizeof buf), "interrupted");
	CHECK_EQ(st_int(s, "SELECT finished_at FROM runs"), -998);
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 777);
	sink_close(s);
}

/* The child: a run whose process is killed after a flush and with more
 * records queued.  Never returns. */
static void killed_child(const char *path)
{
	char err[SIM_ERRMSG_MAX];
	struct sink *s = sink_open(path, err, sizeof err);

	if (!s || sink_run_begin(s, NULL) != 1)
		_exit(3);
	emit_faults(s, 0, 60000);
	if (sink_flush(s) != 0)
		_exit(4);
	emit_faults(s, 60000, 40000);
	kill(getpid(), SIGKILL);
	_exit(5);
}

static void sink_should_survive_a_kill_with_committed_records(void)
{
	char path[128], buf[64];
	struct sink *s;
	int status = 0;
	pid_t pid;

	snprintf(path, sizeof path, "%s/killed.db", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		killed_child(path);
	CHECK(pid > 0);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = open_db("killed.db", path, sizeof path);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(st_text(s, "PRAGMA integrity_check", buf, sizeof buf), "ok");
	CHECK_STR(st_text(s, "SELECT status FROM runs", buf, sizeof buf), "interrupted");
	CHECK(st_int(s, "SELECT count(*) FROM faults") >= 60000);
	CHECK(st_int(s, "SELECT count(*) FROM faults") <= 100000);
	/* what is there is a prefix of what was given */
	CHECK_EQ(st_int(s, "SELECT max(seq) + 1 - count(*) FROM faults"), 0);
	sink_close(s);
}

static void sink_should_mark_the_run_failed_when_the_writer_fails(void)
{
	char path[128], buf[64], err[SIM_ERRMSG_MAX];
	struct sink *s = open_db("fail.db", path, sizeof path);

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	emit_faults(s, 0, 1000);
	CHECK_EQ(sink_flush(s), 0);
	/* from now on every insert of a faults row fails */
	CHECK_EQ(sink_query(s, "CREATE TRIGGER boom BEFORE INSERT ON faults"
			    " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END", NULL, 0,
			    NULL, NULL, err, sizeof err), 0);
	emit_faults(s, 1000, 100000); /* far more than the queue: must not hang */
	CHECK_EQ(sink_flush(s), SIM_EIO);
	CHECK(strstr(sink_errmsg(s), "disk on fire") != NULL);
	CHECK(strstr(sink_errmsg(s), "fail.db") != NULL);
	CHECK_EQ(sink_run_end(s, RUN_COMPLETE), SIM_EIO);
	sink_close(s);
	s = open_db("fail.db", path, sizeof path);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(st_text(s, "SELECT status FROM runs", buf, sizeof buf), "failed");
	CHECK_EQ(st_int(s, "SELECT count(*) FROM faults"), 1000);
	sink_close(s);
}

/* sink_report reads through its own connection and does not flush: it sees
 * only what the writer has committed. */
static int64_t committed_anon(const char *path)
{
	char *text = NULL, err[SIM_ERRMSG_MAX];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int64_t n = -1;
	const char *p;

	if (sink_report(path, out, NULL, err, sizeof err) == 0) {
		fflush(out);
		p = strstr(text, "    anon ");
		n = p ? strtoll(p + 9, NULL, 10) : 0;
	}
	fclose(out);
	free(text);
	return n;
}

static void sink_should_commit_a_quiet_batch_within_a_second(void)
{
	char path[128];
	struct sink *s = open_db("quiet.db", path, sizeof path);
	struct timespec tick = { 0, 100000000 };
	int64_t n = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(sink_run_begin(s, NULL), 1);
	emit_faults(s, 0, 2049);      /* two full blocks handed over, one record kept */
	for (int i = 0; i < 50 && n != 512; i++) {  /* 1 s idle commit; allow 5 */
		nanosleep(&tick, NULL);
		n = committed_anon(path);
	}
	CHECK_EQ(n, 512);
	sink_close(s);
}

static void sink_should_refuse_a_non_database_file(void)
{
	char path[128], err[SIM_ERRMSG_MAX] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s/trace.mtr", dir);
	f = fopen(path, "w");
	for (int i = 0; i < 100; i++)
		fprintf(f, "1 R 0x%x\n", 0x1000 * i);
	fclose(f);
	CHECK(sink_open(path, err, sizeof err) == NULL);
	CHECK(strstr(err, "trace.mtr: not a SQLite database") != NULL);
}

int main(void)
{
	st_mkdtemp(dir, sizeof dir);
	RUN(sink_should_survive_a_kill_with_committed_records); /* forks: first */
	RUN(sink_should_record_each_status_and_the_run_info);
	RUN(sink_should_start_now_when_no_start_is_given);
	RUN(sink_should_keep_two_runs_apart_in_one_sink);
	RUN(sink_should_append_a_run_to_an_existing_database);
	RUN(sink_should_leave_interrupted_when_closed_without_end);
	RUN(sink_should_mark_the_run_failed_when_the_writer_fails);
	RUN(sink_should_commit_a_quiet_batch_within_a_second);
	RUN(sink_should_refuse_a_non_database_file);
	st_rmdir(dir);
	return T_DONE();
}
