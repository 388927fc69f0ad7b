/*
 * trace/writer.c - writers for canonical mtrace text and for the binary
 * format (traces/FORMAT.md), and trace_convert().
 *
 * Canonical text is one op per line: "[@NS ]PID OP ARGS", addresses as
 * lower-case 0x hex, lengths and sizes as decimal bytes (the access SIZE is
 * always written), mmap FLAGS in TMAP_* bit order ("-" for none), file names
 * as given, an mmap OFFSET only when it is not 0 or the name holds a ':'.
 * A TOP_AT batch becomes the "@NS " prefix of the next line, which must
 * belong to the same pid (that is all the text format can say).
 *
 * The binary writer emits a PID record whenever the pid changes, each run as
 * one RUN record (so runs keep their boundaries) and each op as one op
 * record.  Both writers reject, before writing anything of it, a batch the
 * readers would reject, so their output always reads back.  Reading either
 * output gives the batches that were written: text -> binary -> text ->
 * binary is byte-identical.
 *
 * Output is buffered (64 KiB) and written with write(2); "-" is standard
 * output.  Compressed output is not supported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/internal.h"

#define WBUF (64u << 10)
#define LINE_ROOM 8192   /* free space kept before a text line is formatted */

struct trace_writer {
	enum trace_format fmt;   /* TRACE_MTRACE or TRACE_BINARY */
	int fd;                  /* output */
	int own_fd;              /* not standard output */
	char *path;              /* for messages */
	char *err;               /* the caller's errbuf (or own_err) */
	size_t errlen;
	int failed;              /* sticky error of an earlier call */
	uint32_t cur_pid;        /* binary: pid of the last PID record */
	int at_pending;          /* text: an @NS waits for the next line */
	uint32_t at_pid;         /* its pid */
	uint64_t at_ns;          /* its time */
	size_t len;              /* bytes in buf */
	char own_err[SIM_ERRMSG_MAX];
	char buf[WBUF];
};

static int werr(struct trace_writer *w, int rc, const char *fmt, const char *what)
{
	int k = snprintf(w->err, w->errlen, "%s: ", w->path);
	if (k > 0 && (size_t)k < w->errlen)
		snprintf(w->err + k, w->errlen - (size_t)k, fmt, what);
	return w->failed = rc;
}

/* ---- output -------------------------------------------------------------- */

static int write_all(struct trace_writer *w, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return werr(w, SIM_EIO, "write error: %s", strerror(errno));
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int flush(struct trace_writer *w)
{
	int rc = write_all(w, w->buf, w->len);
	w->len = 0;
	return rc;
}

static int put(struct trace_writer *w, const void *p, size_t n)
{
	int rc;

	if (w->len + n > WBUF && (rc = flush(w)))
		return rc;
	if (n > WBUF)
		return write_all(w, p, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int put_word(struct trace_writer *w, uint64_t v)
{
	return put(w, &v, sizeof v);
}

/* ---- text formatting ------------------------------------------------------- */

static char *fmt_dec(char *p, uint64_t v)
{
	char tmp[20];
	int k = 0;
	do
		tmp[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (k)
		*p++ = tmp[--k];
	return p;
}

static char *fmt_hex(char *p, uint64_t v)
{
	static const char digits[16] = "0123456789abcdef";
	int nd = v ? (67 - __builtin_clzll(v)) / 4 : 1;
	*p++ = '0';
	*p++ = 'x';
	for (int i = nd - 1; i >= 0; i--)
		*p++ = digits[(v >> (4 * i)) & 15];
	return p;
}

static char *fmt_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static const char kind_letter[4] = { '?', 'R', 'W', 'X' };

/* Start a line in the buffer: "[@NS ]PID ". */
static int line_start(struct trace_writer *w, uint32_t pid, char **pp)
{
	int rc;

	if (w->len + LINE_ROOM > WBUF && (rc = flush(w)))
		return rc;
	char *p = w->buf + w->len;
	if (w->at_pending) {
		if (w->at_pid != pid)
			return werr(w, SIM_EINPUT, "%s",
				    "an @NS stamp must be followed by an op of its own pid in mtrace text");
		*p++ = '@';
		p = fmt_dec(p, w->at_ns);
		*p++ = ' ';
		w->at_pending = 0;
	}
	p = fmt_dec(p, pid);
	*p++ = ' ';
	*pp = p;
	return 0;
}

static int line_end(struct trace_writer *w, char *p)
{
	size_t n = (size_t)(p - (w->buf + w->len));
	if (n > TRACE__MAX_LINE)
		return werr(w, SIM_EINPUT, "%s", "line longer than 4096 bytes in mtrace text");
	*p++ = '\n';
	w->len += n + 1;
	return 0;
}

/* Can `name` be written as one mtrace token (file names)? */
static int is_token(const char *s)
{
	for (; *s; s++)
		if (trace__is_blank((unsigned char)*s) || *s == '#' || *s == '\n')
			return 0;
	return 1;
}

/* Can `label` be written after "mark " and read back unchanged? */
static int is_label(const char *s)
{
	size_t n = strlen(s);
	if (trace__is_blank((unsigned char)s[0]) || trace__is_blank((unsigned char)s[n - 1]))
		return 0;
	return !strpbrk(s, "#\n");
}

static char *fmt_flags(char *p, uint32_t flags)
{
	if (!flags)
		*p++ = '-';
	for (unsigned i = 0; i < TRACE__NMAP_FLAGS; i++) {
		if (!(flags & (1u << i)))
			continue;
		p = fmt_str(p, trace__mmap_flag_names[i]);
		if (flags >> (i + 1))
			*p++ = ',';
	}
	return p;
}

static char *fmt_prot(char *p, unsigned prot)
{
	*p++ = prot & TPROT_READ ? 'r' : '-';
	*p++ = prot & TPROT_WRITE ? 'w' : '-';
	*p++ = prot & TPROT_EXEC ? 'x' : '-';
	return p;
}

static char *fmt_range(char *p, const struct trace_op *o)
{
	p = fmt_hex(p, o->addr);
	*p++ = ' ';
	return fmt_dec(p, o->len);
}

static char *fmt_mmap(char *p, const struct trace_op *o)
{
	p = fmt_range(p, o);
	*p++ = ' ';
	p = fmt_prot(p, o->prot);
	*p++ = ' ';
	p = fmt_flags(p, o->flags);
	if (!o->name)
		return p;
	*p++ = ' ';
	p = fmt_str(p, o->name);
	if (o->arg || strchr(o->name, ':')) {
		*p++ = ':';
		p = fmt_dec(p, o->arg);
	}
	return p;
}

/* The ARGS of a line (everything after the op name). */
static char *fmt_args(char *p, const struct trace_op *o)
{
	switch (o->op) {
	case TOP_R: case TOP_W: case TOP_X: case TOP_MUNMAP:
		return fmt_range(p, o);
	case TOP_MMAP:
		return fmt_mmap(p, o);
	case TOP_MPROTECT:
		p = fmt_range(p, o);
		*p++ = ' ';
		return fmt_prot(p, o->prot);
	case TOP_MADVISE:
		p = fmt_range(p, o);
		*p++ = ' ';
		return fmt_str(p, trace_advice_name(o->flags));
	case TOP_MREMAP:
		p = fmt_range(p, o);
		*p++ = ' ';
		p = fmt_dec(p, o->arg);
		if (o->has_newaddr) {
			*p++ = ' ';
			p = fmt_hex(p, o->newaddr);
		}
		return p;
	case TOP_BRK: return fmt_hex(p, o->addr);
	case TOP_FILE:
		p = fmt_str(p, o->name);
		*p++ = ' ';
		p = fmt_dec(p, o->len);
		p = o->flags & TFILE_CACHED ? fmt_str(p, " cached") : p;
		return o->flags & TFILE_SHMEM ? fmt_str(p, " shmem") : p;
	case TOP_FORK: case TOP_SLEEP: return fmt_dec(p, o->arg);
	case TOP_MARK: return fmt_str(p, o->name);
	case TOP_OOM_SCORE_ADJ:
		if (o->ival < 0)
			*p++ = '-';
		return fmt_dec(p, (uint64_t)(o->ival < 0 ? -(int64_t)o->ival : o->ival));
	default: /* TOP_EXIT */
		return p;
	}
}

static int text_op(struct trace_writer *w, const struct trace_op *o)
{
	char *p;
	int rc;

	if (o->op == TOP_AT) {
		if (w->at_pending)
			return werr(w, SIM_EINPUT, "%s", "two @NS stamps in a row cannot be written as mtrace text");
		w->at_pending = 1;
		w->at_pid = o->pid;
		w->at_ns = o->t_ns;
		return 0;
	}
	if ((o->op == TOP_FILE || (o->op == TOP_MMAP && o->name)) && !is_token(o->name))
		return werr(w, SIM_EINPUT, "file name '%s' cannot be written as mtrace text", o->name);
	if (o->op == TOP_MARK && !is_label(o->name))
		return werr(w, SIM_EINPUT, "mark label '%s' cannot be written as mtrace text", o->name);
	if ((rc = line_start(w, o->pid, &p)))
		return rc;
	p = fmt_str(p, trace_op_name(o->op));
	if (o->op != TOP_EXIT)
		*p++ = ' ';
	return line_end(w, fmt_args(p, o));
}

static int text_run(struct trace_writer *w, const struct trace_batch *b)
{
	char *p;
	int rc;

	for (size_t i = 0; i < b->n; i++) {
		uint64_t a = b->acc[i];
		if ((rc = line_start(w, b->pid, &p)))
			return rc;
		*p++ = kind_letter[tacc_kind(a)];
		*p++ = ' ';
		p = fmt_hex(p, tacc_addr(a));
		*p++ = ' ';
		p = fmt_dec(p, tacc_size(a));
		*p++ = '\n';
		w->len = (size_t)(p - w->buf);
	}
	return 0;
}

/* ---- binary --------------------------------------------------------------------- */

static int bin_pid(struct trace_writer *w, uint32_t pid)
{
	if (pid == w->cur_pid)
		return 0;
	w->cur_pid = pid;
	return put_word(w, trace__ctl(TRACE__TAG_PID, pid));
}

static int bin_run(struct trace_writer *w, const struct trace_batch *b)
{
	int rc;
	if ((rc = bin_pid(w, b->pid)) || (rc = put_word(w, trace__ctl(TRACE__TAG_RUN, b->n))))
		return rc;
	return put(w, b->acc, b->n * sizeof *b->acc);
}

static int bin_string(struct trace_writer *w, const char *s)
{
	uint64_t n = strlen(s), zero = 0;
	int rc;

	if ((rc = put_word(w, n)) || (rc = put(w, s, (size_t)n)))
		return rc;
	return put(w, &zero, (size_t)(-n & 7));
}

/* Control-word payload and following words of an op; returns the word count. */
static size_t bin_fields(const struct trace_op *o, uint64_t *pl, uint64_t v[4])
{
	*pl = 0;
	v[0] = o->addr, v[1] = o->len;
	switch (o->op) {
	case TOP_MMAP:
		*pl = o->prot | (uint64_t)o->flags << TRACE__MMAP_FLAGS_SHIFT |
		      (o->name ? TRACE__MMAP_HAS_NAME : 0);
		v[2] = o->arg;
		return 3;
	case TOP_MPROTECT: *pl = o->prot; return 2;
	case TOP_MADVISE: *pl = o->flags; return 2;
	case TOP_MREMAP:
		*pl = o->has_newaddr;
		v[2] = o->arg, v[3] = o->newaddr;
		return o->has_newaddr ? 4 : 3;
	case TOP_BRK: return 1;
	case TOP_FILE: *pl = o->flags, v[0] = o->len; return 1;
	case TOP_FORK: *pl = o->arg; return 0;
	case TOP_SLEEP: v[0] = o->arg; return 1;
	case TOP_AT: v[0] = o->t_ns; return 1;
	case TOP_OOM_SCORE_ADJ: *pl = (uint64_t)(o->ival + 1000); return 0;
	case TOP_EXIT: case TOP_MARK: return 0;
	default: return 2; /* R, W, X, munmap */
	}
}

static int bin_op(struct trace_writer *w, const struct trace_op *o)
{
	uint64_t pl, v[4];
	size_t nv = bin_fields(o, &pl, v);
	int rc;

	if ((rc = bin_pid(w, o->pid)) ||
	    (rc = put_word(w, trace__ctl(TRACE__TAG_OP + o->op, pl))) ||
	    (rc = put(w, v, nv * sizeof v[0])))
		return rc;
	return o->name && (o->op == TOP_MMAP || o->op == TOP_FILE || o->op == TOP_MARK)
		       ? bin_string(w, o->name) : 0;
}

/* ---- API ------------------------------------------------------------------------ */

static enum trace_format format_by_name(const char *path)
{
	size_t n = strlen(path);
	if ((n > 4 && strcmp(path + n - 4, ".mtr") == 0) ||
	    (n > 4 && strcmp(path + n - 4, ".txt") == 0))
		return TRACE_MTRACE;
	return TRACE_BINARY;
}

static int write_header(struct trace_writer *w)
{
	uint64_t h[TRACE__BIN_HDR_SIZE / 8] = { 0 };
	memcpy(&h[0], TRACE__BIN_MAGIC, 8);
	h[1] = TRACE__BIN_VERSION | (uint64_t)TRACE__BIN_HDR_SIZE << 32;
	return put(w, h, sizeof h);
}

/*
 * Open a writer on `path` ("-" = standard output), truncating the file.
 * `fmt` is TRACE_MTRACE or TRACE_BINARY; TRACE_AUTO picks text for names
 * ending in .mtr or .txt and binary otherwise.  errbuf (which must stay
 * valid until trace_writer_close) receives the messages of every later
 * call.  Returns the writer, or NULL with "FILE: what is wrong" in errbuf.
 */
struct trace_writer *trace_writer_open(const char *path, enum trace_format fmt,
				       char *errbuf, size_t errlen)
{
	struct trace_writer *w = calloc(1, sizeof *w);

	if (!w || !(w->path = strdup(path))) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory", path);
		free(w);
		return NULL;
	}
	w->err = errbuf && errlen ? errbuf : w->own_err;
	w->errlen = errbuf && errlen ? errlen : sizeof w->own_err;
	w->fmt = fmt == TRACE_AUTO ? format_by_name(path) : fmt;
	w->fd = 1;
	if (w->fmt != TRACE_MTRACE && w->fmt != TRACE_BINARY) {
		werr(w, SIM_EINPUT, "%s", "can only write mtrace text or binary traces");
		goto fail;
	}
	if (strcmp(path, "-") != 0) {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (w->fd < 0) {
			werr(w, SIM_EIO, "%s", strerror(errno));
			goto fail;
		}
		w->own_fd = 1;
	}
	if (w->fmt == TRACE_BINARY && write_header(w) != 0)
		goto fail;
	return w;
fail:
	if (w->own_fd)
		close(w->fd);
	free(w->path);
	free(w);
	return NULL;
}

static int check_batch(struct trace_writer *w, const struct trace_batch *b)
{
	if (b->n == 0) {
		const char *why = trace__check_op(&b->op);
		return why ? werr(w, SIM_EINPUT, "cannot write op: %s", why) : 0;
	}
	if (b->pid == 0 || !b->acc)
		return werr(w, SIM_EINPUT, "%s", "cannot write run: pid 0 or no accesses");
	uint64_t kind0 = 0;
	for (size_t i = 0; i < b->n; i++)
		kind0 |= ~b->acc[i] & (~b->acc[i] << 1);
	return kind0 >> 63 ? werr(w, SIM_EINPUT, "%s", "cannot write run: access of kind 0") : 0;
}

/*
 * Write one batch.  Returns 0, SIM_EINPUT if the batch cannot be carried by
 * the format (nothing of it is written), or SIM_EIO; errors are sticky.
 */
int trace_write(struct trace_writer *w, const struct trace_batch *b)
{
	int rc;

	if (w->failed)
		return w->failed;
	if ((rc = check_batch(w, b)))
		return rc;
	if (w->fmt == TRACE_BINARY)
		return b->n ? bin_run(w, b) : bin_op(w, &b->op);
	return b->n ? text_run(w, b) : text_op(w, &b->op);
}

/*
 * Finish the output (binary: the END record), flush and close.  Returns 0,
 * the sticky error of an earlier call, SIM_EINPUT for a trailing @NS stamp
 * in text, or SIM_EIO.  After an error the batches written before it are
 * still flushed, but a binary file gets no END record (it reads as
 * truncated).  The writer is freed in every case; NULL is a no-op.
 */
int trace_writer_close(struct trace_writer *w)
{
	int rc = 0;

	if (!w)
		return 0;
	if (w->failed)
		rc = w->failed;
	else if (w->at_pending)
		rc = werr(w, SIM_EINPUT, "%s", "an @NS stamp at the end has no op to go with");
	else if (w->fmt == TRACE_BINARY)
		rc = put_word(w, trace__ctl(TRACE__TAG_END, 0));
	if (rc != SIM_EIO) {          /* keep what was written before a bad batch */
		int frc = flush(w);
		rc = rc ? rc : frc;
	}
	if (w->own_fd && close(w->fd) != 0 && !rc)
		rc = werr(w, SIM_EIO, "close: %s", strerror(errno));
	free(w->path);
	free(w);
	return rc;
}

/* ---- conversion ---------------------------------------------------------------- */

static int same_file(const char *in, const char *out)
{
	struct stat a, b;
	if (strcmp(in, "-") == 0 || strcmp(out, "-") == 0)
		return 0;
	return stat(in, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int copy_batches(struct trace_reader *r, struct trace_writer *w, char *errbuf,
			size_t errlen)
{
	struct trace_batch b;
	int rc;

	while ((rc = trace_next(r, &b)) > 0) {
		if ((rc = trace_write(w, &b)) != 0)
			return rc;
	}
	if (rc < 0 && errbuf && errlen)
		snprintf(errbuf, errlen, "%s", trace_errmsg(r));
	return rc;
}

/*
 * Convert `in` (any readable format, detected) to `out` (see memsim/trace.h).
 * On failure the partial output file is removed.  Returns 0, SIM_EINPUT or
 * SIM_EIO with the message in errbuf.
 */
int trace_convert(const char *in, const char *out, enum trace_format out_fmt,
		  char *errbuf, size_t errlen)
{
	int rc;

	if (same_file(in, out)) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: input and output are the same file", out);
		return SIM_EINPUT;
	}
	struct trace_reader *r = trace__open(in, TRACE_AUTO, &rc, errbuf, errlen);
	if (!r)
		return rc;
	struct trace_writer *w = trace_writer_open(out, out_fmt, errbuf, errlen);
	if (!w) {
		trace_close(r);
		return SIM_EIO;
	}
	rc = copy_batches(r, w, errbuf, errlen);
	int wrc = trace_writer_close(w);
	if (!rc)
		rc = wrc;
	trace_close(r);
	if (rc && strcmp(out, "-") != 0)
		unlink(out);
	return rc < 0 ? rc : 0;
}
