/*
 * engine/tlb_mode.c - the system calls of mode tlb.  That mode replays with
 * identity translation and has no struct mm (no page tables, no frames), but
 * a process still asks mmap, mremap and brk for addresses; it gets the ones
 * full mode would give, from a list of the ranges it has mapped.
 *
 * Mirrors (as core/mm/mmap.c models them): __get_unmapped_area with x86-64's
 * arch_get_unmapped_area_topdown (hint rounded down to a page and taken when
 * free; else the highest gap below mmap_base; else bottom-up from
 * TASK_SIZE / 3), thp_get_unmapped_area for private anonymous mappings
 * whose length is a multiple of the PMD size, munmap, mremap (shrink in
 * place, grow in place when free, else move) and brk (start_brk on the
 * first call; a value below start_brk reads the break; growth must leave a
 * page free below the next mapping).
 *
 * Simplified: no VMA flags, so no stack guard gap below growsdown mappings,
 * no merging rules and no vm.max_map_count; mprotect and madvise succeed
 * and change nothing; no overcommit; no events are recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_impl.h"

enum { E_PERM = 1, E_NOMEM = 12, E_FAULT = 14, E_INVAL = 22 };

static uint64_t psz(const struct sim *s) { return UINT64_C(1) << s->page_shift; }
static uint64_t palign(const struct sim *s, uint64_t x)
{
	return (x + psz(s) - 1) & ~(psz(s) - 1);
}

/* Where mmap starts top-down: as mm_create computes mmap_base (TASK_SIZE -
 * max(RLIMIT_STACK, 128 MiB), no randomisation). */
static vaddr_t mmap_base(const struct sim *s)
{
	uint64_t gap = s->cfg.rlimit_stack > (UINT64_C(128) << 20) ? s->cfg.rlimit_stack
								    : UINT64_C(128) << 20;
	vaddr_t top = s->fmt.task_size;
	if (s->cfg.arch == ARCH_X86_64 && top > (UINT64_C(1) << 47) - 4096)
		top = (UINT64_C(1) << 47) - 4096; /* DEFAULT_MAP_WINDOW */
	if (s->cfg.arch == ARCH_ARM64 && top > (UINT64_C(1) << 48))
		top = UINT64_C(1) << 48;
	return (top - gap) & ~(psz(s) - 1);
}

/* ---- the ranges ------------------------------------------------------------------------ */

/* Index of the first range that ends above a. */
static size_t first_above(const struct tlb_vm *vm, vaddr_t a)
{
	size_t lo = 0, hi = vm->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (vm->r[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int range_is_free(const struct tlb_vm *vm, vaddr_t lo, vaddr_t hi)
{
	size_t i = first_above(vm, lo);
	return i == vm->n || vm->r[i].start >= hi;
}

/* Start of the mapping above a (the end of the gap a is in), or `top`. */
static vaddr_t next_start(const struct tlb_vm *vm, vaddr_t a, vaddr_t top)
{
	size_t i = first_above(vm, a);
	return i == vm->n || vm->r[i].start > top ? top : vm->r[i].start;
}

static int insert_at(struct tlb_vm *vm, size_t i, vaddr_t lo, vaddr_t hi, int thp)
{
	if (vm->n == vm->cap) {
		size_t cap = vm->cap ? vm->cap * 2 : 8;
		struct tlb_range *r = realloc(vm->r, cap * sizeof(*r));
		if (!r)
			return SIM_ENOMEM;
		vm->r = r;
		vm->cap = cap;
	}
	memmove(&vm->r[i + 1], &vm->r[i], (vm->n - i) * sizeof(*vm->r));
	vm->r[i].start = lo;
	vm->r[i].end = hi;
	vm->r[i].thp = thp;
	vm->n++;
	return 0;
}

/* Unmap [lo, hi): cut the ranges it overlaps (one may split in two). */
static int range_remove(struct tlb_vm *vm, vaddr_t lo, vaddr_t hi)
{
	size_t i = first_above(vm, lo);
	while (i < vm->n && vm->r[i].start < hi) {
		struct tlb_range *r = &vm->r[i];
		if (r->start < lo && r->end > hi) { /* the middle goes */
			vaddr_t end = r->end;
			r->end = lo;
			return insert_at(vm, i + 1, hi, end, r->thp);
		}
		if (r->start < lo) {
			r->end = lo;
			i++;
		} else if (r->end > hi) {
			r->start = hi;
			i++;
		} else {
			memmove(r, r + 1, (vm->n - i - 1) * sizeof(*r));
			vm->n--;
		}
	}
	return 0;
}

/* Map [lo, hi), replacing whatever was there (MAP_FIXED). */
static int range_add(struct tlb_vm *vm, vaddr_t lo, vaddr_t hi, int thp)
{
	int rc = range_remove(vm, lo, hi);
	return rc ? rc : insert_at(vm, first_above(vm, lo), lo, hi, thp);
}

/* Is [lo, hi) mapped throughout (by one range or adjacent ones)?  The range
 * holding lo in *r. */
static int range_is_mapped(const struct tlb_vm *vm, vaddr_t lo, vaddr_t hi,
			   const struct tlb_range **r)
{
	size_t i = first_above(vm, lo);
	if (i == vm->n || vm->r[i].start > lo)
		return 0;
	*r = &vm->r[i];
	for (vaddr_t end = vm->r[i].end; end < hi; end = vm->r[i].end)
		if (++i == vm->n || vm->r[i].start != end)
			return 0;
	return 1;
}

/* ---- placement ------------------------------------------------------------------------- */

/* The highest len bytes of a gap inside [low, high), or 0.  Gap i lies
 * below range i (above range i-1); the first one looked at holds high-1. */
static vaddr_t gap_topdown(const struct tlb_vm *vm, uint64_t len, vaddr_t low, vaddr_t high)
{
	for (size_t i = first_above(vm, high - 1) + 1; i-- > 0;) {
		vaddr_t hi = i < vm->n && vm->r[i].start < high ? vm->r[i].start : high;
		vaddr_t lo = i && vm->r[i - 1].end > low ? vm->r[i - 1].end : low;
		if (hi >= lo && hi - lo >= len)
			return hi - len;
		if (lo == low)
			break;
	}
	return 0;
}

/* The lowest gap of len bytes inside [low, high), or 0. */
static vaddr_t gap_bottomup(const struct tlb_vm *vm, uint64_t len, vaddr_t low, vaddr_t high)
{
	vaddr_t lo = low;
	for (size_t i = first_above(vm, low);; i++) {
		vaddr_t hi = i < vm->n && vm->r[i].start < high ? vm->r[i].start : high;
		if (hi >= lo && hi - lo >= len)
			return lo;
		if (i >= vm->n || vm->r[i].start >= high)
			return 0;
		if (vm->r[i].end > lo)
			lo = vm->r[i].end;
	}
}

/* arch_get_unmapped_area_topdown (see mm/mmap.c): address or -ENOMEM. */
static int64_t get_area_topdown(const struct sim *s, const struct tlb_vm *vm, vaddr_t hint,
				uint64_t len)
{
	vaddr_t top = s->fmt.task_size, min = s->cfg.mmap_min_addr, low, high, a;
	if (hint) {
		hint &= ~(psz(s) - 1);
		if (top - len >= hint && hint >= min && range_is_free(vm, hint, hint + len))
			return (int64_t)hint;
	}
	low = palign(s, min) < psz(s) ? psz(s) : palign(s, min);
	high = mmap_base(s) < top ? mmap_base(s) : top;
	a = high > low && high - low >= len ? gap_topdown(vm, len, low, high) : 0;
	if (!a) {
		vaddr_t third = palign(s, top / 3) > low ? palign(s, top / 3) : low;
		a = gap_bottomup(vm, len, third, top);
	}
	return a ? (int64_t)a : -E_NOMEM;
}

static uint64_t pmd_size(const struct sim *s)
{
	return s->fmt.huge_level < 0 ? 0 : UINT64_C(1) << s->fmt.shift[s->fmt.huge_level];
}

/* thp_get_unmapped_area: search len + PMD_SIZE, round up to a PMD boundary. */
static int64_t get_area_thp(const struct sim *s, const struct tlb_vm *vm, uint64_t len)
{
	uint64_t pmd = pmd_size(s), off;
	int64_t a = -E_NOMEM;
	if (len >= pmd && len <= s->fmt.task_size - pmd)
		a = get_area_topdown(s, vm, 0, len + pmd);
	if (a < 0)
		return get_area_topdown(s, vm, 0, len);
	off = (0 - (uint64_t)a) & (pmd - 1);
	return off ? a + (int64_t)off : a + (int64_t)pmd;
}

/* __get_unmapped_area without MAP_FIXED: PMD-aligned for private anonymous
 * memory whose length is a multiple of the PMD size. */
static int64_t get_area(const struct sim *s, const struct tlb_vm *vm, vaddr_t hint,
			uint64_t len, int thp)
{
	uint64_t pmd = pmd_size(s);
	if (thp && !hint && pmd && !(len & (pmd - 1)))
		return get_area_thp(s, vm, len);
	return get_area_topdown(s, vm, hint, len);
}

/* ---- the system calls ------------------------------------------------------------------ */

static int64_t do_mmap(struct sim *s, struct tlb_vm *vm, const struct trace_op *op, int *rc)
{
	uint64_t len = palign(s, op->len);
	int thp = !op->name && !(op->flags & TMAP_SHARED);
	int64_t a;
	if (!op->len)
		return -E_INVAL;
	if (len < op->len || len > s->fmt.task_size)
		return -E_NOMEM;
	if (op->flags & TMAP_FIXED) {
		if (op->addr & (psz(s) - 1))
			return -E_INVAL;
		if (op->addr > s->fmt.task_size - len)
			return -E_NOMEM;
		if (op->addr < s->cfg.mmap_min_addr)
			return -E_PERM;
		a = (int64_t)op->addr;
	} else {
		vaddr_t hint = op->addr & ~(psz(s) - 1); /* round_hint_to_min */
		if (hint && hint < s->cfg.mmap_min_addr)
			hint = palign(s, s->cfg.mmap_min_addr);
		a = get_area(s, vm, hint, len, thp);
	}
	if (a < 0)
		return a;
	*rc = range_add(vm, (vaddr_t)a, (vaddr_t)a + len, thp);
	return a;
}

static int64_t do_munmap(struct sim *s, struct tlb_vm *vm, const struct trace_op *op, int *rc)
{
	uint64_t len = palign(s, op->len);
	if ((op->addr & (psz(s) - 1)) || !op->len || len < op->len ||
	    op->addr > s->fmt.task_size - len)
		return -E_INVAL;
	*rc = range_remove(vm, op->addr, op->addr + len);
	return 0;
}

/* Move [old, old+old_len) to [a, a+new_len). */
static int move_range(struct tlb_vm *vm, vaddr_t old, uint64_t old_len, vaddr_t a,
		      uint64_t new_len, int thp)
{
	int rc = range_remove(vm, old, old + old_len);
	return rc ? rc : range_add(vm, a, a + new_len, thp);
}

static int64_t do_mremap(struct sim *s, struct tlb_vm *vm, const struct trace_op *op, int *rc)
{
	vaddr_t old = op->addr, top = s->fmt.task_size;
	uint64_t old_len = palign(s, op->len), new_len = palign(s, op->arg);
	const struct tlb_range *r;
	int64_t a;
	if ((old & (psz(s) - 1)) || !new_len)
		return -E_INVAL;
	if (!range_is_mapped(vm, old, old + 1, &r))
		return -E_FAULT;
	int thp = r->thp;
	if (!old_len && thp)
		return -E_INVAL; /* only a shared mapping can be duplicated */
	if (op->has_newaddr) { /* mremap_to */
		vaddr_t na = op->newaddr;
		if ((na & (psz(s) - 1)) || new_len > top || na > top - new_len ||
		    (old + old_len > na && na + new_len > old))
			return -E_INVAL;
		if ((*rc = range_remove(vm, na, na + new_len)))
			return -E_NOMEM;
		if (old_len > new_len && (*rc = range_remove(vm, old + new_len, old + old_len)))
			return -E_NOMEM;
		old_len = old_len > new_len ? new_len : old_len;
		if (!range_is_mapped(vm, old, old + old_len, &r))
			return -E_FAULT;
		*rc = move_range(vm, old, old_len, na, new_len, thp);
		return (int64_t)na;
	}
	if (old_len >= new_len) { /* no vma_to_resize: the tail is unmapped */
		*rc = range_remove(vm, old + new_len, old + old_len);
		return (int64_t)old;
	}
	if (!range_is_mapped(vm, old, old + old_len, &r))
		return -E_FAULT;
	if (old + new_len > old && old + new_len <= top &&
	    range_is_free(vm, old + old_len, old + new_len)) {
		*rc = range_add(vm, old + old_len, old + new_len, thp);
		return (int64_t)old;
	}
	if ((a = get_area(s, vm, 0, new_len, thp)) < 0)
		return a;
	*rc = move_range(vm, old, old_len, (vaddr_t)a, new_len, thp);
	return a;
}

static int64_t do_brk(struct sim *s, struct tlb_vm *vm, vaddr_t brk, int *rc)
{
	vaddr_t newbrk, oldbrk;
	if (!vm->start_brk) {
		if (brk) /* the first brk places the heap (as exec would) */
			vm->start_brk = vm->brk = palign(s, brk);
		return (int64_t)vm->brk;
	}
	if (brk < vm->start_brk)
		return (int64_t)vm->brk; /* a query (brk(0)) */
	newbrk = palign(s, brk);
	oldbrk = palign(s, vm->brk);
	if (!newbrk)
		return (int64_t)vm->brk;
	if (newbrk < oldbrk) {
		*rc = range_remove(vm, newbrk, oldbrk);
	} else if (newbrk > oldbrk) {
		vaddr_t next = next_start(vm, oldbrk, s->fmt.task_size);
		if (newbrk > s->fmt.task_size - psz(s) || newbrk + psz(s) > next)
			return (int64_t)vm->brk; /* refused: the old break */
		*rc = range_add(vm, oldbrk, newbrk, 1);
	}
	if (!*rc)
		vm->brk = brk;
	return (int64_t)vm->brk;
}

static int64_t do_fork(struct sim *s, struct task *t, uint32_t cpid, int *rc)
{
	struct task *c = sim_task_create(s, cpid, t->name);
	if (!c) {
		*rc = cpid && sim_task(s, cpid)
			      ? sim__error(s, SIM_EINPUT, "fork: child pid %u already exists", cpid)
			      : sim__error(s, SIM_ENOMEM, "out of memory");
		return -E_NOMEM;
	}
	struct tlb_vm *cv = &c->tlb_vm, *pv = &t->tlb_vm;
	*cv = *pv; /* the child has the parent's address space */
	cv->r = NULL;
	cv->n = cv->cap = 0;
	if (pv->n) {
		cv->r = malloc(pv->n * sizeof(*cv->r));
		if (!cv->r) {
			*rc = sim__error(s, SIM_ENOMEM, "out of memory");
			return -E_NOMEM;
		}
		memcpy(cv->r, pv->r, pv->n * sizeof(*cv->r));
		cv->n = cv->cap = pv->n;
	}
	return (int64_t)c->pid;
}

void sim__tlb_vm_free(struct tlb_vm *vm)
{
	free(vm->r);
	memset(vm, 0, sizeof(*vm));
}

int64_t sim__tlb_syscall(struct sim *s, struct task *t, const struct trace_op *op, int *rc)
{
	int64_t r = 0;
	*rc = 0;
	switch (op->op) {
	case TOP_EXIT:
		tlb_hier_flush_asid(&s->tlb, t->asid);
		sim__tlb_vm_free(&t->tlb_vm);
		t->alive = 0;
		return 0;
	case TOP_FORK:
		return do_fork(s, t, (uint32_t)op->arg, rc);
	case TOP_MMAP:
		r = do_mmap(s, &t->tlb_vm, op, rc);
		break;
	case TOP_MUNMAP:
		r = do_munmap(s, &t->tlb_vm, op, rc);
		break;
	case TOP_MREMAP:
		r = do_mremap(s, &t->tlb_vm, op, rc);
		break;
	case TOP_BRK:
		r = do_brk(s, &t->tlb_vm, op->addr, rc);
		break;
	default:
		return 0;
	}
	if (*rc)
		*rc = sim__error(s, SIM_ENOMEM, "out of memory");
	return r;
}
