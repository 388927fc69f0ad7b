/*
 * tlb.c - one set-associative TLB array: geometry parsing, replacement
 * policies, lookup, fill and flushes (mirrors the role of QEMU cputlb.c's
 * per-MMU-index table and ChampSim's set-associative cache, as a functional
 * model only: no timing).
 *
 * Layout: entry idx = set * ways + way; tag[], data[] and stamp[] are
 * parallel arrays; a tag of 0 is an invalid entry.  Replacement is per set:
 *
 *   1. an invalid way is filled first, the lowest index first;
 *   2. otherwise the policy picks the victim:
 *      lru    the way with the smallest stamp; stamps come from a per-array
 *             clock that advances on every fill and every hit;
 *      fifo   the way with the smallest stamp; stamps advance on fills only
 *             (hits change nothing);
 *      plru   tree pseudo-LRU over ways (a power of two): ways-1 node bits
 *             per set, touched on every fill and hit (see tlb__plru_touch);
 *      random xorshift64 (13, 7, 17) of a state seeded by splitmix64(seed);
 *             the victim is the next output modulo ways.  The generator
 *             advances only when a full set needs a victim.
 *   A fill of a tag that is already present (tlb_fill only) overwrites it in
 *   place and counts as a fresh fill for the replacement state.
 *
 * Invariants:
 *   1. a valid entry has stamp >= 1; an invalid one has tag, data, stamp 0;
 *   2. nvalid / nhuge count the valid entries / those with TLBE_HUGE data;
 *   3. mru[2*set], when not 0, is the tag of the valid entry mru[2*set+1],
 *      the entry of that set filled or hit last (so a repeated hit on it
 *      needs no replacement update, see tlb__find); last_tag/last_idx, when
 *      last_tag is not 0, equal some set's mru pair.
 *
 * Simplified: no timing, no partial-tag or hashed set indexing, no per-entry
 * global bit (flush_asid removes every entry of that ASID).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "tlb_internal.h"

/* ---- geometry ------------------------------------------------------------ */

/* Parse decimal digits at *p into *v; returns 0, or -1 (no digits) or -2
 * (beyond TLB_MAX_ENTRIES, including overflow). */
static int parse_count(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x <= TLB_MAX_ENTRIES)
			x = x * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = x;
	return x > TLB_MAX_ENTRIES ? -2 : 0;
}

int tlb_geom_parse(const char *s, struct tlb_geom *g, char *why, size_t whylen)
{
	static const char eg[] = "expected ENTRIES:WAYS such as 64:4";
	uint64_t e, w;
	int rc;

	if (!s || !*s) {
		snprintf(why, whylen, "empty value; %s", eg);
		return -1;
	}
	rc = parse_count(&s, &e);
	if (rc == -1) {
		snprintf(why, whylen, "ENTRIES is not a decimal number; %s", eg);
		return -1;
	}
	if (rc == -2) {
		snprintf(why, whylen, "ENTRIES is too large (at most %u)", TLB_MAX_ENTRIES);
		return -1;
	}
	if (*s != ':') {
		snprintf(why, whylen, "missing ':WAYS'; %s (WAYS 0 = fully associative)", eg);
		return -1;
	}
	s++;
	rc = parse_count(&s, &w);
	if (rc == -1) {
		snprintf(why, whylen, "WAYS is not a decimal number; %s", eg);
		return -1;
	}
	if (rc == -2) {
		snprintf(why, whylen, "WAYS is too large (at most %u)", TLB_MAX_ENTRIES);
		return -1;
	}
	if (*s) {
		snprintf(why, whylen, "unexpected '%s' after WAYS; %s", s, eg);
		return -1;
	}
	if (e == 0) {
		snprintf(why, whylen, "ENTRIES must be at least 1");
		return -1;
	}
	if (w == 0)
		w = e;
	if (w > e) {
		snprintf(why, whylen, "%u ways is more than the %u entries", (unsigned)w,
			 (unsigned)e);
		return -1;
	}
	if (e % w) {
		snprintf(why, whylen, "%u entries is not a multiple of %u ways", (unsigned)e,
			 (unsigned)w);
		return -1;
	}
	g->entries = (uint32_t)e;
	g->ways = (uint32_t)w;
	return 0;
}

/* ---- create / destroy ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
	x += UINT64_C(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/*
 * Create an array of g.entries entries in g.entries/ways sets (ways 0 = fully
 * associative).  *t is overwritten.  Returns 0; SIM_EINPUT for a geometry
 * tlb_geom_parse would reject, page_shift >= 64, an unknown policy, or plru
 * with ways not a power of two; SIM_ENOMEM.  On failure *t is left zeroed,
 * so tlb_destroy(t) is harmless.
 */
int tlb_create(struct tlb *t, struct tlb_geom g, enum tlb_policy p,
	       unsigned page_shift, uint64_t seed)
{
	uint32_t ways = g.ways ? g.ways : g.entries;

	memset(t, 0, sizeof *t);
	if (g.entries == 0 || g.entries > TLB_MAX_ENTRIES || ways > g.entries ||
	    g.entries % ways || page_shift >= 64 || (unsigned)p > TLB_RANDOM)
		return SIM_EINPUT;
	if (p == TLB_PLRU && (ways & (ways - 1)))
		return SIM_EINPUT;
	t->ways = ways;
	t->sets = g.entries / ways;
	if (t->sets & (t->sets - 1))
		t->set_div = t->sets;
	else
		t->set_mask = t->sets - 1;
	t->page_shift = page_shift;
	t->policy = p;
	t->rng = splitmix64(seed);
	if (!t->rng)
		t->rng = 1;
	t->tag = calloc(g.entries, sizeof *t->tag);
	t->data = calloc(g.entries, sizeof *t->data);
	t->stamp = calloc(g.entries, sizeof *t->stamp);
	t->mru = calloc(2 * (size_t)t->sets, sizeof *t->mru);
	if (!t->tag || !t->data || !t->stamp || !t->mru)
		goto fail;
	if (p == TLB_PLRU) {
		t->plru_words = ways > 32 ? ways / 32 : 1;
		t->plru = calloc((size_t)t->sets * t->plru_words, sizeof *t->plru);
		if (!t->plru)
			goto fail;
	}
	return 0;
fail:
	tlb_destroy(t);
	return SIM_ENOMEM;
}

/* Free an array; a NULL pointer or a zeroed / destroyed array is a no-op.
 * Leaves *t zeroed. */
void tlb_destroy(struct tlb *t)
{
	if (!t)
		return;
	free(t->tag);
	free(t->data);
	free(t->stamp);
	free(t->plru);
	free(t->mru);
	memset(t, 0, sizeof *t);
}

/* ---- replacement --------------------------------------------------------- */

static uint32_t plru_victim(const struct tlb *t, uint32_t set)
{
	const uint32_t *b = t->plru + (size_t)set * t->plru_words;
	uint32_t node = 1, way = 0;
	for (uint32_t half = t->ways >> 1; half; half >>= 1) {
		uint32_t right = (b[node >> 5] >> (node & 31)) & 1;
		way |= right ? half : 0;
		node = 2 * node + right;
	}
	return way;
}

static uint32_t random_victim(struct tlb *t)
{
	uint64_t x = t->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	if (!(t->ways & (t->ways - 1)))
		return (uint32_t)(x & (t->ways - 1));
	return (uint32_t)(x % t->ways);
}

/* The way of `set` (entries from base) that the next fill replaces. */
static uint32_t victim(struct tlb *t, uint32_t set, uint32_t base)
{
	const uint64_t *tg = t->tag + base;
	uint32_t w;

	if (t->policy == TLB_LRU || t->policy == TLB_FIFO) {
		/* invariant 1: invalid ways have stamp 0 and win, lowest first */
		const uint64_t *st = t->stamp + base;
		uint64_t min = st[0];
		uint32_t v = 0;
		for (w = 1; w < t->ways; w++) {
			if (st[w] < min) {
				min = st[w];
				v = w;
			}
		}
		return v;
	}
	for (w = 0; w < t->ways; w++)
		if (!tg[w])
			return w;
	return t->policy == TLB_PLRU ? plru_victim(t, set) : random_victim(t);
}

/* Store tag/data at idx (a fresh fill for the replacement state). */
static void put_at(struct tlb *t, uint32_t set, uint32_t way, uint32_t idx, uint64_t tag,
		   uint64_t data)
{
	if (t->tag[idx]) {
		if (t->data[idx] & TLBE_HUGE)
			t->nhuge--;
	} else {
		t->nvalid++;
	}
	t->tag[idx] = tag;
	t->data[idx] = data;
	if (data & TLBE_HUGE)
		t->nhuge++;
	if (t->policy == TLB_LRU || t->policy == TLB_FIFO)
		t->stamp[idx] = ++t->clock;
	else if (t->policy == TLB_PLRU)
		tlb__plru_touch(t, set, way);
	tlb__set_mru(t, set, tag, idx);
}

void tlb__insert(struct tlb *t, uint64_t setvpn, uint64_t tag, uint64_t data)
{
	uint32_t set = tlb__set(t, setvpn), base = set * t->ways;
	uint32_t way = victim(t, set, base);
	put_at(t, set, way, base + way, tag, data);
}

void tlb__put(struct tlb *t, uint64_t setvpn, uint64_t tag, uint64_t data)
{
	uint32_t set = tlb__set(t, setvpn), base = set * t->ways;
	uint32_t way;

	for (way = 0; way < t->ways; way++)
		if (t->tag[base + way] == tag)
			break;
	if (way == t->ways)
		way = victim(t, set, base);
	put_at(t, set, way, base + way, tag, data);
}

/* ---- invalidation -------------------------------------------------------- */

static void kill_at(struct tlb *t, uint32_t idx)
{
	uint64_t *mru = t->mru + 2 * (size_t)(idx / t->ways);

	if (mru[0] == t->tag[idx])
		mru[0] = 0; /* invariant 3 */
	if (t->last_tag == t->tag[idx])
		t->last_tag = 0;
	if (t->data[idx] & TLBE_HUGE)
		t->nhuge--;
	t->nvalid--;
	t->tag[idx] = 0;
	t->data[idx] = 0;
	t->stamp[idx] = 0;
}

uint64_t tlb__kill_tag(struct tlb *t, uint64_t setvpn, uint64_t tag)
{
	if (!t->nvalid)
		return 0;
	uint32_t base = tlb__set(t, setvpn) * t->ways;
	for (uint32_t w = 0; w < t->ways; w++) {
		if (t->tag[base + w] == tag) {
			kill_at(t, base + w);
			return 1;
		}
	}
	return 0;
}

uint64_t tlb__kill_fragments(struct tlb *t, uint64_t vh, unsigned huge_bits, uint16_t asid)
{
	/* a tag keeps vpn bits 46..0, so compare block bits 46-huge_bits..0 */
	unsigned shift = 17 + huge_bits;
	uint64_t n = 0, want = vh & ((UINT64_C(1) << (64 - shift)) - 1);
	uint32_t total = t->sets * t->ways;

	for (uint32_t i = 0; t->nhuge && i < total; i++) {
		uint64_t tag = t->tag[i];
		if (tag && (t->data[i] & TLBE_HUGE) && (uint16_t)(tag >> 1) == asid &&
		    (tag >> shift) == want) {
			kill_at(t, i);
			n++;
		}
	}
	return n;
}

/*
 * Invalidate every entry.  Returns how many were valid.  Tree-PLRU bits are
 * reset too (they cannot matter before a set is full again, see rule 1).
 */
uint64_t tlb_flush_all(struct tlb *t)
{
	uint64_t n = t->nvalid;
	size_t total = (size_t)t->sets * t->ways;

	if (!t->tag)
		return 0;
	memset(t->tag, 0, total * sizeof *t->tag);
	memset(t->data, 0, total * sizeof *t->data);
	memset(t->stamp, 0, total * sizeof *t->stamp);
	memset(t->mru, 0, 2 * (size_t)t->sets * sizeof *t->mru);
	if (t->plru)
		memset(t->plru, 0, (size_t)t->sets * t->plru_words * sizeof *t->plru);
	t->nvalid = 0;
	t->nhuge = 0;
	t->last_tag = 0;
	return n;
}

/* Invalidate every entry tagged with `asid` (both page sizes).  Returns how
 * many. */
uint64_t tlb_flush_asid(struct tlb *t, uint16_t asid)
{
	uint64_t n = 0;
	uint32_t total = t->sets * t->ways;

	for (uint32_t i = 0; t->nvalid && i < total; i++) {
		if (t->tag[i] && (uint16_t)(t->tag[i] >> 1) == asid) {
			kill_at(t, i);
			n++;
		}
	}
	return n;
}

/* Invalidate the entry of page `vpn` (this array's page size) and `asid`.
 * Returns 1 if there was one, else 0. */
uint64_t tlb_flush_page(struct tlb *t, uint64_t vpn, uint16_t asid)
{
	return tlb__kill_tag(t, vpn, tlb__tag(vpn, asid));
}

/* ---- lookup and fill ----------------------------------------------------- */

/*
 * Look up page `vpn` of `asid`.  A hit returns 1, stores the data word in
 * *data (if data is not NULL), counts t->hits and updates the replacement
 * state (LRU stamp, PLRU bits); a miss returns 0 and counts t->misses.
 */
int tlb_lookup(struct tlb *t, uint64_t vpn, uint16_t asid, uint64_t *data)
{
	uint32_t idx = tlb__find(t, vpn, tlb__tag(vpn, asid));

	if (idx == TLB__NONE) {
		t->misses++;
		return 0;
	}
	t->hits++;
	if (data)
		*data = t->data[idx];
	return 1;
}

/*
 * Insert the entry for vpn/asid with `data`: an entry already present is
 * overwritten in place, otherwise an invalid way (lowest first) or the
 * policy's victim is replaced.  Either way the entry counts as just filled
 * (LRU and FIFO stamp it, PLRU touches it).  Counts nothing.
 */
void tlb_fill(struct tlb *t, uint64_t vpn, uint16_t asid, uint64_t data)
{
	tlb__put(t, vpn, tlb__tag(vpn, asid), data);
}
