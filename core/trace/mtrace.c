/*
 * trace/mtrace.c - reader for mtrace text (DESIGN.md section 5):
 *
 *     [@NS] PID OP ARGS...      # comment
 *
 * Every op and every field is validated; an error names the line and the
 * field ("t.mtr:4: mmap: missing field PROT", "t.mtr:7: bad hex address
 * 'zz12'").  A line is split into at most 9 blank-separated tokens in one
 * pass over a small character-class table (the most any op needs is 8, so
 * the 9th is always an extra field); `#` ends the line's content.
 *
 * Speed: the commonest line, a plain access "PID K [0x]ADDR[ SIZE]" (what
 * the writer produces), has a fast path: one SIMD newline mask finds the
 * end of the line, the hex field is converted 16 characters at once and the
 * size checked by one lookup (simd.h).  Anything else on the line (comment,
 * stamp, spacing, suffix, CR) sends it to the general parser, which gives
 * the same result for every line the fast path takes (tests compare them).
 *
 * Batching: consecutive small accesses (1..64 bytes) of one pid go into one
 * run of packed words.  A run ends at max_run accesses, at a pid change, at
 * any other op and at an `@NS` stamp; the line that ended it is read again by
 * the next call (nothing is consumed until it is accepted).  A line with
 * `@NS` gives two batches: TOP_AT first, then the line's op, which waits in
 * r->pend (an access from it starts the next run).
 */
#include <stdio.h>
#include <string.h>

#include "trace/internal.h"
#include "trace/simd.h"

#define MT_MAXTOK 9

enum { C_WORD = 0, C_BLANK, C_HASH, C_NUL };

static const unsigned char mt_class[256] = {
	[' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK, ['\v'] = C_BLANK,
	['\f'] = C_BLANK, ['#'] = C_HASH, ['\0'] = C_NUL,
};

struct mt_tok {
	const char *s;
	size_t n;
};

/* Parsing state of one line. */
struct mt_ctx {
	struct trace_reader *r;
	struct mt_tok t[MT_MAXTOK];  /* the line's first tokens */
	int nt;                      /* how many of t[] are set */
	int i;                       /* next token to take */
	const char *end;             /* end of the last token of the line */
	const char *opname;          /* for messages; NULL before the op */
	struct trace_op *op;         /* being filled */
};

/* ---- tokens and messages ------------------------------------------------- */

static int mt_tokenize(struct mt_ctx *c, const char *s, const char *e)
{
	c->nt = 0;
	c->end = s;
	while (s < e) {
		unsigned k = mt_class[(unsigned char)*s];
		if (k == C_BLANK) {
			s++;
			continue;
		}
		if (k == C_HASH)
			break;
		if (k == C_NUL)
			return trace__err_line(c->r, c->r->line, "NUL byte in line");
		const char *t = s;
		while (s < e && mt_class[(unsigned char)*s] == C_WORD)
			s++;
		if (c->nt < MT_MAXTOK) {
			c->t[c->nt].s = t;
			c->t[c->nt].n = (size_t)(s - t);
			c->nt++;
		}
		c->end = s;
	}
	return 0;
}

/* "what 'token'" as the line's error. */
static int bad(struct mt_ctx *c, const char *what, const struct mt_tok *t)
{
	char q[64];
	return trace__err_line(c->r, c->r->line, "%s '%s'", what,
			       trace__quote(q, sizeof q, t->s, t->n));
}

/* The next token, or the error "OP: missing field NAME". */
static int field(struct mt_ctx *c, const char *name, const struct mt_tok **t)
{
	*t = NULL;
	if (c->i >= c->nt) {
		if (c->opname)
			return trace__err_line(c->r, c->r->line, "%s: missing field %s",
					       c->opname, name);
		return trace__err_line(c->r, c->r->line, "missing field %s", name);
	}
	*t = &c->t[c->i++];
	return 0;
}

/* The next token if there is one. */
static const struct mt_tok *opt_field(struct mt_ctx *c)
{
	return c->i < c->nt ? &c->t[c->i++] : NULL;
}

/* Error if the line has more tokens than the op takes. */
static int finish(struct mt_ctx *c)
{
	if (c->i >= c->nt)
		return 0;
	char q[64];
	const struct mt_tok *t = &c->t[c->i];
	return trace__err_line(c->r, c->r->line, "%s: extra field '%s'", c->opname,
			       trace__quote(q, sizeof q, t->s, t->n));
}

/* ---- fields ---------------------------------------------------------------- */

static int hex_field(struct mt_ctx *c, const char *name, uint64_t *out)
{
	const struct mt_tok *t;
	int rc = field(c, name, &t);
	if (rc)
		return rc;
	rc = trace__parse_hex(t->s, t->n, out);
	if (rc == -1)
		return bad(c, "bad hex address", t);
	if (rc == -2)
		return bad(c, "hex address overflow", t);
	return 0;
}

static int len_tok(struct mt_ctx *c, const struct mt_tok *t, uint64_t *out)
{
	int rc = trace_parse_size(t->s, t->n, out);
	if (rc == -1)
		return bad(c, "bad length", t);
	if (rc == -2)
		return bad(c, "length overflow", t);
	return 0;
}

static int len_field(struct mt_ctx *c, const char *name, uint64_t *out)
{
	const struct mt_tok *t;
	int rc = field(c, name, &t);
	return rc ? rc : len_tok(c, t, out);
}

/* A decimal number; `what` names it in messages ("time", "pid"). */
static int dec_tok(struct mt_ctx *c, const struct mt_tok *t, size_t skip,
		   const char *what, uint64_t *out)
{
	char msg[48];
	int rc = trace__parse_dec(t->s + skip, t->n - skip, out);
	if (rc == 0)
		return 0;
	snprintf(msg, sizeof msg, rc == -1 ? "bad %s" : "%s overflow", what);
	return bad(c, msg, t);
}

static int pid_tok(struct mt_ctx *c, const struct mt_tok *t, uint64_t *out)
{
	int rc = dec_tok(c, t, 0, "pid", out);
	if (rc)
		return rc;
	if (*out == 0 || *out > UINT32_MAX)
		return bad(c, "pid out of range", t);
	return 0;
}

static int prot_field(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc = field(c, "PROT", &t);
	if (rc)
		return rc;
	int prot = trace_parse_prot(t->s, t->n);
	if (prot < 0)
		return bad(c, "bad prot string", t);
	c->op->prot = (uint8_t)prot;
	return 0;
}

/* Copy a name into the reader's name buffer (valid until the next batch). */
static const char *keep_name(struct mt_ctx *c, const char *s, size_t n)
{
	memcpy(c->r->name_buf, s, n);
	c->r->name_buf[n] = '\0';
	return c->r->name_buf;
}

/* ---- ops --------------------------------------------------------------------- */

static int op_access(struct mt_ctx *c)
{
	const struct mt_tok *t;
	uint64_t size = 1;
	int rc = hex_field(c, "ADDR", &c->op->addr);

	if (rc)
		return rc;
	if (c->op->addr > TACC_ADDR_MASK)
		return bad(c, "address out of range", &c->t[c->i - 1]);
	if ((t = opt_field(c))) {
		rc = trace_parse_size(t->s, t->n, &size);
		if (rc)
			return bad(c, rc == -1 ? "bad size" : "size overflow", t);
		if (size == 0)
			return bad(c, "size must be >= 1, not", t);
	}
	c->op->len = size;
	return finish(c);
}

static int mmap_flags(struct mt_ctx *c)
{
	const char *const *names = trace__mmap_flag_names;
	const struct mt_tok *t;
	int rc = field(c, "FLAGS", &t);

	if (rc)
		return rc;
	if (t->n == 1 && t->s[0] == '-')
		return 0;
	const char *s = t->s, *e = t->s + t->n;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(e - s));
		size_t n = (size_t)((comma ? comma : e) - s);
		unsigned i = 0;
		while (i < TRACE__NMAP_FLAGS && !(strlen(names[i]) == n && memcmp(names[i], s, n) == 0))
			i++;
		if (i == TRACE__NMAP_FLAGS) {
			struct mt_tok one = { s, n };
			return bad(c, n ? "bad mmap flag" : "empty mmap flag in", n ? &one : t);
		}
		c->op->flags |= 1u << i;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* FILE[:OFFSET]; OFFSET is a length (decimal, K/M/G/p) or 0x hex. */
static int mmap_file(struct mt_ctx *c, const struct mt_tok *t)
{
	const char *colon = NULL;
	size_t n = t->n;

	for (size_t k = 0; k < t->n; k++)
		if (t->s[k] == ':')
			colon = t->s + k;
	if (colon) {
		struct mt_tok off = { colon + 1, (size_t)(t->s + t->n - colon - 1) };
		int rc = off.n > 2 && off.s[0] == '0' && (off.s[1] | 0x20) == 'x'
				 ? trace__parse_hex(off.s, off.n, &c->op->arg)
				 : trace_parse_size(off.s, off.n, &c->op->arg);
		if (rc)
			return bad(c, rc == -1 ? "bad file offset" : "file offset overflow", &off);
		n = (size_t)(colon - t->s);
	}
	if (n == 0)
		return bad(c, "mmap: empty file name in", t);
	c->op->name = keep_name(c, t->s, n);
	return 0;
}

static int op_mmap(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc;

	if ((rc = hex_field(c, "ADDR", &c->op->addr)) || (rc = len_field(c, "LEN", &c->op->len)) ||
	    (rc = prot_field(c)) || (rc = mmap_flags(c)))
		return rc;
	if ((t = opt_field(c)) && (rc = mmap_file(c, t)))
		return rc;
	return finish(c);
}

static int op_range(struct mt_ctx *c)
{
	int rc;
	if ((rc = hex_field(c, "ADDR", &c->op->addr)) || (rc = len_field(c, "LEN", &c->op->len)))
		return rc;
	if (c->op->op == TOP_MPROTECT && (rc = prot_field(c)))
		return rc;
	return finish(c);
}

static int op_madvise(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc;

	if ((rc = hex_field(c, "ADDR", &c->op->addr)) || (rc = len_field(c, "LEN", &c->op->len)) ||
	    (rc = field(c, "ADVICE", &t)))
		return rc;
	int adv = trace_advice_lookup(t->s, t->n);
	if (adv < 0)
		return bad(c, "unknown advice", t);
	c->op->flags = (uint32_t)adv;
	return finish(c);
}

static int op_mremap(struct mt_ctx *c)
{
	int rc;

	if ((rc = hex_field(c, "OLD", &c->op->addr)) ||
	    (rc = len_field(c, "OLDLEN", &c->op->len)) ||
	    (rc = len_field(c, "NEWLEN", &c->op->arg)))
		return rc;
	if (c->i < c->nt) {
		if ((rc = hex_field(c, "NEWADDR", &c->op->newaddr)))
			return rc;
		c->op->has_newaddr = 1;
	}
	return finish(c);
}

static int op_file(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc;

	if ((rc = field(c, "NAME", &t)))
		return rc;
	c->op->name = keep_name(c, t->s, t->n);
	if ((rc = len_field(c, "SIZE", &c->op->len)))
		return rc;
	for (int k = 0; k < 2 && (t = opt_field(c)); k++) {
		if (t->n == 6 && memcmp(t->s, "cached", 6) == 0)
			c->op->flags |= TFILE_CACHED;
		else if (t->n == 5 && memcmp(t->s, "shmem", 5) == 0)
			c->op->flags |= TFILE_SHMEM;
		else
			return bad(c, "file: unknown option", t);
	}
	return finish(c);
}

static int op_oom(struct mt_ctx *c)
{
	const struct mt_tok *t;
	uint64_t v;
	int rc;

	if ((rc = field(c, "N", &t)))
		return rc;
	size_t sign = t->s[0] == '-' || t->s[0] == '+';
	rc = trace__parse_dec(t->s + sign, t->n - sign, &v);
	if (rc == -1)
		return bad(c, "bad oom_score_adj", t);
	if (rc == -2 || v > 1000)
		return bad(c, "oom_score_adj out of range (-1000..1000)", t);
	c->op->ival = t->s[0] == '-' ? -(int32_t)v : (int32_t)v;
	return finish(c);
}

static int op_mark(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc = field(c, "LABEL", &t);

	if (rc)
		return rc;
	c->op->name = keep_name(c, t->s, (size_t)(c->end - t->s));
	return 0;
}

static int op_args(struct mt_ctx *c)
{
	const struct mt_tok *t;
	int rc;

	switch (c->op->op) {
	case TOP_R: case TOP_W: case TOP_X:
		return op_access(c);
	case TOP_MMAP:
		return op_mmap(c);
	case TOP_MUNMAP: case TOP_MPROTECT:
		return op_range(c);
	case TOP_MADVISE:
		return op_madvise(c);
	case TOP_MREMAP:
		return op_mremap(c);
	case TOP_BRK:
		return (rc = hex_field(c, "ADDR", &c->op->addr)) ? rc : finish(c);
	case TOP_FILE:
		return op_file(c);
	case TOP_FORK:
		if ((rc = field(c, "CHILDPID", &t)) || (rc = pid_tok(c, t, &c->op->arg)))
			return rc;
		return finish(c);
	case TOP_SLEEP:
		if ((rc = field(c, "NS", &t)) || (rc = dec_tok(c, t, 0, "time", &c->op->arg)))
			return rc;
		return finish(c);
	case TOP_MARK:
		return op_mark(c);
	case TOP_OOM_SCORE_ADJ:
		return op_oom(c);
	default: /* TOP_EXIT */
		return finish(c);
	}
}

static unsigned op_lookup(const char *s, size_t n)
{
	if (n == 1) {
		switch (s[0]) {
		case 'R': return TOP_R;
		case 'W': return TOP_W;
		case 'X': return TOP_X;
		default: return TOP_NONE;
		}
	}
	for (unsigned op = TOP_MMAP; op < TOP_AT; op++) {
		const char *name = trace_op_name(op);
		if (strlen(name) == n && memcmp(name, s, n) == 0)
			return op;
	}
	return TOP_NONE;
}

/*
 * Parse the line [s, e).  Returns 0 for a line without an op (blank or
 * comment), 1 with *op filled (and *has_at / *t_ns for an "@NS" prefix), or
 * SIM_EINPUT.
 */
static int mt_parse(struct trace_reader *r, const char *s, const char *e,
		    struct trace_op *op, int *has_at, uint64_t *t_ns)
{
	struct mt_ctx c = { .r = r, .op = op };
	const struct mt_tok *t;
	uint64_t pid;
	int rc;

	if ((rc = mt_tokenize(&c, s, e)) || c.nt == 0)
		return rc;
	memset(op, 0, sizeof *op);
	*has_at = c.t[0].s[0] == '@';
	if (*has_at && (rc = dec_tok(&c, &c.t[c.i++], 1, "time", t_ns)))
		return rc;
	if ((rc = field(&c, "PID", &t)) || (rc = pid_tok(&c, t, &pid)) ||
	    (rc = field(&c, "OP", &t)))
		return rc;
	op->op = (uint8_t)op_lookup(t->s, t->n);
	if (op->op == TOP_NONE)
		return bad(&c, "unknown op", t);
	op->pid = (uint32_t)pid;
	op->where = r->line;
	c.opname = trace_op_name(op->op);
	return (rc = op_args(&c)) ? rc : 1;
}

/* ---- batches ------------------------------------------------------------------- */

static int hand_out(struct trace_batch *b, const struct trace_op *op)
{
	b->op = *op;
	b->pid = op->pid;
	b->where = op->where;
	return 1;
}

static int hand_out_at(struct trace_batch *b, const struct trace_op *op, uint64_t t_ns)
{
	b->op.op = TOP_AT;
	b->op.pid = op->pid;
	b->op.t_ns = t_ns;
	b->op.where = op->where;
	b->pid = op->pid;
	b->where = op->where;
	return 1;
}

#define MT_FAST_WINDOW 128   /* bytes the fast path may read from a line start */

/* Access kind by op letter; 0 for anything else. */
static const uint8_t mt_kind[256] = { ['R'] = TOP_R, ['W'] = TOP_W, ['X'] = TOP_X };

/*
 * The fast path: if [p, e) (e its newline, MT_FAST_WINDOW bytes readable
 * from p) is exactly "PID K [0x]ADDR" or "PID K [0x]ADDR SIZE" with single
 * spaces, a pid of 1..2^32-1 in at most 10 digits, 1..14 hex digits and a
 * plain SIZE of 1..64, return 0 with *pid and the packed *word; else
 * nonzero (the checks OR into one value; the pid's digits are the only
 * loop, and pids rarely change length).
 */
static inline uint64_t mt_fast_access(const char *p, const char *e, const uint16_t *sz,
				      uint32_t *pid, uint64_t *word)
{
	const char *s = p;
	uint64_t v = 0;
	unsigned d, len;
	uint32_t sks;                                  /* " K " after the pid */
	uint16_t ox, two;

	while ((d = (unsigned)(unsigned char)*s - '0') < 10 && s - p < 10) {
		v = v * 10 + d;
		s++;
	}
	memcpy(&sks, s, sizeof sks);
	unsigned kind = mt_kind[(sks >> 8) & 0xff];
	const char *h = s + 3;
	memcpy(&ox, h, sizeof ox);
	h += ((ox | 0x2000) == ('0' | 'x' << 8)) << 1; /* skip 0x / 0X */
	uint64_t addr = trace__hex_field(h, &len);
	const char *t = h + len;
	memcpy(&two, t + 1, sizeof two);
	unsigned ent = sz[two];
	/* SIZE omitted: the newline right after the address; else " SIZE\n" */
	uint64_t sized = 0 - (uint64_t)(t != e);      /* all ones when SIZE is there */
	uint64_t bad = (v - 1 > UINT32_MAX - 1) | ((sks ^ 0x200020u) & 0xff00ffu) | (kind == 0) |
		       (len - 1 >= 14) |
		       (sized & (((uint8_t)*t ^ ' ') | ((size_t)(e - t - 1) ^ (ent & 0xff))));
	unsigned size = sized ? (ent >> 8) + 1 : 1;
	*pid = (uint32_t)v;
	*word = (uint64_t)kind << TACC_KIND_SHIFT | (uint64_t)(size - 1) << TACC_SIZE_SHIFT | addr;
	return bad;
}

/*
 * Fast-path plain access lines of one pid into the run (pid: the run's, or
 * set here when n == 0); returns the new n.  Stops at a line it does not
 * take, a pid change, the run limit or the end of the fast window, leaving
 * that line to the general parser.
 */
static size_t mt_fast_run(struct trace_reader *r, struct trace_batch *b, size_t n,
			  uint32_t *pid)
{
	const char *buf = r->src.buf, *p = buf + r->pos;
	const uint16_t *sz = r->size_tab;
	uint64_t *run = r->run;
	size_t max = r->max_run, n0 = n;

	if (r->src.len < MT_FAST_WINDOW)
		return n;
	const char *stop = buf + r->src.len - MT_FAST_WINDOW;
	while (n < max && p <= stop) {
		uint64_t nl = trace__newline_mask(p);
		const char *e = p + __builtin_ctzll(nl | UINT64_C(1) << 63);
		uint32_t fpid;
		if ((nl == 0) | mt_fast_access(p, e, sz, &fpid, &run[n]))
			break;
		if (n == 0) {
			*pid = fpid;
			b->where = r->line + (n - n0);
		} else if (fpid != *pid) {
			break;
		}
		n++;
		p = e + 1;
	}
	r->pos = (size_t)(p - buf);
	r->line += n - n0;                      /* one line per access */
	return n;
}

/* Next batch of an mtrace text trace (see trace_next()). */
int trace__mtrace_next(struct trace_reader *r, struct trace_batch *b)
{
	struct trace_op op;
	uint32_t pid = 0;
	uint64_t t_ns = 0;
	size_t n = 0;
	int has_at = 0;

	if (r->npend) {
		r->npend = 0;
		if (!trace__packable(&r->pend))
			return hand_out(b, &r->pend);
		pid = r->pend.pid;
		b->where = r->pend.where;
		r->run[n++] = tacc_make(r->pend.op, (unsigned)r->pend.len, r->pend.addr);
	}
	while (n < r->max_run) {
		n = mt_fast_run(r, b, n, &pid);
		if (n == r->max_run)
			break;
		const char *s, *e;
		size_t next;
		int rc = trace__getline(r, &s, &e, &next);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			break;
		}
		if ((rc = mt_parse(r, s, e, &op, &has_at, &t_ns)) < 0)
			return rc;
		int acc = rc && trace__packable(&op);
		if (rc && n > 0 && (has_at || !acc || op.pid != pid))
			break;                   /* this line starts the next batch */
		r->pos = next;
		r->line++;
		if (!rc)
			continue;
		if (has_at) {
			r->pend = op;
			r->npend = 1;
			return hand_out_at(b, &op, t_ns);
		}
		if (!acc)
			return hand_out(b, &op);
		if (n == 0) {
			pid = op.pid;
			b->where = op.where;
		}
		r->run[n++] = tacc_make(op.op, (unsigned)op.len, op.addr);
	}
	if (n == 0)
		return 0;
	b->n = n;
	b->acc = r->run;
	b->pid = pid;
	return 1;
}
