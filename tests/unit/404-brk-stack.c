/*
 * 404-brk-stack.c - the heap and the stack (core/mm/mmap.c): the first brk,
 * growing and shrinking the heap VMA, collisions with the next VMA and its
 * guard gap; expand_stack with the stack guard gap (exactly 256 pages
 * allowed, 255 refused), RLIMIT_STACK and mmap_min_addr.
 */
#include "409-mmap-t.h"

#define HEAP UINT64_C(0x555555559000)
#define L UINT64_C(0x7f0000000000)

static void brk_should_start_grow_and_shrink_the_heap(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct mm *mm = task_mm(t);
	struct vma *v;

	/* the first brk sets the start of the heap and maps nothing */
	CHECK_EQ(do_brk(s, t, HEAP - P + 0x123), HEAP);
	CHECK_EQ(mm->start_brk, HEAP);
	CHECK_EQ(mm->brk, HEAP);
	CHECK_EQ(mm->map_count, 0);
	/* growing by one byte maps a page; the break is kept unaligned */
	CHECK_EQ(do_brk(s, t, HEAP + 1), HEAP + 1);
	CHECK_EQ(mm->brk, HEAP + 1);
	v = vma_at(t, HEAP);
	CHECK(v && v->vm_start == HEAP && v->vm_end == HEAP + P);
	CHECK_EQ(v->vm_flags, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				      VM_ACCOUNT | VM_BRK_);
	CHECK_EQ(v->vm_pgoff, HEAP / P);
	CHECK(vma_is_anonymous(v));
	/* growing extends the same VMA */
	CHECK_EQ(do_brk(s, t, HEAP + 100 * P), HEAP + 100 * P);
	CHECK_EQ(mm->map_count, 1);
	CHECK_EQ(vma_at(t, HEAP)->vm_end, HEAP + 100 * P);
	CHECK_EQ(mm->total_vm, 100);
	/* below start_brk: just read the break */
	CHECK_EQ(do_brk(s, t, 0), HEAP + 100 * P);
	CHECK_EQ(do_brk(s, t, HEAP - 1), HEAP + 100 * P);
	/* shrinking unmaps whole pages above the new break */
	CHECK_EQ(do_brk(s, t, HEAP + 10 * P + 5), HEAP + 10 * P + 5);
	CHECK_EQ(vma_at(t, HEAP)->vm_end, HEAP + 11 * P);
	CHECK_EQ(mm->total_vm, 11);
	/* a change inside the last page maps nothing new */
	CHECK_EQ(do_brk(s, t, HEAP + 10 * P + 100), HEAP + 10 * P + 100);
	CHECK_EQ(vma_at(t, HEAP)->vm_end, HEAP + 11 * P);
	/* down to start_brk: no heap VMA left */
	CHECK_EQ(do_brk(s, t, HEAP), HEAP);
	CHECK_EQ(mm->map_count, 0);
	CHECK_EQ(do_brk(s, t, HEAP + 2 * P), HEAP + 2 * P);
	CHECK_EQ(mm->map_count, 1);
	CHECK_EQ(vma_tree_check(mm), 0);
	sim_destroy(s);
}

static void brk_should_stop_one_page_before_the_next_vma(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct mm *mm = task_mm(t);

	do_brk(s, t, HEAP);
	CHECK_EQ(do_brk(s, t, HEAP + 10 * P), HEAP + 10 * P);
	anon_fixed(s, t, HEAP + 20 * P, P, TPROT_READ);
	/* newbrk + PAGE_SIZE must not pass the next VMA: refused, old break */
	CHECK_EQ(do_brk(s, t, HEAP + 19 * P + 1), HEAP + 10 * P);
	CHECK_EQ(mm->brk, HEAP + 10 * P);
	CHECK_EQ(vma_at(t, HEAP)->vm_end, HEAP + 10 * P);
	CHECK_EQ(do_brk(s, t, HEAP + 19 * P), HEAP + 19 * P);
	CHECK_EQ(vma_at(t, HEAP)->vm_end, HEAP + 19 * P);
	/* a stack above needs its whole guard gap */
	do_munmap(s, t, HEAP + 20 * P, P);
	do_mmap(s, t, HEAP + 300 * P, P, RW, FIXED_ANON | TMAP_GROWSDOWN, NULL, 0);
	CHECK_EQ(do_brk(s, t, HEAP + 43 * P + 1), HEAP + 19 * P);
	CHECK_EQ(do_brk(s, t, HEAP + 43 * P), HEAP + 43 * P);
	CHECK_EQ(mm->map_count, 2);
	sim_destroy(s);
}

static void brk_should_refault_after_shrink_and_regrow(void)
{
	/* oracle case 8 at VMA level: sbrk(N), write, sbrk(-N), sbrk(+N) */
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);

	do_brk(s, t, HEAP);
	CHECK_EQ(do_brk(s, t, HEAP + 100 * P), HEAP + 100 * P);
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, HEAP, 100 * P), 0);
	CHECK_EQ(task_rss(t), 100);
	CHECK_EQ(do_brk(s, t, HEAP), HEAP);
	CHECK_EQ(task_rss(t), 0);
	CHECK_EQ(do_brk(s, t, HEAP + 100 * P), HEAP + 100 * P);
	CHECK_EQ(sim_touch(s, 1, ACC_READ, HEAP, 100 * P), 0);
	CHECK_EQ(task_rss(t), 0); /* zero page */
	sim_destroy(s);
}

/* A readable VMA [L, L+4p) and a stack [S, S+16p) with S = L + 4p + 300p. */
static struct vma *stack_setup(struct sim *s, struct task *t, unsigned below_prot)
{
	vaddr_t stack = L + 304 * P;

	anon_fixed(s, t, L, 4 * P, below_prot);
	do_mmap(s, t, stack, 16 * P, RW, FIXED_ANON | TMAP_GROWSDOWN, NULL, 0);
	return vma_at(t, stack);
}

static void expand_stack_should_keep_exactly_the_guard_gap(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v = stack_setup(s, t, TPROT_READ);
	vaddr_t end_below = L + 4 * P;
	uint64_t pgoff = v->vm_pgoff;

	CHECK(v != NULL);
	CHECK_EQ(v->anon_vma, 0);
	CHECK_EQ(expand_stack(s, task_mm(t), v, end_below + 255 * P), -MM_ENOMEM);
	CHECK_EQ(v->vm_start, L + 304 * P);
	CHECK_EQ(expand_stack(s, task_mm(t), v, end_below + 256 * P - 1), -MM_ENOMEM);
	CHECK_EQ(expand_stack(s, task_mm(t), v, end_below + 256 * P + 17), 0);
	CHECK_EQ(v->vm_start, end_below + 256 * P);
	CHECK_EQ(v->vm_pgoff, pgoff - 44);
	CHECK(v->anon_vma != 0);
	CHECK_EQ(task_mm(t)->total_vm, 4 + 16 + 44);
	CHECK_EQ(vma_tree_check(task_mm(t)), 0);
	/* an address already inside: nothing to do */
	CHECK_EQ(expand_stack(s, task_mm(t), v, v->vm_start + P), 0);
	/* only GROWSDOWN VMAs grow */
	CHECK_EQ(expand_stack(s, task_mm(t), vma_at(t, L), L - P), -MM_EFAULT);
	sim_destroy(s);
}

static void expand_stack_should_ignore_the_gap_to_inaccessible_vmas(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v = stack_setup(s, t, 0); /* PROT_NONE below */

	CHECK_EQ(expand_stack(s, task_mm(t), v, L + 4 * P), 0);
	CHECK_EQ(v->vm_start, L + 4 * P);
	sim_destroy(s);
}

static void set_small_stack_rlimit(struct sim_config *c)
{
	c->rlimit_stack = 64 * P;
}

static void expand_stack_should_respect_rlimit_stack(void)
{
	struct sim *s = tsim_new_cfg(set_small_stack_rlimit);
	struct task *t = tsim_task(s, 1);
	struct vma *v = stack_setup(s, t, 0); /* no guard gap to get in the way */
	vaddr_t end = v->vm_end;

	CHECK_EQ(expand_stack(s, task_mm(t), v, end - 65 * P), -MM_ENOMEM);
	CHECK_EQ(expand_stack(s, task_mm(t), v, end - 64 * P), 0);
	CHECK_EQ(v->vm_start, end - 64 * P);
	sim_destroy(s);
}

static void expand_stack_should_stop_at_mmap_min_addr(void)
{
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v;

	do_mmap(s, t, 65536 + 4 * P, 4 * P, RW, FIXED_ANON | TMAP_GROWSDOWN, NULL, 0);
	v = vma_at(t, 65536 + 4 * P);
	CHECK(v != NULL);
	CHECK_EQ(expand_stack(s, task_mm(t), v, 65536 - 1), -MM_EPERM);
	CHECK_EQ(expand_stack(s, task_mm(t), v, 65536), 0);
	CHECK_EQ(v->vm_start, 65536);
	sim_destroy(s);
}

static void stack_should_grow_on_a_fault_below_it(void)
{
	/* the fault path (memory.c) calls expand_stack */
	struct sim *s = tsim_new();
	struct task *t = tsim_task(s, 1);
	struct vma *v = stack_setup(s, t, TPROT_READ);
	vaddr_t start = v->vm_start;

	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, start - 10 * P, 1), 0);
	CHECK_EQ(vma_at(t, start)->vm_start, start - 10 * P);
	CHECK_EQ(sim_touch(s, 1, ACC_WRITE, L + 4 * P + 255 * P, 1), 0);
	CHECK_EQ(vma_at(t, start)->vm_start, start - 10 * P); /* SIGSEGV, no growth */
	CHECK_EQ(task_stats(t)->segv, 1);
	sim_destroy(s);
}

int main(void)
{
	RUN(brk_should_start_grow_and_shrink_the_heap);
	RUN(brk_should_stop_one_page_before_the_next_vma);
	RUN(brk_should_refault_after_shrink_and_regrow);
	RUN(expand_stack_should_keep_exactly_the_guard_gap);
	RUN(expand_stack_should_ignore_the_gap_to_inaccessible_vmas);
	RUN(expand_stack_should_respect_rlimit_stack);
	RUN(expand_stack_should_stop_at_mmap_min_addr);
	RUN(stack_should_grow_on_a_fault_below_it);
	return T_DONE();
}
