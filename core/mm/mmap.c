/*
 * mm/mmap.c - the VMA tree of an address space and the address-space
 * syscalls at VMA level, after Linux 6.x mm/mmap.c, mm/vma.c (merging and
 * splitting), mm/mprotect.c, mm/mremap.c and mm/madvise.c (the VMA walk).
 *
 * Page-table work is never done here: zap_page_range, change_protection,
 * move_page_tables, populate_range and split_huge_pmd_address (memory.c)
 * are called at the points where Linux calls their counterparts.
 *
 * Simplified relative to Linux 6.x:
 *   - no locks, no RCU, no per-VMA locks, no userfaultfd, no mseal, no KSM,
 *     no anon_vma_name, no mempolicy, no VM_SPECIAL/VM_PFNMAP mappings;
 *   - VMAs live in an AVL tree keyed on vm_start (struct vma's left/right/
 *     parent/height) instead of the maple tree, augmented with free gaps as
 *     Linux's rb tree was until 6.0 (rb_subtree_gap), so placement is
 *     O(log n);
 *   - anon_vma is one id per family; the anon_vma_chain (list_is_singular)
 *     test of is_mergeable_anon_vma is not modelled: two VMAs are anon_vma
 *     compatible when either id is 0 or both are equal;
 *   - no RLIMIT_AS/RLIMIT_DATA/RLIMIT_MEMLOCK, no locked_vm/data_vm/stack_vm
 *     counters (total_vm is kept); overcommit: mode 1 always grants, modes
 *     0 and 2 both apply the mode-0 guess (a single request larger than
 *     RAM + swap fails); Committed_AS is not tracked;
 *   - vm.max_map_count is the default 65530;
 *   - placement: x86-64's arch_get_unmapped_area_topdown for every
 *     architecture (hint rounded down to a page, no 47-bit window switch,
 *     no AMD va_align); the bottom-up fallback starts at TASK_SIZE / 3;
 *     files get no THP alignment (ext4/shmem get_unmapped_area hooks are not
 *     modelled), private anonymous mappings without a hint whose length is
 *     a multiple of the PMD size are PMD aligned as in 6.13+
 *     (thp_get_unmapped_area; independent of the thp.enabled setting, as
 *     Linux, where it only depends on CONFIG_TRANSPARENT_HUGEPAGE);
 *   - memsim's own flags VM_POPULATE_ and VM_BRK_ do not prevent merging;
 *     a merged VMA carries the union of them;
 *   - MADV_FREE is lazy with or without swap, as since Linux 4.12 ("mm:
 *     enable MADV_FREE for swapless system"): madvise_free_range is called
 *     whatever the swap size; MADV_KEEPONFORK is accepted on any VMA (only
 *     WIPEONFORK needs private anonymous memory), as in Linux;
 *   - MADV_WILLNEED on anonymous memory does not read swap ahead;
 *     MADV_HUGEPAGE has no khugepaged_enter_vma hook;
 *   - a munmap of several VMAs flushes the TLB once per VMA (zap_page_range
 *     flushes), not once per call; page-table pages are not freed here.
 *
 * Invariants (checked by vma_tree_check):
 *   1. VMAs do not overlap; the in-order walk is sorted by vm_start.
 *   2. Every VMA is non-empty.
 *   3. AVL: height = 1 + max(child heights); children differ by <= 1.
 *   4. map_count = number of VMAs in the tree.
 *   5. mmap_cache is NULL or a VMA of the tree.
 */
#include <stdlib.h>

#include "internal.h"

#define DEFAULT_MAX_MAP_COUNT 65530u /* vm.max_map_count */
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define VM_MEMSIM_ONLY (VM_POPULATE_ | VM_BRK_) /* ignored by is_mergeable_vma */
#define OVERCOMMIT_ALWAYS 1u

/* ---- units ------------------------------------------------------------------ */

static unsigned pshift(const struct sim *s)
{
	return mm__fmt(s)->page_shift;
}

static uint64_t psize(const struct sim *s)
{
	return UINT64_C(1) << pshift(s);
}

static int offset_in_page(const struct sim *s, uint64_t x)
{
	return (x & (psize(s) - 1)) != 0;
}

/* PAGE_ALIGN(x), or 0 when the result does not fit in 64 bits. */
static uint64_t page_align(const struct sim *s, uint64_t x)
{
	uint64_t m = psize(s) - 1;

	return x > UINT64_MAX - m ? 0 : (x + m) & ~m;
}

static uint64_t vma_pages(const struct sim *s, const struct vma *v)
{
	return (v->vm_end - v->vm_start) >> pshift(s);
}

/* HPAGE_PMD_SIZE of the paging format, or 0 if it has no PMD leaves. */
static uint64_t pmd_size(const struct sim *s)
{
	const struct pt_format *f = mm__fmt(s);

	return f->huge_level < 0 ? 0 : UINT64_C(1) << f->shift[f->huge_level];
}

static vaddr_t task_size(const struct sim *s)
{
	return mm__fmt(s)->task_size;
}

/* Bytes of stack_guard_gap (the config key counts pages). */
static uint64_t stack_guard_gap(const struct sim *s)
{
	return sim_config(s)->stack_guard_gap << pshift(s);
}

/*
 * Linux vm_start_gap: a VM_GROWSDOWN VMA reserves stack_guard_gap below its
 * start (clamped at 0); other VMAs reserve nothing.
 */
static vaddr_t start_gap(const struct vma *vma, uint64_t gap)
{
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return vma->vm_start;
	return vma->vm_start > gap ? vma->vm_start - gap : 0;
}

vaddr_t vm_start_gap(const struct sim *s, const struct vma *vma)
{
	return start_gap(vma, stack_guard_gap(s));
}

/*
 * __vm_enough_memory, reduced: overcommit mode 1 grants everything; modes 0
 * and 2 refuse a single request of more pages than RAM + swap (mode 0's
 * guess; mode 2's Committed_AS limit needs system-wide accounting memsim
 * does not keep).  0 or -ENOMEM.
 */
static int vm_enough_memory(const struct sim *s, uint64_t pages)
{
	const struct sim_config *c = sim_config(s);

	if (c->overcommit_memory == OVERCOMMIT_ALWAYS)
		return 0;
	return pages > ((c->ram + c->swap) >> pshift(s)) ? -MM_ENOMEM : 0;
}

/* ---- the AVL tree ------------------------------------------------------------- */

/*
 * Every VMA of a tree is the first member of a vma_node allocated here, which
 * adds what Linux's rb tree kept as rb_subtree_gap (v3.9 to v6.0): the free
 * space below each VMA and the largest such gap in its subtree, so that
 * get_unmapped_area finds a hole in O(log n).  The gaps are raw
 * (vm_start - previous vm_end); the stack guard gap is applied when a
 * candidate is checked, as Linux does after its gap search.
 */
struct vma_node {
	struct vma vma;          /* first: a tree's struct vma * is a struct vma_node * */
	vaddr_t gap;             /* vm_start - previous VMA's vm_end (0 if they touch) */
	vaddr_t subtree_gap;     /* largest gap in this subtree */
};

static struct vma_node *node_of(struct vma *v)
{
	return (struct vma_node *)v;
}

static const struct vma_node *cnode_of(const struct vma *v)
{
	return (const struct vma_node *)v;
}

static struct vma *vma_alloc(void)
{
	struct vma_node *n = calloc(1, sizeof(*n));

	return n ? &n->vma : NULL;
}

static int node_height(const struct vma *v)
{
	return v ? v->height : 0;
}

static vaddr_t node_subtree_gap(const struct vma *v)
{
	return v ? cnode_of(v)->subtree_gap : 0;
}

/* Recompute the height and the subtree gap of v from its children. */
static void update_node(struct vma *v)
{
	int l = node_height(v->left), r = node_height(v->right);
	vaddr_t g = node_of(v)->gap, lg = node_subtree_gap(v->left), rg = node_subtree_gap(v->right);

	v->height = 1 + (l > r ? l : r);
	node_of(v)->subtree_gap = g > lg ? (g > rg ? g : rg) : (lg > rg ? lg : rg);
}

/* Linux vma_gap_update: v's own gap from its predecessor, then the subtree
 * gaps up to the root. */
static void vma_gap_update(struct mm *mm, struct vma *v)
{
	struct vma *prev = vma_prev(mm, v);
	vaddr_t prev_end = prev ? prev->vm_end : 0;

	node_of(v)->gap = v->vm_start > prev_end ? v->vm_start - prev_end : 0;
	for (; v; v = v->parent)
		update_node(v);
}

/* Make `new` take `old`'s place under `parent` (or at the root). */
static void replace_child(struct mm *mm, struct vma *parent, struct vma *old, struct vma *new)
{
	if (!parent)
		mm->mmap_root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static struct vma *rotate_left(struct mm *mm, struct vma *x)
{
	struct vma *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(mm, x->parent, x, y);
	y->left = x;
	x->parent = y;
	update_node(x);
	update_node(y);
	return y;
}

static struct vma *rotate_right(struct mm *mm, struct vma *x)
{
	struct vma *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(mm, x->parent, x, y);
	y->right = x;
	x->parent = y;
	update_node(x);
	update_node(y);
	return y;
}

/* Restore heights and balance from `n` up to the root. */
static void rebalance(struct mm *mm, struct vma *n)
{
	while (n) {
		int bf;

		update_node(n);
		bf = node_height(n->left) - node_height(n->right);
		if (bf > 1) {
			if (node_height(n->left->left) < node_height(n->left->right))
				rotate_left(mm, n->left);
			n = rotate_right(mm, n);
		} else if (bf < -1) {
			if (node_height(n->right->right) < node_height(n->right->left))
				rotate_right(mm, n->right);
			n = rotate_left(mm, n);
		}
		n = n->parent;
	}
}

static void vma_tree_insert(struct mm *mm, struct vma *v)
{
	struct vma **link = &mm->mmap_root, *parent = NULL, *next;

	while (*link) {
		parent = *link;
		link = v->vm_start < parent->vm_start ? &parent->left : &parent->right;
	}
	v->left = v->right = NULL;
	v->parent = parent;
	v->height = 1;
	*link = v;
	vma_gap_update(mm, v);
	rebalance(mm, v);
	next = vma_next(mm, v);
	if (next)
		vma_gap_update(mm, next);
}

/* Unlink `v` by pointer (keys are never searched, so a VMA whose bounds are
 * being changed can be removed). */
static void vma_tree_erase(struct mm *mm, struct vma *v)
{
	struct vma *fix, *next = vma_next(mm, v);

	if (v->left && v->right) {
		struct vma *succ = v->right;

		while (succ->left)
			succ = succ->left;
		if (succ->parent == v) {
			fix = succ;
		} else {
			fix = succ->parent;
			fix->left = succ->right;
			if (succ->right)
				succ->right->parent = fix;
			succ->right = v->right;
			v->right->parent = succ;
		}
		succ->left = v->left;
		v->left->parent = succ;
		replace_child(mm, v->parent, v, succ);
		succ->height = v->height;
	} else {
		fix = v->parent;
		replace_child(mm, v->parent, v, v->left ? v->left : v->right);
	}
	v->left = v->right = v->parent = NULL;
	rebalance(mm, fix);
	if (next)
		vma_gap_update(mm, next);
}

static struct vma *subtree_first(struct vma *n)
{
	while (n && n->left)
		n = n->left;
	return n;
}

static struct vma *subtree_last(struct vma *n)
{
	while (n && n->right)
		n = n->right;
	return n;
}

/* The first VMA with vm_end > addr (Linux find_vma), or NULL.  A hit on the
 * one-entry cache needs addr inside the cached VMA. */
struct vma *find_vma(struct mm *mm, vaddr_t addr)
{
	struct vma *c = mm->mmap_cache, *n = mm->mmap_root, *best = NULL;

	if (c && c->vm_start <= addr && addr < c->vm_end)
		return c;
	while (n) {
		if (n->vm_end > addr) {
			best = n;
			if (n->vm_start <= addr)
				break;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	if (best)
		mm->mmap_cache = best;
	return best;
}

/* The VMA containing addr (Linux vma_lookup), or NULL. */
static struct vma *vma_lookup(struct mm *mm, vaddr_t addr)
{
	struct vma *v = find_vma(mm, addr);

	return v && v->vm_start <= addr ? v : NULL;
}

/* The VMA before `v` in address order, or NULL. */
struct vma *vma_prev(struct mm *mm, struct vma *v)
{
	(void)mm;
	if (v->left)
		return subtree_last(v->left);
	while (v->parent && v->parent->left == v)
		v = v->parent;
	return v->parent;
}

/* The VMA after `v` in address order, or NULL. */
struct vma *vma_next(struct mm *mm, struct vma *v)
{
	(void)mm;
	if (v->right)
		return subtree_first(v->right);
	while (v->parent && v->parent->right == v)
		v = v->parent;
	return v->parent;
}

/* The lowest VMA, or NULL. */
struct vma *vma_first(struct mm *mm)
{
	return subtree_first(mm->mmap_root);
}

static struct vma *vma_last(struct mm *mm)
{
	return subtree_last(mm->mmap_root);
}

/* The VMA before the free address `addr` (the last one ending at or below
 * it), given next = find_vma(mm, addr). */
static struct vma *prev_of(struct mm *mm, struct vma *next)
{
	return next ? vma_prev(mm, next) : vma_last(mm);
}

static int check_subtree(const struct vma *n, const struct vma *parent, uint32_t *count)
{
	int l, r;

	if (!n)
		return 0;
	if (n->parent != parent)
		return -2;
	l = check_subtree(n->left, n, count);
	if (l < 0)
		return l;
	r = check_subtree(n->right, n, count);
	if (r < 0)
		return r;
	if (n->height != 1 + (l > r ? l : r))
		return -3;
	if (l - r > 1 || r - l > 1)
		return -4;
	if (n->vm_start >= n->vm_end)
		return -6;
	{
		vaddr_t g = cnode_of(n)->gap, lg = node_subtree_gap(n->left);
		vaddr_t rg = node_subtree_gap(n->right), m = g > lg ? g : lg;

		if (cnode_of(n)->subtree_gap != (m > rg ? m : rg))
			return -8;
	}
	(*count)++;
	return n->height;
}

/* See internal.h.  Also -7: mmap_cache points outside the tree; -8: the
 * hidden gap bookkeeping of the placement search is wrong. */
int vma_tree_check(struct mm *mm)
{
	uint32_t count = 0;
	struct vma *prev = NULL, *v;
	int rc = check_subtree(mm->mmap_root, NULL, &count), cached = 0;

	if (rc < 0)
		return rc;
	if (count != mm->map_count)
		return -5;
	for (v = vma_first(mm); v; prev = v, v = vma_next(mm, v)) {
		if (prev && prev->vm_end > v->vm_start)
			return -1;
		if (cnode_of(v)->gap != v->vm_start - (prev ? prev->vm_end : 0))
			return -8;
		cached |= v == mm->mmap_cache;
	}
	return mm->mmap_cache && !cached ? -7 : 0;
}

/* ---- VMA life cycle (every change of the tree or of a VMA's bounds goes
 * through these, which keep map_count, total_vm and the cache right) ---------- */

static void vma_link(const struct sim *s, struct mm *mm, struct vma *v)
{
	vma_tree_insert(mm, v);
	mm->map_count++;
	mm->total_vm += vma_pages(s, v);
	mm->mmap_cache = NULL;
}

static void vma_remove(struct sim *s, struct mm *mm, struct vma *v)
{
	vma_tree_erase(mm, v);
	mm->map_count--;
	mm->total_vm -= vma_pages(s, v);
	mm->mmap_cache = NULL;
	if (v->vm_file)
		mm__file_put(s, v->vm_file);
	free(v);
}

/* Linux vma_set_range.  The new bounds must keep the tree order (they may
 * overlap a neighbour that is removed or shrunk right after). */
static void vma_set_range(const struct sim *s, struct mm *mm, struct vma *v, vaddr_t start,
			  vaddr_t end, uint64_t pgoff)
{
	struct vma *next = vma_next(mm, v);

	mm->total_vm += ((end - start) >> pshift(s)) - vma_pages(s, v);
	v->vm_start = start;
	v->vm_end = end;
	v->vm_pgoff = pgoff;
	mm->mmap_cache = NULL;
	vma_gap_update(mm, v);
	if (next)
		vma_gap_update(mm, next);
}

static struct vma *vm_area_dup(const struct vma *src)
{
	struct vma *v = vma_alloc();

	if (!v)
		return NULL;
	*v = *src;
	v->left = v->right = v->parent = NULL;
	v->height = 1;
	if (v->vm_file)
		mm__file_get(v->vm_file);
	return v;
}

static void free_subtree(struct sim *s, struct vma *n)
{
	while (n) {
		struct vma *right = n->right;

		free_subtree(s, n->left);
		if (n->vm_file)
			mm__file_put(s, n->vm_file);
		free(n);
		n = right;
	}
}

/* Free every VMA; map_count and total_vm become 0.  Page tables untouched. */
void mm_free_vmas(struct sim *s, struct mm *mm)
{
	free_subtree(s, mm->mmap_root);
	mm->mmap_root = NULL;
	mm->mmap_cache = NULL;
	mm->map_count = 0;
	mm->total_vm = 0;
}

/* See internal.h: a copy of `src` (flags, file, anon_vma, pgoff, bounds)
 * linked into `mm`; map_count + 1, total_vm unchanged. */
struct vma *vma_insert_copy(struct mm *mm, const struct vma *src)
{
	struct vma *v = vm_area_dup(src);

	if (!v)
		return NULL;
	vma_tree_insert(mm, v);
	mm->map_count++;
	mm->mmap_cache = NULL;
	return v;
}

/* ---- split and merge (mm/vma.c) -------------------------------------------------- */

/*
 * Linux vma_adjust_trans_huge for one boundary: when a VMA boundary is about
 * to be created or moved to `addr` inside `vma`, a huge PMD straddling it
 * must become a page table first.
 */
static void vma_adjust_trans_huge(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr)
{
	uint64_t sz = pmd_size(s);
	vaddr_t lo;

	if (!sz || !(addr & (sz - 1)))
		return;
	lo = addr & ~(sz - 1);
	if (lo >= vma->vm_start && lo + sz <= vma->vm_end)
		split_huge_pmd_address(s, mm, vma, addr);
}

/*
 * Linux __split_vma: cut `vma` at `addr` (page aligned, strictly inside it).
 * new_below: a new VMA takes [vm_start, addr) and `vma` keeps [addr, vm_end);
 * otherwise the new VMA takes [addr, vm_end).  Both keep flags, file and
 * anon_vma; vm_pgoff follows the addresses.  0 or -ENOMEM (host memory).
 */
static int __split_vma(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr,
		       int new_below)
{
	struct vma *new = vm_area_dup(vma);
	uint64_t delta = (addr - vma->vm_start) >> pshift(s);

	if (!new)
		return -MM_ENOMEM;
	vma_adjust_trans_huge(s, mm, vma, addr);
	if (new_below) {
		new->vm_end = addr;
		vma_set_range(s, mm, vma, addr, vma->vm_end, vma->vm_pgoff + delta);
	} else {
		new->vm_start = addr;
		new->vm_pgoff += delta;
		vma_set_range(s, mm, vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	vma_link(s, mm, new);
	return 0;
}

/* Linux split_vma: __split_vma refused at vm.max_map_count. */
static int split_vma(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr, int new_below)
{
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -MM_ENOMEM;
	return __split_vma(s, mm, vma, addr, new_below);
}

static int anon_vma_compatible(uint32_t a, uint32_t b)
{
	return !a || !b || a == b;
}

static uint32_t anon_vma_pick(uint32_t a, uint32_t b)
{
	return a ? a : b;
}

/* Linux is_mergeable_vma: same flags (memsim-only bits aside), same file. */
static int is_mergeable_vma(const struct vma *v, uint32_t flags, const struct file *file)
{
	return !((v->vm_flags ^ flags) & ~VM_MEMSIM_ONLY) && v->vm_file == file;
}

/* Linux can_vma_merge_after: may `prev` be extended over a range that
 * starts at its end with (flags, file, anon_vma, pgoff)? */
static int can_vma_merge_after(const struct sim *s, const struct vma *prev, uint32_t flags,
			       const struct file *file, uint32_t anon_vma, uint64_t pgoff)
{
	return is_mergeable_vma(prev, flags, file) &&
	       anon_vma_compatible(prev->anon_vma, anon_vma) &&
	       prev->vm_pgoff + vma_pages(s, prev) == pgoff;
}

/* Linux can_vma_merge_before: may `next` be extended down over a range of
 * pglen pages that ends at its start? */
static int can_vma_merge_before(const struct vma *next, uint32_t flags, const struct file *file,
				uint32_t anon_vma, uint64_t pgoff, uint64_t pglen)
{
	return is_mergeable_vma(next, flags, file) &&
	       anon_vma_compatible(next->anon_vma, anon_vma) && next->vm_pgoff == pgoff + pglen;
}

/*
 * Linux vma_merge_new_range: the free range [start, end) is about to be
 * mapped with (flags, file, pgoff, anon_vma).  Extend the previous VMA, the
 * next one, or join both over it, exactly when Linux would (left preferred
 * when prev and next have incompatible anon_vmas).  Returns the VMA that now
 * covers the range, or NULL when nothing could merge (the caller then
 * creates a VMA).
 */
static struct vma *vma_merge_new_range(struct sim *s, struct mm *mm, vaddr_t start, vaddr_t end,
				       uint32_t flags, struct file *file, uint64_t pgoff,
				       uint32_t anon_vma)
{
	struct vma *next = find_vma(mm, start), *prev = prev_of(mm, next);
	uint64_t pglen = (end - start) >> pshift(s);
	int left, right;

	left = prev && prev->vm_end == start &&
	       can_vma_merge_after(s, prev, flags, file, anon_vma, pgoff);
	right = next && next->vm_start == end &&
		can_vma_merge_before(next, flags, file, anon_vma, pgoff, pglen) &&
		(!left || anon_vma_compatible(prev->anon_vma, next->anon_vma));
	if (left && right) {
		vaddr_t nend = next->vm_end;
		uint32_t nanon = next->anon_vma, nflags = next->vm_flags;

		vma_remove(s, mm, next);
		vma_set_range(s, mm, prev, prev->vm_start, nend, prev->vm_pgoff);
		prev->anon_vma = anon_vma_pick(prev->anon_vma, anon_vma_pick(nanon, anon_vma));
		prev->vm_flags |= (flags | nflags) & VM_MEMSIM_ONLY;
		return prev;
	}
	if (left) {
		vma_set_range(s, mm, prev, prev->vm_start, end, prev->vm_pgoff);
		prev->anon_vma = anon_vma_pick(prev->anon_vma, anon_vma);
		prev->vm_flags |= flags & VM_MEMSIM_ONLY;
		return prev;
	}
	if (right) {
		vma_set_range(s, mm, next, start, next->vm_end, pgoff);
		next->anon_vma = anon_vma_pick(next->anon_vma, anon_vma);
		next->vm_flags |= flags & VM_MEMSIM_ONLY;
		return next;
	}
	return NULL;
}

/*
 * Linux vma_modify_flags (vma_merge_existing_range, then split): give the
 * range [start, end) of `vma` the flags `newflags`.  The range merges into
 * prev (when it starts at vma's start) and/or next (when it ends at vma's
 * end) if they are compatible; otherwise `vma` is split at the range
 * boundaries.  Returns the VMA that now holds the range, with its flags set,
 * or NULL with *err = -ENOMEM (a split that did happen before the failure
 * stays, as in Linux).
 */
static struct vma *vma_modify_flags(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
				    vaddr_t end, uint32_t newflags, int *err)
{
	struct vma *prev = vma_prev(mm, vma), *next = vma_next(mm, vma);
	uint64_t pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> pshift(s));
	uint64_t pglen = (end - start) >> pshift(s);
	int left_side = start == vma->vm_start, right_side = end == vma->vm_end;
	int merge_left, merge_right;

	merge_left = left_side && prev && prev->vm_end == start &&
		     can_vma_merge_after(s, prev, newflags, vma->vm_file, vma->anon_vma, pgoff);
	merge_right = right_side && next && next->vm_start == end &&
		      can_vma_merge_before(next, newflags, vma->vm_file, vma->anon_vma, pgoff, pglen) &&
		      (!merge_left || anon_vma_compatible(prev->anon_vma, next->anon_vma));
	if (merge_left && merge_right) {
		vaddr_t nend = next->vm_end;
		uint32_t anon = anon_vma_pick(vma->anon_vma, next->anon_vma);

		vma_remove(s, mm, vma);
		vma_remove(s, mm, next);
		vma_set_range(s, mm, prev, prev->vm_start, nend, prev->vm_pgoff);
		prev->anon_vma = anon_vma_pick(prev->anon_vma, anon);
		vma = prev;
	} else if (merge_left) {
		uint32_t anon = vma->anon_vma;

		if (right_side) {
			vma_remove(s, mm, vma);
		} else {
			vma_adjust_trans_huge(s, mm, vma, end);
			vma_set_range(s, mm, vma, end, vma->vm_end, vma->vm_pgoff + pglen);
		}
		vma_set_range(s, mm, prev, prev->vm_start, end, prev->vm_pgoff);
		prev->anon_vma = anon_vma_pick(prev->anon_vma, anon);
		vma = prev;
	} else if (merge_right) {
		uint32_t anon = vma->anon_vma;

		if (left_side) {
			vma_remove(s, mm, vma);
		} else {
			vma_adjust_trans_huge(s, mm, vma, start);
			vma_set_range(s, mm, vma, vma->vm_start, start, vma->vm_pgoff);
		}
		vma_set_range(s, mm, next, start, next->vm_end, pgoff);
		next->anon_vma = anon_vma_pick(next->anon_vma, anon);
		vma = next;
	} else {
		if (!left_side && (*err = split_vma(s, mm, vma, start, 1)))
			return NULL;
		if (!right_side && (*err = split_vma(s, mm, vma, end, 0)))
			return NULL;
	}
	vma->vm_flags = newflags | (vma->vm_flags & VM_MEMSIM_ONLY);
	return vma;
}

/* ---- placement (get_unmapped_area) ------------------------------------------------- */

/*
 * Does [gap_start, gap_end) clipped to [low, high) hold len bytes?  Returns
 * the clipped bounds in *lo / *hi.
 */
static int gap_fits(vaddr_t gap_start, vaddr_t gap_end, uint64_t len, vaddr_t low, vaddr_t high,
		    vaddr_t *lo, vaddr_t *hi)
{
	*lo = gap_start > low ? gap_start : low;
	*hi = gap_end < high ? gap_end : high;
	return *hi > *lo && *hi - *lo >= len;
}

/*
 * The highest hole of the subtree of n that fits (reverse in-order walk,
 * skipping subtrees whose largest raw gap is too small or that lie outside
 * [low, high)).  The hole below a VMA ends at its vm_start_gap.  0 if none.
 */
static vaddr_t gap_search_topdown(const struct vma *n, uint64_t len, vaddr_t low, vaddr_t high,
				  uint64_t guard)
{
	vaddr_t a, lo, hi;

	if (!n || cnode_of(n)->subtree_gap < len)
		return 0;
	if (n->vm_end < high && (a = gap_search_topdown(n->right, len, low, high, guard)))
		return a;
	if (cnode_of(n)->gap >= len &&
	    gap_fits(n->vm_start - cnode_of(n)->gap, start_gap(n, guard), len, low, high, &lo, &hi))
		return hi - len;
	if (n->vm_start > low)
		return gap_search_topdown(n->left, len, low, high, guard);
	return 0;
}

/* The lowest such hole (in-order walk), or 0. */
static vaddr_t gap_search_bottomup(const struct vma *n, uint64_t len, vaddr_t low, vaddr_t high,
				   uint64_t guard)
{
	vaddr_t a, lo, hi;

	if (!n || cnode_of(n)->subtree_gap < len)
		return 0;
	if (n->vm_start > low && (a = gap_search_bottomup(n->left, len, low, high, guard)))
		return a;
	if (cnode_of(n)->gap >= len &&
	    gap_fits(n->vm_start - cnode_of(n)->gap, start_gap(n, guard), len, low, high, &lo, &hi))
		return lo;
	if (n->vm_end < high)
		return gap_search_bottomup(n->right, len, low, high, guard);
	return 0;
}

/*
 * Linux unmapped_area_topdown: the highest address a such that [a, a+len)
 * lies in [low, high), above the previous VMA's end and below the next VMA's
 * vm_start_gap.  0 if there is none (0 is never a valid result: low >= one
 * page).  O(log n) with the subtree gaps.
 */
static vaddr_t unmapped_area_topdown(const struct sim *s, struct mm *mm, uint64_t len,
				     vaddr_t low, vaddr_t high)
{
	struct vma *last = vma_last(mm);
	vaddr_t lo, hi;

	if (high <= low || high - low < len)
		return 0;
	/* the space above the last VMA is nobody's gap */
	if (gap_fits(last ? last->vm_end : 0, high, len, low, high, &lo, &hi))
		return hi - len;
	return gap_search_topdown(mm->mmap_root, len, low, high, stack_guard_gap(s));
}

/* Linux unmapped_area (bottom-up): the lowest such address, or 0. */
static vaddr_t unmapped_area(const struct sim *s, struct mm *mm, uint64_t len, vaddr_t low,
			     vaddr_t high)
{
	struct vma *last = vma_last(mm);
	vaddr_t a, lo, hi;

	if (high <= low || high - low < len)
		return 0;
	a = gap_search_bottomup(mm->mmap_root, len, low, high, stack_guard_gap(s));
	if (!a && gap_fits(last ? last->vm_end : 0, high, len, low, high, &lo, &hi))
		a = lo;
	return a;
}

/*
 * x86-64 arch_get_unmapped_area_topdown: the hint (rounded down to a page)
 * when [hint, hint+len) is free, inside the task size, at or above
 * mmap_min_addr and below the next VMA's guard gap; otherwise the highest
 * free range below mmap_base; otherwise bottom-up from TASK_SIZE / 3.
 * Returns the address or -ENOMEM.  len <= TASK_SIZE.
 */
static int64_t arch_get_unmapped_area_topdown(struct sim *s, struct mm *mm, vaddr_t addr,
					      uint64_t len)
{
	uint64_t min_addr = sim_config(s)->mmap_min_addr;
	vaddr_t top = task_size(s), low, high, a;

	if (addr) {
		struct vma *vma;

		addr &= ~(psize(s) - 1);
		vma = find_vma(mm, addr);
		if (top - len >= addr && addr >= min_addr &&
		    (!vma || addr + len <= vm_start_gap(s, vma)))
			return (int64_t)addr;
	}
	low = page_align(s, min_addr);
	if (low < psize(s))
		low = psize(s);
	high = mm->mmap_base && mm->mmap_base < top ? mm->mmap_base : top;
	a = unmapped_area_topdown(s, mm, len, low, high);
	if (!a)
		a = unmapped_area(s, mm, len, page_align(s, top / 3) > low ? page_align(s, top / 3) : low,
				  top);
	return a ? (int64_t)a : -MM_ENOMEM;
}

/*
 * Linux __thp_get_unmapped_area for anonymous memory (pgoff 0) without a
 * hint: search len + PMD_SIZE and round the result up to a PMD boundary
 * (top-down: when already aligned, take the top of the padded area).  Falls
 * back to an unaligned search when the padded one fails.
 */
static int64_t thp_get_unmapped_area(struct sim *s, struct mm *mm, uint64_t len)
{
	uint64_t size = pmd_size(s), off_sub;
	int64_t ret = -MM_ENOMEM;

	if (len >= size && len <= task_size(s) - size)
		ret = arch_get_unmapped_area_topdown(s, mm, 0, len + size);
	if (ret < 0)
		return arch_get_unmapped_area_topdown(s, mm, 0, len);
	off_sub = (0 - (uint64_t)ret) & (size - 1);
	return off_sub ? ret + (int64_t)off_sub : ret + (int64_t)size;
}

/*
 * Linux __get_unmapped_area: MAP_FIXED takes `addr` as given; private
 * anonymous mappings without a hint whose length is a multiple of the PMD
 * size are PMD aligned (6.13+); everything else goes top-down.  Then the
 * result is checked: beyond TASK_SIZE -> -ENOMEM, unaligned -> -EINVAL,
 * below mmap_min_addr -> -EPERM (security_mmap_addr).
 */
static int64_t get_unmapped_area(struct sim *s, struct mm *mm, const struct file *file,
				 vaddr_t addr, uint64_t len, unsigned flags)
{
	uint64_t pmd = pmd_size(s);
	int64_t a;

	if (len > task_size(s))
		return -MM_ENOMEM;
	if (flags & TMAP_FIXED)
		a = (int64_t)addr;
	else if (!file && !(flags & TMAP_SHARED) && !addr && pmd && !(len & (pmd - 1)))
		a = thp_get_unmapped_area(s, mm, len);
	else
		a = arch_get_unmapped_area_topdown(s, mm, addr, len);
	if (a < 0)
		return a;
	if ((uint64_t)a > task_size(s) - len)
		return -MM_ENOMEM;
	if (offset_in_page(s, (uint64_t)a))
		return -MM_EINVAL;
	if ((uint64_t)a < sim_config(s)->mmap_min_addr)
		return -MM_EPERM;
	return a;
}

/* Linux round_hint_to_min: a nonzero hint below mmap_min_addr moves up. */
static vaddr_t round_hint_to_min(const struct sim *s, vaddr_t hint)
{
	uint64_t min_addr = sim_config(s)->mmap_min_addr;

	hint &= ~(psize(s) - 1);
	if (hint && hint < min_addr)
		return page_align(s, min_addr);
	return hint;
}

/* ---- populate (mm/gup.c __mm_populate) ------------------------------------------- */

/*
 * Fault in every accessible VMA of [start, end) as MAP_POPULATE / MAP_LOCKED
 * do: for write when the VMA is private and writable, else for read.  Errors
 * are ignored, as __mm_populate(ignore_errors) does; PROT_NONE VMAs are
 * skipped.  Stops if the task dies (OOM) meanwhile.
 */
static void mm_populate(struct sim *s, struct task *t, vaddr_t start, vaddr_t end)
{
	vaddr_t nstart = start;

	while (nstart < end && task_alive(t)) {
		struct vma *vma = find_vma(task_mm(t), nstart);
		vaddr_t nend;

		if (!vma || vma->vm_start >= end)
			break;
		if (nstart < vma->vm_start)
			nstart = vma->vm_start;
		nend = vma->vm_end < end ? vma->vm_end : end;
		if (vma->vm_flags & VM_ACCESS_FLAGS)
			populate_range(s, t, vma, nstart, nend,
				       (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE);
		nstart = nend;
	}
}

/* ---- munmap ------------------------------------------------------------------------- */

/*
 * Linux do_vmi_munmap without the argument checks: split the VMAs at start
 * and end, zap each covered VMA (zap_page_range, before it leaves the tree),
 * remove them.  start and len are page aligned; len 0 is a no-op.  Returns 0,
 * or -ENOMEM when a split would exceed vm.max_map_count.
 */
static int __do_munmap(struct sim *s, struct mm *mm, vaddr_t start, uint64_t len)
{
	vaddr_t end = start + len;
	struct vma *vma, *last;
	int err;

	if (!len)
		return 0;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	if (start > vma->vm_start) {
		if (end < vma->vm_end && mm->map_count >= DEFAULT_MAX_MAP_COUNT)
			return -MM_ENOMEM;
		err = __split_vma(s, mm, vma, start, 1);
		if (err)
			return err;
	}
	last = find_vma(mm, end - 1);
	if (last && last->vm_start < end && last->vm_end > end) {
		err = __split_vma(s, mm, last, end, 0);
		if (err)
			return err;
	}
	while (vma && vma->vm_start < end) {
		struct vma *next = vma_next(mm, vma);

		zap_page_range(s, mm, vma, vma->vm_start, vma->vm_end);
		vma_remove(s, mm, vma);
		vma = next;
	}
	return 0;
}

/*
 * munmap(2): addr must be page aligned and [addr, addr+len) inside the task
 * size (else -EINVAL); len is rounded up to pages (0 -> -EINVAL).  Unmapping
 * nothing succeeds.  Records an EV_MUNMAP event on success.
 */
int do_munmap(struct sim *s, struct task *t, vaddr_t addr, uint64_t len)
{
	uint64_t alen;
	int err;

	if (offset_in_page(s, addr) || addr > task_size(s) || len > task_size(s) - addr)
		return -MM_EINVAL;
	alen = page_align(s, len);
	if (!alen)
		return -MM_EINVAL;
	err = __do_munmap(s, task_mm(t), addr, alen);
	if (!err)
		mm__event(s, t, EV_MUNMAP, addr, alen, NULL);
	return err;
}

/* ---- mmap ---------------------------------------------------------------------------- */

static uint32_t calc_vm_prot_bits(unsigned prot)
{
	return (prot & TPROT_READ ? VM_READ : 0) | (prot & TPROT_WRITE ? VM_WRITE : 0) |
	       (prot & TPROT_EXEC ? VM_EXEC : 0);
}

static uint32_t calc_vm_flag_bits(unsigned flags)
{
	return (flags & TMAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & TMAP_LOCKED ? VM_LOCKED : 0) |
	       (flags & TMAP_POPULATE ? VM_POPULATE_ : 0);
}

/*
 * Linux mmap_region: unmap what [addr, addr+len) holds (MAP_FIXED), charge a
 * private writable mapping (VM_ACCOUNT), merge with a neighbour or create a
 * VMA.  Shared anonymous memory gets its shmem object here
 * (shmem_zero_setup) and never merges.  Returns addr or a negative errno.
 */
static int64_t mmap_region(struct sim *s, struct mm *mm, struct file *file, vaddr_t addr,
			   uint64_t len, uint32_t vm_flags, uint64_t pgoff)
{
	int shared_anon = !file && (vm_flags & VM_SHARED);
	struct vma *vma;
	int err;

	/* the commit charge is checked before the old mappings go (Linux
	 * gathers them first, vms_gather_munmap_vmas, and puts them back on
	 * failure), less what they were charged already */
	if ((vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE) {
		uint64_t accounted = 0;
		for (struct vma *v = find_vma(mm, addr); v && v->vm_start < addr + len;
		     v = vma_next(mm, v)) {
			if (!(v->vm_flags & VM_ACCOUNT))
				continue;
			vaddr_t lo = v->vm_start > addr ? v->vm_start : addr;
			vaddr_t hi = v->vm_end < addr + len ? v->vm_end : addr + len;
			accounted += (hi - lo) >> pshift(s);
		}
		if (vm_enough_memory(s, (len >> pshift(s)) - accounted))
			return -MM_ENOMEM;
		vm_flags |= VM_ACCOUNT;
	}
	err = __do_munmap(s, mm, addr, len);
	if (err)
		return err;
	if (!shared_anon &&
	    vma_merge_new_range(s, mm, addr, addr + len, vm_flags, file, pgoff, 0))
		return (int64_t)addr;
	vma = vma_alloc();
	if (!vma)
		return -MM_ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->vm_file = file;
	if (shared_anon) {
		vma->vm_file = mm__shmem_file(s, len);
		if (!vma->vm_file) {
			free(vma);
			return -MM_ENOMEM;
		}
	}
	if (vma->vm_file)
		mm__file_get(vma->vm_file);
	vma_link(s, mm, vma);
	return (int64_t)addr;
}

/*
 * mmap(2) (Linux do_mmap + mmap_region + mm_populate).  Checks, in Linux's
 * order: unaligned offset, len 0, not exactly one of private/shared ->
 * -EINVAL; len overflow, too many VMAs -> -ENOMEM; growsdown on a file or
 * shared mapping -> -EINVAL; then placement (get_unmapped_area: MAP_FIXED
 * below mmap_min_addr -> -EPERM, unaligned -> -EINVAL, no room -> -ENOMEM).
 * pgoff: file offset for files, 0 for shared anonymous (the shmem object),
 * addr >> PAGE_SHIFT for private anonymous.  On success an EV_MMAP event
 * (label: the file name) is recorded, MAP_POPULATE / MAP_LOCKED prefault
 * the range, and the address is returned.
 */
int64_t do_mmap(struct sim *s, struct task *t, vaddr_t addr, uint64_t len, unsigned prot,
		unsigned flags, struct file *file, uint64_t off)
{
	struct mm *mm = task_mm(t);
	unsigned type = flags & (TMAP_PRIVATE | TMAP_SHARED);
	uint32_t vm_flags;
	uint64_t pgoff;
	int64_t ret;

	if (offset_in_page(s, off) || !len || (type != TMAP_PRIVATE && type != TMAP_SHARED))
		return -MM_EINVAL;
	if (!(flags & TMAP_FIXED))
		addr = round_hint_to_min(s, addr);
	len = page_align(s, len);
	if (!len || mm->map_count > DEFAULT_MAX_MAP_COUNT)
		return -MM_ENOMEM;
	vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | VM_MAYREAD | VM_MAYWRITE |
		   VM_MAYEXEC;
	if ((vm_flags & VM_GROWSDOWN) && (file || type == TMAP_SHARED))
		return -MM_EINVAL;
	if (type == TMAP_SHARED)
		vm_flags |= VM_SHARED | VM_MAYSHARE;
	if ((flags & TMAP_NORESERVE) && sim_config(s)->overcommit_memory != 2)
		vm_flags |= VM_NORESERVE;
	ret = get_unmapped_area(s, mm, file, addr, len, flags);
	if (ret < 0)
		return ret;
	addr = (vaddr_t)ret;
	if (file)
		pgoff = off >> pshift(s);
	else
		pgoff = type == TMAP_SHARED ? 0 : addr >> pshift(s);
	ret = mmap_region(s, mm, file, addr, len, vm_flags, pgoff);
	if (ret < 0)
		return ret;
	mm__event(s, t, EV_MMAP, addr, len, file ? file->name : NULL);
	if (vm_flags & (VM_LOCKED | VM_POPULATE_))
		mm_populate(s, t, addr, addr + len);
	return (int64_t)addr;
}

/* ---- mprotect (mm/mprotect.c) --------------------------------------------------------- */

/*
 * Linux mprotect_fixup: give [start, end) of *vmap the flags `newflags`
 * (merging or splitting), charge a private mapping that becomes writable
 * (VM_ACCOUNT) or uncharge one that never faulted, then update the PTEs
 * (change_protection after vm_flags changed).  A locked private mapping
 * that becomes writable is populated for write (COW broken now, as
 * mlock_fixup's caller does).  *vmap becomes the VMA holding the range.
 */
static int mprotect_fixup(struct sim *s, struct task *t, struct vma **vmap, vaddr_t start,
			  vaddr_t end, uint32_t newflags)
{
	struct mm *mm = task_mm(t);
	struct vma *vma = *vmap;
	uint32_t oldflags = vma->vm_flags;
	int err = 0;

	if (newflags == oldflags)
		return 0;
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
			if (vm_enough_memory(s, (end - start) >> pshift(s)))
				return -MM_ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) && !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}
	vma = vma_modify_flags(s, mm, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	*vmap = vma;
	change_protection(s, mm, vma, start, end);
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE))
		populate_range(s, t, vma, start, end, 1);
	return 0;
}

/*
 * mprotect(2) (Linux do_mprotect_pkey): start must be page aligned (-EINVAL);
 * len 0 succeeds; len is rounded up (overflow -> -ENOMEM).  The VMAs of the
 * range are changed in address order; a hole stops the walk with -ENOMEM
 * (the VMAs before it keep their new protection, as in Linux), as does a
 * range starting in no VMA.  PROT bits a VMA may not have (VM_MAY*) ->
 * -EACCES.  Records EV_MPROTECT on success.
 */
int do_mprotect(struct sim *s, struct task *t, vaddr_t start, uint64_t len, unsigned prot)
{
	struct mm *mm = task_mm(t);
	vaddr_t end, nstart = start, tmp;
	struct vma *vma;
	int err = 0;

	if (offset_in_page(s, start))
		return -MM_EINVAL;
	if (!len)
		goto done;
	len = page_align(s, len);
	end = start + len;
	if (!len || end <= start)
		return -MM_ENOMEM;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start > start)
		return -MM_ENOMEM;
	tmp = vma->vm_start;
	for (;;) {
		uint32_t newflags;

		if (vma->vm_start != tmp) {
			err = -MM_ENOMEM;
			break;
		}
		newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~VM_ACCESS_FLAGS);
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -MM_EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mprotect_fixup(s, t, &vma, nstart, tmp, newflags);
		if (err || !task_alive(t))
			break;
		tmp = vma->vm_end;
		nstart = tmp;
		vma = vma_next(mm, vma);
		if (!vma || vma->vm_start >= end)
			break;
	}
	if (err)
		return err;
	if (tmp < end)
		return -MM_ENOMEM;
done:
	mm__event(s, t, EV_MPROTECT, start, len, NULL);
	return 0;
}

/* ---- madvise (mm/madvise.c) ------------------------------------------------------------- */

/* Linux can_madv_lru_vma: not on mlocked memory. */
static int can_madv_lru_vma(const struct vma *vma)
{
	return !(vma->vm_flags & VM_LOCKED);
}

/* Linux madvise_update_vma: set new vm_flags on [start, end), merging or
 * splitting; *vmap becomes the VMA holding the range. */
static int madvise_update_vma(struct sim *s, struct mm *mm, struct vma **vmap, vaddr_t start,
			      vaddr_t end, uint32_t new_flags)
{
	struct vma *vma = *vmap;
	int err = 0;

	if (new_flags == vma->vm_flags)
		return 0;
	vma = vma_modify_flags(s, mm, vma, start, end, new_flags, &err);
	if (!vma)
		return err;
	*vmap = vma;
	return 0;
}

/* MADV_WILLNEED: start reading the file pages of the range (no-op for
 * anonymous memory: swap readahead is not modelled). */
static void madvise_willneed(struct sim *s, struct vma *vma, vaddr_t start, vaddr_t end)
{
	uint64_t first;

	if (!vma->vm_file)
		return;
	first = vma->vm_pgoff + ((start - vma->vm_start) >> pshift(s));
	filemap_willneed(s, vma->vm_file, first, first + ((end - start) >> pshift(s)));
}

/*
 * Linux madvise_vma_behavior for one VMA piece [start, end) of *vmap.
 * Returns 0 or a negative errno (which stops the walk).
 */
static int madvise_vma_behavior(struct sim *s, struct mm *mm, struct vma **vmap, vaddr_t start,
				vaddr_t end, unsigned advice)
{
	struct vma *vma = *vmap;
	uint32_t new_flags = vma->vm_flags;

	switch (advice) {
	case TADV_DONTNEED:
		if (!can_madv_lru_vma(vma))
			return -MM_EINVAL;
		zap_page_range(s, mm, vma, start, end);
		return 0;
	case TADV_FREE:
		if (!can_madv_lru_vma(vma) || !vma_is_anonymous(vma))
			return -MM_EINVAL;
		return madvise_free_range(s, mm, vma, start, end);
	case TADV_COLD:
		return can_madv_lru_vma(vma) ? madvise_cold_range(s, mm, vma, start, end) : -MM_EINVAL;
	case TADV_PAGEOUT:
		return can_madv_lru_vma(vma) ? madvise_pageout_range(s, mm, vma, start, end)
					     : -MM_EINVAL;
	case TADV_COLLAPSE:
		return madvise_collapse_range(s, mm, vma, start, end);
	case TADV_WILLNEED:
		madvise_willneed(s, vma, start, end);
		return 0;
	case TADV_DONTFORK:
		new_flags |= VM_DONTCOPY;
		break;
	case TADV_DOFORK:
		new_flags &= ~VM_DONTCOPY;
		break;
	case TADV_WIPEONFORK:
		if (vma->vm_file || (vma->vm_flags & VM_SHARED))
			return -MM_EINVAL;
		new_flags |= VM_WIPEONFORK;
		break;
	case TADV_KEEPONFORK:
		new_flags &= ~VM_WIPEONFORK;
		break;
	case TADV_HUGEPAGE:
		new_flags = (new_flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		break;
	case TADV_NOHUGEPAGE:
		new_flags = (new_flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	default:
		return -MM_EINVAL;
	}
	return madvise_update_vma(s, mm, vmap, start, end, new_flags);
}

/*
 * Linux madvise_walk_vmas: apply the advice to every VMA piece of
 * [start, end).  Holes are skipped and remembered (-ENOMEM at the end); a
 * range past the last VMA returns -ENOMEM at once; an error from a VMA
 * stops the walk.
 */
static int madvise_walk_vmas(struct sim *s, struct task *t, vaddr_t start, vaddr_t end,
			     unsigned advice)
{
	struct mm *mm = task_mm(t);
	struct vma *vma = find_vma(mm, start);
	int unmapped_error = 0;

	for (;;) {
		vaddr_t tmp;
		int err;

		if (!vma)
			return -MM_ENOMEM;
		if (start < vma->vm_start) {
			unmapped_error = -MM_ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = madvise_vma_behavior(s, mm, &vma, start, tmp, advice);
		if (err)
			return err;
		if (!task_alive(t))
			return 0;
		start = vma->vm_end > tmp ? vma->vm_end : tmp;
		if (start >= end)
			break;
		vma = find_vma(mm, start);
	}
	return unmapped_error;
}

/*
 * Linux madvise_populate (MADV_POPULATE_READ/WRITE): fault the range in
 * VMA by VMA.  A hole -> -ENOMEM (stops there); a VMA that does not allow
 * the access (no VM_WRITE for write, no VM_READ for read) -> -EINVAL; a
 * failing fault -> populate_range's -EFAULT / -ENOMEM.  No signals.
 */
static int madvise_populate(struct sim *s, struct task *t, vaddr_t start, vaddr_t end, int write)
{
	while (start < end) {
		struct vma *vma;
		vaddr_t nend;
		int err;

		if (!task_alive(t))
			return -MM_EFAULT;
		vma = vma_lookup(task_mm(t), start);
		if (!vma)
			return -MM_ENOMEM;
		if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
			return -MM_EINVAL;
		nend = vma->vm_end < end ? vma->vm_end : end;
		err = populate_range(s, t, vma, start, nend, write);
		if (err)
			return err;
		start = nend;
	}
	return 0;
}

/*
 * madvise(2): unknown advice, unaligned start or a length that overflows
 * -> -EINVAL; len 0 succeeds.  populate_read/populate_write fault the range
 * in; every other advice walks the VMAs (madvise_walk_vmas).  Records
 * EV_MADVISE (label: the advice name) on success.
 */
int do_madvise(struct sim *s, struct task *t, vaddr_t start, uint64_t len_in, unsigned advice)
{
	uint64_t len;
	vaddr_t end;
	int err = 0;

	if (advice == 0 || advice >= TADV__COUNT || offset_in_page(s, start))
		return -MM_EINVAL;
	len = page_align(s, len_in);
	if (len_in && !len)
		return -MM_EINVAL;
	end = start + len;
	if (end < start)
		return -MM_EINVAL;
	if (end > start) {
		if (advice == TADV_POPULATE_READ || advice == TADV_POPULATE_WRITE)
			err = madvise_populate(s, t, start, end, advice == TADV_POPULATE_WRITE);
		else
			err = madvise_walk_vmas(s, t, start, end, advice);
	}
	if (!err)
		mm__event(s, t, EV_MADVISE, start, len, trace_advice_name(advice));
	return err;
}

/* ---- mremap (mm/mremap.c) ------------------------------------------------------------------ */

/*
 * Linux copy_vma: a VMA for [addr, addr+len) with vma's flags, file and
 * anon_vma, merged into a neighbour when possible.  An anonymous VMA that
 * never faulted (no anon_vma) takes pgoff = addr >> PAGE_SHIFT so it can
 * merge at its new place.  The range must be free.  NULL on host OOM.
 */
static struct vma *copy_vma(struct sim *s, struct mm *mm, const struct vma *vma, vaddr_t addr,
			    uint64_t len, uint64_t pgoff)
{
	struct vma *new;

	if (vma_is_anonymous(vma) && !vma->anon_vma)
		pgoff = addr >> pshift(s);
	new = vma_merge_new_range(s, mm, addr, addr + len, vma->vm_flags, vma->vm_file, pgoff,
				  vma->anon_vma);
	if (new)
		return new;
	new = vm_area_dup(vma);
	if (!new)
		return NULL;
	new->vm_start = addr;
	new->vm_end = addr + len;
	new->vm_pgoff = pgoff;
	vma_link(s, mm, new);
	return new;
}

/*
 * Linux move_vma: map [new_addr, new_addr+new_len) like the old range, move
 * the page tables of the old_len bytes at old_addr there, then unmap the old
 * range (nothing is freed: its entries have moved).  A locked mapping that
 * grew is populated.  Returns new_addr or a negative errno.  When
 * move_page_tables fails part-way, the entries are moved back (the old
 * tables still exist, so that cannot fail) and the new range is unmapped,
 * as Linux does.
 */
static int64_t move_vma(struct sim *s, struct task *t, struct vma *vma, vaddr_t old_addr,
			uint64_t old_len, uint64_t new_len, vaddr_t new_addr)
{
	struct mm *mm = task_mm(t);
	uint64_t pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> pshift(s));
	uint32_t vm_flags = vma->vm_flags;
	struct vma *new_vma;
	int err;

	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT - 3)
		return -MM_ENOMEM;
	vma_adjust_trans_huge(s, mm, vma, old_addr);
	vma_adjust_trans_huge(s, mm, vma, old_addr + old_len);
	new_vma = copy_vma(s, mm, vma, new_addr, new_len, pgoff);
	if (!new_vma)
		return -MM_ENOMEM;
	/* the source may have merged into new_vma; it is found again by address */
	vma = vma_lookup(mm, old_addr);
	if (old_len && vma) {
		err = move_page_tables(s, mm, vma, old_addr, new_vma, new_addr, old_len);
		if (err < 0) {
			move_page_tables(s, mm, new_vma, new_addr, vma, old_addr, old_len);
			__do_munmap(s, mm, new_addr, new_len);
			return err;
		}
	}
	err = __do_munmap(s, mm, old_addr, old_len);
	if (err)
		return err;
	if ((vm_flags & VM_LOCKED) && new_len > old_len)
		mm_populate(s, t, new_addr + old_len, new_addr + new_len);
	return (int64_t)new_addr;
}

/*
 * Linux vma_to_resize: the VMA holding [addr, addr+old_len), or an error:
 * no VMA at addr or the range leaves it -> -EFAULT; old_len 0 (duplicate)
 * on a private mapping -> -EINVAL; growth beyond what overcommit allows ->
 * -ENOMEM.
 */
static struct vma *vma_to_resize(struct sim *s, struct mm *mm, vaddr_t addr, uint64_t old_len,
				 uint64_t new_len, int *err)
{
	struct vma *vma = vma_lookup(mm, addr);

	*err = -MM_EFAULT;
	if (!vma)
		return NULL;
	*err = -MM_EINVAL;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return NULL;
	*err = -MM_EFAULT;
	if (old_len > vma->vm_end - addr)
		return NULL;
	*err = -MM_ENOMEM;
	if (new_len > old_len && (vma->vm_flags & VM_ACCOUNT) &&
	    vm_enough_memory(s, (new_len - old_len) >> pshift(s)))
		return NULL;
	*err = 0;
	return vma;
}

/* Linux vma_expandable: may vma grow by delta bytes in place? */
static int vma_expandable(struct sim *s, struct mm *mm, struct vma *vma, uint64_t delta)
{
	vaddr_t end = vma->vm_end + delta;
	struct vma *next;

	if (end < vma->vm_end || end > task_size(s))
		return 0;
	next = vma_next(mm, vma);
	return !next || next->vm_start >= end;
}

/* mremap with MREMAP_FIXED|MREMAP_MAYMOVE (Linux mremap_to). */
static int64_t mremap_to(struct sim *s, struct task *t, vaddr_t addr, uint64_t old_len,
			 vaddr_t new_addr, uint64_t new_len)
{
	struct mm *mm = task_mm(t);
	struct vma *vma;
	int64_t ret;
	int err;

	if (offset_in_page(s, new_addr))
		return -MM_EINVAL;
	if (new_len > task_size(s) || new_addr > task_size(s) - new_len)
		return -MM_EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -MM_EINVAL;
	if (mm->map_count + 2 >= DEFAULT_MAX_MAP_COUNT - 3)
		return -MM_ENOMEM;
	err = __do_munmap(s, mm, new_addr, new_len);
	if (err)
		return err;
	if (old_len > new_len) {
		err = __do_munmap(s, mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	vma = vma_to_resize(s, mm, addr, old_len, new_len, &err);
	if (!vma)
		return err;
	ret = get_unmapped_area(s, mm, vma->vm_file, new_addr, new_len,
				TMAP_FIXED | (vma->vm_flags & VM_MAYSHARE ? TMAP_SHARED : TMAP_PRIVATE));
	if (ret < 0)
		return ret;
	return move_vma(s, t, vma, addr, old_len, new_len, new_addr);
}

/* mremap growing without a fixed target: in place if the VMA ends where the
 * old range ends and the space after it is free, else moved (MAYMOVE). */
static int64_t mremap_grow(struct sim *s, struct task *t, vaddr_t addr, uint64_t old_len,
			   uint64_t new_len)
{
	struct mm *mm = task_mm(t);
	struct vma *vma;
	int64_t ret;
	int err;

	vma = vma_to_resize(s, mm, addr, old_len, new_len, &err);
	if (!vma)
		return err;
	if (old_len == vma->vm_end - addr && vma_expandable(s, mm, vma, new_len - old_len)) {
		uint32_t vm_flags = vma->vm_flags;

		if (!vma_merge_new_range(s, mm, vma->vm_end, vma->vm_end + (new_len - old_len),
					 vma->vm_flags, vma->vm_file,
					 vma->vm_pgoff + vma_pages(s, vma), vma->anon_vma))
			return -MM_ENOMEM;
		if (vm_flags & VM_LOCKED)
			mm_populate(s, t, addr + old_len, addr + new_len);
		return (int64_t)addr;
	}
	ret = get_unmapped_area(s, mm, vma->vm_file, 0, new_len,
				vma->vm_flags & VM_MAYSHARE ? TMAP_SHARED : TMAP_PRIVATE);
	if (ret < 0)
		return ret;
	return move_vma(s, t, vma, addr, old_len, new_len, (vaddr_t)ret);
}

/*
 * mremap(2).  has_new means MREMAP_FIXED|MREMAP_MAYMOVE to newaddr;
 * otherwise MREMAP_MAYMOVE.  old must be page aligned and newlen nonzero
 * (-EINVAL); lengths are rounded up to pages.  Shrinking unmaps the tail;
 * growing extends in place when possible, else moves (move_page_tables).
 * old_len 0 duplicates a shared mapping.  Returns the new address and
 * records EV_MREMAP (vaddr = new address, len = new length), or a negative
 * errno (-EFAULT: the old range is not inside one VMA).
 */
int64_t do_mremap(struct sim *s, struct task *t, vaddr_t old, uint64_t oldlen, uint64_t newlen,
		  int has_new, vaddr_t newaddr)
{
	uint64_t old_len = page_align(s, oldlen), new_len = page_align(s, newlen);
	int64_t ret;

	if (offset_in_page(s, old) || !new_len)
		return -MM_EINVAL;
	if (!vma_lookup(task_mm(t), old))
		return -MM_EFAULT;
	if (has_new)
		ret = mremap_to(s, t, old, old_len, newaddr, new_len);
	else if (old_len >= new_len)
		ret = __do_munmap(s, task_mm(t), old + new_len, old_len - new_len);
	else
		ret = mremap_grow(s, t, old, old_len, new_len);
	if (!has_new && old_len >= new_len && ret == 0)
		ret = (int64_t)old;
	if (ret >= 0)
		mm__event(s, t, EV_MREMAP, (vaddr_t)ret, new_len, NULL);
	return ret;
}

/* ---- brk ------------------------------------------------------------------------------------- */

/*
 * Linux do_brk_flags: map [addr, addr+len) as heap (anonymous private RW,
 * VM_ACCOUNT, memsim's VM_BRK_), extending `brkvma` when it ends at addr and
 * is mergeable, else as a new VMA.  0 or -ENOMEM.
 */
static int do_brk_flags(struct sim *s, struct mm *mm, struct vma *brkvma, vaddr_t addr,
			uint64_t len)
{
	uint32_t flags = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | VM_BRK_;
	uint64_t pgoff = addr >> pshift(s);
	struct vma *vma;

	if (mm->map_count > DEFAULT_MAX_MAP_COUNT || vm_enough_memory(s, len >> pshift(s)))
		return -MM_ENOMEM;
	if (brkvma && brkvma->vm_end == addr &&
	    can_vma_merge_after(s, brkvma, flags, NULL, 0, pgoff)) {
		vma_set_range(s, mm, brkvma, brkvma->vm_start, addr + len, brkvma->vm_pgoff);
		brkvma->vm_flags |= VM_BRK_;
		return 0;
	}
	vma = vma_alloc();
	if (!vma)
		return -MM_ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = flags;
	vma->vm_pgoff = pgoff;
	vma_link(s, mm, vma);
	return 0;
}

/*
 * brk(2).  The first call of a process without a heap (start_brk == 0) sets
 * start_brk = brk = PAGE_ALIGN(brk) and maps nothing.  brk(0), and later a
 * value below start_brk, only reads the break (no event); shrinking unmaps [PAGE_ALIGN(new),
 * PAGE_ALIGN(old)); growing needs newbrk + PAGE_SIZE <= vm_start_gap(next
 * VMA) and maps the new pages (do_brk_flags).  mm->brk keeps the unaligned
 * value.  Returns the new break, or the old one when the request is refused
 * (never an error code, like the syscall).  Records EV_BRK with the
 * returned break (label "error ENOMEM" when refused).
 */
int64_t do_brk(struct sim *s, struct task *t, vaddr_t brk)
{
	struct mm *mm = task_mm(t);
	vaddr_t origbrk = mm->brk, newbrk, oldbrk;
	uint64_t ps = psize(s);
	struct vma *next, *brkvma;

	/* a query (brk(0), or below start_brk): the break, no event */
	if (brk == 0 || (mm->start_brk && brk < mm->start_brk))
		return (int64_t)mm->brk;
	if (!mm->start_brk) {
		mm->start_brk = mm->brk = page_align(s, brk);
		mm__event(s, t, EV_BRK, mm->brk, 0, NULL);
		return (int64_t)mm->brk;
	}
	newbrk = page_align(s, brk);
	oldbrk = page_align(s, mm->brk);
	if (!newbrk)
		goto out;
	if (oldbrk == newbrk)
		goto success;
	if (brk <= mm->brk) {
		struct vma *vma = find_vma(mm, newbrk);

		if (!vma || vma->vm_start >= oldbrk)
			goto out;
		if (__do_munmap(s, mm, newbrk, oldbrk - newbrk))
			goto out;
		goto success;
	}
	/* check_brk_limits: get_unmapped_area(MAP_FIXED) of the growth */
	if (get_unmapped_area(s, mm, NULL, oldbrk, newbrk - oldbrk, TMAP_FIXED) < 0)
		goto out;
	next = find_vma(mm, oldbrk);
	if (next && (newbrk + ps < newbrk || newbrk + ps > vm_start_gap(s, next)))
		goto out;
	brkvma = prev_of(mm, next);
	if (brkvma && brkvma->vm_start < mm->start_brk)
		brkvma = NULL;
	if (do_brk_flags(s, mm, brkvma, oldbrk, newbrk - oldbrk))
		goto out;
success:
	mm->brk = brk;
	mm__event(s, t, EV_BRK, brk, 0, NULL);
	return (int64_t)brk;
out:
	mm->brk = origbrk;
	mm__event(s, t, EV_BRK, origbrk, 0, "error ENOMEM");
	return (int64_t)origbrk;
}

/* ---- stack growth ---------------------------------------------------------------------------- */

/*
 * Linux expand_downwards (facts 3.8): grow the VM_GROWSDOWN `vma` down to
 * the page of `addr`.  Refused with -EPERM below mmap_min_addr; -ENOMEM
 * when the previous VMA is accessible, not itself a stack, and ends less
 * than stack_guard_gap pages below the new start (exactly the gap is
 * allowed), when the stack would exceed RLIMIT_STACK, or when overcommit
 * refuses.  The VMA gets an anon_vma (anon_vma_prepare) once the guard gap
 * is cleared, even if a later check fails.  -EFAULT for a VMA that does not
 * grow down.  0 on success (also when addr is already inside).
 */
int expand_stack(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t addr)
{
	const struct sim_config *cfg = sim_config(s);
	struct vma *prev;
	uint64_t size, grow;

	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -MM_EFAULT;
	addr &= ~(psize(s) - 1);
	if (addr < cfg->mmap_min_addr)
		return -MM_EPERM;
	prev = vma_prev(mm, vma);
	if (prev && addr < prev->vm_end)
		return -MM_ENOMEM;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    addr - prev->vm_end < stack_guard_gap(s))
		return -MM_ENOMEM;
	if (!vma->anon_vma)
		vma->anon_vma = mm__new_anon_vma(s);
	if (addr >= vma->vm_start)
		return 0;
	size = vma->vm_end - addr;
	grow = (vma->vm_start - addr) >> pshift(s);
	if (grow > vma->vm_pgoff || size > cfg->rlimit_stack || vm_enough_memory(s, grow))
		return -MM_ENOMEM;
	vma_set_range(s, mm, vma, addr, vma->vm_end, vma->vm_pgoff - grow);
	return 0;
}
