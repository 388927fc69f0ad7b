/*
 * 059-sink-t.h - helpers shared by the sink unit tests (050-053): a private
 * temporary directory and one-value queries through sink_query.
 *
 * The tests see the database only through the public sink API (sink.h):
 * no test includes sqlite3.h (R1).
 */
#ifndef MEMSIM_SINK_T_H
#define MEMSIM_SINK_T_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memsim/sink.h"
#include "t.h"

/* Make a fresh directory under /tmp; its name is written into dir. */
static inline void st_mkdtemp(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/memsim-sink-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
}

/* Remove the (flat) directory made by st_mkdtemp. */
static inline void st_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

struct st_one {
	int rows;
	struct sink_value v;
	char text[512];
};

static inline int st_one_row(void *ud, int ncol, const char *const *names,
		      const struct sink_value *vals)
{
	struct st_one *o = ud;

	(void)names;
	if (o->rows++ == 0 && ncol > 0) {
		o->v = vals[0];
		o->v.s = NULL;
		if (vals[0].type == SINK_TEXT)
			snprintf(o->text, sizeof o->text, "%.*s", (int)vals[0].n,
				 vals[0].s);
	}
	return 0;
}

/* First column of the first row of `sql` as an integer; -999 when the
 * query fails or gives no row, -998 for NULL. */
static inline int64_t st_int(struct sink *s, const char *sql)
{
	struct st_one o = { 0 };
	char err[256];

	if (sink_query(s, sql, NULL, 0, st_one_row, &o, err, sizeof err) != 0) {
		fprintf(stderr, "query failed: %s: %s\n", sql, err);
		return -999;
	}
	if (!o.rows)
		return -999;
	return o.v.type == SINK_NULL ? -998 : o.v.i;
}

/* First column of the first row of `sql` as text ("" for none). */
static inline const char *st_text(struct sink *s, const char *sql, char *buf, size_t n)
{
	struct st_one o = { 0 };
	char err[256];
	size_t len;

	buf[0] = '\0';
	if (sink_query(s, sql, NULL, 0, st_one_row, &o, err, sizeof err) != 0) {
		fprintf(stderr, "query failed: %s: %s\n", sql, err);
		return buf;
	}
	len = strlen(o.text) < n ? strlen(o.text) : n - 1;
	memcpy(buf, o.text, len);
	buf[len] = '\0';
	return buf;
}

static inline int st_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

#endif
