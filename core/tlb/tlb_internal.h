/*
 * tlb_internal.h - helpers shared by the files of core/tlb/ (never installed,
 * not API: R8, R13).
 *
 * The arrays (tlb.c) export a few tag-level operations that the hierarchy
 * (tlb_hier.c) and the paging-structure caches (pwc.c) build on: they work on
 * a precomputed tag, so the hierarchy can keep 2 MiB entries (tagged with
 * TLB__TAG_HUGE and their 2 MiB page number) in a 4 KiB array.
 */
#ifndef MEMSIM_TLB_INTERNAL_H
#define MEMSIM_TLB_INTERNAL_H

#include "memsim/tlb.h"

/* Insert `tag` (known to be absent) into the set of page number `setvpn`,
 * evicting the policy's victim if the set is full.  The new entry is stamped
 * (LRU, FIFO) or touched (PLRU) and becomes the array's last-touched entry. */
void tlb__insert(struct tlb *t, uint64_t setvpn, uint64_t tag, uint64_t data);

/* Like tlb__insert, but if `tag` is present its data is overwritten in place
 * and the entry is stamped/touched as a fresh fill. */
void tlb__put(struct tlb *t, uint64_t setvpn, uint64_t tag, uint64_t data);

/* Invalidate `tag` in the set of `setvpn`; returns 1 if it was present. */
uint64_t tlb__kill_tag(struct tlb *t, uint64_t setvpn, uint64_t tag);

/* Invalidate every entry of `asid` whose data has TLBE_HUGE and whose page
 * lies in block `vh` = vpn >> huge_bits (fragments of a block translation
 * kept in a base-page array).  Returns the number invalidated; free when
 * t->nhuge == 0. */
uint64_t tlb__kill_fragments(struct tlb *t, uint64_t vh, unsigned huge_bits, uint16_t asid);

/* Seed for the array `k` of a group created from one user seed. */
static inline uint64_t tlb__subseed(uint64_t seed, unsigned k)
{
	return seed + (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15);
}

#endif
