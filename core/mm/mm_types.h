/*
 * mm/mm_types.h - the data structures of the simulated kernel's memory
 * manager, after include/linux/mm_types.h.
 *
 * Simplified relative to Linux 6.x: no locks, RCU or per-CPU lists (one
 * simulated thread of execution at a time); no NUMA nodes or zones (one zone);
 * folios are represented by their head page (`struct page` with PG_head and
 * an order), anon_vma is reduced to an identity number per VMA family.
 */
#ifndef MEMSIM_MM_TYPES_H
#define MEMSIM_MM_TYPES_H

#include <memsim/types.h>

#include "../arch/pgtable.h"

/* ---- physical frames -------------------------------------------------------- */

/* page flags (a subset of Linux's PG_*) */
#define PG_buddy 0x0001u        /* free, head of a buddy block; order in `private_` */
#define PG_anon 0x0002u         /* anonymous (mapping is an anon_vma id) */
#define PG_anon_exclusive 0x0004u /* PageAnonExclusive */
#define PG_lru 0x0008u          /* on an LRU list */
#define PG_active 0x0010u
#define PG_referenced 0x0020u
#define PG_dirty 0x0040u
#define PG_swapcache 0x0080u    /* in the swap cache; index = swap offset */
#define PG_pgtable 0x0100u      /* a page-table page; `index` holds the host pointer */
#define PG_head 0x0200u         /* head of a large folio; order in `private_` */
#define PG_tail 0x0400u
#define PG_reserved 0x0800u     /* zero page, huge zero page */
#define PG_uptodate 0x1000u
#define PG_readahead 0x2000u    /* PG_readahead: async readahead marker */
#define PG_file 0x4000u         /* page-cache page; mapping = file id */
#define PG_unevictable 0x8000u
#define PG_lazyfree 0x10000u    /* MADV_FREE'd, clean */
#define PG_shmem 0x20000u

/*
 * One frame's metadata: 32 bytes (the limit of issue #3), allocated lazily
 * in sections so a large machine costs nothing until its memory is used.
 * Invariant: refcount >= mapcount for mapped pages; free pages have
 * refcount 0 and PG_buddy on the head of their block.
 */
struct page {
	uint32_t flags;     /* PG_* */
	int32_t refcount;   /* page_count */
	int32_t mapcount;   /* page table mappings (PTE or PMD) */
	pfn_t lru_next;     /* LRU or buddy free list link (pfn; PFN_NONE = end) */
	pfn_t lru_prev;
	uint32_t mapping;   /* anon: anon_vma id; file: file id; buddy: order */
	uint64_t index;     /* anon: vaddr >> PAGE_SHIFT of first mapping;
			       file: page offset; pgtable: host pointer;
			       swapcache: swap offset (anon pages keep the
			       vaddr in mapping-specific storage, see rmap) */
};

#define PFN_NONE ((pfn_t)0xffffffffu)

/* ---- virtual memory areas ---------------------------------------------------- */

/* vm_flags, Linux's values where they exist */
#define VM_READ 0x00000001u
#define VM_WRITE 0x00000002u
#define VM_EXEC 0x00000004u
#define VM_SHARED 0x00000008u
#define VM_MAYREAD 0x00000010u
#define VM_MAYWRITE 0x00000020u
#define VM_MAYEXEC 0x00000040u
#define VM_MAYSHARE 0x00000080u
#define VM_GROWSDOWN 0x00000100u
#define VM_LOCKED 0x00002000u
#define VM_DONTCOPY 0x00020000u
#define VM_NORESERVE 0x00200000u
#define VM_ACCOUNT 0x00100000u
#define VM_HUGEPAGE 0x20000000u
#define VM_NOHUGEPAGE 0x40000000u
#define VM_WIPEONFORK 0x02000000u
#define VM_POPULATE_ 0x00000200u   /* memsim: MAP_POPULATE was given (not a Linux flag) */
#define VM_BRK_ 0x00000400u        /* memsim: the heap VMA */

struct file;

struct vma {
	vaddr_t vm_start;        /* first byte */
	vaddr_t vm_end;          /* first byte after */
	uint32_t vm_flags;       /* VM_* */
	uint32_t anon_vma;       /* anon_vma id; 0 = none yet */
	uint64_t vm_pgoff;       /* offset in the file, or vm_start >> PAGE_SHIFT for anon */
	struct file *vm_file;    /* NULL for anonymous memory */
	/* ordered tree links (owned by mm/mmap.c) */
	struct vma *left, *right, *parent;
	int height;
};

static inline int vma_is_anonymous(const struct vma *v) { return v->vm_file == NULL; }

/* ---- files and the page cache ------------------------------------------------- */
struct file {
	char name[64];
	uint32_t id;             /* nonzero; page->mapping of its pages */
	uint64_t size;           /* i_size in bytes */
	uint64_t npages;         /* pages in the page cache index */
	pfn_t *pages;            /* page-cache index: pgoff -> pfn, PFN_NONE if absent */
	int shmem;               /* tmpfs / memfd / shared anonymous */
	int anon;                /* shared anonymous (shmem_zero_setup): it goes
				    away with its last VMA (the last fput) */
	uint32_t nr_vmas;        /* VMAs that map it (their file references) */
	/* struct file_ra_state (one per file here, not per open file) */
	uint64_t ra_start;       /* first page of the current readahead window */
	uint32_t ra_size;        /* pages in the window */
	uint32_t ra_async_size;  /* the last async_size pages trigger the next window */
	uint32_t mmap_miss;      /* page-cache misses in faults (read-around cut-off) */
	struct file *next;       /* sim's list of files */
};

/* ---- address spaces ------------------------------------------------------------ */

/* rss counters, after Linux's MM_* */
enum { MM_FILEPAGES = 0, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

struct task;

struct mm {
	struct vma *mmap_root;   /* ordered tree of VMAs by vm_start */
	struct vma *mmap_cache;  /* last VMA found (vmacache) */
	uint32_t map_count;      /* number of VMAs */
	pfn_t pgd;               /* root page table frame */
	vaddr_t start_brk, brk;  /* heap; brk is the unaligned break */
	vaddr_t mmap_base;       /* top-down mmap placement starts below this */
	vaddr_t start_stack;
	int64_t rss[NR_MM_COUNTERS];
	uint64_t pgtables_bytes; /* page-table memory */
	uint64_t total_vm;       /* pages mapped */
	uint64_t hiwater_rss;    /* peak rss, pages */
	uint16_t asid;           /* PCID / ASID */
	struct task *owner;
};

#endif
