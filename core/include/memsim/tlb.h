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
	uint32_t *plru;     /* [sets*plru_words]: tree-PLRU bits (ways must be a power
			       of two); NULL unless policy is TLB_PLRU */
	uint32_t sets;      /* number of sets (entries / ways) */
	uint32_t ways;      /* associativity */
	uint32_t set_mask;  /* sets - 1 when sets is a power of two, else 0 */
	uint32_t page_shift;/* 12 for 4 KiB entries, 21 for 2 MiB entries */
	enum tlb_policy policy;
	uint64_t clock;     /* stamp source */
	uint64_t rng;       /* xorshift64 state for TLB_RANDOM */
	uint64_t hits;      /* lookups that hit */
	uint64_t misses;    /* lookups that missed */
	/* ---- added by core/tlb (internal state; read-only for callers) ---- */
	uint64_t *mru;      /* [2*sets]: per set, the tag (0 = none) and index of
			       the entry the set filled or hit last */
	uint64_t last_tag;  /* copy of the mru tag of the set used last (0 = none) */
	uint32_t last_idx;  /* its index in tag[] */
	uint32_t set_div;   /* sets when sets is not a power of two (set = vpn % sets),
			       0 when it is (set = vpn & set_mask) */
	uint32_t plru_words;/* 32-bit words of tree bits per set in plru[] */
	uint32_t nvalid;    /* valid entries */
	uint32_t nhuge;     /* valid entries whose data has TLBE_HUGE */
};

/* Geometry as given by config ("64:4"): ways 0 or ways == entries means
 * fully associative.  entries must be > 0 and a multiple of ways. */
struct tlb_geom {
	uint32_t entries;
	uint32_t ways;
};

/* Largest number of entries one array may have. */
#define TLB_MAX_ENTRIES (UINT32_C(1) << 24)

/* Parse "ENTRIES:WAYS" (decimal, nothing else around them); 0 on success with
 * ways normalised (0 becomes entries), -1 with a reason in why[] otherwise
 * (*g untouched).  Rejected: empty or non-numeric fields, a missing ":WAYS",
 * 0 entries, more than TLB_MAX_ENTRIES, more ways than entries, entries not
 * a multiple of ways. */
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
	unsigned page_shift; /* base page: 0 or 12 = 4 KiB; 14 (16K), 16 (64K) for
				arm64 granules.  The "2 MiB" entries are then the
				next level's blocks: 32 MiB, 512 MiB. */
};

/* L1 data (4 KiB and 2 MiB arrays), L1 instruction, unified L2 of one CPU.
 * "4 KiB" and "2 MiB" stand for the base page and the block one level up
 * (tlb_config.page_shift); every va -> page computation uses page_shift.
 * In a hierarchy each array's hits/misses count the lookups of its level as
 * 5b defines them: l1d counts every L1 data lookup (a hit in either data
 * array is an l1d hit), l1i every instruction lookup, l2 every L2 lookup
 * (4 KiB or 2 MiB entry); l1d_2m counts the L1 data lookups that missed the
 * 4 KiB array (so l1d_2m.misses == l1d.misses).  The same events go to
 * *st when st is not NULL.  A zero-entry l1d_2m geometry means no 2 MiB L1
 * array: 2 MiB translations then reach the L1 as 4 KiB fragments. */
struct tlb_hier {
	struct tlb l1d;
	struct tlb l1d_2m;
	struct tlb l1i;
	struct tlb l2;       /* holds 4 KiB and 2 MiB entries (tag carries the size) */
	struct tlb_stats *st;/* where hits and misses are counted (current process) */
	unsigned page_shift; /* base page size: 12, 14 or 16 */
	unsigned huge_bits;  /* block = page << huge_bits: 9, 11 or 13 */
};

/* Create the arrays of `c` (all with c->policy; l1d_2m of 0 entries = none);
 * h->st starts NULL.  Returns 0, SIM_EINPUT (a geometry, plru with ways not a
 * power of two, page_shift) or SIM_ENOMEM, leaving *h zeroed on failure.
 * destroy frees them; a zeroed hierarchy is a no-op. */
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
/* tlb_hier_fill with identity data: frame == page, TLBE_WRITE|EXEC|USER. */
void tlb_hier_fill_identity(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid);
/* Shootdowns: return the number of entries invalidated across all arrays. */
uint64_t tlb_hier_flush_all(struct tlb_hier *h);
uint64_t tlb_hier_flush_asid(struct tlb_hier *h, uint16_t asid);
uint64_t tlb_hier_flush_page(struct tlb_hier *h, uint64_t va, uint16_t asid);

/*
 * Identity translation for `memsim replay --mode tlb` (defined inline below):
 * look up every (4 KiB) page that [va, va + size) touches, in ascending order
 * (size 0 counts as 1; a range that would pass 2^64 stops at the last page),
 * with the same L1/L2 counting as tlb_hier_lookup, and on a miss in both
 * levels fill L2 and L1 with pfn == vpn and TLBE_WRITE|TLBE_EXEC|TLBE_USER.
 * Returns the number of pages that missed in both levels (the walks a real
 * MMU would have made).  No allocation; no division on power-of-two sets.
 */
static inline unsigned tlb_hier_access(struct tlb_hier *h, unsigned kind, uint64_t va,
				       uint64_t size, uint16_t asid);

/* tlb_hier_access for each of `n` packed access words (memsim/trace.h: the
 * word's kind, address and size); returns the total of the walks. */
uint64_t tlb_hier_access_words(struct tlb_hier *h, const uint64_t *acc, size_t n,
			       uint16_t asid);

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
/* nlevels (<= PWC_MAX_LEVELS) caches of geometry g, LRU, level i keyed by
 * va >> shifts[i].  Returns 0, SIM_EINPUT or SIM_ENOMEM (*p zeroed).
 * destroy of a zeroed pwc is a no-op. */
int pwc_create(struct pwc *p, unsigned nlevels, const unsigned *shifts,
	       struct tlb_geom g, uint64_t seed);
void pwc_destroy(struct pwc *p);
/* Deepest cached level for va/asid: returns the level index i (the walk may
 * start at table level i+1 with table frame *pfn), or -1. */
int pwc_lookup(struct pwc *p, uint64_t va, uint16_t asid, uint64_t *pfn);
/* Cache at `level` that va's entry points to the table in frame pfn
 * (overwrites; a level >= nlevels is ignored). */
void pwc_fill(struct pwc *p, unsigned level, uint64_t va, uint16_t asid, uint64_t pfn);
/* Forget every entry of one ASID / everything, at every level. */
void pwc_flush_asid(struct pwc *p, uint16_t asid);
void pwc_flush_all(struct pwc *p);

/* ---- inline hot path (R13) ------------------------------------------------
 * Everything below is internal to core/tlb (the `tlb__` prefix, R8); it sits
 * in the header only so that tlb_hier_access and its callers can inline it.
 *
 * A 2 MiB translation held by an array of 4 KiB pages (the unified L2) is
 * tagged with its 2 MiB page number and TLB__TAG_HUGE (bit 63) set, so the
 * tag carries the size.  Tags keep vpn bits 46..0: exact for every VA below
 * 2^59 and for canonical x86/arm64 addresses. */
#define TLB__TAG_HUGE (UINT64_C(1) << 63)
#define TLB__NONE UINT32_MAX

static inline uint64_t tlb__tag(uint64_t vpn, uint16_t asid)
{
	return (vpn << 17) | ((uint64_t)asid << 1) | 1;
}

static inline uint32_t tlb__set(const struct tlb *t, uint64_t vpn)
{
	if (t->set_div)
		return (uint32_t)(vpn % t->set_div);
	return (uint32_t)vpn & t->set_mask;
}

/* Tree-PLRU: node n (heap numbering, root 1) is bit n of the set's words;
 * 1 = the victim is in the right half.  Touching a way points every node on
 * its path away from it. */
static inline void tlb__plru_touch(struct tlb *t, uint32_t set, uint32_t way)
{
	uint32_t *b = t->plru + (size_t)set * t->plru_words;
	uint32_t node = 1;
	for (uint32_t half = t->ways >> 1; half; half >>= 1) {
		uint32_t right = (way & half) != 0;
		if (right)
			b[node >> 5] &= ~(UINT32_C(1) << (node & 31));
		else
			b[node >> 5] |= UINT32_C(1) << (node & 31);
		node = 2 * node + right;
	}
}

/* Remember entry idx of `set` as the set's (and the array's) last used. */
static inline void tlb__set_mru(struct tlb *t, uint32_t set, uint64_t tag, uint32_t idx)
{
	t->mru[2 * (size_t)set] = tag;
	t->mru[2 * (size_t)set + 1] = idx;
	t->last_tag = tag;
	t->last_idx = idx;
}

/* A hit on entry idx (set, way): update the replacement state. */
static inline void tlb__touch(struct tlb *t, uint32_t set, uint32_t way, uint32_t idx,
			      uint64_t tag)
{
	if (t->policy == TLB_LRU)
		t->stamp[idx] = ++t->clock;
	else if (t->policy == TLB_PLRU)
		tlb__plru_touch(t, set, way);
	tlb__set_mru(t, set, tag, idx);
}

/* Scan `set` for `tag` and on a hit touch it; returns the index or TLB__NONE.
 * A tag is in a set at most once, so every way is compared without an early
 * exit (no mispredicted loop exit). */
static inline uint32_t tlb__scan(struct tlb *t, uint32_t set, uint64_t tag)
{
	uint32_t base = set * t->ways, way;
	const uint64_t *tg = t->tag + base;
	uint64_t m = 0;

	if (t->ways <= 64) {
		for (uint32_t w = 0; w < t->ways; w++)
			m |= (uint64_t)(tg[w] == tag) << w;
		if (!m)
			return TLB__NONE;
		way = (uint32_t)__builtin_ctzll(m);
	} else {
		for (way = 0; way < t->ways && tg[way] != tag; way++)
			;
		if (way == t->ways)
			return TLB__NONE;
	}
	tlb__touch(t, set, way, base + way, tag);
	return base + way;
}

/*
 * Find `tag` in the set of page number `setvpn` and on a hit touch it; returns
 * the entry index or TLB__NONE.  Counts nothing.  The entry a set filled or
 * hit last is found without a scan and without a touch: touching it again
 * cannot change the order of its set (it is already the most recent under
 * LRU, its tree path already points away from it under PLRU, and FIFO and
 * random ignore hits).  last_tag skips even the set computation.
 */
static inline uint32_t tlb__find(struct tlb *t, uint64_t setvpn, uint64_t tag)
{
	if (tag == t->last_tag)
		return t->last_idx;
	uint32_t set = tlb__set(t, setvpn);
	const uint64_t *mru = t->mru + 2 * (size_t)set;
	if (mru[0] == tag) {
		t->last_tag = tag;
		t->last_idx = (uint32_t)mru[1];
		return t->last_idx;
	}
	return tlb__scan(t, set, tag);
}

/* Forced inlining for the few lines of the tlb-mode hit path (R13). */
#if defined(__GNUC__)
#define TLB__HOT static inline __attribute__((always_inline))
#else
#define TLB__HOT static inline
#endif

/* The rest of one page of tlb_hier_access once the L1 array's last-used
 * entries missed (core/tlb/tlb_hier.c): the set scan, then on an L1 miss the
 * l1d_2m array and the L2, with 5b's counting and fills.  Returns 1 if the
 * page missed L2 as well. */
unsigned tlb__hier_page_slow(struct tlb_hier *h, int exec, uint64_t vpn, uint16_t asid);

/* tlb_hier_access for a range that is empty or spans pages (tlb_hier.c). */
unsigned tlb__hier_access_range(struct tlb_hier *h, unsigned kind, uint64_t va,
				uint64_t size, uint16_t asid);

/* The L1 array's last-used probe: 1 (and l1->last_* set) when `tag` is the
 * entry the array or the set of `vpn` used last. */
TLB__HOT int tlb__probe_last(struct tlb *l1, uint64_t vpn, uint64_t tag)
{
	if (tag != l1->last_tag) {
		const uint64_t *mru = l1->mru + 2 * (size_t)tlb__set(l1, vpn);
		if (mru[0] != tag)
			return 0;
		l1->last_tag = tag;
		l1->last_idx = (uint32_t)mru[1];
	}
	return 1;
}

/* Count one L1 hit in the array and the current process's counters. */
TLB__HOT void tlb__count_l1_hit(struct tlb_hier *h, struct tlb *l1, int exec)
{
	l1->hits++;
	if (h->st) {
		if (exec)
			h->st->l1i_hits++;
		else
			h->st->l1d_hits++;
	}
}

/* One page of tlb_hier_access: a hit on the entry the L1 array or the page's
 * set used last is inline (the common case); everything else is not. */
TLB__HOT unsigned tlb__hier_page_ident(struct tlb_hier *h, int exec, uint64_t vpn,
				       uint16_t asid)
{
	struct tlb *l1 = exec ? &h->l1i : &h->l1d;

	if (!tlb__probe_last(l1, vpn, tlb__tag(vpn, asid)))
		return tlb__hier_page_slow(h, exec, vpn, asid);
	tlb__count_l1_hit(h, l1, exec);
	return 0;
}

/* The first probe of tlb_hier_lookup, inline for the full-mode hit path:
 * the entry the L1 array (or the page's set) used last.  Returns 1 with
 * *data and the hit counted exactly as tlb_hier_lookup counts it, or 0
 * having counted nothing (the caller then calls tlb_hier_lookup). */
TLB__HOT int tlb_hier_lookup_fast(struct tlb_hier *h, unsigned kind, uint64_t va,
				  uint16_t asid, uint64_t *data)
{
	int exec = kind == ACC_EXEC;
	struct tlb *l1 = exec ? &h->l1i : &h->l1d;
	uint64_t vpn = va >> h->page_shift;

	if (!tlb__probe_last(l1, vpn, tlb__tag(vpn, asid)))
		return 0;
	*data = l1->data[l1->last_idx];
	tlb__count_l1_hit(h, l1, exec);
	return 1;
}

TLB__HOT unsigned tlb_hier_access(struct tlb_hier *h, unsigned kind, uint64_t va,
				  uint64_t size, uint16_t asid)
{
	unsigned shift = h->page_shift;
	uint64_t psize = UINT64_C(1) << shift;

	/* one page: 1 <= size <= bytes left in va's page (size 0 wraps) */
	if (size - 1 < psize - (va & (psize - 1)))
		return tlb__hier_page_ident(h, kind == ACC_EXEC, va >> shift, asid);
	return tlb__hier_access_range(h, kind, va, size, asid);
}

#endif
