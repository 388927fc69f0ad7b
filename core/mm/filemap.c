/*
 * mm/filemap.c - files, the page cache, filemap_fault with synchronous
 * read-around, fault-around (filemap_map_pages) and shmem, after
 * mm/filemap.c, mm/readahead.c and mm/shmem.c of Linux 6.18.
 *
 * A file's page cache is a flat index pgoff -> frame (the file size is
 * known when it is declared).  A disk file's missing page is read with
 * read-around (ra_pages = read_ahead_kb 128 in pages: 32 at 4K, centred on the fault,
 * the page at size - async_size marked PG_readahead) and the fault returns
 * VM_FAULT_MAJOR | VM_FAULT_RETRY: the retry finds the pages and is counted
 * once, as major.  A fault that finds a PG_readahead page starts the next
 * window (page_cache_async_ra: the window ramps up to ra_pages) and, having
 * dropped its lock for the I/O, returns VM_FAULT_RETRY without
 * VM_FAULT_MAJOR: under the per-VMA lock (arch fault handlers) the retry is
 * a first try and counts as minor; it does not wait for that I/O.
 * Fault-around skips PG_readahead pages.  A
 * shmem file's missing page is a new zeroed page (minor).
 *
 * Simplified: I/O completes at once (its time goes to the cost model); one
 * readahead state per file rather than per open file; no VM_SEQ_READ /
 * VM_RAND_READ hints; no large folios in the page cache; no writeback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define READ_AHEAD_BYTES (UINT64_C(128) << 10) /* read_ahead_kb = 128 */

/* bdi->ra_pages: 128 KiB in pages (32 at 4K, 8 at 16K, 2 at 64K). */
static uint32_t ra_pages(const struct sim *s)
{
	uint64_t n = READ_AHEAD_BYTES >> s->page_shift;
	return n ? (uint32_t)n : 1;
}
#define MMAP_LOTSAMISS 100

struct file *mm__file(struct sim *s, const char *name)
{
	for (struct file *f = s->files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static struct file *file_new(struct sim *s, const char *name, uint64_t size, int shmem)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	snprintf(f->name, sizeof f->name, "%s", name);
	f->id = s->next_file_id++;
	f->size = size;
	f->shmem = shmem;
	f->npages = (size + (UINT64_C(1) << s->page_shift) - 1) >> s->page_shift;
	f->pages = malloc((f->npages ? f->npages : 1) * sizeof(pfn_t));
	if (!f->pages) {
		free(f);
		return NULL;
	}
	for (uint64_t i = 0; i < f->npages; i++)
		f->pages[i] = PFN_NONE;
	f->next = s->files;
	s->files = f;
	return f;
}

/* Put a new page into the page cache (add_to_page_cache_lru). */
static pfn_t page_cache_add(struct sim *s, struct file *f, uint64_t pgoff)
{
	pfn_t pfn = mm__alloc_page(s, 0);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	struct page *pg = page_of(s->mem_map, pfn);
	pg->flags = PG_file | PG_uptodate | PG_lru | (f->shmem ? PG_shmem : 0);
	pg->refcount = 1;   /* the page cache's reference */
	pg->mapcount = 0;
	pg->mapping = f->id;
	pg->index = pgoff;
	f->pages[pgoff] = pfn;
	return pfn;
}

int mm_file_declare(struct sim *s, const char *name, uint64_t size, unsigned flags)
{
	if (mm__file(s, name))
		return sim__error(s, SIM_EINPUT, "file '%s' declared twice", name);
	struct file *f = file_new(s, name, size, !!(flags & TFILE_SHMEM));
	if (!f)
		return sim__error(s, SIM_ENOMEM, "out of memory");
	if (flags & TFILE_CACHED)
		for (uint64_t i = 0; i < f->npages; i++)
			if (page_cache_add(s, f, i) == PFN_NONE)
				return sim__error(s, SIM_EINPUT,
						  "file '%s': not enough RAM to cache it", name);
	return 0;
}

struct file *mm__shmem_file(struct sim *s, uint64_t size)
{
	char name[32];
	snprintf(name, sizeof name, "/dev/zero (deleted)#%u", s->next_file_id);
	struct file *f = file_new(s, name, size, 1);
	if (f)
		f->anon = 1;
	return f;
}

/* get_file for a VMA that maps f. */
void mm__file_get(struct file *f)
{
	f->nr_vmas++;
}

/* fput when a VMA that mapped f goes.  A declared file stays (its page
 * cache outlives its mappings); the shmem object of a shared anonymous
 * mapping is released with its last VMA (shmem_evict_inode): its pages
 * leave the page cache and are freed once nothing maps them. */
void mm__file_put(struct sim *s, struct file *f)
{
	if (--f->nr_vmas || !f->anon)
		return;
	for (uint64_t i = 0; i < f->npages; i++)
		if (f->pages[i] != PFN_NONE)
			mm__put_page(s, f->pages[i]);
	for (struct file **pp = &s->files; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f->pages);
	free(f);
}

void mm__free_files(struct sim *s)
{
	for (struct file *f = s->files, *nx; f; f = nx) {
		nx = f->next;
		free(f->pages);
		free(f);
	}
	s->files = NULL;
}

pfn_t filemap_get_page(struct file *f, uint64_t pgoff)
{
	return pgoff < f->npages ? f->pages[pgoff] : PFN_NONE;
}

/* Read pages [start, start + size) that are missing into the page cache
 * (page_cache_ra_order with order 0); the page at start + size - async is
 * marked PG_readahead if this read brought it in. */
static void ra_submit(struct sim *s, struct file *f, uint64_t start, uint64_t size,
		      uint64_t async)
{
	uint64_t end = start + size, mark = end - async;
	if (end > f->npages)
		end = f->npages;
	for (uint64_t i = start; i < end; i++) {
		if (f->pages[i] != PFN_NONE)
			continue;
		pfn_t pfn = page_cache_add(s, f, i);
		if (pfn == PFN_NONE)
			break;
		if (i == mark)
			page_of(s->mem_map, pfn)->flags |= PG_readahead;
	}
}

/* do_sync_mmap_readahead: read-around centred on the fault, unless the
 * file has missed too often (MMAP_LOTSAMISS). */
static void do_sync_mmap_readahead(struct vm_fault *vmf, struct file *f)
{
	fault_trace_push(vmf->ft, FN_do_sync_mmap_readahead);
	if (f->mmap_miss < MMAP_LOTSAMISS * 10)
		f->mmap_miss++;
	if (f->mmap_miss > MMAP_LOTSAMISS)
		return;
	uint32_t ra = ra_pages(vmf->s);
	f->ra_start = vmf->pgoff > ra / 2 ? vmf->pgoff - ra / 2 : 0;
	f->ra_size = ra;
	f->ra_async_size = ra / 4;
	ra_submit(vmf->s, f, f->ra_start, f->ra_size, f->ra_async_size);
}

/* get_next_ra_size: ramp the window up to the maximum. */
static uint32_t get_next_ra_size(uint32_t cur, uint32_t max)
{
	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

/* do_async_mmap_readahead -> page_cache_async_ra: a fault found a
 * PG_readahead page: start the next window.  Returns 1 when I/O was
 * started: the fault drops its lock (maybe_unlock_mmap_for_io) and is
 * retried, but without VM_FAULT_MAJOR, so under the per-VMA lock the retry
 * is a first try and the fault counts as minor. */
static int do_async_mmap_readahead(struct vm_fault *vmf, struct file *f, struct page *pg)
{
	if (f->mmap_miss)
		f->mmap_miss--;
	if (!(pg->flags & PG_readahead))
		return 0;
	fault_trace_push(vmf->ft, FN_do_async_mmap_readahead);
	pg->flags &= ~PG_readahead;
	uint32_t max = ra_pages(vmf->s);
	if (vmf->pgoff == f->ra_start + f->ra_size - f->ra_async_size) {
		f->ra_start += f->ra_size;
		uint32_t next = get_next_ra_size(f->ra_size, max);
		f->ra_size = next > f->ra_size ? next : f->ra_size;
	} else {
		/* a marked page without the readahead state that set it (e.g.
		 * interleaved reads): continue from the first page missing
		 * after it (page_cache_next_miss), with the window ramped up
		 * from what is already cached plus a request of ra_pages */
		uint64_t start = vmf->pgoff + 1;
		while (start < f->npages && start - vmf->pgoff <= max &&
		       f->pages[start] != PFN_NONE)
			start++;
		if (start - vmf->pgoff > max)
			return 1; /* all cached: nothing to read; the lock was dropped */
		f->ra_start = start;
		f->ra_size = get_next_ra_size((uint32_t)(start - vmf->pgoff) + max, max);
	}
	f->ra_async_size = f->ra_size;
	ra_submit(vmf->s, f, f->ra_start, f->ra_size, f->ra_async_size);
	return 1; /* asynchronous: the faulting task does not wait for it */
}

unsigned filemap_fault(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	struct file *f = vmf->vma->vm_file;
	uint64_t pgoff = vmf->pgoff;
	if (f->shmem) {
		fault_trace_push(vmf->ft, FN_shmem_fault);
		if (pgoff >= f->npages)
			return VM_FAULT_SIGBUS;
		if (f->pages[pgoff] == PFN_NONE) {
			if (page_cache_add(s, f, pgoff) == PFN_NONE)
				return VM_FAULT_OOM;
			vmf->ft->cost_ns += s->cfg.cost.page_alloc_ns + s->cfg.cost.page_zero_ns;
		}
		vmf->page = f->pages[pgoff];
		return 0;
	}
	fault_trace_push(vmf->ft, FN_filemap_fault);
	if (pgoff >= f->npages)
		return VM_FAULT_SIGBUS;
	pfn_t pfn = f->pages[pgoff];
	if (pfn == PFN_NONE) {
		do_sync_mmap_readahead(vmf, f);
		if (f->pages[pgoff] == PFN_NONE && page_cache_add(s, f, pgoff) == PFN_NONE)
			return VM_FAULT_OOM;
		vmf->ft->cost_ns += s->cfg.cost.io_read_ns;
		/* I/O was needed: the lock was dropped; the retry maps the page */
		return VM_FAULT_MAJOR | VM_FAULT_RETRY;
	}
	struct page *pg = page_of(s->mem_map, pfn);
	if (!(vmf->flags & FAULT_FLAG_TRIED) && do_async_mmap_readahead(vmf, f, pg))
		return VM_FAULT_RETRY;
	vmf->page = pfn;
	return 0;
}

/*
 * do_fault_around -> filemap_map_pages: map the page-cache pages around the
 * fault that are present, uptodate and not PG_readahead, in the window of
 * fault_around_bytes aligned in virtual address, clipped to the VMA, to the
 * page table and to EOF.  No I/O.
 */
unsigned do_fault_around(struct vm_fault *vmf)
{
	struct sim *s = vmf->s;
	const struct mmu_arch_ops *ops = s->ops;
	struct vma *vma = vmf->vma;
	struct file *f = vma->vm_file;
	uint64_t nr = s->cfg.fault_around_bytes >> s->page_shift;
	uint64_t ptrs = UINT64_C(1) << s->fmt.bits[s->fmt.levels - 1];
	uint64_t pte_off = (vmf->address >> s->page_shift) & (ptrs - 1);
	uint64_t vma_off = (vmf->address - vma->vm_start) >> s->page_shift;
	uint64_t vma_pages = (vma->vm_end - vma->vm_start) >> s->page_shift;
	fault_trace_push(vmf->ft, FN_do_fault_around);
	/* nr is rounded down to a power of two, as the debugfs setter does */
	while (nr & (nr - 1))
		nr &= nr - 1;
	uint64_t from = pte_off & ~(nr - 1);
	uint64_t lo = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	if (lo > from)
		from = lo;
	uint64_t to = from + nr;
	if (to > ptrs)
		to = ptrs;
	if (to > pte_off + (vma_pages - vma_off))
		to = pte_off + (vma_pages - vma_off);
	fault_trace_push(vmf->ft, FN_filemap_map_pages);
	pte_t *table = vmf->pte - pte_off;
	unsigned pgp = vm_pgp(vma);
	int old = s->cfg.arch == ARCH_ARM64 && s->cfg.arm64_hw_af; /* arch_wants_old_prefaulted_pte */
	uint32_t mapped = 0;
	for (uint64_t i = from; i < to; i++) {
		uint64_t pgoff = vmf->pgoff + i - pte_off;
		if (pgoff >= f->npages)
			break;
		pfn_t pfn = f->pages[pgoff];
		if (pfn == PFN_NONE || !ops->pte_none(table[i]))
			continue;
		struct page *pg = page_of(s->mem_map, pfn);
		if (!(pg->flags & PG_uptodate) || (pg->flags & PG_readahead))
			continue;
		unsigned young = (i == pte_off || !old) ? PGP_YOUNG : 0;
		table[i] = ops->mk_pte(pfn, pgp | young);
		pg->mapcount++;
		pg->refcount++;
		mm__rss_add(s, vmf->mm, mm__rss_type(s, pfn), 1);
		mapped++;
	}
	/* pages found in the page cache balance earlier misses (mmap_miss),
	 * so read-around stays on for a file that is mostly hit */
	f->mmap_miss = mapped >= f->mmap_miss ? 0 : f->mmap_miss - mapped;
	return 0;
}

void filemap_willneed(struct sim *s, struct file *f, uint64_t start, uint64_t end)
{
	if (f->shmem)
		return;
	if (end > f->npages)
		end = f->npages;
	for (uint64_t i = start; i < end; i++)
		if (f->pages[i] == PFN_NONE && page_cache_add(s, f, i) == PFN_NONE)
			break;
}
