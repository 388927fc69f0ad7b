/*
 * pwc.c - paging-structure caches: x86's PML4/PDPT/PDE caches (SDM vol. 3,
 * 4.10.3) and arm64's walk caches, as in ChampSim's PageTableWalker PSCL.
 *
 * Level i caches the entries of upper table level i that point to a table:
 * key (va >> shift[i], asid), value the frame of the next-level table.  Each
 * level is a struct tlb array (LRU) of the same geometry whose "page size"
 * is 1 << shift[i].  A lookup probes the deepest level first and stops at
 * the first hit, so only the levels probed are counted and touched.
 *
 * Simplified: no partial hits on permissions, no separate geometries per
 * level, no invalidation by address (callers flush by ASID or everything,
 * which is what x86 INVLPG / INVPCID and arm64 TLBI ASIDE1 do to these
 * caches anyway).
 */
#include <string.h>

#include "tlb_internal.h"

/*
 * Create `nlevels` (0..PWC_MAX_LEVELS) caches, level i keyed by
 * va >> shifts[i] (each < 64), each of geometry g with LRU replacement.
 * Returns 0, SIM_EINPUT (bad nlevels, shift or geometry) or SIM_ENOMEM; on
 * failure *p is zeroed.
 */
int pwc_create(struct pwc *p, unsigned nlevels, const unsigned *shifts,
	       struct tlb_geom g, uint64_t seed)
{
	int rc = 0;

	memset(p, 0, sizeof *p);
	if (nlevels > PWC_MAX_LEVELS)
		return SIM_EINPUT;
	for (unsigned i = 0; i < nlevels && !rc; i++) {
		p->shift[i] = shifts[i];
		rc = tlb_create(&p->lv[i], g, TLB_LRU, shifts[i], tlb__subseed(seed, i));
	}
	if (rc) {
		pwc_destroy(p);
		return rc;
	}
	p->nlevels = nlevels;
	return 0;
}

/* Free every level; a zeroed pwc is a no-op.  Leaves *p zeroed. */
void pwc_destroy(struct pwc *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < PWC_MAX_LEVELS; i++)
		tlb_destroy(&p->lv[i]);
	memset(p, 0, sizeof *p);
}

/*
 * Find the deepest level i that caches the table entry for va/asid: returns
 * i and the next-level table's frame in *pfn (may be NULL), or -1.  Counts
 * p->hits or p->misses once, and each probed level's own hits/misses.
 */
int pwc_lookup(struct pwc *p, uint64_t va, uint16_t asid, uint64_t *pfn)
{
	uint64_t d;

	for (int i = (int)p->nlevels - 1; i >= 0; i--) {
		if (tlb_lookup(&p->lv[i], va >> p->shift[i], asid, &d)) {
			p->hits++;
			if (pfn)
				*pfn = d >> 12;
			return i;
		}
	}
	p->misses++;
	return -1;
}

/* Cache at `level` (< nlevels, else ignored) that va/asid's entry points to
 * the table in frame pfn; an existing entry is overwritten. */
void pwc_fill(struct pwc *p, unsigned level, uint64_t va, uint16_t asid, uint64_t pfn)
{
	if (level >= p->nlevels)
		return;
	tlb_fill(&p->lv[level], va >> p->shift[level], asid, pfn << 12);
}

/* Forget every entry of `asid` at every level. */
void pwc_flush_asid(struct pwc *p, uint16_t asid)
{
	for (unsigned i = 0; i < p->nlevels; i++)
		tlb_flush_asid(&p->lv[i], asid);
}

/* Forget everything. */
void pwc_flush_all(struct pwc *p)
{
	for (unsigned i = 0; i < p->nlevels; i++)
		tlb_flush_all(&p->lv[i]);
}
