/*
 * 023-trace-errors.c - every kind of bad input gives "FILE:LINE: what is
 * wrong" (binary: "FILE:@OFFSET: ...") and never a crash, a hang or a read
 * outside a buffer (this file is meant to run under ASan and UBSan too).
 *
 * Groups: mtrace field errors (one per message); lackey errors, also deep
 * inside a large file (line numbers through the fast path); missing and
 * unreadable files; each binary error; corrupt and truncated compressed
 * files; sticky errors; random garbage, bit flips and truncations.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "029-trace-t.h"

/* Read the whole trace; the first error message with the directory part
 * of the path removed, "OK" when there was none. */
static const char *error_of_path(const char *path, enum trace_format fmt)
{
	static char msg[1024];
	char err[512];
	struct trace_reader *r = trace_open(path, fmt, err, sizeof err);
	struct trace_batch b;
	int rc;
	size_t skip = strlen(tdir) + 1;

	if (!r) {
		snprintf(msg, sizeof msg, "open: %s", strncmp(err, tdir, skip - 1) ? err : err + skip);
		return msg;
	}
	while ((rc = trace_next(r, &b)) > 0)
		;
	if (rc == 0) {
		snprintf(msg, sizeof msg, "OK");
	} else {
		const char *m = trace_errmsg(r);
		snprintf(msg, sizeof msg, "%s", strncmp(m, tdir, skip - 1) ? m : m + skip);
		/* errors are sticky */
		if (trace_next(r, &b) != rc || strcmp(trace_errmsg(r), m) != 0)
			snprintf(msg, sizeof msg, "error not sticky");
	}
	trace_close(r);
	return msg;
}

static const char *error_of(const char *text, enum trace_format fmt)
{
	return error_of_path(put_bytes("t.mtr", text, strlen(text)), fmt);
}

/* ---- mtrace ------------------------------------------------------------------ */

static void trace_should_name_the_field_of_mtrace_errors(void)
{
	static const char *const cases[][2] = {
		{ "1 R zz12\n", "t.mtr:1: bad hex address 'zz12'" },
		{ "1 R 0x10\n1 R 0x20\n1 frob\n", "t.mtr:3: unknown op 'frob'" },
		{ "1 mmap 0x1000 4096\n", "t.mtr:1: mmap: missing field PROT" },
		{ "1 mmap 0x1000 4096 rw-\n", "t.mtr:1: mmap: missing field FLAGS" },
		{ "1 munmap 0x1000 99999999999G\n", "t.mtr:1: length overflow '99999999999G'" },
		{ "1 munmap 0x1000 12Q\n", "t.mtr:1: bad length '12Q'" },
		{ "1 mmap 0x1000 4096 rwz private\n", "t.mtr:1: bad prot string 'rwz'" },
		{ "1 mprotect 0x1000 4096 rw\n", "t.mtr:1: bad prot string 'rw'" },
		{ "x R 0x10\n", "t.mtr:1: bad pid 'x'" },
		{ "0 R 0x10\n", "t.mtr:1: pid out of range '0'" },
		{ "4294967296 R 0x10\n", "t.mtr:1: pid out of range '4294967296'" },
		{ "99999999999999999999 R 0x10\n", "t.mtr:1: pid overflow '99999999999999999999'" },
		{ "1 exit now\n", "t.mtr:1: exit: extra field 'now'" },
		{ "1 R 0x10 8 9\n", "t.mtr:1: R: extra field '9'" },
		{ "1 mmap 1 2 rw- anon f x y z\n", "t.mtr:1: mmap: extra field 'x'" },
		{ "1 mmap 0x1000 4096 rw- private,bogus\n", "t.mtr:1: bad mmap flag 'bogus'" },
		{ "1 mmap 0x1000 4096 rw- private,\n", "t.mtr:1: empty mmap flag in 'private,'" },
		{ "1 mmap 0x1000 4096 rw- private f:zz\n", "t.mtr:1: bad file offset 'zz'" },
		{ "1 mmap 0x1000 4096 rw- private :5\n", "t.mtr:1: mmap: empty file name in ':5'" },
		{ "1 madvise 0x1000 4096 sometimes\n", "t.mtr:1: unknown advice 'sometimes'" },
		{ "1 madvise 0x1000 4096\n", "t.mtr:1: madvise: missing field ADVICE" },
		{ "1 oom_score_adj 1001\n", "t.mtr:1: oom_score_adj out of range (-1000..1000) '1001'" },
		{ "1 oom_score_adj -1001\n", "t.mtr:1: oom_score_adj out of range (-1000..1000) '-1001'" },
		{ "1 oom_score_adj abc\n", "t.mtr:1: bad oom_score_adj 'abc'" },
		{ "1 oom_score_adj -\n", "t.mtr:1: bad oom_score_adj '-'" },
		{ "@x 1 R 0x10\n", "t.mtr:1: bad time '@x'" },
		{ "@ 1 R 0x10\n", "t.mtr:1: bad time '@'" },
		{ "1 sleep -5\n", "t.mtr:1: bad time '-5'" },
		{ "1 R 0x10 0\n", "t.mtr:1: size must be >= 1, not '0'" },
		{ "1 R 0x10 1Q\n", "t.mtr:1: bad size '1Q'" },
		{ "1 R 0x100000000000000\n", "t.mtr:1: address out of range '0x100000000000000'" },
		{ "1 W 0x1ffffffffffffffff\n", "t.mtr:1: hex address overflow '0x1ffffffffffffffff'" },
		{ "1 R 0x\n", "t.mtr:1: bad hex address '0x'" },
		{ "1 file f 10 cachd\n", "t.mtr:1: file: unknown option 'cachd'" },
		{ "1 file f 10 cached shmem cached\n", "t.mtr:1: file: extra field 'cached'" },
		{ "1 file f\n", "t.mtr:1: file: missing field SIZE" },
		{ "1 mark   # nothing\n", "t.mtr:1: mark: missing field LABEL" },
		{ "1\n", "t.mtr:1: missing field OP" },
		{ "@5\n", "t.mtr:1: missing field PID" },
		{ "1 fork 0\n", "t.mtr:1: pid out of range '0'" },
		{ "1 fork\n", "t.mtr:1: fork: missing field CHILDPID" },
		{ "1 mremap 0x1000 4K\n", "t.mtr:1: mremap: missing field NEWLEN" },
		{ "1 mremap 0x1000 4K 8K zz\n", "t.mtr:1: bad hex address 'zz'" },
		{ "1 brk\n", "t.mtr:1: brk: missing field ADDR" },
		{ "1 r 0x10\n", "t.mtr:1: unknown op 'r'" },
		{ "# c\n\n1 R 0x10\n 2 W zz", "t.mtr:4: bad hex address 'zz'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = error_of(cases[i][0], TRACE_MTRACE);
		if (strcmp(got, cases[i][1]) != 0)
			fprintf(stderr, "  input %zu: %s", i, cases[i][0]);
		CHECK_STR(got, cases[i][1]);
	}
}

static void trace_should_reject_bad_lines_and_bytes(void)
{
	char *text = malloc(6000);
	memset(text, 'a', 5000);
	memcpy(text, "1 mark ", 7);
	strcpy(text + 5000, "\n");
	CHECK_STR(error_of(text, TRACE_MTRACE), "t.mtr:1: line longer than 4096 bytes");
	/* a 4096-byte line is fine */
	memset(text, 'a', 4096);
	memcpy(text, "1 mark ", 7);
	strcpy(text + 4096, "\n1 exit\n");
	CHECK_STR(error_of(text, TRACE_MTRACE), "OK");
	free(text);
	static const char nul[] = "1 R 0x10\n1 mark a\0b\n";
	CHECK_STR(error_of_path(put_bytes("t.mtr", nul, sizeof nul - 1), TRACE_MTRACE),
		  "t.mtr:2: NUL byte in line");
	/* unprintable bytes are quoted as '?' and long tokens shortened */
	CHECK_STR(error_of("1 R \x01zz\n", TRACE_MTRACE), "t.mtr:1: bad hex address '?zz'");
	const char *got = error_of("1 R 0xzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n",
				   TRACE_MTRACE);
	CHECK(strstr(got, "...'") != NULL);
	CHECK(strlen(got) < 120);
}

/* ---- lackey ------------------------------------------------------------------------ */

static void trace_should_name_the_field_of_lackey_errors(void)
{
	static const char *const cases[][2] = {
		{ "I  0400a6f0,3\n L zz,8\n", "t.mtr:2: lackey: bad hex address 'zz'" },
		{ " L 0x10,8\n", "t.mtr:1: lackey: bad hex address '0x10'" },
		{ " Q 10,8\n", "t.mtr:1: lackey: unexpected line ' Q 10,8'" },
		{ "I  10\n", "t.mtr:1: lackey: missing ',SIZE' in 'I  10'" },
		{ " S 10,x\n", "t.mtr:1: lackey: bad size 'x'" },
		{ " S 10,\n", "t.mtr:1: lackey: bad size ''" },
		{ " S 10,0\n", "t.mtr:1: lackey: size must be >= 1, not '0'" },
		{ " S 100000000000000,1\n", "t.mtr:1: lackey: address out of range '100000000000000'" },
		{ " S 10000000000000000,1\n", "t.mtr:1: lackey: address out of range '10000000000000000'" },
		{ "==1== hi\nI  10,1\nhello world\n", "t.mtr:3: lackey: unexpected line 'hello world'" },
		{ "I  10,1\n# comment\n", "t.mtr:2: lackey: unexpected line '# comment'" },
		{ "I  1g,1\n", "t.mtr:1: lackey: bad hex address '1g'" },
		{ " L 10;8\n", "t.mtr:1: lackey: missing ',SIZE' in ' L 10;8'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_STR(error_of(cases[i][0], TRACE_LACKEY), cases[i][1]);
}

static void trace_should_count_lines_through_the_fast_path(void)
{
	/* errors at many depths, in every position of a chunk */
	for (int bad = 1; bad <= 3000; bad += 37) {
		char *text = malloc(3100 * 20), *p = text;
		for (int i = 1; i <= 3000; i++) {
			if (i == bad)
				p += sprintf(p, " L %08x;8\n", i);
			else
				p += sprintf(p, "%s%0*x,%d\n", i % 2 ? "I  " : " S ", 4 + i % 9, i, 1 + i % 20);
		}
		char want[128];
		snprintf(want, sizeof want, "t.mtr:%d: lackey: missing ',SIZE' in ' L %08x;8'", bad, bad);
		const char *got = error_of(text, TRACE_LACKEY);
		if (strcmp(got, want) != 0) {
			CHECK_STR(got, want);
			free(text);
			break;
		}
		free(text);
	}
}

/* ---- files --------------------------------------------------------------------------- */

static void trace_should_report_missing_and_unreadable_files(void)
{
	char err[512], want[600];
	const char *missing = tpath("nope.mtr");

	CHECK(trace_open(missing, TRACE_AUTO, err, sizeof err) == NULL);
	snprintf(want, sizeof want, "%s: No such file or directory", missing);
	CHECK_STR(err, want);
	CHECK(trace_open(tdir, TRACE_AUTO, err, sizeof err) == NULL);
	snprintf(want, sizeof want, "%s: Is a directory", tdir);
	CHECK_STR(err, want);
	CHECK(trace_open(missing, TRACE_AUTO, NULL, 0) == NULL);
	if (geteuid() != 0) {
		const char *p = put_bytes("noperm.mtr", "1 exit\n", 7);
		chmod(p, 0);
		CHECK(trace_open(p, TRACE_AUTO, err, sizeof err) == NULL);
		CHECK(strstr(err, "Permission denied") != NULL);
	}
}

/* ---- binary ---------------------------------------------------------------------------- */

#define CTL(tag, pl) ((uint64_t)(tag) << 56 | (uint64_t)(pl))
#define OPT(op) (0x20u + (op))

static const char *bin_error(const uint64_t *words, size_t nwords, size_t extra_bytes)
{
	size_t len = nwords * 8 + extra_bytes;
	char *buf = calloc(1, len + 8);
	memcpy(buf, words, nwords * 8);
	const char *got = error_of_path(put_bytes("t.mtb", buf, len), TRACE_AUTO);
	free(buf);
	return got;
}

static void header(uint64_t *w)
{
	memcpy(&w[0], "\x89MSTRACE", 8);
	w[1] = 1 | UINT64_C(32) << 32;
	w[2] = 0;
	w[3] = 0;
}

static void trace_should_report_each_binary_error_with_its_offset(void)
{
	uint64_t w[32];
	const uint64_t acc = tacc_make(TOP_R, 4, 0x1000);

	CHECK_STR(error_of_path(put_bytes("t.mtb", "hello, not binary\n", 18), TRACE_BINARY),
		  "open: t.mtb:@0: not a memsim binary trace");
	CHECK_STR(error_of_path(put_bytes("t.mtb", "", 0), TRACE_BINARY),
		  "open: t.mtb:@0: not a memsim binary trace");
	CHECK_STR(error_of_path(put_bytes("t.mtb", "\x89MSTR", 5), TRACE_BINARY),
		  "open: t.mtb:@0: truncated header (5 of 32 bytes)");
	header(w);
	CHECK_STR(bin_error(w, 2, 4), "open: t.mtb:@0: truncated header (20 of 32 bytes)");
	w[1] = 2 | UINT64_C(32) << 32;
	CHECK_STR(bin_error(w, 4, 0), "open: t.mtb:@8: unknown version 2 (this reader reads version 1)");
	w[1] = 1 | UINT64_C(12) << 32;
	CHECK_STR(bin_error(w, 4, 0), "open: t.mtb:@12: bad header size 12");
	w[1] = 1 | UINT64_C(48) << 32;
	CHECK_STR(bin_error(w, 4, 0), "open: t.mtb:@0: truncated header (32 of 48 bytes)");
	header(w);
	w[2] = 1;
	CHECK_STR(bin_error(w, 4, 0), "open: t.mtb:@16: unknown header flags 0x1");

	header(w);
	w[4] = CTL(0x3f, 0);
	CHECK_STR(bin_error(w, 5, 0), "t.mtb:@32: unknown record tag 0x3f");
	w[4] = 0;
	CHECK_STR(bin_error(w, 5, 0), "t.mtb:@32: unknown record tag 0x00");
	w[4] = CTL(2, 1), w[5] = CTL(1, 100), w[6] = acc, w[7] = acc, w[8] = CTL(3, 0);
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@40: RUN count 100 goes past the end of the file");
	w[5] = CTL(1, 2);
	CHECK_STR(bin_error(w, 8, 0), "t.mtb:@64: truncated file (no END record)");
	CHECK_STR(bin_error(w, 8, 3), "t.mtb:@64: truncated word");
	CHECK_STR(bin_error(w, 9, 0), "OK");
	w[9] = CTL(2, 1);
	CHECK_STR(bin_error(w, 10, 0), "t.mtb:@72: data after the END record");
	w[8] = acc;
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@64: access word outside a RUN");
	w[7] = 0x1000;
	w[8] = CTL(3, 0);
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@56: access word 0x0000000000001000 has kind 0");
	w[5] = CTL(1, 0);
	CHECK_STR(bin_error(w, 6, 0), "t.mtb:@40: empty RUN record");
	w[4] = CTL(1, 1), w[5] = acc, w[6] = CTL(3, 0);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@32: RUN record before any PID record");
	w[4] = CTL(OPT(TOP_EXIT), 0);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@32: exit record before any PID record");
	w[4] = CTL(2, 0);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@32: bad pid 0 in PID record");

	/* op records */
	header(w);
	w[4] = CTL(2, 7);
	w[5] = CTL(OPT(TOP_EXIT), 1), w[6] = CTL(3, 0);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@40: bad payload 0x1 in exit record");
	w[5] = CTL(OPT(TOP_MADVISE), TADV__COUNT), w[6] = 0x1000, w[7] = 4096, w[8] = CTL(3, 0);
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@40: bad payload 0xf in madvise record");
	w[5] = CTL(OPT(TOP_MADVISE), TADV_COLD);
	CHECK_STR(bin_error(w, 9, 0), "OK");
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@40: truncated madvise record");
	w[5] = CTL(OPT(TOP_R), 0), w[6] = 0x1000, w[7] = 8;
	CHECK_STR(bin_error(w, 9, 0),
		  "t.mtb:@40: R record: an access of 1..64 bytes must be a packed word in a run");
	w[5] = CTL(OPT(TOP_FORK), 0), w[6] = CTL(3, 0);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@40: fork record: bad child pid");
	w[5] = CTL(OPT(TOP_OOM_SCORE_ADJ), 2001);
	CHECK_STR(bin_error(w, 7, 0), "t.mtb:@40: bad payload 0x7d1 in oom_score_adj record");
	w[5] = CTL(OPT(TOP_OOM_SCORE_ADJ), 0);
	CHECK_STR(bin_error(w, 7, 0), "OK");
	/* strings */
	w[5] = CTL(OPT(TOP_MARK), 0), w[6] = 3, w[7] = 0x636261, w[8] = CTL(3, 0);
	CHECK_STR(bin_error(w, 9, 0), "OK");
	w[7] = 0x00636261 | UINT64_C(0x41) << 40;
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@56: nonzero string padding");
	w[7] = 0x630061;
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@56: NUL byte in string");
	w[6] = 0;
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@48: bad string length 0");
	w[6] = 4096;
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@48: bad string length 4096");
	w[6] = 9, w[7] = 0x636261;
	CHECK_STR(bin_error(w, 8, 0), "t.mtb:@40: truncated mark record");
	w[5] = CTL(OPT(TOP_MMAP), 3 | (uint64_t)0x400 << 8);
	CHECK_STR(bin_error(w, 9, 0), "t.mtb:@40: bad payload 0x40003 in mmap record");
	w[5] = CTL(OPT(TOP_MMAP), 3), w[6] = 0x1000, w[7] = 4096, w[8] = 5, w[9] = CTL(3, 0);
	CHECK_STR(bin_error(w, 10, 0), "t.mtb:@40: mmap record: mmap offset without a file");
}

static void trace_should_report_corrupt_compressed_files(void)
{
	char cmd[1200];
	const char *plain = tpath("c.mtr");
	FILE *f = fopen(plain, "w");
	for (int i = 0; i < 50000; i++)
		fprintf(f, "1 R 0x%x %d\n", i * 4096, 1 + i % 64);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && gzip -c c.mtr > c.mtr.gz && xz -c c.mtr > c.mtr.xz && "
		 "zstd -q -c c.mtr > c.mtr.zst && for z in gz xz zst; do "
		 "head -c $(($(wc -c < c.mtr.$z) / 2)) c.mtr.$z > t.mtr.$z; done", tdir);
	if (system(cmd) != 0)
		return;
	CHECK_STR(error_of_path(tpath("c.mtr.gz"), TRACE_AUTO), "OK");
	/* the first window is read at open, so small files fail there */
	CHECK_STR(error_of_path(tpath("t.mtr.gz"), TRACE_AUTO), "open: t.mtr.gz: truncated gzip stream");
	CHECK_STR(error_of_path(tpath("t.mtr.xz"), TRACE_AUTO), "open: t.mtr.xz: truncated xz stream");
	CHECK_STR(error_of_path(tpath("t.mtr.zst"), TRACE_AUTO), "open: t.mtr.zst: truncated zstd stream");
	put_bytes("g.mtr.gz", "this is not gzip at all\n", 24);
	CHECK(strstr(error_of_path(tpath("g.mtr.gz"), TRACE_AUTO), "g.mtr.gz: corrupt gzip data") != NULL);
	put_bytes("g.mtr.xz", "this is not xz at all\n", 22);
	CHECK_STR(error_of_path(tpath("g.mtr.xz"), TRACE_AUTO), "open: g.mtr.xz: xz: not in .xz format");
	put_bytes("g.mtr.zst", "this is not zstd at all\n", 24);
	CHECK(strstr(error_of_path(tpath("g.mtr.zst"), TRACE_AUTO), "g.mtr.zst: corrupt zstd data") != NULL);
	put_bytes("e.mtr.gz", "", 0);
	CHECK_STR(error_of_path(tpath("e.mtr.gz"), TRACE_AUTO), "open: e.mtr.gz: truncated gzip stream");
}

/* ---- robustness ----------------------------------------------------------------------- */

static uint64_t rng = 0x853c49e6748fea9bu;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void trace_should_survive_random_bytes(void)
{
	static const enum trace_format fmts[] = { TRACE_AUTO, TRACE_MTRACE, TRACE_LACKEY, TRACE_BINARY };
	static const char alphabet[] = "0123456789abcdefxILSM ,\n\n\t#@-:=rwx";
	char buf[3000];

	for (int round = 0; round < 400; round++) {
		size_t len = rnd() % sizeof buf;
		for (size_t i = 0; i < len; i++)
			buf[i] = round % 2 ? (char)rnd() : alphabet[rnd() % (sizeof alphabet - 1)];
		const char *p = put_bytes("r.txt", buf, len);
		(void)error_of_path(p, fmts[round % 4]);
	}
	CHECK(1);
}

static void trace_should_survive_damaged_binaries(void)
{
	char cmd[1200];
	const char *t = tpath("v.mtr");
	FILE *f = fopen(t, "w");
	fprintf(f, "1 mmap 0x1000 8K rw- private,file lib.so:4096\n1 file lib.so 8K\n");
	for (int i = 0; i < 300; i++)
		fprintf(f, "%d %s\n", 1 + i % 3,
			i % 50 == 0 ? "mark phase" : i % 7 == 0 ? "R 0x2000 100" : "W 0x1008 8");
	fprintf(f, "@9 2 mremap 0x1000 4K 8K 0x9000\n2 exit\n");
	fclose(f);
	char err[512];
	CHECK_EQ(trace_convert(t, tpath("v.mtb"), TRACE_BINARY, err, sizeof err), 0);
	size_t len;
	f = fopen(tpath("v.mtb"), "rb");
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	char *good = malloc(len), *bad = malloc(len);
	CHECK_EQ(fread(good, 1, len, f), len);
	fclose(f);
	/* every truncation is an error */
	int ok_prefixes = 0;
	for (size_t cut = 0; cut < len; cut += 1 + cut / 64)
		ok_prefixes += strcmp(error_of_path(put_bytes("p.mtb", good, cut), TRACE_BINARY), "OK") == 0;
	CHECK_EQ(ok_prefixes, 0);
	/* byte flips never crash */
	for (int round = 0; round < 600; round++) {
		memcpy(bad, good, len);
		for (int k = 0; k < 1 + round % 4; k++)
			bad[rnd() % len] ^= (char)(1u << (rnd() % 8));
		(void)error_of_path(put_bytes("f.mtb", bad, len), TRACE_BINARY);
	}
	snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz'", tpath("f.mtb"), tpath("f.mtb"));
	if (system(cmd) == 0) {
		snprintf(cmd, sizeof cmd, "%s.gz", tpath("f.mtb"));
		(void)error_of_path(cmd, TRACE_BINARY);
	}
	free(good);
	free(bad);
	CHECK(1);
}

int main(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/memsim-t023-XXXXXX");
	if (!mkdtemp(tdir))
		return 1;
	RUN(trace_should_name_the_field_of_mtrace_errors);
	RUN(trace_should_reject_bad_lines_and_bytes);
	RUN(trace_should_name_the_field_of_lackey_errors);
	RUN(trace_should_count_lines_through_the_fast_path);
	RUN(trace_should_report_missing_and_unreadable_files);
	RUN(trace_should_report_each_binary_error_with_its_offset);
	RUN(trace_should_report_corrupt_compressed_files);
	RUN(trace_should_survive_random_bytes);
	RUN(trace_should_survive_damaged_binaries);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tdir);
	return T_DONE();
}
