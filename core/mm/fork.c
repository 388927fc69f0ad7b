/*
 * mm/fork.c - dup_mmap / copy_page_range and exit_mmap, after
 * kernel/fork.c, mm/mmap.c and mm/memory.c of Linux 6.18.
 *
 * fork copies page tables only for VMAs that need it (vma_needs_copy: the
 * VMA has an anon_vma); everything else is refaulted by the child.  In a
 * COW mapping (private, may write) a writable PTE is write-protected in
 * both processes, anonymous pages lose PageAnonExclusive, and the child's
 * PTEs are old.  VM_DONTCOPY VMAs are skipped; VM_WIPEONFORK VMAs reach the
 * child empty.
 *
 * Simplified: no pinned-page copies (nothing is DMA-pinned), no uffd, no
 * overcommit re-charge of VM_ACCOUNT VMAs; swap PTEs come with swap.
 */
#include <stdlib.h>

#include "fault.h"

int unmap_page_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		     vaddr_t end);
void mm__free_table(struct sim *s, pfn_t table, unsigned level);

static int is_cow_mapping(unsigned flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* copy_present_pte */
static void copy_present_pte(struct sim *s, struct mm *dst, struct vma *vma, pte_t *dpte,
			     pte_t *spte)
{
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = *spte;
	if (!ops->pte_special(e)) {
		pfn_t pfn = ops->pte_pfn(e);
		struct page *pg = page_of(s->mem_map, pfn);
		struct page *head = (pg->flags & PG_tail) ? page_of(s->mem_map, pg->lru_next) : pg;
		head->refcount++;
		pg->mapcount++;
		if (pg->flags & PG_anon)
			pg->flags &= ~PG_anon_exclusive;
		mm__rss_add(s, dst, mm__rss_type(s, pfn), 1);
	}
	if (is_cow_mapping(vma->vm_flags) && ops->pte_write(e)) {
		e = ops->pte_wrprotect(e);
		*spte = e;
	}
	if (vma->vm_flags & VM_SHARED)
		e = ops->pte_mkclean(e);
	*dpte = ops->pte_mkold(e);
}

static int copy_page_range(struct sim *s, struct mm *dst, struct mm *src, struct vma *vma)
{
	const struct pt_format *f = &s->fmt;
	const struct mmu_arch_ops *ops = s->ops;
	uint64_t psz = UINT64_C(1) << s->page_shift;
	vaddr_t span = UINT64_C(1) << f->shift[f->levels - 2];
	for (vaddr_t a = vma->vm_start; a < vma->vm_end;) {
		pte_t *huge = NULL;
		int oom = 0;
		pte_t *spte = pt_walk(s, src, a, f->levels - 1, 0, &huge, NULL);
		if (huge) {
			pte_t *dpmd = pt_walk(s, dst, a, (unsigned)f->huge_level, 1, NULL, &oom);
			if (!dpmd)
				return -MM_ENOMEM;
			copy_huge_pmd(s, dst, src, dpmd, huge, a);
			a = (a & ~(span - 1)) + span;
			continue;
		}
		if (!spte) {
			a = (a & ~(span - 1)) + span;
			continue;
		}
		vaddr_t end = (a & ~(span - 1)) + span;
		if (end > vma->vm_end)
			end = vma->vm_end;
		for (; a < end; a += psz, spte++) {
			if (ops->pte_none(*spte) || !ops->pte_present(*spte))
				continue;
			pte_t *dpte = pt_walk(s, dst, a, f->levels - 1, 1, NULL, &oom);
			if (!dpte)
				return -MM_ENOMEM;
			copy_present_pte(s, dst, vma, dpte, spte);
		}
	}
	return 0;
}

/* dup_mmap: the child's address space as a copy of the parent's. */
int mm_fork(struct sim *s, struct task *parent, struct task *child)
{
	struct mm *src = parent->mm, *dst = child->mm;
	dst->start_brk = src->start_brk;
	dst->brk = src->brk;
	dst->mmap_base = src->mmap_base;
	dst->start_stack = src->start_stack;
	dst->total_vm = src->total_vm;
	for (struct vma *v = vma_first(src); v; v = vma_next(src, v)) {
		if (v->vm_flags & VM_DONTCOPY) {
			dst->total_vm -= (v->vm_end - v->vm_start) >> s->page_shift;
			continue;
		}
		struct vma *nv = vma_insert_copy(dst, v);
		if (!nv)
			return sim__error(s, SIM_ENOMEM, "out of memory");
		nv->vm_flags &= ~VM_LOCKED;
		if (v->vm_flags & VM_WIPEONFORK) {
			nv->anon_vma = 0;
			continue;
		}
		if (v->anon_vma && copy_page_range(s, dst, src, v)) {
			mm__oom(s, parent, v->vm_start);
			return 0;
		}
	}
	/* the parent's PTEs were write-protected: flush its TLB entries */
	tlb_hier_flush_asid(&s->tlb, src->asid);
	pwc_flush_asid(&s->pwc, src->asid);
	parent->st.shootdowns++;
	mm__event(s, parent, EV_TLB_SHOOTDOWN, 0, 0, "fork");
	return 0;
}

/* exit_mmap: unmap everything, free the page tables and the VMAs. */
void exit_mmap(struct sim *s, struct mm *mm)
{
	for (struct vma *v = vma_first(mm); v; v = vma_next(mm, v))
		unmap_page_range(s, mm, v, v->vm_start, v->vm_end);
	mm__free_table(s, mm->pgd, 0);
	mm->pgd = PFN_NONE;
	mm_free_vmas(s, mm);
	tlb_hier_flush_asid(&s->tlb, mm->asid);
	pwc_flush_asid(&s->pwc, mm->asid);
}
