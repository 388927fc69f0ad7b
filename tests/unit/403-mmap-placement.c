/*
 * 403-mmap-placement.c - where mmap puts things and what it refuses
 * (core/mm/mmap.c): hints, MAP_FIXED (also over existing mappings),
 * top-down placement below mmap_base, the stack guard gap, PMD alignment of
 * large anonymous mappings, mmap_min_addr, and the errors of mmap, munmap,
 * mprotect and madvise.
 */
#include "409-mmap-t.h"

#define X UINT64_C(0x10000000)
#define PMD (2 * MiB)

static vaddr_t base_of(struct task *t)
{
	return task_mm(t)->mmap_base;
}

static void mmap_should_use_a_free_hint(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	CHECK_EQ(do_mmap(s, t, X, 4 * P, RW, PRIV_ANON, NULL, 0), X);
	/* an unaligned hint is rounded down to its page */
	CHECK_EQ(do_mmap(s, t, X + 8 * P + 123, P, TPROT_READ, PRIV_ANON, NULL, 0), X + 8 * P);
	/* an occupied hint falls back to top-down placement */
	CHECK_EQ(do_mmap(s, t, X + P, 4 * P, TPROT_READ, PRIV_ANON, NULL, 0), base_of(t) - 4 * P);
	/* a hint below mmap_min_addr is raised to it */
	CHECK_EQ(do_mmap(s, t, 0x1000, P, RW, PRIV_ANON, NULL, 0), 65536);
	/* a large anonymous mapping with a free hint stays at the hint */
	CHECK_EQ(do_mmap(s, t, X + 0x100000 + P, 4 * MiB, RW, PRIV_ANON, NULL, 0),
		 X + 0x100000 + P);
	sim_destroy(s);
}

static void mmap_should_place_top_down_below_mmap_base(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	vaddr_t base = base_of(t);

	CHECK(base > X && base < mm__fmt(s)->task_size);
	CHECK_EQ(do_mmap(s, t, 0, 3 * P, RW, PRIV_ANON, NULL, 0), base - 3 * P);
	CHECK_EQ(do_mmap(s, t, 0, 2 * P, TPROT_READ, PRIV_ANON, NULL, 0), base - 5 * P);
	/* a hole that fits is reused, highest first */
	CHECK_EQ(do_munmap(s, t, base - 3 * P, P), 0);
	CHECK_EQ(do_mmap(s, t, 0, P, TPROT_EXEC, PRIV_ANON, NULL, 0), base - 3 * P);
	CHECK_EQ(do_mmap(s, t, 0, 2 * P, TPROT_EXEC, PRIV_ANON, NULL, 0), base - 7 * P);
	sim_destroy(s);
}

static void mmap_should_keep_the_stack_guard_gap_free(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	vaddr_t base = base_of(t), stack = base - 16 * P;
	uint64_t gap = 256 * P;

	CHECK_EQ(do_mmap(s, t, stack, 16 * P, RW, FIXED_ANON | TMAP_GROWSDOWN, NULL, 0), stack);
	CHECK(vma_at(t, stack)->vm_flags & VM_GROWSDOWN);
	CHECK_EQ(vm_start_gap(s, vma_at(t, stack)), stack - gap);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, PRIV_ANON, NULL, 0), stack - gap - P);
	/* a hint inside the gap is not taken */
	CHECK(do_mmap(s, t, stack - 2 * P, P, TPROT_READ, PRIV_ANON, NULL, 0) !=
	      (int64_t)(stack - 2 * P));
	/* MAP_FIXED may map inside the gap (the gap only steers placement) */
	CHECK_EQ(anon_fixed(s, t, stack - 2 * P, P, TPROT_READ), stack - 2 * P);
	sim_destroy(s);
}

static void mmap_should_pmd_align_large_anonymous_mappings(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct file *f = tsim_file(s, "f", 8 * MiB);
	vaddr_t base = base_of(t);
	int64_t a;

	CHECK(base & (PMD - 1)); /* otherwise the test proves nothing */
	a = do_mmap(s, t, 0, 4 * MiB, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ((uint64_t)a & (PMD - 1), 0);
	CHECK_EQ(a, (int64_t)((base - 4 * MiB) & ~(PMD - 1)));
	do_munmap(s, t, (vaddr_t)a, 4 * MiB);
	/* not a multiple of the PMD size: no alignment (6.13+) */
	a = do_mmap(s, t, 0, 3 * MiB, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(a, (int64_t)(base - 3 * MiB));
	do_munmap(s, t, (vaddr_t)a, 3 * MiB);
	/* shared anonymous and file mappings are not aligned */
	a = do_mmap(s, t, 0, 4 * MiB, RW, TMAP_SHARED | TMAP_ANON, NULL, 0);
	CHECK_EQ(a, (int64_t)(base - 4 * MiB));
	do_munmap(s, t, (vaddr_t)a, 4 * MiB);
	a = do_mmap(s, t, 0, 4 * MiB, TPROT_READ, TMAP_PRIVATE, f, 0);
	CHECK_EQ(a, (int64_t)(base - 4 * MiB));
	sim_destroy(s);
}

static void set_thp_never(struct sim_config *c)
{
	c->thp = THP_NEVER;
}

static void mmap_should_pmd_align_even_with_thp_never(void)
{
	/* Linux aligns whenever CONFIG_TRANSPARENT_HUGEPAGE is built in,
	 * whatever /sys/kernel/mm/transparent_hugepage/enabled says */
	struct sim *s = tsim_new_cfg(set_thp_never);
	struct task *t = tsim_task(s, 1);
	int64_t a = do_mmap(s, t, 0, 2 * MiB, RW, PRIV_ANON, NULL, 0);

	CHECK_EQ((uint64_t)a & (PMD - 1), 0);
	sim_destroy(s);
}

static void mmap_fixed_should_replace_existing_mappings(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	anon_fixed(s, t, X, 8 * P, RW);
	CHECK_EQ(anon_fixed(s, t, X + 2 * P, 2 * P, TPROT_READ), X + 2 * P);
	CHECK_EQ(task_mm(t)->map_count, 3);
	CHECK_EQ(vma_at(t, X + 2 * P)->vm_flags & VM_ACCESS, VM_READ);
	CHECK_EQ(vma_at(t, X + 4 * P)->vm_pgoff, X / P + 4);
	CHECK_EQ(task_mm(t)->total_vm, 8);
	/* the same protection again over a hole joins everything back */
	CHECK_EQ(anon_fixed(s, t, X + 2 * P, 2 * P, RW), X + 2 * P);
	CHECK_EQ(task_mm(t)->map_count, 1);
	/* spanning several VMAs and a hole */
	anon_fixed(s, t, X + 12 * P, 4 * P, TPROT_READ);
	CHECK_EQ(anon_fixed(s, t, X + 6 * P, 8 * P, TPROT_EXEC), X + 6 * P);
	CHECK_EQ(task_mm(t)->map_count, 3);
	CHECK_EQ(vma_at(t, X + 10 * P)->vm_start, X + 6 * P);
	CHECK_EQ(vma_at(t, X + 10 * P)->vm_end, X + 14 * P);
	CHECK_EQ(task_mm(t)->total_vm, 16);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

static void mmap_should_refuse_bad_arguments(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct file *f = tsim_file(s, "f", 8 * P);
	vaddr_t top = mm__fmt(s)->task_size;

	CHECK_EQ(do_mmap(s, t, 0, 0, RW, PRIV_ANON, NULL, 0), -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, TMAP_PRIVATE, f, 100), -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, TMAP_PRIVATE | TMAP_SHARED | TMAP_ANON, NULL, 0),
		 -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, TMAP_ANON, NULL, 0), -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, X + 1, P, RW, FIXED_ANON, NULL, 0), -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, 0x1000, P, RW, FIXED_ANON, NULL, 0), -MM_EPERM);
	CHECK_EQ(do_mmap(s, t, 65536 - P, P, RW, FIXED_ANON, NULL, 0), -MM_EPERM);
	CHECK_EQ(do_mmap(s, t, 65536, P, RW, FIXED_ANON, NULL, 0), 65536);
	CHECK_EQ(do_mmap(s, t, top - P, 2 * P, RW, FIXED_ANON, NULL, 0), -MM_ENOMEM);
	CHECK_EQ(do_mmap(s, t, 0, top + P, TPROT_READ, PRIV_ANON | TMAP_NORESERVE, NULL, 0),
		 -MM_ENOMEM);
	CHECK_EQ(do_mmap(s, t, 0, UINT64_MAX - 10, RW, PRIV_ANON, NULL, 0), -MM_ENOMEM);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, TMAP_SHARED | TMAP_ANON | TMAP_GROWSDOWN, NULL, 0),
		 -MM_EINVAL);
	CHECK_EQ(do_mmap(s, t, 0, P, RW, TMAP_PRIVATE | TMAP_GROWSDOWN, f, 0), -MM_EINVAL);
	/* overcommit guess: one private writable mapping larger than RAM + swap */
	CHECK_EQ(do_mmap(s, t, 0, 512 * MiB, RW, PRIV_ANON, NULL, 0), -MM_ENOMEM);
	CHECK(do_mmap(s, t, 0, 512 * MiB, RW, PRIV_ANON | TMAP_NORESERVE, NULL, 0) > 0);
	CHECK_EQ(task_mm(t)->map_count, 2);
	sim_destroy(s);
}

static void munmap_mprotect_madvise_should_refuse_bad_arguments(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	anon_fixed(s, t, X, 4 * P, RW);
	anon_fixed(s, t, X + 8 * P, 4 * P, RW);
	/* munmap */
	CHECK_EQ(do_munmap(s, t, X + 1, P), -MM_EINVAL);
	CHECK_EQ(do_munmap(s, t, X, 0), -MM_EINVAL);
	CHECK_EQ(do_munmap(s, t, X + 100 * P, P), 0); /* nothing there: fine */
	CHECK_EQ(do_munmap(s, t, UINT64_MAX & ~(P - 1), P), -MM_EINVAL);
	/* mprotect: alignment, holes, and what Linux leaves behind on ENOMEM */
	CHECK_EQ(do_mprotect(s, t, X + 1, P, TPROT_READ), -MM_EINVAL);
	CHECK_EQ(do_mprotect(s, t, X, 0, TPROT_READ), 0);
	CHECK_EQ(do_mprotect(s, t, X + 20 * P, P, TPROT_READ), -MM_ENOMEM);
	CHECK_EQ(do_mprotect(s, t, X + 6 * P, 4 * P, TPROT_READ), -MM_ENOMEM);
	CHECK_EQ(do_mprotect(s, t, X, 12 * P, TPROT_READ), -MM_ENOMEM);
	CHECK_EQ(vma_at(t, X)->vm_flags & VM_ACCESS, VM_READ); /* done before the hole */
	CHECK(vma_at(t, X + 8 * P)->vm_flags & VM_WRITE);      /* not after it */
	CHECK_EQ(do_mprotect(s, t, X, 4 * P, TPROT_READ | TPROT_EXEC), 0);
	/* madvise: applied to the mapped parts, ENOMEM for the holes */
	CHECK_EQ(do_madvise(s, t, X + 1, P, TADV_DONTFORK), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X, 0, TADV_DONTFORK), 0);
	CHECK_EQ(do_madvise(s, t, X + 2 * P, 8 * P, TADV_DONTFORK), -MM_ENOMEM);
	CHECK(!(vma_at(t, X)->vm_flags & VM_DONTCOPY));
	CHECK(vma_at(t, X + 2 * P)->vm_flags & VM_DONTCOPY);
	CHECK(vma_at(t, X + 8 * P)->vm_flags & VM_DONTCOPY);
	CHECK(!(vma_at(t, X + 10 * P)->vm_flags & VM_DONTCOPY));
	CHECK_EQ(do_madvise(s, t, X + 20 * P, P, TADV_DONTNEED), -MM_ENOMEM);
	CHECK_EQ(do_madvise(s, t, X + 2 * P, 20 * P, TADV_DONTNEED), -MM_ENOMEM);
	/* populate: a hole stops it with ENOMEM; no access right -> EINVAL */
	CHECK_EQ(do_madvise(s, t, X, 4 * P, TADV_POPULATE_WRITE), -MM_EINVAL);
	CHECK_EQ(do_madvise(s, t, X + 4 * P, P, TADV_POPULATE_READ), -MM_ENOMEM);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	sim_destroy(s);
}

/* Reference top-down search: walk every gap from the top (what the tree's
 * gap search must reproduce). */
static vaddr_t reference_topdown(struct sim *s, struct task *t, uint64_t len)
{
	struct mm *mm = task_mm(t);
	vaddr_t high = mm->mmap_base, low = 65536, best = 0;
	struct vma *prev = NULL;

	for (struct vma *v = vma_first(mm);; prev = v, v = vma_next(mm, v)) {
		vaddr_t lo = prev && prev->vm_end > low ? prev->vm_end : low;
		vaddr_t hi = v && vm_start_gap(s, v) < high ? vm_start_gap(s, v) : high;

		if (hi > lo && hi - lo >= len)
			best = hi - len;
		if (!v)
			break;
	}
	return best;
}

static uint64_t rng_next(uint64_t *x)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return *x >> 33;
}

static void placement_should_match_an_exhaustive_search(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	vaddr_t base = base_of(t), live[400];
	uint64_t lens[400], seed = 5, bad = 0;
	unsigned n = 0;

	/* a few stacks with guard gaps in the way */
	for (int i = 1; i <= 3; i++)
		do_mmap(s, t, base - (uint64_t)i * 64 * MiB, 8 * P, RW,
			FIXED_ANON | TMAP_GROWSDOWN, NULL, 0);
	for (int step = 0; step < 3000; step++) {
		if (n < 400 && (n == 0 || rng_next(&seed) % 5 < 3)) {
			uint64_t len = (1 + rng_next(&seed) % 300) * P;
			unsigned prot = rng_next(&seed) & 1 ? RW : TPROT_READ;
			vaddr_t want = reference_topdown(s, t, len);
			int64_t got = do_mmap(s, t, 0, len, prot, PRIV_ANON, NULL, 0);

			if (got != (int64_t)want)
				bad++;
			live[n] = (vaddr_t)got;
			lens[n++] = len;
		} else {
			unsigned j = (unsigned)(rng_next(&seed) % n);

			do_munmap(s, t, live[j], lens[j]);
			live[j] = live[--n];
			lens[j] = lens[n];
		}
		if (vma_tree_check(task_mm(t)))
			bad++;
	}
	CHECK_EQ(bad, 0);
	sim_destroy(s);
}

static void mmap_should_fall_back_to_bottom_up_when_nothing_fits_below_base(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	vaddr_t top = mm__fmt(s)->task_size, legacy = (top / 3 + P - 1) & ~(P - 1);

	task_mm(t)->mmap_base = 0x100000; /* only 960 KiB above mmap_min_addr */
	CHECK_EQ(do_mmap(s, t, 0, 512 * 1024, RW, PRIV_ANON, NULL, 0), 0x100000 - 512 * 1024);
	CHECK_EQ(do_mmap(s, t, 0, MiB, RW, PRIV_ANON, NULL, 0), legacy);
	CHECK_EQ(do_mmap(s, t, 0, MiB, TPROT_READ, PRIV_ANON, NULL, 0), legacy + MiB);
	sim_destroy(s);
}

int main(void)
{
	RUN(mmap_should_use_a_free_hint);
	RUN(mmap_should_place_top_down_below_mmap_base);
	RUN(mmap_should_keep_the_stack_guard_gap_free);
	RUN(mmap_should_pmd_align_large_anonymous_mappings);
	RUN(mmap_should_pmd_align_even_with_thp_never);
	RUN(mmap_fixed_should_replace_existing_mappings);
	RUN(mmap_should_refuse_bad_arguments);
	RUN(munmap_mprotect_madvise_should_refuse_bad_arguments);
	RUN(placement_should_match_an_exhaustive_search);
	RUN(mmap_should_fall_back_to_bottom_up_when_nothing_fits_below_base);
	return T_DONE();
}
