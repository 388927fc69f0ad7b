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
 * `wc -l` over the same file.  The fast path therefore reads a line as a few
 * 8-byte words and decodes it with SWAR arithmetic, without branches that
 * depend on the data: the hex field (up to 15 digits) and the size (up to 8
 * digits) are classified and converted eight characters at a time, and the
 * packed word is written straight into the run buffer.  It needs 64 bytes of
 * input after the line start, so near the end of a window (and for every line
 * the fast path does not like: valgrind noise, big accesses, errors) a careful
 * per-line slow path takes over, which never reads outside the line.
 */
#include <string.h>

#include "trace/internal.h"

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define FAST_WINDOW 128  /* bytes the fast path may look at past a block start */

/* Per second byte of a line: the access kind (low byte) and the first byte
 * the line must have (high byte); 0 for anything that is not lackey. */
static const uint16_t lk_head[256] = {
	[' '] = 3 | 'I' << 8,
	['L'] = 1 | ' ' << 8,
	['S'] = 2 | ' ' << 8,
	['M'] = 2 | ' ' << 8,
};

static inline uint64_t load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* High bit set in every byte of w that is not an ASCII hex digit. */
static inline uint64_t swar_nonhex(uint64_t w)
{
	uint64_t t = w & ~HIGHS;
	uint64_t digit = (t + ONES * (0x80 - '0')) & ~(t + ONES * (0x7f - '9'));
	uint64_t l = t | ONES * 0x20;
	uint64_t alpha = (l + ONES * (0x80 - 'a')) & ~(l + ONES * (0x7f - 'f'));
	return ~((digit | alpha) & ~w) & HIGHS;
}

/* High bit set in every byte of w that is not an ASCII decimal digit. */
static inline uint64_t swar_nondigit(uint64_t w)
{
	uint64_t t = w & ~HIGHS;
	uint64_t digit = (t + ONES * (0x80 - '0')) & ~(t + ONES * (0x7f - '9')) & ~w;
	return ~digit & HIGHS;
}

/* The 8 hex digits of w as a 32-bit value (first character most significant). */
static inline uint64_t swar_hex8(uint64_t w)
{
	uint64_t n = ((w & ONES * 0x0f) + ((w >> 6) & ONES) * 9) & ONES * 0x0f;
	n = ((n & UINT64_C(0x000f000f000f000f)) << 4) | ((n >> 8) & UINT64_C(0x000f000f000f000f));
	n = ((n & UINT64_C(0x000000ff000000ff)) << 8) | ((n >> 16) & UINT64_C(0x000000ff000000ff));
	return ((n & 0xffff) << 16) | ((n >> 32) & 0xffff);
}

/* The value of the first d (1..8) decimal digits of w. */
static inline uint64_t swar_dec(uint64_t w, unsigned d)
{
	w = (w << (8 * (8 - d))) & ONES * 0x0f;
	w = (w * 10 + (w >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	w = (w * 100 + (w >> 16)) & UINT64_C(0x0000ffff0000ffff);
	return (w * 10000 + (w >> 32)) & 0xffffffff;
}

#ifdef __SSE2__
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
#else
static inline uint64_t newline_mask(const char *p)
{
	uint64_t m = 0;
	for (int k = 0; k < 8; k++) {
		uint64_t x = load64(p + 8 * k) ^ (ONES * '\n');
		uint64_t z = ~(((x & ~HIGHS) + ~HIGHS) | x) & HIGHS;  /* high bit where byte == 0 */
		m |= ((z >> 7) * UINT64_C(0x0102040810204080) >> 56) << (8 * k);
	}
	return m;
}
#endif

/*
 * Decode the well-formed small access line [p, e) (e is its newline; at
 * least 32 bytes readable from p).  Returns 1 with *word set, or 0 when the
 * slow path has to look at this line.
 */
static inline int lk_fast(const char *p, const char *e, uint64_t *word)
{
	unsigned head = lk_head[(unsigned char)p[1]];
	uint64_t w0 = load64(p + 3), w1 = load64(p + 11);
	uint64_t m0 = swar_nonhex(w0), m1 = swar_nonhex(w1);
	unsigned len;
	if (m0)
		len = (unsigned)__builtin_ctzll(m0) >> 3;
	else if (m1)
		len = 8 + ((unsigned)__builtin_ctzll(m1) >> 3);
	else
		return 0;
	uint64_t addr = ((swar_hex8(w0) << 32) | swar_hex8(w1)) >> (4 * (16 - len));
	const char *q = p + 4 + len;
	size_t d = (size_t)(e - q);
	unsigned dc = d - 1 < 7 ? (unsigned)d : 1;     /* keeps the shifts defined */
	uint64_t s = load64(q), md = swar_nondigit(s);
	uint64_t size = swar_dec(s, dc);
	int ok = head && p[2] == ' ' && (unsigned char)p[0] == head >> 8 && len && p[3 + len] == ',' &&
		 d - 1 < 7 && (md & ((UINT64_C(1) << (8 * dc)) - 1)) == 0 &&
		 size - 1 < TACC_MAX_SIZE && addr <= TACC_ADDR_MASK;
	*word = tacc_make(head & 3, (unsigned)size, addr);
	return ok;
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
	unsigned head = e - s >= 3 ? lk_head[(unsigned char)s[1]] : 0;
	if (!head || s[2] != ' ' || (unsigned char)s[0] != head >> 8)
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
	out->kind = head & 3;
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
 * Newlines are found 64 bytes at a time, so the start of each line comes
 * from a bit scan, not from decoding the line before: the decodes of
 * neighbouring lines are independent and overlap in the CPU.
 */
static size_t lk_fast_run(struct trace_reader *r, struct trace_batch *b, size_t n)
{
	const char *buf = r->src.buf, *p = buf + r->pos;
	uint64_t *run = r->run, line = r->line;
	size_t max = r->max_run;

	if (r->src.len < FAST_WINDOW)
		return n;
	const char *stop = buf + r->src.len - FAST_WINDOW;
	if (n == 0)
		b->where = line;
	while (n < max && p <= stop) {
		uint64_t nl = newline_mask(p);
		const char *s = p;
		if (!nl)
			break;
		do {
			const char *e = p + __builtin_ctzll(nl);
			if (!lk_fast(s, e, &run[n])) {
				p = s;
				goto out;
			}
			nl &= nl - 1;
			s = e + 1;
			n++;
			line++;
		} while (nl && n < max);
		p = s;
	}
out:
	r->pos = (size_t)(p - buf);
	r->line = line;
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
