/*
 * mm/internal.h - functions shared between the files of core/mm/ (never
 * installed; R13).  Linux-mirrored functions keep Linux's names.
 *
 * Every function takes the machine (`struct sim *`) first; per-address-space
 * state is reached through `struct mm`.
 */
#ifndef MEMSIM_MM_INTERNAL_H
#define MEMSIM_MM_INTERNAL_H

#include <memsim/sim.h>

#include "mm_types.h"

/* ---- page_alloc.c: physical frames (buddy allocator, orders 0..MAX_ORDER) ---- */
#define MAX_ORDER 10              /* 4K frames; 16K: 11, 64K: 13 (phys_max_order) */
#define PHYS_MAX_ORDER_LIMIT 13

struct phys;  /* opaque: frames, the struct page array, free areas */

/* Set up `nr_frames` frames of 1 << page_shift bytes.  Metadata is allocated
 * lazily (host memory is reserved, not populated).  Returns NULL on host
 * allocation failure. */
struct phys *phys_create(uint64_t nr_frames, unsigned page_shift);
void phys_destroy(struct phys *p);
/* Allocate 2^order contiguous frames (deterministic: the same sequence of
 * calls gives the same frames).  Returns PFN_NONE when no block is free.
 * The head page has refcount 1; tail pages of order > 0 blocks are zeroed
 * metadata with PG_tail. */
pfn_t phys_alloc(struct phys *p, unsigned order);
/* Free a block allocated with `order` (buddies are merged). */
void phys_free(struct phys *p, pfn_t pfn, unsigned order);
/* Metadata of a frame (allocated on first use; never NULL for pfn < nr_frames). */
struct page *pfn_to_page(struct phys *p, pfn_t pfn);
uint64_t phys_nr_frames(const struct phys *p);
/* The largest order of this machine's frames (MAX_ORDER for 4K frames). */
unsigned phys_max_order(const struct phys *p);
uint64_t phys_nr_free(const struct phys *p);
/* Free blocks of each order (for tests and reports). */
uint64_t phys_nr_free_blocks(const struct phys *p, unsigned order);
/* Host bytes spent on frame metadata so far (benchmark: bytes per page). */
uint64_t phys_meta_bytes(const struct phys *p);
/* The struct page array (Linux's flat mem_map), fixed for the life of `p`:
 * the frame metadata of pfn is mem_map[pfn], which page_of() reads inline
 * on the fault path.  Pages never touched read as zero. */
#define PHYS_SECTION_SHIFT 12
struct page *phys_mem_map(const struct phys *p);
static inline struct page *page_of(struct page *mem_map, pfn_t pfn)
{
	return &mem_map[pfn];
}

/* ---- pt_pool.c: host memory for page-table entries ------------------------------ */

struct pt_pool;
/* A pool for up to `cap` bytes of tables (reserved, populated on use). */
struct pt_pool *pt_pool_create(size_t cap);
void pt_pool_destroy(struct pt_pool *p);
/* `bytes` (a power of two, 8 .. 512 KiB) of zeroed entries, or NULL. */
void *pt_pool_alloc(struct pt_pool *p, size_t bytes);
void pt_pool_free(struct pt_pool *p, void *t, size_t bytes);
size_t pt_pool_live(const struct pt_pool *p);

/* ---- mmap.c: the VMA tree and the address-space syscalls ------------------------ */

/* Find the first VMA with vm_end > addr (Linux find_vma), or NULL. */
struct vma *find_vma(struct mm *mm, vaddr_t addr);
/* The VMA before `v` / after `v` in address order, or NULL. */
struct vma *vma_prev(struct mm *mm, struct vma *v);
struct vma *vma_next(struct mm *mm, struct vma *v);
/* First VMA in address order, or NULL. */
struct vma *vma_first(struct mm *mm);
/* Free every VMA (exit_mmap's last step); does not touch page tables. */
void mm_free_vmas(struct sim *s, struct mm *mm);
/* Insert a VMA copy into `mm` (used by dup_mmap).  Returns the new VMA.
 * (mmap.c: map_count is updated; total_vm is left to the caller, as Linux's
 * dup_mmap copies the counters.  NULL on host OOM.  mm_free_vmas zeroes
 * map_count and total_vm.  Every VMA in a tree is allocated by mmap.c and
 * carries hidden placement data: never link or free a VMA made elsewhere,
 * and change vm_start/vm_end only through mmap.c's functions.) */
struct vma *vma_insert_copy(struct mm *mm, const struct vma *src);

/*
 * The syscalls at VMA level.  Each returns 0 (or the address for do_mmap /
 * the new break for do_brk), or a negative errno-style value (-EINVAL,
 * -ENOMEM, -EEXIST, -EPERM, -EACCES) that the engine turns into an event
 * with the error.  Page-table work is delegated to memory.c
 * (zap_page_range, change_protection, move_page_tables, populate_range).
 */
int64_t do_mmap(struct sim *s, struct task *t, vaddr_t addr, uint64_t len,
		unsigned prot, unsigned flags, struct file *file, uint64_t off);
int do_munmap(struct sim *s, struct task *t, vaddr_t addr, uint64_t len);
int do_mprotect(struct sim *s, struct task *t, vaddr_t addr, uint64_t len, unsigned prot);
int do_madvise(struct sim *s, struct task *t, vaddr_t addr, uint64_t len, unsigned advice);
int64_t do_mremap(struct sim *s, struct task *t, vaddr_t old, uint64_t oldlen,
		  uint64_t newlen, int has_new, vaddr_t newaddr);
int64_t do_brk(struct sim *s, struct task *t, vaddr_t brk);
/* Grow a GROWSDOWN VMA down to `addr` (expand_downwards with the guard gap,
 * mmap_min_addr and RLIMIT_STACK checks).  0 or -ENOMEM/-EPERM. */
int expand_stack(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr);
/* Check the VMA tree of `mm` (for tests): ordering, no overlap, parent links,
 * AVL heights and balance, map_count.  Returns 0 if valid, else a negative
 * number naming the first broken invariant (-1 order/overlap, -2 parent link,
 * -3 height, -4 balance, -5 map_count, -6 empty VMA, -7 stale mmap_cache,
 * -8 placement gap bookkeeping). */
int vma_tree_check(struct mm *mm);
/* The lowest address the stack guard gap of `vma` reserves: vm_start minus
 * stack_guard_gap pages for VM_GROWSDOWN VMAs (clamped at 0), else vm_start. */
vaddr_t vm_start_gap(const struct sim *s, const struct vma *vma);

/* ---- memory.c: page tables and the fault path -------------------------------------- */

/* Unmap and free what [start, end) of `vma` maps (PTEs, PMDs), flush the TLB. */
void zap_page_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		    vaddr_t end);
/* Apply vma->vm_flags (already updated) to the present PTEs of [start, end):
 * write-protect when write was removed, PROT_NONE, and make anon-exclusive
 * pages writable at once when write is added (can_change_pte_writable). */
void change_protection(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end);
/* Move the entries of [old, old+len) to [new, new+len) (mremap). */
int move_page_tables(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t old,
		     struct vma *new_vma, vaddr_t new_addr, uint64_t len);
/* Fault in [start, end) as get_user_pages does (MAP_POPULATE, MADV_POPULATE_*,
 * mlock): counted in minflt/majflt, no perf event.  0 or -EFAULT/-ENOMEM. */
int populate_range(struct sim *s, struct task *t, struct vma *vma, vaddr_t start,
		   vaddr_t end, int write);
/* Split a huge PMD covering addr into PTEs (THP; no-op when not huge). */
void split_huge_pmd_address(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr);
/* Flush TLB entries of [start, end) of mm; records a tlb_shootdown event. */
void flush_tlb_range(struct sim *s, struct mm *mm, vaddr_t start, vaddr_t end);
/* madvise helpers called by do_madvise for [start, end) inside one VMA; each
 * returns 0 or a negative MM_E* value that madvise returns.
 * MADV_FREE on a private anonymous VMA (lazy free: clean the PTEs, mark the
 * pages PG_lazyfree; reclaim discards them unless written again). */
int madvise_free_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end);
/* MADV_COLD: clear the young bits of pages mapped only here (memory.c);
 * the inactive list comes with reclaim. */
int madvise_cold_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
		       vaddr_t end);
/* MADV_PAGEOUT: as MADV_COLD for now; reclaiming the pages comes with
 * reclaim. */
int madvise_pageout_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
			  vaddr_t end);
/* MADV_COLLAPSE: synchronous THP collapse of the PMD ranges inside [start, end). */
int madvise_collapse_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
			   vaddr_t end);

/* ---- filemap.c: the page cache ------------------------------------------------------ */
/* A VMA takes / drops its reference to the file it maps (get_file/fput);
 * the last put of a shared anonymous object frees it and its pages. */
void mm__file_get(struct file *f);
void mm__file_put(struct sim *s, struct file *f);
/* MADV_WILLNEED on a file (or shmem) VMA: start reading pages [pgoff_start,
 * pgoff_end) of `file` into the page cache (end exclusive, clipped to EOF by
 * the callee). */
void filemap_willneed(struct sim *s, struct file *file, uint64_t pgoff_start,
		      uint64_t pgoff_end);

/* ---- engine services used by mm/ --------------------------------------------------- */
/* Record an event (no-op when the output level drops it). */
void mm__event(struct sim *s, struct task *t, unsigned type, vaddr_t va, uint64_t len,
	       const char *label);
/* The machine's physical memory and paging format. */
struct phys *mm__phys(struct sim *s);
const struct pt_format *mm__fmt(const struct sim *s);
const struct mmu_arch_ops *mm__ops(const struct sim *s);
struct mm *task_mm(struct task *t);
/* Look up a declared file by name (NULL if unknown). */
struct file *mm__file(struct sim *s, const char *name);
/* Allocate an anon_vma id (anon_vma_prepare). */
uint32_t mm__new_anon_vma(struct sim *s);
/* Create the shmem object behind a MAP_SHARED|MAP_ANONYMOUS mapping
 * (shmem_zero_setup): a calloc'ed struct file with shmem = 1, size = `size`
 * bytes, npages = size >> page_shift and every pages[] entry PFN_NONE, linked
 * into the sim's file list (freed with the sim).  NULL on host OOM. */
struct file *mm__shmem_file(struct sim *s, uint64_t size);

/* errno values used by the syscall layer */
#define MM_EPERM 1
#define MM_ENOMEM 12
#define MM_EACCES 13
#define MM_EFAULT 14
#define MM_EEXIST 17
#define MM_EINVAL 22

#endif
