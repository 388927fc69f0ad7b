/*
 * arch/arm64/decode.c - ESR_ELx as text, field by field, for scenarios and
 * reports.
 *
 * Mirrors esr_class_str[] in arch/arm64/kernel/traps.c (exception class
 * names) and the names of fault_info[] in arch/arm64/mm/fault.c (fault status
 * codes, including the FEAT_LPA2 level -1 codes), and the field layout of
 * arch/arm64/include/asm/esr.h.  Simplifies: the ISS of classes other than
 * instruction/data aborts is shown as a number, and the syndrome bits that
 * only matter with ISV=1 (SAS, SSE, SRT, SF, AR) are not decoded.
 */
#include <memsim/decode.h>

#include "arch/arm64/esr.h"
#include "arch/text.h"

#include <inttypes.h>
#include <stdio.h>

/* Linux's esr_class_str[]. */
static const char *esr_class_str(unsigned ec)
{
	static const char *const names[64] = {
		[0x00] = "Unknown/Uncategorized",
		[0x01] = "WFI/WFE",
		[0x03] = "CP15 MCR/MRC",
		[0x04] = "CP15 MCRR/MRRC",
		[0x05] = "CP14 MCR/MRC",
		[0x06] = "CP14 LDC/STC",
		[0x07] = "ASIMD",
		[0x08] = "CP10 MRC/VMRS",
		[0x09] = "PAC",
		[0x0c] = "CP14 MCRR/MRRC",
		[0x0d] = "BTI",
		[0x0e] = "PSTATE.IL",
		[0x11] = "SVC (AArch32)",
		[0x12] = "HVC (AArch32)",
		[0x13] = "SMC (AArch32)",
		[0x15] = "SVC (AArch64)",
		[0x16] = "HVC (AArch64)",
		[0x17] = "SMC (AArch64)",
		[0x18] = "MSR/MRS (AArch64)",
		[0x19] = "SVE",
		[0x1a] = "ERET/ERETAA/ERETAB",
		[0x1c] = "FPAC",
		[0x1d] = "SME",
		[0x1f] = "EL3 IMP DEF",
		[0x20] = "IABT (lower EL)",
		[0x21] = "IABT (current EL)",
		[0x22] = "PC Alignment",
		[0x24] = "DABT (lower EL)",
		[0x25] = "DABT (current EL)",
		[0x26] = "SP Alignment",
		[0x27] = "MOPS",
		[0x28] = "FP (AArch32)",
		[0x2c] = "FP (AArch64)",
		[0x2d] = "Guarded Control Stack",
		[0x2f] = "SError",
		[0x30] = "Breakpoint (lower EL)",
		[0x31] = "Breakpoint (current EL)",
		[0x32] = "Software Step (lower EL)",
		[0x33] = "Software Step (current EL)",
		[0x34] = "Watchpoint (lower EL)",
		[0x35] = "Watchpoint (current EL)",
		[0x38] = "BKPT (AArch32)",
		[0x3a] = "Vector catch (AArch32)",
		[0x3c] = "BRK (AArch64)",
	};

	return ec < 64 && names[ec] ? names[ec] : "UNRECOGNIZED EC";
}

/* The name fault_info[] gives a fault status code; NULL for "unknown N". */
static const char *fsc_name(unsigned fsc)
{
	static const char *const names[64] = {
		[0x00] = "level 0 address size fault",
		[0x01] = "level 1 address size fault",
		[0x02] = "level 2 address size fault",
		[0x03] = "level 3 address size fault",
		[0x04] = "level 0 translation fault",
		[0x05] = "level 1 translation fault",
		[0x06] = "level 2 translation fault",
		[0x07] = "level 3 translation fault",
		[0x08] = "level 0 access flag fault",
		[0x09] = "level 1 access flag fault",
		[0x0a] = "level 2 access flag fault",
		[0x0b] = "level 3 access flag fault",
		[0x0c] = "level 0 permission fault",
		[0x0d] = "level 1 permission fault",
		[0x0e] = "level 2 permission fault",
		[0x0f] = "level 3 permission fault",
		[0x10] = "synchronous external abort",
		[0x11] = "synchronous tag check fault",
		[0x13] = "level -1 (translation table walk)",
		[0x14] = "level 0 (translation table walk)",
		[0x15] = "level 1 (translation table walk)",
		[0x16] = "level 2 (translation table walk)",
		[0x17] = "level 3 (translation table walk)",
		[0x18] = "synchronous parity or ECC error",
		[0x1b] = "level -1 synchronous parity error (translation table walk)",
		[0x1c] = "level 0 synchronous parity error (translation table walk)",
		[0x1d] = "level 1 synchronous parity error (translation table walk)",
		[0x1e] = "level 2 synchronous parity error (translation table walk)",
		[0x1f] = "level 3 synchronous parity error (translation table walk)",
		[0x21] = "alignment fault",
		[0x29] = "level -1 address size fault",
		[0x2b] = "level -1 translation fault",
		[0x30] = "TLB conflict abort",
		[0x31] = "Unsupported atomic hardware update fault",
		[0x34] = "implementation fault (lockdown abort)",
		[0x35] = "implementation fault (unsupported exclusive)",
		[0x3d] = "section domain fault",
		[0x3e] = "page domain fault",
	};

	return fsc < 64 ? names[fsc] : NULL;
}

static int esr_is_abort(unsigned ec)
{
	return ec == ESR_ELx_EC_IABT_LOW || ec == ESR_ELx_EC_IABT_CUR ||
	       ec == ESR_ELx_EC_DABT_LOW || ec == ESR_ELx_EC_DABT_CUR;
}

static int esr_is_data_abort(unsigned ec)
{
	return ec == ESR_ELx_EC_DABT_LOW || ec == ESR_ELx_EC_DABT_CUR;
}

/* WnR, FSC and the abort ISS bits that are set. */
static void esr_abort_iss(struct text *t, uint64_t esr, unsigned ec)
{
	unsigned fsc = (unsigned)(esr & ESR_ELx_FSC);
	const char *name = fsc_name(fsc);
	int data = esr_is_data_abort(ec);

	if (data)
		text_add(t, " WnR=%u", (unsigned)((esr & ESR_ELx_WNR) != 0));
	if (name)
		text_add(t, " FSC=0x%02x (%s)", fsc, name);
	else
		text_add(t, " FSC=0x%02x (unknown %u)", fsc, fsc);
	if (data && (esr & ESR_ELx_ISV))
		text_add(t, " ISV=1");
	if (esr & ESR_ELx_FnV)
		text_add(t, " FnV=1");
	if (esr & ESR_ELx_EA)
		text_add(t, " EA=1");
	if (data && (esr & ESR_ELx_CM))
		text_add(t, " CM=1");
	if (esr & ESR_ELx_S1PTW)
		text_add(t, " S1PTW=1");
}

/* See memsim/decode.h. */
int arm64_esr_decode(uint64_t esr, char *buf, size_t n)
{
	struct text t = { .buf = buf, .n = buf ? n : 0, .len = 0 };
	unsigned ec = (unsigned)ESR_ELx_EC(esr);
	uint64_t iss2 = (esr >> ESR_ELx_ISS2_SHIFT) & ESR_ELx_ISS2_MASK;

	if (t.n)
		buf[0] = '\0';
	text_add(&t, "EC=0x%02x (%s) IL=%u", ec, esr_class_str(ec),
		 (unsigned)((esr & ESR_ELx_IL) != 0));
	if (esr_is_abort(ec))
		esr_abort_iss(&t, esr, ec);
	else
		text_add(&t, " ISS=0x%07" PRIx64, esr & ESR_ELx_ISS_MASK);
	if (iss2)
		text_add(&t, " ISS2=0x%06" PRIx64, iss2);
	return (int)t.len;
}
