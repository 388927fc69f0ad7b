/*
 * tlb_drive.c - replay a Valgrind lackey trace through tlb_hier_access
 * (identity translation, as `memsim replay --mode tlb` does) and print the
 * counters in the format of tlb_ref.lua, so the two can be compared.
 *
 * Usage: tlb-drive TRACE [l1d=E:W] [l1i=E:W] [l2=E:W] [l1d_2m=E:W]
 *                        [policy=lru|plru|fifo|random] [seed=N]
 * A test tool, not the product's reader: a plain fgets/sscanf parser; .gz
 * files go through `gzip -dc`.  Exit status 2 on bad arguments, 1 if the
 * arrays' own counters disagree with the process counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memsim/tlb.h"

static int usage(const char *why)
{
	fprintf(stderr, "tlb-drive: %s\nusage: tlb-drive TRACE [l1d=E:W] [l1i=E:W] [l2=E:W] "
			"[l1d_2m=E:W] [policy=lru|plru|fifo|random] [seed=N]\n", why);
	return 2;
}

static int set_opt(struct tlb_config *c, const char *a)
{
	static const char *const pol[] = { "lru", "plru", "fifo", "random" };
	struct { const char *k; struct tlb_geom *g; } gs[] = {
		{ "l1d=", &c->l1d }, { "l1i=", &c->l1i }, { "l2=", &c->l2 },
		{ "l1d_2m=", &c->l1d_2m },
	};
	char why[160];

	for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
		size_t n = strlen(gs[i].k);
		if (!strncmp(a, gs[i].k, n)) {
			if (tlb_geom_parse(a + n, gs[i].g, why, sizeof why)) {
				fprintf(stderr, "tlb-drive: %s: %s\n", a, why);
				return -1;
			}
			return 0;
		}
	}
	if (!strncmp(a, "policy=", 7)) {
		for (int p = 0; p < 4; p++)
			if (!strcmp(a + 7, pol[p])) {
				c->policy = (enum tlb_policy)p;
				return 0;
			}
	}
	if (!strncmp(a, "seed=", 5)) {
		c->seed = strtoull(a + 5, NULL, 0);
		return 0;
	}
	fprintf(stderr, "tlb-drive: bad argument '%s'\n", a);
	return -1;
}

static FILE *open_trace(const char *name, int *piped)
{
	size_t n = strlen(name);
	*piped = n > 3 && !strcmp(name + n - 3, ".gz");
	if (!*piped)
		return fopen(name, "r");
	char cmd[4200];
	if (n > 4000 || strchr(name, '\''))
		return NULL;
	snprintf(cmd, sizeof cmd, "gzip -dc '%s'", name);
	return popen(cmd, "r");
}

int main(int argc, char **argv)
{
	struct tlb_config c = {
		.l1d = { 64, 4 }, .l1i = { 128, 8 }, .l1d_2m = { 32, 4 }, .l2 = { 1536, 12 },
		.policy = TLB_LRU, .seed = 1,
	};
	struct tlb_stats st = { 0 };
	struct tlb_hier h;
	uint64_t accesses = 0;
	char line[512];
	int piped, rc, bad;
	FILE *f;

	if (argc < 2)
		return usage("no trace");
	for (int i = 2; i < argc; i++)
		if (set_opt(&c, argv[i]))
			return 2;
	rc = tlb_hier_create(&h, &c);
	if (rc)
		return usage(rc == SIM_EINPUT ? "geometry/policy rejected by tlb_hier_create"
					      : "out of memory");
	h.st = &st;
	f = open_trace(argv[1], &piped);
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	for (int whole = 1; fgets(line, sizeof line, f);) {
		char op;
		unsigned long long addr;
		unsigned size;
		const char *p = line;
		int was_whole = whole;
		whole = strchr(line, '\n') != NULL;
		if (!was_whole) /* the rest of an over-long (noise) line */
			continue;
		while (*p == ' ')
			p++;
		if (sscanf(p, "%c %llx,%u", &op, &addr, &size) != 3 || !op ||
		    !strchr("ILSM", op))
			continue;
		accesses++;
		tlb_hier_access(&h, op == 'I' ? ACC_EXEC : op == 'L' ? ACC_READ : ACC_WRITE,
				addr, size, 1);
	}
	if (piped ? pclose(f) != 0 : fclose(f) != 0) {
		fprintf(stderr, "tlb-drive: error reading %s\n", argv[1]);
		return 2;
	}
	printf("accesses %llu\n", (unsigned long long)accesses);
	printf("tlb.l1d.hits %llu\n", (unsigned long long)st.l1d_hits);
	printf("tlb.l1d.misses %llu\n", (unsigned long long)st.l1d_misses);
	printf("tlb.l1i.hits %llu\n", (unsigned long long)st.l1i_hits);
	printf("tlb.l1i.misses %llu\n", (unsigned long long)st.l1i_misses);
	printf("tlb.l2.hits %llu\n", (unsigned long long)st.l2_hits);
	printf("tlb.l2.misses %llu\n", (unsigned long long)st.l2_misses);
	bad = h.l1d.hits != st.l1d_hits || h.l1d.misses != st.l1d_misses ||
	      h.l1i.hits != st.l1i_hits || h.l1i.misses != st.l1i_misses ||
	      h.l2.hits != st.l2_hits || h.l2.misses != st.l2_misses;
	if (bad)
		fprintf(stderr, "tlb-drive: array counters disagree with tlb_stats\n");
	tlb_hier_destroy(&h);
	return bad;
}
