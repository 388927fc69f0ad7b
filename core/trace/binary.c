/*
 * trace/binary.c - reader for memsim's binary trace format (the format is
 * specified in traces/FORMAT.md; its constants are in internal.h).
 *
 * The file is a sequence of little-endian 64-bit words: a header, then
 * records, then an END word.  Accesses are stored as RUN records whose words
 * already have the packed layout of memsim/trace.h, so a batch's `acc` points
 * straight into the mapped file (or into the aligned stream buffer): nothing
 * is decoded.  The only per-word work is a branch-free check that no word of
 * a run has kind 0 (any_kind0, two words at a time).
 *
 * Every record is checked (tag, payload bits, string length, padding, the
 * rules of trace__check_op()), so an accepted file can always be written back
 * as mtrace text.  Errors read "FILE:@OFFSET: what is wrong", OFFSET being the
 * byte offset of the offending word.
 */
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "trace/internal.h"

/* 64-bit words that follow the control word of each op record (before an
 * optional string); mremap has one more when its payload says NEWADDR. */
static const uint8_t op_words[TOP__COUNT] = {
	[TOP_R] = 2, [TOP_W] = 2, [TOP_X] = 2, [TOP_MMAP] = 3, [TOP_MUNMAP] = 2,
	[TOP_MPROTECT] = 2, [TOP_MADVISE] = 2, [TOP_MREMAP] = 3, [TOP_BRK] = 1,
	[TOP_FILE] = 1, [TOP_SLEEP] = 1, [TOP_AT] = 1,
};

/* Largest payload of each op record (mmap is checked against a mask). */
static const uint64_t op_payload_max[TOP__COUNT] = {
	[TOP_MPROTECT] = 7, [TOP_MADVISE] = TADV__COUNT - 1, [TOP_MREMAP] = 1,
	[TOP_FILE] = TFILE_CACHED | TFILE_SHMEM, [TOP_FORK] = UINT32_MAX,
	[TOP_OOM_SCORE_ADJ] = 2000,
};

#define MMAP_PAYLOAD_MASK (7u | (uint64_t)TRACE__TMAP_ALL << TRACE__MMAP_FLAGS_SHIFT | \
			   TRACE__MMAP_HAS_NAME)

static inline uint64_t word_at(const struct trace_reader *r, size_t k)
{
	uint64_t w;
	memcpy(&w, r->src.buf + r->pos + 8 * k, sizeof w);
	return w;
}

/* Input offset of the k-th word from the cursor. */
static inline uint64_t off_at(const struct trace_reader *r, size_t k)
{
	return r->src.off + r->pos + 8 * k;
}

/* Make `bytes` bytes visible at the cursor if the input has them; *avail
 * says how many are.  Returns 0 or a negative SIM_E* (read error). */
static int ensure(struct trace_reader *r, size_t bytes, size_t *avail)
{
	while (r->src.len - r->pos < bytes && !r->src.eof) {
		int rc = trace__src_fill(&r->src, &r->pos);
		if (rc < 0)
			return rc;
	}
	*avail = r->src.len - r->pos;
	return 0;
}

/*
 * Check the header at the start of the input and move past it.  Returns 0,
 * or SIM_EINPUT with "FILE:@OFFSET: ..." (bad magic, unknown version, bad
 * header size, unknown flags, truncated header), or a read error.
 */
int trace__binary_open(struct trace_reader *r)
{
	const size_t magic = sizeof TRACE__BIN_MAGIC - 1;
	size_t avail;
	int rc;

	if ((rc = ensure(r, TRACE__BIN_HDR_SIZE, &avail)))
		return rc;
	if (avail == 0 || memcmp(r->src.buf, TRACE__BIN_MAGIC, avail < magic ? avail : magic))
		return trace__err_off(r, 0, "not a memsim binary trace");
	if (avail < TRACE__BIN_HDR_SIZE)
		return trace__err_off(r, 0, "truncated header (%zu of %u bytes)", avail,
				      TRACE__BIN_HDR_SIZE);
	uint64_t w1 = word_at(r, 1);
	uint32_t version = (uint32_t)w1, hsize = (uint32_t)(w1 >> 32);
	if (version != TRACE__BIN_VERSION)
		return trace__err_off(r, 8, "unknown version %u (this reader reads version %u)",
				      version, TRACE__BIN_VERSION);
	if (hsize < TRACE__BIN_HDR_SIZE || hsize % 8 || hsize > TRACE__BIN_HDR_MAX)
		return trace__err_off(r, 12, "bad header size %u", hsize);
	if ((rc = ensure(r, hsize, &avail)))
		return rc;
	if (avail < hsize)
		return trace__err_off(r, 0, "truncated header (%zu of %u bytes)", avail, hsize);
	if ((uint32_t)word_at(r, 2))
		return trace__err_off(r, 16, "unknown header flags 0x%x", (uint32_t)word_at(r, 2));
	r->pos += hsize;
	return 0;
}

/* ---- runs ---------------------------------------------------------------------- */

/* Whether a word of acc[0..n) has kind 0 (bits 63 and 62 both clear): bit
 * 63 of ~(w | w << 1), or-ed over the run, two words at a time with SSE2. */
static int any_kind0(const uint64_t *acc, size_t n)
{
	uint64_t k = 0;
	size_t i = 0;
#if defined(__SSE2__) && defined(__x86_64__)
	__m128i v = _mm_setzero_si128(), ones = _mm_set1_epi32(-1);
	for (; i + 2 <= n; i += 2) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(acc + i));
		v = _mm_or_si128(v, _mm_xor_si128(_mm_or_si128(x, _mm_slli_epi64(x, 1)), ones));
	}
	k = (uint64_t)_mm_cvtsi128_si64(v) | (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
#endif
	for (; i < n; i++)
		k |= ~(acc[i] | acc[i] << 1);
	return (int)(k >> 63);
}

static int run_chunk(struct trace_reader *r, struct trace_batch *b)
{
	size_t k = r->run_left < r->max_run ? (size_t)r->run_left : r->max_run, avail;
	int rc = ensure(r, k * 8, &avail);

	if (rc)
		return rc;
	if (avail < k * 8)
		return trace__err_off(r, r->run_at, "RUN count %llu goes past the end of the file",
				      (unsigned long long)r->run_total);
	const uint64_t *acc = (const uint64_t *)(const void *)(r->src.buf + r->pos);
	if (any_kind0(acc, k)) {
		size_t i = 0;
		while (acc[i] >> TACC_KIND_SHIFT)
			i++;
		return trace__err_off(r, off_at(r, i), "access word 0x%016llx has kind 0",
				      (unsigned long long)acc[i]);
	}
	b->n = k;
	b->acc = acc;
	b->pid = r->cur_pid;
	b->where = off_at(r, 0);
	r->pos += k * 8;
	r->run_left -= k;
	return 1;
}

static int run_record(struct trace_reader *r, struct trace_batch *b, uint64_t n)
{
	if (n == 0)
		return trace__err_off(r, off_at(r, 0), "empty RUN record");
	if (!r->cur_pid)
		return trace__err_off(r, off_at(r, 0), "RUN record before any PID record");
	/* When the whole input is visible, a short run is reported at once. */
	if (r->src.eof && n > (r->src.len - r->pos - 8) / 8)
		return trace__err_off(r, off_at(r, 0),
				      "RUN count %llu goes past the end of the file",
				      (unsigned long long)n);
	r->run_at = off_at(r, 0);
	r->run_total = n;
	r->run_left = n;
	r->pos += 8;
	return run_chunk(r, b);
}

/* ---- op records ---------------------------------------------------------------- */

/* Copy the string of slen bytes at word k into the name buffer. */
static int take_string(struct trace_reader *r, size_t k, uint64_t slen, const char **name)
{
	const char *s = r->src.buf + r->pos + 8 * k;
	size_t padded = (size_t)(slen + 7) & ~(size_t)7;

	if (memchr(s, '\0', (size_t)slen))
		return trace__err_off(r, off_at(r, k), "NUL byte in string");
	for (size_t i = (size_t)slen; i < padded; i++)
		if (s[i])
			return trace__err_off(r, off_at(r, k), "nonzero string padding");
	memcpy(r->name_buf, s, (size_t)slen);
	r->name_buf[slen] = '\0';
	*name = r->name_buf;
	return 0;
}

/* Fill o from the payload and the words after the control word. */
static void decode_op(const struct trace_reader *r, struct trace_op *o, uint64_t pl)
{
	uint64_t w1 = 0, w2 = 0, w3 = 0, w4 = 0;

	if (op_words[o->op] >= 1)
		w1 = word_at(r, 1);
	if (op_words[o->op] >= 2)
		w2 = word_at(r, 2);
	if (op_words[o->op] >= 3)
		w3 = word_at(r, 3);
	switch (o->op) {
	case TOP_MMAP:
		o->prot = (uint8_t)(pl & 7);
		o->flags = (uint32_t)(pl >> TRACE__MMAP_FLAGS_SHIFT) & TRACE__TMAP_ALL;
		o->addr = w1, o->len = w2, o->arg = w3;
		break;
	case TOP_MPROTECT:
		o->prot = (uint8_t)pl;
		o->addr = w1, o->len = w2;
		break;
	case TOP_MADVISE:
		o->flags = (uint32_t)pl;
		o->addr = w1, o->len = w2;
		break;
	case TOP_MREMAP:
		o->addr = w1, o->len = w2, o->arg = w3;
		if ((o->has_newaddr = (uint8_t)pl))
			w4 = word_at(r, 4), o->newaddr = w4;
		break;
	case TOP_FILE: o->flags = (uint32_t)pl, o->len = w1; break;
	case TOP_FORK: o->arg = pl; break;
	case TOP_SLEEP: o->arg = w1; break;
	case TOP_OOM_SCORE_ADJ: o->ival = (int32_t)pl - 1000; break;
	case TOP_AT: o->t_ns = w1; break;
	case TOP_BRK: o->addr = w1; break;
	case TOP_EXIT: case TOP_MARK: break;
	default: /* R, W, X, munmap */
		o->addr = w1, o->len = w2;
		break;
	}
}

static int check_payload(struct trace_reader *r, unsigned op, uint64_t pl)
{
	int ok = op == TOP_MMAP ? !(pl & ~MMAP_PAYLOAD_MASK) : pl <= op_payload_max[op];
	if (ok)
		return 0;
	return trace__err_off(r, off_at(r, 0), "bad payload 0x%llx in %s record",
			      (unsigned long long)pl, trace_op_name(op));
}

static int op_record(struct trace_reader *r, struct trace_batch *b, unsigned op, uint64_t pl)
{
	const char *name = trace_op_name(op);
	uint64_t at = off_at(r, 0), slen = 0;
	size_t nw, avail;
	int rc;

	if (!r->cur_pid)
		return trace__err_off(r, at, "%s record before any PID record", name);
	if ((rc = check_payload(r, op, pl)))
		return rc;
	nw = 1 + op_words[op] + (op == TOP_MREMAP && pl);
	int has_str = op == TOP_FILE || op == TOP_MARK ||
		      (op == TOP_MMAP && (pl & TRACE__MMAP_HAS_NAME));
	if ((rc = ensure(r, (nw + (size_t)has_str) * 8, &avail)))
		return rc;
	if (avail < (nw + (size_t)has_str) * 8)
		return trace__err_off(r, at, "truncated %s record", name);
	if (has_str) {
		slen = word_at(r, nw);
		if (slen == 0 || slen > TRACE__MAX_NAME)
			return trace__err_off(r, off_at(r, nw), "bad string length %llu",
					      (unsigned long long)slen);
		nw += 1;
		if ((rc = ensure(r, (nw + (size_t)(slen + 7) / 8) * 8, &avail)))
			return rc;
		if (avail < (nw + (size_t)(slen + 7) / 8) * 8)
			return trace__err_off(r, at, "truncated %s record", name);
	}
	struct trace_op *o = &b->op;
	o->op = (uint8_t)op;
	o->pid = r->cur_pid;
	o->where = at;
	decode_op(r, o, pl);
	if (has_str && (rc = take_string(r, nw, slen, &o->name)))
		return rc;
	const char *why = trace__check_op(o);
	if (why)
		return trace__err_off(r, at, "%s record: %s", name, why);
	r->pos += (nw + (size_t)(slen + 7) / 8) * 8;
	b->pid = o->pid;
	b->where = at;
	return 1;
}

/* ---- records ------------------------------------------------------------------- */

static int end_record(struct trace_reader *r, uint64_t pl)
{
	size_t avail;
	int rc;

	if (pl)
		return trace__err_off(r, off_at(r, 0), "bad payload in END record");
	r->pos += 8;
	r->seen_end = 1;
	if ((rc = ensure(r, 1, &avail)))
		return rc;
	if (avail)
		return trace__err_off(r, off_at(r, 0), "data after the END record");
	return 0;
}

/* Next batch of a binary trace (see trace_next()). */
int trace__binary_next(struct trace_reader *r, struct trace_batch *b)
{
	if (r->run_left)
		return run_chunk(r, b);
	for (;;) {
		size_t avail;
		int rc = ensure(r, 8, &avail);
		if (rc)
			return rc;
		if (avail < 8)
			return trace__err_off(r, off_at(r, 0), avail ? "truncated word"
						       : "truncated file (no END record)");
		uint64_t w = word_at(r, 0), pl = w & TRACE__PAYLOAD_MASK;
		unsigned tag = (unsigned)(w >> TRACE__TAG_SHIFT);
		if (w >> TACC_KIND_SHIFT)
			return trace__err_off(r, off_at(r, 0), "access word outside a RUN");
		if (tag == TRACE__TAG_RUN)
			return run_record(r, b, pl);
		if (tag == TRACE__TAG_END)
			return end_record(r, pl);
		if (tag > TRACE__TAG_OP && tag <= TRACE__TAG_OP + TOP_AT)
			return op_record(r, b, tag - TRACE__TAG_OP, pl);
		if (tag != TRACE__TAG_PID)
			return trace__err_off(r, off_at(r, 0), "unknown record tag 0x%02x", tag);
		if (pl == 0 || pl > UINT32_MAX)
			return trace__err_off(r, off_at(r, 0), "bad pid %llu in PID record",
					      (unsigned long long)pl);
		r->cur_pid = (uint32_t)pl;
		r->pos += 8;
	}
}
