/*
 * core/sink/report.c - `memsim report DB [--html FILE]`: summary tables of
 * every run in a result database, as plain text and as one self-contained
 * HTML page with inline SVG charts.
 *
 * Each run's tables are built once (struct rtab: a grid of strings) and then
 * rendered twice, as aligned text and as HTML, so the two outputs can never
 * disagree.  The whole report reads one snapshot (one read transaction), so
 * a database that a run is still writing gives a consistent report.
 *
 * Simplifications: every per-run query scans its table (the data tables
 * have no index, to keep inserts fast), so a database with many big runs
 * reports in time proportional to runs x rows.  The RSS chart keeps at most
 * SINK_CHART_POINTS points per process (every k-th sample).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink_internal.h"

#define SINK_CHART_POINTS 1000  /* points per process in the RSS chart */
#define RTAB_MAXCOL 8

/* One table of the report: a title, a header row and rows of strings. */
struct rtab {
	const char *title;
	int ncol;
	unsigned numeric;             /* bit c: column c is right-aligned */
	const char *head[RTAB_MAXCOL];
	char **cells;                 /* nrows * ncol strings, row-major */
	size_t nrows, cap;
	int oom;                      /* an allocation failed */
};

/* One run's header, tables and chart data. */
struct rrun {
	int64_t id;
	char status[16], arch[32], started[32], duration[32], simulated[32];
	char *source, *version;
	struct rtab counters, faults, procs, events, samples;
	uint64_t max_t_ns;
	/* RSS samples, ordered by (pid, t_ns), thinned per pid */
	size_t nsmp, smpcap;
	struct { uint32_t pid; uint64_t t, rss; } *smp;
};

struct report {
	sqlite3 *db;
	const char *path;
	char *err;
	size_t errlen;
	int rc;                       /* first failure */
};

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */

static void rtab_init(struct rtab *t, const char *title, unsigned numeric,
		      int ncol, const char *const *head)
{
	memset(t, 0, sizeof *t);
	t->title = title;
	t->ncol = ncol;
	t->numeric = numeric;
	for (int c = 0; c < ncol; c++)
		t->head[c] = head[c];
}

/* Append one row of ncol printf-formatted cells; a NULL format is "". */
static void rtab_row(struct rtab *t, ...)
{
	va_list ap;
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, cap * (size_t)t->ncol * sizeof *nc);

		if (!nc) {
			t->oom = 1;
			return;
		}
		t->cells = nc;
		t->cap = cap;
	}
	row = t->cells + t->nrows * (size_t)t->ncol;
	va_start(ap, t);
	for (int c = 0; c < t->ncol; c++) {
		const char *s = va_arg(ap, const char *);

		row[c] = strdup(s ? s : "");
		if (!row[c])
			t->oom = 1;
	}
	va_end(ap);
	t->nrows++;
}

static void rtab_free(struct rtab *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
}

static const char *rtab_cell(const struct rtab *t, size_t r, int c)
{
	const char *s = t->cells[r * (size_t)t->ncol + c];

	return s ? s : "";
}

/* One text line of a table: row r (or the header for r == -1, dashes for
 * r == -2), columns padded to w[], no trailing blanks. */
static void rtab_text_line(const struct rtab *t, const size_t *w, long r, FILE *out)
{
	size_t pad = 0;              /* blanks owed before the next text */

	fputs("   ", out);
	for (int c = 0; c < t->ncol; c++) {
		const char *s = r == -1 ? t->head[c] : r == -2 ? NULL :
				rtab_cell(t, (size_t)r, c);
		size_t len = s ? strlen(s) : w[c];
		int right = (t->numeric >> c) & 1;

		pad += 1 + (right ? w[c] - len : 0);
		if (len) {
			fprintf(out, "%*s", (int)pad, "");
			if (s)
				fputs(s, out);
			else
				for (size_t i = 0; i < len; i++)
					fputc('-', out);
			pad = 0;
		}
		pad += (right ? 0 : w[c] - len) + 1;
	}
	fputc('\n', out);
}

static void rtab_text(const struct rtab *t, FILE *out)
{
	size_t w[RTAB_MAXCOL];

	fprintf(out, "\n  %s\n", t->title);
	if (t->nrows == 0) {
		fprintf(out, "    (none)\n");
		return;
	}
	for (int c = 0; c < t->ncol; c++) {
		w[c] = strlen(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(rtab_cell(t, r, c)) > w[c])
				w[c] = strlen(rtab_cell(t, r, c));
	}
	rtab_text_line(t, w, -1, out);
	rtab_text_line(t, w, -2, out);
	for (size_t r = 0; r < t->nrows; r++)
		rtab_text_line(t, w, (long)r, out);
}

static void html_esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void rtab_html(const struct rtab *t, FILE *out)
{
	fputs("<h3>", out);
	html_esc(out, t->title);
	fputs("</h3>\n", out);
	if (t->nrows == 0) {
		fputs("<p class=\"none\">(none)</p>\n", out);
		return;
	}
	fputs("<table>\n<tr>", out);
	for (int c = 0; c < t->ncol; c++) {
		fputs("<th>", out);
		html_esc(out, t->head[c]);
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", out);
		for (int c = 0; c < t->ncol; c++) {
			fputs((t->numeric >> c) & 1 ? "<td class=\"n\">" : "<td>", out);
			html_esc(out, rtab_cell(t, r, c));
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */

static void rep_fail(struct report *rp, int rc, const char *what)
{
	if (rp->rc)
		return;
	rp->rc = rc;
	if (rc == SIM_EINPUT)
		sink__fmt(rp->err, rp->errlen, "%s: not a memsim database", rp->path);
	else if (rc == SIM_ENOMEM)
		sink__fmt(rp->err, rp->errlen, "%s: out of memory", rp->path);
	else
		sink__fmt(rp->err, rp->errlen, "%s: %s: %s", rp->path, what,
			  sqlite3_errmsg(rp->db));
}

typedef void (*rep_row_fn)(struct report *rp, sqlite3_stmt *st, void *ud);

/* Run `sql` with ?1 = run_id (if it has a parameter), fn per row. */
static void rep_query(struct report *rp, const char *sql, int64_t run_id,
		      rep_row_fn fn, void *ud)
{
	sqlite3_stmt *st;
	int rc;

	if (rp->rc)
		return;
	rc = sqlite3_prepare_v2(rp->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rep_fail(rp, rc == SQLITE_NOTADB ? SIM_EINPUT : SIM_EIO, "query failed");
		return;
	}
	if (sqlite3_bind_parameter_count(st))
		sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(rp, st, ud);
	if (rc != SQLITE_DONE)
		rep_fail(rp, SIM_EIO, "query failed");
	sqlite3_finalize(st);
}

static const char *col_text(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return s ? s : "";
}

static void note_t(struct rrun *r, sqlite3_stmt *st, int c)
{
	uint64_t t = (uint64_t)sqlite3_column_int64(st, c);

	if (t > r->max_t_ns)
		r->max_t_ns = t;
}

/* ---- counters of pid 0 ---- */

/* DESIGN 6 order; other names follow alphabetically. */
static int counter_rank(const char *name)
{
	static const char *const order[] = {
		"accesses", "minflt", "majflt", "tlb.l1d.hits", "tlb.l1d.misses",
		"tlb.l1i.hits", "tlb.l1i.misses", "tlb.l2.hits", "tlb.l2.misses",
		"walks", "cow_copies", "swap_outs", "swap_ins", "oom_kills",
		"thp_faults", "thp_splits", "thp_collapses", "rss_peak_pages",
	};

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (strcmp(name, order[i]) == 0)
			return (int)i;
	return 1000;
}

static void counters_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rrun *r = ud;
	char v[32], rate[48] = "";
	const char *name = col_text(st, 0);
	size_t len = strlen(name);

	(void)rp;
	snprintf(v, sizeof v, "%lld", (long long)sqlite3_column_int64(st, 1));
	/* tlb.X.misses: the hits come as column 2 (NULL when absent) */
	if (len > 11 && strncmp(name, "tlb.", 4) == 0 &&
	    strcmp(name + len - 7, ".misses") == 0 &&
	    sqlite3_column_type(st, 2) != SQLITE_NULL) {
		double m = (double)sqlite3_column_int64(st, 1);
		double h = (double)sqlite3_column_int64(st, 2);

		if (h + m > 0)
			snprintf(rate, sizeof rate, "%.2f%% miss", 100.0 * m / (h + m));
	}
	rtab_row(&r->counters, name, v, rate);
}

/* ---- faults by kind ---- */

static void faults_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rrun *r = ud;
	char n[24], major[24], lat[32];

	(void)rp;
	snprintf(n, sizeof n, "%lld", (long long)sqlite3_column_int64(st, 1));
	snprintf(major, sizeof major, "%lld", (long long)sqlite3_column_int64(st, 2));
	snprintf(lat, sizeof lat, "%.1f", sqlite3_column_double(st, 3));
	rtab_row(&r->faults, col_text(st, 0), n, major, lat);
	note_t(r, st, 4);
}

/* ---- per-process summary ---- */

static void procs_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rrun *r = ud;
	char c[5][24];

	(void)rp;
	for (int i = 0; i < 5; i++) {
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			snprintf(c[i], sizeof c[i], "-");
		else
			snprintf(c[i], sizeof c[i], "%lld",
				 (long long)sqlite3_column_int64(st, i));
	}
	rtab_row(&r->procs, c[0], c[1], c[2], c[3], c[4]);
}

/* ---- events by type ---- */

static void events_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rrun *r = ud;
	char n[24];

	(void)rp;
	snprintf(n, sizeof n, "%lld", (long long)sqlite3_column_int64(st, 1));
	rtab_row(&r->events, col_text(st, 0), n);
	note_t(r, st, 2);
}

/* ---- samples ---- */

static void samples_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rrun *r = ud;
	char c[5][24];

	(void)rp;
	for (int i = 0; i < 5; i++)
		snprintf(c[i], sizeof c[i], "%lld", (long long)sqlite3_column_int64(st, i));
	rtab_row(&r->samples, c[0], c[1], c[2], c[3], c[4]);
	note_t(r, st, 5);
}

struct smp_ctx {
	struct rrun *r;
	uint32_t pid;                 /* current pid */
	uint64_t i, stride;           /* index within the pid, keep every stride-th */
};

static void chart_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct smp_ctx *x = ud;
	struct rrun *r = x->r;
	uint32_t pid = (uint32_t)sqlite3_column_int64(st, 0);
	uint64_t n = (uint64_t)sqlite3_column_int64(st, 3);

	if (pid != x->pid || r->nsmp == 0) {
		x->pid = pid;
		x->i = 0;
		x->stride = n > SINK_CHART_POINTS ? (n + SINK_CHART_POINTS - 1) /
						    SINK_CHART_POINTS : 1;
	}
	if (x->i++ % x->stride)
		return;
	if (r->nsmp == r->smpcap) {
		size_t cap = r->smpcap ? r->smpcap * 2 : 256;
		void *p = realloc(r->smp, cap * sizeof *r->smp);

		if (!p) {
			rep_fail(rp, SIM_ENOMEM, "");
			return;
		}
		r->smp = p;
		r->smpcap = cap;
	}
	r->smp[r->nsmp].pid = pid;
	r->smp[r->nsmp].t = (uint64_t)sqlite3_column_int64(st, 1);
	r->smp[r->nsmp].rss = (uint64_t)sqlite3_column_int64(st, 2);
	r->nsmp++;
}

static void run_tables(struct report *rp, struct rrun *r)
{
	static const char *const hc[] = { "counter", "value", "rate" };
	static const char *const hf[] = { "kind", "count", "major", "mean latency ns" };
	static const char *const hp[] = { "pid", "accesses", "minflt", "majflt",
					  "rss_peak_pages" };
	static const char *const he[] = { "type", "count" };
	static const char *const hs[] = { "pid", "samples", "rss max", "swap max",
					  "free min" };
	struct smp_ctx x = { r, 0, 0, 1 };

	rtab_init(&r->counters, "counters (pid 0)", 0x2, 3, hc);
	rtab_init(&r->faults, "faults by kind", 0xe, 4, hf);
	rtab_init(&r->procs, "processes", 0x1f, 5, hp);
	rtab_init(&r->events, "events by type", 0x2, 2, he);
	rtab_init(&r->samples, "samples", 0x1f, 5, hs);
	rep_query(rp,
		"SELECT c.name, c.value, (SELECT h.value FROM counters h"
		"  WHERE h.run_id = c.run_id AND h.pid = 0"
		"  AND h.name = substr(c.name, 1, length(c.name) - 6) || 'hits')"
		" FROM counters c WHERE c.run_id = ?1 AND c.pid = 0 ORDER BY c.name",
		r->id, counters_row, r);
	rep_query(rp,
		"SELECT kind, count(*), total(major), avg(latency_ns), max(t_ns)"
		" FROM faults WHERE run_id = ?1 GROUP BY kind"
		" ORDER BY count(*) DESC, kind", r->id, faults_row, r);
	rep_query(rp,
		"SELECT pid, max(CASE name WHEN 'accesses' THEN value END),"
		" max(CASE name WHEN 'minflt' THEN value END),"
		" max(CASE name WHEN 'majflt' THEN value END),"
		" max(CASE name WHEN 'rss_peak_pages' THEN value END)"
		" FROM counters WHERE run_id = ?1 AND pid <> 0 GROUP BY pid ORDER BY pid",
		r->id, procs_row, r);
	rep_query(rp,
		"SELECT type, count(*), max(t_ns) FROM events WHERE run_id = ?1"
		" GROUP BY type ORDER BY count(*) DESC, type", r->id, events_row, r);
	rep_query(rp,
		"SELECT pid, count(*), max(rss_pages), max(swap_pages),"
		" min(free_pages), max(t_ns) FROM samples WHERE run_id = ?1"
		" GROUP BY pid ORDER BY pid", r->id, samples_row, r);
	if (r->samples.nrows)
		rep_query(rp,
			"SELECT s.pid, s.t_ns, s.rss_pages, n.n FROM samples s JOIN"
			" (SELECT pid, count(*) AS n FROM samples WHERE run_id = ?1"
			"  GROUP BY pid) n ON n.pid = s.pid"
			" WHERE s.run_id = ?1 ORDER BY s.pid, s.t_ns", r->id, chart_row, &x);
}

/* Sort the pid-0 counters into DESIGN order (the table came by name). */
static void sort_counters(struct rtab *t)
{
	for (size_t i = 1; i < t->nrows; i++) {
		for (size_t j = i; j > 0; j--) {
			char **a = t->cells + (j - 1) * 3, **b = t->cells + j * 3;
			int ra = counter_rank(a[0]), rb = counter_rank(b[0]);

			if (ra < rb || (ra == rb && strcmp(a[0], b[0]) <= 0))
				break;
			for (int c = 0; c < 3; c++) {
				char *tmp = a[c];

				a[c] = b[c];
				b[c] = tmp;
			}
		}
	}
}

static void fmt_duration(char *buf, size_t len, int64_t secs)
{
	if (secs >= 3600)
		snprintf(buf, len, "%lldh %02lldm %02llds", (long long)secs / 3600,
			 (long long)secs / 60 % 60, (long long)secs % 60);
	else if (secs >= 60)
		snprintf(buf, len, "%lldm %02llds", (long long)secs / 60,
			 (long long)secs % 60);
	else
		snprintf(buf, len, "%lld s", (long long)secs);
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else if (ns >= 1000ull)
		snprintf(buf, len, "%.3f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 " ns", ns);
}

/* Fill a run's header fields from a runs row. */
static void run_header(struct rrun *r, sqlite3_stmt *st)
{
	time_t started = (time_t)sqlite3_column_int64(st, 5);
	struct tm tm;

	r->id = sqlite3_column_int64(st, 0);
	snprintf(r->status, sizeof r->status, "%s", col_text(st, 1));
	snprintf(r->arch, sizeof r->arch, "%s", col_text(st, 2));
	r->source = strdup(col_text(st, 3));
	r->version = strdup(col_text(st, 4));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL && gmtime_r(&started, &tm))
		strftime(r->started, sizeof r->started, "%Y-%m-%d %H:%M:%S UTC", &tm);
	else
		snprintf(r->started, sizeof r->started, "-");
	if (sqlite3_column_type(st, 6) == SQLITE_NULL)
		snprintf(r->duration, sizeof r->duration, "- (not finished)");
	else
		fmt_duration(r->duration, sizeof r->duration,
			     sqlite3_column_int64(st, 6) - sqlite3_column_int64(st, 5));
}

static void rrun_free(struct rrun *r)
{
	rtab_free(&r->counters);
	rtab_free(&r->faults);
	rtab_free(&r->procs);
	rtab_free(&r->events);
	rtab_free(&r->samples);
	free(r->smp);
	free(r->source);
	free(r->version);
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */

static void run_text(const struct rrun *r, FILE *out)
{
	fprintf(out, "run %lld: %s\n", (long long)r->id, r->status);
	fprintf(out, "  arch      %s\n", r->arch);
	fprintf(out, "  source    %s\n", r->source ? r->source : "");
	fprintf(out, "  started   %s\n", r->started);
	fprintf(out, "  duration  %s\n", r->duration);
	fprintf(out, "  simulated %s\n", r->simulated);
	fprintf(out, "  memsim    %s\n", r->version ? r->version : "");
	rtab_text(&r->counters, out);
	rtab_text(&r->faults, out);
	rtab_text(&r->procs, out);
	rtab_text(&r->events, out);
	if (r->samples.nrows)
		rtab_text(&r->samples, out);
	fputc('\n', out);
}

static const char *const chart_colors[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};
#define NCOLORS (sizeof chart_colors / sizeof chart_colors[0])

/* Horizontal bars: faults per kind, the major part darker. */
static void svg_fault_bars(const struct rtab *t, FILE *out)
{
	const int bar_w = 420, row_h = 22, left = 110;
	double max = 1;

	if (t->nrows == 0)
		return;
	for (size_t i = 0; i < t->nrows; i++)
		if (atof(rtab_cell(t, i, 1)) > max)
			max = atof(rtab_cell(t, i, 1));
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\""
		" role=\"img\" aria-label=\"faults by kind\">\n",
		left + bar_w + 120, t->nrows * (size_t)row_h + 8);
	for (size_t i = 0; i < t->nrows; i++) {
		double n = atof(rtab_cell(t, i, 1)), mj = atof(rtab_cell(t, i, 2));
		int y = (int)i * row_h + 4;

		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6,
			y + 15);
		html_esc(out, rtab_cell(t, i, 0));
		fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\""
			" fill=\"%s\"/>", left, y, bar_w * n / max, row_h - 6,
			chart_colors[0]);
		if (mj > 0)
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\""
				" fill=\"%s\"><title>major</title></rect>", left, y,
				bar_w * mj / max, row_h - 6, chart_colors[2]);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
			left + bar_w * n / max + 6, y + 15, rtab_cell(t, i, 1));
	}
	fputs("</svg>\n", out);
}

/* RSS pages over simulated time, one line per pid. */
static void svg_rss_lines(const struct rrun *r, FILE *out)
{
	const double W = 640, H = 260, L = 70, B = 30, T = 10, R = 110;
	uint64_t t0 = UINT64_MAX, t1 = 0, ymax = 1;
	char lt0[32], lt1[32];
	size_t i = 0;
	unsigned series = 0;

	for (size_t k = 0; k < r->nsmp; k++) {
		t0 = r->smp[k].t < t0 ? r->smp[k].t : t0;
		t1 = r->smp[k].t > t1 ? r->smp[k].t : t1;
		ymax = r->smp[k].rss > ymax ? r->smp[k].rss : ymax;
	}
	if (t1 <= t0)
		t1 = t0 + 1;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\""
		" height=\"%.0f\" role=\"img\" aria-label=\"rss over time\">\n"
		"<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>"
		"<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>\n",
		W, H, L, T, L, H - B, L, H - B, W - R, H - B);
	fmt_ns(lt0, sizeof lt0, t0);
	fmt_ns(lt1, sizeof lt1, t1);
	fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%" PRIu64
		"</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>\n"
		"<text x=\"%.0f\" y=\"%.0f\">%s</text>"
		"<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n",
		L - 4, T + 10, ymax, L - 4, H - B, L, H - B + 18, lt0, W - R, H - B + 18, lt1);
	while (i < r->nsmp) {
		uint32_t pid = r->smp[i].pid;
		const char *color = chart_colors[series % NCOLORS];

		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\""
			" points=\"", color);
		for (; i < r->nsmp && r->smp[i].pid == pid; i++)
			fprintf(out, "%.1f,%.1f ",
				L + (W - L - R) * (double)(r->smp[i].t - t0) / (double)(t1 - t0),
				H - B - (H - B - T) * (double)r->smp[i].rss / (double)ymax);
		fprintf(out, "\"/><text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">pid %u</text>\n",
			W - R + 8, T + 14.0 * (series + 1), color, pid);
		series++;
	}
	fputs("</svg>\n", out);
}

static void html_kv(FILE *out, const char *k, const char *v)
{
	fprintf(out, "<tr><th>%s</th><td>", k);
	html_esc(out, v);
	fputs("</td></tr>\n", out);
}

static void run_html(const struct rrun *r, FILE *out)
{
	fprintf(out, "<section>\n<h2>Run %lld: <span class=\"%s\">", (long long)r->id,
		r->status);
	html_esc(out, r->status);
	fputs("</span></h2>\n<table class=\"kv\">\n", out);
	html_kv(out, "arch", r->arch);
	html_kv(out, "source", r->source);
	html_kv(out, "started", r->started);
	html_kv(out, "duration", r->duration);
	html_kv(out, "simulated", r->simulated);
	html_kv(out, "memsim", r->version);
	fputs("</table>\n", out);
	rtab_html(&r->counters, out);
	rtab_html(&r->faults, out);
	svg_fault_bars(&r->faults, out);
	rtab_html(&r->procs, out);
	rtab_html(&r->events, out);
	if (r->samples.nrows) {
		rtab_html(&r->samples, out);
		fputs("<h3>RSS pages over simulated time</h3>\n", out);
		svg_rss_lines(r, out);
	}
	fputs("</section>\n", out);
}

static void html_head(FILE *out, const char *db_path)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>memsim report: ", out);
	html_esc(out, db_path);
	fputs("</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;margin:.3em 0 1em}\n"
	      "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}\n"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "table.kv th{background:#f4f4f4}\n"
	      "section{border-top:2px solid #4e79a7;margin-top:2em}\n"
	      ".complete{color:#2a7d2a}.interrupted{color:#b36b00}.failed{color:#c00}\n"
	      "svg text{font-size:12px}\n"
	      "</style>\n</head>\n<body>\n<h1>memsim report</h1>\n<p>", out);
	html_esc(out, db_path);
	fputs("</p>\n", out);
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */

struct rep_out {
	FILE *text, *html;
	unsigned nruns;
};

static void run_row(struct report *rp, sqlite3_stmt *st, void *ud)
{
	struct rep_out *o = ud;
	struct rrun r;

	memset(&r, 0, sizeof r);
	run_header(&r, st);
	run_tables(rp, &r);
	sort_counters(&r.counters);
	fmt_ns(r.simulated, sizeof r.simulated, r.max_t_ns);
	if (r.counters.oom || r.faults.oom || r.procs.oom || r.events.oom ||
	    r.samples.oom || !r.source || !r.version)
		rep_fail(rp, SIM_ENOMEM, "");
	if (!rp->rc) {
		if (o->text)
			run_text(&r, o->text);
		if (o->html)
			run_html(&r, o->html);
	}
	o->nruns++;
	rrun_free(&r);
}

static int rep_open(struct report *rp)
{
	int rc = sqlite3_open_v2(rp->path, &rp->db, SQLITE_OPEN_READONLY, NULL);

	if (rc != SQLITE_OK) {
		sink__fmt(rp->err, rp->errlen, "%s: cannot open: %s", rp->path,
			  rp->db ? sqlite3_errmsg(rp->db) : "out of memory");
		return SIM_EIO;
	}
	rc = sink__schema_check(rp->db, rp->path, rp->err, rp->errlen);
	if (rc == SIM_EINPUT)
		sink__fmt(rp->err, rp->errlen, "%s: not a memsim database", rp->path);
	return rc;
}

/* Print every run of the database at db_path to `out` (a FILE *, or NULL),
 * and with html_path write the same as one HTML page with charts.
 * 0; SIM_EINPUT "FILE: not a memsim database"; SIM_EIO (cannot open or read
 * the database, cannot write html_path); SIM_ENOMEM. */
int sink_report(const char *db_path, void *out, const char *html_path,
		char *errbuf, size_t errlen)
{
	struct report rp = { NULL, db_path, errbuf, errlen, 0 };
	struct rep_out o = { out, NULL, 0 };

	rp.rc = rep_open(&rp);
	if (!rp.rc && html_path && !(o.html = fopen(html_path, "w"))) {
		sink__fmt(errbuf, errlen, "%s: cannot write", html_path);
		rp.rc = SIM_EIO;
	}
	if (!rp.rc) {
		sqlite3_exec(rp.db, "BEGIN", NULL, NULL, NULL);
		if (o.html)
			html_head(o.html, db_path);
		rep_query(&rp,
			"SELECT run_id, status, arch, source, memsim_version,"
			" started_at, finished_at FROM runs ORDER BY run_id", 0,
			run_row, &o);
		if (o.text && o.nruns == 0 && !rp.rc)
			fprintf(o.text, "%s: no runs\n", db_path);
		if (o.html)
			fputs(o.nruns ? "</body>\n</html>\n" :
			      "<p>no runs</p>\n</body>\n</html>\n", o.html);
		sqlite3_exec(rp.db, "COMMIT", NULL, NULL, NULL);
	}
	if (o.html && fclose(o.html) != 0 && !rp.rc) {
		sink__fmt(errbuf, errlen, "%s: cannot write", html_path);
		rp.rc = SIM_EIO;
	}
	sqlite3_close(rp.db);
	return rp.rc;
}
