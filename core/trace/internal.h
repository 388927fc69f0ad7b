/*
 * trace/internal.h - internals shared by the trace readers and writers of
 * core/trace/ (never installed, never included outside core/trace/).
 *
 * The reader is one struct for every format: a byte source (a mapped file or
 * a fixed-size stream buffer, see source.c), a cursor into it, the run buffer
 * text parsers write packed accesses into, and the per-format state.  The
 * format-specific parsers (mtrace.c, lackey.c, binary.c) fill batches;
 * reader.c only opens, detects, dispatches and closes.
 *
 * The binary format constants live here because reader and writer share them;
 * traces/FORMAT.md is their documentation.
 */
#ifndef MEMSIM_TRACE_INTERNAL_H
#define MEMSIM_TRACE_INTERNAL_H

#include <stdarg.h>

#include "memsim/trace.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
/* Known limit: binary runs are handed out in place (zero copy), which needs a
 * little-endian host; the text parsers' word loads assume it as well. */
#error "core/trace assumes a little-endian host"
#endif

/* ---- limits ---------------------------------------------------------------- */
#define TRACE__MAX_LINE 4096          /* longest text line, newline excluded */
#define TRACE__MAX_NAME 4095          /* longest label / file name in bytes */
#define TRACE__DEFAULT_RUN 4096       /* accesses per batch unless told */
#define TRACE__MAX_RUN 65536          /* upper clamp for trace_set_max_run() */
#define TRACE__STREAM_BUF (1u << 20)  /* stream window; > MAX_RUN words + a record */
#define TRACE__ZIN_BUF (256u << 10)   /* compressed input buffer */

/* ---- binary format (traces/FORMAT.md) ---------------------------------------- */
#define TRACE__BIN_MAGIC "\x89MSTRACE"   /* 8 bytes, no NUL */
#define TRACE__BIN_VERSION 1u
#define TRACE__BIN_HDR_SIZE 32u           /* header size written by version 1 */
#define TRACE__BIN_HDR_MAX 4096u          /* largest header size accepted */

/* A control word has bits 63..62 = 0 (an access word never has), a tag in
 * bits 61..56 and a 56-bit payload. */
#define TRACE__TAG_SHIFT 56
#define TRACE__PAYLOAD_MASK ((UINT64_C(1) << 56) - 1)
#define TRACE__TAG_RUN 0x01u   /* payload n: n access words follow */
#define TRACE__TAG_PID 0x02u   /* payload pid: following records belong to it */
#define TRACE__TAG_END 0x03u   /* payload 0: last word of the file */
#define TRACE__TAG_OP 0x20u    /* 0x20 + enum trace_opcode: one operation */

/* mmap payload: bits 0..2 prot, bits 8..16 TMAP_*, bit 32 "a FILE string follows" */
#define TRACE__MMAP_FLAGS_SHIFT 8
#define TRACE__MMAP_HAS_NAME (UINT64_C(1) << 32)
#define TRACE__TMAP_ALL 0x1ffu

static inline uint64_t trace__ctl(unsigned tag, uint64_t payload)
{
	return ((uint64_t)tag << TRACE__TAG_SHIFT) | (payload & TRACE__PAYLOAD_MASK);
}

/* ---- byte sources (source.c) --------------------------------------------------- */
enum trace__src_kind {
	TRACE__SRC_FD,     /* stdin, pipe, or a file that cannot be mapped */
	TRACE__SRC_GZ,     /* zlib */
	TRACE__SRC_XZ,     /* liblzma */
	TRACE__SRC_ZST     /* libzstd */
};

struct trace__src {
	const char *buf;      /* window: buf[0..len) is the input at offset `off` */
	size_t len;           /* valid bytes in the window */
	uint64_t off;         /* input offset of buf[0] (decompressed bytes) */
	int eof;              /* nothing follows buf[len-1] */
	enum trace__src_kind kind;
	int fd;               /* -1 when none */
	int own_fd;           /* close fd on close (not for stdin) */
	char *mem;            /* stream buffer (TRACE__STREAM_BUF, 64-aligned) */
	uint64_t raw_done;    /* file bytes read so far (compressed sources) */
	uint64_t raw_total;   /* file size, 0 when unknown */
	unsigned char *zin;   /* compressed input buffer (TRACE__ZIN_BUF) */
	size_t zin_len;       /* valid bytes in zin */
	size_t zin_pos;       /* consumed bytes of zin (zstd) */
	int zin_eof;          /* the compressed file is exhausted */
	int z_end;            /* the decompressor finished a stream/frame/member */
	void *z;              /* z_stream / lzma_stream / ZSTD_DStream */
	const char *name;     /* file name used in messages */
	char *err;            /* message buffer (the reader's) */
	size_t errlen;
};

int trace__src_open(struct trace__src *s, const char *path, const char *name,
		    char *err, size_t errlen);
int trace__src_fill(struct trace__src *s, size_t *pos);
void trace__src_close(struct trace__src *s);

/* ---- the reader ------------------------------------------------------------------- */
struct trace_reader {
	enum trace_format fmt;
	char *path;           /* as given to trace_open */
	const char *name;     /* for messages: path, or "<stdin>" */
	struct trace__src src;
	size_t pos;           /* cursor: next unread byte of src.buf */
	uint64_t line;        /* text: number of the line that starts at pos */
	int state;            /* 0 reading, 1 ended, < 0 the sticky error */
	uint64_t *run;        /* text: packed accesses of the batch being built */
	size_t max_run;       /* accesses per batch */
	uint16_t *size_tab;   /* text: the size table (simd.h), NULL until built */
	int lk_avx2;          /* lackey: use the AVX2 fast path */
	int npend;            /* text: pend holds an op still to hand out */
	struct trace_op pend; /* the op of a "@NS" line, after its TOP_AT */
	uint32_t cur_pid;     /* binary: pid of the last PID record (0 = none) */
	uint64_t run_left;    /* binary: words of the current RUN not yet handed out */
	uint64_t run_total;   /* binary: its length */
	uint64_t run_at;      /* binary: its offset, for messages */
	int seen_end;         /* binary: the END record was read */
	char name_buf[TRACE__MAX_NAME + 1]; /* label / file name of the last op */
	char err[SIM_ERRMSG_MAX];
};

int trace__mtrace_next(struct trace_reader *r, struct trace_batch *b);
int trace__lackey_open(struct trace_reader *r);
int trace__lackey_next(struct trace_reader *r, struct trace_batch *b);
int trace__binary_open(struct trace_reader *r);
int trace__binary_next(struct trace_reader *r, struct trace_batch *b);

/* "FILE:LINE: msg" (text) into r->err; returns SIM_EINPUT. */
int trace__err_line(struct trace_reader *r, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:@OFFSET: msg" (binary) into r->err; returns SIM_EINPUT. */
int trace__err_off(struct trace_reader *r, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Find the end of the line starting at r->pos, refilling a stream window as
 * needed: 1 with [*s, *e) the line (newline excluded) and *next the offset
 * after it, 0 at the end of input, or a negative SIM_E*. */
int trace__getline(struct trace_reader *r, const char **s, const char **e, size_t *next);

/* ---- shared parsing and checking helpers (util.c) ----------------------------- */
/* Copy at most `cap`-1 bytes of s[0..n) into out for quoting in a message:
 * unprintable bytes become '?', long tokens end in "...". */
const char *trace__quote(char *out, size_t cap, const char *s, size_t n);
/* Hex with optional 0x: 0, -1 malformed, -2 more than 64 bits. */
int trace__parse_hex(const char *s, size_t n, uint64_t *out);
/* Plain decimal: 0, -1 malformed, -2 more than 64 bits. */
int trace__parse_dec(const char *s, size_t n, uint64_t *out);
/* mmap FLAGS words; index i names the flag 1 << i (TMAP_*). */
#define TRACE__NMAP_FLAGS 9
extern const char *const trace__mmap_flag_names[TRACE__NMAP_FLAGS];
/* Blank characters of a text line (space, tab, CR, VT, FF). */
static inline int trace__is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
/* NULL if `op` is a valid operation every format can carry, else what is wrong. */
const char *trace__check_op(const struct trace_op *op);
/* Build r->size_tab (see simd.h) if it is not there: 0 or SIM_ENOMEM. */
int trace__size_table(struct trace_reader *r);
/* Whether an access of `size` bytes goes into a run as a packed word. */
static inline int trace__packable(const struct trace_op *op)
{
	return op->op >= TOP_R && op->op <= TOP_X && op->len >= 1 &&
	       op->len <= TACC_MAX_SIZE;
}

/* Internal open returning the rc class (trace_open loses it). */
struct trace_reader *trace__open(const char *path, enum trace_format fmt, int *rc,
				 char *errbuf, size_t errlen);

#endif
