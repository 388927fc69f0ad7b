/*
 * tlb_hier.c - the L1 data / L1 instruction / unified L2 TLB hierarchy of one
 * CPU, counting exactly as DESIGN.md section 5b says (the contract checked by
 * an independent reference model):
 *
 *   lookup(page):  L1 = l1i for X, l1d (4 KiB, then 2 MiB array) for R/W
 *     L1 hit  -> count L1 hit; done                              (returns 1)
 *     L1 miss -> count L1 miss; look up L2 (4 KiB tag, then 2 MiB tag)
 *       L2 hit  -> count L2 hit; fill the L1 from the L2 entry    (returns 2)
 *       L2 miss -> count L2 miss; the caller walks, then fills L2 and L1
 *                  (tlb_hier_fill; identity data in tlb mode)     (returns 0)
 *
 * Neither level is inclusive: an L2 eviction leaves the L1 alone and an L1
 * hit never touches the L2.  A 2 MiB translation lives in the L2 under a
 * 2 MiB tag and in the L1 in l1d_2m (data side) or, for instruction fetches
 * or without an l1d_2m array, as a 4 KiB "fragment" entry of the L1 array
 * that carries the 2 MiB data word (TLBE_HUGE, base frame) unchanged.
 *
 * Page sizes: "4 KiB" is the base page of tlb_config.page_shift (12, or 14
 * and 16 for arm64's 16K and 64K granules) and "2 MiB" the block one table
 * level up (huge_bits = page_shift - 3 more bits: 2 MiB, 32 MiB, 512 MiB).
 *
 * Simplified: one page size per L1 lookup order (the 4 KiB array is looked
 * up first; hardware probes both in parallel, which only matters if a page
 * is cached in both, which the callers' flushes prevent); no 1 GiB pages.
 */
#include <string.h>

#include <memsim/trace.h>

#include "tlb_internal.h"

#define IDENT_FLAGS (TLBE_WRITE | TLBE_EXEC | TLBE_USER)

/*
 * Create the four arrays of `c`, all with c->policy; array k (l1d, l1i,
 * l1d_2m, l2) is seeded from c->seed and k.  An l1d_2m of 0 entries means no
 * 2 MiB L1 array.  h->st starts NULL.  Returns 0, SIM_EINPUT (page_shift not
 * 0, 12, 14 or 16) or the first failing tlb_create's code (SIM_EINPUT,
 * SIM_ENOMEM) with *h zeroed.
 */
int tlb_hier_create(struct tlb_hier *h, const struct tlb_config *c)
{
	unsigned ps = c->page_shift ? c->page_shift : 12;
	int rc;

	memset(h, 0, sizeof *h);
	if (ps != 12 && ps != 14 && ps != 16)
		return SIM_EINPUT;
	h->page_shift = ps;
	h->huge_bits = ps - 3; /* 8-byte descriptors: a table has 2^(ps-3) */
	rc = tlb_create(&h->l1d, c->l1d, c->policy, ps, tlb__subseed(c->seed, 0));
	if (!rc)
		rc = tlb_create(&h->l1i, c->l1i, c->policy, ps, tlb__subseed(c->seed, 1));
	if (!rc && c->l1d_2m.entries)
		rc = tlb_create(&h->l1d_2m, c->l1d_2m, c->policy, ps + h->huge_bits,
				tlb__subseed(c->seed, 2));
	if (!rc)
		rc = tlb_create(&h->l2, c->l2, c->policy, ps, tlb__subseed(c->seed, 3));
	if (rc)
		tlb_hier_destroy(h);
	return rc;
}

/* Free the arrays; a zeroed hierarchy is a no-op.  Leaves *h zeroed. */
void tlb_hier_destroy(struct tlb_hier *h)
{
	if (!h)
		return;
	tlb_destroy(&h->l1d);
	tlb_destroy(&h->l1i);
	tlb_destroy(&h->l1d_2m);
	tlb_destroy(&h->l2);
	h->st = NULL;
}

/* ---- counting ------------------------------------------------------------ */

static void count_l1(struct tlb_hier *h, int exec, int hit)
{
	struct tlb *l1 = exec ? &h->l1i : &h->l1d;
	struct tlb_stats *st = h->st;

	if (hit)
		l1->hits++;
	else
		l1->misses++;
	if (!st)
		return;
	if (exec)
		*(hit ? &st->l1i_hits : &st->l1i_misses) += 1;
	else
		*(hit ? &st->l1d_hits : &st->l1d_misses) += 1;
}

static void count_l2(struct tlb_hier *h, int hit)
{
	if (hit)
		h->l2.hits++;
	else
		h->l2.misses++;
	if (h->st)
		*(hit ? &h->st->l2_hits : &h->st->l2_misses) += 1;
}

/* ---- lookup -------------------------------------------------------------- */

/* Fill the L1 of an access (exec or data) for 4 KiB page vpn with `data`;
 * `fresh`: the entry is known to be absent (it just missed). */
static void fill_l1(struct tlb_hier *h, int exec, uint64_t vpn, uint16_t asid,
		    uint64_t data, int fresh)
{
	struct tlb *t = exec ? &h->l1i : &h->l1d;

	if ((data & TLBE_HUGE) && !exec && h->l1d_2m.tag) {
		t = &h->l1d_2m;
		vpn >>= h->huge_bits;
	}
	if (fresh)
		tlb__insert(t, vpn, tlb__tag(vpn, asid), data);
	else
		tlb__put(t, vpn, tlb__tag(vpn, asid), data);
}

/* Look up the L2 for 4 KiB page vpn: its 4 KiB entry, else (if the L2 holds
 * any) the 2 MiB entry covering it.  Returns the index or TLB__NONE. */
static uint32_t find_l2(struct tlb_hier *h, uint64_t vpn, uint16_t asid)
{
	uint32_t i = tlb__find(&h->l2, vpn, tlb__tag(vpn, asid));

	if (i == TLB__NONE && h->l2.nhuge) {
		uint64_t vh = vpn >> h->huge_bits;
		i = tlb__find(&h->l2, vh, tlb__tag(vh, asid) | TLB__TAG_HUGE);
	}
	return i;
}

/*
 * The rest of a lookup once the L1 4 KiB array (l1i or l1d) has missed:
 * the l1d_2m array (data side), then the L2 as 5b says.  Returns 1 (hit in
 * l1d_2m), 2 (L2 hit, L1 filled) or 0 (miss in both), with *data on a hit.
 */
static int after_l1_miss(struct tlb_hier *h, int exec, uint64_t vpn, uint16_t asid,
			 uint64_t *data)
{
	struct tlb *m2 = &h->l1d_2m;
	uint32_t i;

	if (!exec && m2->tag) {
		uint64_t vh = vpn >> h->huge_bits;
		if (m2->nvalid && (i = tlb__find(m2, vh, tlb__tag(vh, asid))) != TLB__NONE) {
			m2->hits++;
			count_l1(h, 0, 1);
			*data = m2->data[i];
			return 1;
		}
		m2->misses++;
	}
	count_l1(h, exec, 0);
	i = find_l2(h, vpn, asid);
	if (i == TLB__NONE) {
		count_l2(h, 0);
		return 0;
	}
	count_l2(h, 1);
	*data = h->l2.data[i];
	fill_l1(h, exec, vpn, asid, *data, 1);
	return 2;
}

/*
 * Look up the 4 KiB page of `va` for an access of `kind` (DESIGN 5b), count
 * it in the arrays and in h->st, and on an L2 hit fill the L1.  Returns 1
 * (L1 hit), 2 (L2 hit) or 0 (miss in both: nothing was filled); *data (may
 * be NULL) receives the entry's data word on a hit.  A 2 MiB entry's data
 * word carries TLBE_HUGE and the frame of the 2 MiB page's first 4 KiB.
 */
int tlb_hier_lookup(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid,
		    uint64_t *data)
{
	int exec = kind == ACC_EXEC;
	struct tlb *l1 = exec ? &h->l1i : &h->l1d;
	uint64_t vpn = va >> h->page_shift, d = 0;
	uint32_t i = tlb__find(l1, vpn, tlb__tag(vpn, asid));
	int rc;

	if (i != TLB__NONE) {
		count_l1(h, exec, 1);
		d = l1->data[i];
		rc = 1;
	} else {
		rc = after_l1_miss(h, exec, vpn, asid, &d);
	}
	if (data)
		*data = d;
	return rc;
}

/*
 * After a successful walk for `va`: fill the L2 and the L1 of `kind` with
 * `data` (a 2 MiB translation when data has TLBE_HUGE: then pfn is the 2 MiB
 * page's first frame).  Present entries are overwritten in place.  Counts
 * nothing.
 */
void tlb_hier_fill(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid,
		   uint64_t data)
{
	uint64_t vpn = va >> h->page_shift, vh = vpn >> h->huge_bits;

	if (data & TLBE_HUGE)
		tlb__put(&h->l2, vh, tlb__tag(vh, asid) | TLB__TAG_HUGE, data);
	else
		tlb__put(&h->l2, vpn, tlb__tag(vpn, asid), data);
	fill_l1(h, kind == ACC_EXEC, vpn, asid, data, 0);
}

/* tlb_hier_fill with identity data (the page's own frame). */
void tlb_hier_fill_identity(struct tlb_hier *h, unsigned kind, uint64_t va, uint16_t asid)
{
	uint64_t pa = va >> h->page_shift << h->page_shift;
	tlb_hier_fill(h, kind, va, asid, pa | IDENT_FLAGS);
}

/* The out-of-line part of one page of tlb_hier_access (memsim/tlb.h). */
unsigned tlb__hier_page_slow(struct tlb_hier *h, int exec, uint64_t vpn, uint16_t asid)
{
	struct tlb *l1 = exec ? &h->l1i : &h->l1d;
	uint64_t tag = tlb__tag(vpn, asid), d;

	if (tlb__scan(l1, tlb__set(l1, vpn), tag) != TLB__NONE) {
		count_l1(h, exec, 1);
		return 0;
	}
	if (after_l1_miss(h, exec, vpn, asid, &d))
		return 0;
	d = (vpn << h->page_shift) | IDENT_FLAGS;
	tlb__insert(&h->l2, vpn, tlb__tag(vpn, asid), d);
	fill_l1(h, exec, vpn, asid, d, 1);
	return 1;
}

/* tlb_hier_access for an empty range (one page) or one that spans pages:
 * every page in ascending order, stopping at the top of the address space. */
unsigned tlb__hier_access_range(struct tlb_hier *h, unsigned kind, uint64_t va,
				uint64_t size, uint16_t asid)
{
	uint64_t end = va + (size ? size - 1 : 0);
	uint64_t vpn = va >> h->page_shift, last;
	unsigned walks = 0;
	int exec = kind == ACC_EXEC;

	if (end < va)
		end = UINT64_MAX;
	last = end >> h->page_shift;
	for (;;) {
		walks += tlb__hier_page_ident(h, exec, vpn, asid);
		if (vpn == last)
			return walks;
		vpn++;
	}
}

/*
 * tlb_hier_access over a run of packed access words (memsim/trace.h), the
 * inner loop of `memsim replay --mode tlb`.  The same lookups, fills and
 * counts as calling tlb_hier_access per word; the L1 hits that the last-used
 * probe satisfies are counted in registers and added once at the end (the
 * slow paths count their own), so the hot path does no stores at all.
 */
uint64_t tlb_hier_access_words(struct tlb_hier *h, const uint64_t *acc, size_t n,
			       uint16_t asid)
{
	unsigned shift = h->page_shift;
	uint64_t pmask = (UINT64_C(1) << shift) - 1, walks = 0, hd = 0, hi = 0;
	uint64_t atag = (uint64_t)asid << 1 | 1;
	uint64_t last_d = h->l1d.last_tag, last_i = h->l1i.last_tag;

	for (size_t i = 0; i < n; i++) {
		uint64_t w = acc[i], va = tacc_addr(w), vpn = va >> shift;
		uint64_t exec = tacc_kind(w) == ACC_EXEC, tag = vpn << 17 | atag;

		if (tag == (exec ? last_i : last_d) && (va & pmask) + tacc_size(w) - 1 <= pmask) {
			hi += exec;
			hd += exec ^ 1;
			continue;
		}
		if ((va & pmask) + tacc_size(w) - 1 > pmask) {
			walks += tlb__hier_access_range(h, tacc_kind(w), va, tacc_size(w), asid);
		} else if (tlb__probe_last(exec ? &h->l1i : &h->l1d, vpn, tag)) {
			hi += exec;
			hd += exec ^ 1;
		} else {
			walks += tlb__hier_page_slow(h, (int)exec, vpn, asid);
		}
		last_d = h->l1d.last_tag;
		last_i = h->l1i.last_tag;
	}
	h->l1d.hits += hd;
	h->l1i.hits += hi;
	if (h->st) {
		h->st->l1d_hits += hd;
		h->st->l1i_hits += hi;
	}
	return walks;
}

/* ---- shootdowns ------------------------------------------------------------ */

/* Invalidate everything in all arrays; returns the number of entries. */
uint64_t tlb_hier_flush_all(struct tlb_hier *h)
{
	return tlb_flush_all(&h->l1d) + tlb_flush_all(&h->l1i) +
	       tlb_flush_all(&h->l1d_2m) + tlb_flush_all(&h->l2);
}

/* Invalidate every entry of `asid` in all arrays; returns how many. */
uint64_t tlb_hier_flush_asid(struct tlb_hier *h, uint16_t asid)
{
	return tlb_flush_asid(&h->l1d, asid) + tlb_flush_asid(&h->l1i, asid) +
	       tlb_flush_asid(&h->l1d_2m, asid) + tlb_flush_asid(&h->l2, asid);
}

/*
 * Invalidate every entry that translates `va` for `asid` (as INVLPG does):
 * its 4 KiB entries, a 2 MiB entry covering it (l1d_2m, L2) and the L1
 * fragments of such a 2 MiB translation.  Returns how many entries.
 */
uint64_t tlb_hier_flush_page(struct tlb_hier *h, uint64_t va, uint16_t asid)
{
	unsigned hb = h->huge_bits;
	uint64_t vpn = va >> h->page_shift, vh = vpn >> hb, n = 0;
	uint64_t tag = tlb__tag(vpn, asid);

	n += tlb__kill_tag(&h->l1d, vpn, tag) + tlb__kill_fragments(&h->l1d, vh, hb, asid);
	n += tlb__kill_tag(&h->l1i, vpn, tag) + tlb__kill_fragments(&h->l1i, vh, hb, asid);
	n += tlb__kill_tag(&h->l1d_2m, vh, tlb__tag(vh, asid));
	n += tlb__kill_tag(&h->l2, vpn, tag);
	if (h->l2.nhuge)
		n += tlb__kill_tag(&h->l2, vh, tlb__tag(vh, asid) | TLB__TAG_HUGE);
	return n;
}
