/*
 * arch/arm64/pgtable.c - arm64 (VMSAv8-64 stage 1) descriptors, paging
 * formats and ESR_EL1 values, behind struct mmu_arch_ops (R4) and struct
 * pt_format (R5).
 *
 * Mirrors:
 *   arch/arm64/include/asm/pgtable-hwdef.h  descriptor bits (PTE_VALID ...
 *                                           PTE_UXN, PMD_TABLE_PXN), levels
 *                                           per granule (ARM64_HW_PGTABLE_LEVELS)
 *   arch/arm64/include/asm/pgtable-prot.h   PTE_WRITE = DBM, PTE_DIRTY,
 *                                           PTE_SPECIAL, PTE_PRESENT_INVALID,
 *                                           PAGE_NONE / PAGE_READONLY /
 *                                           PAGE_SHARED (and _EXEC)
 *   arch/arm64/include/asm/pgtable.h        pte_dirty/mkdirty/mkclean/
 *                                           wrprotect/mkwrite_novma,
 *                                           pte_modify, the swap-PTE layout
 *   arch/arm64/include/asm/pgalloc.h        user table descriptors carry
 *                                           PXNTable
 *   arch/arm64/include/asm/esr.h, mm/fault.c  the ESR of a user abort
 *   Arm ARM (DDI0487) D8                    what the MMU checks, FEAT_HAFDBS
 *
 * Simplifies: MAIR index MT_NORMAL = 0 for every user page (as Linux since
 * v5.x: MT_NORMAL is index 0); no MTE, BTI (GP), POE, contiguous hint or
 * execute-only (EPAN) mappings: exec-only requests get PAGE_READONLY_EXEC, the
 * pre-EPAN value; no uffd-wp; one swap device (type 0); user accesses only.
 * FEAT_HAFDBS is all or nothing: hw_af on means hardware AF *and* DBM
 * updates (HAFDBS level 2), off means neither.
 *
 * Encoding choices:
 *   - AF comes from PGP_YOUNG.  Every Linux user protection carries AF
 *     (_PROT_DEFAULT) and Linux makes a prefaulted PTE old with pte_mkold()
 *     when the CPU has hardware AF; memsim's mm/ asks for young entries with
 *     PGP_YOUNG and installs old ones by leaving it out.
 *   - PGP_WRITE sets PTE_WRITE (DBM) and leaves PTE_RDONLY set (clean
 *     writable) unless PGP_DIRTY is also given, which sets PTE_DIRTY and
 *     clears PTE_RDONLY, as pte_mkdirty() + pte_mkwrite() do in
 *     do_anonymous_page().  PGP_SHARED and PGP_MAYWRITE do not change the
 *     encoding.
 *   - PROT_NONE (PGP_NONE, or no read/write/exec): Valid = 0 and
 *     PTE_PRESENT_INVALID (the nG bit, 11, reused while Valid = 0), as Linux
 *     6.10+; older kernels used bit 58 (PTE_PROT_NONE).
 *   - Known limit: the output address field holds pfn << 12 for every
 *     granule, because mk_pte()/mk_table() get no format and so cannot shift
 *     by the granule.  With 4K pages that is the physical address.  With
 *     16K/64K pages mm/ counts granule-sized frames, so the field holds
 *     pfn << 12 rather than the physical address pfn << page_shift: entries
 *     round-trip through pte_pfn() and every check is unaffected, but a raw
 *     dump does not read like the hardware's.
 *     Physical addresses stay below 2^48 (pfn_t is 32 bits), so the LPA/LPA2
 *     high OA bits are never needed and SH stays 3 even in 52-bit formats
 *     (a real LPA2 descriptor uses bits 9:8 as OA[51:50]).
 *   - Swap PTE (Linux 6.10+ layout):
 *       bits 0-1 zero (not valid), bit 2 PTE_SWP_EXCLUSIVE, bit 4 a memsim
 *       marker (always 1), bits 6-10 type (always 0), bit 11
 *       PTE_PRESENT_INVALID (always 0), bits 12-61 offset (plain).
 *     The marker is memsim's addition: Linux never swaps to offset 0 (the
 *     swap header), so type 0 / offset 0 never meets pte_none(); memsim
 *     cannot promise that, and bit 4 is unused in Linux swap PTEs.
 */
#include "arch/pgtable.h"
#include "arch/arm64/esr.h"

#include <memsim/tlb.h>

#include <stdio.h>

#define PTE_VALID         (UINT64_C(1) << 0)
#define PTE_TABLE_BIT     (UINT64_C(1) << 1)    /* table (L0-L2) / page (L3) */
#define PTE_TYPE_MASK     (UINT64_C(3) << 0)
#define PTE_TYPE_PAGE     (UINT64_C(3) << 0)
#define PMD_TYPE_TABLE    (UINT64_C(3) << 0)
#define PMD_TYPE_SECT     (UINT64_C(1) << 0)    /* a block */
#define PTE_ATTRINDX(t)   ((uint64_t)(t) << 2)
#define PTE_ATTRINDX_MASK (UINT64_C(7) << 2)
#define PTE_USER          (UINT64_C(1) << 6)    /* AP[1]: EL0 access */
#define PTE_RDONLY        (UINT64_C(1) << 7)    /* AP[2]: read-only */
#define PTE_SHARED        (UINT64_C(3) << 8)    /* SH[1:0]: inner shareable */
#define PTE_AF            (UINT64_C(1) << 10)   /* access flag */
#define PTE_NG            (UINT64_C(1) << 11)   /* not global (ASID-tagged) */
#define PTE_GP            (UINT64_C(1) << 50)   /* BTI guarded page */
#define PTE_DBM           (UINT64_C(1) << 51)   /* dirty bit modifier */
#define PTE_CONT          (UINT64_C(1) << 52)   /* contiguous hint */
#define PTE_PXN           (UINT64_C(1) << 53)   /* privileged execute never */
#define PTE_UXN           (UINT64_C(1) << 54)   /* user execute never */
#define PMD_TABLE_PXN     (UINT64_C(1) << 59)   /* PXNTable */

#define PTE_WRITE           PTE_DBM               /* Linux-writable */
#define PTE_DIRTY           (UINT64_C(1) << 55)   /* software dirty */
#define PTE_SPECIAL         (UINT64_C(1) << 56)
#define PTE_PRESENT_INVALID PTE_NG                /* only while Valid = 0 */

#define MT_NORMAL 0
#define OA_SHIFT 12
#define PTE_ADDR_LOW (((UINT64_C(1) << (48 - OA_SHIFT)) - 1) << OA_SHIFT) /* OA[47:12] */

/* User protections (pgprot-prot.h). */
#define _PROT_DEFAULT (PTE_TYPE_PAGE | PTE_AF | PTE_SHARED)
#define _PAGE_DEFAULT (_PROT_DEFAULT | PTE_ATTRINDX(MT_NORMAL))
#define PAGE_NONE ((_PAGE_DEFAULT & ~PTE_VALID) | PTE_PRESENT_INVALID | \
		   PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN)
#define PAGE_READONLY_EXEC (_PAGE_DEFAULT | PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN)

/* Swap PTEs (see the file header). */
#define PTE_SWP_EXCLUSIVE  (UINT64_C(1) << 2)
#define PTE_SWP_MARK       (UINT64_C(1) << 4)   /* memsim: never pte_none */
#define __SWP_OFFSET_SHIFT 12
#define __SWP_OFFSET_BITS  50
#define __SWP_OFFSET_MASK  ((UINT64_C(1) << __SWP_OFFSET_BITS) - 1)

/* arch_level0 of the 4K/52 (LPA2) format, whose first lookup level is -1. */
#define ARM64_LEVEL_MINUS1 ((unsigned)-1)

/* ---- Linux's dirty/write helpers --------------------------------------- */

static int pte_hw_dirty(pte_t e)
{
	return (e & PTE_WRITE) && !(e & PTE_RDONLY);
}

static pte_t arm64_pte_mkdirty(pte_t e)
{
	e |= PTE_DIRTY;
	if (e & PTE_WRITE)
		e &= ~PTE_RDONLY;
	return e;
}

/* Linux's protection_map value for a request, then young/special/dirty. */
static uint64_t arm64_pgprot(unsigned pgp)
{
	uint64_t v;

	if ((pgp & PGP_NONE) || !(pgp & (PGP_READ | PGP_WRITE | PGP_EXEC))) {
		v = PAGE_NONE;
	} else {
		v = PAGE_READONLY_EXEC;
		if (pgp & PGP_WRITE)
			v |= PTE_WRITE;              /* PAGE_SHARED(_EXEC) */
		if (!(pgp & PGP_EXEC))
			v |= PTE_UXN;
	}
	if (!(pgp & PGP_YOUNG))
		v &= ~PTE_AF;                        /* pte_mkold() */
	if (pgp & PGP_SPECIAL)
		v |= PTE_SPECIAL;
	if (pgp & PGP_DIRTY)
		v = arm64_pte_mkdirty(v);
	return v;
}

static uint64_t pfn_oa(pfn_t pfn)
{
	return ((uint64_t)pfn << OA_SHIFT) & PTE_ADDR_LOW;
}

/* ---- entries ------------------------------------------------------------ */

/* A user table descriptor: valid | table | PXNTable (pmd_populate & co). */
static pte_t arm64_mk_table(pfn_t pfn)
{
	return pfn_oa(pfn) | PMD_TYPE_TABLE | PMD_TABLE_PXN;
}

static pte_t arm64_mk_pte(pfn_t pfn, unsigned pgp)
{
	return pfn_oa(pfn) | arm64_pgprot(pgp);
}

/* A block: the page value with bit 1 clear (pmd_mkhuge). */
static pte_t arm64_mk_huge(pfn_t pfn, unsigned pgp)
{
	return arm64_mk_pte(pfn, pgp) & ~PTE_TABLE_BIT;
}

static int arm64_pte_none(pte_t e)
{
	return e == 0;
}

static int arm64_pte_present(pte_t e)
{
	return (e & (PTE_VALID | PTE_PRESENT_INVALID)) != 0;
}

static int arm64_pte_protnone(pte_t e)
{
	return (e & (PTE_VALID | PTE_PRESENT_INVALID)) == PTE_PRESENT_INVALID;
}

/* Upper levels only: at the last level a page has the same two low bits. */
static int arm64_pte_table(pte_t e)
{
	return (e & PTE_TYPE_MASK) == PMD_TYPE_TABLE;
}

static int arm64_pte_huge(pte_t e)
{
	return arm64_pte_present(e) && !(e & PTE_TABLE_BIT);
}

static pfn_t arm64_pte_pfn(pte_t e)
{
	return (pfn_t)((e & PTE_ADDR_LOW) >> OA_SHIFT);
}

static int arm64_pte_write(pte_t e)
{
	return (e & PTE_WRITE) != 0;
}

static int arm64_pte_dirty(pte_t e)
{
	return (e & PTE_DIRTY) || pte_hw_dirty(e);
}

static int arm64_pte_young(pte_t e)
{
	return (e & PTE_AF) != 0;
}

static int arm64_pte_special(pte_t e)
{
	return (e & PTE_SPECIAL) != 0;
}

/* pte_mkwrite_novma: writable; hardware-writable at once only if dirty. */
static pte_t arm64_pte_mkwrite(pte_t e)
{
	e |= PTE_WRITE;
	if (e & PTE_DIRTY)
		e &= ~PTE_RDONLY;
	return e;
}

/* Keep hardware dirtiness in PTE_DIRTY before making it read-only. */
static pte_t arm64_pte_wrprotect(pte_t e)
{
	if (pte_hw_dirty(e))
		e |= PTE_DIRTY;
	return (e & ~PTE_WRITE) | PTE_RDONLY;
}

static pte_t arm64_pte_mkclean(pte_t e)
{
	return (e & ~PTE_DIRTY) | PTE_RDONLY;
}

static pte_t arm64_pte_mkyoung(pte_t e)
{
	return e | PTE_AF;
}

static pte_t arm64_pte_mkold(pte_t e)
{
	return e & ~PTE_AF;
}

/*
 * pte_modify(): permissions, validity and memory type come from `pgp`; the
 * OA, AF, dirtiness, special and the table/block bit stay.  Hardware
 * dirtiness is saved in PTE_DIRTY first and re-applied afterwards, so a
 * dirty writable entry stays hardware-writable.
 */
static pte_t arm64_pte_modify(pte_t e, unsigned pgp)
{
	const uint64_t mask = PTE_USER | PTE_PXN | PTE_UXN | PTE_RDONLY |
			      PTE_PRESENT_INVALID | PTE_VALID | PTE_WRITE |
			      PTE_GP | PTE_ATTRINDX_MASK;

	if (pte_hw_dirty(e))
		e |= PTE_DIRTY;
	e = (e & ~mask) | (arm64_pgprot(pgp & ~PGP_DIRTY) & mask);
	if (e & PTE_DIRTY)
		e = arm64_pte_mkdirty(e);
	return e;
}

/* ---- swap entries ------------------------------------------------------- */

static pte_t arm64_mk_swap(uint64_t offset, int exclusive)
{
	pte_t e = ((offset & __SWP_OFFSET_MASK) << __SWP_OFFSET_SHIFT) | PTE_SWP_MARK;

	return exclusive ? e | PTE_SWP_EXCLUSIVE : e;
}

static int arm64_is_swap(pte_t e)
{
	return !arm64_pte_none(e) && !arm64_pte_present(e);
}

static uint64_t arm64_swap_offset(pte_t e)
{
	return (e >> __SWP_OFFSET_SHIFT) & __SWP_OFFSET_MASK;
}

static int arm64_swap_exclusive(pte_t e)
{
	return (e & PTE_SWP_EXCLUSIVE) != 0;
}

/* ---- the hardware walk -------------------------------------------------- */

/*
 * A user (EL0) access through a leaf, in the architecture's priority order:
 * Valid = 0 is a translation fault; AF = 0 is an access-flag fault unless
 * the hardware sets AF (hw_af); a data access needs AP[1] (PTE_USER), a fetch
 * needs UXN = 0; a write through AP[2] = 1 (PTE_RDONLY) is a permission
 * fault unless DBM is set and the hardware manages dirtiness (hw_af), in
 * which case AP[2] is cleared.  Only a successful access updates *e: an access
 * that faults leaves the entry as it was (the architecture allows the AF
 * update to be skipped then, and Linux does not depend on it).
 */
static enum hw_fault arm64_hw_leaf_access(pte_t *e, unsigned access, int hw_af)
{
	pte_t v = *e;

	if (!(v & PTE_VALID))
		return HWF_NOT_PRESENT;
	if (!(v & PTE_AF)) {
		if (!hw_af)
			return HWF_ACCESS_FLAG;
		v |= PTE_AF;
	}
	if (access == ACC_EXEC) {
		if (v & PTE_UXN)
			return HWF_PROTECTION;
	} else if (!(v & PTE_USER)) {
		return HWF_PROTECTION;
	}
	if (access == ACC_WRITE && (v & PTE_RDONLY)) {
		if (!(v & PTE_DBM) || !hw_af)
			return HWF_PROTECTION;
		v &= ~PTE_RDONLY;
	}
	*e = v;
	return HWF_NONE;
}

static int arm64_hw_table_valid(pte_t e)
{
	return (e & PTE_TYPE_MASK) == PMD_TYPE_TABLE;
}

static int arm64_level0(const struct pt_format *fmt)
{
	return fmt->arch_level0 == ARM64_LEVEL_MINUS1 ? -1 : (int)fmt->arch_level0;
}

/* Lookup level as the architecture numbers it (the last level is 3);
 * -1 when no walk took place (level < 0). */
static int arm64_arch_level(const struct pt_format *fmt, int level)
{
	return level < 0 ? -1 : arm64_level0(fmt) + level;
}

/* The fault status code for fault `f` at architectural level `al`. */
static unsigned arm64_fsc(enum hw_fault f, int al)
{
	switch (f) {
	case HWF_NOT_PRESENT:
		return ESR_ELx_FSC_FAULT_L(al);
	case HWF_ACCESS_FLAG:
		/* only leaves fault on AF/permissions, never level -1 */
		return ESR_ELx_FSC_ACCESS_L(al < 0 ? 0 : al);
	case HWF_PROTECTION:
		return ESR_ELx_FSC_PERM_L(al < 0 ? 0 : al);
	default:
		return 0;
	}
}

/*
 * ESR_EL1 of a user abort: EC = data abort (0x24) or instruction abort (0x20)
 * from a lower EL, IL = 1, WnR for data writes, FSC by fault kind and the
 * architectural level of `level`.  HWF_NONE gives 0.  level < 0 means no walk
 * took place (a kernel, TTBR1, address): the ESR is reported the way
 * set_thread_esr() sanitises it, as a level 0 translation fault
 * (0x92000044 / 0x92000004 / 0x82000004).
 */
static uint64_t arm64_fault_code(const struct pt_format *fmt, enum hw_fault f,
				 unsigned access, int level)
{
	uint64_t esr;

	if (f == HWF_NONE)
		return 0;
	if (access == ACC_EXEC) {
		esr = (uint64_t)ESR_ELx_EC_IABT_LOW << ESR_ELx_EC_SHIFT;
	} else {
		esr = (uint64_t)ESR_ELx_EC_DABT_LOW << ESR_ELx_EC_SHIFT;
		if (access == ACC_WRITE)
			esr |= ESR_ELx_WNR;
	}
	if (level < 0)
		return esr | ESR_ELx_IL | ESR_ELx_FSC_FAULT_L(0);
	return esr | ESR_ELx_IL | arm64_fsc(f, arm64_arch_level(fmt, level));
}

/* What a TLB entry may cache: writes once AP[2] is clear, fetches without
 * UXN, EL0 data access with AP[1]; blocks are huge. */
static uint64_t arm64_tlb_data(pte_t e, int huge)
{
	uint64_t d = (uint64_t)arm64_pte_pfn(e) << 12;

	if ((e & PTE_WRITE) && !(e & PTE_RDONLY))
		d |= TLBE_WRITE;
	if (!(e & PTE_UXN))
		d |= TLBE_EXEC;
	if (e & PTE_USER)
		d |= TLBE_USER;
	if (huge || ((e & PTE_VALID) && !(e & PTE_TABLE_BIT)))
		d |= TLBE_HUGE;
	return d;
}

const struct mmu_arch_ops arm64_mmu_ops = {
	.name = "arm64",
	.access_flags_flush = 1,
	.mk_table = arm64_mk_table,
	.mk_pte = arm64_mk_pte,
	.mk_huge = arm64_mk_huge,
	.pte_none = arm64_pte_none,
	.pte_present = arm64_pte_present,
	.pte_table = arm64_pte_table,
	.pte_huge = arm64_pte_huge,
	.pte_pfn = arm64_pte_pfn,
	.pte_write = arm64_pte_write,
	.pte_dirty = arm64_pte_dirty,
	.pte_young = arm64_pte_young,
	.pte_special = arm64_pte_special,
	.pte_protnone = arm64_pte_protnone,
	.pte_mkwrite = arm64_pte_mkwrite,
	.pte_wrprotect = arm64_pte_wrprotect,
	.pte_mkdirty = arm64_pte_mkdirty,
	.pte_mkclean = arm64_pte_mkclean,
	.pte_mkyoung = arm64_pte_mkyoung,
	.pte_mkold = arm64_pte_mkold,
	.pte_modify = arm64_pte_modify,
	.mk_swap = arm64_mk_swap,
	.is_swap = arm64_is_swap,
	.swap_offset = arm64_swap_offset,
	.swap_exclusive = arm64_swap_exclusive,
	.hw_leaf_access = arm64_hw_leaf_access,
	.hw_table_valid = arm64_hw_table_valid,
	.fault_code = arm64_fault_code,
	.arch_level = arm64_arch_level,
	.tlb_data = arm64_tlb_data,
};

/* ---- formats ------------------------------------------------------------ */

static int arm64_page_shift(unsigned granule)
{
	switch (granule) {
	case 4096:
		return 12;
	case 16384:
		return 14;
	case 65536:
		return 16;
	default:
		return -1;
	}
}

/* The VA sizes Linux offers for a granule (arch/arm64/Kconfig ARM64_VA_BITS_*;
 * 52 needs FEAT_LPA2 on 4K/16K, FEAT_LVA on 64K). */
static const char *arm64_va_choices(int page_shift)
{
	return page_shift == 12 ? "39, 48 or 52" :
	       page_shift == 14 ? "36, 47, 48 or 52" : "42, 48 or 52";
}

static const char *arm64_format_name(int page_shift, unsigned va_bits)
{
	static const struct {
		int page_shift;
		unsigned va_bits;
		const char *name;
	} known[] = {
		{ 12, 39, "arm64-4k-39" },   { 12, 48, "arm64-4k-48" },
		{ 12, 52, "arm64-4k-52" },   { 14, 36, "arm64-16k-36" },
		{ 14, 47, "arm64-16k-47" },  { 14, 48, "arm64-16k-48" },
		{ 14, 52, "arm64-16k-52" },  { 16, 42, "arm64-64k-42" },
		{ 16, 48, "arm64-64k-48" },  { 16, 52, "arm64-64k-52" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].page_shift == page_shift && known[i].va_bits == va_bits)
			return known[i].name;
	return NULL;
}

/*
 * Fill *fmt for a granule (4096/16384/65536) and VA size Linux supports:
 * levels = ARM64_HW_PGTABLE_LEVELS(va_bits) = (va_bits - 4) / (page_shift - 3);
 * every level resolves page_shift - 3 bits except the first, which takes
 * what is left (16K/48: one bit, [47]; 64K/48: six, [47:42]).  The last
 * level is architectural level 3, so arch_level0 = 4 - levels; for 4K/52
 * (five levels, LPA2) that is -1, stored as (unsigned)-1 - read it through
 * ops->arch_level.  huge_level is the level of 2 MiB / 32 MiB / 512 MiB
 * blocks (architectural level 2).  task_size = 2^va_bits.
 * Returns 0, or -1 with a reason in why[] (fmt untouched).
 */
int arm64_pt_format(struct pt_format *fmt, unsigned granule, unsigned va_bits,
		    char *why, size_t whylen)
{
	int ps = arm64_page_shift(granule);
	const char *name;
	unsigned levels, b, i;

	if (ps < 0) {
		if (why && whylen)
			snprintf(why, whylen, "granule %u: must be 4096, 16384 or 65536",
				 granule);
		return -1;
	}
	name = arm64_format_name(ps, va_bits);
	if (!name) {
		if (why && whylen)
			snprintf(why, whylen, "%uK granule with %u-bit VA is not a "
				 "Linux configuration (VA bits: %s)",
				 granule / 1024, va_bits, arm64_va_choices(ps));
		return -1;
	}
	if (!fmt)
		return -1;
	b = (unsigned)ps - 3;
	levels = (va_bits - 4) / b;
	*fmt = (struct pt_format){
		.name = name,
		.levels = levels,
		.page_shift = (unsigned)ps,
		.va_bits = va_bits,
		.huge_level = (int)levels - 2,
		.arch_level0 = (unsigned)(4 - (int)levels),
		.task_size = UINT64_C(1) << va_bits,
	};
	for (i = 0; i < levels; i++) {
		fmt->shift[i] = (unsigned)ps + b * (levels - 1 - i);
		fmt->bits[i] = b;
	}
	fmt->bits[0] = va_bits - fmt->shift[0];
	return 0;
}
