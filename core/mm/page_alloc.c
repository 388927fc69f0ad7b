/*
 * mm/page_alloc.c - physical frames: the buddy allocator and the struct page
 * array, after mm/page_alloc.c of Linux 6.x (__rmqueue_smallest, expand,
 * __free_one_page, buddy_merge_likely).
 *
 * Model: one zone, one migrate type, orders 0..max_order (MAX_ORDER = 10 for
 * 4K frames, 11 for 16K and 13 for 64K, arm64's ARCH_FORCE_MAX_ORDER; Linux 6.x calls the
 * top order MAX_PAGE_ORDER; a block of the top order is 2^10 frames).
 *
 * Simplified relative to Linux: no per-CPU page lists (frees go straight to
 * the buddy lists), no watermarks here (vmscan.c decides when to reclaim),
 * no migrate types, compaction, page poisoning or debug checks, no locks.
 *
 * Lazy memory.  A machine of 64 GiB has 16 Mi frames; their metadata costs
 * 512 MiB if allocated up front.  Instead:
 *   - the struct page array is one reserved, unpopulated host mapping
 *     (MAP_NORESERVE, advised MADV_HUGEPAGE so the host faults it in 2 MiB
 *     at a time, not 4 KiB); it is cut into sections of PAGES_PER_SECTION
 *     frames, and a section enters the section table (and meta_bytes) the
 *     first time any page of it is touched (pfn_to_page);
 *   - frames at or above `carved` (the "never used" watermark) are free but
 *     not on any list; they are carved off in blocks of 2^max_order frames
 *     (at the end of RAM: the largest aligned power of two that fits) only
 *     when the free lists cannot satisfy a request.
 * Carving happens from low addresses upwards, so a fresh machine hands out
 * frames 0, 1, 2, ... and touches only the sections it uses.
 *
 * Free lists.  free_area[order] is a doubly linked list of block heads,
 * linked through page->lru_next / lru_prev as pfns (PFN_NONE ends).  A free
 * block head has PG_buddy and its order in page->mapping.  Allocation takes
 * the list head (LIFO, as Linux's __rmqueue_smallest); expand() puts the
 * upper halves of a split block on the lists and returns the lowest frame.
 * Frees push to the head, except that a merged block whose next-higher buddy
 * is free goes to the tail (Linux's buddy_merge_likely), so it stays free
 * longer and can merge.  Everything is a function of the call sequence:
 * the same calls give the same pfns.
 *
 * Invariants:
 *   1. A free block of order k starts at a pfn that is a multiple of 2^k,
 *      lies below `carved`, and its head alone carries PG_buddy.
 *   2. No two free buddies of the same order exist (they would have merged).
 *   3. nr_free == sum over lists of 2^order + (nr_frames - carved).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

_Static_assert(sizeof(struct page) == 32, "struct page must stay 32 bytes (issue #3)");

#define SECTION_SHIFT PHYS_SECTION_SHIFT
#define PAGES_PER_SECTION (UINT64_C(1) << SECTION_SHIFT) /* 4096 frames: 128 KiB of metadata */

struct free_area {
	pfn_t head, tail;        /* first and last block head; PFN_NONE if empty */
	uint64_t nr_free;        /* blocks on the list */
};

struct phys {
	uint64_t nr_frames;      /* frames of RAM */
	unsigned page_shift;     /* log2 of the frame size */
	struct page **section;   /* nr_sections pointers; NULL until first touch */
	struct page *arena;      /* nr_sections * PAGES_PER_SECTION, reserved */
	size_t arena_bytes;
	uint64_t nr_sections;
	uint64_t carved;         /* frames >= carved were never handed to the lists */
	uint64_t nr_free;        /* free frames, including the uncarved ones */
	uint64_t meta_bytes;     /* host bytes of metadata calloc'ed so far */
	unsigned max_order;      /* MAX_ORDER for 4K frames; see phys_create */
	struct free_area free_area[PHYS_MAX_ORDER_LIMIT + 1];
};

/*
 * Create physical memory of `nr_frames` frames.  No struct page exists yet;
 * all frames are free (uncarved).  Returns NULL if nr_frames is 0 or does not
 * fit a pfn_t, or on host allocation failure.
 */
struct phys *phys_create(uint64_t nr_frames, unsigned page_shift)
{
	struct phys *p;

	if (nr_frames == 0 || nr_frames >= PFN_NONE)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nr_frames = nr_frames;
	p->page_shift = page_shift;
	/* arm64's ARCH_FORCE_MAX_ORDER: 11 with 16K pages, 13 with 64K, so
	 * that a PMD-sized THP (32 MiB / 512 MiB) is one buddy block */
	p->max_order = page_shift >= 16 ? 13 : page_shift >= 14 ? 11 : MAX_ORDER;
	p->nr_sections = (nr_frames + PAGES_PER_SECTION - 1) >> SECTION_SHIFT;
	p->section = calloc(p->nr_sections, sizeof(*p->section));
	p->arena_bytes = p->nr_sections * PAGES_PER_SECTION * sizeof(struct page);
	p->arena = mmap(NULL, p->arena_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!p->section || p->arena == MAP_FAILED) {
		if (p->arena != MAP_FAILED)
			munmap(p->arena, p->arena_bytes);
		free(p->section);
		free(p);
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	madvise(p->arena, p->arena_bytes, MADV_HUGEPAGE); /* advice only */
#endif
	p->meta_bytes = sizeof(*p) + p->nr_sections * sizeof(*p->section);
	p->nr_free = nr_frames;
	for (unsigned o = 0; o <= p->max_order; o++)
		p->free_area[o].head = p->free_area[o].tail = PFN_NONE;
	return p;
}

/* Free the metadata and the descriptor; NULL is a no-op. */
void phys_destroy(struct phys *p)
{
	if (!p)
		return;
	munmap(p->arena, p->arena_bytes);
	free(p->section);
	free(p);
}

/*
 * The struct page of `pfn`, entering its section on first use (a fresh
 * page is all zero: no flags, refcount 0, unlinked).  Returns NULL only for
 * pfn >= nr_frames.
 */
struct page *pfn_to_page(struct phys *p, pfn_t pfn)
{
	uint64_t sec = (uint64_t)pfn >> SECTION_SHIFT;
	struct page *pg;

	if ((uint64_t)pfn >= p->nr_frames)
		return NULL;
	pg = p->section[sec];
	if (!pg) {
		pg = p->arena + (sec << SECTION_SHIFT); /* fresh mapping: zero */
		p->section[sec] = pg;
		p->meta_bytes += PAGES_PER_SECTION * sizeof(*pg);
	}
	return &pg[pfn & (PAGES_PER_SECTION - 1)];
}

/* The flat struct page array (see page_of in internal.h). */
struct page *phys_mem_map(const struct phys *p)
{
	return p->arena;
}

/* Like pfn_to_page, but never allocates: NULL if the section is untouched. */
static struct page *pfn_to_page_noalloc(const struct phys *p, pfn_t pfn)
{
	struct page *pg = p->section[(uint64_t)pfn >> SECTION_SHIFT];

	return pg ? &pg[pfn & (PAGES_PER_SECTION - 1)] : NULL;
}

/* ---- free lists ------------------------------------------------------------ */

static void set_buddy_order(struct page *pg, unsigned order)
{
	pg->flags = PG_buddy;
	pg->refcount = 0;
	pg->mapcount = 0;
	pg->mapping = order;
	pg->index = 0;
}

static void add_to_free_list(struct phys *p, pfn_t pfn, unsigned order, int to_tail)
{
	struct free_area *fa = &p->free_area[order];
	struct page *pg = pfn_to_page(p, pfn);

	set_buddy_order(pg, order);
	if (fa->head == PFN_NONE) {
		pg->lru_next = pg->lru_prev = PFN_NONE;
		fa->head = fa->tail = pfn;
	} else if (to_tail) {
		pg->lru_prev = fa->tail;
		pg->lru_next = PFN_NONE;
		pfn_to_page(p, fa->tail)->lru_next = pfn;
		fa->tail = pfn;
	} else {
		pg->lru_next = fa->head;
		pg->lru_prev = PFN_NONE;
		pfn_to_page(p, fa->head)->lru_prev = pfn;
		fa->head = pfn;
	}
	fa->nr_free++;
}

/* Unlink the free block head `pfn` of `order` and clear its buddy marks. */
static void del_from_free_list(struct phys *p, pfn_t pfn, unsigned order)
{
	struct free_area *fa = &p->free_area[order];
	struct page *pg = pfn_to_page(p, pfn);

	if (pg->lru_prev != PFN_NONE)
		pfn_to_page(p, pg->lru_prev)->lru_next = pg->lru_next;
	else
		fa->head = pg->lru_next;
	if (pg->lru_next != PFN_NONE)
		pfn_to_page(p, pg->lru_next)->lru_prev = pg->lru_prev;
	else
		fa->tail = pg->lru_prev;
	pg->lru_next = pg->lru_prev = PFN_NONE;
	pg->flags &= ~PG_buddy;
	pg->mapping = 0;
	fa->nr_free--;
}

/* Is `pfn` the head of a free block of exactly `order` (Linux page_is_buddy)? */
static int page_is_buddy(const struct phys *p, uint64_t pfn, unsigned order)
{
	const struct page *pg;

	if (pfn >= p->carved)
		return 0;
	pg = pfn_to_page_noalloc(p, (pfn_t)pfn);
	return pg && (pg->flags & PG_buddy) && pg->mapping == order;
}

/*
 * Linux buddy_merge_likely: after a block of `order` at `pfn` went on the
 * lists, would the combined block (order + 1) find its own buddy free?  Then
 * the block is queued at the tail so that it is not reallocated at once.
 */
static int buddy_merge_likely(const struct phys *p, uint64_t pfn, unsigned order)
{
	uint64_t higher;

	if (order >= p->max_order - 1)
		return 0;
	higher = (pfn & ~(UINT64_C(1) << order)) ^ (UINT64_C(1) << (order + 1));
	return page_is_buddy(p, higher, order + 1);
}

/*
 * Linux __free_one_page: put the block back, merging with its buddy as long
 * as the buddy is a free block of the same order and inside carved memory.
 */
static void __free_one_page(struct phys *p, uint64_t pfn, unsigned order)
{
	int to_tail;

	while (order < p->max_order) {
		uint64_t buddy = pfn ^ (UINT64_C(1) << order);

		if (buddy + (UINT64_C(1) << order) > p->nr_frames || !page_is_buddy(p, buddy, order))
			break;
		del_from_free_list(p, (pfn_t)buddy, order);
		pfn &= buddy;   /* the lower of the two heads */
		order++;
	}
	to_tail = buddy_merge_likely(p, pfn, order);
	add_to_free_list(p, (pfn_t)pfn, order, to_tail);
}

/* Order of the next block carve_block() would take, or -1 if none is left:
 * max_order, or at the end of RAM the largest power of two that fits. */
static int next_carve_order(const struct phys *p)
{
	uint64_t left = p->nr_frames - p->carved;
	int order = p->max_order;

	if (left == 0)
		return -1;
	while ((UINT64_C(1) << order) > left)
		order--;
	return order;
}

/*
 * Carve the next never-used block off the watermark onto the free lists.
 * Blocks are aligned, since `carved` only advances by sizes that never grow
 * (so carving is also never followed by a merge).  The first carve is always
 * the largest one, so one carve serves a request or none can.
 */
static void carve_block(struct phys *p, unsigned order)
{
	assert((p->carved & ((UINT64_C(1) << order) - 1)) == 0);
	add_to_free_list(p, (pfn_t)p->carved, order, 0);
	p->carved += UINT64_C(1) << order;
}

/*
 * Linux expand(): the block of `high` order at `pfn` is split until it has
 * `low` order; the upper halves go on the free lists, the lowest part is
 * returned to the caller.
 */
static void expand(struct phys *p, uint64_t pfn, unsigned low, unsigned high)
{
	while (high > low) {
		high--;
		add_to_free_list(p, (pfn_t)(pfn + (UINT64_C(1) << high)), high, 0);
	}
}

/* The lowest order >= `order` with a free block, or max_order + 1. */
static unsigned first_nonempty_order(const struct phys *p, unsigned order)
{
	while (order <= p->max_order && p->free_area[order].head == PFN_NONE)
		order++;
	return order;
}

/* Make an allocated block's metadata: head refcount 1, tails PG_tail. */
static void prep_new_page(struct phys *p, pfn_t pfn, unsigned order)
{
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++) {
		struct page *pg = pfn_to_page(p, (pfn_t)(pfn + i));

		memset(pg, 0, sizeof(*pg));
		pg->lru_next = pg->lru_prev = PFN_NONE;
		pg->flags = i ? PG_tail : 0;
	}
	pfn_to_page(p, pfn)->refcount = 1;
}

/*
 * Allocate 2^order contiguous, naturally aligned frames (Linux
 * __rmqueue_smallest).  The free lists are tried first, smallest order up;
 * only when none can serve is fresh memory carved.  On success the head page
 * has refcount 1 and no flags, tail pages have PG_tail (the caller sets
 * PG_head and the folio order if it wants a large folio); all list links are
 * PFN_NONE.  Returns PFN_NONE when no block of that order is free (nothing
 * changes then) or for order > max_order.
 */
pfn_t phys_alloc(struct phys *p, unsigned order)
{
	unsigned cur;
	pfn_t pfn;

	if (order > p->max_order)
		return PFN_NONE;
	cur = first_nonempty_order(p, order);
	if (cur > p->max_order) {
		int next = next_carve_order(p);

		if (next < (int)order)
			return PFN_NONE;
		carve_block(p, (unsigned)next);
		cur = (unsigned)next;
	}
	pfn = p->free_area[cur].head;
	del_from_free_list(p, pfn, cur);
	expand(p, pfn, order, cur);
	prep_new_page(p, pfn, order);
	p->nr_free -= UINT64_C(1) << order;
	return pfn;
}

/*
 * Free a block obtained from phys_alloc with the same `order`.  All pages'
 * flags are cleared and the head is merged with free buddies.  The caller
 * must have dropped every reference; a pfn out of range, misaligned, or
 * already free is ignored (defensive: a double free would corrupt the lists).
 */
void phys_free(struct phys *p, pfn_t pfn, unsigned order)
{
	uint64_t n = UINT64_C(1) << order;
	struct page *head;

	if (order > p->max_order || (uint64_t)pfn + n > p->carved || (pfn & (n - 1)))
		return;
	head = pfn_to_page(p, pfn);
	if (!head || (head->flags & PG_buddy))
		return;
	for (uint64_t i = 1; i < n; i++)
		pfn_to_page(p, (pfn_t)(pfn + i))->flags = 0;
	__free_one_page(p, pfn, order);
	p->nr_free += n;
}

/* Frames of RAM. */
uint64_t phys_nr_frames(const struct phys *p)
{
	return p->nr_frames;
}

/* Free frames: on the lists plus never carved. */
unsigned phys_max_order(const struct phys *p)
{
	return p->max_order;
}

uint64_t phys_nr_free(const struct phys *p)
{
	return p->nr_free;
}

/* Free blocks on the list of `order` (uncarved memory is not counted here). */
uint64_t phys_nr_free_blocks(const struct phys *p, unsigned order)
{
	return order <= p->max_order ? p->free_area[order].nr_free : 0;
}

/* Host bytes of metadata: the descriptor, the section table and the sections. */
uint64_t phys_meta_bytes(const struct phys *p)
{
	return p->meta_bytes;
}
