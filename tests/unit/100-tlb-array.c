/*
 * 100-tlb-array.c - one TLB array (core/tlb/tlb.c): set indexing, the four
 * replacement policies with victim sequences worked out by hand, ASID
 * isolation, flushes and counters.
 */
#include <stdlib.h>

#include "memsim/tlb.h"
#include "t.h"

#define A 1 /* the ASID used unless a test says otherwise */

/* Index in tag[] of vpn/asid, or -1. */
static long where(const struct tlb *t, uint64_t vpn, uint16_t asid)
{
	uint64_t tag = tlb__tag(vpn, asid);
	for (uint32_t i = 0; i < t->sets * t->ways; i++)
		if (t->tag[i] == tag)
			return (long)i;
	return -1;
}

static int has(const struct tlb *t, uint64_t vpn) { return where(t, vpn, A) >= 0; }

static void mk(struct tlb *t, uint32_t e, uint32_t w, enum tlb_policy p)
{
	int rc = tlb_create(t, (struct tlb_geom){ e, w }, p, 12, 42);
	CHECK_EQ(rc, 0);
}

static void fill(struct tlb *t, uint64_t vpn) { tlb_fill(t, vpn, A, vpn << 12); }
static int hit(struct tlb *t, uint64_t vpn) { return tlb_lookup(t, vpn, A, NULL); }

/* ---- indexing ------------------------------------------------------------ */

static void tlb_should_index_power_of_two_sets_by_mask(void)
{
	struct tlb t;
	mk(&t, 1536, 12, TLB_LRU);
	CHECK_EQ(t.sets, 128);
	CHECK_EQ(t.set_mask, 127);
	CHECK_EQ(t.set_div, 0);
	fill(&t, 128 * 7 + 5);
	CHECK(where(&t, 128 * 7 + 5, A) >= 5 * 12 && where(&t, 128 * 7 + 5, A) < 6 * 12);
	tlb_destroy(&t);

	mk(&t, 48, 12, TLB_LRU);
	CHECK_EQ(t.sets, 4);
	fill(&t, 0x12347); /* 0x12347 & 3 == 3 */
	CHECK_EQ(where(&t, 0x12347, A), 3 * 12);
	tlb_destroy(&t);
}

static void tlb_should_index_other_sets_by_modulo(void)
{
	struct tlb t;
	mk(&t, 24, 8, TLB_LRU); /* 3 sets */
	CHECK_EQ(t.sets, 3);
	CHECK_EQ(t.set_div, 3);
	fill(&t, 7); /* set 1 */
	CHECK_EQ(where(&t, 7, A), 8);
	fill(&t, 0x100000005ull); /* 4294967301 % 3 == 0 */
	CHECK_EQ(where(&t, 0x100000005ull, A), 0);
	fill(&t, 11); /* set 2 */
	CHECK_EQ(where(&t, 11, A), 16);
	/* nine pages of set 0: the ninth evicts the least recent of set 0 */
	for (uint64_t v = 3; v <= 24; v += 3)
		fill(&t, v);
	CHECK(!has(&t, 0x100000005ull));
	CHECK(has(&t, 3) && has(&t, 24));
	CHECK(has(&t, 7) && has(&t, 11)); /* other sets untouched */
	tlb_destroy(&t);

	mk(&t, 1536, 16, TLB_LRU); /* 96 sets */
	CHECK_EQ(t.sets, 96);
	fill(&t, 96 * 1000 + 95);
	CHECK_EQ(where(&t, 96 * 1000 + 95, A) / 16, 95);
	tlb_destroy(&t);
}

static void tlb_should_treat_ways_zero_as_fully_associative(void)
{
	struct tlb t;
	mk(&t, 16, 0, TLB_LRU);
	CHECK_EQ(t.sets, 1);
	CHECK_EQ(t.ways, 16);
	for (uint64_t v = 0; v < 16; v++)
		fill(&t, v * 0x1001);
	for (uint64_t v = 0; v < 16; v++)
		CHECK(hit(&t, v * 0x1001));
	fill(&t, 99); /* evicts the least recently hit: page 0 */
	CHECK(!has(&t, 0));
	CHECK(has(&t, 0x1001));
	tlb_destroy(&t);
}

/* ---- replacement: invalid ways first ------------------------------------- */

static void tlb_should_fill_invalid_ways_lowest_first(void)
{
	for (int p = TLB_LRU; p <= TLB_RANDOM; p++) {
		struct tlb t;
		mk(&t, 4, 4, (enum tlb_policy)p);
		for (uint64_t v = 10; v < 14; v++) {
			fill(&t, v);
			CHECK_EQ(where(&t, v, A), v - 10);
		}
		CHECK_EQ(tlb_flush_page(&t, 12, A), 1);
		CHECK_EQ(tlb_flush_page(&t, 11, A), 1);
		fill(&t, 20);
		CHECK_EQ(where(&t, 20, A), 1);
		fill(&t, 21);
		CHECK_EQ(where(&t, 21, A), 2);
		CHECK_EQ(t.nvalid, 4);
		tlb_destroy(&t);
	}
}

/* ---- LRU ----------------------------------------------------------------- */

static void tlb_should_evict_least_recently_used_under_lru(void)
{
	struct tlb t;
	mk(&t, 4, 4, TLB_LRU);
	fill(&t, 1); fill(&t, 2); fill(&t, 3); fill(&t, 4); /* order 1 2 3 4 */
	CHECK(hit(&t, 1));                                  /* 2 3 4 1 */
	CHECK(hit(&t, 3));                                  /* 2 4 1 3 */
	fill(&t, 5);                                        /* -2: 4 1 3 5 */
	CHECK(!has(&t, 2));
	CHECK_EQ(where(&t, 5, A), 1); /* took page 2's way */
	CHECK(hit(&t, 4));                                  /* 1 3 5 4 */
	CHECK(hit(&t, 4));                                  /* repeat: same */
	fill(&t, 6);                                        /* -1: 3 5 4 6 */
	CHECK(!has(&t, 1));
	CHECK_EQ(where(&t, 6, A), 0);
	fill(&t, 7);                                        /* -3: 5 4 6 7 */
	CHECK(!has(&t, 3));
	CHECK(hit(&t, 5));                                  /* 4 6 7 5 */
	fill(&t, 8);                                        /* -4 */
	CHECK(!has(&t, 4));
	fill(&t, 9);                                        /* -6 */
	CHECK(!has(&t, 6));
	CHECK(has(&t, 5) && has(&t, 7) && has(&t, 8) && has(&t, 9));
	tlb_destroy(&t);
}

/* The repeat-hit shortcut must not hide an eviction or a flush. */
static void tlb_should_not_hit_a_flushed_last_entry(void)
{
	struct tlb t;
	mk(&t, 4, 4, TLB_LRU);
	fill(&t, 1);
	CHECK(hit(&t, 1));
	CHECK_EQ(tlb_flush_page(&t, 1, A), 1);
	CHECK(!hit(&t, 1));
	fill(&t, 1);
	CHECK_EQ(tlb_flush_asid(&t, A), 1);
	CHECK(!hit(&t, 1));
	fill(&t, 1);
	CHECK_EQ(tlb_flush_all(&t), 1);
	CHECK(!hit(&t, 1));
	/* 1 is the last filled; four more fills of the set evict it */
	fill(&t, 1); fill(&t, 2); fill(&t, 3); fill(&t, 4); fill(&t, 5);
	CHECK(!hit(&t, 1));
	tlb_destroy(&t);
}

/* Hits that skip the scan (the entry a set used last) keep exact LRU order
 * while lookups alternate between sets. */
static void tlb_should_keep_lru_order_across_sets(void)
{
	for (int p = TLB_LRU; p <= TLB_PLRU; p++) {
		struct tlb t;
		mk(&t, 8, 4, (enum tlb_policy)p); /* 2 sets: even pages, odd pages */
		fill(&t, 0); fill(&t, 2); fill(&t, 4); fill(&t, 6); fill(&t, 1);
		CHECK(hit(&t, 6)); /* set 0's last used: no update needed */
		CHECK(hit(&t, 1));
		CHECK(hit(&t, 6));
		CHECK(hit(&t, 0)); /* a real update */
		CHECK(hit(&t, 1));
		CHECK(hit(&t, 0)); /* set 0's last used again */
		CHECK(hit(&t, 3) == 0);
		fill(&t, 8);       /* LRU: 2 4 6 0 -> 2; PLRU: r1 n2=1 -> way 2 (4) */
		CHECK(!has(&t, p == TLB_LRU ? 2 : 4));
		CHECK(hit(&t, 1));
		CHECK(hit(&t, p == TLB_LRU ? 4 : 2));
		CHECK(hit(&t, 1));
		fill(&t, 10);      /* LRU: 6 0 8 4 -> 6; PLRU (way 2 was filled, way 1 hit):
				      r1 n3: way 2 filled -> n3=1 -> way 3 (6) */
		CHECK(!has(&t, 6));
		CHECK(has(&t, 0) && has(&t, 8) && has(&t, 10));
		tlb_destroy(&t);
	}
}

/* ---- FIFO ---------------------------------------------------------------- */

static void tlb_should_evict_in_fill_order_under_fifo(void)
{
	struct tlb t;
	mk(&t, 4, 4, TLB_FIFO);
	fill(&t, 1); fill(&t, 2); fill(&t, 3); fill(&t, 4);
	CHECK(hit(&t, 1));
	CHECK(hit(&t, 3));
	fill(&t, 5); /* hits changed nothing: 1 goes */
	CHECK(!has(&t, 1));
	CHECK_EQ(where(&t, 5, A), 0);
	CHECK(hit(&t, 2));
	fill(&t, 6);
	CHECK(!has(&t, 2));
	fill(&t, 7);
	CHECK(!has(&t, 3));
	fill(&t, 8);
	CHECK(!has(&t, 4));
	fill(&t, 9);
	CHECK(!has(&t, 5));
	CHECK(has(&t, 6) && has(&t, 7) && has(&t, 8) && has(&t, 9));
	tlb_destroy(&t);
}

static void tlb_should_treat_a_refill_as_a_fresh_fill(void)
{
	struct tlb t;
	uint64_t d = 0;
	mk(&t, 4, 4, TLB_FIFO);
	fill(&t, 1); fill(&t, 2); fill(&t, 3); fill(&t, 4);
	tlb_fill(&t, 1, A, 0x777000);
	CHECK_EQ(t.nvalid, 4);
	CHECK_EQ(where(&t, 1, A), 0); /* overwritten in place */
	CHECK(tlb_lookup(&t, 1, A, &d));
	CHECK_EQ(d, 0x777000);
	fill(&t, 5); /* fill order is now 2 3 4 1 */
	CHECK(!has(&t, 2));
	CHECK(has(&t, 1));
	tlb_destroy(&t);
}

/* ---- tree PLRU ------------------------------------------------------------ */

static void tlb_should_follow_the_tree_under_plru(void)
{
	/* 4 ways, node bits r (root), n2 (ways 0/1), n3 (ways 2/3); a bit
	 * points to the half holding the victim, 0 = left. */
	struct tlb t;
	mk(&t, 4, 4, TLB_PLRU);
	fill(&t, 1); fill(&t, 2); fill(&t, 3); fill(&t, 4); /* r0 n2=0 n3=0 */
	CHECK(hit(&t, 1));  /* way 0: r1 n2=1; victim way 2 (page 3) */
	fill(&t, 5);        /* way 2: r0 n3=1; victim way 1 (page 2) */
	CHECK(!has(&t, 3)); /* true LRU would have evicted page 2 */
	CHECK(has(&t, 2));
	CHECK_EQ(where(&t, 5, A), 2);
	CHECK(hit(&t, 4));  /* way 3: r0 n3=0; victim still way 1 */
	fill(&t, 6);        /* way 1: r1 n2=0; victim way 2 (page 5) */
	CHECK(!has(&t, 2));
	CHECK_EQ(where(&t, 6, A), 1);
	fill(&t, 7);        /* way 2: r0 n3=1; victim way 0 (page 1) */
	CHECK(!has(&t, 5));
	CHECK_EQ(where(&t, 7, A), 2);
	fill(&t, 8);        /* way 0: r1 n2=1; victim way 3 (page 4) */
	CHECK(!has(&t, 1));
	CHECK_EQ(where(&t, 8, A), 0);
	fill(&t, 9);
	CHECK(!has(&t, 4));
	CHECK(has(&t, 6) && has(&t, 7) && has(&t, 8) && has(&t, 9));
	tlb_destroy(&t);
}

static void tlb_should_handle_wide_plru_trees(void)
{
	struct tlb t;
	mk(&t, 64, 0, TLB_PLRU); /* 63 node bits: two words per set */
	CHECK_EQ(t.plru_words, 2);
	for (uint64_t v = 0; v < 64; v++)
		fill(&t, 100 + v); /* sequential fills leave every bit 0 */
	CHECK(hit(&t, 100));   /* way 0: victim moves to way 32 */
	fill(&t, 500);
	CHECK_EQ(where(&t, 500, A), 32);
	fill(&t, 501);         /* after way 32 the victim is way 16 */
	CHECK_EQ(where(&t, 501, A), 16);
	CHECK(!has(&t, 132) && !has(&t, 116));
	tlb_destroy(&t);
}

static void tlb_should_reject_plru_without_power_of_two_ways(void)
{
	struct tlb t;
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 1536, 12 }, TLB_PLRU, 12, 1), SIM_EINPUT);
	CHECK(t.tag == NULL);
	tlb_destroy(&t);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 24, 0 }, TLB_PLRU, 12, 1), SIM_EINPUT);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 24, 8 }, TLB_PLRU, 12, 1), 0);
	tlb_destroy(&t);
}

/* ---- random --------------------------------------------------------------- */

static uint64_t ref_splitmix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t ref_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void tlb_should_pick_seeded_xorshift_victims_under_random(void)
{
	struct tlb t, u;
	uint64_t s = ref_splitmix(42);
	mk(&t, 8, 4, TLB_RANDOM); /* 2 sets */
	mk(&u, 6, 3, TLB_RANDOM); /* 2 sets, 3 ways: modulo */
	for (uint64_t v = 0; v < 8; v++) /* fills every way: no draw yet */
		fill(&t, v);
	for (uint64_t v = 0; v < 6; v++)
		fill(&u, v);
	for (uint64_t v = 100; v < 140; v += 2) { /* all in set 0 */
		uint64_t want = ref_xorshift(&s) & 3;
		fill(&t, v);
		CHECK_EQ(where(&t, v, A), want);
	}
	s = ref_splitmix(42);
	for (uint64_t v = 200; v < 240; v += 2) {
		uint64_t want = ref_xorshift(&s) % 3;
		fill(&u, v);
		CHECK_EQ(where(&u, v, A), want);
	}
	tlb_destroy(&t);
	tlb_destroy(&u);
}

static void tlb_should_ignore_hits_under_random(void)
{
	struct tlb t, u;
	mk(&t, 4, 4, TLB_RANDOM);
	mk(&u, 4, 4, TLB_RANDOM);
	for (uint64_t v = 0; v < 4; v++) {
		fill(&t, v);
		fill(&u, v);
	}
	for (uint64_t v = 0; v < 4; v++)
		CHECK(hit(&t, 3 - v));
	for (uint64_t v = 10; v < 30; v++) {
		fill(&t, v);
		fill(&u, v);
		CHECK_EQ(where(&t, v, A), where(&u, v, A));
	}
	tlb_destroy(&t);
	tlb_destroy(&u);
}

/* ---- ASIDs, flushes, counters --------------------------------------------- */

static void tlb_should_isolate_asids(void)
{
	struct tlb t;
	uint64_t d = 0;
	mk(&t, 16, 4, TLB_LRU);
	tlb_fill(&t, 5, 1, 0x5000 | TLBE_USER);
	tlb_fill(&t, 5, 2, 0x9000);
	CHECK_EQ(t.nvalid, 2);
	CHECK(tlb_lookup(&t, 5, 1, &d));
	CHECK_EQ(d, 0x5000 | TLBE_USER);
	CHECK(tlb_lookup(&t, 5, 2, &d));
	CHECK_EQ(d, 0x9000);
	CHECK(!tlb_lookup(&t, 5, 3, &d));
	CHECK(!tlb_lookup(&t, 5, 0xffff, &d));
	tlb_fill(&t, 5, 0xffff, 0xf000);
	CHECK(tlb_lookup(&t, 5, 0xffff, &d));
	CHECK_EQ(d, 0xf000);
	CHECK(!tlb_lookup(&t, 6, 1, &d));
	tlb_destroy(&t);
}

static void tlb_should_flush_all_asid_and_page(void)
{
	struct tlb t;
	mk(&t, 32, 4, TLB_LRU);
	for (uint64_t v = 0; v < 6; v++) {
		tlb_fill(&t, v, 1, 0);
		tlb_fill(&t, v, 2, 0);
	}
	tlb_fill(&t, 7, 3, 0);
	CHECK_EQ(t.nvalid, 13);
	CHECK_EQ(tlb_flush_page(&t, 3, 1), 1);
	CHECK_EQ(tlb_flush_page(&t, 3, 1), 0);
	CHECK(!tlb_lookup(&t, 3, 1, NULL));
	CHECK(tlb_lookup(&t, 3, 2, NULL));
	CHECK_EQ(tlb_flush_asid(&t, 2), 6);
	CHECK_EQ(t.nvalid, 6);
	CHECK(!tlb_lookup(&t, 0, 2, NULL));
	CHECK(tlb_lookup(&t, 0, 1, NULL));
	CHECK(tlb_lookup(&t, 7, 3, NULL));
	CHECK_EQ(tlb_flush_all(&t), 6);
	CHECK_EQ(t.nvalid, 0);
	CHECK(!tlb_lookup(&t, 0, 1, NULL));
	CHECK(!tlb_lookup(&t, 7, 3, NULL));
	CHECK_EQ(tlb_flush_all(&t), 0);
	tlb_destroy(&t);
}

static void tlb_should_count_hits_and_misses(void)
{
	struct tlb t;
	mk(&t, 8, 2, TLB_LRU);
	CHECK(!hit(&t, 1));
	fill(&t, 1);
	CHECK(hit(&t, 1));
	CHECK(hit(&t, 1));
	CHECK(!hit(&t, 2));
	CHECK_EQ(t.hits, 2);
	CHECK_EQ(t.misses, 2);
	tlb_destroy(&t);
}

static void tlb_should_create_and_destroy_safely(void)
{
	struct tlb t;
	memset(&t, 0, sizeof t);
	tlb_destroy(&t);
	tlb_destroy(NULL);
	CHECK_EQ(tlb_flush_all(&t), 0);
	CHECK_EQ(tlb_flush_asid(&t, 1), 0);
	CHECK_EQ(tlb_flush_page(&t, 1, 1), 0);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 0, 0 }, TLB_LRU, 12, 1), SIM_EINPUT);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 63, 4 }, TLB_LRU, 12, 1), SIM_EINPUT);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 4, 8 }, TLB_LRU, 12, 1), SIM_EINPUT);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 64, 4 }, (enum tlb_policy)9, 12, 1),
		 SIM_EINPUT);
	CHECK_EQ(tlb_create(&t, (struct tlb_geom){ 32, 4 }, TLB_LRU, 21, 1), 0);
	CHECK_EQ(t.page_shift, 21);
	tlb_destroy(&t);
	tlb_destroy(&t);
	CHECK(t.tag == NULL);
}

/* ---- against a naive model ------------------------------------------------
 * The documented semantics (tlb.c's header) restated as plainly as possible:
 * modulo set index, linear scans, no shortcuts.  Random operations, every
 * result compared. */
#define NV_MAX 64
struct naive {
	uint32_t sets, ways;
	enum tlb_policy p;
	int valid[NV_MAX];
	uint64_t vpn[NV_MAX], data[NV_MAX], stamp[NV_MAX], clock, rng;
	uint16_t asid[NV_MAX];
	uint8_t bit[NV_MAX][NV_MAX]; /* [set][node] */
};

static int nv_find(struct naive *n, uint64_t vpn, uint16_t asid)
{
	uint32_t set = (uint32_t)(vpn % n->sets);
	for (uint32_t w = 0; w < n->ways; w++) {
		int i = (int)(set * n->ways + w);
		if (n->valid[i] && n->vpn[i] == vpn && n->asid[i] == asid)
			return i;
	}
	return -1;
}

static void nv_touch(struct naive *n, int i, int fill)
{
	uint32_t set = (uint32_t)i / n->ways, w = (uint32_t)i % n->ways, node = 1;
	if (n->p == TLB_LRU || (n->p == TLB_FIFO && fill))
		n->stamp[i] = ++n->clock;
	if (n->p != TLB_PLRU)
		return;
	for (uint32_t half = n->ways / 2; half; half /= 2) {
		int right = (w & half) != 0;
		n->bit[set][node] = !right;
		node = 2 * node + (uint32_t)right;
	}
}

static int nv_lookup(struct naive *n, uint64_t vpn, uint16_t asid, uint64_t *d)
{
	int i = nv_find(n, vpn, asid);
	if (i < 0)
		return 0;
	nv_touch(n, i, 0);
	*d = n->data[i];
	return 1;
}

static void nv_fill(struct naive *n, uint64_t vpn, uint16_t asid, uint64_t d)
{
	uint32_t set = (uint32_t)(vpn % n->sets), w, v = n->ways;
	int i = nv_find(n, vpn, asid);
	if (i < 0) {
		for (w = 0; w < n->ways && v == n->ways; w++)
			if (!n->valid[set * n->ways + w])
				v = w;
		if (v == n->ways && (n->p == TLB_LRU || n->p == TLB_FIFO)) {
			v = 0;
			for (w = 1; w < n->ways; w++)
				if (n->stamp[set * n->ways + w] < n->stamp[set * n->ways + v])
					v = w;
		} else if (v == n->ways && n->p == TLB_PLRU) {
			uint32_t node = 1;
			v = 0;
			for (uint32_t half = n->ways / 2; half; half /= 2) {
				v += n->bit[set][node] ? half : 0;
				node = 2 * node + n->bit[set][node];
			}
		} else if (v == n->ways) {
			v = (uint32_t)(ref_xorshift(&n->rng) % n->ways);
		}
		i = (int)(set * n->ways + v);
	}
	n->valid[i] = 1;
	n->vpn[i] = vpn;
	n->asid[i] = asid;
	n->data[i] = d;
	nv_touch(n, i, 1);
}

static uint64_t nv_kill(struct naive *n, int all, int page, uint64_t vpn, uint16_t asid)
{
	uint64_t k = 0;
	for (uint32_t i = 0; i < n->sets * n->ways; i++) {
		if (n->valid[i] && (all || (n->asid[i] == asid && (!page || n->vpn[i] == vpn)))) {
			n->valid[i] = 0;
			n->stamp[i] = 0;
			k++;
		}
	}
	return k;
}

static void tlb_should_match_a_naive_model_under_random_operations(void)
{
	static const struct { uint32_t e, w; } geo[] = {
		{ 16, 4 }, { 24, 8 }, { 8, 0 }, { 12, 3 }, { 64, 0 }, { 18, 1 }, { 32, 2 },
	};
	uint64_t r = 0x1234567;
	for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
		for (int p = TLB_LRU; p <= TLB_RANDOM; p++) {
			uint32_t ways = geo[g].w ? geo[g].w : geo[g].e;
			struct tlb t;
			struct naive n;
			int bad = 0;
			if (p == TLB_PLRU && (ways & (ways - 1)))
				continue;
			memset(&n, 0, sizeof n);
			n.sets = geo[g].e / ways;
			n.ways = ways;
			n.p = (enum tlb_policy)p;
			n.rng = ref_splitmix(7);
			CHECK_EQ(tlb_create(&t, (struct tlb_geom){ geo[g].e, geo[g].w },
					    (enum tlb_policy)p, 12, 7), 0);
			for (int step = 0; step < 20000 && !bad; step++) {
				uint64_t x = ref_xorshift(&r), vpn = x % 53, d1 = 1, d2 = 2;
				uint16_t asid = (uint16_t)((x >> 8) % 3);
				unsigned op = (unsigned)((x >> 16) % 100);
				if (op < 60) {
					int a = tlb_lookup(&t, vpn, asid, &d1), b = nv_lookup(&n, vpn, asid, &d2);
					bad |= a != b || (a && d1 != d2);
				} else if (op < 90) {
					tlb_fill(&t, vpn, asid, x << 12);
					nv_fill(&n, vpn, asid, x << 12);
				} else if (op < 96) {
					bad |= tlb_flush_page(&t, vpn, asid) != nv_kill(&n, 0, 1, vpn, asid);
				} else if (op < 99) {
					bad |= tlb_flush_asid(&t, asid) != nv_kill(&n, 0, 0, 0, asid);
				} else {
					bad |= tlb_flush_all(&t) != nv_kill(&n, 1, 0, 0, 0);
				}
				if (bad)
					fprintf(stderr, "  geometry %u:%u policy %d: differs at step %d\n",
						geo[g].e, geo[g].w, p, step);
			}
			CHECK(!bad);
			tlb_destroy(&t);
		}
	}
}

int main(void)
{
	RUN(tlb_should_index_power_of_two_sets_by_mask);
	RUN(tlb_should_index_other_sets_by_modulo);
	RUN(tlb_should_treat_ways_zero_as_fully_associative);
	RUN(tlb_should_fill_invalid_ways_lowest_first);
	RUN(tlb_should_evict_least_recently_used_under_lru);
	RUN(tlb_should_not_hit_a_flushed_last_entry);
	RUN(tlb_should_keep_lru_order_across_sets);
	RUN(tlb_should_evict_in_fill_order_under_fifo);
	RUN(tlb_should_treat_a_refill_as_a_fresh_fill);
	RUN(tlb_should_follow_the_tree_under_plru);
	RUN(tlb_should_handle_wide_plru_trees);
	RUN(tlb_should_reject_plru_without_power_of_two_ways);
	RUN(tlb_should_pick_seeded_xorshift_victims_under_random);
	RUN(tlb_should_ignore_hits_under_random);
	RUN(tlb_should_isolate_asids);
	RUN(tlb_should_flush_all_asid_and_page);
	RUN(tlb_should_count_hits_and_misses);
	RUN(tlb_should_create_and_destroy_safely);
	RUN(tlb_should_match_a_naive_model_under_random_operations);
	return T_DONE();
}
