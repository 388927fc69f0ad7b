/*
 * mm/huge_memory.c - anonymous transparent huge pages at PMD level, after
 * mm/huge_memory.c of Linux 6.18.
 *
 * A THP is a folio of order (PMD shift - page shift): 2 MiB with 4 KiB
 * pages.  Its head page carries the refcount and the PMD mapcount; tail
 * pages point back to the head (lru_next) and the first tail keeps the
 * order (mapping).  Rules modelled (facts 4.2-4.7):
 *   - a fault maps a PMD when THP is allowed for the VMA (mode, VM_HUGEPAGE /
 *     VM_NOHUGEPAGE, anonymous private, the aligned range inside the VMA)
 *     and the PMD is empty;
 *   - a read maps the huge zero page; a write to it allocates a THP (6.13+);
 *   - a write to a write-protected THP reuses it when exclusive or when its
 *     refcount is 1, otherwise splits this process's PMD and falls back to
 *     4 KiB COW (5.8+);
 *   - fork shares the PMD write-protected (copy_huge_pmd);
 *   - partial munmap/mprotect splits the PMD.
 * Simplified: no deposited page tables (a split allocates its table), no
 * deferred split queue, no khugepaged (comes with the THP issue), no file
 * or shmem THP.
 */
#include <string.h>

#include "fault.h"

static unsigned hpage_order(const struct sim *s)
{
	return s->fmt.shift[s->fmt.huge_level] - s->page_shift;
}

int thp_vma_allowable(struct sim *s, struct vma *vma, vaddr_t addr)
{
	const struct sim_config *c = &s->cfg;
	if (c->thp == THP_NEVER || s->fmt.huge_level < 0)
		return 0;
	if (!vma_is_anonymous(vma) || (vma->vm_flags & (VM_SHARED | VM_NOHUGEPAGE)))
		return 0;
	if (c->thp == THP_MADVISE && !(vma->vm_flags & VM_HUGEPAGE))
		return 0;
	uint64_t hsz = UINT64_C(1) << s->fmt.shift[s->fmt.huge_level];
	vaddr_t haddr = addr & ~(hsz - 1);
	return haddr >= vma->vm_start && haddr + hsz <= vma->vm_end;
}

pfn_t mm__huge_zero_page(struct sim *s)
{
	if (s->huge_zero_pfn == PFN_NONE) {
		pfn_t pfn = phys_alloc(s->phys, hpage_order(s));
		if (pfn == PFN_NONE)
			return PFN_NONE;
		page_of(s->mem_map, pfn)->flags |= PG_reserved;
		s->huge_zero_pfn = pfn;
	}
	return s->huge_zero_pfn;
}

static pfn_t alloc_thp(struct sim *s, struct vma *vma, vaddr_t haddr)
{
	unsigned order = hpage_order(s);
	pfn_t pfn = phys_alloc(s->phys, order);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	if (!vma->anon_vma)
		vma->anon_vma = mm__new_anon_vma(s);
	struct page *head = page_of(s->mem_map, pfn);
	head->flags = PG_head | PG_anon | PG_anon_exclusive | PG_uptodate | PG_lru;
	head->refcount = 1;
	head->mapcount = 1;
	head->mapping = vma->anon_vma;
	head->index = haddr >> s->page_shift;
	for (pfn_t i = 1; i < (pfn_t)1 << order; i++) {
		struct page *t = page_of(s->mem_map, pfn + i);
		memset(t, 0, sizeof(*t));
		t->flags = PG_tail | PG_anon;
		t->lru_next = pfn;
	}
	page_of(s->mem_map, pfn + 1)->mapping = order;
	return pfn;
}

static void map_thp(struct vm_fault *vmf, pfn_t pfn, vaddr_t haddr)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = ops->mk_huge(pfn, vm_pgp(vmf->vma) | PGP_YOUNG);
	if (vmf->vma->vm_flags & VM_WRITE)
		e = ops->pte_mkdirty(ops->pte_mkwrite(e));
	*vmf->pmd = e;
	mm__rss_add(s, vmf->mm, MM_ANONPAGES, (int64_t)1 << hpage_order(s));
	if (vmf->task)
		vmf->task->st.thp_faults++;
	vmf->ft->cost_ns += s->cfg.cost.page_alloc_ns +
			    (s->cfg.cost.page_zero_ns << hpage_order(s));
	vmf->ft->kind = FK_THP;
	(void)haddr;
}

unsigned do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	uint64_t hsz = UINT64_C(1) << s->fmt.shift[s->fmt.huge_level];
	vaddr_t haddr = vmf->address & ~(hsz - 1);
	fault_trace_push(vmf->ft, FN_do_huge_pmd_anonymous_page);
	/* vmf_anon_prepare comes before the zero-page branch: unlike a 4K read
	 * fault, a huge zero page leaves the VMA an anon_vma, so fork copies it */
	if (!vmf->vma->anon_vma)
		vmf->vma->anon_vma = mm__new_anon_vma(s);
	if (!(vmf->flags & FAULT_FLAG_WRITE) && s->cfg.thp_use_zero_page) {
		fault_trace_push(vmf->ft, FN_set_huge_zero_folio);
		pfn_t z = mm__huge_zero_page(s);
		if (z != PFN_NONE) {
			*vmf->pmd = s->ops->mk_huge(z, (vm_pgp(vmf->vma) & ~PGP_WRITE) | PGP_SPECIAL |
							    PGP_YOUNG);
			vmf->ft->kind = FK_THP_ZERO;
			return 0;
		}
	}
	pfn_t pfn = alloc_thp(s, vmf->vma, haddr);
	if (pfn == PFN_NONE)
		return VM_FAULT_FALLBACK; /* thp_fault_fallback */
	map_thp(vmf, pfn, haddr);
	return 0;
}

unsigned do_huge_pmd_wp_page(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	uint64_t hsz = UINT64_C(1) << s->fmt.shift[s->fmt.huge_level];
	vaddr_t haddr = vmf->address & ~(hsz - 1);
	pte_t pmd = *vmf->pmd;
	pfn_t pfn = ops->pte_pfn(pmd);
	fault_trace_push(vmf->ft, FN_do_huge_pmd_wp_page);
	if (pfn == s->huge_zero_pfn) {
		fault_trace_push(vmf->ft, FN_do_huge_zero_wp_pmd);
		pfn_t np = alloc_thp(s, vmf->vma, haddr);
		if (np != PFN_NONE) {
			map_thp(vmf, np, haddr);
			flush_tlb_range(s, vmf->mm, haddr, haddr + hsz); /* pmdp_huge_clear_flush */
			return 0;
		}
		__split_huge_pmd(s, vmf->mm, vmf->vma, vmf->pmd, haddr);
		return VM_FAULT_FALLBACK;
	}
	struct page *head = page_of(s->mem_map, pfn);
	if (!(head->flags & PG_anon_exclusive) && head->refcount == 1) {
		head->flags |= PG_anon_exclusive;
		head->mapping = vmf->vma->anon_vma;
	}
	if (head->flags & PG_anon_exclusive) {
		*vmf->pmd = ops->pte_mkyoung(ops->pte_mkdirty(ops->pte_mkwrite(pmd)));
		flush_tlb_range(s, vmf->mm, haddr, haddr + hsz);
		vmf->ft->kind = FK_THP_REUSE;
		if (vmf->task)
			vmf->task->st.cow_reuses++;
		return 0;
	}
	fault_trace_push(vmf->ft, FN___split_huge_pmd);
	__split_huge_pmd(s, vmf->mm, vmf->vma, vmf->pmd, haddr);
	return VM_FAULT_FALLBACK;
}

void __split_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd,
		      vaddr_t haddr)
{
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = *pmd;
	if (!ops->pte_huge(e))
		return;
	pfn_t pfn = ops->pte_pfn(e);
	int zero = pfn == s->huge_zero_pfn;
	*pmd = 0;
	int oom = 0;
	pte_t *pte = pt_walk(s, mm, haddr, s->fmt.levels - 1, 1, NULL, &oom);
	if (!pte)
		return; /* out of memory for the table: the mapping is dropped */
	unsigned n = 1u << hpage_order(s);
	unsigned pgp = vm_pgp(vma) & ~PGP_WRITE;
	if (ops->pte_young(e))
		pgp |= PGP_YOUNG;
	struct page *head = page_of(s->mem_map, pfn);
	int excl = !zero && (head->flags & PG_anon_exclusive);
	for (unsigned i = 0; i < n; i++) {
		pte_t p;
		if (zero) {
			p = ops->mk_pte(s->zero_pfn, pgp | PGP_SPECIAL);
		} else {
			p = ops->mk_pte(pfn + i, pgp);
			if (ops->pte_dirty(e))
				p = ops->pte_mkdirty(p);
			if (ops->pte_write(e))
				p = ops->pte_mkwrite(p);
			struct page *sp = page_of(s->mem_map, pfn + i);
			sp->mapcount++;
			if (excl)
				sp->flags |= PG_anon_exclusive;
		}
		pte[i] = p;
	}
	if (!zero) {
		/* the PMD mapping becomes n PTE mappings of the folio */
		head->mapcount--;
		head->refcount += (int32_t)n - 1;
		head->flags &= ~PG_anon_exclusive;
		if (excl)
			head->flags |= PG_anon_exclusive;
	}
	if (mm->owner)
		mm->owner->st.thp_splits++;
	mm__event(s, mm->owner, EV_THP_SPLIT, haddr, n, NULL);
	flush_tlb_range(s, mm, haddr, haddr + ((uint64_t)n << s->page_shift));
}

void zap_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd, vaddr_t haddr)
{
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = *pmd;
	*pmd = 0;
	(void)vma;
	(void)haddr;
	pfn_t pfn = ops->pte_pfn(e);
	if (pfn == s->huge_zero_pfn)
		return;
	struct page *head = page_of(s->mem_map, pfn);
	head->mapcount--;
	mm__rss_add(s, mm, MM_ANONPAGES, -((int64_t)1 << hpage_order(s)));
	mm__put_page(s, pfn);
}

int copy_huge_pmd(struct sim *s, struct mm *dst, struct mm *src, pte_t *dst_pmd,
		  pte_t *src_pmd, vaddr_t addr)
{
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = *src_pmd;
	(void)addr;
	(void)src;
	pfn_t pfn = ops->pte_pfn(e);
	if (pfn != s->huge_zero_pfn) {
		struct page *head = page_of(s->mem_map, pfn);
		head->refcount++;
		head->mapcount++;
		head->flags &= ~PG_anon_exclusive;
		mm__rss_add(s, dst, MM_ANONPAGES, (int64_t)1 << hpage_order(s));
		e = ops->pte_wrprotect(e);
		*src_pmd = e;
	}
	/* a THP is shared old (pmd_mkold); the huge zero page gets a fresh,
	 * young entry (set_huge_zero_folio) */
	*dst_pmd = pfn == s->huge_zero_pfn ? e : ops->pte_mkold(e);
	return 0;
}
