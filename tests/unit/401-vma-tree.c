/*
 * 401-vma-tree.c - the VMA tree of core/mm/mmap.c: random inserts and
 * removals of hundreds of VMAs, find_vma / vma_prev / vma_next against a
 * reference array, AVL invariants (vma_tree_check), the find_vma cache,
 * vma_insert_copy and mm_free_vmas.
 */
#include <math.h>
#include <stdlib.h>

#include "409-mmap-t.h"

#define NSLOT 600
#define BASE UINT64_C(0x100000000)
/* slot i is [BASE + 4p*i, BASE + 4p*i + 2p): never adjacent, so never merged */
#define SLOT_START(i) (BASE + 4 * P * (uint64_t)(i))
#define SLOT_END(i) (SLOT_START(i) + 2 * P)

static uint64_t rng_next(uint64_t *x)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return *x >> 33;
}

static void shuffle(unsigned *a, unsigned n, uint64_t seed)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(rng_next(&seed) % i), tmp = a[i - 1];

		a[i - 1] = a[j];
		a[j] = tmp;
	}
}

/* Compare the tree of t with present[]: walk, counts, find_vma probes. */
static int matches_reference(struct task *t, const unsigned char *present)
{
	struct mm *mm = task_mm(t);
	struct vma *v = vma_first(mm), *last = NULL;
	unsigned n = 0, bad = 0;

	for (unsigned i = 0; i < NSLOT; i++) {
		if (!present[i])
			continue;
		n++;
		if (!v || v->vm_start != SLOT_START(i) || v->vm_end != SLOT_END(i)) {
			bad++;
			break;
		}
		if (vma_prev(mm, v) != last)
			bad++;
		last = v;
		v = vma_next(mm, v);
	}
	if (v || mm->map_count != n)
		bad++;
	/* find_vma: the first VMA ending above the address */
	for (unsigned i = 0; i < NSLOT; i++) {
		vaddr_t probes[3] = { SLOT_START(i), SLOT_END(i) - 1, SLOT_END(i) };

		for (int k = 0; k < 3; k++) {
			unsigned j = i + (k == 2);
			struct vma *f = find_vma(mm, probes[k]);

			while (j < NSLOT && !present[j])
				j++;
			if (j == NSLOT ? f != NULL : !f || f->vm_start != SLOT_START(j))
				bad++;
		}
	}
	return bad == 0;
}

static void vma_tree_should_match_reference_under_random_inserts_and_removes(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	unsigned order[NSLOT], bad = 0;
	unsigned char present[NSLOT] = { 0 };

	for (unsigned i = 0; i < NSLOT; i++)
		order[i] = i;
	shuffle(order, NSLOT, 1);
	for (unsigned i = 0; i < NSLOT; i++) {
		unsigned k = order[i];

		if (anon_fixed(s, t, SLOT_START(k), 2 * P, RW) != (int64_t)SLOT_START(k))
			bad++;
		present[k] = 1;
		if (vma_tree_check(task_mm(t)))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(task_mm(t)->map_count, NSLOT);
	CHECK_EQ(task_mm(t)->total_vm, 2 * NSLOT);
	CHECK(matches_reference(t, present));

	/* remove a random half, one at a time */
	shuffle(order, NSLOT, 2);
	for (unsigned i = 0; i < NSLOT / 2; i++) {
		unsigned k = order[i];

		if (do_munmap(s, t, SLOT_START(k), 2 * P))
			bad++;
		present[k] = 0;
		if (vma_tree_check(task_mm(t)))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(task_mm(t)->map_count, NSLOT / 2);
	CHECK_EQ(task_mm(t)->total_vm, NSLOT);
	CHECK(matches_reference(t, present));

	/* re-insert some, remove ranges spanning many VMAs */
	for (unsigned i = 0; i < NSLOT / 4; i++) {
		unsigned k = order[i];

		anon_fixed(s, t, SLOT_START(k), 2 * P, RW);
		present[k] = 1;
	}
	CHECK_EQ(do_munmap(s, t, SLOT_START(100), SLOT_START(200) - SLOT_START(100)), 0);
	for (unsigned i = 100; i < 200; i++)
		present[i] = 0;
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	CHECK(matches_reference(t, present));
	sim_destroy(s);
}

static void vma_tree_should_stay_logarithmic_for_ascending_inserts(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	unsigned n = 0;

	for (unsigned i = 0; i < NSLOT; i++) /* ascending: a plain BST degenerates */
		n += anon_fixed(s, t, SLOT_START(i), 2 * P, RW) == (int64_t)SLOT_START(i);
	CHECK_EQ(n, NSLOT);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	/* AVL height bound: h < 1.4405 log2(n + 2) */
	CHECK(task_mm(t)->mmap_root->height < 1.4405 * log2(NSLOT + 2.0));
	for (unsigned i = NSLOT; i-- > 0;) /* descending removals */
		do_munmap(s, t, SLOT_START(i), 2 * P);
	CHECK_EQ(task_mm(t)->map_count, 0);
	CHECK(task_mm(t)->mmap_root == NULL);
	CHECK_EQ(task_mm(t)->total_vm, 0);
	sim_destroy(s);
}

static void find_vma_should_use_and_invalidate_its_cache(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct mm *mm = task_mm(t);
	struct vma *v;

	for (unsigned i = 0; i < 10; i++)
		anon_fixed(s, t, SLOT_START(i), 2 * P, RW);
	v = find_vma(mm, SLOT_START(5) + P);
	CHECK(v && v->vm_start == SLOT_START(5));
	CHECK(mm->mmap_cache == v);
	CHECK(find_vma(mm, SLOT_START(5)) == v);
	/* an address in a hole: the next VMA */
	v = find_vma(mm, SLOT_END(5));
	CHECK(v && v->vm_start == SLOT_START(6));
	CHECK(find_vma(mm, SLOT_END(9)) == NULL);
	CHECK(find_vma(mm, 0) == vma_first(mm));
	find_vma(mm, SLOT_START(5));
	do_munmap(s, t, SLOT_START(5), 2 * P);
	CHECK_EQ(vma_tree_check(mm), 0); /* the cache does not point at a freed VMA */
	v = find_vma(mm, SLOT_START(5));
	CHECK(v && v->vm_start == SLOT_START(6));
	sim_destroy(s);
}

static void vma_insert_copy_should_rebuild_the_same_tree(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1), *c = tsim_task(s, 2);
	unsigned order[NSLOT];
	struct vma *a, *b;

	for (unsigned i = 0; i < NSLOT; i++)
		order[i] = i;
	shuffle(order, NSLOT, 3);
	for (unsigned i = 0; i < 200; i++)
		anon_fixed(s, t, SLOT_START(order[i]), 2 * P, order[i] & 1 ? RW : TPROT_READ);
	for (a = vma_first(task_mm(t)); a; a = vma_next(task_mm(t), a))
		CHECK(vma_insert_copy(task_mm(c), a) != NULL);
	CHECK_EQ(vma_tree_check(task_mm(c)), 0);
	CHECK_EQ(task_mm(c)->map_count, 200);
	for (a = vma_first(task_mm(t)), b = vma_first(task_mm(c)); a && b;
	     a = vma_next(task_mm(t), a), b = vma_next(task_mm(c), b)) {
		CHECK(a != b);
		CHECK_EQ(a->vm_start, b->vm_start);
		CHECK_EQ(a->vm_end, b->vm_end);
		CHECK_EQ(a->vm_flags, b->vm_flags);
		CHECK_EQ(a->vm_pgoff, b->vm_pgoff);
	}
	CHECK(a == NULL && b == NULL);
	mm_free_vmas(s, task_mm(c));
	CHECK(task_mm(c)->mmap_root == NULL);
	CHECK(task_mm(c)->mmap_cache == NULL);
	CHECK_EQ(task_mm(c)->map_count, 0);
	CHECK_EQ(vma_tree_check(task_mm(c)), 0);
	sim_destroy(s);
}

int main(void)
{
	RUN(vma_tree_should_match_reference_under_random_inserts_and_removes);
	RUN(vma_tree_should_stay_logarithmic_for_ascending_inserts);
	RUN(find_vma_should_use_and_invalidate_its_cache);
	RUN(vma_insert_copy_should_rebuild_the_same_tree);
	return T_DONE();
}
