/*
 * 402-vma-merge-split.c - when VMAs merge and split (core/mm/mmap.c):
 * adjacent anonymous mmaps merge, different protections or incompatible
 * anon_vmas do not, shared anonymous memory never does, file mappings merge
 * only with contiguous offsets; munmap/mprotect/madvise split at their
 * boundaries with the right pgoff and merge back; mremap shrinks, grows in
 * place and moves.
 */
#include "409-mmap-t.h"

#define X UINT64_C(0x10000000)

static void mmap_should_merge_adjacent_anonymous_regions(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v;

	CHECK_EQ(anon_fixed(s, t, X, 4 * P, RW), X);
	CHECK_EQ(anon_fixed(s, t, X + 4 * P, 4 * P, RW), X + 4 * P);
	CHECK_EQ(anon_fixed(s, t, X - 4 * P, 4 * P, RW), X - 4 * P);
	CHECK_EQ(task_mm(t)->map_count, 1);
	v = vma_at(t, X);
	CHECK(v && v->vm_start == X - 4 * P && v->vm_end == X + 8 * P);
	CHECK_EQ(v->vm_pgoff, (X - 4 * P) / P);
	CHECK_EQ(v->vm_flags, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				      VM_ACCOUNT);
	CHECK_EQ(task_mm(t)->total_vm, 12);
	/* filling a hole joins both neighbours */
	CHECK_EQ(anon_fixed(s, t, X + 12 * P, 4 * P, RW), X + 12 * P);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(anon_fixed(s, t, X + 8 * P, 4 * P, RW), X + 8 * P);
	CHECK_EQ(task_mm(t)->map_count, 1);
	/* top-down placements land next to each other and merge too */
	int64_t a = do_mmap(s, t, 0, 3 * P, RW, PRIV_ANON, NULL, 0);
	int64_t b = do_mmap(s, t, 0, 5 * P, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(b + 5 * P, a);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void mmap_should_not_merge_different_protections_or_kinds(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	anon_fixed(s, t, X, 4 * P, RW);
	anon_fixed(s, t, X + 4 * P, 4 * P, TPROT_READ);
	CHECK_EQ(task_mm(t)->map_count, 2);
	/* MAP_NORESERVE sets VM_NORESERVE: a different VMA even read-only */
	do_mmap(s, t, X + 8 * P, 4 * P, TPROT_READ, FIXED_ANON | TMAP_NORESERVE, NULL, 0);
	CHECK_EQ(task_mm(t)->map_count, 3);
	do_mmap(s, t, X + 12 * P, 4 * P, RW, FIXED_ANON | TMAP_NORESERVE, NULL, 0);
	CHECK_EQ(task_mm(t)->map_count, 4);
	CHECK(vma_at(t, X + 12 * P)->vm_flags & VM_NORESERVE);
	CHECK(!(vma_at(t, X + 12 * P)->vm_flags & VM_ACCOUNT));
	/* shared anonymous memory is a shmem object each time: never merged */
	do_mmap(s, t, X + 16 * P, 4 * P, RW, TMAP_SHARED | TMAP_ANON | TMAP_FIXED, NULL, 0);
	do_mmap(s, t, X + 20 * P, 4 * P, RW, TMAP_SHARED | TMAP_ANON | TMAP_FIXED, NULL, 0);
	CHECK_EQ(task_mm(t)->map_count, 6);
	struct vma *a = vma_at(t, X + 16 * P), *b = vma_at(t, X + 20 * P);
	CHECK(a && b && a != b);
	CHECK(a->vm_file && a->vm_file->shmem && a->vm_file != b->vm_file);
	CHECK_EQ(a->vm_file->size, 4 * P);
	CHECK_EQ(a->vm_pgoff, 0);
	CHECK_EQ(a->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_ACCOUNT), VM_SHARED | VM_MAYSHARE);
	sim_destroy(s);
}

static void mmap_should_merge_file_mappings_only_with_contiguous_offsets(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct file *f = tsim_file(s, "f", 64 * P), *g = tsim_file(s, "g", 64 * P);

	CHECK(f && g);
	CHECK_EQ(do_mmap(s, t, X, 4 * P, TPROT_READ, TMAP_PRIVATE | TMAP_FIXED, f, 0), X);
	do_mmap(s, t, X + 4 * P, 4 * P, TPROT_READ, TMAP_PRIVATE | TMAP_FIXED, f, 4 * P);
	CHECK_EQ(task_mm(t)->map_count, 1);
	do_mmap(s, t, X + 8 * P, 4 * P, TPROT_READ, TMAP_PRIVATE | TMAP_FIXED, f, 0);
	CHECK_EQ(task_mm(t)->map_count, 2);
	do_mmap(s, t, X + 12 * P, 4 * P, TPROT_READ, TMAP_PRIVATE | TMAP_FIXED, g, 4 * P);
	CHECK_EQ(task_mm(t)->map_count, 3);
	CHECK_EQ(vma_at(t, X + 8 * P)->vm_pgoff, 0);
	CHECK_EQ(vma_at(t, X + 12 * P)->vm_pgoff, 4);
	sim_destroy(s);
}

static void merge_should_respect_anon_vma_compatibility(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	anon_fixed(s, t, X, 4 * P, RW);
	anon_fixed(s, t, X + 8 * P, 4 * P, RW);
	vma_at(t, X)->anon_vma = 101;
	vma_at(t, X + 8 * P)->anon_vma = 102;
	/* the new VMA (no anon_vma) can join either, not both: prev wins */
	anon_fixed(s, t, X + 4 * P, 4 * P, RW);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(vma_at(t, X + 4 * P)->vm_start, X);
	CHECK_EQ(vma_at(t, X + 4 * P)->anon_vma, 101);
	CHECK_EQ(vma_at(t, X + 8 * P)->vm_start, X + 8 * P);
	/* a neighbour's anon_vma is adopted by a merge */
	anon_fixed(s, t, X + 16 * P, 4 * P, RW);
	vma_at(t, X + 16 * P)->anon_vma = 103;
	anon_fixed(s, t, X + 20 * P, 4 * P, RW);
	CHECK_EQ(vma_at(t, X + 20 * P)->vm_start, X + 16 * P);
	CHECK_EQ(vma_at(t, X + 20 * P)->anon_vma, 103);
	sim_destroy(s);
}

static void munmap_middle_should_split_with_correct_pgoff(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct file *f = tsim_file(s, "f", 64 * P);
	struct vma *lo, *hi;

	anon_fixed(s, t, X, 10 * P, RW);
	CHECK_EQ(do_munmap(s, t, X + 3 * P, 3 * P), 0);
	lo = vma_at(t, X);
	hi = vma_at(t, X + 6 * P);
	CHECK(lo && hi && lo != hi);
	CHECK(vma_at(t, X + 3 * P) == NULL && vma_at(t, X + 5 * P) == NULL);
	CHECK_EQ(lo->vm_end, X + 3 * P);
	CHECK_EQ(lo->vm_pgoff, X / P);
	CHECK_EQ(hi->vm_end, X + 10 * P);
	CHECK_EQ(hi->vm_pgoff, X / P + 6);
	CHECK_EQ(task_mm(t)->total_vm, 7);

	do_mmap(s, t, X + 16 * P, 10 * P, TPROT_READ, TMAP_PRIVATE | TMAP_FIXED, f, 2 * P);
	CHECK_EQ(do_munmap(s, t, X + 19 * P, 3 * P), 0);
	CHECK_EQ(vma_at(t, X + 16 * P)->vm_pgoff, 2);
	CHECK_EQ(vma_at(t, X + 22 * P)->vm_pgoff, 8);
	CHECK(vma_at(t, X + 22 * P)->vm_file == f);
	/* munmap across several VMAs and holes */
	CHECK_EQ(do_munmap(s, t, X + P, 22 * P), 0);
	CHECK_EQ(vma_at(t, X)->vm_end, X + P);
	CHECK(vma_at(t, X + 22 * P) == NULL);
	CHECK_EQ(vma_at(t, X + 23 * P)->vm_start, X + 23 * P);
	CHECK_EQ(vma_at(t, X + 23 * P)->vm_pgoff, 9);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(task_mm(t)->total_vm, 4);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void mprotect_middle_should_split_in_three_and_merge_back(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v;

	anon_fixed(s, t, X, 10 * P, RW);
	CHECK_EQ(do_mprotect(s, t, X + 3 * P, 4 * P, TPROT_READ), 0);
	CHECK_EQ(task_mm(t)->map_count, 3);
	v = vma_at(t, X + 3 * P);
	CHECK(v && v->vm_start == X + 3 * P && v->vm_end == X + 7 * P);
	CHECK_EQ(v->vm_flags & VM_ACCESS, VM_READ);
	CHECK_EQ(v->vm_pgoff, X / P + 3);
	CHECK(vma_at(t, X)->vm_flags & VM_WRITE);
	CHECK(vma_at(t, X + 7 * P)->vm_flags & VM_WRITE);
	CHECK_EQ(do_mprotect(s, t, X + 3 * P, 4 * P, RW), 0);
	CHECK_EQ(task_mm(t)->map_count, 1);
	v = vma_at(t, X);
	CHECK(v->vm_start == X && v->vm_end == X + 10 * P && v->vm_pgoff == X / P);
	/* the same with the range at one edge: merges into the neighbour */
	CHECK_EQ(do_mprotect(s, t, X, 2 * P, TPROT_READ), 0);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(do_mprotect(s, t, X + 2 * P, P, TPROT_READ), 0);
	CHECK_EQ(task_mm(t)->map_count, 2);
	CHECK_EQ(vma_at(t, X)->vm_end, X + 3 * P);
	CHECK_EQ(vma_at(t, X + 3 * P)->vm_start, X + 3 * P);
	CHECK_EQ(vma_at(t, X + 3 * P)->vm_pgoff, X / P + 3);
	CHECK_EQ(do_mprotect(s, t, X, 3 * P, RW), 0);
	CHECK_EQ(task_mm(t)->map_count, 1);
	CHECK_EQ(task_mm(t)->total_vm, 10);
	/* an unchanged protection neither splits nor fails */
	CHECK_EQ(do_mprotect(s, t, X + P, P, RW), 0);
	CHECK_EQ(task_mm(t)->map_count, 1);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void mprotect_should_charge_a_private_mapping_made_writable(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	anon_fixed(s, t, X, 4 * P, TPROT_READ);
	CHECK(!(vma_at(t, X)->vm_flags & VM_ACCOUNT));
	do_mprotect(s, t, X, 4 * P, RW);
	CHECK(vma_at(t, X)->vm_flags & VM_ACCOUNT);
	/* never faulted (no anon_vma): write removed -> uncharged again */
	do_mprotect(s, t, X, 4 * P, TPROT_READ);
	CHECK(!(vma_at(t, X)->vm_flags & VM_ACCOUNT));
	/* with an anon_vma the charge stays */
	do_mprotect(s, t, X, 4 * P, RW);
	vma_at(t, X)->anon_vma = 7;
	do_mprotect(s, t, X, 4 * P, TPROT_READ);
	CHECK(vma_at(t, X)->vm_flags & VM_ACCOUNT);
	sim_destroy(s);
}

static void madvise_hugepage_should_split_and_merge(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v;

	anon_fixed(s, t, X, 10 * P, RW);
	CHECK_EQ(do_madvise(s, t, X + 2 * P, 3 * P, TADV_HUGEPAGE), 0);
	CHECK_EQ(task_mm(t)->map_count, 3);
	v = vma_at(t, X + 2 * P);
	CHECK(v->vm_start == X + 2 * P && v->vm_end == X + 5 * P);
	CHECK(v->vm_flags & VM_HUGEPAGE);
	CHECK(!(vma_at(t, X)->vm_flags & VM_HUGEPAGE));
	CHECK_EQ(do_madvise(s, t, X + 2 * P, 3 * P, TADV_NOHUGEPAGE), 0);
	v = vma_at(t, X + 2 * P);
	CHECK_EQ(v->vm_flags & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_NOHUGEPAGE);
	CHECK_EQ(task_mm(t)->map_count, 3);
	CHECK_EQ(do_madvise(s, t, X, 10 * P, TADV_HUGEPAGE), 0);
	CHECK_EQ(task_mm(t)->map_count, 1);
	CHECK_EQ(vma_at(t, X)->vm_flags & (VM_HUGEPAGE | VM_NOHUGEPAGE), VM_HUGEPAGE);
	CHECK_EQ(vma_at(t, X)->vm_end, X + 10 * P);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void madvise_fork_flags_should_follow_linux(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct file *f = tsim_file(s, "f", 16 * P);

	anon_fixed(s, t, X, 4 * P, RW);
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_DONTFORK), 0);
	CHECK(vma_at(t, X)->vm_flags & VM_DONTCOPY);
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_DOFORK), 0);
	CHECK(!(vma_at(t, X)->vm_flags & VM_DONTCOPY));
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_WIPEONFORK), 0);
	CHECK(vma_at(t, X)->vm_flags & VM_WIPEONFORK);
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_KEEPONFORK), 0);
	CHECK(!(vma_at(t, X)->vm_flags & VM_WIPEONFORK));
	/* WIPEONFORK and FREE: private anonymous only */
	do_mmap(s, t, X + 8 * P, 4 * P, RW, TMAP_SHARED | TMAP_ANON | TMAP_FIXED, NULL, 0);
	do_mmap(s, t, X + 16 * P, 4 * P, RW, TMAP_PRIVATE | TMAP_FIXED, f, 0);
	CHECK_EQ(do_madvise(s, t, X + 8 * P, 4 * P, TADV_WIPEONFORK), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 16 * P, 4 * P, TADV_WIPEONFORK), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 8 * P, 4 * P, TADV_FREE), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 16 * P, 4 * P, TADV_FREE), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_FREE), 0);
	/* DONTNEED on mlocked memory */
	do_mmap(s, t, X + 24 * P, 4 * P, RW, FIXED_ANON | TMAP_LOCKED, NULL, 0);
	CHECK_EQ(do_madvise(s, t, X + 24 * P, 4 * P, TADV_DONTNEED), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 24 * P, 4 * P, 0), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 24 * P, 4 * P, TADV__COUNT), -MM_EINVAL);
	sim_destroy(s);
}

static void mremap_should_shrink_grow_in_place_and_move(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v;
	int64_t r;

	anon_fixed(s, t, X, 8 * P, RW);
	/* shrink: the tail is unmapped */
	CHECK_EQ(do_mremap(s, t, X, 8 * P, 4 * P, 0, 0), X);
	CHECK_EQ(vma_at(t, X)->vm_end, X + 4 * P);
	/* grow in place into free space */
	CHECK_EQ(do_mremap(s, t, X, 4 * P, 6 * P, 0, 0), X);
	CHECK_EQ(vma_at(t, X)->vm_end, X + 6 * P);
	CHECK_EQ(task_mm(t)->map_count, 1);
	CHECK_EQ(task_mm(t)->total_vm, 6);
	/* grow in place up to a compatible neighbour: they merge */
	anon_fixed(s, t, X + 8 * P, 2 * P, RW);
	CHECK_EQ(do_mremap(s, t, X, 6 * P, 8 * P, 0, 0), X);
	CHECK_EQ(task_mm(t)->map_count, 1);
	CHECK_EQ(vma_at(t, X)->vm_end, X + 10 * P);
	/* blocked: must move; the new place is found top-down */
	anon_fixed(s, t, X + 10 * P, 2 * P, TPROT_READ);
	r = do_mremap(s, t, X, 10 * P, 20 * P, 0, 0);
	CHECK(r > 0 && (uint64_t)r != X);
	v = vma_at(t, (vaddr_t)r);
	CHECK(v && v->vm_start == (vaddr_t)r && v->vm_end == (vaddr_t)r + 20 * P);
	CHECK_EQ(v->vm_pgoff, (vaddr_t)r / P); /* never faulted: pgoff follows the address */
	CHECK(vma_at(t, X) == NULL);
	CHECK_EQ(task_mm(t)->total_vm, 22);
	/* fixed target: whatever was there is unmapped */
	anon_fixed(s, t, X + 40 * P, 8 * P, TPROT_READ);
	CHECK_EQ(do_mremap(s, t, (vaddr_t)r, 20 * P, 4 * P, 1, X + 42 * P), X + 42 * P);
	CHECK_EQ(vma_at(t, X + 42 * P)->vm_end, X + 46 * P);
	CHECK(vma_at(t, X + 42 * P)->vm_flags & VM_WRITE);
	CHECK(vma_at(t, (vaddr_t)r) == NULL);
	CHECK_EQ(vma_at(t, X + 40 * P)->vm_end, X + 42 * P);
	CHECK_EQ(vma_at(t, X + 46 * P)->vm_start, X + 46 * P);
	/* errors */
	CHECK_EQ(do_mremap(s, t, X + 100 * P, P, 2 * P, 0, 0), -MM_EFAULT);
	CHECK_EQ(do_mremap(s, t, X + 42 * P, 8 * P, 16 * P, 0, 0), -MM_EFAULT);
	CHECK_EQ(do_mremap(s, t, X + 42 * P + 1, P, 2 * P, 0, 0), -MM_EINVAL);
	CHECK_EQ(do_mremap(s, t, X + 42 * P, P, 0, 0, 0), -MM_EINVAL);
	CHECK_EQ(do_mremap(s, t, X + 42 * P, 4 * P, 4 * P, 1, X + 44 * P), -MM_EINVAL);
	CHECK_EQ(do_mremap(s, t, X + 42 * P, 0, 4 * P, 0, 0), -MM_EINVAL);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void vma_boundaries_should_split_huge_pmds_they_cross(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	int64_t a = do_mmap(s, t, 0, 4 * MiB, RW, PRIV_ANON, NULL, 0);
	vaddr_t h = (vaddr_t)a;

	CHECK_EQ(h & (2 * MiB - 1), 0);
	CHECK_EQ(do_madvise(s, t, h, 4 * MiB, TADV_HUGEPAGE), 0);
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, h, 1), 0);
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, h + 2 * MiB, 1), 0);
	CHECK_EQ(task_stats(t)->thp_faults, 2);
	CHECK_EQ(task_rss(t), 1024);
	/* a boundary on a PMD boundary needs no split */
	CHECK_EQ(do_mprotect(s, t, h + 2 * MiB, 2 * MiB, TPROT_READ), 0);
	CHECK_EQ(task_stats(t)->thp_splits, 0);
	/* one inside the first PMD splits it (the pages stay mapped) */
	CHECK_EQ(do_mprotect(s, t, h + MiB, MiB, TPROT_READ), 0);
	CHECK_EQ(task_stats(t)->thp_splits, 1);
	CHECK_EQ(task_rss(t), 1024);
	CHECK_EQ(task_mm(t)->map_count, 2);
	/* munmap of a whole PMD: no split; of part of one: split */
	CHECK_EQ(do_munmap(s, t, h + 2 * MiB, 2 * MiB), 0);
	CHECK_EQ(task_stats(t)->thp_splits, 1);
	CHECK_EQ(task_rss(t), 512);
	sim_destroy(s);
}

int main(void)
{
	RUN(mmap_should_merge_adjacent_anonymous_regions);
	RUN(mmap_should_not_merge_different_protections_or_kinds);
	RUN(mmap_should_merge_file_mappings_only_with_contiguous_offsets);
	RUN(merge_should_respect_anon_vma_compatibility);
	RUN(munmap_middle_should_split_with_correct_pgoff);
	RUN(mprotect_middle_should_split_in_three_and_merge_back);
	RUN(mprotect_should_charge_a_private_mapping_made_writable);
	RUN(madvise_hugepage_should_split_and_merge);
	RUN(madvise_fork_flags_should_follow_linux);
	RUN(mremap_should_shrink_grow_in_place_and_move);
	RUN(vma_boundaries_should_split_huge_pmds_they_cross);
	return T_DONE();
}
