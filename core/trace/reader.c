/*
 * trace/reader.c - opening a trace, detecting its format and handing out
 * batches (the reader half of memsim/trace.h).
 *
 * The format-specific work is in mtrace.c, lackey.c and binary.c; this file
 * owns what they share: the reader's life cycle, format detection, error
 * messages ("FILE:LINE: ..." / "FILE:@OFFSET: ..."), line finding over a
 * mapped file or a stream window, and the sticky error state (after a
 * failure, every further trace_next() returns the same error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/internal.h"

/* ---- messages ------------------------------------------------------------ */

static int verr(struct trace_reader *r, const char *prefix_fmt, uint64_t where,
		const char *fmt, va_list ap)
{
	int k = snprintf(r->err, sizeof r->err, prefix_fmt, r->name, (unsigned long long)where);
	if (k > 0 && (size_t)k < sizeof r->err)
		vsnprintf(r->err + k, sizeof r->err - (size_t)k, fmt, ap);
	return SIM_EINPUT;
}

/* Set "NAME:LINE: msg" as the reader's message; returns SIM_EINPUT. */
int trace__err_line(struct trace_reader *r, uint64_t line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verr(r, "%s:%llu: ", line, fmt, ap);
	va_end(ap);
	return rc;
}

/* Set "NAME:@OFFSET: msg" as the reader's message; returns SIM_EINPUT. */
int trace__err_off(struct trace_reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verr(r, "%s:@%llu: ", off, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- lines --------------------------------------------------------------- */

/*
 * The line at r->pos: [*s, *e) without its newline, *next the offset of the
 * line after it.  A stream window is refilled when the line is not complete
 * in it.  The last line of the input may lack its newline.  Returns 1, 0 at
 * the end of the input, or a negative SIM_E* (a line over 4096 bytes is
 * SIM_EINPUT).
 */
int trace__getline(struct trace_reader *r, const char **s, const char **e, size_t *next)
{
	for (;;) {
		size_t avail = r->src.len - r->pos;
		const char *p = r->src.buf + r->pos;
		size_t scan = avail < TRACE__MAX_LINE + 1 ? avail : TRACE__MAX_LINE + 1;
		const char *nl = memchr(p, '\n', scan);

		if (nl) {
			*s = p;
			*e = nl;
			*next = (size_t)(nl + 1 - r->src.buf);
			return 1;
		}
		if (avail > TRACE__MAX_LINE)
			return trace__err_line(r, r->line, "line longer than %d bytes",
					       TRACE__MAX_LINE);
		if (r->src.eof) {
			if (avail == 0)
				return 0;
			*s = p;
			*e = p + avail;
			*next = r->src.len;
			return 1;
		}
		int rc = trace__src_fill(&r->src, &r->pos);
		if (rc < 0)
			return rc;
	}
}

/* ---- format detection ---------------------------------------------------- */

static int is_lackey_line(const char *s, const char *e)
{
	if (e - s < 4)
		return 0;
	if (s[0] == 'I' && s[1] == ' ' && s[2] == ' ')
		return 1;
	return s[0] == ' ' && s[2] == ' ' && (s[1] == 'L' || s[1] == 'S' || s[1] == 'M');
}

/* Decide between lackey and mtrace from the first lines in the window. */
static enum trace_format detect_text(const char *p, size_t len)
{
	const char *end = p + (len < 65536 ? len : 65536);
	int seen_noise = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		p = nl ? nl + 1 : end;
		if (e - s >= 2 && s[0] == '=' && s[1] == '=') {
			seen_noise = 1;
			continue;
		}
		if (is_lackey_line(s, e))
			return TRACE_LACKEY;
		while (s < e && trace__is_blank((unsigned char)*s))
			s++;
		if (s < e && *s != '#')
			return TRACE_MTRACE;
	}
	return seen_noise ? TRACE_LACKEY : TRACE_MTRACE;
}

static int detect(struct trace_reader *r)
{
	if (!r->src.eof && r->src.len < 65536) {
		int rc = trace__src_fill(&r->src, &r->pos);
		if (rc < 0)
			return rc;
	}
	size_t magic = sizeof TRACE__BIN_MAGIC - 1;
	if (r->src.len >= magic && memcmp(r->src.buf, TRACE__BIN_MAGIC, magic) == 0)
		r->fmt = TRACE_BINARY;
	else
		r->fmt = detect_text(r->src.buf, r->src.len);
	return 0;
}

/* ---- life cycle ----------------------------------------------------------- */

static void set_err(char *errbuf, size_t errlen, const char *msg)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", msg);
}

/*
 * trace_open() that also says why it failed: *rc is 0, SIM_EIO (cannot open
 * or read), SIM_EINPUT (bad binary header, unsupported compression) or
 * SIM_ENOMEM.
 */
struct trace_reader *trace__open(const char *path, enum trace_format fmt, int *rc,
				 char *errbuf, size_t errlen)
{
	struct trace_reader *r = calloc(1, sizeof *r);

	*rc = SIM_ENOMEM;
	if (!r || !(r->path = strdup(path)) ||
	    !(r->run = malloc(TRACE__DEFAULT_RUN * sizeof *r->run))) {
		set_err(errbuf, errlen, "out of memory");
		goto fail;
	}
	r->name = strcmp(path, "-") == 0 ? "<stdin>" : r->path;
	r->max_run = TRACE__DEFAULT_RUN;
	r->line = 1;
	*rc = trace__src_open(&r->src, path, r->name, r->err, sizeof r->err);
	if (*rc == 0) {
		r->fmt = fmt;
		if (fmt == TRACE_AUTO)
			*rc = detect(r);
	}
	if (*rc == 0 && r->fmt == TRACE_BINARY)
		*rc = trace__binary_open(r);
	if (*rc == 0 && r->fmt == TRACE_LACKEY)
		*rc = trace__lackey_open(r);
	if (*rc == 0 && r->fmt == TRACE_MTRACE)
		*rc = trace__size_table(r);
	if (*rc == 0)
		return r;
	set_err(errbuf, errlen, r->err);
fail:
	trace_close(r);
	return NULL;
}

/*
 * Open a trace (see memsim/trace.h).  Returns the reader, or NULL with
 * "FILE: what is wrong" (binary header problems: "FILE:@OFFSET: ...") in
 * errbuf.
 */
struct trace_reader *trace_open(const char *path, enum trace_format fmt,
				char *errbuf, size_t errlen)
{
	int rc;
	return trace__open(path, fmt, &rc, errbuf, errlen);
}

/*
 * Bound the accesses per batch: 0 restores the default (4096); values above
 * 65536 are clamped.  May be called between any two trace_next() calls.
 * Returns 0 or SIM_ENOMEM (the old limit stays).
 */
int trace_set_max_run(struct trace_reader *r, size_t max_run)
{
	if (max_run == 0)
		max_run = TRACE__DEFAULT_RUN;
	if (max_run > TRACE__MAX_RUN)
		max_run = TRACE__MAX_RUN;
	uint64_t *run = realloc(r->run, max_run * sizeof *run);
	if (!run)
		return SIM_ENOMEM;
	r->run = run;
	r->max_run = max_run;
	return 0;
}

/*
 * Next batch (see memsim/trace.h): 1, 0 at the end, or the (sticky)
 * negative error with the message in trace_errmsg().
 */
int trace_next(struct trace_reader *r, struct trace_batch *b)
{
	int rc;

	if (r->state)
		return r->state > 0 ? 0 : r->state;
	memset(b, 0, sizeof *b);
	switch (r->fmt) {
	case TRACE_LACKEY: rc = trace__lackey_next(r, b); break;
	case TRACE_BINARY: rc = trace__binary_next(r, b); break;
	default: rc = trace__mtrace_next(r, b); break;
	}
	if (rc <= 0)
		r->state = rc == 0 ? 1 : rc;
	return rc;
}

/* The message of the last error ("" if none). */
const char *trace_errmsg(const struct trace_reader *r)
{
	return r->err;
}

/* The format being read (never TRACE_AUTO after a successful open). */
enum trace_format trace_reader_format(const struct trace_reader *r)
{
	return r->fmt;
}

/* The path given to trace_open ("-" for standard input). */
const char *trace_reader_path(const struct trace_reader *r)
{
	return r->path;
}

/* Bytes consumed and total: file bytes for plain and compressed files (the
 * compressed size), input bytes and 0 for streams of unknown length. */
void trace_progress(const struct trace_reader *r, uint64_t *done, uint64_t *total)
{
	const struct trace__src *s = &r->src;

	if (s->kind == TRACE__SRC_FD) {
		*done = s->off + r->pos;
		*total = s->raw_total;
	} else {
		*done = s->raw_done;
		*total = s->raw_total;
	}
}

/* Close the reader and release its source; NULL is a no-op. */
void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	trace__src_close(&r->src);
	free(r->size_tab);
	free(r->run);
	free(r->path);
	free(r);
}
