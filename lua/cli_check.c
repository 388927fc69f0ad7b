/*
 * lua/cli_check.c - `memsim check`: the regression suite.
 *
 * A case is a JSON file (traces/regression/FORMAT in traces/FORMAT.md):
 *   {
 *     "trace":  "anon_write_100.mtr",        relative to the case file
 *     "archs":  ["x86_64", "arm64"],         default: ["x86_64"]
 *     "config": { "thp": "madvise" },        optional config keys
 *     "expect": [ { "phase": "write", "minflt": 100, "majflt": 0 }, ... ],
 *     "totals": { "cow_copies": 100 }        optional system counters at the end
 *   }
 * `expect` lists the trace's marks in order; each entry's counters are the
 * system-wide change during that phase (from its mark to the next).  A DIR
 * argument runs every *.json in it, sorted by name.  The last line is
 * "N passed, N failed".
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <memsim/sim.h>

#include "cli.h"

struct tally {
	int passed, failed;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = 0;
	fclose(f);
	return b;
}

static int phase_value(const struct phase *ph, const char *name, uint64_t *v)
{
	static const struct { const char *n; size_t off; } f[] = {
		{ "minflt", offsetof(struct phase, minflt) },
		{ "majflt", offsetof(struct phase, majflt) },
		{ "faults", offsetof(struct phase, faults) },
		{ "cow_copies", offsetof(struct phase, cow_copies) },
		{ "thp_faults", offsetof(struct phase, thp_faults) },
		{ "segv", offsetof(struct phase, segv) },
		{ "sigbus", offsetof(struct phase, sigbus) },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(f[i].n, name)) {
			*v = *(const uint64_t *)((const char *)ph + f[i].off);
			return 0;
		}
	return -1;
}

static int total_value(const struct proc_stats *st, const char *name, uint64_t *v)
{
	static const struct { const char *n; size_t off; } f[] = {
		{ "minflt", offsetof(struct proc_stats, minflt) },
		{ "majflt", offsetof(struct proc_stats, majflt) },
		{ "faults", offsetof(struct proc_stats, faults) },
		{ "cow_copies", offsetof(struct proc_stats, cow_copies) },
		{ "cow_reuses", offsetof(struct proc_stats, cow_reuses) },
		{ "thp_faults", offsetof(struct proc_stats, thp_faults) },
		{ "thp_splits", offsetof(struct proc_stats, thp_splits) },
		{ "segv", offsetof(struct proc_stats, segv) },
		{ "sigbus", offsetof(struct proc_stats, sigbus) },
		{ "accesses", offsetof(struct proc_stats, accesses) },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!strcmp(f[i].n, name)) {
			*v = *(const uint64_t *)((const char *)st + f[i].off);
			return 0;
		}
	return -1;
}

/* Compare the phases against `expect`; print the first mismatches. */
static int check_phases(struct sim *s, const cJSON *expect, const char *tag)
{
	const struct phase *ph;
	size_t n = sim_phases(s, &ph);
	int bad = 0;
	size_t i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, expect) {
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(e, "phase");
		if (i >= n) {
			printf("FAIL %s: expected phase '%s' but the trace has only %zu marks\n", tag,
			       cJSON_IsString(label) ? label->valuestring : "?", n);
			return 1;
		}
		if (cJSON_IsString(label) && strcmp(label->valuestring, ph[i].label)) {
			printf("FAIL %s: phase %zu is '%s', expected '%s'\n", tag, i + 1, ph[i].label,
			       label->valuestring);
			return 1;
		}
		const cJSON *kv;
		cJSON_ArrayForEach(kv, e) {
			uint64_t got;
			if (!strcmp(kv->string, "phase") || !cJSON_IsNumber(kv))
				continue;
			if (phase_value(&ph[i], kv->string, &got)) {
				printf("FAIL %s: unknown phase counter '%s'\n", tag, kv->string);
				return 1;
			}
			if (got != (uint64_t)kv->valuedouble) {
				printf("FAIL %s: phase '%s': %s = %" PRIu64 ", expected %" PRIu64 "\n",
				       tag, ph[i].label, kv->string, got, (uint64_t)kv->valuedouble);
				bad = 1;
			}
		}
		i++;
	}
	return bad;
}

static int check_totals(struct sim *s, const cJSON *totals, const char *tag)
{
	struct proc_stats st;
	int bad = 0;
	sim_stats(s, &st);
	const cJSON *kv;
	cJSON_ArrayForEach(kv, totals) {
		uint64_t got;
		if (total_value(&st, kv->string, &got)) {
			printf("FAIL %s: unknown counter '%s'\n", tag, kv->string);
			return 1;
		}
		if (got != (uint64_t)kv->valuedouble) {
			printf("FAIL %s: total %s = %" PRIu64 ", expected %" PRIu64 "\n", tag,
			       kv->string, got, (uint64_t)kv->valuedouble);
			bad = 1;
		}
	}
	return bad;
}

static int apply_config(struct sim_config *c, const cJSON *cfg, const char *path)
{
	const cJSON *kv;
	cJSON_ArrayForEach(kv, cfg) {
		char v[128], why[400];
		if (cJSON_IsString(kv))
			snprintf(v, sizeof v, "%s", kv->valuestring);
		else if (cJSON_IsNumber(kv))
			snprintf(v, sizeof v, "%" PRIu64, (uint64_t)kv->valuedouble);
		else if (cJSON_IsBool(kv))
			snprintf(v, sizeof v, "%s", cJSON_IsTrue(kv) ? "on" : "off");
		else
			v[0] = 0;
		if (config_set(c, kv->string, v, why, sizeof why)) {
			fprintf(stderr, "%s: %s\n", path, why);
			return -1;
		}
	}
	return 0;
}

/* Run one case on one architecture; 0 pass, 1 fail, 2 bad case. */
static int run_case_arch(const char *path, const cJSON *root, const char *trace,
			 const char *arch)
{
	struct sim_config c;
	char why[SIM_ERRMSG_MAX], tag[512];
	const char *base = strrchr(path, '/');
	snprintf(tag, sizeof tag, "%s [%s]", base ? base + 1 : path, arch);
	config_defaults(&c);
	config_set(&c, "output.events", "none", why, sizeof why);
	if (config_set(&c, "arch", arch, why, sizeof why)) {
		fprintf(stderr, "%s: %s\n", path, why);
		return 2;
	}
	if (apply_config(&c, cJSON_GetObjectItemCaseSensitive(root, "config"), path))
		return 2;
	struct sim *s = sim_create(&c, why, sizeof why);
	if (!s) {
		fprintf(stderr, "%s: %s\n", path, why);
		return 2;
	}
	const char *paths[1] = { trace };
	int rc = sim_replay(s, paths, 1, TRACE_AUTO);
	if (rc) {
		fprintf(stderr, "%s\n", sim_errmsg(s));
		sim_destroy(s);
		return 2;
	}
	int bad = check_phases(s, cJSON_GetObjectItemCaseSensitive(root, "expect"), tag);
	bad |= check_totals(s, cJSON_GetObjectItemCaseSensitive(root, "totals"), tag);
	if (!bad)
		printf("PASS %s\n", tag);
	sim_destroy(s);
	return bad;
}

static int run_case(const char *path, struct tally *t)
{
	char *text = slurp(path);
	if (!text) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 2;
	}
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "trace");
	if (!root || !cJSON_IsString(tr)) {
		fprintf(stderr, "%s: not a case file (needs a \"trace\" string)\n", path);
		cJSON_Delete(root);
		return 2;
	}
	char trace[4096];
	const char *slash = strrchr(path, '/');
	if (tr->valuestring[0] == '/' || !slash)
		snprintf(trace, sizeof trace, "%s", tr->valuestring);
	else
		snprintf(trace, sizeof trace, "%.*s/%s", (int)(slash - path), path, tr->valuestring);
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "archs");
	int worst = 0;
	if (!cJSON_IsArray(archs)) {
		int r = run_case_arch(path, root, trace, "x86_64");
		worst = r;
		r == 0 ? t->passed++ : t->failed++;
	} else {
		const cJSON *a;
		cJSON_ArrayForEach(a, archs) {
			int r = cJSON_IsString(a) ? run_case_arch(path, root, trace, a->valuestring) : 2;
			if (r > worst)
				worst = r;
			r == 0 ? t->passed++ : t->failed++;
		}
	}
	cJSON_Delete(root);
	return worst;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, struct tally *t)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open directory\n", dir);
		return 2;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(char *));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = malloc(strlen(dir) + l + 2);
		if (names[n])
			sprintf(names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_str);
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
		"Run regression cases (default: traces/regression).  Each case replays a\n"
		"trace on each listed architecture and compares the fault counts of every\n"
		"phase (mark) with its expectation.  Ends with \"N passed, N failed\".\n";
	struct tally t = { 0, 0 };
	int worst = 0, any = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		struct stat sb;
		if (argv[i][0] == '-') {
			cli_err("check: unknown option '%s' (try memsim check --help)", argv[i]);
			return EXIT_BADINPUT;
		}
		if (stat(argv[i], &sb)) {
			fprintf(stderr, "%s: No such file or directory\n", argv[i]);
			worst = 2;
			continue;
		}
		any = 1;
		int r = S_ISDIR(sb.st_mode) ? run_dir(argv[i], &t) : run_case(argv[i], &t);
		worst = r > worst ? r : worst;
	}
	if (!any && worst == 0)
		worst = run_dir("traces/regression", &t);
	printf("%d passed, %d failed\n", t.passed, t.failed);
	if (worst == 2)
		return EXIT_BADINPUT;
	return t.failed ? EXIT_SIMFAIL : 0;
}
