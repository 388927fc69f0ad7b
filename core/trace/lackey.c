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
 * `wc -l` over the same file.  Two things make it fast:
 *   1. Newlines are found 64 bytes at a time (a bit mask), so where a line
 *      starts comes from a bit scan of the mask and not from decoding the
 *      line before it.  The decodes of neighbouring lines are independent
 *      and the CPU overlaps them (decoding line by line made every line wait
 *      for the previous one: a ~30-cycle dependency chain).
 *   2. A line is decoded without loops or data-dependent branches: the hex
 *      field is classified and converted 16 characters at once (SSE2, part of
 *      every x86-64; elsewhere an 8-bytes-per-word SWAR fallback), the size
 *      (1 or 2 digits on this path) with a select, and all checks are folded
 *      into one flag.  The packed word goes straight into the run buffer.
 * The fast path needs FAST_WINDOW readable bytes after a block start, so near
 * the end of a window, and for every line it does not take (valgrind noise,
 * accesses over 64 bytes, addresses of 16 digits, errors), a careful per-line
 * slow path takes over, which never reads outside the line.
 */
#include <string.h>

#include "trace/internal.h"

#define LK_CHUNK 1024    /* bytes whose newlines are indexed in one go */
#define FAST_WINDOW (LK_CHUNK + 64) /* bytes the fast path may read from a chunk start */

/* Whole-line header check, indexed by the second byte of a line: the first
 * three bytes as a little-endian word (bits 0..23), the access kind (bits
 * 24..25) and "valid" (bit 31); 0 for anything that is not lackey. */
#define LK_VALID 0x80000000u
static const uint32_t lk_pat[256] = {
	[' '] = 0x202049u | 3u << 24 | LK_VALID,   /* "I  " */
	['L'] = 0x204c20u | 1u << 24 | LK_VALID,   /* " L " */
	['S'] = 0x205320u | 2u << 24 | LK_VALID,   /* " S " */
	['M'] = 0x204d20u | 2u << 24 | LK_VALID,   /* " M " */
};

#if defined(__SSE2__) && !defined(MEMSIM_TRACE_PORTABLE)
#include <emmintrin.h>

/* Bit i set when p[i] is a newline, for i in 0..63. */
static inline uint64_t newline_mask(const char *p)
{
	const __m128i nl = _mm_set1_epi8('\n');
	uint64_t m = 0;
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)) << (16 * k);
	}
	return m;
}

/*
 * The hex field at h (16 bytes readable): *len = number of leading hex
 * digits (0..16).  Returns the value of the first *len digits (meaningless
 * when *len is 0).
 */
static inline uint64_t hex_field(const char *h, unsigned *len)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)h);
	__m128i dig = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(128 - '0'))),
				     _mm_set1_epi8(-128 + 10));
	__m128i low = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i alp = _mm_cmplt_epi8(_mm_add_epi8(low, _mm_set1_epi8((char)(128 - 'a'))),
				     _mm_set1_epi8(-128 + 6));
	unsigned hex = (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, alp));

	*len = (unsigned)__builtin_ctz(~hex);
	/* nibbles (every byte <= 15, so pairs cannot carry), then pairs -> bytes */
	__m128i nib = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
				   _mm_and_si128(alp, _mm_set1_epi8(9)));
	__m128i pair = _mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8));
	pair = _mm_and_si128(pair, _mm_set1_epi16(0xff));
	uint64_t v = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pair, pair));
	return __builtin_bswap64(v) >> ((64 - 4 * *len) & 63);
}

#else /* portable SWAR: 8 bytes per 64-bit word */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Gather the high bit of each byte into bits 0..7. */
static inline unsigned byte_bits(uint64_t highs)
{
	return (unsigned)(((highs >> 7) * UINT64_C(0x0102040810204080)) >> 56);
}

static inline uint64_t newline_mask(const char *p)
{
	uint64_t m = 0;
	for (int k = 0; k < 8; k++) {
		uint64_t x = load64(p + 8 * k) ^ (ONES * '\n');
		uint64_t z = ~(((x & ~HIGHS) + ~HIGHS) | x) & HIGHS; /* byte == 0 */
		m |= (uint64_t)byte_bits(z) << (8 * k);
	}
	return m;
}

/* High bit set in every byte of w that is an ASCII decimal digit. */
static inline uint64_t swar_digit(uint64_t w)
{
	uint64_t t = w & ~HIGHS;
	return (t + ONES * (0x80 - '0')) & ~(t + ONES * (0x7f - '9')) & ~w & HIGHS;
}

/* High bit set in every byte of w that is an ASCII hex digit. */
static inline uint64_t swar_hex(uint64_t w)
{
	uint64_t l = (w & ~HIGHS) | ONES * 0x20;
	uint64_t alpha = (l + ONES * (0x80 - 'a')) & ~(l + ONES * (0x7f - 'f')) & ~w & HIGHS;
	return swar_digit(w) | alpha;
}

/* The 8 hex digits of w as a 32-bit value (first character most significant). */
static inline uint64_t swar_hex8(uint64_t w)
{
	uint64_t n = ((w & ONES * 0x0f) + ((w >> 6) & ONES) * 9) & ONES * 0x0f;
	n = ((n & UINT64_C(0x000f000f000f000f)) << 4) | ((n >> 8) & UINT64_C(0x000f000f000f000f));
	n = ((n & UINT64_C(0x000000ff000000ff)) << 8) | ((n >> 16) & UINT64_C(0x000000ff000000ff));
	return ((n & 0xffff) << 16) | ((n >> 32) & 0xffff);
}

static inline uint64_t hex_field(const char *h, unsigned *len)
{
	uint64_t w0 = load64(h), w1 = load64(h + 8);
	unsigned hex = byte_bits(swar_hex(w0)) | byte_bits(swar_hex(w1)) << 8;

	*len = (unsigned)__builtin_ctz(~hex);
	return ((swar_hex8(w0) << 32) | swar_hex8(w1)) >> ((64 - 4 * *len) & 63);
}
#endif

/*
 * Decode the small access line [p, e) (e is its newline; 32 bytes readable
 * from p).  Returns 1 with *word set, or 0 when the slow path has to look at
 * the line (*word is then garbage).  Every check adds bits to one `bad`
 * value: the only data-dependent branch is the caller's test of it, and it
 * goes the slow way only for lines the slow path owns.
 */
static inline int lk_fast(const char *p, const char *e, uint64_t *word)
{
	uint32_t head, pat = lk_pat[(unsigned char)p[1]];
	unsigned len;

	memcpy(&head, p, sizeof head);
	uint64_t addr = hex_field(p + 3, &len);
	const char *q = p + 4 + len;                   /* the size digits */
	uint64_t d = (uint64_t)(e - q);
	unsigned c0 = (uint8_t)(q[0] - '0'), c1 = (uint8_t)(q[1] - '0');
	unsigned two = 0u - (unsigned)(d == 2);        /* a mask, not a branch: */
	unsigned c1m = c1 & two;                       /* 1 and 2 digits mix randomly */
	unsigned size = c0 + 9 * (c0 & two) + c1m;
	uint64_t bad = (((head | LK_VALID) ^ pat) & 0x80ffffffu) /* header */
		     | ((len - 1) >> 31)                 /* no hex digit */
		     | ((uint8_t)p[3 + len] ^ ',')       /* comma after the address */
		     | (addr >> 56)                      /* address fits 56 bits */
		     | ((d - 1) >> 1)                    /* 1 or 2 size digits */
		     | (((c0 | c1m) + 6) >> 4)           /* they are digits */
		     | ((size - 1) >> 6);                /* size 1..64 */
	*word = (uint64_t)(pat >> 24 & 3) << TACC_KIND_SHIFT |
		(uint64_t)(size - 1) << TACC_SIZE_SHIFT | addr;
	return bad == 0;
}

/* Bits set in m (baseline x86-64 has no POPCNT instruction; the builtin
 * would be a library call). */
static inline unsigned popcount64(uint64_t m)
{
	m -= (m >> 1) & UINT64_C(0x5555555555555555);
	m = (m & UINT64_C(0x3333333333333333)) + ((m >> 2) & UINT64_C(0x3333333333333333));
	m = (m + (m >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((m * UINT64_C(0x0101010101010101)) >> 56);
}

/*
 * Offsets from p of the newlines in p[0..LK_CHUNK), in order, into idx
 * (which needs LK_CHUNK + 8 entries: up to 8 are written past the count).
 * Returns the count.  The first 8 newlines of each 64-byte block are
 * extracted without a branch on how many there are (lines are ~15 bytes).
 */
static inline size_t index_newlines(const char *p, uint16_t *idx)
{
	size_t cnt = 0;

	for (unsigned base = 0; base < LK_CHUNK; base += 64) {
		uint64_t m = newline_mask(p + base);
		unsigned pc = popcount64(m);
		uint16_t *o = idx + cnt;
		for (int i = 0; i < 8; i++) {
			o[i] = (uint16_t)(base + (unsigned)__builtin_ctzll(m | UINT64_C(1) << 63));
			m &= m - 1;
		}
		for (unsigned i = 8; i < pc; i++) {
			o[i] = (uint16_t)(base + (unsigned)__builtin_ctzll(m));
			m &= m - 1;
		}
		cnt += pc;
	}
	return cnt;
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
	uint32_t pat = e - s >= 3 ? lk_pat[(unsigned char)s[1]] : 0;
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
	out->kind = pat >> 24;
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

/*
 * Fast-path as many lines as the window and the run allow; returns n.
 * Works chunk by chunk: first the newlines of LK_CHUNK bytes are indexed,
 * then the lines are decoded.  So where a line starts comes from the index,
 * not from decoding the line before it (decoding line by line made every
 * line wait for the previous one), and the decode loop runs ~70 times
 * before its exit branch, instead of exiting every 64 bytes.
 */
static size_t lk_fast_run(struct trace_reader *r, struct trace_batch *b, size_t n)
{
	const char *buf = r->src.buf, *p = buf + r->pos;
	uint64_t *run = r->run;
	size_t max = r->max_run, n0 = n;
	uint16_t idx[LK_CHUNK + 8];

	if (r->src.len < FAST_WINDOW)
		return n;
	const char *stop = buf + r->src.len - FAST_WINDOW;
	if (n == 0)
		b->where = r->line;
	while (n < max && p <= stop) {
		size_t cnt = index_newlines(p, idx), i;
		if (cnt > max - n)
			cnt = max - n;
		const char *s = p;
		for (i = 0; i < cnt; i++) {
			const char *e = p + idx[i];
			if (!lk_fast(s, e, &run[n + i]))
				break;
			s = e + 1;
		}
		n += i;
		p = s;
		if (i < cnt || cnt == 0)
			break;          /* the slow path owns the line at p */
	}
	r->pos = (size_t)(p - buf);
	r->line += n - n0;                      /* one line per fast-path access */
	return n;
}

/* Next batch of a lackey trace (see trace_next()). */
int trace__lackey_next(struct trace_reader *r, struct trace_batch *b)
{
	size_t n = 0;

	for (;;) {
		n = lk_fast_run(r, b, n);
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
