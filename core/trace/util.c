/*
 * trace/util.c - small parsers and name tables shared by the trace readers,
 * the writers, the CLI and the Lua layer: sizes ("2M", "100p"), PROT strings,
 * hex and decimal numbers, opcode and madvise names, and the validity check
 * every operation passes before it is written or handed out.
 *
 * None of these is on the per-access hot path of a reader; the hot loops of
 * lackey.c and mtrace.c parse accesses inline.
 */
#include <stdlib.h>
#include <string.h>

#include "trace/internal.h"
#include "trace/simd.h"

static const char *const op_names[TOP__COUNT] = {
	[TOP_R] = "R", [TOP_W] = "W", [TOP_X] = "X", [TOP_MMAP] = "mmap",
	[TOP_MUNMAP] = "munmap", [TOP_MPROTECT] = "mprotect",
	[TOP_MADVISE] = "madvise", [TOP_MREMAP] = "mremap", [TOP_BRK] = "brk",
	[TOP_FILE] = "file", [TOP_FORK] = "fork", [TOP_EXIT] = "exit",
	[TOP_SLEEP] = "sleep", [TOP_MARK] = "mark",
	[TOP_OOM_SCORE_ADJ] = "oom_score_adj", [TOP_AT] = "at",
};

static const char *const advice_names[TADV__COUNT] = {
	[TADV_DONTNEED] = "dontneed", [TADV_FREE] = "free",
	[TADV_HUGEPAGE] = "hugepage", [TADV_NOHUGEPAGE] = "nohugepage",
	[TADV_DONTFORK] = "dontfork", [TADV_DOFORK] = "dofork",
	[TADV_WIPEONFORK] = "wipeonfork", [TADV_KEEPONFORK] = "keeponfork",
	[TADV_COLD] = "cold", [TADV_PAGEOUT] = "pageout",
	[TADV_POPULATE_READ] = "populate_read",
	[TADV_POPULATE_WRITE] = "populate_write", [TADV_COLLAPSE] = "collapse",
	[TADV_WILLNEED] = "willneed",
};

/* mmap FLAGS words; index i is the flag 1 << i (TMAP_*). */
const char *const trace__mmap_flag_names[TRACE__NMAP_FLAGS] = {
	"private", "shared", "anon", "file", "fixed", "growsdown", "populate",
	"locked", "noreserve",
};

/* Name of an opcode ("mmap"; "at" for TOP_AT); NULL if out of range. */
const char *trace_op_name(unsigned op)
{
	return op < TOP__COUNT ? op_names[op] : NULL;
}

/* Name of a madvise advice ("dontneed"); NULL if out of range. */
const char *trace_advice_name(unsigned advice)
{
	return advice < TADV__COUNT ? advice_names[advice] : NULL;
}

/* The advice called s[0..n), or -1 if there is none. */
int trace_advice_lookup(const char *s, size_t n)
{
	for (unsigned i = 1; i < TADV__COUNT; i++) {
		if (strlen(advice_names[i]) == n && memcmp(advice_names[i], s, n) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Parse a size: decimal digits, then optionally one of K, M, G (x1024,
 * x1024^2, x1024^3; lower case accepted) or p (4 KiB pages).  Returns 0 with
 * *out set, -1 if s[0..n) is not a size, -2 if it does not fit 64 bits.
 */
int trace_parse_size(const char *s, size_t n, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (n == 0)
		return -1;
	switch (s[n - 1]) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'p': shift = 12; break;
	default: break;
	}
	if (shift)
		n--;
	if ((rc = trace__parse_dec(s, n, &v)) != 0)
		return rc;
	if (shift && v > (UINT64_MAX >> shift))
		return -2;
	*out = v << shift;
	return 0;
}

/* Parse a PROT string: exactly 3 characters, "r|-", "w|-", "x|-" in that
 * order.  Returns the TPROT_* bits, or -1 if malformed. */
int trace_parse_prot(const char *s, size_t n)
{
	static const char want[3] = { 'r', 'w', 'x' };
	int prot = 0;

	if (n != 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (s[i] == want[i])
			prot |= 1 << i;
		else if (s[i] != '-')
			return -1;
	}
	return prot;
}

/* Plain decimal digits (at least one): 0, -1 malformed, -2 overflow. */
int trace__parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static unsigned hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 16;
}

/* Hex digits with an optional 0x/0X: 0, -1 malformed, -2 over 64 bits. */
int trace__parse_hex(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = hexval((unsigned char)s[i]);
		if (d > 15)
			return -1;
		if (v >> 60)
			return -2;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Printable copy of s[0..n) for messages; returns out. */
const char *trace__quote(char *out, size_t cap, const char *s, size_t n)
{
	size_t max = cap > 4 ? cap - 4 : 0, k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		unsigned char c = (unsigned char)s[i];
		out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n > max && cap >= 4) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	if (cap)
		out[k < cap ? k : cap - 1] = '\0';
	return out;
}

static const char *check_name(const char *name, const char *what)
{
	if (!name || !name[0])
		return what;
	if (strlen(name) > TRACE__MAX_NAME)
		return "name longer than 4095 bytes";
	return NULL;
}

static const char *check_access(const struct trace_op *op)
{
	if (op->len <= TACC_MAX_SIZE)
		return "an access of 1..64 bytes must be a packed word in a run";
	if (op->addr > TACC_ADDR_MASK)
		return "access address above 56 bits";
	return NULL;
}

static const char *check_mmap(const struct trace_op *op)
{
	if (op->prot > 7)
		return "bad prot bits";
	if (op->flags & ~TRACE__TMAP_ALL)
		return "unknown mmap flag bits";
	if (!op->name)
		return op->arg ? "mmap offset without a file" : NULL;
	return check_name(op->name, "empty mmap file name");
}

/*
 * Is `op` an operation every format can carry?  Returns NULL if so, else a
 * short description of what is wrong.  Used by the writers before they write
 * anything and by the binary reader after it decoded a record.
 */
const char *trace__check_op(const struct trace_op *op)
{
	if (op->pid == 0)
		return "pid 0";
	switch (op->op) {
	case TOP_R: case TOP_W: case TOP_X:
		return check_access(op);
	case TOP_MMAP:
		return check_mmap(op);
	case TOP_MPROTECT:
		return op->prot > 7 ? "bad prot bits" : NULL;
	case TOP_MADVISE:
		return op->flags < 1 || op->flags >= TADV__COUNT ? "bad advice" : NULL;
	case TOP_MREMAP:
		return op->has_newaddr > 1 ? "bad has_newaddr" : NULL;
	case TOP_FILE:
		if (op->flags & ~(TFILE_CACHED | TFILE_SHMEM))
			return "unknown file flag bits";
		return check_name(op->name, "empty file name");
	case TOP_FORK:
		return op->arg < 1 || op->arg > UINT32_MAX ? "bad child pid" : NULL;
	case TOP_MARK:
		return check_name(op->name, "empty mark label");
	case TOP_OOM_SCORE_ADJ:
		return op->ival < -1000 || op->ival > 1000 ? "oom_score_adj out of range" : NULL;
	case TOP_MUNMAP: case TOP_BRK: case TOP_EXIT: case TOP_SLEEP: case TOP_AT:
		return NULL;
	default:
		return "unknown opcode";
	}
}

/*
 * Build the size table of simd.h into r->size_tab, once per reader.
 * Returns 0 or SIM_ENOMEM.
 */
int trace__size_table(struct trace_reader *r)
{
	uint16_t *t;

	if (r->size_tab)
		return 0;
	if (!(t = malloc(65536 * sizeof *t)))
		return SIM_ENOMEM;
	for (unsigned i = 0; i < 65536; i++)
		t[i] = TRACE__SZ_BAD;
	for (unsigned v = 1; v <= 9; v++)
		t[('0' + v) | '\n' << 8] = (uint16_t)(1 | (v - 1) << 8);
	for (unsigned v = 10; v <= TACC_MAX_SIZE; v++)
		t[('0' + v / 10) | ('0' + v % 10) << 8] = (uint16_t)(2 | (v - 1) << 8);
	r->size_tab = t;
	return 0;
}
