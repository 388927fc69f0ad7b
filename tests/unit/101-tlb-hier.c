/*
 * 101-tlb-hier.c - the L1/L2 hierarchy (core/tlb/tlb_hier.c) against the
 * counting rules of DESIGN.md 5b: only an L1 miss looks up the L2, the L1 is
 * filled on every L1 miss and the L2 on an L2 miss, no inclusion, one lookup
 * per page touched, X in the L1 instruction TLB, 2 MiB entries.
 */
#include "memsim/tlb.h"
#include "t.h"

#define A 1
#define P(n) ((uint64_t)(n) << 12) /* address of 4 KiB page n */

static struct tlb_stats st;

/* l1d and l1i: 4 entries fully associative; l1d_2m 2:2; l2: 4 sets x 2. */
static void mk(struct tlb_hier *h, uint32_t l1d_2m)
{
	struct tlb_config c = {
		.l1d = { 4, 4 }, .l1i = { 4, 4 }, .l1d_2m = { l1d_2m, l1d_2m }, .l2 = { 8, 2 },
		.policy = TLB_LRU, .seed = 1,
	};
	CHECK_EQ(tlb_hier_create(h, &c), 0);
	memset(&st, 0, sizeof st);
	h->st = &st;
}

static int in(const struct tlb *t, uint64_t vpn, uint64_t extra)
{
	uint64_t tag = tlb__tag(vpn, A) | extra;
	for (uint32_t i = 0; i < t->sets * t->ways; i++)
		if (t->tag[i] == tag)
			return 1;
	return 0;
}

static unsigned rd(struct tlb_hier *h, uint64_t page)
{
	return tlb_hier_access(h, ACC_READ, P(page), 1, A);
}

static void hier_should_go_to_l2_only_on_an_l1_miss(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	CHECK_EQ(rd(&h, 0), 1); /* miss, miss: a walk */
	CHECK_EQ(st.l1d_misses, 1);
	CHECK_EQ(st.l2_misses, 1);
	CHECK(in(&h.l1d, 0, 0) && in(&h.l2, 0, 0)); /* both filled */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(rd(&h, 0), 0);
	CHECK_EQ(st.l1d_hits, 5);
	CHECK_EQ(st.l2_hits + st.l2_misses, 1); /* L1 hits never reach L2 */
	CHECK_EQ(h.l2.hits + h.l2.misses, 1);
	CHECK_EQ(h.l1d.hits, 5);
	CHECK_EQ(h.l1d.misses, 1);
	CHECK_EQ(h.l1d_2m.misses, 1); /* == l1d misses */
	tlb_hier_destroy(&h);
}

static void hier_should_fill_l1_from_l2_without_refilling_l2(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	for (uint64_t p = 1; p <= 5; p++) /* 5 pages: page 1 leaves the L1 */
		rd(&h, p);
	CHECK(!in(&h.l1d, 1, 0));
	CHECK(in(&h.l2, 1, 0));
	uint32_t l2valid = h.l2.nvalid;
	uint64_t l2clock = h.l2.clock;
	CHECK_EQ(rd(&h, 1), 0);           /* L1 miss, L2 hit: no walk */
	CHECK_EQ(st.l1d_misses, 6);
	CHECK_EQ(st.l2_hits, 1);
	CHECK_EQ(st.l2_misses, 5);
	CHECK(in(&h.l1d, 1, 0));          /* L1 filled on the L1 miss */
	CHECK_EQ(h.l2.nvalid, l2valid);   /* L2 not filled on an L2 hit */
	CHECK_EQ(h.l2.clock, l2clock + 1);/* only its LRU stamp moved */
	CHECK_EQ(rd(&h, 1), 0);
	CHECK_EQ(st.l1d_hits, 1);
	tlb_hier_destroy(&h);
}

static void hier_should_not_be_inclusive(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	/* pages 0, 4, 8 share L2 set 0 (2 ways): 0 leaves the L2 ... */
	rd(&h, 0); rd(&h, 4); rd(&h, 8);
	CHECK(!in(&h.l2, 0, 0));
	/* ... but stays in the L1, which still hits */
	CHECK(in(&h.l1d, 0, 0));
	CHECK_EQ(rd(&h, 0), 0);
	CHECK_EQ(st.l1d_hits, 1);
	CHECK_EQ(st.l2_misses, 3);
	CHECK_EQ(st.l2_hits, 0);
	CHECK(!in(&h.l2, 0, 0));          /* an L1 hit does not refill the L2 */
	/* the other way round: the L1 evicts 4 (LRU of 4 8 0 1), the L2 keeps it */
	rd(&h, 1); rd(&h, 2);
	CHECK(!in(&h.l1d, 4, 0));
	CHECK(in(&h.l2, 4, 0));
	CHECK_EQ(rd(&h, 4), 0);
	CHECK_EQ(st.l2_hits, 1);
	tlb_hier_destroy(&h);
}

static void hier_should_look_up_every_page_an_access_touches(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x10) + 0xffe, 4, A), 2);
	CHECK_EQ(st.l1d_misses, 2);
	CHECK(in(&h.l1d, 0x10, 0) && in(&h.l1d, 0x11, 0));
	CHECK_EQ(tlb_hier_access(&h, ACC_WRITE, P(0x10) + 0xffc, 4, A), 0); /* one page */
	CHECK_EQ(st.l1d_hits, 1);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x10) + 0xfff, 2, A), 0);
	CHECK_EQ(st.l1d_hits, 3);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x20), 0, A), 1);         /* size 0 = 1 */
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x30), 2 * 4096, A), 2);  /* exactly 2 */
	CHECK_EQ(st.l1d_misses, 5);
	/* ascending order: the first page is looked up first (and evicted first) */
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x40), 4 * 4096, A), 4);
	CHECK(!in(&h.l1d, 0x31, 0));
	CHECK(in(&h.l1d, 0x40, 0) && in(&h.l1d, 0x43, 0));
	/* the top of the address space: no wrap-around, one page */
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, UINT64_MAX - 100, 1000, A), 1);
	CHECK_EQ(st.l1d_misses + st.l1d_hits, 13);
	tlb_hier_lookup(&h, ACC_READ, P(0x10) + 0xffe, A, NULL); /* one page only */
	CHECK_EQ(st.l1d_misses + st.l1d_hits, 14);
	tlb_hier_destroy(&h);
}

static void hier_should_use_l1i_for_fetches_and_l1d_for_data(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	CHECK_EQ(tlb_hier_access(&h, ACC_EXEC, P(0x40), 4, A), 1);
	CHECK_EQ(st.l1i_misses, 1);
	CHECK_EQ(st.l2_misses, 1);
	CHECK(in(&h.l1i, 0x40, 0) && !in(&h.l1d, 0x40, 0));
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(0x40), 4, A), 0); /* L1D miss, L2 hit */
	CHECK_EQ(st.l1d_misses, 1);
	CHECK_EQ(st.l2_hits, 1);
	CHECK_EQ(tlb_hier_access(&h, ACC_WRITE, P(0x40), 4, A), 0);
	CHECK_EQ(tlb_hier_access(&h, ACC_EXEC, P(0x40), 4, A), 0);
	CHECK_EQ(st.l1d_hits, 1);
	CHECK_EQ(st.l1i_hits, 1);
	CHECK_EQ(st.l2_hits + st.l2_misses, 2);
	CHECK_EQ(h.l1i.hits, 1);
	CHECK_EQ(h.l1i.misses, 1);
	tlb_hier_destroy(&h);
}

static void hier_should_return_lookup_levels_and_data(void)
{
	struct tlb_hier h;
	uint64_t d = 0;
	mk(&h, 2);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, P(5) + 7, A, &d), 0);
	CHECK(!in(&h.l1d, 5, 0) && !in(&h.l2, 5, 0)); /* a miss fills nothing */
	tlb_hier_fill(&h, ACC_READ, P(5) + 7, A, P(0x1234) | TLBE_WRITE);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_WRITE, P(5), A, &d), 1);
	CHECK_EQ(d, P(0x1234) | TLBE_WRITE);
	for (uint64_t p = 10; p < 14; p++)
		tlb_hier_fill(&h, ACC_READ, P(p), A, P(p));
	CHECK(!in(&h.l1d, 5, 0));
	d = 0;
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, P(5), A, &d), 2);
	CHECK_EQ(d, P(0x1234) | TLBE_WRITE);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, P(5), A, &d), 1);
	/* a refill (e.g. after a permission upgrade) overwrites in place */
	tlb_hier_fill(&h, ACC_WRITE, P(5), A, P(0x1234) | TLBE_WRITE | TLBE_USER);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, P(5), A, &d), 1);
	CHECK_EQ(d, P(0x1234) | TLBE_WRITE | TLBE_USER);
	CHECK_EQ(h.l1d.nvalid, 4);
	/* identity data in tlb mode */
	tlb_hier_access(&h, ACC_READ, P(0x777), 1, A);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, P(0x777), A, &d), 1);
	CHECK_EQ(d, P(0x777) | TLBE_WRITE | TLBE_EXEC | TLBE_USER);
	tlb_hier_destroy(&h);
}

static void hier_should_serve_data_from_the_2m_array(void)
{
	struct tlb_hier h;
	uint64_t d = 0, huge = P(0x80000) | TLBE_HUGE | TLBE_WRITE, base = 0x40200000;
	mk(&h, 2);
	tlb_hier_fill(&h, ACC_READ, base + P(3), A, huge);
	CHECK(in(&h.l1d_2m, base >> 21, 0));
	CHECK(in(&h.l2, base >> 21, TLB__TAG_HUGE));
	CHECK(!in(&h.l1d, (base >> 12) + 3, 0));
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, base + 0x1ff000, A, &d), 1);
	CHECK_EQ(d, huge);
	CHECK_EQ(h.l1d_2m.hits, 1);
	CHECK_EQ(st.l1d_hits, 1);
	CHECK_EQ(tlb_hier_access(&h, ACC_WRITE, base + 0x1000, 8, A), 0);
	CHECK_EQ(st.l1d_hits, 2);
	/* fetches: L1I miss, L2 hit on the 2 MiB entry, a 4 KiB fragment in L1I */
	CHECK_EQ(tlb_hier_lookup(&h, ACC_EXEC, base + 0x1000, A, &d), 2);
	CHECK_EQ(d, huge);
	CHECK(in(&h.l1i, (base >> 12) + 1, 0));
	CHECK_EQ(tlb_hier_lookup(&h, ACC_EXEC, base + 0x1010, A, &d), 1);
	CHECK_EQ(d, huge);
	CHECK_EQ(tlb_hier_access(&h, ACC_EXEC, base + 0x2000, 4, A), 0); /* L2 hit */
	CHECK_EQ(st.l2_hits, 2);
	CHECK_EQ(st.l1i_misses, 2);
	CHECK_EQ(st.l1i_hits, 1);
	CHECK_EQ(h.l1i.nhuge, 2);
	/* INVLPG of any address in it removes the 2 MiB entries and fragments */
	CHECK_EQ(tlb_hier_flush_page(&h, base + 0x5000, A), 4);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, base, A, &d), 0);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_EXEC, base + 0x1000, A, &d), 0);
	CHECK_EQ(h.l1i.nhuge + h.l2.nhuge + h.l1d_2m.nvalid, 0);
	tlb_hier_destroy(&h);
}

static void hier_should_fragment_2m_entries_without_an_l1d_2m_array(void)
{
	struct tlb_hier h;
	uint64_t d, huge = P(0x80000) | TLBE_HUGE, base = 0x200000;
	mk(&h, 0);
	CHECK(h.l1d_2m.tag == NULL);
	tlb_hier_fill(&h, ACC_READ, base, A, huge);
	CHECK(in(&h.l1d, base >> 12, 0));
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, base + 0x3000, A, &d), 2);
	CHECK_EQ(d, huge);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, base + 0x3000, A, &d), 1);
	tlb_hier_fill(&h, ACC_READ, 0x400000, A, P(0x400)); /* a 4 KiB page elsewhere */
	CHECK_EQ(tlb_hier_flush_page(&h, base + 0x3000, A), 3); /* 2 fragments + L2 */
	CHECK_EQ(h.l1d.nvalid, 1);
	CHECK_EQ(h.l2.nvalid, 1);
	tlb_hier_destroy(&h);
}

static void hier_should_flush_all_arrays(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	tlb_hier_access(&h, ACC_READ, P(1), 1, 1);
	tlb_hier_access(&h, ACC_EXEC, P(2), 1, 1);
	tlb_hier_access(&h, ACC_READ, P(1), 1, 2);
	tlb_hier_fill(&h, ACC_READ, 0x600000, 2, P(0x200) | TLBE_HUGE);
	CHECK_EQ(tlb_hier_flush_page(&h, P(1), 1), 2);   /* l1d + l2 */
	CHECK_EQ(tlb_hier_flush_asid(&h, 1), 2);         /* page 2: l1i + l2 */
	CHECK_EQ(tlb_hier_flush_all(&h), 4);             /* asid 2: 2 + 2 */
	CHECK_EQ(tlb_hier_flush_all(&h), 0);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, P(1), 1, 2), 1);
	tlb_hier_destroy(&h);
}

static void hier_should_count_without_stats(void)
{
	struct tlb_hier h;
	mk(&h, 2);
	h.st = NULL;
	rd(&h, 1); rd(&h, 1);
	tlb_hier_lookup(&h, ACC_EXEC, P(1), A, NULL);
	CHECK_EQ(h.l1d.hits, 1);
	CHECK_EQ(h.l1d.misses, 1);
	CHECK_EQ(h.l1i.misses, 1);
	CHECK_EQ(h.l2.hits, 1);
	CHECK_EQ(h.l2.misses, 1);
	CHECK_EQ(st.l1d_hits + st.l1d_misses + st.l2_misses, 0);
	tlb_hier_destroy(&h);
}

static void hier_should_reject_plru_on_a_12_way_l2(void)
{
	struct tlb_hier h;
	struct tlb_config c = {
		.l1d = { 64, 4 }, .l1i = { 128, 8 }, .l1d_2m = { 32, 4 }, .l2 = { 1536, 12 },
		.policy = TLB_PLRU, .seed = 1,
	};
	CHECK_EQ(tlb_hier_create(&h, &c), SIM_EINPUT);
	CHECK(h.l1d.tag == NULL && h.l2.tag == NULL);
	tlb_hier_destroy(&h);
	c.l2 = (struct tlb_geom){ 1024, 8 };
	CHECK_EQ(tlb_hier_create(&h, &c), 0);
	tlb_hier_destroy(&h);
}

static void hier_should_use_the_configured_granule(void)
{
	struct tlb_hier h;
	struct tlb_config c = {
		.l1d = { 4, 4 }, .l1i = { 4, 4 }, .l1d_2m = { 2, 2 }, .l2 = { 8, 2 },
		.policy = TLB_LRU, .seed = 1, .page_shift = 16, /* arm64 64K granule */
	};
	uint64_t d = 0, block = 0x20000000; /* a 512 MiB block */
	CHECK_EQ(tlb_hier_create(&h, &c), 0);
	memset(&st, 0, sizeof st);
	h.st = &st;
	CHECK_EQ(h.huge_bits, 13);
	CHECK_EQ(h.l1d_2m.page_shift, 29);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, 0x10000, 8, A), 1);
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, 0x1fff8, 8, A), 0);  /* same 64K page */
	CHECK_EQ(tlb_hier_access(&h, ACC_READ, 0x1fffc, 8, A), 1);  /* crosses into 0x20000 */
	CHECK_EQ(st.l1d_hits, 2);
	CHECK_EQ(st.l1d_misses, 2);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, 0x2ffff, A, &d), 1);
	CHECK_EQ(d, 0x20000 | TLBE_WRITE | TLBE_EXEC | TLBE_USER);
	tlb_hier_fill(&h, ACC_READ, block + 0x50000, A, block | TLBE_HUGE);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, block + 0x1fff0000, A, &d), 1);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_EXEC, block + 0x1fff0000, A, &d), 2);
	CHECK_EQ(d, block | TLBE_HUGE);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_READ, block + 0x20000000, A, &d), 0);
	CHECK_EQ(tlb_hier_flush_page(&h, block + 0x12340000, A), 3); /* 2M, L2, fragment */
	tlb_hier_fill_identity(&h, ACC_EXEC, 0x70001, A);
	CHECK_EQ(tlb_hier_lookup(&h, ACC_EXEC, 0x7ffff, A, &d), 1);
	CHECK_EQ(d, 0x70000 | TLBE_WRITE | TLBE_EXEC | TLBE_USER);
	tlb_hier_destroy(&h);
	c.page_shift = 13;
	CHECK_EQ(tlb_hier_create(&h, &c), SIM_EINPUT);
	c.page_shift = 0;
	CHECK_EQ(tlb_hier_create(&h, &c), 0);
	CHECK_EQ(h.page_shift, 12);
	CHECK_EQ(h.huge_bits, 9);
	tlb_hier_destroy(&h);
}

int main(void)
{
	RUN(hier_should_go_to_l2_only_on_an_l1_miss);
	RUN(hier_should_fill_l1_from_l2_without_refilling_l2);
	RUN(hier_should_not_be_inclusive);
	RUN(hier_should_look_up_every_page_an_access_touches);
	RUN(hier_should_use_l1i_for_fetches_and_l1d_for_data);
	RUN(hier_should_return_lookup_levels_and_data);
	RUN(hier_should_serve_data_from_the_2m_array);
	RUN(hier_should_fragment_2m_entries_without_an_l1d_2m_array);
	RUN(hier_should_flush_all_arrays);
	RUN(hier_should_count_without_stats);
	RUN(hier_should_reject_plru_on_a_12_way_l2);
	RUN(hier_should_use_the_configured_granule);
	return T_DONE();
}
