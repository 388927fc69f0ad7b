/*
 * mm/mm_init.c - the memory manager's side of the machine: physical memory
 * and the zero page at boot, address spaces for new processes (mm_alloc),
 * process exit, and the trace operations that are system calls.
 *
 * Address-space layout (no randomisation, so runs are deterministic):
 * mmap_base = TASK_SIZE - max(RLIMIT_STACK, 128 MiB), as mmap_base() computes
 * it with randomize_va_space = 0; mappings are placed top-down below it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fault.h"

int x86_64_exc_page_fault(struct sim *s, struct task *t, vaddr_t va, unsigned access,
			  enum hw_fault f, int level);
int arm64_do_mem_abort(struct sim *s, struct task *t, vaddr_t va, unsigned access,
		       enum hw_fault f, int level);
pfn_t mm__alloc_root(struct sim *s, struct mm *mm);
void exit_mmap(struct sim *s, struct mm *mm);
void mm__free_files(struct sim *s);
void filemap_willneed(struct sim *s, struct file *f, uint64_t start, uint64_t end);

struct phys *mm__phys(struct sim *s) { return s->phys; }
const struct pt_format *mm__fmt(const struct sim *s) { return &s->fmt; }
const struct mmu_arch_ops *mm__ops(const struct sim *s) { return s->ops; }
struct mm *task_mm(struct task *t) { return t->mm; }
uint32_t mm__new_anon_vma(struct sim *s) { return s->next_anon_vma++; }

uint64_t sim_free_pages(const struct sim *s)
{
	return s->phys ? phys_nr_free(s->phys) : 0;
}

void mm__event(struct sim *s, struct task *t, unsigned type, vaddr_t va, uint64_t len,
	       const char *label)
{
	struct sink_event e = { sim__next_seq(s), s->now, t ? t->pid : 0, (uint16_t)type, va,
				len, label };
	sim__emit_event(s, &e);
}

int mm_sim_init(struct sim *s)
{
	s->phys = phys_create(s->cfg.ram >> s->page_shift, s->page_shift);
	if (!s->phys)
		return SIM_ENOMEM;
	s->mem_map = phys_mem_map(s->phys);
	/* tables never outnumber frames; the reservation is address space only */
	s->pt_pool = pt_pool_create((size_t)(s->cfg.ram < (UINT64_C(1) << 40) ? s->cfg.ram
									       : UINT64_C(1) << 40));
	if (!s->pt_pool)
		return SIM_ENOMEM;
	/* the shared zero page (empty_zero_page) */
	s->zero_pfn = phys_alloc(s->phys, 0);
	if (s->zero_pfn == PFN_NONE)
		return SIM_ENOMEM;
	struct page *zp = pfn_to_page(s->phys, s->zero_pfn);
	zp->flags |= PG_reserved | PG_uptodate;
	s->arch_fault = s->cfg.arch == ARCH_X86_64 ? x86_64_exc_page_fault : arm64_do_mem_abort;
	return 0;
}

void mm_sim_fini(struct sim *s)
{
	mm__free_files(s);
	phys_destroy(s->phys);
	s->phys = NULL;
	pt_pool_destroy(s->pt_pool);
	s->pt_pool = NULL;
}

struct mm *mm_create(struct sim *s, struct task *t)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->pgd = mm__alloc_root(s, mm);
	if (mm->pgd == PFN_NONE) {
		free(mm);
		return NULL;
	}
	uint64_t gap = s->cfg.rlimit_stack > (UINT64_C(128) << 20) ? s->cfg.rlimit_stack
								    : UINT64_C(128) << 20;
	vaddr_t top = s->fmt.task_size;
	if (s->cfg.arch == ARCH_X86_64 && top > (UINT64_C(1) << 47) - 4096)
		top = (UINT64_C(1) << 47) - 4096; /* DEFAULT_MAP_WINDOW */
	if (s->cfg.arch == ARCH_ARM64 && top > (UINT64_C(1) << 48))
		top = UINT64_C(1) << 48;
	mm->mmap_base = (top - gap) & ~((UINT64_C(1) << s->page_shift) - 1);
	mm->start_stack = top;
	mm->asid = t->asid;
	mm->owner = t;
	return mm;
}

void mm_exit(struct sim *s, struct task *t)
{
	struct mm *mm = t->mm;
	if (!mm)
		return;
	exit_mmap(s, mm); /* its zaps take the pages off s->rss_total */
	free(mm);
	t->mm = NULL;
	t->alive = 0;
	if (s->cur == t)
		s->cur = NULL;
}

/* Drop a process's address space when the simulator is destroyed: host
 * memory only (the VMAs; the tables go with the pool), no simulated exit. */
void mm_release(struct sim *s, struct task *t)
{
	if (!t->mm)
		return;
	/* the tables' host memory goes with the pool in mm_sim_fini */
	(void)s;
	mm_free_vmas(s, t->mm);
	free(t->mm);
	t->mm = NULL;
}

/* ---- the system calls of the trace ----------------------------------------------------- */

static const char *errname(int64_t rc)
{
	switch (-rc) {
	case MM_EPERM: return "error EPERM";
	case MM_ENOMEM: return "error ENOMEM";
	case MM_EACCES: return "error EACCES";
	case MM_EFAULT: return "error EFAULT";
	case MM_EEXIST: return "error EEXIST";
	case MM_EINVAL: return "error EINVAL";
	default: return "error";
	}
}

static int64_t op_mmap(struct sim *s, struct task *t, const struct trace_op *op, int *err)
{
	struct file *f = NULL;
	if (op->name && op->name[0]) {
		f = mm__file(s, op->name);
		if (!f) {
			*err = sim__error(s, SIM_EINPUT,
					  "mmap: unknown file '%s' (declare it first with `file`)",
					  op->name);
			return -MM_EINVAL;
		}
	}
	int64_t rc = do_mmap(s, t, op->addr, op->len, op->prot, op->flags, f, op->arg);
	if (rc < 0)
		mm__event(s, t, EV_MMAP, op->addr, op->len, errname(rc));
	return rc;
}

static int64_t op_fork(struct sim *s, struct task *t, const struct trace_op *op, int *err)
{
	uint32_t cpid = (uint32_t)op->arg;
	if (cpid && sim_task(s, cpid)) {
		*err = sim__error(s, SIM_EINPUT, "fork: child pid %u already exists", cpid);
		return -MM_EINVAL;
	}
	struct task *c = sim_task_create(s, cpid, t->name);
	if (!c) {
		*err = sim__error(s, SIM_ENOMEM, "out of memory");
		return -MM_ENOMEM;
	}
	c->oom_score_adj = t->oom_score_adj;
	char label[32];
	snprintf(label, sizeof label, "child %u", c->pid);
	mm__event(s, t, EV_FORK, 0, c->pid, label);
	*err = mm_fork(s, t, c);
	return c->pid;
}

/* Record the failure of a syscall as its event with the errno as label. */
static int64_t failed(struct sim *s, struct task *t, unsigned ev, const struct trace_op *op,
		      int64_t rc)
{
	if (rc < 0)
		mm__event(s, t, ev, op->addr, op->len, errname(rc));
	return rc;
}

int64_t mm_syscall(struct sim *s, struct task *t, const struct trace_op *op, int *err)
{
	*err = 0;
	switch (op->op) {
	case TOP_MMAP:
		return op_mmap(s, t, op, err);
	case TOP_MUNMAP:
		return failed(s, t, EV_MUNMAP, op, do_munmap(s, t, op->addr, op->len));
	case TOP_MPROTECT:
		return failed(s, t, EV_MPROTECT, op, do_mprotect(s, t, op->addr, op->len, op->prot));
	case TOP_MADVISE:
		return failed(s, t, EV_MADVISE, op, do_madvise(s, t, op->addr, op->len, op->flags));
	case TOP_MREMAP:
		return failed(s, t, EV_MREMAP, op,
			      do_mremap(s, t, op->addr, op->len, op->arg, op->has_newaddr,
					op->newaddr));
	case TOP_BRK:
		return do_brk(s, t, op->addr);
	case TOP_FORK:
		return op_fork(s, t, op, err);
	case TOP_EXIT:
		mm__event(s, t, EV_EXIT, 0, 0, NULL);
		mm_exit(s, t);
		return 0;
	case TOP_OOM_SCORE_ADJ:
		t->oom_score_adj = (int16_t)op->ival;
		mm__event(s, t, EV_OOM_SCORE_ADJ, 0, (uint64_t)(int64_t)op->ival, NULL);
		return 0;
	default:
		*err = sim__error(s, SIM_EINPUT, "operation %u is not a system call", op->op);
		return -MM_EINVAL;
	}
}

/* MADV_COLLAPSE needs khugepaged's collapse, which comes with the THP
 * issue: accepted, nothing collapses yet. */
int madvise_collapse_range(struct sim *s, struct mm *mm, struct vma *vma, vaddr_t start,
			    vaddr_t end)
{
	(void)s, (void)mm, (void)vma, (void)start, (void)end;
	return 0;
}
