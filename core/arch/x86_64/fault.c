/*
 * arch/x86_64/fault.c - the #PF entry, after arch/x86/mm/fault.c of Linux
 * 6.18: exc_page_fault -> do_user_addr_fault -> (access_error) ->
 * handle_mm_fault, and the signal outcomes.
 *
 * The hardware error code is decoded into FAULT_FLAG_*; mm/ decides what
 * happens.  Every #PF is counted (perf page-faults) at entry, before any VMA
 * check; rusage counts only what handle_mm_fault completes (R4).
 * Simplified: no kernel-mode faults, no protection keys, no shadow stacks,
 * no SGX.
 */
#include "../../mm/fault.h"

#define X86_PF_PROT 0x01u
#define X86_PF_WRITE 0x02u
#define X86_PF_USER 0x04u
#define X86_PF_INSTR 0x10u

/* access_error: may this VMA be accessed the way the error code says? */
static int access_error(uint64_t code, const struct vma *vma, struct fault_trace *ft)
{
	fault_trace_push(ft, FN_access_error);
	if (code & X86_PF_WRITE)
		return !(vma->vm_flags & VM_WRITE);
	if (code & X86_PF_PROT)
		return 1; /* read or fetch of a present page it may not access */
	return !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
}

/* The tail of do_user_addr_fault: turn a vm_fault_t into an outcome. */
static int fault_outcome(struct sim *s, struct task *t, vaddr_t va, unsigned ret,
			 struct fault_trace *ft)
{
	if (!(ret & VM_FAULT_ERROR))
		return 1;
	if (ret & VM_FAULT_OOM) {
		fault_trace_push(ft, FN_pagefault_out_of_memory);
		ft->kind = FK_OOM;
		return -1;
	}
	if (ret & VM_FAULT_SIGBUS) {
		fault_trace_push(ft, FN_force_sig_fault_bus);
		ft->kind = FK_SIGBUS;
	} else {
		fault_trace_push(ft, FN_force_sig_fault_segv);
		ft->kind = FK_SEGV_MAPERR;
	}
	mm__signal(s, t, va, ft->kind);
	return 0;
}

static int bad_area(struct sim *s, struct task *t, vaddr_t va, enum mm_fn fn, unsigned kind,
		    struct fault_trace *ft)
{
	fault_trace_push(ft, fn);
	fault_trace_push(ft, FN_force_sig_fault_segv);
	ft->kind = (uint8_t)kind;
	mm__signal(s, t, va, kind);
	return 0;
}

static int do_user_addr_fault(struct sim *s, struct task *t, vaddr_t va, uint64_t code,
			      struct fault_trace *ft)
{
	fault_trace_push(ft, FN_do_user_addr_fault);
	t->st.faults++; /* perf page-faults: counted before any check */
	if (va >= s->fmt.task_size)
		return bad_area(s, t, va, FN_bad_area_nosemaphore, FK_SEGV_MAPERR, ft);
	unsigned flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY;
	if (code & X86_PF_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (code & X86_PF_INSTR)
		flags |= FAULT_FLAG_INSTRUCTION;
	/* first under the per-VMA lock (user faults, Linux 6.4+) */
	unsigned ret;
	struct vma *vma = lock_vma_under_rcu(t->mm, va, ft);
	if (vma) {
		if (access_error(code, vma, ft))
			return bad_area(s, t, va, FN_bad_area_access_error, FK_SEGV_ACCERR, ft);
		ret = handle_mm_fault(s, t, vma, va, flags | FAULT_FLAG_VMA_LOCK, ft);
		if (!(ret & VM_FAULT_RETRY))
			return fault_outcome(s, t, va, ret, ft);
		/* the lock was dropped for I/O: retry under mmap_lock, counted
		 * as a retry (major) only if this pass was major */
		if (ret & VM_FAULT_MAJOR)
			flags |= FAULT_FLAG_TRIED;
	}
	for (;;) {
		vma = lock_mm_and_find_vma(s, t->mm, va, ft);
		if (!vma)
			return bad_area(s, t, va, FN_bad_area, FK_SEGV_MAPERR, ft);
		if (access_error(code, vma, ft))
			return bad_area(s, t, va, FN_bad_area_access_error, FK_SEGV_ACCERR, ft);
		ret = handle_mm_fault(s, t, vma, va, flags, ft);
		if (!(ret & VM_FAULT_RETRY) || (flags & FAULT_FLAG_TRIED))
			return fault_outcome(s, t, va, ret & ~VM_FAULT_RETRY, ft);
		flags |= FAULT_FLAG_TRIED;
	}
}

/*
 * exc_page_fault: a user access to `va` stopped at page-table level
 * `level` (-1: the address is outside user space).  Returns 1 when the
 * access should be retried, 0 when it ended in a signal or the process
 * died.  Records one faults row.
 */
int x86_64_exc_page_fault(struct sim *s, struct task *t, vaddr_t va, unsigned access,
			  enum hw_fault f, int level)
{
	struct fault_trace ft = { .kind = FK_SPURIOUS };
	uint64_t code;
	int arch_level;
	vaddr_t canon_top = UINT64_C(1) << (s->fmt.va_bits);
	if (level < 0) {
		if (va >= canon_top && va < ~(canon_top - 1)) {
			/* non-canonical: #GP, never a page fault */
			t->st.segv++;
			mm__event(s, t, EV_SEGV, va, 0, "general protection (non-canonical)");
			return 0;
		}
		/* kernel half: the error code gets PROT forced (sanitize_error_code) */
		code = s->ops->fault_code(&s->fmt, HWF_NOT_PRESENT, access, 0) | X86_PF_PROT;
		arch_level = (int)s->fmt.levels;
	} else {
		code = s->ops->fault_code(&s->fmt, f, access, level);
		arch_level = s->ops->arch_level(&s->fmt, level);
	}
	/* A #PF invalidates the TLB entries for the faulting linear address
	 * (Intel SDM 3A 4.10.4.1): hardware, so no event and no count.  Only
	 * a protection fault can have one: a not-present walk filled nothing,
	 * and Linux flushes whenever it clears a present entry. */
	if ((code & X86_PF_PROT) && t->mm)
		tlb_hier_flush_page(&s->tlb, va, t->mm->asid);
	fault_trace_push(&ft, FN_exc_page_fault);
	int r = do_user_addr_fault(s, t, va, code, &ft);
	mm__record_fault(s, t, va, access, code, arch_level, &ft);
	if (r < 0) {
		mm__oom(s, t, va);
		return 0;
	}
	return r;
}
