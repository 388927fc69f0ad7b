/*
 * lua/cli_check.c - `memsim check`: the regression suite.
 *
 * A case is a JSON file (the format: traces/FORMAT.md, "Regression cases"):
 *   {
 *     "trace":  "anon_write_100.mtr",        relative to the case file
 *     "archs":  ["x86_64", "arm64"],         default: ["x86_64"]
 *     "config": { "thp": "madvise" },        optional config keys, as -c JSON
 *     "expect": [ { "phase": "write", "minflt": 100, "majflt": 0 }, ... ],
 *     "totals": { "cow_copies": 100 }        optional system counters at the end
 *   }
 * Each `expect` entry names a mark of the trace; its counters are the
 * system-wide change during that phase (from its mark to the next).  The
 * entries follow the order of the marks; marks without an entry are not
 * checked.  A DIR argument runs every *.json in it, sorted by name.  The last
 * line is "N passed, N failed" (one per case and architecture).
 *
 * A case is validated completely before anything runs, so a case that would
 * check nothing never passes: an unknown field, a count that is not a whole
 * number, an unknown counter, architecture or config key, a missing trace
 * and (after the replay) a phase that is not a mark of the trace are bad
 * input: "CASE.json: FIELD: what is wrong", exit status 2, and the case
 * counts as one failed.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <memsim/sim.h>

#include "cli.h"

#define MAX_ARCHS 8     /* more than there are: duplicates are refused */
#define COUNT_MAX 9007199254740992.0 /* 2^53: larger JSON numbers are not exact */

struct tally {
	int passed, failed;
};


/* The counters of a phase: what the core keeps per mark (struct phase);
 * "totals" take the pid-0 rows of the `counters` table (sim_counters). */
static const struct sim_counter phase_counters[] = {
#define F(n, f) { n, offsetof(struct phase, f) }
	F("minflt", minflt), F("majflt", majflt), F("faults", faults),
	F("cow_copies", cow_copies), F("thp_faults", thp_faults), F("segv", segv),
	F("sigbus", sigbus),
#undef F
};


#define NPHASE (sizeof phase_counters / sizeof phase_counters[0])
#define NTOTAL SIM_NCOUNTERS

/* A case file, parsed and validated. */
struct check_case {
	const char *path;                 /* as given, or DIR/NAME.json */
	const char *name;                 /* its last component, for PASS/FAIL lines */
	cJSON *root;
	char trace[4096];                 /* "trace", relative to the case's directory */
	const char *archs[MAX_ARCHS];     /* "archs", or x86_64 */
	size_t narchs;
	const cJSON *config, *expect, *totals; /* NULL when absent */
};

/* "PATH: message" on stderr; returns EXIT_BADINPUT. */
static int bad(const struct check_case *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad(const struct check_case *k, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s: ", k->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BADINPUT;
}

/* What a JSON value is, for a message: `the string "100"`, `1.5`, `an array`. */
static const char *describe(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsString(v))
		snprintf(buf, n, "the string \"%.40s\"", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(buf, n, "%.17g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, n, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, n, "an array");
	else
		snprintf(buf, n, "an object");
	return buf;
}

/* A count: a JSON number that is a whole number in 0 .. 2^53. */
static int is_count(const cJSON *v)
{
	if (!cJSON_IsNumber(v))
		return 0;
	double d = v->valuedouble;
	return d >= 0 && d <= COUNT_MAX && d == (double)(uint64_t)d;
}

static const struct sim_counter *find_counter(const struct sim_counter *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static const char *counter_list(const struct sim_counter *t, size_t n, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", t[i].name);
	return buf;
}

static uint64_t counter_value(const struct sim_counter *c, const void *st)
{
	return *(const uint64_t *)((const char *)st + c->off);
}

/* ---- reading and validating a case ---------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *b = NULL;
	size_t n = 0, cap = 0, r;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			b = nb;
		}
		r = fread(b + n, 1, 4096, f);
		n += r;
	} while (r == 4096);
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(b);
		errno = EIO;
		return NULL;
	}
	b[n] = 0;
	*len = n;
	return b;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return !*s;
}

/* Parse the file into k->root; "CASE.json:LINE: not valid JSON" otherwise. */
static int load_json(struct check_case *k)
{
	size_t len;
	char *text = slurp(k->path, &len);
	if (!text)
		return bad(k, "cannot read: %s", strerror(errno));
	const char *end = NULL;
	k->root = cJSON_ParseWithOpts(text, &end, 1);
	if (!k->root) {
		size_t line = 1;
		for (const char *p = text; end && p < end && p < text + len; p++)
			line += *p == '\n';
		fflush(stdout);
		fprintf(stderr, "%s:%zu: not valid JSON%s\n", k->path, line,
			blank(text) ? " (the file is empty)" : "");
		free(text);
		return EXIT_BADINPUT;
	}
	free(text);
	if (!cJSON_IsObject(k->root)) {
		char d[64];
		return bad(k, "not a case file: expected a JSON object {\"trace\": ..., "
			   "\"expect\": [...]}, got %s", describe(k->root, d, sizeof d));
	}
	return 0;
}

/* The top-level fields: each known, none twice. */
static int check_fields(struct check_case *k)
{
	static const char *const known[] = { "trace", "archs", "config", "expect", "totals" };
	const cJSON *seen[5] = { NULL };
	for (const cJSON *f = k->root->child; f; f = f->next) {
		size_t i = 0;
		while (i < 5 && strcmp(known[i], f->string))
			i++;
		if (i == 5)
			return bad(k, "unknown field '%s' (a case has trace, archs, config, "
				   "expect, totals)", f->string);
		if (seen[i])
			return bad(k, "field '%s' given twice", f->string);
		seen[i] = f;
	}
	if (!seen[0])
		return bad(k, "missing field \"trace\" (the trace file, relative to the "
			   "case file)");
	k->config = seen[2];
	k->expect = seen[3];
	k->totals = seen[4];
	return 0;
}

static int check_trace(struct check_case *k)
{
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(k->root, "trace");
	char d[64];
	if (!cJSON_IsString(tr) || !tr->valuestring[0])
		return bad(k, "trace: expected a file name (a string), got %s",
			   cJSON_IsString(tr) ? "an empty string" : describe(tr, d, sizeof d));
	const char *slash = strrchr(k->path, '/');
	int n;
	if (tr->valuestring[0] == '/' || !slash)
		n = snprintf(k->trace, sizeof k->trace, "%s", tr->valuestring);
	else
		n = snprintf(k->trace, sizeof k->trace, "%.*s/%s", (int)(slash - k->path),
			     k->path, tr->valuestring);
	if (n < 0 || (size_t)n >= sizeof k->trace)
		return bad(k, "trace: the path is too long");
	struct stat sb;
	if (stat(k->trace, &sb))
		return bad(k, "trace: cannot open '%s': %s", k->trace, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return bad(k, "trace: '%s' is a directory", k->trace);
	FILE *f = fopen(k->trace, "rb");
	if (!f)
		return bad(k, "trace: cannot open '%s': %s", k->trace, strerror(errno));
	fclose(f);
	return 0;
}

static int check_archs(struct check_case *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(k->root, "archs");
	char d[64], why[300];
	if (!a) {
		k->archs[k->narchs++] = "x86_64";
		return 0;
	}
	if (!cJSON_IsArray(a) || !a->child)
		return bad(k, "archs: expected a non-empty array of architecture names "
			   "([\"x86_64\", \"arm64\"]), got %s",
			   cJSON_IsArray(a) ? "an empty array" : describe(a, d, sizeof d));
	size_t i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		struct sim_config c;
		config_defaults(&c);
		if (!cJSON_IsString(e))
			return bad(k, "archs[%zu]: expected an architecture name (a string), got %s",
				   i, describe(e, d, sizeof d));
		if (config_set(&c, "arch", e->valuestring, why, sizeof why))
			return bad(k, "archs[%zu]: %s", i, why);
		for (size_t j = 0; j < k->narchs; j++)
			if (!strcmp(k->archs[j], e->valuestring))
				return bad(k, "archs[%zu]: '%s' is listed twice", i, e->valuestring);
		if (k->narchs == MAX_ARCHS)
			return bad(k, "archs[%zu]: too many architectures", i);
		k->archs[k->narchs++] = e->valuestring;
	}
	return 0;
}

/* The counters of one object ("totals", or an expect entry apart from its
 * field `skip`, "phase"): each known to `t`, a count, none twice; `where`
 * names the object in messages.  Returns the number of counters, or -1
 * after a message. */
static int check_counts(const struct check_case *k, const cJSON *obj, const char *skip,
			const struct sim_counter *t, size_t nt, const char *where)
{
	char d[64], list[400];
	int n = 0;
	for (const cJSON *f = obj->child; f; f = f->next) {
		if (skip && !strcmp(f->string, skip))
			continue;
		if (!find_counter(t, nt, f->string)) {
			bad(k, "%s: unknown counter '%s' (%s: %s)", where, f->string,
			    t == phase_counters ? "a phase counts" : "totals takes",
			    counter_list(t, nt, list, sizeof list));
			return -1;
		}
		for (const cJSON *g = obj->child; g != f; g = g->next)
			if (!strcmp(g->string, f->string)) {
				bad(k, "%s: counter '%s' given twice", where, f->string);
				return -1;
			}
		if (!is_count(f)) {
			bad(k, "%s.%s: expected a count (a whole number >= 0), got %s", where,
			    f->string, describe(f, d, sizeof d));
			return -1;
		}
		n++;
	}
	return n;
}

static int check_entry(const struct check_case *k, const cJSON *e, size_t i)
{
	char where[48], d[64], list[400];
	snprintf(where, sizeof where, "expect[%zu]", i);
	if (!cJSON_IsObject(e))
		return bad(k, "%s: expected an object {\"phase\": MARK, COUNTER: N, ...}, got %s",
			   where, describe(e, d, sizeof d));
	const cJSON *ph = NULL;
	for (const cJSON *f = e->child; f; f = f->next)
		if (!strcmp(f->string, "phase")) {
			if (ph)
				return bad(k, "%s: field 'phase' given twice", where);
			ph = f;
		}
	if (!ph)
		return bad(k, "%s: missing field \"phase\" (the label of a mark of the trace)",
			   where);
	if (!cJSON_IsString(ph) || !ph->valuestring[0])
		return bad(k, "%s.phase: expected the label of a mark (a string), got %s", where,
			   cJSON_IsString(ph) ? "an empty string" : describe(ph, d, sizeof d));
	int n = check_counts(k, e, "phase", phase_counters, NPHASE, where);
	if (n < 0)
		return EXIT_BADINPUT;
	if (n == 0)
		return bad(k, "%s: phase '%s' has no counter to check (give one or more of %s)",
			   where, ph->valuestring, counter_list(phase_counters, NPHASE, list,
								 sizeof list));
	return 0;
}

static int check_expect(const struct check_case *k)
{
	char d[64];
	if (!k->expect)
		return 0;
	if (!cJSON_IsArray(k->expect))
		return bad(k, "expect: expected an array of {\"phase\": MARK, COUNTER: N, ...} "
			   "in the order of the marks, got %s", describe(k->expect, d, sizeof d));
	size_t i = 0;
	for (const cJSON *e = k->expect->child; e; e = e->next, i++)
		if (check_entry(k, e, i))
			return EXIT_BADINPUT;
	return 0;
}

static int check_totals(const struct check_case *k)
{
	char d[64];
	if (!k->totals)
		return 0;
	if (!cJSON_IsObject(k->totals))
		return bad(k, "totals: expected an object {COUNTER: N, ...}, got %s",
			   describe(k->totals, d, sizeof d));
	return check_counts(k, k->totals, NULL, sim_counters, NTOTAL, "totals") < 0
		       ? EXIT_BADINPUT
		       : 0;
}

/* The keys "config" has set so far (a key may be given once, nested or
 * dotted). */
struct config_keys {
	char key[64][160];
	size_t n;
};

/* Apply "config" (nested objects joined with '.', as a -c file) to c. */
static int apply_config(const struct check_case *k, struct sim_config *c, const cJSON *obj,
			const char *prefix, const char *on, struct config_keys *seen)
{
	char d[64];
	for (const cJSON *f = obj->child; f; f = f->next) {
		char key[160], v[256], why[400];
		snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", f->string);
		int rc = 0;
		if (!strcmp(key, "arch"))
			return bad(k, "config.arch: give the architectures in \"archs\"");
		if (cJSON_IsObject(f)) {
			if (apply_config(k, c, f, key, on, seen))
				return EXIT_BADINPUT;
			continue;
		}
		for (size_t i = 0; i < seen->n; i++)
			if (!strcmp(seen->key[i], key))
				return bad(k, "config: key '%s' given twice", key);
		if (seen->n == sizeof seen->key / sizeof seen->key[0])
			return bad(k, "config: too many keys");
		snprintf(seen->key[seen->n++], sizeof seen->key[0], "%s", key);
		if (cJSON_IsBool(f)) {
			rc = config_set_bool(c, key, cJSON_IsTrue(f), why, sizeof why);
		} else if (cJSON_IsString(f) || is_count(f)) {
			if (cJSON_IsString(f))
				snprintf(v, sizeof v, "%s", f->valuestring);
			else
				snprintf(v, sizeof v, "%" PRIu64, (uint64_t)f->valuedouble);
			rc = config_set(c, key, v, why, sizeof why);
		} else {
			return bad(k, "config.%s: expected a string, a whole number >= 0 or a "
				   "boolean, got %s", key, describe(f, d, sizeof d));
		}
		if (rc)
			return bad(k, "config%s: %s", on, why);
	}
	return 0;
}

/* The configuration of the case on `arch`: defaults, arch, no event rows,
 * "config", then the cross-key checks. */
static int make_config(const struct check_case *k, const char *arch, struct sim_config *c)
{
	char why[400], on[64] = "";
	config_defaults(c);
	config_set(c, "output.events", "none", why, sizeof why);
	config_set(c, "arch", arch, why, sizeof why);
	if (k->narchs > 1)
		snprintf(on, sizeof on, " (on %s)", arch);
	struct config_keys seen = { .n = 0 };
	if (k->config && apply_config(k, c, k->config, "", on, &seen))
		return EXIT_BADINPUT;
	if (config_validate(c, why, sizeof why))
		return bad(k, "config%s: %s", on, why);
	return 0;
}

static int check_config(const struct check_case *k)
{
	char d[64];
	struct sim_config c;
	if (k->config && !cJSON_IsObject(k->config))
		return bad(k, "config: expected an object of config keys, got %s",
			   describe(k->config, d, sizeof d));
	for (size_t i = 0; i < k->narchs; i++)
		if (make_config(k, k->archs[i], &c))
			return EXIT_BADINPUT;
	return 0;
}

/* Everything but the phase names, which need the trace's marks. */
static int validate(struct check_case *k)
{
	char list[400];
	if (check_fields(k) || check_trace(k) || check_archs(k) || check_expect(k) ||
	    check_totals(k) || check_config(k))
		return EXIT_BADINPUT;
	if (!cJSON_GetArraySize(k->expect) && !cJSON_GetArraySize(k->totals))
		return bad(k, "nothing to check: give \"expect\" (an array of {\"phase\": MARK, "
			   "COUNTER: N}) or \"totals\" (an object of counters: %s)",
			   counter_list(sim_counters, NTOTAL, list, sizeof list));
	return 0;
}

/* ---- running a case ---------------------------------------------------------- */

static int label_is(const struct phase *ph, const char *label)
{
	/* the core keeps the first 63 bytes of a mark's label */
	return !strncmp(ph->label, label, sizeof ph->label - 1);
}

/* "its marks: a, b, c" (each label once, in order; at most 20). */
static const char *mark_list(const struct phase *ph, size_t n, char *buf, size_t len)
{
	size_t at = 0, shown = 0;
	if (!n)
		return "the trace has no mark";
	at += (size_t)snprintf(buf, len, "its marks: ");
	for (size_t i = 0; i < n && at < len; i++) {
		size_t j = 0;
		while (j < i && strcmp(ph[j].label, ph[i].label))
			j++;
		if (j < i)
			continue;
		if (shown++ == 20) {
			snprintf(buf + at, len - at, ", ...");
			break;
		}
		at += (size_t)snprintf(buf + at, len - at, "%s%s", shown > 1 ? ", " : "",
				       ph[i].label);
	}
	return buf;
}

/* Match every expect entry with a phase: the first phase with its label
 * after the previous entry's.  Fills at[]; EXIT_BADINPUT after a message. */
static int match_phases(const struct check_case *k, const struct phase *ph, size_t n,
			size_t *at)
{
	char list[1600];
	size_t next = 0, i = 0;
	const char *prev = NULL;
	for (const cJSON *e = k->expect ? k->expect->child : NULL; e; e = e->next, i++) {
		const char *label = cJSON_GetObjectItemCaseSensitive(e, "phase")->valuestring;
		size_t p = next;
		while (p < n && !label_is(&ph[p], label))
			p++;
		if (p < n) {
			at[i] = p;
			next = p + 1;
			prev = label;
			continue;
		}
		for (p = 0; p < next && !label_is(&ph[p], label); p++)
			;
		if (p < next)
			return bad(k, "expect[%zu].phase: no mark '%s' after '%s' of expect[%zu] "
				   "(list the phases in the order of the trace; %s)", i, label,
				   prev, i - 1, mark_list(ph, n, list, sizeof list));
		return bad(k, "expect[%zu].phase: no mark '%s' in %s (%s)", i, label, k->trace,
			   mark_list(ph, n, list, sizeof list));
	}
	return 0;
}

/* Compare the matched phases and the totals; print every mismatch. */
static int compare(struct sim *s, const struct check_case *k, const size_t *at,
		   const char *tag)
{
	const struct phase *ph;
	sim_phases(s, &ph);
	int failed = 0;
	size_t i = 0;
	for (const cJSON *e = k->expect ? k->expect->child : NULL; e; e = e->next, i++)
		for (const cJSON *f = e->child; f; f = f->next) {
			if (!strcmp(f->string, "phase"))
				continue;
			uint64_t got = counter_value(find_counter(phase_counters, NPHASE,
								  f->string), &ph[at[i]]);
			if (got != (uint64_t)f->valuedouble) {
				printf("FAIL %s: phase '%s': %s = %" PRIu64 ", expected %" PRIu64
				       "\n", tag, ph[at[i]].label, f->string, got,
				       (uint64_t)f->valuedouble);
				failed = 1;
			}
		}
	struct proc_stats st;
	sim_stats(s, &st);
	for (const cJSON *f = k->totals ? k->totals->child : NULL; f; f = f->next) {
		uint64_t got = counter_value(find_counter(sim_counters, NTOTAL, f->string), &st);
		if (got != (uint64_t)f->valuedouble) {
			printf("FAIL %s: total %s = %" PRIu64 ", expected %" PRIu64 "\n", tag,
			       f->string, got, (uint64_t)f->valuedouble);
			failed = 1;
		}
	}
	return failed;
}

/* Run the case on one architecture: 0 pass, 1 fail, 2 bad input (the
 * phase names, a bad trace line). */
static int run_arch(const struct check_case *k, const char *arch)
{
	struct sim_config c;
	char why[SIM_ERRMSG_MAX], tag[512];
	snprintf(tag, sizeof tag, "%s [%s]", k->name, arch);
	if (make_config(k, arch, &c))
		return EXIT_BADINPUT;
	struct sim *s = sim_create(&c, why, sizeof why);
	if (!s)
		return bad(k, "%s: %s", arch, why);
	const char *paths[1] = { k->trace };
	int rc = sim_replay(s, paths, 1, TRACE_AUTO);
	if (rc) {
		bad(k, "%s", sim_errmsg(s));
		sim_destroy(s);
		return rc == SIM_EINPUT || rc == SIM_EIO ? EXIT_BADINPUT : EXIT_SIMFAIL;
	}
	const struct phase *ph;
	size_t n = sim_phases(s, &ph);
	size_t ne = (size_t)cJSON_GetArraySize(k->expect);
	size_t *at = malloc((ne ? ne : 1) * sizeof *at);
	if (!at) {
		sim_destroy(s);
		return bad(k, "out of memory");
	}
	rc = match_phases(k, ph, n, at);
	if (!rc) {
		rc = compare(s, k, at, tag);
		if (!rc)
			printf("PASS %s\n", tag);
	}
	free(at);
	sim_destroy(s);
	return rc;
}

/* Validate and run one case file; returns the worst status. */
static int run_case(const char *path, struct tally *t)
{
	struct check_case k = { .path = path };
	const char *slash = strrchr(path, '/');
	k.name = slash ? slash + 1 : path;
	int worst = load_json(&k);
	if (!worst)
		worst = validate(&k);
	if (worst) {
		t->failed++;
		cJSON_Delete(k.root);
		return worst;
	}
	for (size_t i = 0; i < k.narchs; i++) {
		int r = run_arch(&k, k.archs[i]);
		r == 0 ? t->passed++ : t->failed++;
		worst = r > worst ? r : worst;
		if (r == EXIT_BADINPUT)
			break; /* the case is wrong, not the simulation */
	}
	cJSON_Delete(k.root);
	return worst;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json of a directory, sorted by name; NULL (and *n 0) when none. */
static char **list_cases(const char *dir, DIR *d, size_t *n)
{
	char **names = NULL;
	size_t cap = 0;
	struct dirent *de;
	*n = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(char *));
			if (!nn)
				break;
			names = nn;
		}
		size_t dl = strlen(dir);
		names[*n] = malloc(dl + l + 2);
		if (names[*n])
			sprintf(names[(*n)++], "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
				de->d_name);
	}
	if (*n)
		qsort(names, *n, sizeof(char *), cmp_str);
	return names;
}

static int run_dir(const char *dir, struct tally *t)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open directory: %s\n", dir, strerror(errno));
		return EXIT_BADINPUT;
	}
	size_t n;
	char **names = list_cases(dir, d, &n);
	closedir(d);
	if (!n) {
		cli_err("check: no cases in %s (a case is a *.json file; see traces/FORMAT.md)",
			dir);
		free(names);
		return EXIT_BADINPUT;
	}
	int worst = 0;
	for (size_t i = 0; i < n; i++) {
		int r = run_case(names[i], t);
		worst = r > worst ? r : worst;
		free(names[i]);
	}
	free(names);
	return worst;
}

int cli_check(int argc, char **argv)
{
	static const char usage[] =
		"usage: memsim check [DIR|CASE.json]...\n"
		"\n"
		"Run regression cases (default: traces/regression; a DIR runs every *.json\n"
		"in it).  A case replays a trace on each of its architectures and compares\n"
		"the counters of the phases it names (the part of the trace from a mark to\n"
		"the next) and its totals with their expected values:\n"
		"\n"
		"  {\"trace\": \"t.mtr\", \"archs\": [\"x86_64\", \"arm64\"], \"config\": {\"thp\": \"never\"},\n"
		"   \"expect\": [{\"phase\": \"write\", \"minflt\": 100, \"majflt\": 0}],\n"
		"   \"totals\": {\"cow_copies\": 0}}\n"
		"\n"
		"The format, every counter and the rules: traces/FORMAT.md, \"Regression\n"
		"cases\".  Prints PASS or FAIL per case and architecture and ends with\n"
		"\"N passed, N failed\".  Exit status: 0 all passed, 1 a case failed, 2 a bad\n"
		"case file (\"CASE.json: FIELD: what is wrong\"), trace or argument.\n";
	struct tally t = { 0, 0 };
	int worst = 0, any = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			cli_err("check: unknown option '%s' (try memsim check --help)", argv[i]);
			return EXIT_BADINPUT;
		}
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		any = 1;
		if (stat(argv[i], &sb)) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			worst = EXIT_BADINPUT;
			continue;
		}
		int r = S_ISDIR(sb.st_mode) ? run_dir(argv[i], &t) : run_case(argv[i], &t);
		worst = r > worst ? r : worst;
	}
	if (!any)
		worst = run_dir("traces/regression", &t);
	printf("%d passed, %d failed\n", t.passed, t.failed);
	if (worst == EXIT_BADINPUT)
		return EXIT_BADINPUT;
	return t.failed ? EXIT_SIMFAIL : 0;
}
