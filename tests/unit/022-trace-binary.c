/*
 * 022-trace-binary.c - the binary format (core/trace/binary.c), the writers
 * (core/trace/writer.c) and trace_convert().
 *
 * Groups: text -> binary -> text -> binary is byte-identical and every
 * stage replays to the same batches; binary runs are handed out in place
 * (zero copy) and split at the run limit; the header and record layout of
 * traces/FORMAT.md; the canonical text form; what the text writer refuses;
 * conversions from lackey and from compressed input; trace_convert's
 * choice of format and its same-file guard.
 */
#include <stdlib.h>
#include <unistd.h>

#include "029-trace-t.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, k;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap)
			buf = realloc(buf, cap = cap * 2 + 65536);
		k = fread(buf + n, 1, 65536, f);
		n += k;
	} while (k > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int convert(const char *in, const char *out, enum trace_format fmt)
{
	char err[512];
	int rc = trace_convert(in, out, fmt, err, sizeof err);
	if (rc)
		fprintf(stderr, "convert %s -> %s: %s\n", in, out, err);
	return rc;
}

static const char *sample_path(void)
{
	static char path[1024];
	snprintf(path, sizeof path, "%s/traces/samples/all-ops.mtr", MEMSIM_SOURCE_DIR);
	return path;
}

/* A mixed trace with every op, several pids, stamps, long runs. */
static const char *mixed_trace(void)
{
	const char *p = tpath("mixed.mtr");
	FILE *f = fopen(p, "w");
	char *sample = slurp(sample_path(), NULL);
	uint64_t x = 0x2545f4914f6cdd1du;

	fputs(sample, f);
	free(sample);
	for (int i = 0; i < 30000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned pid = 1 + (unsigned)(x >> 61);
		if (x % 97 == 0)
			fprintf(f, "@%" PRIu64 " %u mark m:%d #c\n", x >> 40, pid, i);
		else if (x % 89 == 0)
			fprintf(f, "%u W 0x%" PRIx64 " %uK\n", pid, (x >> 12) & 0xffffffffff, 1 + (unsigned)(x % 7));
		else
			fprintf(f, "%u %c %" PRIx64 " %u\n", pid, "RWX"[x % 3], x & TACC_ADDR_MASK,
				1 + (unsigned)((x >> 7) % 64));
	}
	fclose(f);
	return p;
}

/* ---- round trip --------------------------------------------------------------- */

static void trace_should_round_trip_text_binary_text_binary_identically(void)
{
	const char *t0 = mixed_trace(), *b1 = tpath("b1.mtb"), *t2 = tpath("t2.mtr");
	const char *b3 = tpath("b3.mtb"), *t4 = tpath("t4.mtr");
	size_t n1, n3;

	CHECK_EQ(convert(t0, b1, TRACE_AUTO), 0);
	CHECK_EQ(convert(b1, t2, TRACE_AUTO), 0);
	CHECK_EQ(convert(t2, b3, TRACE_BINARY), 0);
	CHECK_EQ(convert(b3, t4, TRACE_MTRACE), 0);
	char *a = slurp(b1, &n1), *c = slurp(b3, &n3);
	CHECK_EQ(n1, n3);
	CHECK(n1 == n3 && memcmp(a, c, n1) == 0);
	free(a);
	free(c);
	char *s2 = slurp(t2, NULL), *s4 = slurp(t4, NULL);
	CHECK(strcmp(s2, s4) == 0);
	free(s2);
	free(s4);

	char *d0 = digest(t0, TRACE_AUTO, 0, 0), *d1 = digest(b1, TRACE_AUTO, 0, 0);
	char *d2 = digest(t2, TRACE_AUTO, 0, 0);
	CHECK(strstr(d0, "error") == NULL);
	CHECK(strcmp(d0, d1) == 0);
	CHECK(strcmp(d0, d2) == 0);
	free(d0);
	free(d1);
	free(d2);
	/* with a small run limit the readers still agree */
	d0 = digest(t0, TRACE_MTRACE, 5, 0);
	d1 = digest(b1, TRACE_BINARY, 5, 0);
	CHECK(strcmp(d0, d1) == 0);
	free(d0);
	free(d1);
}

static void trace_should_write_canonical_text(void)
{
	const char *in = put_file("canon.mtr",
		"  1   W   0XFF  \n"
		"1 R 10 2\n"
		"@5 1 mmap 0x0 1p rw- anon,private   x.so:1K\n"
		"1 mmap 0x1000 4K --- -\n"
		"1 mmap 0x1000 4K r-- file a:b:0\n"
		"1 mremap 0x1000 1K 2K 0x5000\n"
		"1 file f 3M shmem cached\n"
		"1 oom_score_adj +7\n"
		"1 madvise 0x1000 4096 pageout\n"
		"2 mark   hello   world  # c\n"
		"2 exit\n");
	const char *out = tpath("canon.out.mtr");

	CHECK_EQ(convert(in, out, TRACE_AUTO), 0);
	char *got = slurp(out, NULL);
	CHECK_STR(got,
		"1 W 0xff 1\n"
		"1 R 0x10 2\n"
		"@5 1 mmap 0x0 4096 rw- private,anon x.so:1024\n"
		"1 mmap 0x1000 4096 --- -\n"
		"1 mmap 0x1000 4096 r-- file a:b:0\n"
		"1 mremap 0x1000 1024 2048 0x5000\n"
		"1 file f 3145728 cached shmem\n"
		"1 oom_score_adj 7\n"
		"1 madvise 0x1000 4096 pageout\n"
		"2 mark hello   world\n"
		"2 exit\n");
	free(got);
}

/* ---- the binary layout ---------------------------------------------------------- */

static uint64_t word(const char *buf, size_t k)
{
	uint64_t w;
	memcpy(&w, buf + 8 * k, 8);
	return w;
}

static void trace_should_lay_out_binary_as_documented(void)
{
	const char *in = put_file("lay.mtr",
		"9 R 0x1000 8\n9 W 0x2000\n@77 9 mark ab\n9 fork 10\n10 R 0x3000 100\n");
	const char *out = tpath("lay.mtb");
	size_t n;

	CHECK_EQ(convert(in, out, TRACE_BINARY), 0);
	char *b = slurp(out, &n);
	CHECK_EQ(n % 8, 0);
	CHECK(memcmp(b, "\x89MSTRACE", 8) == 0);
	CHECK_EQ(word(b, 1), 1 | (UINT64_C(32) << 32));       /* version 1, header 32 */
	CHECK_EQ(word(b, 2), 0);                              /* flags */
	CHECK_EQ(word(b, 3), 0);
	CHECK_EQ(word(b, 4), UINT64_C(0x02) << 56 | 9);      /* PID 9 */
	CHECK_EQ(word(b, 5), UINT64_C(0x01) << 56 | 2);      /* RUN 2 */
	CHECK_EQ(word(b, 6), tacc_make(TOP_R, 8, 0x1000));
	CHECK_EQ(word(b, 7), tacc_make(TOP_W, 1, 0x2000));
	CHECK_EQ(word(b, 8), (UINT64_C(0x20) + TOP_AT) << 56);
	CHECK_EQ(word(b, 9), 77);
	CHECK_EQ(word(b, 10), (UINT64_C(0x20) + TOP_MARK) << 56);
	CHECK_EQ(word(b, 11), 2);                             /* string length */
	CHECK_EQ(word(b, 12), 0x6261);                        /* "ab", zero padded */
	CHECK_EQ(word(b, 13), (UINT64_C(0x20) + TOP_FORK) << 56 | 10);
	CHECK_EQ(word(b, 14), UINT64_C(0x02) << 56 | 10);
	CHECK_EQ(word(b, 15), (UINT64_C(0x20) + TOP_R) << 56);
	CHECK_EQ(word(b, 16), 0x3000);
	CHECK_EQ(word(b, 17), 100);
	CHECK_EQ(word(b, 18), UINT64_C(0x03) << 56);         /* END */
	CHECK_EQ(n, 19 * 8);
	free(b);
}

static void trace_should_hand_out_binary_runs_in_place(void)
{
	char *text = malloc(20000 * 24), *p = text;
	for (int i = 0; i < 10000; i++)
		p += sprintf(p, "1 R 0x%x 4\n", i * 64);
	p += sprintf(p, "1 exit\n");
	for (int i = 0; i < 5000; i++)
		p += sprintf(p, "2 W 0x%x\n", i * 64);
	const char *in = put_file("zc.mtr", text), *out = tpath("zc.mtb");
	free(text);
	CHECK_EQ(convert(in, out, TRACE_AUTO), 0);

	char err[256];
	struct trace_reader *r = trace_open(out, TRACE_AUTO, err, sizeof err);
	struct trace_batch b;
	const uint64_t *prev = NULL;
	size_t prev_n = 0, total = 0;

	CHECK_EQ(trace_reader_format(r), TRACE_BINARY);
	trace_set_max_run(r, 1000);
	while (trace_next(r, &b) > 0) {
		if (!b.n) {
			prev = NULL;
			continue;
		}
		CHECK_EQ((uintptr_t)b.acc % 8, 0);
		CHECK(b.n <= 1000);
		/* pieces of one RUN record are adjacent in the file */
		if (prev && b.pid == 1 && total % 4096 != 0)
			CHECK(b.acc == prev + prev_n);
		CHECK_EQ(b.where % 8, 0);
		prev = b.acc;
		prev_n = b.n;
		total += b.n;
	}
	CHECK_EQ(total, 15000);
	trace_close(r);
}

static void trace_should_read_binary_from_compressed_streams(void)
{
	const char *t0 = mixed_trace(), *b1 = tpath("s.mtb");
	char cmd[2048];

	CHECK_EQ(convert(t0, b1, TRACE_AUTO), 0);
	snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz' && zstd -q -c '%s' > '%s.zst'", b1, b1, b1, b1);
	if (system(cmd) != 0)
		return;
	char *want = digest(b1, TRACE_AUTO, 0, 0);
	snprintf(cmd, sizeof cmd, "%s.gz", b1);
	char *got = digest(cmd, TRACE_AUTO, 0, 0);
	CHECK(strcmp(want, got) == 0);
	free(got);
	snprintf(cmd, sizeof cmd, "%s.zst", b1);
	got = digest(cmd, TRACE_BINARY, 0, 0);
	CHECK(strcmp(want, got) == 0);
	free(got);
	free(want);
}

/* ---- writers ------------------------------------------------------------------------ */

static void trace_should_write_lackey_as_text_and_binary(void)
{
	const char *lk = put_file("in.lk",
		"==1== x\nI  0400a6f0,3\n L 04222cac,8\n S 7ff000,512\n M 10,2\n");
	const char *t = tpath("lk.mtr"), *bin = tpath("lk.mtb");

	CHECK_EQ(convert(lk, t, TRACE_AUTO), 0);
	char *s = slurp(t, NULL);
	CHECK_STR(s, "1 X 0x400a6f0 3\n1 R 0x4222cac 8\n1 W 0x7ff000 512\n1 W 0x10 2\n");
	free(s);
	CHECK_EQ(convert(lk, bin, TRACE_AUTO), 0);
	char *d0 = digest(lk, TRACE_AUTO, 0, 0), *d1 = digest(bin, TRACE_AUTO, 0, 0);
	CHECK(strcmp(d0, d1) == 0);
	free(d0);
	free(d1);
}

static int write_one(const char *path, enum trace_format fmt, const struct trace_batch *b,
		     char *err, size_t errlen)
{
	struct trace_writer *w = trace_writer_open(path, fmt, err, errlen);
	if (!w)
		return -100;
	int rc = trace_write(w, b);
	int rc2 = trace_writer_close(w);
	return rc ? rc : rc2;
}

static void trace_should_refuse_what_a_format_cannot_carry(void)
{
	char err[512];
	struct trace_batch b;
	uint64_t acc[2] = { tacc_make(TOP_R, 1, 0x10), 0x10 /* kind 0 */ };

	memset(&b, 0, sizeof b);
	b.op.op = TOP_MARK;
	b.op.pid = 1;
	b.op.name = "a # b";
	CHECK_EQ(write_one(tpath("r1.mtr"), TRACE_MTRACE, &b, err, sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "mark label") != NULL);
	CHECK_EQ(write_one(tpath("r1.mtb"), TRACE_BINARY, &b, err, sizeof err), 0);
	b.op.name = " lead";
	CHECK_EQ(write_one(tpath("r2.mtr"), TRACE_MTRACE, &b, err, sizeof err), SIM_EINPUT);
	b.op.name = "";
	CHECK_EQ(write_one(tpath("r3.mtb"), TRACE_BINARY, &b, err, sizeof err), SIM_EINPUT);
	b.op.op = TOP_FILE;
	b.op.name = "a b";
	CHECK_EQ(write_one(tpath("r4.mtr"), TRACE_MTRACE, &b, err, sizeof err), SIM_EINPUT);
	b.op.op = TOP_OOM_SCORE_ADJ;
	b.op.ival = 1001;
	CHECK_EQ(write_one(tpath("r5.mtb"), TRACE_BINARY, &b, err, sizeof err), SIM_EINPUT);
	b.op.op = TOP_R;
	b.op.len = 8;                      /* small accesses must be packed */
	CHECK_EQ(write_one(tpath("r6.mtb"), TRACE_BINARY, &b, err, sizeof err), SIM_EINPUT);
	b.op.op = TOP_EXIT;
	b.op.pid = 0;
	CHECK_EQ(write_one(tpath("r7.mtb"), TRACE_BINARY, &b, err, sizeof err), SIM_EINPUT);
	memset(&b, 0, sizeof b);
	b.pid = 1;
	b.n = 2;
	b.acc = acc;
	CHECK_EQ(write_one(tpath("r8.mtb"), TRACE_BINARY, &b, err, sizeof err), SIM_EINPUT);
	/* an @NS must be followed by an op of its own pid */
	struct trace_writer *w = trace_writer_open(tpath("r9.mtr"), TRACE_MTRACE, err, sizeof err);
	memset(&b, 0, sizeof b);
	b.op.op = TOP_AT;
	b.op.pid = 1;
	b.op.t_ns = 5;
	CHECK_EQ(trace_write(w, &b), 0);
	b.op.op = TOP_EXIT;
	b.op.pid = 2;
	CHECK_EQ(trace_write(w, &b), SIM_EINPUT);
	CHECK_EQ(trace_writer_close(w), SIM_EINPUT);
	w = trace_writer_open(tpath("r10.mtr"), TRACE_MTRACE, err, sizeof err);
	b.op.op = TOP_AT;
	b.op.pid = 1;
	CHECK_EQ(trace_write(w, &b), 0);
	CHECK_EQ(trace_writer_close(w), SIM_EINPUT);   /* trailing stamp */
	CHECK(trace_writer_open(tpath("r11"), TRACE_LACKEY, err, sizeof err) == NULL);
	CHECK(trace_writer_open("/nonexistent-dir/x.mtb", TRACE_BINARY, err, sizeof err) == NULL);
	CHECK(strstr(err, "No such file or directory") != NULL);
	CHECK_EQ(trace_writer_close(NULL), 0);
}

static void trace_should_convert_with_guards(void)
{
	char err[512], t[600];
	snprintf(t, sizeof t, "%s", put_file("g.mtr", "1 R 0x1\n"));

	CHECK_EQ(trace_convert(t, t, TRACE_AUTO, err, sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "same file") != NULL);
	CHECK_EQ(trace_convert(tpath("missing.mtr"), tpath("o.mtb"), TRACE_AUTO, err, sizeof err),
		 SIM_EIO);
	CHECK(strstr(err, "No such file or directory") != NULL);
	/* a bad input leaves no output behind */
	const char *bad = put_file("bad.mtr", "1 R 0x1\n1 frob\n");
	CHECK_EQ(trace_convert(bad, tpath("o2.mtb"), TRACE_AUTO, err, sizeof err), SIM_EINPUT);
	CHECK(strstr(err, "bad.mtr:2: unknown op 'frob'") != NULL);
	CHECK(access(tpath("o2.mtb"), F_OK) != 0);
	/* .txt means text, anything else binary */
	CHECK_EQ(convert(t, tpath("o3.txt"), TRACE_AUTO), 0);
	char *s = slurp(tpath("o3.txt"), NULL);
	CHECK_STR(s, "1 R 0x1 1\n");
	free(s);
	CHECK_EQ(convert(t, tpath("o4.bin"), TRACE_AUTO), 0);
	s = slurp(tpath("o4.bin"), NULL);
	CHECK(memcmp(s, "\x89MSTRACE", 8) == 0);
	free(s);
}

int main(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/memsim-t022-XXXXXX");
	if (!mkdtemp(tdir))
		return 1;
	RUN(trace_should_round_trip_text_binary_text_binary_identically);
	RUN(trace_should_write_canonical_text);
	RUN(trace_should_lay_out_binary_as_documented);
	RUN(trace_should_hand_out_binary_runs_in_place);
	RUN(trace_should_read_binary_from_compressed_streams);
	RUN(trace_should_write_lackey_as_text_and_binary);
	RUN(trace_should_refuse_what_a_format_cannot_carry);
	RUN(trace_should_convert_with_guards);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tdir);
	return T_DONE();
}
