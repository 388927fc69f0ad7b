/*
 * mm/pt_pool.c - host memory for the entries of simulated page tables.
 *
 * A page-table page is a simulated frame (page_alloc.c, PG_pgtable); its
 * entries need real host memory, 2 to 8192 pte_t depending on the format
 * and level.  They come from one reserved, unpopulated host mapping, packed
 * densely by a bump pointer with one free list per power-of-two size, and
 * advised MADV_HUGEPAGE: the host then faults in 2 MiB, 512 tables of 4 KiB,
 * at a time.  A table per malloc costs one host page fault per table, which
 * on a virtual machine is several microseconds, more than the whole
 * simulated fault it serves.
 *
 * Invariant: every byte not handed out is zero (fresh mappings are zero;
 * pt_pool_free clears a table before putting it on its list), so
 * pt_pool_alloc returns zeroed entries, as Linux's page-table pages are
 * (__GFP_ZERO).  A free table's first word links the list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define PT_POOL_CLASSES 17            /* 8 B .. 512 KiB */

struct pt_pool {
	char *base;
	size_t cap, used;             /* reserved / bumped bytes */
	void *free[PT_POOL_CLASSES];  /* free tables of 8 << class bytes */
	size_t live;                  /* bytes handed out */
};

static unsigned pt_class(size_t bytes)
{
	unsigned c = 0;

	while (((size_t)8 << c) < bytes)
		c++;
	return c;
}

/* A pool able to hold `cap` bytes of tables (at least one page).  NULL on
 * host failure. */
struct pt_pool *pt_pool_create(size_t cap)
{
	struct pt_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cap = cap < ((size_t)1 << 21) ? (size_t)1 << 21 : cap;
	p->base = mmap(NULL, p->cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->base == MAP_FAILED) {
		free(p);
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	madvise(p->base, p->cap, MADV_HUGEPAGE); /* advice only */
#endif
	return p;
}

void pt_pool_destroy(struct pt_pool *p)
{
	if (!p)
		return;
	munmap(p->base, p->cap);
	free(p);
}

/* Zeroed memory for `n` entries of `size` bytes, aligned to its size; NULL
 * when the reservation is used up. */
void *pt_pool_alloc(struct pt_pool *p, size_t bytes)
{
	unsigned c = pt_class(bytes);
	size_t sz = (size_t)8 << c;
	void *t = p->free[c];

	if (c >= PT_POOL_CLASSES)
		return NULL;
	if (t) {
		p->free[c] = *(void **)t;
		*(void **)t = NULL;
	} else {
		size_t at = (p->used + sz - 1) & ~(sz - 1);
		if (at + sz > p->cap)
			return NULL;
		t = p->base + at;
		p->used = at + sz;
	}
	p->live += sz;
	return t;
}

/* Give back a table of `bytes` from pt_pool_alloc. */
void pt_pool_free(struct pt_pool *p, void *t, size_t bytes)
{
	unsigned c = pt_class(bytes);
	size_t sz = (size_t)8 << c;

	memset(t, 0, sz);
	*(void **)t = p->free[c];
	p->free[c] = t;
	p->live -= sz;
}

/* Bytes of tables in use (for the benchmark's memory figure). */
size_t pt_pool_live(const struct pt_pool *p)
{
	return p->live;
}
