/*
 * 021-trace-lackey.c - the Valgrind lackey reader (core/trace/lackey.c).
 *
 * Groups: the record mapping (I->X, L->R, S->W, M->W, pid 1); valgrind
 * noise; accesses over 64 bytes; the last line without a newline; the run
 * limit; a randomized comparison of the fast paths (AVX2 and SSE2; the
 * portable build runs the SWAR one) against a plain reference parser, over
 * line shapes that hit every fast-path check and window boundary;
 * compressed input; the committed samples.
 */
#include <stdlib.h>
#include <unistd.h>

#include "029-trace-t.h"

/* ---- mapping ----------------------------------------------------------------- */

static void trace_should_map_lackey_records(void)
{
	struct trace_reader *r = open_text("map.lk",
		"==4242== Lackey, an example Valgrind tool\n"
		"==4242== Command: ./a.out\n"
		"==4242==\n"
		"I  0400a6f0,3\n"
		" L 04222cac,8\n"
		" S 1ffefffc28,16\n"
		" M 0000000000000010,1\n"
		"I  FFFFFFFFFFFFFF,64\n"
		"==4242== \n"
		"==4242== Counted 1 call to main()\n");
	struct trace_batch b;

	CHECK(r != NULL);
	CHECK_EQ(trace_reader_format(r), TRACE_LACKEY);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.pid, 1);
	CHECK_EQ(b.n, 5);
	CHECK_EQ(b.where, 4);
	CHECK_EQ(b.acc[0], tacc_make(TOP_X, 3, 0x0400a6f0));
	CHECK_EQ(b.acc[1], tacc_make(TOP_R, 8, 0x04222cac));
	CHECK_EQ(b.acc[2], tacc_make(TOP_W, 16, 0x1ffefffc28));
	CHECK_EQ(b.acc[3], tacc_make(TOP_W, 1, 0x10));
	CHECK_EQ(b.acc[4], tacc_make(TOP_X, 64, TACC_ADDR_MASK));
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_return_big_lackey_accesses_as_ops(void)
{
	struct trace_reader *r = open_text("big.lk",
		"I  0400a6f0,3\n"
		" S 7ff000,512\n"
		" L 7ff000,8\n"
		" M 7ff000,65\n");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.op.op, TOP_W);
	CHECK_EQ(b.op.pid, 1);
	CHECK_EQ(b.op.addr, 0x7ff000);
	CHECK_EQ(b.op.len, 512);
	CHECK_EQ(b.op.where, 2);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.where, 3);
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.op.op, TOP_W);
	CHECK_EQ(b.op.len, 65);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_read_lackey_without_trailing_newline(void)
{
	struct trace_reader *r = open_text("nonl.lk", "I  0400a6f0,3\n L 04222cac,8");
	struct trace_batch b;

	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 2);
	CHECK_EQ(b.acc[1], tacc_make(TOP_R, 8, 0x04222cac));
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
	r = open_text("nonl2.lk", "==1== x\r\n S 10,4 \r\n\n");
	CHECK_EQ(next(r, &b), 1);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.where, 2);
	CHECK_EQ(next(r, &b), 0);
	trace_close(r);
}

static void trace_should_respect_the_run_limit_in_lackey(void)
{
	char *text = malloc(10000 * 16), *p = text;
	for (int i = 0; i < 10000; i++)
		p += sprintf(p, "%s%08x,%d\n", i % 3 ? " L " : "I  ", i * 4, 1 + i % 9);
	struct trace_reader *r = open_text("limit.lk", text);
	struct trace_batch b;
	size_t total = 0;

	trace_set_max_run(r, 333);
	while (next(r, &b) > 0) {
		CHECK(b.n == 333 || total + b.n == 10000);
		CHECK_EQ(b.where, total + 1);
		CHECK_EQ(tacc_addr(b.acc[0]), total * 4);
		total += b.n;
	}
	CHECK_EQ(total, 10000);
	trace_close(r);
	free(text);
}

/* ---- randomized comparison with a reference parser ---------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Append one line of a random shape; mostly valid, with edge cases the fast
 * path must send to the slow path. */
static size_t random_line(char *out)
{
	static const char *const heads[] = { "I  ", " L ", " S ", " M " };
	uint64_t x = rnd();
	unsigned hexlen = 1 + (unsigned)(x % 14);
	uint64_t addr = rnd() & ((UINT64_C(1) << (4 * hexlen)) - 1);
	unsigned size = 1 + (unsigned)((x >> 8) % 64);
	int n;

	switch ((x >> 16) % 40) {
	case 0: return (size_t)sprintf(out, "==%u== noise line\n", (unsigned)(x >> 32) % 100000);
	case 1: return (size_t)sprintf(out, "\n");
	case 2: size = 65 + (unsigned)((x >> 24) % 5000); break;     /* op */
	case 3: hexlen = 15 + (unsigned)((x >> 24) % 2); addr >>= 8; break; /* long field */
	case 4: return (size_t)sprintf(out, "%s%0*" PRIX64 ",%u\n", heads[x % 4], (int)hexlen,
					addr, size);                     /* upper case */
	case 5: return (size_t)sprintf(out, "%s%" PRIx64 ",%u  \n", heads[x % 4], addr, size);
	case 6: return (size_t)sprintf(out, "%s%" PRIx64 ",0%u\n", heads[x % 4], addr, size);
	default: break;
	}
	n = sprintf(out, "%s%0*" PRIx64 ",%u\n", heads[x % 4], (int)hexlen, addr, size);
	return (size_t)n;
}

/* The reference: accesses in order as (word or op) records. */
struct ref {
	uint64_t word;   /* packed, or kind << 62 | addr for big ones */
	uint64_t len;    /* 0 for packed */
	uint64_t line;
};

static size_t reference(const char *text, struct ref *out)
{
	size_t n = 0;
	uint64_t line = 0;

	for (const char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		line++;
		if (p[0] == '=' || p[0] == '\n') {
			if (!nl)
				break;
			continue;
		}
		unsigned kind = p[0] == 'I' ? TOP_X : p[1] == 'L' ? TOP_R : TOP_W;
		char *end;
		uint64_t addr = strtoull(p + 3, &end, 16);
		uint64_t size = strtoull(end + 1, NULL, 10);
		out[n].line = line;
		if (size <= 64) {
			out[n].word = tacc_make(kind, (unsigned)size, addr);
			out[n].len = 0;
		} else {
			out[n].word = (uint64_t)kind << 62 | addr;
			out[n].len = size;
		}
		n++;
		if (!nl)
			break;
	}
	return n;
}

static void compare_with_reference(const char *path, const struct ref *want, size_t nwant,
				   size_t max_run)
{
	char err[512];
	struct trace_reader *r = trace_open(path, TRACE_LACKEY, err, sizeof err);
	struct trace_batch b;
	size_t k = 0;
	int rc, bad = 0;

	CHECK(r != NULL);
	if (!r)
		return;
	trace_set_max_run(r, max_run);
	while ((rc = next(r, &b)) > 0 && !bad) {
		if (b.n) {
			bad |= b.where != want[k].line;
			for (size_t i = 0; i < b.n && !bad; i++, k++)
				bad |= k >= nwant || want[k].len || b.acc[i] != want[k].word;
		} else {
			bad |= k >= nwant || b.op.len != want[k].len || b.op.where != want[k].line ||
			       ((uint64_t)b.op.op << 62 | b.op.addr) != want[k].word;
			k++;
		}
	}
	if (bad)
		fprintf(stderr, "%s: first difference near access %zu (line %" PRIu64 ")\n",
			path, k, k < nwant ? want[k].line : 0);
	CHECK(!bad);
	CHECK_EQ(rc, 0);
	CHECK_EQ(k, nwant);
	trace_close(r);
}

static void trace_should_match_a_reference_parser_on_random_lackey(void)
{
	/* rounds 0..5 use the best path the CPU has (AVX2 on most x86-64),
	 * rounds 6..11 the baseline one (MEMSIM_TRACE_NO_AVX2) */
	for (int round = 0; round < 12; round++) {
		if (round == 6)
			setenv("MEMSIM_TRACE_NO_AVX2", "1", 1);
		size_t lines = round % 6 < 3 ? 200000 : 1 + rnd() % 3000;
		char *text = malloc(lines * 48 + 1), *p = text;
		for (size_t i = 0; i < lines; i++)
			p += random_line(p);
		*p = '\0';
		if (round % 6 == 1)
			p[-1] = '\0';     /* no newline at the end */
		struct ref *want = malloc(lines * sizeof *want);
		size_t nwant = reference(text, want);
		const char *path = put_bytes("rand.lk", text, strlen(text));

		compare_with_reference(path, want, nwant, round % 6 == 2 ? 37 : 4096);
		if (round % 6 == 0) {
			char cmd[1200];
			snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz'", path, path);
			if (system(cmd) == 0) {
				snprintf(cmd, sizeof cmd, "%s.gz", path);
				compare_with_reference(cmd, want, nwant, 4096);
			}
		}
		free(want);
		free(text);
	}
	unsetenv("MEMSIM_TRACE_NO_AVX2");
}

static void trace_should_read_the_committed_lackey_samples(void)
{
	const char *names[] = { "true.lackey.gz", "synth_mix.lackey.gz" };
	for (size_t i = 0; i < 2; i++) {
		char path[1024], err[512];
		snprintf(path, sizeof path, "%s/traces/lackey/%s", MEMSIM_SOURCE_DIR, names[i]);
		if (access(path, R_OK) != 0)
			continue;
		struct trace_reader *r = trace_open(path, TRACE_AUTO, err, sizeof err);
		struct trace_batch b;
		size_t n = 0;
		int rc;
		CHECK(r != NULL);
		if (!r)
			continue;
		CHECK_EQ(trace_reader_format(r), TRACE_LACKEY);
		while ((rc = next(r, &b)) > 0)
			n += b.n ? b.n : 1;
		CHECK_EQ(rc, 0);
		CHECK(n > 100000);
		trace_close(r);
	}
}

int main(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/memsim-t021-XXXXXX");
	if (!mkdtemp(tdir))
		return 1;
	RUN(trace_should_map_lackey_records);
	RUN(trace_should_return_big_lackey_accesses_as_ops);
	RUN(trace_should_read_lackey_without_trailing_newline);
	RUN(trace_should_respect_the_run_limit_in_lackey);
	RUN(trace_should_match_a_reference_parser_on_random_lackey);
	RUN(trace_should_read_the_committed_lackey_samples);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tdir);
	return T_DONE();
}
