/*
 * memsim/tlb.h - set-associative TLBs, the L1/L2 hierarchy and the
 * paging-structure caches (the contract of core/tlb/).
 *
 * Counting follows DESIGN.md section 5b to the letter:
 *   - one lookup per page an access touches, ascending;
 *   - X uses the L1 instruction TLB, R and W the L1 data TLB;
 *   - a set-associative TLB of E entries and W ways has E/W sets; a page's set
 *     is its virtual page number modulo E/W; replacement is per set;
 *   - every L1 miss, and only an L1 miss, looks up the unified L2 with the same
 *     page; the L1 entry is filled on every L1 miss; the L2 is filled on an L2
 *     miss; neither level is inclusive of the other.
 * Invalid ways are filled first (lowest way index first) before any policy
 * decision is taken.
 *
 * Entries are tagged with an address-space identifier (x86 PCID, arm64 ASID).
 * The hot lookup is inline because it is the measured inner loop of
 * `memsim replay --mode tlb` (R13).
 */
#ifndef MEMSIM_TLB_H
#define MEMSIM_TLB_H

#include "types.h"

enum tlb_policy { TLB_LRU = 0, TLB_PLRU, TLB_FIFO, TLB_RANDOM };

/* Bits kept in an entry's data word beside the frame number (data >> 12). */
#define TLBE_WRITE 0x1u   /* a write may complete without a walk (x86: RW and D set;
			     arm64: writable and already dirty) */
#define TLBE_EXEC 0x2u    /* instruction fetch allowed */
#define TLBE_USER 0x4u    /* user accessible */
#define TLBE_HUGE 0x8u    /* a 2 MiB (block) translation */

/* One TLB array: `sets` x `ways` entries. */
struct tlb {
	uint64_t *tag;      /* [sets*ways]: ((vpn << 16 | asid) << 1) | 1; 0 = invalid */
	uint64_t *data;     /* [sets*ways]: pfn << 12 | TLBE_* */
	uint64_t *stamp;    /* [sets*ways]: LRU last use / FIFO fill time */
	uint32_t *plru;     /* [sets]: tree-PLRU bits (ways must be a power of two) */
	uint32_t sets;      /* number of sets (entries / ways) */
	uint32_t ways;      /* associativity */
	uint32_t set_mask;  /* sets - 1 when sets is a power of two, else 0 */
	uint32_t page_shift;/* 12 for 4 KiB entries, 21 for 2 MiB entries */
	enum tlb_policy policy;
	uint64_t clock;     /* stamp source */
	uint64_t rng;       /* xorshift64 state for TLB_RANDOM */
	uint64_t hits;      /* lookups that hit */
	uint64_t misses;    /* lookups that missed */
};

/* Geometry as given by config ("64:4"): ways 0 or ways == entries means
 * fully associative.  entries must be > 0 and a multiple of ways. */
struct tlb_geom {
	uint32_t entries;
	uint32_t ways;
};

/* Parse "ENTRIES:WAYS"; 0 on success, -1 with a reason in why[] otherwise. */
int tlb_geom_parse(const char *s, struct tlb_geom *g, char *why, size_t whylen);

/* Create / destroy one array.  Returns 0 or SIM_ENOMEM / SIM_EINPUT (plru with
 * ways not a power of two).  destroy(NULL-initialised) is a no-op. */
int tlb_create(struct tlb *t, struct tlb_geom g, enum tlb_policy p,
	       unsigned page_shift, uint64_t seed);
void tlb_destroy(struct tlb *t);

/* Look up `vpn` (virtual address >> page_shift) for `asid`.  On a hit returns
 * 1, stores the entry's data word in *data and updates replacement state;
 * on a miss returns 0.  Counts the hit or miss. */
int tlb_lookup(struct tlb *t, uint64_t vpn, uint16_t asid, uint64_t *data);
/* Insert (or overwrite) the entry for vpn/asid, choosing a victim by policy. */
void tlb_fill(struct tlb *t, uint64_t vpn, uint16_t asid, uint64_t data);
/* Flushes: everything; every entry of one ASID; one page of one ASID (vpn in
 * this array's page size).  Return the number of entries invalidated. */
uint64_t tlb_flush_all(struct tlb *t);
uint64_t tlb_flush_asid(struct tlb *t, uint16_t asid);
uint64_t tlb_flush_page(struct tlb *t, uint64_t vpn, uint16_t asid);

/* ---- the hierarchy -------------------------------------------------------- */

/* Counters of one process (or of the whole system). */
struct tlb_stats {
	uint64_t l1d_hits, l1d_misses;
	uint64_t l1i_hits, l1i_misses;
	uint64_t l2_hits, l2_misses;
};

struct tlb_config {
	struct tlb_geom l1d, l1i, l1d_2m, l2;
	enum tlb_policy policy;
	uint64_t seed;
};

/* L1 data (4 KiB and 2 MiB arrays), L1 instruction, unified L2 of one CPU. */
struct tlb_hier {
	struct tlb l1d;
	struct tlb l1d_2m;
	struct tlb l1i;
	struct tlb l2;       /* holds 4 KiB and 2 MiB entries (tag carries the size) */
	struct tlb_stats *st;/* where hits and misses are counted (current process) */
};

int tlb_hier_create(struct tlb_hier *h, const struct tlb_config *c);
void tlb_hier_destroy(struct tlb_hier *h);

/*
 * Look up the page containing `va` for an access of `kind` (ACC_READ,
 * ACC_WRITE or ACC_EXEC) in L1, then on an L1 miss in L2 (DESIGN 5b).
 * Returns 1 (L1 hit), 2 (L2 hit; the L1 has been filled) or 0 (miss in both:
 * the caller walks and calls tlb_hier_fill, or for identity translation
 * tlb_hier_fill_identity).  *data receives the entry on a hit.
 */
int tlb_hier_lookup(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid,
		    uint64_t *data);
/* After a successful walk: fill L2 and the L1 for `kind` with the translation
 * (4 KiB, or 2 MiB when data has TLBE_HUGE). */
void tlb_hier_fill(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid,
		   uint64_t data);
/* Shootdowns: return the number of entries invalidated across all arrays. */
uint64_t tlb_hier_flush_all(struct tlb_hier *h);
uint64_t tlb_hier_flush_asid(struct tlb_hier *h, uint16_t asid);
uint64_t tlb_hier_flush_page(struct tlb_hier *h, uint64_t va, uint16_t asid);

/* ---- paging-structure caches ----------------------------------------------
 * x86 PML4/PDPT/PDE caches and arm64 walk caches: per upper level, a small
 * set-associative cache from (va >> level_shift, asid) to the physical frame
 * of the next-level table, so a walk can start below the root. */
#define PWC_MAX_LEVELS 5
struct pwc {
	struct tlb lv[PWC_MAX_LEVELS]; /* lv[i] caches entries that point to a table
					  at level i+1 (0 = root's entries) */
	unsigned shift[PWC_MAX_LEVELS];/* va shift of the entries cached at lv[i] */
	unsigned nlevels;              /* upper levels cached */
	uint64_t hits, misses;
};
int pwc_create(struct pwc *p, unsigned nlevels, const unsigned *shifts,
	       struct tlb_geom g, uint64_t seed);
void pwc_destroy(struct pwc *p);
/* Deepest cached level for va/asid: returns the level index i (the walk may
 * start at table level i+1 with table frame *pfn), or -1. */
int pwc_lookup(struct pwc *p, uint64_t va, uint16_t asid, uint64_t *pfn);
void pwc_fill(struct pwc *p, unsigned level, uint64_t va, uint16_t asid, uint64_t pfn);
void pwc_flush_asid(struct pwc *p, uint16_t asid);
void pwc_flush_all(struct pwc *p);

#endif
