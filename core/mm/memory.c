/*
 * mm/memory.c - page tables, the hardware walk, and the generic page-fault
 * handlers, after mm/memory.c of Linux 6.18.
 *
 * Reading order: the hardware walk (hw_walk, mm_access_slow: what the CPU
 * does before it raises a fault), then handle_mm_fault ->
 * __handle_mm_fault -> handle_pte_fault -> do_pte_missing ->
 * do_anonymous_page | do_fault -> do_read_fault / do_cow_fault /
 * do_shared_fault, and do_wp_page -> wp_page_reuse / wp_page_copy /
 * wp_page_shared; then the range operations the syscalls use (zap,
 * change_protection, populate, move_page_tables).
 *
 * Simplified relative to Linux: no locks (the per-VMA lock is always free),
 * no userfaultfd, no NUMA hinting faults, no KSM, no device/PFN mappings; empty
 * page tables are freed only when the address space goes away; mTHP sizes
 * other than PMD size are not modelled (anonymous mTHP is off, as in the
 * oracle kernel).  Allocation failure is reported as VM_FAULT_OOM and the
 * faulting process is killed (the OOM killer proper comes with reclaim).
 */
#include <stdlib.h>
#include <string.h>

#include "fault.h"

const char *const mm_fn_names[FN__COUNT] = {
	"exc_page_fault", "do_user_addr_fault", "do_mem_abort", "do_translation_fault",
	"do_page_fault", "do_bad_area", "lock_mm_and_find_vma", "expand_stack",
	"access_error", "bad_area", "bad_area_access_error", "bad_area_nosemaphore",
	"handle_mm_fault", "__handle_mm_fault", "handle_pte_fault", "do_pte_missing",
	"do_anonymous_page", "do_fault", "do_read_fault", "do_fault_around",
	"filemap_map_pages", "__do_fault", "filemap_fault", "shmem_fault",
	"do_sync_mmap_readahead", "do_async_mmap_readahead", "do_cow_fault", "do_shared_fault", "do_page_mkwrite",
	"finish_fault", "do_wp_page", "wp_page_reuse", "wp_page_copy", "wp_page_shared",
	"do_swap_page", "create_huge_pmd", "do_huge_pmd_anonymous_page",
	"set_huge_zero_folio", "wp_huge_pmd", "do_huge_pmd_wp_page", "do_huge_zero_wp_pmd",
	"__split_huge_pmd", "huge_pmd_set_accessed", "pte_mkyoung", "pte_mkdirty",
	"pagefault_out_of_memory", "force_sig_fault(SIGSEGV)", "force_sig_fault(SIGBUS)",
	"__get_user_pages", "mm_account_fault", "lock_vma_under_rcu",
};

/* ---- frames and counters ---------------------------------------------------------- */

pfn_t mm__alloc_page(struct sim *s, unsigned order)
{
	pfn_t pfn = phys_alloc(s->phys, order);
	return pfn;
}

void mm__put_page(struct sim *s, pfn_t pfn)
{
	struct page *pg = page_of(s->mem_map, pfn);
	if (pg->flags & PG_tail) { /* folio_put: the reference is the folio's */
		pfn = pg->lru_next;
		pg = page_of(s->mem_map, pfn);
	}
	if (pg->flags & PG_reserved)
		return;
	if (--pg->refcount > 0)
		return;
	/* a large folio keeps its order in its first tail page (folio_order) */
	unsigned order = 0;
	if (pg->flags & PG_head) {
		order = page_of(s->mem_map, pfn + 1)->mapping;
		for (pfn_t i = 1; i < (pfn_t)1 << order; i++)
			memset(page_of(s->mem_map, pfn + i), 0, sizeof(struct page));
	}
	pg->flags = 0;
	pg->mapcount = 0;
	pg->refcount = 0;
	phys_free(s->phys, pfn, order);
}

int mm__rss_type(struct sim *s, pfn_t pfn)
{
	const struct page *pg = page_of(s->mem_map, pfn);
	if (pg->flags & PG_anon)
		return MM_ANONPAGES;
	return (pg->flags & PG_shmem) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

void mm__rss_add(struct sim *s, struct mm *mm, int type, int64_t n)
{
	mm->rss[type] += n;
	if (type == MM_SWAPENTS)
		return;
	s->rss_total += (uint64_t)n;
	if (s->rss_total > s->rss_total_peak)
		s->rss_total_peak = s->rss_total;
	uint64_t rss = (uint64_t)(mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] +
				  mm->rss[MM_SHMEMPAGES]);
	if (rss > mm->hiwater_rss) {
		mm->hiwater_rss = rss;
		if (mm->owner)
			mm->owner->st.rss_peak_pages = rss;
	}
}

/* ---- page tables ------------------------------------------------------------------- */

static pfn_t pt_alloc_table(struct sim *s, struct mm *mm, unsigned level)
{
	pfn_t pfn = phys_alloc(s->phys, 0);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	pte_t *mem = pt_pool_alloc(s->pt_pool, sizeof(pte_t) << s->fmt.bits[level]);
	if (!mem) {
		phys_free(s->phys, pfn, 0);
		return PFN_NONE;
	}
	struct page *pg = page_of(s->mem_map, pfn);
	pg->flags = PG_pgtable;
	pg->mapping = level;
	pg->index = (uint64_t)(uintptr_t)mem;
	if (mm)
		mm->pgtables_bytes += UINT64_C(1) << s->page_shift;
	return pfn;
}

pfn_t mm__alloc_root(struct sim *s, struct mm *mm)
{
	return pt_alloc_table(s, mm, 0);
}

/* Free a table and everything below it (exit_mmap's free_pgtables). */
void mm__free_table(struct sim *s, pfn_t table, unsigned level)
{
	pte_t *t = pt_table(s, table);
	if (level + 1 < s->fmt.levels) {
		size_t n = (size_t)1 << s->fmt.bits[level];
		for (size_t i = 0; i < n; i++)
			if (s->ops->pte_table(t[i]))
				mm__free_table(s, s->ops->pte_pfn(t[i]), level + 1);
	}
	pt_pool_free(s->pt_pool, t, sizeof(pte_t) << s->fmt.bits[level]);
	struct page *pg = page_of(s->mem_map, table);
	pg->flags = 0;
	pg->index = 0;
	pg->refcount = 1;
	mm__put_page(s, table);
}

pte_t *pt_walk(struct sim *s, struct mm *mm, vaddr_t va, unsigned level, int alloc,
	       pte_t **huge, int *oom)
{
	const struct pt_format *f = &s->fmt;
	const struct mmu_arch_ops *ops = s->ops;
	pte_t *tbl = pt_table(s, mm->pgd);
	for (unsigned l = 0; l < level; l++) {
		pte_t *e = &tbl[pt_index(f, l, va)];
		if (ops->pte_table(*e)) {
			tbl = pt_table(s, ops->pte_pfn(*e));
			continue;
		}
		if ((int)l == f->huge_level && !ops->pte_none(*e)) {
			if (huge)
				*huge = e;
			return NULL;
		}
		if (!alloc)
			return NULL;
		pfn_t pfn = pt_alloc_table(s, mm, l + 1);
		if (pfn == PFN_NONE) {
			if (oom)
				*oom = 1;
			return NULL;
		}
		*e = ops->mk_table(pfn);
		tbl = pt_table(s, pfn);
	}
	return &tbl[pt_index(f, level, va)];
}

/* pte_alloc + pte_offset_map: the PTE for addr under a PMD-level entry,
 * allocating the PTE table when the entry is empty.  NULL when out of
 * memory (or when the entry is a huge leaf, which the caller handled). */
static pte_t *pte_alloc_map(struct sim *s, struct mm *mm, pte_t *pmd, vaddr_t addr)
{
	const struct pt_format *f = &s->fmt;
	unsigned last = f->levels - 1;
	if (s->ops->pte_none(*pmd)) {
		pfn_t pfn = pt_alloc_table(s, mm, last);
		if (pfn == PFN_NONE)
			return NULL;
		*pmd = s->ops->mk_table(pfn);
	} else if (!s->ops->pte_table(*pmd)) {
		return NULL;
	}
	return &pt_table(s, s->ops->pte_pfn(*pmd))[pt_index(f, last, addr)];
}

unsigned vm_pgp(const struct vma *v)
{
	unsigned f = v->vm_flags, p = 0;
	if (!(f & (VM_READ | VM_WRITE | VM_EXEC)))
		return PGP_NONE;
	p |= PGP_READ;
	if (f & VM_EXEC)
		p |= PGP_EXEC;
	if (f & VM_WRITE)
		p |= PGP_MAYWRITE;
	if ((f & VM_SHARED) && (f & VM_WRITE)) {
		p |= PGP_SHARED;
		/* vma_wants_writenotify: disk files have page_mkwrite and dirty
		 * accounting, so their shared PTEs start read-only. */
		if (!v->vm_file || v->vm_file->shmem)
			p |= PGP_WRITE;
	}
	return p;
}

/* flush_tlb_page after a PTE changed under a present translation (COW,
 * reuse, dirty/young updates): one page, recorded as a tlb_shootdown. */
void mm__flush_page(struct sim *s, struct mm *mm, vaddr_t va)
{
	tlb_hier_flush_page(&s->tlb, va, mm->asid);
	if (mm->owner)
		mm->owner->st.shootdowns++;
	mm__event(s, mm->owner, EV_TLB_SHOOTDOWN, va & ~((UINT64_C(1) << s->page_shift) - 1), 1,
		  NULL);
}

void flush_tlb_range(struct sim *s, struct mm *mm, vaddr_t start, vaddr_t end)
{
	uint64_t n = 0, psz = UINT64_C(1) << s->page_shift;
	if (end - start > (UINT64_C(33) << s->page_shift)) {
		/* Linux flushes the whole mm above tlb_single_page_flush_ceiling (33) */
		n = tlb_hier_flush_asid(&s->tlb, mm->asid);
	} else {
		for (vaddr_t a = start; a < end; a += psz)
			n += tlb_hier_flush_page(&s->tlb, a, mm->asid);
	}
	pwc_flush_asid(&s->pwc, mm->asid);
	s->now += s->cfg.cost.shootdown_ns;
	if (mm->owner)
		mm->owner->st.shootdowns++;
	mm__event(s, mm->owner, EV_TLB_SHOOTDOWN, start, (end - start) >> s->page_shift, NULL);
	(void)n;
}

/* ---- the hardware walk --------------------------------------------------------------- */

struct walk_result {
	enum hw_fault f;
	int level;         /* level where the walk stopped (pt_format numbering) */
	pte_t *leaf;
	int huge;
};

static void hw_walk(struct sim *s, struct mm *mm, vaddr_t va, unsigned access,
		    struct walk_result *w)
{
	const struct pt_format *f = &s->fmt;
	const struct mmu_arch_ops *ops = s->ops;
	const struct cost_model *c = &s->cfg.cost;
	uint64_t tpfn;
	int hit = pwc_lookup(&s->pwc, va, mm->asid, &tpfn);
	unsigned l = hit >= 0 ? (unsigned)hit + 1 : 0;
	pte_t *tbl = pt_table(s, hit >= 0 ? (pfn_t)tpfn : mm->pgd);
	s->now += hit >= 0 ? c->pwc_hit_ns : 0;
	w->huge = 0;
	for (;; l++) {
		pte_t *e = &tbl[pt_index(f, l, va)];
		s->now += c->walk_level_ns;
		if (l + 1 < f->levels) {
			if (ops->hw_table_valid(*e) && ops->pte_table(*e)) {
				pfn_t next = ops->pte_pfn(*e);
				if (l < s->pwc.nlevels)
					pwc_fill(&s->pwc, l, va, mm->asid, next);
				tbl = pt_table(s, next);
				continue;
			}
			if ((int)l == f->huge_level && ops->pte_huge(*e)) {
				w->huge = 1;
			} else {
				w->f = HWF_NOT_PRESENT;
				w->level = (int)l;
				w->leaf = NULL;
				return;
			}
		}
		w->leaf = e;
		w->level = (int)l;
		w->f = ops->hw_leaf_access(e, access, s->cfg.arm64_hw_af);
		return;
	}
}

/*
 * The CPU's side of an access that missed the TLB (or found an entry that
 * does not allow it): walk; on success fill the TLBs; on a fault enter the
 * architecture's exception handler and retry, looking the page up again
 * (DESIGN 5b).  An access whose fault ends in a signal is skipped:
 * MM_ACCESS_SIGNALED tells the caller not to touch its other pages.
 */
int mm_access_slow(struct sim *s, struct task *t, unsigned kind, vaddr_t va)
{
	struct mm *mm = t->mm;
	if (!mm)
		return 0;
	for (int tries = 0;; tries++) {
		uint64_t data;
		if (tries) {
			if (tries > 16)
				return sim__error(s, SIM_EASSERT,
						  "pid %u: access to 0x%llx faults without end", t->pid,
						  (unsigned long long)va);
			if (tlb_hier_lookup(&s->tlb, kind, va, t->asid, &data)) {
				unsigned need = kind == ACC_WRITE ? TLBE_WRITE :
						kind == ACC_EXEC ? TLBE_EXEC : 0;
				if ((data & need) == need)
					return 0;
			}
		}
		if (va >= s->fmt.task_size) {
			s->arch_fault(s, t, va, kind, HWF_NOT_PRESENT, -1);
			return MM_ACCESS_SIGNALED;
		}
		struct walk_result w;
		t->st.walks++;
		hw_walk(s, mm, va, kind, &w);
		if (w.f == HWF_NONE) {
			tlb_hier_fill(&s->tlb, kind, va, t->asid, s->ops->tlb_data(*w.leaf, w.huge));
			return 0;
		}
		if (!s->arch_fault(s, t, va, kind, w.f, w.level))
			return t->alive ? MM_ACCESS_SIGNALED : 0;
		if (!t->alive)
			return 0;
	}
}

/* ---- recording ------------------------------------------------------------------------- */

void mm__record_fault(struct sim *s, struct task *t, vaddr_t addr, unsigned access,
		      uint64_t code, int level, struct fault_trace *ft)
{
	uint64_t lat = s->cfg.cost.fault_ns + ft->cost_ns;
	s->now += lat;
	if (!s->observer && (!s->sink || s->cfg.output_events == OUT_EVENTS_NONE))
		return; /* nobody reads the record: do not build it */
	struct sink_fault f = {
		.seq = sim__next_seq(s), .t_ns = s->now, .pid = t->pid, .access = (uint8_t)access,
		.kind = ft->kind, .major = ft->major, .level = (int8_t)level, .vaddr = addr,
		.code = code, .path = sim__intern_path(s, ft->path, ft->npath), .latency_ns = lat,
	};
	sim__emit_fault(s, &f);
}

void mm__signal(struct sim *s, struct task *t, vaddr_t addr, unsigned kind)
{
	if (kind == FK_SIGBUS) {
		t->st.sigbus++;
		mm__event(s, t, EV_SIGBUS, addr, 0, "BUS_ADRERR");
	} else {
		t->st.segv++;
		mm__event(s, t, EV_SEGV, addr, 0,
			  kind == FK_SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_MAPERR");
	}
}

void mm__oom(struct sim *s, struct task *t, vaddr_t addr)
{
	/* Simplified: with no reclaim yet, an allocation that fails kills the
	 * faulting process (the OOM killer's choice comes with issue #5). */
	t->st.oom_kills++;
	mm__event(s, t, EV_OOM_KILL, addr, task_rss(t), "out of memory");
	mm__event(s, t, EV_EXIT, 0, 0, "oom");
	mm_exit(s, t);
}

/* ---- VMA lookup: the per-VMA lock, then mmap_lock with stack expansion ---------------- */

/* lock_vma_under_rcu: the VMA that contains addr, or NULL (no VMA there,
 * e.g. a stack that must grow first): the caller then falls back to
 * lock_mm_and_find_vma.  One thread, so the VMA lock is always free. */
struct vma *lock_vma_under_rcu(struct mm *mm, vaddr_t addr, struct fault_trace *ft)
{
	fault_trace_push(ft, FN_lock_vma_under_rcu);
	struct vma *vma = find_vma(mm, addr);
	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vma *lock_mm_and_find_vma(struct sim *s, struct mm *mm, vaddr_t addr,
				 struct fault_trace *ft)
{
	fault_trace_push(ft, FN_lock_mm_and_find_vma);
	struct vma *vma = find_vma(mm, addr);
	if (!vma)
		return NULL;
	if (vma->vm_start <= addr)
		return vma;
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return NULL;
	fault_trace_push(ft, FN_expand_stack);
	if (expand_stack(s, mm, vma, addr))
		return NULL;
	return vma;
}

/* ---- anonymous memory ------------------------------------------------------------------ */

static void set_pte(struct vm_fault *vmf, pte_t e)
{
	*vmf->pte = e;
}

static void page_add_new_anon_rmap(struct sim *s, struct vma *vma, pfn_t pfn, vaddr_t addr)
{
	struct page *pg = page_of(s->mem_map, pfn);
	pg->flags |= PG_anon | PG_anon_exclusive | PG_uptodate | PG_lru;
	pg->mapcount = 1;
	pg->mapping = vma->anon_vma;
	pg->index = addr >> s->page_shift;
}

static void anon_vma_prepare(struct sim *s, struct vma *vma)
{
	if (!vma->anon_vma)
		vma->anon_vma = mm__new_anon_vma(s);
}

static unsigned do_anonymous_page(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	struct vma *vma = vmf->vma;
	fault_trace_push(vmf->ft, FN_do_anonymous_page);
	if (vma->vm_flags & VM_SHARED)
		return VM_FAULT_SIGBUS;
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* the shared zero page, read-only, special: no rmap, no RSS */
		set_pte(vmf, ops->mk_pte(s->zero_pfn, (vm_pgp(vma) & ~PGP_WRITE) | PGP_SPECIAL |
							   PGP_YOUNG));
		vmf->ft->kind = FK_ZERO;
		return 0;
	}
	anon_vma_prepare(s, vma);
	pfn_t pfn = mm__alloc_page(s, 0);
	if (pfn == PFN_NONE)
		return VM_FAULT_OOM;
	vmf->ft->cost_ns += s->cfg.cost.page_alloc_ns + s->cfg.cost.page_zero_ns;
	page_add_new_anon_rmap(s, vma, pfn, vmf->address);
	pte_t e = ops->mk_pte(pfn, vm_pgp(vma) | PGP_YOUNG);
	if (vma->vm_flags & VM_WRITE)
		e = ops->pte_mkdirty(ops->pte_mkwrite(e));
	set_pte(vmf, e);
	mm__rss_add(s, vmf->mm, MM_ANONPAGES, 1);
	vmf->ft->kind = FK_ANON;
	return 0;
}

/* ---- file-backed memory ------------------------------------------------------------------- */

static unsigned __do_fault(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN___do_fault);
	return filemap_fault(vmf);
}

/* Map vmf->page (a page-cache page, or a new anonymous page for COW). */
static void finish_fault(struct vm_fault *vmf, int anon_copy)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	struct page *pg = page_of(s->mem_map, vmf->page);
	fault_trace_push(vmf->ft, FN_finish_fault);
	pte_t e = ops->mk_pte(vmf->page, vm_pgp(vmf->vma) | PGP_YOUNG);
	if (vmf->flags & FAULT_FLAG_WRITE)
		e = ops->pte_mkdirty(ops->pte_mkwrite(e));
	set_pte(vmf, e);
	if (anon_copy) {
		page_add_new_anon_rmap(s, vmf->vma, vmf->page, vmf->address);
		mm__rss_add(s, vmf->mm, MM_ANONPAGES, 1);
	} else {
		pg->mapcount++;
		pg->refcount++;
		mm__rss_add(s, vmf->mm, mm__rss_type(s, vmf->page), 1);
		if (vmf->flags & FAULT_FLAG_WRITE)
			pg->flags |= PG_dirty;
	}
}

static unsigned do_read_fault(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	fault_trace_push(vmf->ft, FN_do_read_fault);
	if ((s->cfg.fault_around_bytes >> s->page_shift) > 1) {
		do_fault_around(vmf);
		if (!s->ops->pte_none(*vmf->pte)) {
			vmf->ft->kind = FK_FILE;
			return VM_FAULT_NOPAGE;
		}
	}
	unsigned ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY))
		return ret;
	finish_fault(vmf, 0);
	vmf->ft->kind = FK_FILE;
	return ret;
}

static unsigned do_cow_fault(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	fault_trace_push(vmf->ft, FN_do_cow_fault);
	anon_vma_prepare(s, vmf->vma);
	unsigned ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY))
		return ret;
	pfn_t cow = mm__alloc_page(s, 0);
	if (cow == PFN_NONE)
		return VM_FAULT_OOM;
	vmf->ft->cost_ns += s->cfg.cost.page_alloc_ns + s->cfg.cost.page_copy_ns;
	vmf->page = cow;
	finish_fault(vmf, 1);
	vmf->ft->kind = FK_FILE_COW;
	if (vmf->task)
		vmf->task->st.cow_copies++;
	return ret | VM_FAULT_DONE_COW;
}

static unsigned do_shared_fault(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN_do_shared_fault);
	unsigned ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY))
		return ret;
	if (!vmf->vma->vm_file->shmem)
		fault_trace_push(vmf->ft, FN_do_page_mkwrite);
	finish_fault(vmf, 0);
	vmf->ft->kind = FK_SHARED;
	return ret;
}

static unsigned do_fault(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN_do_fault);
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		return do_read_fault(vmf);
	if (!(vmf->vma->vm_flags & VM_SHARED))
		return do_cow_fault(vmf);
	return do_shared_fault(vmf);
}

static unsigned do_pte_missing(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN_do_pte_missing);
	if (vma_is_anonymous(vmf->vma))
		return do_anonymous_page(vmf);
	return do_fault(vmf);
}

/* ---- write-protect faults ---------------------------------------------------------------- */

/* ptep_set_access_flags: install a PTE that only gains rights (writable,
 * dirty, young) over the one the TLB may hold; the architecture decides
 * whether that needs a flush (mmu_arch_ops.access_flags_flush). */
static void ptep_set_access_flags(struct vm_fault *vmf, pte_t entry, int dirty)
{
	set_pte(vmf, entry);
	if (dirty && vmf->s->ops->access_flags_flush)
		mm__flush_page(vmf->s, vmf->mm, vmf->address);
}

/* The body of Linux's wp_page_reuse: the faulting PTE, writable, dirty and
 * young (wp_page_shared ends the same way). */
static void wp_page_mkwrite(struct vm_fault *vmf)
{
	const struct mmu_arch_ops *ops = vmf->s->ops;
	ptep_set_access_flags(vmf, ops->pte_mkyoung(ops->pte_mkdirty(ops->pte_mkwrite(vmf->orig_pte))),
			      1);
}

static unsigned wp_page_reuse(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN_wp_page_reuse);
	wp_page_mkwrite(vmf);
	vmf->ft->kind = FK_REUSE;
	if (vmf->task)
		vmf->task->st.cow_reuses++;
	return 0;
}

static unsigned wp_page_copy(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	fault_trace_push(vmf->ft, FN_wp_page_copy);
	anon_vma_prepare(s, vmf->vma);
	pfn_t np = mm__alloc_page(s, 0);
	if (np == PFN_NONE)
		return VM_FAULT_OOM;
	int from_zero = vmf->page == PFN_NONE;
	vmf->ft->cost_ns += s->cfg.cost.page_alloc_ns +
			    (from_zero ? s->cfg.cost.page_zero_ns : s->cfg.cost.page_copy_ns);
	page_add_new_anon_rmap(s, vmf->vma, np, vmf->address);
	pte_t e = ops->mk_pte(np, vm_pgp(vmf->vma) | PGP_YOUNG);
	e = ops->pte_mkdirty(ops->pte_mkwrite(e));
	set_pte(vmf, e);
	vmf->ft->kind = FK_COW;
	if (from_zero) {
		mm__rss_add(s, vmf->mm, MM_ANONPAGES, 1);
	} else {
		/* anon -> anon leaves the counters alone (no transient +1 that
		 * would show in the high-water mark); file -> anon moves one */
		struct page *old = page_of(s->mem_map, vmf->page);
		if (!(old->flags & PG_anon)) {
			vmf->ft->kind = FK_FILE_COW;
			mm__rss_add(s, vmf->mm, mm__rss_type(s, vmf->page), -1);
			mm__rss_add(s, vmf->mm, MM_ANONPAGES, 1);
		}
		old->mapcount--;
		mm__put_page(s, vmf->page);
	}
	if (vmf->task)
		vmf->task->st.cow_copies++; /* every faults row of kind cow / file_cow */
	mm__flush_page(s, vmf->mm, vmf->address); /* ptep_clear_flush */
	return 0;
}

static unsigned wp_page_shared(struct vm_fault *vmf)
{
	fault_trace_push(vmf->ft, FN_wp_page_shared);
	if (vmf->vma->vm_file && !vmf->vma->vm_file->shmem)
		fault_trace_push(vmf->ft, FN_do_page_mkwrite);
	wp_page_mkwrite(vmf);
	if (vmf->page != PFN_NONE)
		page_of(vmf->s->mem_map, vmf->page)->flags |= PG_dirty;
	vmf->ft->kind = FK_SHARED;
	return 0;
}

/* wp_can_reuse_anon_folio: reuse only a small folio nobody else holds. */
static int wp_can_reuse_anon_folio(struct page *pg)
{
	if (pg->flags & (PG_head | PG_tail))
		return 0;
	if (pg->refcount > 1 + ((pg->flags & PG_swapcache) ? 1 : 0))
		return 0;
	if (pg->flags & PG_swapcache) {
		/* folio_free_swap: the slot is dropped by the swap code (later issue) */
		pg->flags &= ~PG_swapcache;
	}
	return pg->refcount == 1;
}

static unsigned do_wp_page(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	fault_trace_push(vmf->ft, FN_do_wp_page);
	pte_t e = vmf->orig_pte;
	vmf->page = s->ops->pte_special(e) ? PFN_NONE : s->ops->pte_pfn(e);
	if (vmf->vma->vm_flags & (VM_SHARED | VM_MAYSHARE))
		return wp_page_shared(vmf);
	if (vmf->page == PFN_NONE)
		return wp_page_copy(vmf);
	struct page *pg = page_of(s->mem_map, vmf->page);
	if (pg->flags & PG_anon) {
		if (pg->flags & PG_anon_exclusive)
			return wp_page_reuse(vmf);
		if (wp_can_reuse_anon_folio(pg)) {
			pg->mapping = vmf->vma->anon_vma; /* folio_move_anon_rmap */
			pg->flags |= PG_anon_exclusive;
			return wp_page_reuse(vmf);
		}
	}
	return wp_page_copy(vmf);
}

/* ---- dispatch -------------------------------------------------------------------------- */

static unsigned do_swap_page(struct vm_fault *vmf)
{
	/* Swap comes with reclaim; a swap PTE cannot be created yet. */
	fault_trace_push(vmf->ft, FN_do_swap_page);
	return VM_FAULT_SIGBUS;
}

static unsigned handle_pte_fault(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	fault_trace_push(vmf->ft, FN_handle_pte_fault);
	vmf->orig_pte = *vmf->pte;
	if (ops->pte_none(vmf->orig_pte))
		return do_pte_missing(vmf);
	if (!ops->pte_present(vmf->orig_pte))
		return do_swap_page(vmf);
	pte_t entry = *vmf->pte;
	int write = (vmf->flags & FAULT_FLAG_WRITE) != 0;
	if (write) {
		if (!ops->pte_write(vmf->orig_pte))
			return do_wp_page(vmf);
		/* arm64 without hardware dirty: the PTE is writable but clean */
		fault_trace_push(vmf->ft, FN_pte_mkdirty);
		entry = ops->pte_mkdirty(entry);
		vmf->ft->kind = FK_SPURIOUS;
	}
	if (!ops->pte_young(entry)) {
		fault_trace_push(vmf->ft, FN_pte_mkyoung);
		entry = ops->pte_mkyoung(entry);
		if (!write)
			vmf->ft->kind = FK_ACCESS_FLAG;
	} else if (!write) {
		vmf->ft->kind = FK_SPURIOUS;
	}
	ptep_set_access_flags(vmf, entry, write);
	return 0;
}

static unsigned __handle_mm_fault(struct sim *s, struct task *t, struct vma *vma,
				  vaddr_t addr, unsigned flags, struct fault_trace *ft)
{
	struct mm *mm = t->mm;
	const struct pt_format *f = &s->fmt;
	struct vm_fault vmf = {
		.s = s, .task = t, .mm = mm, .vma = vma,
		.address = addr & ~((UINT64_C(1) << s->page_shift) - 1), .real_address = addr,
		.flags = flags, .page = PFN_NONE, .ft = ft,
	};
	vmf.pgoff = vma->vm_pgoff + ((vmf.address - vma->vm_start) >> s->page_shift);
	fault_trace_push(ft, FN___handle_mm_fault);
	int oom = 0;
	pte_t *huge = NULL;
	if (f->huge_level >= 0) {
		vmf.pmd = pt_walk(s, mm, addr, (unsigned)f->huge_level, 1, &huge, &oom);
		if (oom)
			return VM_FAULT_OOM;
		if (huge)
			vmf.pmd = huge;
		if (s->ops->pte_none(*vmf.pmd) && thp_vma_allowable(s, vma, addr)) {
			fault_trace_push(ft, FN_create_huge_pmd);
			unsigned ret = do_huge_pmd_anonymous_page(&vmf);
			if (!(ret & VM_FAULT_FALLBACK))
				return ret;
		} else if (s->ops->pte_huge(*vmf.pmd)) {
			if ((flags & FAULT_FLAG_WRITE) && !s->ops->pte_write(*vmf.pmd)) {
				fault_trace_push(ft, FN_wp_huge_pmd);
				unsigned ret = do_huge_pmd_wp_page(&vmf);
				if (!(ret & VM_FAULT_FALLBACK))
					return ret;
			} else {
				fault_trace_push(ft, FN_huge_pmd_set_accessed);
				*vmf.pmd = s->ops->pte_mkyoung(*vmf.pmd);
				if (flags & FAULT_FLAG_WRITE)
					*vmf.pmd = s->ops->pte_mkdirty(*vmf.pmd);
				ft->kind = FK_ACCESS_FLAG;
				return 0;
			}
		}
	}
	vmf.pte = vmf.pmd ? pte_alloc_map(s, mm, vmf.pmd, addr)
			  : pt_walk(s, mm, addr, f->levels - 1, 1, NULL, &oom);
	if (!vmf.pte)
		return VM_FAULT_OOM;
	return handle_pte_fault(&vmf);
}

/* mm_account_fault: one count per completed fault; major if VM_FAULT_MAJOR
 * or the fault had to be retried; errors and retries are not counted. */
static void mm_account_fault(struct task *t, unsigned flags, unsigned ret,
			     struct fault_trace *ft)
{
	if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY))
		return;
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED)) {
		t->st.majflt++;
		ft->major = 1;
	} else {
		t->st.minflt++;
	}
}

unsigned handle_mm_fault(struct sim *s, struct task *t, struct vma *vma, vaddr_t addr,
			 unsigned flags, struct fault_trace *ft)
{
	fault_trace_push(ft, FN_handle_mm_fault);
	unsigned ret = __handle_mm_fault(s, t, vma, addr, flags, ft);
	mm_account_fault(t, flags, ret, ft);
	return ret;
}

/* ---- range operations used by the syscalls ------------------------------------------------ */

/* Drop one PTE's mapping of its page. */
static void zap_pte(struct sim *s, struct mm *mm, pte_t *pte)
{
	const struct mmu_arch_ops *ops = s->ops;
	pte_t e = *pte;
	*pte = 0;
	if (ops->pte_none(e) || !ops->pte_present(e) || ops->pte_special(e))
		return;
	pfn_t pfn = ops->pte_pfn(e);
	struct page *pg = page_of(s->mem_map, pfn);
	if (pg->flags & PG_reserved)
		return;
	if (ops->pte_dirty(e))
		pg->flags |= PG_dirty;
	mm__rss_add(s, mm, mm__rss_type(s, pfn), -1);
	pg->mapcount--;
	mm__put_page(s, pfn);
}

/*
 * The walk over [start, end) that zap and change_protection share (Linux's
 * walk of pgd -> p4d -> pud -> pmd -> pte ranges): a huge PMD wholly inside
 * the range goes to ->huge, one only partly inside is split first; every
 * PTE that is not none goes to ->pte, a table at a time; missing tables are
 * skipped.  Returns 1 if any callback changed an entry.
 */
struct range_ops {
	void (*huge)(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd, vaddr_t haddr);
	int (*pte)(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pte);
};

static int walk_page_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
			   vaddr_t end, const struct range_ops *ro)
{
	const struct pt_format *f = &s->fmt;
	unsigned shift = s->page_shift;
	vaddr_t span = UINT64_C(1) << f->shift[f->levels - 2]; /* what one PTE table maps */
	int any = 0;
	for (vaddr_t a = start; a < end;) {
		vaddr_t next = (a & ~(span - 1)) + span;
		pte_t *huge = NULL;
		pte_t *pte = pt_walk(s, mm, a, f->levels - 1, 0, &huge, NULL);
		if (huge) {
			vaddr_t h = a & ~(span - 1);
			if (h >= start && next <= end) {
				ro->huge(s, mm, vma, huge, h);
				any = 1;
				a = next;
			} else {
				__split_huge_pmd(s, mm, vma, huge, h);
			}
			continue;
		}
		if (next > end || next < a)
			next = end;
		for (; pte && a < next; a += UINT64_C(1) << shift, pte++)
			if (!s->ops->pte_none(*pte))
				any |= ro->pte(s, mm, vma, pte);
		a = next;
	}
	return any;
}

static int zap_one(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pte)
{
	(void)vma;
	zap_pte(s, mm, pte);
	return 1;
}

/* unmap_page_range: drop the mappings of [start, end); returns 1 if any
 * entry was present (the caller flushes). */
int unmap_page_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start, vaddr_t end)
{
	static const struct range_ops zap = { zap_huge_pmd, zap_one };
	return walk_page_range(s, mm, vma, start, end, &zap);
}

void zap_page_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start, vaddr_t end)
{
	if (unmap_page_range(s, mm, vma, start, end))
		flush_tlb_range(s, mm, start, end);
}

/* can_change_pte_writable: a private anonymous page that is exclusive to us
 * may be mapped writable at once when write permission comes back. */
static int can_change_pte_writable(struct sim *s, struct vma *vma, pte_t e)
{
	if (!(vma->vm_flags & VM_WRITE))
		return 0;
	if (vma->vm_flags & VM_SHARED)
		return s->ops->pte_dirty(e) || !vma->vm_file || vma->vm_file->shmem;
	if (s->ops->pte_special(e))
		return 0;
	struct page *pg = page_of(s->mem_map, s->ops->pte_pfn(e));
	return (pg->flags & PG_anon) && (pg->flags & PG_anon_exclusive);
}

/* change_huge_pmd: the whole PMD changes protection in place, writable at
 * once under the same rule as a PTE (can_change_pmd_writable). */
static void change_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd,
			    vaddr_t haddr)
{
	unsigned pgp = vm_pgp(vma);
	(void)mm, (void)haddr;
	pte_t e = s->ops->pte_modify(*pmd, pgp & ~PGP_WRITE);
	if (!(pgp & PGP_NONE) && can_change_pte_writable(s, vma, e))
		e = s->ops->pte_mkwrite(e);
	*pmd = e;
}

/* change_pte_range for one PTE: new protection, write-protected unless the
 * page may be written at once. */
static int change_pte(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pte)
{
	const struct mmu_arch_ops *ops = s->ops;
	unsigned pgp = vm_pgp(vma);
	(void)mm;
	if (!ops->pte_present(*pte))
		return 0;
	pte_t e = ops->pte_modify(*pte, pgp & ~PGP_WRITE);
	if (!(pgp & PGP_NONE) && can_change_pte_writable(s, vma, e))
		e = ops->pte_mkwrite(e);
	*pte = e;
	return 1;
}

void change_protection(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end)
{
	static const struct range_ops chg = { change_huge_pmd, change_pte };
	if (walk_page_range(s, mm, vma, start, end, &chg))
		flush_tlb_range(s, mm, start, end);
}

/* ---- MADV_COLD / MADV_PAGEOUT (mm/madvise.c) ------------------------------------------- */

/* What the madvise walks may touch (vm_normal_page, and "do not interfere
 * with other mappings"): the page of a present, normal entry (not the
 * zero page, not the huge zero page) that only this mapping maps; NULL
 * otherwise. */
static struct page *exclusive_page(struct sim *s, pte_t e)
{
	const struct mmu_arch_ops *ops = s->ops;
	if (!ops->pte_present(e) || ops->pte_special(e))
		return NULL;
	pfn_t pfn = ops->pte_pfn(e);
	if (pfn == s->zero_pfn || pfn == s->huge_zero_pfn)
		return NULL;
	struct page *pg = page_of(s->mem_map, pfn);
	return pg->mapcount == 1 ? pg : NULL;
}

/* madvise_cold_or_pageout_pte_range, one PTE: a normal page mapped only
 * here loses its young bit (the next access sets it again: x86 and arm64
 * with hardware AF in the walk, arm64 without it by an access-flag
 * fault).  The zero page and pages mapped elsewhere are left alone. */
static int cold_pte(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pte)
{
	(void)mm, (void)vma;
	if (!exclusive_page(s, *pte) || !s->ops->pte_young(*pte))
		return 0;
	*pte = s->ops->pte_mkold(*pte);
	return 1;
}

/* The same for a PMD-mapped huge page wholly inside the range. */
static void cold_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd, vaddr_t haddr)
{
	(void)mm, (void)vma, (void)haddr;
	if (exclusive_page(s, *pmd))
		*pmd = s->ops->pte_mkold(*pmd);
}

/* MADV_COLD: clear the young bits of [start, end) and flush them from the
 * TLB (tlb_remove_tlb_entry; one flush at the end).  Deactivating the
 * folios comes with reclaim's LRU lists. */
int madvise_cold_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end)
{
	static const struct range_ops cold = { cold_huge_pmd, cold_pte };
	if (walk_page_range(s, mm, vma, start, end, &cold))
		flush_tlb_range(s, mm, start, end);
	return 0;
}

/* madvise_free_pte_range, one PTE: an anonymous page mapped only here is
 * made clean and old (clear_young_dirty_ptes) and marked lazy-free;
 * reclaim may then drop it unless it is written again.  A later write
 * sets the dirty bit again: by hardware on x86 (and arm64 with DBM), by a
 * fault on arm64 without it. */
static int free_pte(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pte)
{
	const struct mmu_arch_ops *ops = s->ops;
	struct page *pg = exclusive_page(s, *pte);
	(void)mm, (void)vma;
	if (!pg || !(pg->flags & PG_anon))
		return 0;
	pg->flags = (pg->flags & ~PG_dirty) | PG_lazyfree;
	if (!ops->pte_young(*pte) && !ops->pte_dirty(*pte))
		return 0;
	*pte = ops->pte_mkold(ops->pte_mkclean(*pte));
	return 1;
}

/* madvise_free_huge_pmd: the same for a THP wholly inside the range. */
static void free_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd, vaddr_t haddr)
{
	struct page *head = exclusive_page(s, *pmd);
	(void)mm, (void)vma, (void)haddr;
	if (!head)
		return;
	head->flags = (head->flags & ~PG_dirty) | PG_lazyfree;
	*pmd = s->ops->pte_mkold(s->ops->pte_mkclean(*pmd));
}

/* MADV_FREE on a private anonymous VMA: clean and age the pages mapped only
 * here and flush them from the TLB.  Without memory pressure the pages keep
 * their data; discarding them comes with reclaim. */
int madvise_free_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end)
{
	static const struct range_ops lazyfree = { free_huge_pmd, free_pte };
	if (walk_page_range(s, mm, vma, start, end, &lazyfree))
		flush_tlb_range(s, mm, start, end);
	return 0;
}

/* MADV_PAGEOUT: the same walk; reclaiming the pages comes with reclaim. */
int madvise_pageout_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
			  vaddr_t end)
{
	return madvise_cold_range(s, mm, vma, start, end);
}

int populate_range(struct sim *s, struct task *t, struct vma *vma, vaddr_t start, vaddr_t end,
		   int write)
{
	const struct mmu_arch_ops *ops = s->ops;
	uint64_t psz = UINT64_C(1) << s->page_shift;
	if (s->cfg.mode == MODE_TLB)
		return 0; /* identity translation: there is nothing to fault in */
	for (vaddr_t a = start; a < end; a += psz) {
		/* follow_page_pte: already mapped well enough? */
		pte_t *huge = NULL;
		pte_t *pte = pt_walk(s, t->mm, a, s->fmt.levels - 1, 0, &huge, NULL);
		pte_t e = huge ? *huge : pte ? *pte : 0;
		if (!ops->pte_none(e) && ops->pte_present(e) && !ops->pte_protnone(e) &&
		    (!write || ops->pte_write(e)))
			continue;
		struct fault_trace ft = { .kind = FK_SPURIOUS };
		fault_trace_push(&ft, FN_get_user_pages);
		unsigned flags = FAULT_FLAG_REMOTE | (write ? FAULT_FLAG_WRITE : 0);
		unsigned ret = handle_mm_fault(s, t, vma, a, flags, &ft);
		if (ret & VM_FAULT_RETRY)
			ret = handle_mm_fault(s, t, vma, a, flags | FAULT_FLAG_TRIED, &ft);
		s->now += ft.cost_ns;
		if (ret & VM_FAULT_OOM) {
			mm__oom(s, t, a);
			return -MM_ENOMEM;
		}
		if (ret & VM_FAULT_ERROR)
			return -MM_EFAULT;
	}
	return 0;
}

int move_page_tables(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t old,
		     struct vma *new_vma, vaddr_t new_addr, uint64_t len)
{
	const struct pt_format *f = &s->fmt;
	uint64_t psz = UINT64_C(1) << s->page_shift;
	for (uint64_t off = 0; off < len; off += psz) {
		pte_t *huge = NULL;
		pte_t *src = pt_walk(s, mm, old + off, f->levels - 1, 0, &huge, NULL);
		if (huge) {
			uint64_t hmask = (UINT64_C(1) << f->shift[f->huge_level]) - 1;
			/* move_huge_pmd: a whole, aligned extent moves as one entry */
			if (!((old + off) & hmask) && !((new_addr + off) & hmask) && len - off > hmask) {
				int oom = 0;
				pte_t *dpmd = pt_walk(s, mm, new_addr + off, (unsigned)f->huge_level, 1,
						      NULL, &oom);
				if (!dpmd)
					return -MM_ENOMEM;
				if (s->ops->pte_none(*dpmd)) {
					pfn_t pfn = s->ops->pte_pfn(*huge);
					*dpmd = *huge;
					*huge = 0;
					if (pfn != s->huge_zero_pfn)
						page_of(s->mem_map, pfn)->index =
							(new_addr + off) >> s->page_shift;
					off += hmask + 1 - psz;
					continue;
				}
				/* an (empty) page table is there already: split instead */
			}
			__split_huge_pmd(s, mm, vma, huge, (old + off) & ~hmask);
			src = pt_walk(s, mm, old + off, f->levels - 1, 0, NULL, NULL);
		}
		if (!src || s->ops->pte_none(*src))
			continue;
		int oom = 0;
		pte_t *dst = pt_walk(s, mm, new_addr + off, f->levels - 1, 1, NULL, &oom);
		if (!dst)
			return -MM_ENOMEM;
		*dst = *src;
		*src = 0;
		if (s->ops->pte_present(*dst) && !s->ops->pte_special(*dst)) {
			struct page *pg = page_of(s->mem_map, s->ops->pte_pfn(*dst));
			if (pg->flags & PG_anon)
				pg->index = (new_addr + off) >> s->page_shift;
		}
	}
	(void)new_vma;
	flush_tlb_range(s, mm, old, old + len);
	return 0;
}

void split_huge_pmd_address(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr)
{
	const struct pt_format *f = &s->fmt;
	if (f->huge_level < 0)
		return;
	pte_t *huge = NULL;
	pt_walk(s, mm, addr, f->levels - 1, 0, &huge, NULL);
	if (huge)
		__split_huge_pmd(s, mm, vma, huge,
				 addr & ~((UINT64_C(1) << f->shift[f->huge_level]) - 1));
}
