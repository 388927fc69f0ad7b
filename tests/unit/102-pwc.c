/*
 * 102-pwc.c - paging-structure caches (core/tlb/pwc.c): the deepest level
 * that hits wins, keys are (va >> shift, asid), LRU within a level, flushes.
 */
#include "memsim/tlb.h"
#include "t.h"

/* x86-64 4-level: PML4 entries (va >> 39), PDPT entries (>> 30), PDEs (>> 21). */
static const unsigned shifts[3] = { 39, 30, 21 };

static void mk(struct pwc *p)
{
	CHECK_EQ(pwc_create(p, 3, shifts, (struct tlb_geom){ 4, 4 }, 1), 0);
}

static void pwc_should_return_the_deepest_level_that_hits(void)
{
	struct pwc p;
	uint64_t pfn = 0, va = 0x7f1234567000ull;
	mk(&p);
	CHECK_EQ(pwc_lookup(&p, va, 1, &pfn), -1);
	pwc_fill(&p, 0, va, 1, 0x100);           /* PML4E -> PDPT at frame 0x100 */
	CHECK_EQ(pwc_lookup(&p, va, 1, &pfn), 0);
	CHECK_EQ(pfn, 0x100);
	pwc_fill(&p, 2, va, 1, 0x300);           /* PDE -> PT at frame 0x300 */
	CHECK_EQ(pwc_lookup(&p, va, 1, &pfn), 2);
	CHECK_EQ(pfn, 0x300);
	pwc_fill(&p, 1, va, 1, 0x200);
	CHECK_EQ(pwc_lookup(&p, va, 1, &pfn), 2);
	/* same 1 GiB region, other 2 MiB region: the PDPT level is deepest */
	CHECK_EQ(pwc_lookup(&p, va + (4u << 20), 1, &pfn), 1);
	CHECK_EQ(pfn, 0x200);
	/* same 512 GiB region, other 1 GiB region: PML4 level */
	CHECK_EQ(pwc_lookup(&p, va + (2ull << 30), 1, &pfn), 0);
	CHECK_EQ(pfn, 0x100);
	CHECK_EQ(pwc_lookup(&p, va + (1ull << 39), 1, &pfn), -1);
	CHECK_EQ(p.hits, 5);
	CHECK_EQ(p.misses, 2);
	CHECK_EQ(p.lv[2].hits, 2);     /* probed deepest first */
	CHECK_EQ(p.lv[0].misses, 2);   /* reached only by the two total misses */
	pwc_destroy(&p);
}

static void pwc_should_isolate_asids_and_flush(void)
{
	struct pwc p;
	uint64_t pfn;
	mk(&p);
	pwc_fill(&p, 2, 0x400000, 1, 0x11);
	pwc_fill(&p, 2, 0x400000, 2, 0x22);
	CHECK_EQ(pwc_lookup(&p, 0x400000, 1, &pfn), 2);
	CHECK_EQ(pfn, 0x11);
	CHECK_EQ(pwc_lookup(&p, 0x5fffff, 2, &pfn), 2);
	CHECK_EQ(pfn, 0x22);
	CHECK_EQ(pwc_lookup(&p, 0x400000, 3, &pfn), -1);
	pwc_flush_asid(&p, 1);
	CHECK_EQ(pwc_lookup(&p, 0x400000, 1, &pfn), -1);
	CHECK_EQ(pwc_lookup(&p, 0x400000, 2, &pfn), 2);
	pwc_flush_all(&p);
	CHECK_EQ(pwc_lookup(&p, 0x400000, 2, &pfn), -1);
	pwc_destroy(&p);
}

static void pwc_should_evict_lru_within_a_level(void)
{
	struct pwc p;
	uint64_t pfn;
	mk(&p);
	for (uint64_t i = 0; i < 4; i++)
		pwc_fill(&p, 2, i << 21, 1, 0x40 + i);
	CHECK_EQ(pwc_lookup(&p, 0, 1, &pfn), 2);    /* region 0 is now recent */
	pwc_fill(&p, 2, 4ull << 21, 1, 0x44);       /* evicts region 1 */
	CHECK_EQ(pwc_lookup(&p, 1ull << 21, 1, &pfn), -1);
	CHECK_EQ(pwc_lookup(&p, 0, 1, &pfn), 2);
	CHECK_EQ(pwc_lookup(&p, 4ull << 21, 1, &pfn), 2);
	CHECK_EQ(pfn, 0x44);
	pwc_fill(&p, 2, 4ull << 21, 1, 0x45);       /* overwrite in place */
	CHECK_EQ(pwc_lookup(&p, 4ull << 21, 1, &pfn), 2);
	CHECK_EQ(pfn, 0x45);
	CHECK_EQ(p.lv[2].nvalid, 4);
	pwc_destroy(&p);
}

static void pwc_should_check_its_arguments(void)
{
	struct pwc p;
	unsigned six[6] = { 48, 39, 30, 21, 12, 12 };
	unsigned bad[1] = { 64 };
	uint64_t pfn;
	CHECK_EQ(pwc_create(&p, 6, six, (struct tlb_geom){ 4, 4 }, 1), SIM_EINPUT);
	CHECK_EQ(pwc_create(&p, 1, bad, (struct tlb_geom){ 4, 4 }, 1), SIM_EINPUT);
	CHECK_EQ(pwc_create(&p, 2, six, (struct tlb_geom){ 5, 4 }, 1), SIM_EINPUT);
	CHECK(p.lv[0].tag == NULL);
	pwc_destroy(&p);
	pwc_destroy(NULL);
	CHECK_EQ(pwc_create(&p, 0, NULL, (struct tlb_geom){ 4, 4 }, 1), 0);
	CHECK_EQ(pwc_lookup(&p, 0, 0, &pfn), -1);
	pwc_destroy(&p);
	CHECK_EQ(pwc_create(&p, 4, six, (struct tlb_geom){ 16, 0 }, 1), 0); /* 5-level */
	pwc_fill(&p, 7, 0, 0, 1);                   /* no such level: ignored */
	pwc_fill(&p, 3, 0x12345678, 0, 9);
	CHECK_EQ(pwc_lookup(&p, 0x12345678, 0, &pfn), 3);
	CHECK_EQ(pfn, 9);
	pwc_destroy(&p);
}

int main(void)
{
	RUN(pwc_should_return_the_deepest_level_that_hits);
	RUN(pwc_should_isolate_asids_and_flush);
	RUN(pwc_should_evict_lru_within_a_level);
	RUN(pwc_should_check_its_arguments);
	return T_DONE();
}
