/*
 * trace/simd.h - the byte-parallel helpers the text parsers share: newline
 * masks, hex fields, and the size table (core/trace/ only).
 *
 * SSE2 is part of every x86-64, so it is the baseline there; other hosts
 * (and builds with MEMSIM_TRACE_PORTABLE, which the tests use to check it)
 * get an 8-bytes-per-64-bit-word SWAR version with the same results.  Both
 * read exactly the bytes their comments say and never look at alignment.
 */
#ifndef MEMSIM_TRACE_SIMD_H
#define MEMSIM_TRACE_SIMD_H

#include <string.h>

#include "trace/internal.h"

#if defined(__SSE2__) && defined(__x86_64__) && !defined(MEMSIM_TRACE_PORTABLE)
#include <emmintrin.h>

/* Bit i set when p[i] is a newline, for i in 0..63 (64 bytes readable). */
static inline uint64_t trace__newline_mask(const char *p)
{
	const __m128i nl = _mm_set1_epi8('\n');
	uint64_t m = 0;
#pragma GCC unroll 4
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
static inline uint64_t trace__hex_field(const char *h, unsigned *len)
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

#define TRACE__ONES UINT64_C(0x0101010101010101)
#define TRACE__HIGHS UINT64_C(0x8080808080808080)

static inline uint64_t trace__load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Gather the high bit of each byte into bits 0..7. */
static inline unsigned trace__byte_bits(uint64_t highs)
{
	return (unsigned)(((highs >> 7) * UINT64_C(0x0102040810204080)) >> 56);
}

static inline uint64_t trace__newline_mask(const char *p)
{
	uint64_t m = 0;
#pragma GCC unroll 8
	for (int k = 0; k < 8; k++) {
		uint64_t x = trace__load64(p + 8 * k) ^ (TRACE__ONES * '\n');
		uint64_t z = ~(((x & ~TRACE__HIGHS) + ~TRACE__HIGHS) | x) & TRACE__HIGHS; /* byte == 0 */
		m |= (uint64_t)trace__byte_bits(z) << (8 * k);
	}
	return m;
}

/* High bit set in every byte of w that is an ASCII decimal digit. */
static inline uint64_t trace__swar_digit(uint64_t w)
{
	uint64_t t = w & ~TRACE__HIGHS;
	return (t + TRACE__ONES * (0x80 - '0')) & ~(t + TRACE__ONES * (0x7f - '9')) & ~w & TRACE__HIGHS;
}

/* High bit set in every byte of w that is an ASCII hex digit. */
static inline uint64_t trace__swar_hex(uint64_t w)
{
	uint64_t l = (w & ~TRACE__HIGHS) | TRACE__ONES * 0x20;
	uint64_t alpha = (l + TRACE__ONES * (0x80 - 'a')) & ~(l + TRACE__ONES * (0x7f - 'f'));
	alpha &= ~w & TRACE__HIGHS;
	return trace__swar_digit(w) | alpha;
}

/* The 8 hex digits of w as a 32-bit value (first character most significant). */
static inline uint64_t trace__swar_hex8(uint64_t w)
{
	uint64_t n = ((w & TRACE__ONES * 0x0f) + ((w >> 6) & TRACE__ONES) * 9) & TRACE__ONES * 0x0f;
	n = ((n & UINT64_C(0x000f000f000f000f)) << 4) | ((n >> 8) & UINT64_C(0x000f000f000f000f));
	n = ((n & UINT64_C(0x000000ff000000ff)) << 8) | ((n >> 16) & UINT64_C(0x000000ff000000ff));
	return ((n & 0xffff) << 16) | ((n >> 32) & 0xffff);
}

static inline uint64_t trace__hex_field(const char *h, unsigned *len)
{
	uint64_t w0 = trace__load64(h), w1 = trace__load64(h + 8);
	unsigned hex = trace__byte_bits(trace__swar_hex(w0)) | trace__byte_bits(trace__swar_hex(w1)) << 8;

	*len = (unsigned)__builtin_ctz(~hex);
	return ((trace__swar_hex8(w0) << 32) | trace__swar_hex8(w1)) >> ((64 - 4 * *len) & 63);
}
#endif


/*
 * The size table (trace__size_table(), r->size_tab): indexed by the two
 * bytes that follow a size's separator (little-endian), it gives the offset
 * of the line's newline from the first of them in bits 0..7 (1 for "D\n",
 * 2 for "DD\n") and size - 1 in bits 8..13.  Everything that is not a size of
 * 1..64 written without leading zeros has offset TRACE__SZ_BAD, which never
 * matches, so one compare checks the digits, the range and where the line
 * ends.  64K entries; a line touches one of about a hundred.
 */
#define TRACE__SZ_BAD 0xffu

#endif
