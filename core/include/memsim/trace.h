/*
 * memsim/trace.h - trace readers and writers (the contract of core/trace/).
 *
 * Three input formats are read: mtrace text (DESIGN.md section 5), Valgrind
 * lackey output (auto-detected), and memsim's binary format (traces/FORMAT.md).
 * Plain files are memory-mapped; "-" is standard input; names ending in .gz,
 * .xz or .zst are decompressed while they are read.  Memory use does not grow
 * with the length of a trace.
 *
 * A reader hands out *batches*.  A batch is either
 *   - a run of memory accesses of one process, as packed 64-bit words
 *     (see TACC_* below; for binary traces these point straight into the
 *     mapped file), or
 *   - exactly one other operation (struct trace_op), or
 *   - a time stamp (TOP_AT), which stands before the operation it qualified.
 * Batches come in file order.  The word encoding is the same one the binary
 * format stores, so a binary replay decodes nothing.
 */
#ifndef MEMSIM_TRACE_H
#define MEMSIM_TRACE_H

#include "types.h"

/* ---- packed access words ------------------------------------------------
 *   bits 63..62  kind: 1 = R, 2 = W, 3 = X   (0 never appears in a run)
 *   bits 61..56  size - 1                    (sizes 1..64)
 *   bits 55..0   virtual address
 * Accesses larger than 64 bytes are returned as a trace_op of op TOP_R/W/X
 * with `len` holding the size. */
#define TACC_KIND_SHIFT 62
#define TACC_SIZE_SHIFT 56
#define TACC_ADDR_MASK ((UINT64_C(1) << 56) - 1)
#define TACC_MAX_SIZE 64

static inline unsigned tacc_kind(uint64_t w) { return (unsigned)(w >> TACC_KIND_SHIFT); }
static inline unsigned tacc_size(uint64_t w) { return (unsigned)((w >> TACC_SIZE_SHIFT) & 63) + 1; }
static inline uint64_t tacc_addr(uint64_t w) { return w & TACC_ADDR_MASK; }
static inline uint64_t tacc_make(unsigned kind, unsigned size, uint64_t addr)
{
	return ((uint64_t)kind << TACC_KIND_SHIFT) |
	       ((uint64_t)(size - 1) << TACC_SIZE_SHIFT) | (addr & TACC_ADDR_MASK);
}

/* ---- operations ----------------------------------------------------------- */
enum trace_opcode {
	TOP_NONE = 0,
	TOP_R = 1, TOP_W = 2, TOP_X = 3, /* == enum access_kind == packed kind */
	TOP_MMAP, TOP_MUNMAP, TOP_MPROTECT, TOP_MADVISE, TOP_MREMAP, TOP_BRK,
	TOP_FILE, TOP_FORK, TOP_EXIT, TOP_SLEEP, TOP_MARK, TOP_OOM_SCORE_ADJ,
	TOP_AT,                          /* "@NS": not before simulated time t_ns */
	TOP__COUNT
};

/* PROT string "rwx" (each position may be '-'). */
#define TPROT_READ 1u
#define TPROT_WRITE 2u
#define TPROT_EXEC 4u

/* mmap FLAGS */
#define TMAP_PRIVATE 0x001u
#define TMAP_SHARED 0x002u
#define TMAP_ANON 0x004u
#define TMAP_FILE 0x008u
#define TMAP_FIXED 0x010u
#define TMAP_GROWSDOWN 0x020u
#define TMAP_POPULATE 0x040u
#define TMAP_LOCKED 0x080u
#define TMAP_NORESERVE 0x100u

/* madvise ADVICE (the value stored in trace_op.flags) */
enum trace_advice {
	TADV_DONTNEED = 1, TADV_FREE, TADV_HUGEPAGE, TADV_NOHUGEPAGE, TADV_DONTFORK,
	TADV_DOFORK, TADV_WIPEONFORK, TADV_KEEPONFORK, TADV_COLD, TADV_PAGEOUT,
	TADV_POPULATE_READ, TADV_POPULATE_WRITE, TADV_COLLAPSE, TADV_WILLNEED,
	TADV__COUNT
};

/* file flags */
#define TFILE_CACHED 0x1u
#define TFILE_SHMEM 0x2u

/*
 * One operation.  Which fields mean something depends on `op`:
 *   R/W/X      addr, len (= access size, > 64 only; smaller come packed)
 *   mmap       addr, len, prot, flags (TMAP_*), name (FILE or NULL), arg (OFFSET)
 *   munmap     addr, len
 *   mprotect   addr, len, prot
 *   madvise    addr, len, flags (enum trace_advice)
 *   mremap     addr (OLD), len (OLDLEN), arg (NEWLEN), newaddr if has_newaddr
 *   brk        addr
 *   file       name, len (SIZE), flags (TFILE_*)
 *   fork       arg (CHILDPID)
 *   exit       -
 *   sleep      arg (NS)
 *   mark       name (LABEL)
 *   oom_score_adj  ival (-1000..1000)
 *   @NS        t_ns
 */
struct trace_op {
	uint8_t op;           /* enum trace_opcode */
	uint8_t prot;         /* TPROT_* */
	uint8_t has_newaddr;  /* mremap: NEWADDR was given */
	uint8_t pad_;
	uint32_t pid;         /* process the operation belongs to */
	uint32_t flags;       /* TMAP_*, enum trace_advice or TFILE_* */
	int32_t ival;         /* oom_score_adj */
	uint64_t addr;
	uint64_t len;
	uint64_t arg;
	uint64_t newaddr;
	uint64_t t_ns;        /* TOP_AT */
	const char *name;     /* NUL-terminated; valid until the next trace_next() */
	uint64_t where;       /* line number (text) or byte offset (binary) */
};

/* A batch: n > 0 means `acc[0..n-1]` are packed accesses of process `pid`
 * (valid until the next trace_next()); n == 0 means `op` holds one operation. */
struct trace_batch {
	uint32_t pid;
	size_t n;
	const uint64_t *acc;
	uint64_t where;       /* line / offset of the first access of the run */
	struct trace_op op;
};

enum trace_format {
	TRACE_AUTO = 0,
	TRACE_MTRACE,        /* text, DESIGN.md section 5 */
	TRACE_LACKEY,        /* valgrind --tool=lackey --trace-mem=yes */
	TRACE_BINARY         /* traces/FORMAT.md */
};

struct trace_reader;

/*
 * Open `path` ("-" for standard input) in format `fmt` (TRACE_AUTO detects it
 * from the first bytes: the binary magic, then lackey or mtrace syntax).
 * Batches hold at most 4096 accesses unless trace_set_max_run() says otherwise.
 * Returns the reader, or NULL with "FILE: what is wrong" in errbuf (a bad
 * binary header: "FILE:@OFFSET: what is wrong").
 */
struct trace_reader *trace_open(const char *path, enum trace_format fmt,
				char *errbuf, size_t errlen);

/*
 * Bound the number of accesses per batch: 0 = the reader's default (4096);
 * values above 65536 are clamped.  May be called between any two
 * trace_next() calls.  Returns 0 or SIM_ENOMEM (the old bound stays).
 */
int trace_set_max_run(struct trace_reader *r, size_t max_run);

/*
 * Read the next batch.  Returns 1 with *b filled, 0 at the end of the trace,
 * or SIM_EINPUT / SIM_EIO with "FILE:LINE: what is wrong" (binary traces:
 * "FILE:@OFFSET: what is wrong") readable through trace_errmsg().
 */
int trace_next(struct trace_reader *r, struct trace_batch *b);

const char *trace_errmsg(const struct trace_reader *r);
enum trace_format trace_reader_format(const struct trace_reader *r);
const char *trace_reader_path(const struct trace_reader *r);
/* Progress: bytes consumed so far and total size (0 when unknown). */
void trace_progress(const struct trace_reader *r, uint64_t *done, uint64_t *total);
/* Close the reader; NULL is a no-op. */
void trace_close(struct trace_reader *r);

/* ---- writers -------------------------------------------------------------
 * Write batches as mtrace text (canonical form: one op per line, lengths in
 * decimal bytes, addresses as 0x hex) or as binary.  Lossless: reading the
 * output back gives the same batches (same ops, pids, accesses, times). */
struct trace_writer;

struct trace_writer *trace_writer_open(const char *path, enum trace_format fmt,
				       char *errbuf, size_t errlen);
int trace_write(struct trace_writer *w, const struct trace_batch *b);
/* Flush and close; returns 0 or SIM_EIO (message in errbuf given at open). */
int trace_writer_close(struct trace_writer *w);

/* ---- helpers shared with the CLI and Lua layer -------------------------- */
/* Parse a size ("4096", "400K", "2M", "1G", "100p"); 0 on success, -1 on a bad
 * string, -2 on overflow.  Used for trace lengths, config sizes and Lua sizes. */
int trace_parse_size(const char *s, size_t n, uint64_t *out);
/* Parse a PROT string ("rw-"); -1 if malformed. */
int trace_parse_prot(const char *s, size_t n);
/* Names for opcodes and advice ("mmap", "dontneed"); NULL if out of range. */
const char *trace_op_name(unsigned op);
const char *trace_advice_name(unsigned advice);
int trace_advice_lookup(const char *s, size_t n); /* -1 if unknown */

/* One-shot convenience: convert `in` to `out`; the output format is chosen by
 * the name of `out` (.mtr/.txt -> text, anything else -> binary) unless
 * `out_fmt` is given.  Returns 0, SIM_EINPUT or SIM_EIO (message in errbuf). */
int trace_convert(const char *in, const char *out, enum trace_format out_fmt,
		  char *errbuf, size_t errlen);

#endif
