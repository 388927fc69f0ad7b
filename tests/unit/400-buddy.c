/*
 * 400-buddy.c - the buddy allocator (core/mm/page_alloc.c): splitting and
 * merging, determinism, exhaustion, RAM sizes that are not a multiple of a
 * 2^MAX_ORDER block, lazily allocated metadata, struct page layout.
 */
#include <stdlib.h>

#include "mm/internal.h"
#include "t.h"

#define BLOCK (UINT64_C(1) << MAX_ORDER)

static uint64_t rng_next(uint64_t *x)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return *x >> 33;
}

/* Shuffle a[0..n) deterministically. */
static void shuffle(pfn_t *a, uint64_t n, uint64_t seed)
{
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng_next(&seed) % i;
		pfn_t tmp = a[i - 1];

		a[i - 1] = a[j];
		a[j] = tmp;
	}
}

static uint64_t free_frames_on_lists(const struct phys *p)
{
	uint64_t n = 0;

	for (unsigned o = 0; o <= MAX_ORDER; o++)
		n += phys_nr_free_blocks(p, o) << o;
	return n;
}

static void page_should_be_32_bytes(void)
{
	CHECK_EQ(sizeof(struct page), 32);
}

static void buddy_should_hand_out_ascending_frames_when_fresh(void)
{
	struct phys *p = phys_create(4096, 12);

	for (pfn_t i = 0; i < 100; i++)
		CHECK_EQ(phys_alloc(p, 0), i);
	CHECK_EQ(phys_nr_free(p), 4096 - 100);
	/* an order-2 block comes from the lists, naturally aligned */
	pfn_t b = phys_alloc(p, 2);
	CHECK_EQ(b & 3, 0);
	CHECK(b >= 100);
	phys_destroy(p);
}

static void buddy_should_coalesce_everything_after_freeing_all_order0(void)
{
	const uint64_t n = 4 * BLOCK;
	struct phys *p = phys_create(n, 12);
	pfn_t *a = malloc(n * sizeof(*a));

	for (uint64_t i = 0; i < n; i++) {
		a[i] = phys_alloc(p, 0);
		CHECK(a[i] != PFN_NONE);
	}
	CHECK_EQ(phys_nr_free(p), 0);
	CHECK_EQ(phys_alloc(p, 0), PFN_NONE);
	shuffle(a, n, 42);
	for (uint64_t i = 0; i < n; i++)
		phys_free(p, a[i], 0);
	CHECK_EQ(phys_nr_free(p), n);
	CHECK_EQ(phys_nr_free_blocks(p, MAX_ORDER), 4);
	for (unsigned o = 0; o < MAX_ORDER; o++)
		CHECK_EQ(phys_nr_free_blocks(p, o), 0);
	/* and it can hand out whole top-order blocks again */
	for (int i = 0; i < 4; i++)
		CHECK(phys_alloc(p, MAX_ORDER) != PFN_NONE);
	CHECK_EQ(phys_alloc(p, 0), PFN_NONE);
	free(a);
	phys_destroy(p);
}

struct alloc {
	pfn_t pfn;
	unsigned order;
};

/* A random mix of allocations and frees; checks alignment and overlap on
 * a shadow map; writes the pfns it got to out[] (for the determinism test). */
static uint64_t random_workload(struct phys *p, uint64_t n, uint64_t seed, pfn_t *out,
				uint64_t nout)
{
	unsigned char *used = calloc(n, 1);
	struct alloc live[512];
	unsigned nlive = 0;
	uint64_t k = 0, bad = 0;

	for (int step = 0; step < 20000; step++) {
		if (nlive < 512 && (nlive == 0 || rng_next(&seed) % 3 != 0)) {
			unsigned order = (unsigned)(rng_next(&seed) % 100 < 80 ? 0 : rng_next(&seed) % 6);
			pfn_t pfn = phys_alloc(p, order);

			if (k < nout)
				out[k++] = pfn;
			if (pfn == PFN_NONE)
				continue;
			if (pfn & ((1u << order) - 1))
				bad++;
			for (uint64_t i = 0; i < (UINT64_C(1) << order); i++) {
				if (pfn + i >= n || used[pfn + i])
					bad++;
				else
					used[pfn + i] = 1;
			}
			live[nlive++] = (struct alloc){ pfn, order };
		} else {
			unsigned j = (unsigned)(rng_next(&seed) % nlive);

			for (uint64_t i = 0; i < (UINT64_C(1) << live[j].order); i++)
				used[live[j].pfn + i] = 0;
			phys_free(p, live[j].pfn, live[j].order);
			live[j] = live[--nlive];
		}
		if (phys_nr_free(p) < free_frames_on_lists(p))
			bad++;
	}
	while (nlive) {
		nlive--;
		phys_free(p, live[nlive].pfn, live[nlive].order);
	}
	free(used);
	return bad;
}

static void buddy_should_never_overlap_and_merge_back_after_random_use(void)
{
	const uint64_t n = 3 * BLOCK + 700; /* not a multiple of a block */
	struct phys *p = phys_create(n, 12);

	CHECK_EQ(random_workload(p, n, 7, NULL, 0), 0);
	CHECK_EQ(phys_nr_free(p), n);
	/* everything carved has coalesced into maximal aligned blocks: at most
	 * one block of each order below the top (the carved tail) */
	CHECK(phys_nr_free_blocks(p, MAX_ORDER) <= 3);
	for (unsigned o = 0; o < MAX_ORDER; o++)
		CHECK(phys_nr_free_blocks(p, o) <= 1);
	phys_destroy(p);
}

static void buddy_should_be_deterministic(void)
{
	const uint64_t n = 2 * BLOCK + 123;
	pfn_t a[4000], b[4000];
	struct phys *p = phys_create(n, 12), *q = phys_create(n, 12);

	random_workload(p, n, 99, a, 4000);
	random_workload(q, n, 99, b, 4000);
	CHECK(memcmp(a, b, sizeof a) == 0);
	phys_destroy(p);
	phys_destroy(q);
}

static void buddy_should_return_pfn_none_when_exhausted(void)
{
	struct phys *p = phys_create(BLOCK, 12);

	CHECK_EQ(phys_alloc(p, MAX_ORDER + 1), PFN_NONE);
	CHECK_EQ(phys_alloc(p, MAX_ORDER), 0);
	CHECK_EQ(phys_alloc(p, 0), PFN_NONE);
	CHECK_EQ(phys_nr_free(p), 0);
	phys_free(p, 0, MAX_ORDER);
	CHECK_EQ(phys_nr_free(p), BLOCK);
	CHECK_EQ(phys_alloc(p, 3), 0);
	CHECK_EQ(phys_alloc(p, MAX_ORDER), PFN_NONE); /* fragmented: nothing changes */
	CHECK_EQ(phys_nr_free(p), BLOCK - 8);
	phys_destroy(p);
	CHECK(phys_create(0, 12) == NULL);
}

static void buddy_should_carve_odd_ram_sizes_into_aligned_blocks(void)
{
	/* 1000 frames = 512 + 256 + 128 + 64 + 32 + 8 */
	struct phys *p = phys_create(1000, 12);
	pfn_t got[1000];
	uint64_t n = 0;

	CHECK_EQ(phys_alloc(p, MAX_ORDER), PFN_NONE);
	CHECK_EQ(phys_nr_free(p), 1000);
	CHECK_EQ(phys_alloc(p, 9), 0);
	CHECK_EQ(phys_alloc(p, 3), 512); /* carves the 256-frame block */
	phys_free(p, 512, 3);
	phys_free(p, 0, 9);
	while ((got[n] = phys_alloc(p, 0)) != PFN_NONE) {
		CHECK(got[n] < 1000);
		n++;
		if (n == 1000)
			break;
	}
	CHECK_EQ(n, 1000);
	CHECK_EQ(phys_alloc(p, 0), PFN_NONE);
	for (uint64_t i = 0; i < n; i++)
		phys_free(p, got[i], 0);
	CHECK_EQ(phys_nr_free_blocks(p, 9), 1);
	CHECK_EQ(phys_nr_free_blocks(p, 8), 1);
	CHECK_EQ(phys_nr_free_blocks(p, 7), 1);
	CHECK_EQ(phys_nr_free_blocks(p, 6), 1);
	CHECK_EQ(phys_nr_free_blocks(p, 5), 1);
	CHECK_EQ(phys_nr_free_blocks(p, 4), 0);
	CHECK_EQ(phys_nr_free_blocks(p, 3), 1);
	CHECK_EQ(phys_nr_free(p), 1000);
	phys_destroy(p);

	/* 5 MiB + 12 KiB: one more odd shape (1283 = 1024 + 256 + 2 + 1) */
	p = phys_create(1283, 12);
	n = 0;
	while (phys_alloc(p, 0) != PFN_NONE)
		n++;
	CHECK_EQ(n, 1283);
	phys_destroy(p);
}

static void buddy_should_allocate_metadata_lazily(void)
{
	/* 64 GiB of 4 KiB frames: 512 MiB of struct page if allocated eagerly */
	struct phys *p = phys_create(UINT64_C(16) << 20, 12);

	CHECK(p != NULL);
	CHECK(phys_meta_bytes(p) < (UINT64_C(64) << 10));
	for (int i = 0; i < 10; i++)
		CHECK_EQ(phys_alloc(p, 0), (pfn_t)i);
	CHECK(phys_meta_bytes(p) < (UINT64_C(256) << 10));
	CHECK_EQ(phys_nr_free(p), (UINT64_C(16) << 20) - 10);
	CHECK_EQ(phys_nr_frames(p), UINT64_C(16) << 20);
	phys_destroy(p);
}

static void buddy_should_set_head_tail_and_buddy_flags(void)
{
	struct phys *p = phys_create(BLOCK, 12);
	pfn_t b = phys_alloc(p, 2);
	struct page *pg = pfn_to_page(p, b);

	CHECK_EQ(b, 0);
	CHECK_EQ(pg->refcount, 1);
	CHECK_EQ(pg->flags, 0);
	CHECK_EQ(pg->lru_next, PFN_NONE);
	for (pfn_t i = 1; i < 4; i++) {
		CHECK_EQ(pfn_to_page(p, b + i)->flags, PG_tail);
		CHECK_EQ(pfn_to_page(p, b + i)->refcount, 0);
	}
	/* the upper halves of the split block are free block heads */
	CHECK(pfn_to_page(p, 4)->flags & PG_buddy);
	CHECK_EQ(pfn_to_page(p, 4)->mapping, 2);
	CHECK(pfn_to_page(p, 512)->flags & PG_buddy);
	CHECK_EQ(pfn_to_page(p, 512)->mapping, 9);
	phys_free(p, b, 2);
	CHECK_EQ(pfn_to_page(p, 0)->flags, PG_buddy);
	CHECK_EQ(pfn_to_page(p, 0)->mapping, MAX_ORDER);
	CHECK_EQ(pfn_to_page(p, 1)->flags, 0);
	CHECK(pfn_to_page(p, BLOCK) == NULL);
	phys_destroy(p);
}

static void buddy_should_reuse_the_last_freed_frame_first(void)
{
	struct phys *p = phys_create(BLOCK, 12);
	pfn_t a = phys_alloc(p, 0), b = phys_alloc(p, 0), c = phys_alloc(p, 0);
	pfn_t d = phys_alloc(p, 0);

	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK_EQ(c, 2);
	CHECK_EQ(d, 3);
	phys_free(p, b, 0); /* buddies 0 and 2 are in use: no merging */
	phys_free(p, d, 0);
	CHECK_EQ(phys_alloc(p, 0), d); /* LIFO (no per-CPU lists) */
	CHECK_EQ(phys_alloc(p, 0), b);
	phys_destroy(p);
}

int main(void)
{
	RUN(page_should_be_32_bytes);
	RUN(buddy_should_hand_out_ascending_frames_when_fresh);
	RUN(buddy_should_coalesce_everything_after_freeing_all_order0);
	RUN(buddy_should_never_overlap_and_merge_back_after_random_use);
	RUN(buddy_should_be_deterministic);
	RUN(buddy_should_return_pfn_none_when_exhausted);
	RUN(buddy_should_carve_odd_ram_sizes_into_aligned_blocks);
	RUN(buddy_should_allocate_metadata_lazily);
	RUN(buddy_should_set_head_tail_and_buddy_flags);
	RUN(buddy_should_reuse_the_last_freed_frame_first);
	return T_DONE();
}
