/*
 * memsim/config.h - the configuration keys of DESIGN.md section 4.
 *
 * One flat namespace of dotted keys, the same for `--set KEY=VALUE`, a JSON
 * config file (nested objects or dotted names) and the Lua table given to
 * memsim.new{...}.  Every key is described once, in the table in
 * core/engine/config.c; unknown keys and bad values are rejected by name.
 */
#ifndef MEMSIM_CONFIG_H
#define MEMSIM_CONFIG_H

#include "tlb.h"
#include "types.h"

enum cfg_arch { ARCH_X86_64 = 0, ARCH_ARM64 };
enum cfg_thp { THP_ALWAYS = 0, THP_MADVISE, THP_NEVER };
enum cfg_defrag { DEFRAG_ALWAYS = 0, DEFRAG_DEFER, DEFRAG_DEFER_MADVISE, DEFRAG_MADVISE,
		  DEFRAG_NEVER };
enum cfg_events { OUT_EVENTS_NONE = 0, OUT_EVENTS_FAULTS, OUT_EVENTS_ALL };
enum cfg_mode { MODE_FULL = 0, MODE_TLB };

/* The cost model: how long things take (kept apart from what happens, R6). */
struct cost_model {
	uint64_t tlb_l1_ns;      /* L1 TLB hit */
	uint64_t tlb_l2_ns;      /* L2 TLB lookup after an L1 miss */
	uint64_t walk_level_ns;  /* one page-table memory reference in a walk */
	uint64_t pwc_hit_ns;     /* a paging-structure cache hit */
	uint64_t fault_ns;       /* exception entry and return, fault bookkeeping */
	uint64_t page_alloc_ns;  /* buddy allocation of one page */
	uint64_t page_zero_ns;   /* clearing 4 KiB */
	uint64_t page_copy_ns;   /* copying 4 KiB */
	uint64_t io_read_ns;     /* one synchronous read from disk or swap */
	uint64_t io_write_ns;    /* one page written to swap */
	uint64_t shootdown_ns;   /* a TLB shootdown */
	uint64_t syscall_ns;     /* entry/exit cost of mmap, munmap, ... */
};

struct sim_config {
	enum cfg_arch arch;
	unsigned paging_levels;     /* x86_64: 4 or 5 */
	unsigned paging_granule;    /* arm64: 4096, 16384, 65536 */
	unsigned paging_va_bits;    /* arm64: 39, 48, 52 */
	uint64_t ram;               /* bytes */
	uint64_t swap;              /* bytes */
	enum cfg_thp thp;
	enum cfg_defrag thp_defrag;
	int thp_use_zero_page;      /* thp.use_zero_page (1) */
	unsigned swappiness;        /* vm.swappiness */
	unsigned overcommit_memory; /* vm.overcommit_memory */
	unsigned overcommit_ratio;  /* vm.overcommit_ratio */
	int64_t min_free_kbytes;    /* vm.min_free_kbytes; -1 = derived */
	unsigned watermark_scale_factor;
	unsigned page_cluster;      /* vm.page-cluster (3) */
	uint64_t mmap_min_addr;     /* vm.mmap_min_addr (65536) */
	uint64_t fault_around_bytes;/* mm.fault_around_bytes (65536) */
	uint64_t stack_guard_gap;   /* mm.stack_guard_gap, in pages (256) */
	uint64_t rlimit_stack;      /* rlimit.stack (8M) */
	struct tlb_config tlb;      /* tlb.l1d, tlb.l1i, tlb.l1d_2m, tlb.l2, tlb.policy */
	struct tlb_geom pwc;        /* tlb.pwc: each paging-structure cache ("32:4") */
	int tlb_asid;               /* tlb.asid on/off */
	int arm64_hw_af;            /* arm64.hw_af on/off */
	unsigned cpus;
	uint64_t seed;
	enum cfg_events output_events;
	uint64_t sample_ns;         /* output.sample_ns: RSS sampling period (0 = off) */
	enum cfg_mode mode;         /* mode: full or tlb */
	struct cost_model cost;
};

/* Fill *c with the defaults. */
void config_defaults(struct sim_config *c);
/* Set one key from its string form.  Returns 0, or -1 with
 * "unknown config key 'k'" / "bad value for k: 'v' (reason)" in why[]; the
 * reason says what the key accepts.  Time keys (output.sample_ns, cost.*_ns)
 * take what config_parse_time does. */
int config_set(struct sim_config *c, const char *key, const char *value, char *why,
	       size_t whylen);
/* Set a key from a boolean (a Lua or JSON true/false): only on/off keys
 * take one; any other key gives "bad value for k: true (a boolean; expected
 * ...)" in why[] and -1. */
int config_set_bool(struct sim_config *c, const char *key, int b, char *why, size_t whylen);
/* A time in ns: decimal digits ("250"), or a non-negative number with an
 * optional unit ns, us, ms or s ("1e6", "10us", "1.5ms", "2s"), rounded to
 * the nearest ns.  The syntax of every time argument of the Lua API too.
 * Returns 0, -1 (bad syntax) or -2 (beyond 2^64 - 1 ns). */
int config_parse_time(const char *s, uint64_t *out);
/* Parse "KEY=VALUE" and set it. */
int config_set_kv(struct sim_config *c, const char *kv, char *why, size_t whylen);
/* Load a JSON file (object; nested objects are joined with '.').  Numbers and
 * booleans are accepted where the key takes them.  Returns 0, or SIM_EIO /
 * SIM_EINPUT with "FILE: ..." in why[]. */
int config_load_json(struct sim_config *c, const char *path, char *why, size_t whylen);
/* Check cross-key constraints (granule vs va_bits, plru ways...). */
int config_validate(const struct sim_config *c, char *why, size_t whylen);
/* The whole configuration as a JSON object (malloc'd; caller frees). */
char *config_to_json(const struct sim_config *c);
/* Value of one key as a string (into buf); -1 for an unknown key. */
int config_get(const struct sim_config *c, const char *key, char *buf, size_t n);
/* Iterate key names: returns NULL past the end. */
const char *config_key_name(unsigned i);
const char *config_key_help(unsigned i);
/* min_free_kbytes as Linux derives it from `ram` (clamp(sqrt(kB*16),128,262144)). */
uint64_t config_derived_min_free_kbytes(const struct sim_config *c);

#endif
