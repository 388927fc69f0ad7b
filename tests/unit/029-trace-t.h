/*
 * 029-trace-t.h - helpers shared by the trace unit tests (020-023): files in
 * a private temporary directory, opening, and a text digest of every batch
 * a reader returns, for comparing readers, formats and sources.
 */
#ifndef MEMSIM_TRACE_T_H
#define MEMSIM_TRACE_T_H

#include <stdlib.h>
#include <string.h>

#include "memsim/trace.h"
#include "t.h"

static char tdir[256];

/* tdir/name, in one of 8 rotating buffers. */
static inline const char *tpath(const char *name)
{
	static char buf[8][512];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tdir, name);
	return buf[k];
}

static inline const char *put_bytes(const char *name, const void *data, size_t len)
{
	const char *p = tpath(name);
	FILE *f = fopen(p, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
	return p;
}

static inline const char *put_file(const char *name, const char *text)
{
	return put_bytes(name, text, strlen(text));
}

/* Write `text` to tdir/name and open it with format detection. */
static inline struct trace_reader *open_text(const char *name, const char *text)
{
	char err[512];
	struct trace_reader *r = trace_open(put_file(name, text), TRACE_AUTO, err, sizeof err);
	if (!r)
		fprintf(stderr, "open: %s\n", err);
	return r;
}

static inline int next(struct trace_reader *r, struct trace_batch *b)
{
	int rc = trace_next(r, b);
	if (rc < 0)
		fprintf(stderr, "trace_next: %s\n", trace_errmsg(r));
	return rc;
}

/* Every batch of a trace as text, one line each; `where` only when
 * with_where is set (it differs between formats).  Free the result. */
static inline char *digest(const char *path, enum trace_format fmt, size_t max_run,
			   int with_where)
{
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct trace_reader *r = trace_open(path, fmt, err, sizeof err);
	struct trace_batch b;
	int rc;

	if (!r) {
		fprintf(f, "open error: %s\n", err);
		fclose(f);
		return out;
	}
	trace_set_max_run(r, max_run);
	while ((rc = trace_next(r, &b)) > 0) {
		if (with_where)
			fprintf(f, "@%" PRIu64 " ", b.where);
		if (b.n) {
			fprintf(f, "run pid=%u n=%zu:", b.pid, b.n);
			for (size_t i = 0; i < b.n; i++)
				fprintf(f, " %016" PRIx64, b.acc[i]);
		} else {
			const struct trace_op *o = &b.op;
			fprintf(f, "op %s pid=%u prot=%u nw=%u fl=%u iv=%d a=%" PRIx64 " l=%" PRIu64
				" arg=%" PRIu64 " na=%" PRIx64 " t=%" PRIu64 " name=%s",
				trace_op_name(o->op), o->pid, o->prot, o->has_newaddr, o->flags,
				o->ival, o->addr, o->len, o->arg, o->newaddr, o->t_ns,
				o->name ? o->name : "-");
		}
		fputc('\n', f);
	}
	if (rc < 0)
		fprintf(f, "error: %s\n", trace_errmsg(r));
	trace_close(r);
	fclose(f);
	return out;
}

#endif
