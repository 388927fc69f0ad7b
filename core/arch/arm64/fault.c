/*
 * arch/arm64/fault.c - the data/instruction abort entry, after
 * arch/arm64/mm/fault.c of Linux 6.18: do_mem_abort -> fault_info[FSC] ->
 * do_translation_fault / do_page_fault -> handle_mm_fault.
 *
 * The ESR is decoded into FAULT_FLAG_* and the VMA permission needed;
 * mm/ decides (R4).  The permission check passes when the VMA has any of
 * the needed flags; a read needs VM_READ|VM_WRITE|VM_EXEC, as on CPUs
 * without EPAN.  Simplified: no MTE, GCS, SEA or alignment faults; a user
 * access to a TTBR1 address reports the sanitised ESR (FSC forced to a
 * level-0 translation fault).
 */
#include "../../mm/fault.h"

#define ESR_ELx_WNR (UINT64_C(1) << 6)
#define ESR_ELx_FSC 0x3fu
#define ESR_ELx_EC_SHIFT 26
#define ESR_ELx_EC_IABT_LOW 0x20u

static int is_el0_instruction_abort(uint64_t esr)
{
	return ((esr >> ESR_ELx_EC_SHIFT) & 0x3f) == ESR_ELx_EC_IABT_LOW;
}

static int signal_outcome(struct sim *s, struct task *t, vaddr_t va, unsigned kind,
			  struct fault_trace *ft)
{
	fault_trace_push(ft, kind == FK_SIGBUS ? FN_force_sig_fault_bus : FN_force_sig_fault_segv);
	ft->kind = (uint8_t)kind;
	mm__signal(s, t, va, kind);
	return 0;
}

static int do_page_fault(struct sim *s, struct task *t, vaddr_t va, uint64_t esr,
			 struct fault_trace *ft)
{
	unsigned vm_flags, flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY;
	fault_trace_push(ft, FN_do_page_fault);
	t->st.faults++;
	if (is_el0_instruction_abort(esr)) {
		vm_flags = VM_EXEC;
		flags |= FAULT_FLAG_INSTRUCTION;
	} else if (esr & ESR_ELx_WNR) {
		vm_flags = VM_WRITE;
		flags |= FAULT_FLAG_WRITE;
	} else {
		vm_flags = VM_READ | VM_WRITE | VM_EXEC;
	}
	/* first under the per-VMA lock (user faults, Linux 6.4+) */
	unsigned ret = VM_FAULT_RETRY;
	struct vma *vma = lock_vma_under_rcu(t->mm, va, ft);
	if (vma) {
		if (!(vma->vm_flags & vm_flags)) {
			fault_trace_push(ft, FN_bad_area_access_error);
			return signal_outcome(s, t, va, FK_SEGV_ACCERR, ft);
		}
		ret = handle_mm_fault(s, t, vma, va, flags | FAULT_FLAG_VMA_LOCK, ft);
		/* dropped for I/O: retry under mmap_lock, major only if this was */
		if ((ret & VM_FAULT_RETRY) && (ret & VM_FAULT_MAJOR))
			flags |= FAULT_FLAG_TRIED;
	}
	while (ret & VM_FAULT_RETRY) {
		vma = lock_mm_and_find_vma(s, t->mm, va, ft);
		if (!vma) {
			fault_trace_push(ft, FN_bad_area);
			return signal_outcome(s, t, va, FK_SEGV_MAPERR, ft);
		}
		if (!(vma->vm_flags & vm_flags)) {
			fault_trace_push(ft, FN_bad_area_access_error);
			return signal_outcome(s, t, va, FK_SEGV_ACCERR, ft);
		}
		ret = handle_mm_fault(s, t, vma, va, flags, ft);
		if (flags & FAULT_FLAG_TRIED)
			ret &= ~VM_FAULT_RETRY; /* no second retry */
		flags |= FAULT_FLAG_TRIED;
	}
	if (!(ret & VM_FAULT_ERROR))
		return 1;
	if (ret & VM_FAULT_OOM) {
		fault_trace_push(ft, FN_pagefault_out_of_memory);
		ft->kind = FK_OOM;
		return -1;
	}
	return signal_outcome(s, t, va, (ret & VM_FAULT_SIGBUS) ? FK_SIGBUS : FK_SEGV_MAPERR, ft);
}

static int do_translation_fault(struct sim *s, struct task *t, vaddr_t va, uint64_t esr,
				struct fault_trace *ft)
{
	fault_trace_push(ft, FN_do_translation_fault);
	if (va < s->fmt.task_size)
		return do_page_fault(s, t, va, esr, ft);
	fault_trace_push(ft, FN_do_bad_area);
	t->st.faults++;
	return signal_outcome(s, t, va, FK_SEGV_MAPERR, ft);
}

/*
 * do_mem_abort: a user access to `va` stopped with `f` at page-table level
 * `level` (-1: outside user space).  Dispatches on the FSC of the ESR the
 * hardware reports, as fault_info[] does.  Returns 1 to retry the access,
 * 0 when it ended in a signal or the process died.  Records one faults row.
 */
int arm64_do_mem_abort(struct sim *s, struct task *t, vaddr_t va, unsigned access,
		       enum hw_fault f, int level)
{
	struct fault_trace ft = { .kind = FK_SPURIOUS };
	uint64_t esr;
	int arch_level;
	if (level < 0) {
		/* set_thread_esr: keep EC, IL, WnR; FSC = level 0 translation */
		esr = s->ops->fault_code(&s->fmt, HWF_NOT_PRESENT, access, 0);
		esr = (esr & ~(uint64_t)ESR_ELx_FSC) | 0x04u;
		arch_level = 0;
	} else {
		esr = s->ops->fault_code(&s->fmt, f, access, level);
		arch_level = s->ops->arch_level(&s->fmt, level);
	}
	fault_trace_push(&ft, FN_do_mem_abort);
	unsigned fsc = esr & ESR_ELx_FSC;
	int r;
	if ((fsc >= 0x04 && fsc <= 0x07) || fsc == 0x2b)
		r = do_translation_fault(s, t, va, esr, &ft);
	else
		r = do_page_fault(s, t, va, esr, &ft); /* access flag, permission */
	mm__record_fault(s, t, va, access, esr, arch_level, &ft);
	if (r < 0) {
		mm__oom(s, t, va);
		return 0;
	}
	return r;
}
