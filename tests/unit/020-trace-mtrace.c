/*
 * 020-trace-mtrace.c - the mtrace text reader (core/trace/mtrace.c) and the
 * helpers of memsim/trace.h it shares with the CLI.
 *
 * Groups: every op and its fields; comments, blanks and spacing; sizes,
 * PROT and FLAGS; @NS stamps; runs (packing, pid changes, the run limit);
 * line numbers; the fast path for plain access lines against the general
 * parser; the last line without a newline; sources (mapped file,
 * FIFO stream, .gz/.xz/.zst) giving identical batches; format detection.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "029-trace-t.h"

/* ---- ops -------------------------------------------------------------------- */

static void trace_should_parse_every_op(void)
{
	struct trace_reader *r = open_text("ops.mtr",
		"7 mmap 0x7f0000000000 2M rw- private,anon\n"
		"7 mmap 7f0000400000 8K r-x private,file,fixed libc.so:4096\n"
		"7 munmap 0x7f0000000000 4096\n"
		"7 mprotect 0x1000 2p r--\n"
		"7 madvise 0x1000 1G hugepage\n"
		"7 mremap 0x1000 4K 8K\n"
		"7 mremap 0x1000 4K 8K 0x200000\n"
		"7 brk 0x555555560000\n"
		"7 file data.bin 10M cached shmem\n"
		"7 file other 5\n"
		"7 fork 8\n"
		"8 exit\n"
		"7 sleep 1500\n"
		"7 mark   phase one: warm up   \n"
		"7 oom_score_adj -1000\n"
		"7 oom_score_adj 1000\n"
		"7 R 0x10 128\n");
	struct trace_batch b;

	CHECK(r != NULL);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.op.op, TOP_MMAP);
	CHECK_EQ(b.pid, 7);
	CHECK_EQ(b.op.pid, 7);
	CHECK_EQ(b.op.addr, 0x7f0000000000);
	CHECK_EQ(b.op.len, 2 << 20);
	CHECK_EQ(b.op.prot, TPROT_READ | TPROT_WRITE);
	CHECK_EQ(b.op.flags, TMAP_PRIVATE | TMAP_ANON);
	CHECK(b.op.name == NULL);
	CHECK_EQ(b.op.where, 1);

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.addr, 0x7f0000400000);
	CHECK_EQ(b.op.len, 8192);
	CHECK_EQ(b.op.prot, TPROT_READ | TPROT_EXEC);
	CHECK_EQ(b.op.flags, TMAP_PRIVATE | TMAP_FILE | TMAP_FIXED);
	CHECK_STR(b.op.name, "libc.so");
	CHECK_EQ(b.op.arg, 4096);

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MUNMAP);
	CHECK_EQ(b.op.len, 4096);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MPROTECT);
	CHECK_EQ(b.op.len, 8192);
	CHECK_EQ(b.op.prot, TPROT_READ);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MADVISE);
	CHECK_EQ(b.op.len, UINT64_C(1) << 30);
	CHECK_EQ(b.op.flags, TADV_HUGEPAGE);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MREMAP);
	CHECK_EQ(b.op.len, 4096);
	CHECK_EQ(b.op.arg, 8192);
	CHECK_EQ(b.op.has_newaddr, 0);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.has_newaddr, 1);
	CHECK_EQ(b.op.newaddr, 0x200000);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_BRK);
	CHECK_EQ(b.op.addr, 0x555555560000);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_FILE);
	CHECK_STR(b.op.name, "data.bin");
	CHECK_EQ(b.op.len, 10 << 20);
	CHECK_EQ(b.op.flags, TFILE_CACHED | TFILE_SHMEM);
	CHECK_EQ(next(r, &b), 1);
	CHECK_STR(b.op.name, "other");
	CHECK_EQ(b.op.flags, 0);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_FORK);
	CHECK_EQ(b.op.arg, 8);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_EXIT);
	CHECK_EQ(b.pid, 8);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_SLEEP);
	CHECK_EQ(b.op.arg, 1500);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MARK);
	CHECK_STR(b.op.name, "phase one: warm up");
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_OOM_SCORE_ADJ);
	CHECK_EQ(b.op.ival, -1000);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.ival, 1000);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_R);
	CHECK_EQ(b.op.addr, 0x10);
	CHECK_EQ(b.op.len, 128);
	CHECK_EQ(b.op.where, 17);
	CHECK_EQ(next(r, &b), 0);
	CHECK_EQ(next(r, &b), 0);
	CHECK_EQ(trace_reader_format(r), TRACE_MTRACE);
	trace_close(r);
}

static void trace_should_accept_comments_blanks_and_spacing(void)
{
	struct trace_reader *r = open_text("space.mtr",
		"# a comment line\n"
		"\n"
		"   \t  \n"
		"\t1\tW\t0X1F  \t# trailing comment\r\n"
		"  # indented comment\n"
		"1 R 0x20 8#comment glued to a field\n"
		"1 mark a # b\n"
		"1 exit#\n");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 2);
	CHECK_EQ(b.where, 4);
	CHECK_EQ(b.acc[0], tacc_make(TOP_W, 1, 0x1f));
	CHECK_EQ(b.acc[1], tacc_make(TOP_R, 8, 0x20));
	CHECK_EQ(next(r, &b), 1);
	CHECK_STR(b.op.name, "a");
	CHECK_EQ(b.op.where, 7);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_EXIT);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_parse_sizes(void)
{
	uint64_t v = 0;

	CHECK_EQ(trace_parse_size("4096", 4, &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(trace_parse_size("400K", 4, &v), 0);
	CHECK_EQ(v, 400 << 10);
	CHECK_EQ(trace_parse_size("2M", 2, &v), 0);
	CHECK_EQ(v, 2 << 20);
	CHECK_EQ(trace_parse_size("1G", 2, &v), 0);
	CHECK_EQ(v, 1 << 30);
	CHECK_EQ(trace_parse_size("3g", 2, &v), 0);
	CHECK_EQ(v, UINT64_C(3) << 30);
	CHECK_EQ(trace_parse_size("100p", 4, &v), 0);
	CHECK_EQ(v, 409600);
	CHECK_EQ(trace_parse_size("0", 1, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(trace_parse_size("18446744073709551615", 20, &v), 0);
	CHECK_EQ(v, UINT64_MAX);
	CHECK_EQ(trace_parse_size("18446744073709551616", 20, &v), -2);
	CHECK_EQ(trace_parse_size("99999999999G", 12, &v), -2);
	CHECK_EQ(trace_parse_size("17179869184G", 12, &v), -2);
	CHECK_EQ(trace_parse_size("17179869183G", 12, &v), 0);
	CHECK_EQ(trace_parse_size("", 0, &v), -1);
	CHECK_EQ(trace_parse_size("K", 1, &v), -1);
	CHECK_EQ(trace_parse_size("4KB", 3, &v), -1);
	CHECK_EQ(trace_parse_size("-4", 2, &v), -1);
	CHECK_EQ(trace_parse_size("0x10", 4, &v), -1);
	CHECK_EQ(trace_parse_size("1T", 2, &v), -1);
	/* only the first n bytes count */
	CHECK_EQ(trace_parse_size("12junk", 2, &v), 0);
	CHECK_EQ(v, 12);
}

static void trace_should_parse_prot_strings(void)
{
	CHECK_EQ(trace_parse_prot("rwx", 3), 7);
	CHECK_EQ(trace_parse_prot("r--", 3), TPROT_READ);
	CHECK_EQ(trace_parse_prot("-w-", 3), TPROT_WRITE);
	CHECK_EQ(trace_parse_prot("--x", 3), TPROT_EXEC);
	CHECK_EQ(trace_parse_prot("---", 3), 0);
	CHECK_EQ(trace_parse_prot("rwz", 3), -1);
	CHECK_EQ(trace_parse_prot("wr-", 3), -1);
	CHECK_EQ(trace_parse_prot("rw", 2), -1);
	CHECK_EQ(trace_parse_prot("rw--", 4), -1);
	CHECK_EQ(trace_parse_prot("RW-", 3), -1);
}

static void trace_should_know_op_and_advice_names(void)
{
	CHECK_STR(trace_op_name(TOP_R), "R");
	CHECK_STR(trace_op_name(TOP_MMAP), "mmap");
	CHECK_STR(trace_op_name(TOP_OOM_SCORE_ADJ), "oom_score_adj");
	CHECK(trace_op_name(TOP_NONE) == NULL);
	CHECK(trace_op_name(TOP__COUNT) == NULL);
	CHECK(trace_advice_name(0) == NULL);
	CHECK(trace_advice_name(TADV__COUNT) == NULL);
	for (unsigned a = 1; a < TADV__COUNT; a++) {
		const char *n = trace_advice_name(a);
		CHECK(n != NULL);
		CHECK_EQ(trace_advice_lookup(n, strlen(n)), a);
	}
	CHECK_EQ(trace_advice_lookup("populate_write", 14), TADV_POPULATE_WRITE);
	CHECK_EQ(trace_advice_lookup("dontneedx", 9), -1);
	CHECK_EQ(trace_advice_lookup("dontneedx", 8), TADV_DONTNEED);
}

static void trace_should_parse_every_madvise_advice_and_mmap_flag(void)
{
	static const char *const flags[] = { "private", "shared", "anon", "file", "fixed",
					     "growsdown", "populate", "locked", "noreserve" };
	char text[4096] = "", line[128];

	for (unsigned a = 1; a < TADV__COUNT; a++) {
		snprintf(line, sizeof line, "1 madvise 0x1000 4K %s\n", trace_advice_name(a));
		strcat(text, line);
	}
	for (unsigned i = 0; i < 9; i++) {
		snprintf(line, sizeof line, "1 mmap 0x1000 4K rw- %s\n", flags[i]);
		strcat(text, line);
	}
	strcat(text, "1 mmap 0x1000 4K --- noreserve,locked,populate,growsdown,fixed,file,anon,shared,private\n"
		     "1 mmap 0x1000 4K --- -\n"
		     "1 mmap 0x1000 4K r-- shared,file a:b:0x2000\n");
	struct trace_reader *r = open_text("adv.mtr", text);
	struct trace_batch b;
	for (unsigned a = 1; a < TADV__COUNT; a++) {
		CHECK_EQ(next(r, &b), 1);
		CHECK_EQ(b.op.flags, a);
	}
	for (unsigned i = 0; i < 9; i++) {
		CHECK_EQ(next(r, &b), 1);
		CHECK_EQ(b.op.flags, 1u << i);
	}
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.flags, 0x1ff);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.flags, 0);
	CHECK_EQ(next(r, &b), 1);
	CHECK_STR(b.op.name, "a:b");
	CHECK_EQ(b.op.arg, 0x2000);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

/* ---- @NS, runs -------------------------------------------------------------------- */

static void trace_should_return_at_before_the_op_of_its_line(void)
{
	struct trace_reader *r = open_text("at.mtr",
		"1 R 0x100\n"
		"@500 1 R 0x200 4\n"
		"1 W 0x300\n"
		"@600 2 mmap 0x1000 4K rw- private,anon\n"
		"@0 2 exit\n");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.acc[0], tacc_make(TOP_R, 1, 0x100));
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.op.op, TOP_AT);
	CHECK_EQ(b.op.t_ns, 500);
	CHECK_EQ(b.pid, 1);
	CHECK_EQ(b.where, 2);
	CHECK_EQ(next(r, &b), 1);             /* the stamped access starts a run */
	CHECK_EQ(b.n, 2);
	CHECK_EQ(b.where, 2);
	CHECK_EQ(b.acc[0], tacc_make(TOP_R, 4, 0x200));
	CHECK_EQ(b.acc[1], tacc_make(TOP_W, 1, 0x300));
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_AT);
	CHECK_EQ(b.op.t_ns, 600);
	CHECK_EQ(b.op.pid, 2);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_MMAP);
	CHECK_EQ(b.op.where, 4);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_AT);
	CHECK_EQ(b.op.t_ns, 0);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_EXIT);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_pack_small_accesses_into_runs(void)
{
	struct trace_reader *r = open_text("pack.mtr",
		"3 R 0x1000\n"
		"3 W 0x1008 64\n"
		"3 X 0xffffffffffffff 1\n"
		"3 R 0x2000 65\n"
		"3 W 0x3000 2\n");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 3);
	CHECK_EQ(b.pid, 3);
	CHECK_EQ(tacc_kind(b.acc[0]), TOP_R);
	CHECK_EQ(tacc_size(b.acc[0]), 1);
	CHECK_EQ(tacc_addr(b.acc[0]), 0x1000);
	CHECK_EQ(tacc_kind(b.acc[1]), TOP_W);
	CHECK_EQ(tacc_size(b.acc[1]), 64);
	CHECK_EQ(tacc_kind(b.acc[2]), TOP_X);
	CHECK_EQ(tacc_addr(b.acc[2]), TACC_ADDR_MASK);
	CHECK_EQ(next(r, &b), 1);                  /* 65 bytes: an op */
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.op.op, TOP_R);
	CHECK_EQ(b.op.len, 65);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.where, 5);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_split_runs_at_pid_changes(void)
{
	struct trace_reader *r = open_text("pids.mtr",
		"1 R 0x10\n1 R 0x20\n2 R 0x30\n1 R 0x40\n1 W 0x50\n4294967295 R 0x60\n");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.pid, 1);
	CHECK_EQ(b.n, 2);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.pid, 2);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.where, 3);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.pid, 1);
	CHECK_EQ(b.n, 2);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.pid, UINT32_MAX);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_respect_the_run_limit(void)
{
	char *text = malloc(100 * 32), *p = text;
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "1 R 0x%x\n", i * 8);
	struct trace_reader *r = open_text("limit.mtr", text);
	struct trace_batch b;
	size_t total = 0, batches = 0;

	CHECK_EQ(trace_set_max_run(r, 7), 0);
	while (next(r, &b) > 0) {
		CHECK(b.n >= 1 && b.n <= 7);
		CHECK_EQ(b.where, total + 1);
		CHECK_EQ(tacc_addr(b.acc[0]), total * 8);
		total += b.n;
		batches++;
	}
	CHECK_EQ(total, 100);
	CHECK_EQ(batches, 15);
	trace_close(r);
	/* 0 restores the default; huge values are clamped */
	r = open_text("limit.mtr", text);
	CHECK_EQ(trace_set_max_run(r, 0), 0);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 100);
	CHECK_EQ(trace_set_max_run(r, (size_t)1 << 40), 0);
	trace_close(r);
	free(text);
}

static void trace_should_read_a_last_line_without_newline(void)
{
	struct trace_reader *r = open_text("nonl.mtr", "1 R 0x10\n1 W 0x20 8");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 2);
	CHECK_EQ(b.acc[1], tacc_make(TOP_W, 8, 0x20));
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
	r = open_text("nonl2.mtr", "1 mark end");
	CHECK_EQ(next(r, &b), 1);
	CHECK_STR(b.op.name, "end");
	trace_close(r);
	r = open_text("empty.mtr", "");
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

/* ---- sources --------------------------------------------------------------------- */

/* A trace large enough to need several stream windows (~3 MB). */
static const char *big_trace(void)
{
	const char *p = tpath("big.mtr");
	FILE *f = fopen(p, "w");
	uint64_t x = 88172645463325252u;

	fprintf(f, "1 mmap 0x10000000 1G rw- private,anon\n");
	for (int i = 0; i < 120000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned pid = 1 + (unsigned)(x >> 60) % 3;
		switch ((x >> 8) % 23) {
		case 0: fprintf(f, "%u mark step %d  # note\n", pid, i); break;
		case 1: fprintf(f, "@%d %u R 0x%" PRIx64 " %u\n", i, pid, (x >> 20) & 0xfffffff, 65 + (unsigned)(x % 900)); break;
		case 2: fprintf(f, "%u madvise 0x%" PRIx64 " %up dontneed\n", pid, (x >> 24) << 12, 1 + (unsigned)(x % 8)); break;
		default: fprintf(f, "%u %c 0x%" PRIx64 " %u\n", pid, "RWX"[x % 3], (x >> 16) & 0xffffffffffff, 1 + (unsigned)((x >> 4) % 64)); break;
		}
	}
	fprintf(f, "1 exit");
	fclose(f);
	return p;
}

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	return system(cmd);
}

static void trace_should_read_compressed_files_like_plain_ones(void)
{
	const char *plain = big_trace();
	char *want = digest(plain, TRACE_AUTO, 0, 1);
	static const char *const tools[][2] = {
		{ "gzip -c '%s' > '%s'", "big.mtr.gz" },
		{ "xz -c '%s' > '%s'", "big.mtr.xz" },
		{ "zstd -q -c '%s' > '%s'", "big.mtr.zst" },
	};

	CHECK(strstr(want, "error") == NULL);
	CHECK(strlen(want) > 1000000);
	for (int i = 0; i < 3; i++) {
		const char *z = tpath(tools[i][1]);
		if (sh(tools[i][0], plain, z) != 0) {
			fprintf(stderr, "skipping %s: tool missing\n", tools[i][1]);
			continue;
		}
		char *got = digest(z, TRACE_AUTO, 0, 1);
		CHECK(strcmp(got, want) == 0);
		free(got);
	}
	/* concatenated gzip members read as one stream */
	const char *cat = put_file("cat.mtr", "1 R 0x1\n");
	sh("gzip -c '%s' > '%s'", cat, tpath("two.mtr.gz"));
	sh("gzip -c '%s' >> '%s'", cat, tpath("two.mtr.gz"));
	char *two = digest(tpath("two.mtr.gz"), TRACE_AUTO, 0, 0);
	CHECK_STR(two, "run pid=1 n=2: 4000000000000001 4000000000000001\n");
	free(two);
	free(want);
}

static void trace_should_read_a_stream_like_a_mapped_file(void)
{
	const char *plain = big_trace(), *fifo = tpath("fifo.mtr");
	char *want = digest(plain, TRACE_AUTO, 100, 1);

	unlink(fifo);
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	pid_t child = fork();
	if (child == 0) {
		execlp("sh", "sh", "-c", "cat \"$0\" > \"$1\"", plain, fifo, (char *)NULL);
		_exit(127);
	}
	char *got = digest(fifo, TRACE_AUTO, 100, 1);
	waitpid(child, NULL, 0);
	CHECK(strcmp(got, want) == 0);
	free(got);
	free(want);
}

/* One random access line, mostly in the fast path's shape, sometimes not. */
static int random_access_line(char *out, uint64_t x, int comment, int errors)
{
	static const char *const shapes[] = {
		"%u %c 0x%" PRIx64 " %u", "%u %c %" PRIx64 " %u", "%u %c 0x%" PRIx64,
		"%u %c 0X%" PRIX64 " %u", "%u %c 0x%" PRIx64 " 0%u", "%u  %c 0x%" PRIx64 " %u",
		"%u\t%c 0x%" PRIx64 " %u", "%u %c 0x%016" PRIx64 " %u", "0%u %c 0x%" PRIx64 " %u",
	};
	unsigned pid = 1 + (unsigned)(x >> 60) % 3, size = 1 + (unsigned)(x >> 20) % 70;
	uint64_t addr = x & ((UINT64_C(1) << (4 + (x >> 8) % 53)) - 1);
	unsigned shape = (x >> 40) % 16;
	const char *f = shapes[shape < 9 ? shape : 0];
	int n;

	if (errors && (x >> 44) % 97 == 0)
		n = sprintf(out, "%u %c 0x%" PRIx64 "1 %u", pid, "RWXr"[x % 4], addr, size);
	else if (errors && (x >> 44) % 89 == 0)
		n = sprintf(out, "4294967297 R 0x10");
	else
		n = sprintf(out, f, pid, "RWX"[x % 3], addr, size);
	return n + sprintf(out + n, comment ? " # c\n" : "\n");
}

static void trace_should_parse_access_lines_like_the_general_parser(void)
{
	uint64_t x = 0x5851f42d4c957f2du;
	for (int round = 0; round < 4; round++) {
		char line[160], *d[2];
		int lines = round < 2 ? 50000 : 3000;
		uint64_t start = x;
		/* the same path both times, so that messages compare equal */
		for (int pass = 0; pass < 2; pass++) {
			FILE *f = fopen(tpath("acc.mtr"), "w");
			x = start;
			for (int i = 0; i < lines; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				/* an error ends the comparison: only the short rounds */
				random_access_line(line, x, pass, round >= 2);
				fputs(line, f);
			}
			fclose(f);
			d[pass] = digest(tpath("acc.mtr"), TRACE_AUTO, round == 3 ? 3 : 0, 1);
		}
		char *a = d[0], *b = d[1];
		if (round < 2)
			CHECK(strstr(a, "error") == NULL && strlen(a) > 100000);
		CHECK(strcmp(a, b) == 0);
		if (strcmp(a, b) != 0) {
			size_t k = 0;
			while (a[k] == b[k])
				k++;
			fprintf(stderr, "first difference at %zu: %.80s | %.80s\n", k, a + k, b + k);
		}
		free(a);
		free(b);
	}
}

static void trace_should_report_progress(void)
{
	const char *p = put_file("prog.mtr", "1 R 0x1\n1 exit\n");
	char err[256];
	struct trace_reader *r = trace_open(p, TRACE_AUTO, err, sizeof err);
	struct trace_batch b;
	uint64_t done, total;

	trace_progress(r, &done, &total);
	CHECK_EQ(done, 0);
	CHECK_EQ(total, 15);
	while (next(r, &b) > 0)
		;
	trace_progress(r, &done, &total);
	CHECK_EQ(done, 15);
	CHECK_STR(trace_reader_path(r), p);
	trace_close(r);
	trace_close(NULL);
}

static void trace_should_detect_the_format(void)
{
	struct trace_reader *r;

	r = open_text("d1.txt", "# mtrace\n1 R 0x10\n");
	CHECK_EQ(trace_reader_format(r), TRACE_MTRACE);
	trace_close(r);
	r = open_text("d2.txt", "==12== Lackey\n==12==\nI  0400a6f0,3\n");
	CHECK_EQ(trace_reader_format(r), TRACE_LACKEY);
	trace_close(r);
	r = open_text("d3.txt", " L 04222cac,8\n");
	CHECK_EQ(trace_reader_format(r), TRACE_LACKEY);
	trace_close(r);
	r = open_text("d4.txt", "==12== only noise\n");
	CHECK_EQ(trace_reader_format(r), TRACE_LACKEY);
	trace_close(r);
	r = open_text("d5.txt", "");
	CHECK_EQ(trace_reader_format(r), TRACE_MTRACE);
	trace_close(r);
}

static void trace_should_read_the_committed_mtrace_files(void)
{
	const char *files[] = { "traces/examples/demo.mtr", "traces/samples/all-ops.mtr" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", MEMSIM_SOURCE_DIR, files[i]);
		if (access(path, R_OK) != 0)
			continue;
		char *d = digest(path, TRACE_AUTO, 0, 0);
		CHECK(strstr(d, "error") == NULL);
		CHECK(strlen(d) > 0);
		free(d);
	}
}

int main(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/memsim-t020-XXXXXX");
	if (!mkdtemp(tdir))
		return 1;
	RUN(trace_should_parse_every_op);
	RUN(trace_should_accept_comments_blanks_and_spacing);
	RUN(trace_should_parse_sizes);
	RUN(trace_should_parse_prot_strings);
	RUN(trace_should_know_op_and_advice_names);
	RUN(trace_should_parse_every_madvise_advice_and_mmap_flag);
	RUN(trace_should_return_at_before_the_op_of_its_line);
	RUN(trace_should_pack_small_accesses_into_runs);
	RUN(trace_should_split_runs_at_pid_changes);
	RUN(trace_should_respect_the_run_limit);
	RUN(trace_should_read_a_last_line_without_newline);
	RUN(trace_should_read_compressed_files_like_plain_ones);
	RUN(trace_should_read_a_stream_like_a_mapped_file);
	RUN(trace_should_parse_access_lines_like_the_general_parser);
	RUN(trace_should_report_progress);
	RUN(trace_should_detect_the_format);
	RUN(trace_should_read_the_committed_mtrace_files);
	sh("rm -rf '%s'%s", tdir, "");
	return T_DONE();
}
