/*
 * engine/config.c - the configuration keys: defaults, parsing, validation,
 * JSON in and out.
 *
 * Every key is one row of `keys[]`: its name, its kind of value, where it is
 * stored and a one-line help.  Setting, getting, listing and JSON export all
 * walk that one table, so a key cannot be settable but invisible.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/config.h>
#include <memsim/trace.h>

enum key_kind {
	K_ENUM,      /* one of a list of names, stored as unsigned/int enum */
	K_UINT,      /* decimal integer in [min, max] */
	K_SIZE,      /* size with K/M/G/p suffix */
	K_GEOM,      /* "ENTRIES:WAYS" */
	K_BOOL,      /* on/off (also true/false/1/0) */
	K_MINFREE,   /* integer or "auto" */
	K_TIME       /* a time: ns, or a number with a unit ("100us", "5ms") */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;            /* offset in struct sim_config */
	unsigned width;        /* sizeof the field for K_ENUM/K_UINT/K_BOOL */
	const char *const *names; /* K_ENUM: value names, NULL-terminated */
	const int *values;     /* K_ENUM: stored value for each name (NULL: index) */
	uint64_t min, max;     /* K_UINT / K_SIZE / K_TIME bounds */
	const char *help;
};

static const char *const arch_names[] = { "x86_64", "arm64", NULL };
static const char *const thp_names[] = { "always", "madvise", "never", NULL };
static const char *const defrag_names[] = { "always", "defer", "defer+madvise", "madvise",
					    "never", NULL };
static const char *const policy_names[] = { "lru", "plru", "fifo", "random", NULL };
static const char *const events_names[] = { "none", "faults", "all", NULL };
static const char *const mode_names[] = { "full", "tlb", NULL };
static const char *const levels_names[] = { "4", "5", NULL };
static const int levels_values[] = { 4, 5 };
static const char *const granule_names[] = { "4K", "16K", "64K", NULL };
static const int granule_values[] = { 4096, 16384, 65536 };
static const char *const vabits_names[] = { "39", "48", "52", NULL };
static const int vabits_values[] = { 39, 48, 52 };
static const char *const ovc_names[] = { "0", "1", "2", NULL };

#define OFF(f) offsetof(struct sim_config, f)
#define W(f) (unsigned)sizeof(((struct sim_config *)0)->f)
#define ENUMK(n, f, names, vals, h) { n, K_ENUM, OFF(f), W(f), names, vals, 0, 0, h }
#define UINTK(n, f, lo, hi, h) { n, K_UINT, OFF(f), W(f), NULL, NULL, lo, hi, h }
#define SIZEK(n, f, lo, hi, h) { n, K_SIZE, OFF(f), W(f), NULL, NULL, lo, hi, h }
#define GEOMK(n, f, h) { n, K_GEOM, OFF(f), W(f), NULL, NULL, 0, 0, h }
#define BOOLK(n, f, h) { n, K_BOOL, OFF(f), W(f), NULL, NULL, 0, 1, h }
#define TIMEK(n, f, hi, h) { n, K_TIME, OFF(f), W(f), NULL, NULL, 0, hi, h }

static const struct key keys[] = {
	ENUMK("arch", arch, arch_names, NULL, "x86_64 or arm64"),
	ENUMK("paging.levels", paging_levels, levels_names, levels_values,
	      "x86_64 page-table levels: 4 or 5"),
	ENUMK("paging.granule", paging_granule, granule_names, granule_values,
	      "arm64 translation granule: 4K, 16K or 64K"),
	ENUMK("paging.va_bits", paging_va_bits, vabits_names, vabits_values,
	      "arm64 virtual address bits: 39, 48 or 52"),
	SIZEK("ram", ram, 4 << 20, UINT64_C(1) << 46, "simulated physical memory"),
	SIZEK("swap", swap, 0, UINT64_C(1) << 46, "swap device size"),
	ENUMK("thp", thp, thp_names, NULL, "transparent huge pages: always, madvise, never"),
	ENUMK("thp.defrag", thp_defrag, defrag_names, NULL,
	      "THP defrag: always, defer, defer+madvise, madvise, never"),
	BOOLK("thp.use_zero_page", thp_use_zero_page, "map the huge zero page on read faults"),
	UINTK("vm.swappiness", swappiness, 0, 200, "anon vs file reclaim balance (0..200)"),
	ENUMK("vm.overcommit_memory", overcommit_memory, ovc_names, NULL,
	      "0 heuristic, 1 always, 2 strict"),
	UINTK("vm.overcommit_ratio", overcommit_ratio, 0, 100000, "percent of RAM in mode 2"),
	{ "vm.min_free_kbytes", K_MINFREE, OFF(min_free_kbytes), W(min_free_kbytes), NULL,
	  NULL, 128, 262144 * 16, "reserve in kB, or auto (derived as Linux does)" },
	UINTK("vm.watermark_scale_factor", watermark_scale_factor, 1, 3000,
	      "kswapd watermark gap in 1/10000 of memory"),
	UINTK("vm.page_cluster", page_cluster, 0, 10, "swap readahead, log2 pages"),
	SIZEK("vm.mmap_min_addr", mmap_min_addr, 0, UINT64_C(1) << 32,
	      "lowest address a process may map"),
	SIZEK("mm.fault_around_bytes", fault_around_bytes, 0, 2 << 20,
	      "file read fault-around window"),
	UINTK("mm.stack_guard_gap", stack_guard_gap, 0, 1 << 20,
	      "pages kept free below a stack"),
	SIZEK("rlimit.stack", rlimit_stack, 4096, UINT64_C(1) << 46, "RLIMIT_STACK"),
	GEOMK("tlb.l1d", tlb.l1d, "L1 data TLB, ENTRIES:WAYS"),
	GEOMK("tlb.l1i", tlb.l1i, "L1 instruction TLB, ENTRIES:WAYS"),
	GEOMK("tlb.l1d_2m", tlb.l1d_2m, "L1 data TLB for 2M pages, ENTRIES:WAYS"),
	GEOMK("tlb.l2", tlb.l2, "unified L2 TLB, ENTRIES:WAYS"),
	GEOMK("tlb.pwc", pwc, "each paging-structure cache, ENTRIES:WAYS"),
	ENUMK("tlb.policy", tlb.policy, policy_names, NULL, "lru, plru, fifo, random"),
	BOOLK("tlb.asid", tlb_asid, "on: entries tagged by PCID/ASID; off: flush on switch"),
	BOOLK("arm64.hw_af", arm64_hw_af, "on: hardware access flag and dirty (FEAT_HAFDBS)"),
	UINTK("cpus", cpus, 1, 1, "simulated CPUs"),
	UINTK("seed", seed, 0, UINT64_MAX, "RNG seed"),
	ENUMK("output.events", output_events, events_names, NULL, "none, faults, all"),
	TIMEK("output.sample_ns", sample_ns, UINT64_MAX,
	      "RSS sampling period, a time (1000, 100us, 1ms; 0 = off)"),
	ENUMK("mode", mode, mode_names, NULL, "full (page faults) or tlb (TLB only)"),
	TIMEK("cost.tlb_l1_ns", cost.tlb_l1_ns, UINT32_MAX, "L1 TLB hit"),
	TIMEK("cost.tlb_l2_ns", cost.tlb_l2_ns, UINT32_MAX, "L2 TLB lookup"),
	TIMEK("cost.walk_level_ns", cost.walk_level_ns, UINT32_MAX,
	      "one page-table reference"),
	TIMEK("cost.pwc_hit_ns", cost.pwc_hit_ns, UINT32_MAX, "paging-structure cache hit"),
	TIMEK("cost.fault_ns", cost.fault_ns, UINT32_MAX, "exception entry and return"),
	TIMEK("cost.page_alloc_ns", cost.page_alloc_ns, UINT32_MAX, "page allocation"),
	TIMEK("cost.page_zero_ns", cost.page_zero_ns, UINT32_MAX, "clearing a page"),
	TIMEK("cost.page_copy_ns", cost.page_copy_ns, UINT32_MAX, "copying a page"),
	TIMEK("cost.io_read_ns", cost.io_read_ns, UINT32_MAX, "one read from disk or swap"),
	TIMEK("cost.io_write_ns", cost.io_write_ns, UINT32_MAX, "one page written to swap"),
	TIMEK("cost.shootdown_ns", cost.shootdown_ns, UINT32_MAX, "a TLB shootdown"),
	TIMEK("cost.syscall_ns", cost.syscall_ns, UINT32_MAX, "syscall entry and exit"),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void config_defaults(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = ARCH_X86_64;
	c->paging_levels = 4;
	c->paging_granule = 4096;
	c->paging_va_bits = 48;
	c->ram = UINT64_C(1) << 30;
	c->thp = THP_MADVISE;
	c->thp_defrag = DEFRAG_MADVISE;
	c->thp_use_zero_page = 1;
	c->swappiness = 60;
	c->overcommit_ratio = 50;
	c->min_free_kbytes = -1;
	c->watermark_scale_factor = 10;
	c->page_cluster = 3;
	c->mmap_min_addr = 65536;
	c->fault_around_bytes = 65536;
	c->stack_guard_gap = 256;
	c->rlimit_stack = 8 << 20;
	/* Geometry of a recent Intel core (Skylake-class). */
	c->tlb.l1d = (struct tlb_geom){ 64, 4 };
	c->tlb.l1i = (struct tlb_geom){ 128, 8 };
	c->tlb.l1d_2m = (struct tlb_geom){ 32, 4 };
	c->tlb.l2 = (struct tlb_geom){ 1536, 12 };
	c->tlb.policy = TLB_LRU;
	c->pwc = (struct tlb_geom){ 32, 4 };
	c->tlb_asid = 1;
	c->arm64_hw_af = 1;
	c->cpus = 1;
	c->seed = 1;
	c->output_events = OUT_EVENTS_FAULTS;
	c->sample_ns = 1000000;
	c->mode = MODE_FULL;
	c->cost = (struct cost_model){
		.tlb_l1_ns = 1, .tlb_l2_ns = 3, .walk_level_ns = 25, .pwc_hit_ns = 2,
		.fault_ns = 700, .page_alloc_ns = 150, .page_zero_ns = 250,
		.page_copy_ns = 400, .io_read_ns = 100000, .io_write_ns = 100000,
		.shootdown_ns = 500, .syscall_ns = 300,
	};
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void store_uint(struct sim_config *c, const struct key *k, uint64_t v)
{
	char *p = (char *)c + k->off;
	switch (k->width) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

static uint64_t load_uint(const struct sim_config *c, const struct key *k)
{
	const char *p = (const char *)c + k->off;
	switch (k->width) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

static int parse_dec(const char *v, uint64_t *out)
{
	if (!*v)
		return -1;
	uint64_t x = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -2;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* What a key accepts, as the end of an error message ("expected ..."). */
static void describe(const struct key *k, char *buf, size_t n)
{
	switch (k->kind) {
	case K_ENUM: {
		size_t len = (size_t)snprintf(buf, n, "expected one of ");
		for (unsigned i = 0; k->names[i] && len < n; i++)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
						k->names[i]);
		return;
	}
	case K_BOOL:
		snprintf(buf, n, "expected on or off");
		return;
	case K_UINT:
		snprintf(buf, n, "expected a decimal number in %" PRIu64 "..%" PRIu64, k->min,
			 k->max);
		return;
	case K_SIZE:
		snprintf(buf, n, "expected a size such as 4096, 400K, 2M, 1G or 100p");
		return;
	case K_GEOM:
		snprintf(buf, n, "expected ENTRIES:WAYS, such as 64:4");
		return;
	case K_MINFREE:
		snprintf(buf, n, "expected a number of kB in %" PRIu64 "..%" PRIu64 ", or auto",
			 k->min, k->max);
		return;
	case K_TIME:
		snprintf(buf, n, "expected a time: ns, or a number with a unit ns, us, ms or s, "
			 "such as 1000, 250ns, 10us, 5ms, 2s");
		return;
	}
	snprintf(buf, n, "unexpected value");
}

static int bad(char *why, size_t n, const struct key *k, const char *v, const char *reason)
{
	char exp[200];
	if (!reason) {
		describe(k, exp, sizeof exp);
		reason = exp;
	}
	snprintf(why, n, "bad value for %s: '%s' (%s)", k->name, v, reason);
	return -1;
}

static int set_enum(struct sim_config *c, const struct key *k, const char *v, char *why,
		    size_t n)
{
	for (unsigned i = 0; k->names[i]; i++) {
		if (strcmp(k->names[i], v) == 0) {
			store_uint(c, k, k->values ? (uint64_t)k->values[i] : i);
			return 0;
		}
	}
	return bad(why, n, k, v, NULL);
}

int config_parse_time(const char *v, uint64_t *out)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	int rc = parse_dec(v, out);
	if (rc != -1)
		return rc; /* all digits: exact (or -2, too large) */
	if (!(*v >= '0' && *v <= '9') && *v != '.')
		return -1; /* no sign, blank, "inf" or "nan" */
	double d = strtod(v, &end);
	if (end == v || !(d >= 0))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit))
			continue;
		double ns = d * units[i].mul + 0.5; /* to the nearest ns */
		if (ns >= 18446744073709551615.0)
			return -2;
		*out = (uint64_t)ns;
		return 0;
	}
	return -1;
}

static int set_number(struct sim_config *c, const struct key *k, const char *v, char *why,
		      size_t n)
{
	uint64_t x;
	int rc = k->kind == K_TIME ? config_parse_time(v, &x) : parse_dec(v, &x);
	if (rc)
		return bad(why, n, k, v, rc == -2 ? "too large" : NULL);
	if (x < k->min || x > k->max) {
		char r[96];
		snprintf(r, sizeof r, "must be in %" PRIu64 "..%" PRIu64 "%s", k->min, k->max,
			 k->kind == K_TIME ? " ns" : "");
		return bad(why, n, k, v, r);
	}
	store_uint(c, k, x);
	return 0;
}

int config_set(struct sim_config *c, const char *key, const char *v, char *why, size_t n)
{
	const struct key *k = find_key(key);
	uint64_t x;
	if (!k) {
		snprintf(why, n, "unknown config key '%s'", key);
		return -1;
	}
	switch (k->kind) {
	case K_ENUM:
		return set_enum(c, k, v, why, n);
	case K_BOOL:
		if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
			store_uint(c, k, 1);
		else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
			store_uint(c, k, 0);
		else
			return bad(why, n, k, v, NULL);
		return 0;
	case K_MINFREE:
		if (!strcmp(v, "auto")) {
			c->min_free_kbytes = -1;
			return 0;
		}
		/* fall through */
	case K_UINT:
	case K_TIME:
		return set_number(c, k, v, why, n);
	case K_SIZE: {
		int rc = trace_parse_size(v, strlen(v), &x);
		if (rc)
			return bad(why, n, k, v, rc == -2 ? "size overflows" : NULL);
		if (x < k->min || x > k->max) {
			char r[96];
			snprintf(r, sizeof r, "must be in %" PRIu64 "..%" PRIu64 " bytes", k->min,
				 k->max);
			return bad(why, n, k, v, r);
		}
		store_uint(c, k, x);
		return 0;
	}
	case K_GEOM: {
		struct tlb_geom g;
		char r[160];
		if (tlb_geom_parse(v, &g, r, sizeof r))
			return bad(why, n, k, v, r);
		memcpy((char *)c + k->off, &g, sizeof g);
		return 0;
	}
	}
	return -1;
}

int config_set_bool(struct sim_config *c, const char *key, int b, char *why, size_t n)
{
	const struct key *k = find_key(key);
	char exp[200];
	if (!k) {
		snprintf(why, n, "unknown config key '%s'", key);
		return -1;
	}
	if (k->kind == K_BOOL) {
		store_uint(c, k, b != 0);
		return 0;
	}
	describe(k, exp, sizeof exp);
	snprintf(why, n, "bad value for %s: %s (a boolean; %s)", k->name, b ? "true" : "false",
		 exp);
	return -1;
}

int config_set_kv(struct sim_config *c, const char *kv, char *why, size_t n)
{
	const char *eq = strchr(kv, '=');
	char key[128];
	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) {
		snprintf(why, n, "expected KEY=VALUE, got '%s'", kv);
		return -1;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = 0;
	return config_set(c, key, eq + 1, why, n);
}

int config_get(const struct sim_config *c, const char *key, char *buf, size_t n)
{
	const struct key *k = find_key(key);
	if (!k)
		return -1;
	uint64_t x;
	switch (k->kind) {
	case K_ENUM:
		x = load_uint(c, k);
		for (unsigned i = 0; k->names[i]; i++)
			if ((k->values ? (uint64_t)k->values[i] : i) == x) {
				snprintf(buf, n, "%s", k->names[i]);
				return 0;
			}
		snprintf(buf, n, "%" PRIu64, x);
		return 0;
	case K_BOOL:
		snprintf(buf, n, "%s", load_uint(c, k) ? "on" : "off");
		return 0;
	case K_MINFREE:
		if (c->min_free_kbytes < 0)
			snprintf(buf, n, "auto");
		else
			snprintf(buf, n, "%" PRId64, c->min_free_kbytes);
		return 0;
	case K_UINT:
	case K_SIZE:
	case K_TIME:
		snprintf(buf, n, "%" PRIu64, load_uint(c, k));
		return 0;
	case K_GEOM: {
		const struct tlb_geom *g = (const void *)((const char *)c + k->off);
		snprintf(buf, n, "%u:%u", g->entries, g->ways);
		return 0;
	}
	}
	return -1;
}

const char *config_key_name(unsigned i) { return i < NKEYS ? keys[i].name : NULL; }
const char *config_key_help(unsigned i) { return i < NKEYS ? keys[i].help : NULL; }

int config_validate(const struct sim_config *c, char *why, size_t n)
{
	if (c->arch == ARCH_ARM64) {
		static const struct { unsigned g, va; } ok[] = {
			{ 4096, 39 }, { 4096, 48 }, { 4096, 52 }, { 16384, 48 }, { 16384, 52 },
			{ 65536, 48 }, { 65536, 52 },
		};
		int found = 0;
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
			found |= ok[i].g == c->paging_granule && ok[i].va == c->paging_va_bits;
		if (!found) {
			snprintf(why, n, "bad value for paging.va_bits: '%u' (arm64 with a %uK "
				 "granule does not support %u-bit VAs)", c->paging_va_bits,
				 c->paging_granule / 1024, c->paging_va_bits);
			return -1;
		}
	}
	if (c->tlb.policy == TLB_PLRU) {
		const struct { const char *n; struct tlb_geom g; } gs[] = {
			{ "tlb.l1d", c->tlb.l1d }, { "tlb.l1i", c->tlb.l1i },
			{ "tlb.l1d_2m", c->tlb.l1d_2m }, { "tlb.l2", c->tlb.l2 },
		};
		for (size_t i = 0; i < 4; i++) {
			unsigned w = gs[i].g.ways ? gs[i].g.ways : gs[i].g.entries;
			if (w & (w - 1)) {
				snprintf(why, n, "bad value for tlb.policy: 'plru' (%s has %u ways;"
					 " tree PLRU needs a power of two)", gs[i].n, w);
				return -1;
			}
		}
	}
	if (c->ram % (c->arch == ARCH_ARM64 ? c->paging_granule : 4096)) {
		snprintf(why, n, "bad value for ram: '%" PRIu64 "' (not a multiple of the page size)",
			 c->ram);
		return -1;
	}
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static int json_value_string(const cJSON *it, char *buf, size_t n)
{
	if (cJSON_IsString(it))
		snprintf(buf, n, "%s", it->valuestring);
	else if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		if (d < 0 || d != (double)(uint64_t)d)
			return -1;
		snprintf(buf, n, "%" PRIu64, (uint64_t)d);
	} else
		return -1;
	return 0;
}

static int json_walk(struct sim_config *c, const cJSON *obj, const char *prefix,
		     const char *path, char *why, size_t n)
{
	for (const cJSON *it = obj->child; it; it = it->next) {
		char key[160], val[256];
		snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", it->string);
		char r[400];
		if (cJSON_IsObject(it)) {
			if (json_walk(c, it, key, path, why, n))
				return -1;
			continue;
		}
		if (cJSON_IsBool(it)) {
			if (config_set_bool(c, key, cJSON_IsTrue(it), r, sizeof r)) {
				snprintf(why, n, "%s: %s", path, r);
				return -1;
			}
			continue;
		}
		if (json_value_string(it, val, sizeof val)) {
			snprintf(why, n, "%s: key '%s': expected a string, number or boolean", path,
				 key);
			return -1;
		}
		if (config_set(c, key, val, r, sizeof r)) {
			snprintf(why, n, "%s: %s", path, r);
			return -1;
		}
	}
	return 0;
}

int config_load_json(struct sim_config *c, const char *path, char *why, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return SIM_EIO;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(why, n, "%s: out of memory", path);
				return SIM_ENOMEM;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, 4096, f);
		len += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	buf[len] = 0;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(buf, &end, 1);
	if (!root || !cJSON_IsObject(root)) {
		size_t line = 1;
		const char *stop = end ? end : buf + len;
		for (const char *p = buf; p < stop && p < buf + len; p++)
			line += *p == '\n';
		snprintf(why, n, "%s:%zu: %s", path, line,
			 root ? "expected a JSON object of config keys" : "JSON syntax error");
		cJSON_Delete(root);
		free(buf);
		return SIM_EINPUT;
	}
	int rc = json_walk(c, root, "", path, why, n) ? SIM_EINPUT : 0;
	cJSON_Delete(root);
	free(buf);
	return rc;
}

char *config_to_json(const struct sim_config *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (size_t i = 0; i < NKEYS; i++) {
		char v[64];
		config_get(c, keys[i].name, v, sizeof v);
		cJSON_AddStringToObject(o, keys[i].name, v);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, b = UINT64_C(1) << 62;
	while (b > x)
		b >>= 2;
	while (b) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else
			r >>= 1;
		b >>= 2;
	}
	return r;
}

uint64_t config_derived_min_free_kbytes(const struct sim_config *c)
{
	if (c->min_free_kbytes >= 0)
		return (uint64_t)c->min_free_kbytes;
	uint64_t v = int_sqrt((c->ram / 1024) * 16);
	if (v < 128)
		v = 128;
	if (v > 262144)
		v = 262144;
	return v;
}
