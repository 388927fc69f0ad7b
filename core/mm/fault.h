/*
 * mm/fault.h - the fault path's shared vocabulary: vm_fault_t results,
 * FAULT_FLAG_*, struct vm_fault, and the record of which modelled functions
 * ran (the `path` column of the faults table).
 *
 * The arch layer (core/arch/<arch>/fault.c) decodes the hardware report
 * into FAULT_FLAG_* and calls handle_mm_fault(); mm/ decides.  Every
 * modelled function pushes its own id when it runs (fault_trace_push), so the
 * path is produced by the code that ran, never looked up from the outcome.
 */
#ifndef MEMSIM_MM_FAULT_H
#define MEMSIM_MM_FAULT_H

#include "../engine/sim_impl.h"
#include "internal.h"

/* vm_fault_t bits (include/linux/mm_types.h) */
#define VM_FAULT_OOM 0x000001u
#define VM_FAULT_SIGBUS 0x000002u
#define VM_FAULT_MAJOR 0x000004u
#define VM_FAULT_SIGSEGV 0x000040u
#define VM_FAULT_NOPAGE 0x000100u
#define VM_FAULT_RETRY 0x000400u
#define VM_FAULT_FALLBACK 0x000800u
#define VM_FAULT_DONE_COW 0x001000u
#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)

/* FAULT_FLAG_* (include/linux/mm_types.h) */
#define FAULT_FLAG_WRITE 0x0001u
#define FAULT_FLAG_ALLOW_RETRY 0x0004u
#define FAULT_FLAG_TRIED 0x0020u
#define FAULT_FLAG_USER 0x0040u
#define FAULT_FLAG_REMOTE 0x0080u     /* get_user_pages: no perf event, no row */
#define FAULT_FLAG_INSTRUCTION 0x0100u
#define FAULT_FLAG_VMA_LOCK 0x1000u   /* handled under the per-VMA lock */

/* Modelled functions, in the order of mm_fn_names[] (fault_trace.c). */
enum mm_fn {
	FN_exc_page_fault = 0, FN_do_user_addr_fault, FN_do_mem_abort,
	FN_do_translation_fault, FN_do_page_fault, FN_do_bad_area,
	FN_lock_mm_and_find_vma, FN_expand_stack, FN_access_error, FN_bad_area,
	FN_bad_area_access_error, FN_bad_area_nosemaphore, FN_handle_mm_fault,
	FN___handle_mm_fault, FN_handle_pte_fault, FN_do_pte_missing,
	FN_do_anonymous_page, FN_do_fault, FN_do_read_fault, FN_do_fault_around,
	FN_filemap_map_pages, FN___do_fault, FN_filemap_fault, FN_shmem_fault,
	FN_do_sync_mmap_readahead, FN_do_async_mmap_readahead, FN_do_cow_fault, FN_do_shared_fault,
	FN_do_page_mkwrite, FN_finish_fault, FN_do_wp_page, FN_wp_page_reuse,
	FN_wp_page_copy, FN_wp_page_shared, FN_do_swap_page, FN_create_huge_pmd,
	FN_do_huge_pmd_anonymous_page, FN_set_huge_zero_folio, FN_wp_huge_pmd,
	FN_do_huge_pmd_wp_page, FN_do_huge_zero_wp_pmd, FN___split_huge_pmd,
	FN_huge_pmd_set_accessed, FN_pte_mkyoung, FN_pte_mkdirty,
	FN_pagefault_out_of_memory, FN_force_sig_fault_segv, FN_force_sig_fault_bus,
	FN_get_user_pages, FN_mm_account_fault, FN_lock_vma_under_rcu,
	FN__COUNT
};
extern const char *const mm_fn_names[];

#define FAULT_PATH_MAX 40

/* What one architectural fault (or one GUP fault) did; filled on the way. */
struct fault_trace {
	uint8_t path[FAULT_PATH_MAX];
	uint8_t npath;
	uint8_t kind;            /* enum fault_kind, set by the handler that decided */
	uint8_t major;
	uint64_t cost_ns;        /* latency from the cost model */
};

static inline void fault_trace_push(struct fault_trace *ft, enum mm_fn fn)
{
	if (ft && ft->npath < FAULT_PATH_MAX)
		ft->path[ft->npath++] = (uint8_t)fn;
}

/* The fault being handled (mm/memory.c), passed down every handler (R15). */
struct vm_fault {
	struct sim *s;
	struct task *task;
	struct mm *mm;
	struct vma *vma;
	vaddr_t address;         /* faulting address, page aligned */
	vaddr_t real_address;
	unsigned flags;          /* FAULT_FLAG_* */
	uint64_t pgoff;          /* page offset in the file / anon index */
	pte_t *pmd;              /* the PMD-level entry (host pointer) */
	pte_t *pte;              /* the PTE (host pointer); NULL until the table exists */
	pte_t orig_pte;
	pfn_t page;              /* the page being mapped / copied (PFN_NONE) */
	struct fault_trace *ft;
};

/* memory.c */
unsigned handle_mm_fault(struct sim *s, struct task *t, struct vma *vma, vaddr_t addr,
			 unsigned flags, struct fault_trace *ft);
struct vma *lock_mm_and_find_vma(struct sim *s, struct mm *mm, vaddr_t addr,
				 struct fault_trace *ft);
struct vma *lock_vma_under_rcu(struct mm *mm, vaddr_t addr, struct fault_trace *ft);
/* Record a finished architectural fault (faults row, counters, latency). */
void mm__record_fault(struct sim *s, struct task *t, vaddr_t addr, unsigned access,
		      uint64_t code, int level, struct fault_trace *ft);
/* A signal outcome: count it and emit the segv / sigbus event. */
void mm__signal(struct sim *s, struct task *t, vaddr_t addr, unsigned kind);
/* The OOM outcome (simplified: the faulting process is killed). */
void mm__oom(struct sim *s, struct task *t, vaddr_t addr);

/* page-table helpers (memory.c) */
/* The host memory of a page-table frame (kept in its struct page). */
static inline pte_t *pt_table(struct sim *s, pfn_t table)
{
	return (pte_t *)(uintptr_t)page_of(s->mem_map, table)->index;
}
/* Entry for va at `level`, allocating intermediate tables when alloc; NULL
 * if a table is missing (and !alloc), or a huge leaf sits above `level`
 * (then *huge is set to that entry), or memory ran out (*oom = 1). */
pte_t *pt_walk(struct sim *s, struct mm *mm, vaddr_t va, unsigned level, int alloc,
	       pte_t **huge, int *oom);
/* Protection bits of a VMA for a new entry (vm_get_page_prot). */
unsigned vm_pgp(const struct vma *v);
pfn_t mm__alloc_page(struct sim *s, unsigned order);
void mm__put_page(struct sim *s, pfn_t pfn);          /* refcount--, free at 0 */
void mm__rss_add(struct sim *s, struct mm *mm, int type, int64_t n);
int mm__rss_type(struct sim *s, pfn_t pfn);           /* MM_ANONPAGES / FILE / SHMEM */
void mm__flush_page(struct sim *s, struct mm *mm, vaddr_t va);

/* filemap.c */
unsigned filemap_fault(struct vm_fault *vmf);
unsigned do_fault_around(struct vm_fault *vmf);
pfn_t filemap_get_page(struct file *f, uint64_t pgoff);

/* huge_memory.c */
int thp_vma_allowable(struct sim *s, struct vma *vma, vaddr_t addr);
unsigned do_huge_pmd_anonymous_page(struct vm_fault *vmf);
unsigned do_huge_pmd_wp_page(struct vm_fault *vmf);
void zap_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd, vaddr_t haddr);
void __split_huge_pmd(struct sim *s, struct mm *mm, struct vma *vma, pte_t *pmd,
		      vaddr_t haddr);
int copy_huge_pmd(struct sim *s, struct mm *dst, struct mm *src, pte_t *dst_pmd,
		  pte_t *src_pmd, vaddr_t addr);
pfn_t mm__huge_zero_page(struct sim *s);

#endif
