/*
 * trace/lackey.c - reader for Valgrind lackey output
 * (valgrind --tool=lackey --trace-mem=yes):
 *
 *     I  0400a6f0,3        instruction fetch  -> X
 *      L 04222cac,8        load               -> R
 *      S 04222cac,8        store              -> W
 *      M 04222cac,8        modify             -> W (one access that also reads)
 *     ==1234== ...         valgrind's own lines: skipped
 *
 * Addresses are hex without 0x, sizes decimal.  The pid is always 1.
 * Blank lines are skipped; any other line is an error.
 *
 * This is the measured path: parsing must stay within a small factor of
 * `wc -l` over the same file.  What makes it fast:
 *   1. No dependency chain from line to line.  One SIMD newline mask of the
 *      64 bytes from a line start tells where the next three or four lines
 *      end; those lines are then decoded, none waiting for another, and the
 *      only loop-carried work is mask -> bit scans.  (Decoding line by line,
 *      each line waited ~30 cycles for the one before.)
 *   2. No data-dependent branches inside a line.  The hex field is classified
 *      and converted 16 characters at once; the size, its digits, its range
 *      and the end of the line are checked by one lookup in a 64K-entry
 *      table indexed by the two bytes after the comma (simd.h); all checks OR into one
 *      value, tested once per window.  Packed words go straight into the run.
 *   3. The instruction set: SSE2 (every x86-64) by default; with AVX2+BMI2
 *      (checked at open, used per batch) two lines share each 256-bit vector
 *      and a window takes four lines; elsewhere an 8-bytes-per-word SWAR
 *      fallback.  All three give identical results (tests compare them).
 * Measured (real valgrind captures, cachegrind): ~61 instructions per line
 * with AVX2, ~82 with SSE2; on a 200 MB trace the AVX2 path takes ~2.7x and
 * the SSE2 one ~3.2x the time of `wc -l` (the target is 3x).
 * The fast path needs FAST_WINDOW readable bytes after a window start, so
 * near the end of the input, and for every line it does not take (valgrind
 * noise, accesses over 64 bytes, sizes with leading zeros, trailing blanks,
 * errors), a careful per-line slow path takes over, which never reads
 * outside the line.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/internal.h"
#include "trace/simd.h"

#define FAST_WINDOW 128  /* bytes the fast path may read from a window start */

/* Whole-line header check, indexed by the second byte of a line: the first
 * three bytes as a little-endian word (bits 0..23), "valid" (bit 31) and the
 * access kind where a packed word has it (bits 62..63); 0 for anything that
 * is not lackey. */
#define LK_VALID 0x80000000u
#define LK_KIND(k) ((uint64_t)(k) << TACC_KIND_SHIFT)
static const uint64_t lk_pat[256] = {
	[' '] = 0x202049u | LK_VALID | LK_KIND(3),   /* "I  " -> X */
	['L'] = 0x204c20u | LK_VALID | LK_KIND(1),   /* " L " -> R */
	['S'] = 0x205320u | LK_VALID | LK_KIND(2),   /* " S " -> W */
	['M'] = 0x204d20u | LK_VALID | LK_KIND(2),   /* " M " -> W */
};

/*
 * Check and pack the small access line [p, e) whose hex field (at p + 3)
 * has `len` digits worth `addr` (e is the line's newline; 32 bytes readable
 * from p).  Returns 0 with *word set, or nonzero when the slow path has to
 * look at the line (*word is then garbage).  Every check ORs bits into one
 * value: the only data-dependent branch is the caller's test of it, and it
 * goes the slow way only for lines the slow path owns.
 */
static inline uint64_t lk_finish(const char *p, const char *e, const uint16_t *sz,
				 uint64_t addr, size_t len, uint64_t *word)
{
	uint64_t pat = lk_pat[(unsigned char)p[1]];
	uint32_t head;
	uint16_t digits;

	memcpy(&head, p, sizeof head);
	const char *q = p + 4 + len;                   /* the size digits */
	memcpy(&digits, q, sizeof digits);
	unsigned ent = sz[digits];
	/* len == 0 needs no test of its own: the comma test then requires
	 * p[3] == ',', whose nibble 0xc lands in the top byte of addr. */
	uint64_t bad = (((head | LK_VALID) ^ (uint32_t)pat) & 0x80ffffffu) /* header */
		     | ((uint8_t)p[3 + len] ^ ',')       /* comma after the address */
		     | (addr >> 56)                      /* address fits 56 bits */
		     | ((uint64_t)(q - e) + (ent & 0xff)); /* size 1..64, then the newline */
	*word = (pat & LK_KIND(3)) | (uint64_t)(ent >> 8) << TACC_SIZE_SHIFT | addr;
	return bad;
}

/* Decode one line (see lk_finish()). */
static inline uint64_t lk_fast(const char *p, const char *e, const uint16_t *sz,
			       uint64_t *word)
{
	unsigned len;
	uint64_t addr = trace__hex_field(p + 3, &len);
	return lk_finish(p, e, sz, addr, len, word);
}

/* ---- slow path: one line, fully checked ----------------------------------- */

struct lk_line {
	unsigned kind;    /* 0: nothing (noise, blank); else TOP_R/W/X */
	uint64_t addr;
	uint64_t size;
};

static int lk_bad(struct trace_reader *r, const char *what, const char *s, size_t n)
{
	char q[64];
	return trace__err_line(r, r->line, "lackey: %s '%s'", what, trace__quote(q, sizeof q, s, n));
}

/* Parse the line [s, e) into *out; 0 or SIM_EINPUT. */
static int lk_parse_line(struct trace_reader *r, const char *s, const char *e,
			 struct lk_line *out)
{
	const char *line = s;
	int rc;

	out->kind = 0;
	while (e > s && trace__is_blank((unsigned char)e[-1]))
		e--;
	if (e == s || (e - s >= 2 && s[0] == '=' && s[1] == '='))
		return 0;
	uint64_t pat = e - s >= 3 ? lk_pat[(unsigned char)s[1]] : 0;
	if (!pat || (unsigned char)s[0] != (pat & 0xff) || s[2] != ' ')
		return lk_bad(r, "unexpected line", line, (size_t)(e - line));
	s += 3;
	const char *comma = memchr(s, ',', (size_t)(e - s));
	if (!comma)
		return lk_bad(r, "missing ',SIZE' in", line, (size_t)(e - line));
	if (comma - s >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
		return lk_bad(r, "bad hex address", s, (size_t)(comma - s));
	rc = trace__parse_hex(s, (size_t)(comma - s), &out->addr);
	if (rc == -1)
		return lk_bad(r, "bad hex address", s, (size_t)(comma - s));
	if (rc == -2 || out->addr > TACC_ADDR_MASK)
		return lk_bad(r, "address out of range", s, (size_t)(comma - s));
	s = comma + 1;
	rc = trace__parse_dec(s, (size_t)(e - s), &out->size);
	if (rc != 0 || out->size == 0)
		return lk_bad(r, rc == 0 ? "size must be >= 1, not" : "bad size", s, (size_t)(e - s));
	out->kind = (unsigned)(pat >> TACC_KIND_SHIFT);
	return 0;
}

enum { LK_MORE, LK_BATCH, LK_EOF };

/*
 * Handle the line at r->pos with the slow path.  Returns LK_MORE (go on),
 * LK_BATCH (b holds a batch to return), LK_EOF, or a negative SIM_E*.
 */
static int lk_slow(struct trace_reader *r, struct trace_batch *b, size_t *n)
{
	const char *s, *e;
	size_t next;
	struct lk_line ln;
	int rc = trace__getline(r, &s, &e, &next);

	if (rc <= 0)
		return rc == 0 ? LK_EOF : rc;
	if ((rc = lk_parse_line(r, s, e, &ln)) < 0)
		return rc;
	if (ln.kind && ln.size > TACC_MAX_SIZE) {
		if (*n > 0)
			return LK_BATCH;        /* the run goes first; this line stays */
		b->op.op = (uint8_t)ln.kind;
		b->op.pid = 1;
		b->op.addr = ln.addr;
		b->op.len = ln.size;
		b->op.where = r->line;
		b->pid = 1;
		b->where = r->line;
	} else if (ln.kind) {
		if (*n == 0)
			b->where = r->line;
		r->run[(*n)++] = tacc_make(ln.kind, (unsigned)ln.size, ln.addr);
	}
	r->pos = next;
	r->line++;
	return ln.kind && ln.size > TACC_MAX_SIZE ? LK_BATCH : LK_MORE;
}

/* Nonzero when nl has fewer than three bits set. */
static inline uint64_t popcount_below3(uint64_t nl)
{
	uint64_t two = nl & (nl - 1);
	return (two & (two - 1)) == 0;
}

/* The first newline left in *nl (from p), which is then cleared; past the
 * window when none is left (the caller has checked there are enough). */
static inline const char *next_newline(const char *p, uint64_t *nl)
{
	const char *e = p + __builtin_ctzll(*nl | UINT64_C(1) << 63);
	*nl &= *nl - 1;
	return e;
}

/*
 * Decode the three lines that start at *pp into run[0..2], given the newline
 * mask of the 64 bytes from *pp (three lines of up to 21 bytes fit).  On
 * success *pp moves past them; returns nonzero (nothing moved) when a line
 * needs the slow path or the window holds fewer than three lines.
 */
static inline uint64_t lk_step3(const char **pp, uint64_t nl, const uint16_t *sz,
				uint64_t *run)
{
	const char *p = *pp;
	uint64_t few = popcount_below3(nl);
	const char *e0 = next_newline(p, &nl);
	const char *e1 = next_newline(p, &nl);
	const char *e2 = next_newline(p, &nl);
	uint64_t bad = few | lk_fast(p, e0, sz, &run[0]) | lk_fast(e0 + 1, e1, sz, &run[1]) |
		       lk_fast(e1 + 1, e2, sz, &run[2]);
	if (!bad)
		*pp = e2 + 1;
	return bad;
}

/*
 * Fast-path as many lines as the window and the run allow; returns n.
 * Three lines at a time: one newline mask of the 64 bytes from the first
 * line's start gives where all three end, then the three are decoded.  The
 * decodes do not wait for each other, and the only loop-carried work is
 * mask -> three bit scans.  The line that stops the fast path is left to
 * the slow path.
 */
static size_t lk_fast_run(struct trace_reader *r, struct trace_batch *b, size_t n)
{
	const char *buf = r->src.buf, *p = buf + r->pos;
	size_t max = r->max_run, n0 = n;

	if (r->src.len < FAST_WINDOW)
		return n;
	const char *stop = buf + r->src.len - FAST_WINDOW;
	if (n == 0)
		b->where = r->line;
	while (n + 3 <= max && p <= stop) {
		if (lk_step3(&p, trace__newline_mask(p), r->size_tab, r->run + n))
			break;
		n += 3;
	}
	r->pos = (size_t)(p - buf);
	r->line += n - n0;                      /* one line per fast-path access */
	return n;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(MEMSIM_TRACE_PORTABLE)
/*
 * The same with AVX2 and BMI, chosen at open when the CPU has them (the
 * choice is made per batch, never per line).  Four lines per 64-byte window;
 * two lines share each 256-bit vector, one per 128-bit lane, so the
 * classification and the conversion cost half as much per line, and
 * pmaddubsw / pshufb pair the nibbles and order the bytes in two
 * instructions.  A window with only three lines decodes three.
 */
#include <immintrin.h>
#define LK_HAVE_AVX2 1
#define LK_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

LK_AVX2 static inline uint64_t newline_mask_avx2(const char *p)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	__m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, nl));
	uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, nl));
	return lo | hi << 32;
}

/* trace__hex_field() of two lines at once: h0 in the low lane, h1 in the high one. */
LK_AVX2 static inline void hex_field2(const char *h0, const char *h1, uint64_t *a0,
				      unsigned *l0, uint64_t *a1, unsigned *l1)
{
	__m256i x = _mm256_inserti128_si256(
		_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)h0)),
		_mm_loadu_si128((const __m128i *)(const void *)h1), 1);
	__m256i dig = _mm256_cmpgt_epi8(_mm256_set1_epi8(-128 + 10),
					_mm256_add_epi8(x, _mm256_set1_epi8((char)(128 - '0'))));
	__m256i low = _mm256_or_si256(x, _mm256_set1_epi8(0x20));
	__m256i alp = _mm256_cmpgt_epi8(_mm256_set1_epi8(-128 + 6),
					_mm256_add_epi8(low, _mm256_set1_epi8((char)(128 - 'a'))));
	uint32_t hex = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(dig, alp));

	*l0 = _tzcnt_u32(~hex | 0x10000u);
	*l1 = _tzcnt_u32(~(hex >> 16));
	__m256i nib = _mm256_add_epi8(_mm256_and_si256(x, _mm256_set1_epi8(0x0f)),
				      _mm256_and_si256(alp, _mm256_set1_epi8(9)));
	/* 16 * first + second in each 16-bit pair, then the pairs' bytes in
	 * reverse order: the first character ends up most significant */
	__m256i pairs = _mm256_maddubs_epi16(nib, _mm256_set1_epi16(0x0110));
	__m256i v = _mm256_shuffle_epi8(pairs, _mm256_setr_epi8(
		14, 12, 10, 8, 6, 4, 2, 0, -1, -1, -1, -1, -1, -1, -1, -1,
		14, 12, 10, 8, 6, 4, 2, 0, -1, -1, -1, -1, -1, -1, -1, -1));
	*a0 = (uint64_t)_mm256_extract_epi64(v, 0) >> ((64 - 4 * *l0) & 63);
	*a1 = (uint64_t)_mm256_extract_epi64(v, 2) >> ((64 - 4 * *l1) & 63);
}

LK_AVX2 static size_t lk_fast_run_avx2(struct trace_reader *r, struct trace_batch *b, size_t n)
{
	const char *buf = r->src.buf, *p = buf + r->pos;
	const uint16_t *sz = r->size_tab;
	uint64_t *run = r->run;
	size_t max = r->max_run, n0 = n;

	if (r->src.len < FAST_WINDOW)
		return n;
	const char *stop = buf + r->src.len - FAST_WINDOW;
	if (n == 0)
		b->where = r->line;
	while (n + 4 <= max && p <= stop) {
		uint64_t nl = newline_mask_avx2(p), a0, a1, bad;
		uint64_t four = _mm_popcnt_u64(nl) >= 4;   /* else three (or fewer) */
		unsigned l0, l1;
		const char *e0 = p + _tzcnt_u64(nl);
		nl = _blsr_u64(nl);
		const char *e1 = p + _tzcnt_u64(nl);
		nl = _blsr_u64(nl);
		const char *e2 = p + _tzcnt_u64(nl);
		nl = _blsr_u64(nl);
		const char *e3 = p + _tzcnt_u64(nl);     /* p + 64 when absent */
		/* a pair at a time keeps fewer values live (no spills) */
		hex_field2(p + 3, e0 + 4, &a0, &l0, &a1, &l1);
		bad = lk_finish(p, e0, sz, a0, l0, &run[n]) |
		      lk_finish(e0 + 1, e1, sz, a1, l1, &run[n + 1]);
		if (four) {
			hex_field2(e1 + 4, e2 + 4, &a0, &l0, &a1, &l1);
			bad |= lk_finish(e1 + 1, e2, sz, a0, l0, &run[n + 2]) |
			       lk_finish(e2 + 1, e3, sz, a1, l1, &run[n + 3]);
		} else {
			bad |= (e2 == p + 64) | lk_fast(e1 + 1, e2, sz, &run[n + 2]);
		}
		if (bad)
			break;
		n += 3 + four;
		p = (four ? e3 : e2) + 1;
	}
	r->pos = (size_t)(p - buf);
	r->line += n - n0;
	return n;
}
#endif

/*
 * Set up a reader for lackey: the size table, and the AVX2 fast path when
 * the CPU has it (MEMSIM_TRACE_NO_AVX2 set in the environment keeps the
 * baseline path, for tests and comparisons).  Returns 0 or SIM_ENOMEM.
 */
int trace__lackey_open(struct trace_reader *r)
{
#ifdef LK_HAVE_AVX2
	__builtin_cpu_init();
	r->lk_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
		     __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt") &&
		     !getenv("MEMSIM_TRACE_NO_AVX2");
#endif
	return trace__size_table(r);
}

static size_t lk_fast_any(struct trace_reader *r, struct trace_batch *b, size_t n)
{
#ifdef LK_HAVE_AVX2
	if (r->lk_avx2)
		return lk_fast_run_avx2(r, b, n);
#endif
	return lk_fast_run(r, b, n);
}

/* Next batch of a lackey trace (see trace_next()). */
int trace__lackey_next(struct trace_reader *r, struct trace_batch *b)
{
	size_t n = 0;

	for (;;) {
		n = lk_fast_any(r, b, n);
		if (n == r->max_run)
			break;
		if (!r->src.eof && r->src.len - r->pos < FAST_WINDOW) {
			int rc = trace__src_fill(&r->src, &r->pos);
			if (rc < 0)
				return rc;
			continue;
		}
		int rc = lk_slow(r, b, &n);
		if (rc < 0)
			return rc;
		if (rc == LK_EOF)
			break;
		if (rc == LK_BATCH)
			break;
	}
	if (n == 0)
		return b->op.op ? 1 : 0;
	b->n = n;
	b->acc = r->run;
	b->pid = 1;
	return 1;
}
