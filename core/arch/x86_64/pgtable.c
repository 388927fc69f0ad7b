/*
 * arch/x86_64/pgtable.c - x86-64 page-table entries, paging formats and the
 * #PF error code, behind struct mmu_arch_ops (R4) and struct pt_format (R5).
 *
 * Mirrors:
 *   arch/x86/include/asm/pgtable_types.h  bit names, _PAGE_TABLE, the user
 *                                         protections (PAGE_NONE, PAGE_COPY,
 *                                         PAGE_SHARED, ..._EXEC), _PAGE_CHG_MASK
 *   arch/x86/include/asm/pgtable.h        pte_*() helpers, pte_modify()
 *   arch/x86/include/asm/pgtable_64.h     the swap-PTE layout
 *   arch/x86/include/asm/pgtable-invert.h L1TF: the PFN of a PROT_NONE entry
 *                                         is stored inverted
 *   arch/x86/include/asm/pgtable_64_types.h  4/5-level shifts, TASK_SIZE_MAX
 *   Intel SDM vol. 3A 4.5-4.8             what the CPU checks on a user access
 *                                         and when it sets A and D
 *
 * Simplifies: no PAT/PCD/PWT cache modes, no protection keys, no shadow
 * stacks (so no _PAGE_SAVED_DIRTY shuffling in pte_wrprotect), no soft-dirty,
 * uffd-wp or devmap bits, no 1 GiB leaves, a single swap device (type 0), and
 * only user-mode accesses (supervisor entries are never built; the U bit of
 * every error code is set).
 *
 * Encoding choices (Linux's own):
 *   - A comes from PGP_YOUNG.  Every Linux user protection carries A and
 *     Linux makes a prefaulted PTE old with pte_mkold(); memsim's mm/ asks for
 *     young entries with PGP_YOUNG and installs old ones (fault-around, THP
 *     split of an old PMD) by leaving it out.  PGP_SHARED and PGP_MAYWRITE do
 *     not change the x86 encoding (PAGE_SHARED and PAGE_COPY differ only in
 *     RW, which is PGP_WRITE).
 *   - No read/write/exec permission (or PGP_NONE) gives PAGE_NONE:
 *     PROTNONE (bit 8, the G bit reused while P=0) (| A if young), and the
 *     PFN field is stored inverted (L1TF mitigation), so pte_pfn() must be
 *     used to read it.
 *   - Swap PTE (Linux's layout):
 *       | TYPE (59-63) | ~OFFSET (9-58) | 0 | 0 | 0 0 0 | E (3) | 0 0 | P=0 |
 *     the offset is stored inverted (so its high bits point above any real
 *     memory, and offset 0 is not pte_none), type is always 0, bit 8
 *     (PROTNONE) and bit 7 (PSE) are always 0 so a swap PTE is never
 *     pte_present(), and E = bit 3 (_PAGE_PWT) is _PAGE_SWP_EXCLUSIVE.
 *     Offsets use 50 bits: 0 .. 2^50 - 2 round-trip (2^50 - 1 would invert
 *     to pte_none, as in Linux; a swap device that large cannot exist here).
 */
#include "arch/pgtable.h"
#include "arch/x86_64/trap_pf.h"

#include <memsim/tlb.h>

#define PAGE_SHIFT 12

#define _PAGE_BIT_PRESENT  0
#define _PAGE_BIT_RW       1
#define _PAGE_BIT_USER     2
#define _PAGE_BIT_PWT      3
#define _PAGE_BIT_PCD      4
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY    6
#define _PAGE_BIT_PSE      7
#define _PAGE_BIT_GLOBAL   8
#define _PAGE_BIT_SOFTW1   9
#define _PAGE_BIT_NX       63

#define _PAGE_PRESENT  (UINT64_C(1) << _PAGE_BIT_PRESENT)
#define _PAGE_RW       (UINT64_C(1) << _PAGE_BIT_RW)
#define _PAGE_USER     (UINT64_C(1) << _PAGE_BIT_USER)
#define _PAGE_PWT      (UINT64_C(1) << _PAGE_BIT_PWT)
#define _PAGE_PCD      (UINT64_C(1) << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED (UINT64_C(1) << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY    (UINT64_C(1) << _PAGE_BIT_DIRTY)
#define _PAGE_PSE      (UINT64_C(1) << _PAGE_BIT_PSE)
#define _PAGE_GLOBAL   (UINT64_C(1) << _PAGE_BIT_GLOBAL)
#define _PAGE_SOFTW1   (UINT64_C(1) << _PAGE_BIT_SOFTW1)
#define _PAGE_NX       (UINT64_C(1) << _PAGE_BIT_NX)

#define _PAGE_PROTNONE _PAGE_GLOBAL   /* only while P=0 */
#define _PAGE_SPECIAL  _PAGE_SOFTW1

#define PTE_PFN_MASK   UINT64_C(0x000ffffffffff000)   /* bits 12..51 */

/* Upper-level user tables are permissive; the leaf decides. */
#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Bits pte_modify() keeps from the old entry (bit 7 is PAT in a PTE and PSE
 * in a PMD leaf: kept either way, as _PAGE_CHG_MASK / _HPAGE_CHG_MASK do). */
#define _PAGE_CHG_MASK (PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | \
			_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE)

/* Swap PTEs (see the file header). */
#define SWP_TYPE_BITS        5
#define SWP_OFFSET_FIRST_BIT (_PAGE_BIT_GLOBAL + 1)
#define SWP_OFFSET_SHIFT     (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)
#define _PAGE_SWP_EXCLUSIVE  _PAGE_PWT

/* ---- protections ------------------------------------------------------- */

/* Linux's protection_map value for a request, then young/dirty/special. */
static uint64_t x86_pgprot(unsigned pgp)
{
	uint64_t v;

	if ((pgp & PGP_NONE) || !(pgp & (PGP_READ | PGP_WRITE | PGP_EXEC))) {
		v = _PAGE_PROTNONE | _PAGE_ACCESSED;          /* PAGE_NONE */
	} else {
		v = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED; /* PAGE_READONLY_EXEC */
		if (pgp & PGP_WRITE)
			v |= _PAGE_RW;                        /* PAGE_SHARED* */
		if (!(pgp & PGP_EXEC))
			v |= _PAGE_NX;
	}
	if (!(pgp & PGP_YOUNG))
		v &= ~_PAGE_ACCESSED;                         /* pte_mkold() */
	if (pgp & PGP_DIRTY)
		v |= _PAGE_DIRTY;
	if (pgp & PGP_SPECIAL)
		v |= _PAGE_SPECIAL;
	return v;
}

/* L1TF: a non-zero entry with P=0 (PROT_NONE) keeps its PFN inverted. */
static int pte_needs_invert(uint64_t val)
{
	return val && !(val & _PAGE_PRESENT);
}

static uint64_t protnone_mask(uint64_t val)
{
	return pte_needs_invert(val) ? PTE_PFN_MASK : 0;
}

static pte_t pfn_pte(pfn_t pfn, uint64_t prot)
{
	uint64_t pa = ((uint64_t)pfn << PAGE_SHIFT) & PTE_PFN_MASK;

	return ((pa ^ protnone_mask(prot)) & PTE_PFN_MASK) | prot;
}

/* ---- entries ------------------------------------------------------------ */

static pte_t x86_mk_table(pfn_t pfn)
{
	return pfn_pte(pfn, _PAGE_TABLE);
}

static pte_t x86_mk_pte(pfn_t pfn, unsigned pgp)
{
	return pfn_pte(pfn, x86_pgprot(pgp));
}

static pte_t x86_mk_huge(pfn_t pfn, unsigned pgp)
{
	return pfn_pte(pfn, x86_pgprot(pgp) | _PAGE_PSE);
}

static int x86_pte_none(pte_t e)
{
	return e == 0;
}

static int x86_pte_present(pte_t e)
{
	return (e & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0;
}

static int x86_pte_protnone(pte_t e)
{
	return (e & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}

/* A table pointer: present and not a PS=1 leaf. */
static int x86_pte_table(pte_t e)
{
	return (e & (_PAGE_PRESENT | _PAGE_PSE)) == _PAGE_PRESENT;
}

static int x86_pte_huge(pte_t e)
{
	return x86_pte_present(e) && (e & _PAGE_PSE);
}

static pfn_t x86_pte_pfn(pte_t e)
{
	return (pfn_t)(((e ^ protnone_mask(e)) & PTE_PFN_MASK) >> PAGE_SHIFT);
}

static int x86_pte_write(pte_t e)
{
	return (e & _PAGE_RW) != 0;
}

static int x86_pte_dirty(pte_t e)
{
	return (e & _PAGE_DIRTY) != 0;
}

static int x86_pte_young(pte_t e)
{
	return (e & _PAGE_ACCESSED) != 0;
}

static int x86_pte_special(pte_t e)
{
	return (e & _PAGE_SPECIAL) != 0;
}

static pte_t x86_pte_mkwrite(pte_t e)
{
	return e | _PAGE_RW;
}

static pte_t x86_pte_wrprotect(pte_t e)
{
	return e & ~_PAGE_RW;
}

static pte_t x86_pte_mkdirty(pte_t e)
{
	return e | _PAGE_DIRTY;
}

static pte_t x86_pte_mkclean(pte_t e)
{
	return e & ~_PAGE_DIRTY;
}

static pte_t x86_pte_mkyoung(pte_t e)
{
	return e | _PAGE_ACCESSED;
}

static pte_t x86_pte_mkold(pte_t e)
{
	return e & ~_PAGE_ACCESSED;
}

/*
 * pte_modify(): the protection bits come from `pgp`; PFN, A, D, special and
 * PSE stay.  When the entry moves into or out of PROT_NONE the PFN field is
 * flipped so that it stays inverted exactly while P=0 (flip_protnone_guard).
 */
static pte_t x86_pte_modify(pte_t e, unsigned pgp)
{
	uint64_t val = (e & _PAGE_CHG_MASK) | (x86_pgprot(pgp) & ~_PAGE_CHG_MASK);

	if (pte_needs_invert(e) != pte_needs_invert(val))
		val ^= PTE_PFN_MASK;
	return val;
}

/* ---- swap entries ------------------------------------------------------- */

static pte_t x86_mk_swap(uint64_t offset, int exclusive)
{
	pte_t e = (~offset << SWP_OFFSET_SHIFT) >> SWP_TYPE_BITS;   /* type 0 */

	return exclusive ? e | _PAGE_SWP_EXCLUSIVE : e;
}

static int x86_is_swap(pte_t e)
{
	return !x86_pte_none(e) && !x86_pte_present(e);
}

static uint64_t x86_swap_offset(pte_t e)
{
	return (~e << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT;
}

static int x86_swap_exclusive(pte_t e)
{
	return (e & _PAGE_SWP_EXCLUSIVE) != 0;
}

/* ---- the hardware walk -------------------------------------------------- */

/*
 * A user access through a leaf (SDM 4.6): P=0 is a not-present fault; U/S=0,
 * a write without R/W, or a fetch with XD are protection faults.  On success
 * the CPU sets A, and D on a write; on a fault the entry is left unchanged.
 * hw_af is an arm64 notion: x86 always manages A/D in hardware.
 */
static enum hw_fault x86_hw_leaf_access(pte_t *e, unsigned access, int hw_af)
{
	pte_t v = *e;

	(void)hw_af;
	if (!(v & _PAGE_PRESENT))
		return HWF_NOT_PRESENT;
	if (!(v & _PAGE_USER))
		return HWF_PROTECTION;
	if (access == ACC_WRITE && !(v & _PAGE_RW))
		return HWF_PROTECTION;
	if (access == ACC_EXEC && (v & _PAGE_NX))
		return HWF_PROTECTION;
	v |= _PAGE_ACCESSED;
	if (access == ACC_WRITE)
		v |= _PAGE_DIRTY;
	*e = v;
	return HWF_NONE;
}

static int x86_hw_table_valid(pte_t e)
{
	return x86_pte_table(e);
}

/*
 * The #PF error code of a user access: U always, W for writes, I for fetches,
 * P for protection faults.  x86 has no access-flag fault; HWF_ACCESS_FLAG is
 * reported as not-present.  HWF_NONE gives 0.  A table level plays no part;
 * level < 0 means no walk took place (an address at or above TASK_SIZE_MAX)
 * and, as sanitize_error_code() does, forces P on so user space cannot tell
 * mapped from unmapped kernel pages.
 */
static uint64_t x86_fault_code(const struct pt_format *fmt, enum hw_fault f,
			       unsigned access, int level)
{
	uint64_t code = X86_PF_USER;

	(void)fmt;
	if (f == HWF_NONE)
		return 0;
	if (f == HWF_PROTECTION || level < 0)
		code |= X86_PF_PROT;
	if (access == ACC_WRITE)
		code |= X86_PF_WRITE;
	else if (access == ACC_EXEC)
		code |= X86_PF_INSTR;
	return code;
}

/* 5 = PML5, 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT; -1 when no walk took place. */
static int x86_arch_level(const struct pt_format *fmt, int level)
{
	return level < 0 ? -1 : (int)fmt->arch_level0 - level;
}

/* What a TLB entry may cache: writes only once D is set (else the CPU walks
 * again to set it), fetches only without XD. */
static uint64_t x86_tlb_data(pte_t e, int huge)
{
	uint64_t d = (uint64_t)x86_pte_pfn(e) << 12;

	if ((e & _PAGE_RW) && (e & _PAGE_DIRTY))
		d |= TLBE_WRITE;
	if (!(e & _PAGE_NX))
		d |= TLBE_EXEC;
	if (e & _PAGE_USER)
		d |= TLBE_USER;
	if (huge || (e & _PAGE_PSE))
		d |= TLBE_HUGE;
	return d;
}

const struct mmu_arch_ops x86_64_mmu_ops = {
	.name = "x86_64",
	.access_flags_flush = 0,
	.mk_table = x86_mk_table,
	.mk_pte = x86_mk_pte,
	.mk_huge = x86_mk_huge,
	.pte_none = x86_pte_none,
	.pte_present = x86_pte_present,
	.pte_table = x86_pte_table,
	.pte_huge = x86_pte_huge,
	.pte_pfn = x86_pte_pfn,
	.pte_write = x86_pte_write,
	.pte_dirty = x86_pte_dirty,
	.pte_young = x86_pte_young,
	.pte_special = x86_pte_special,
	.pte_protnone = x86_pte_protnone,
	.pte_mkwrite = x86_pte_mkwrite,
	.pte_wrprotect = x86_pte_wrprotect,
	.pte_mkdirty = x86_pte_mkdirty,
	.pte_mkclean = x86_pte_mkclean,
	.pte_mkyoung = x86_pte_mkyoung,
	.pte_mkold = x86_pte_mkold,
	.pte_modify = x86_pte_modify,
	.mk_swap = x86_mk_swap,
	.is_swap = x86_is_swap,
	.swap_offset = x86_swap_offset,
	.swap_exclusive = x86_swap_exclusive,
	.hw_leaf_access = x86_hw_leaf_access,
	.hw_table_valid = x86_hw_table_valid,
	.fault_code = x86_fault_code,
	.arch_level = x86_arch_level,
	.tlb_data = x86_tlb_data,
};

/* ---- formats ------------------------------------------------------------ */

/*
 * Fill *fmt for 4-level (48-bit, PML4 [47:39] PDPT [38:30] PD [29:21]
 * PT [20:12]) or 5-level (LA57, PML5 [56:48] on top) paging.  The user half
 * ends one page below 2^47 (2^56), as TASK_SIZE_MAX does; huge leaves are
 * 2 MiB PD entries.  Returns 0, or -1 (fmt untouched) for another level count.
 */
int x86_64_pt_format(struct pt_format *fmt, unsigned levels)
{
	unsigned i;

	if (!fmt || (levels != 4 && levels != 5))
		return -1;
	*fmt = (struct pt_format){
		.name = levels == 4 ? "x86_64-4level" : "x86_64-5level",
		.levels = levels,
		.page_shift = PAGE_SHIFT,
		.va_bits = levels == 4 ? 47 : 56,
		.huge_level = (int)levels - 2,
		.arch_level0 = levels,
	};
	for (i = 0; i < levels; i++) {
		fmt->shift[i] = PAGE_SHIFT + 9 * (levels - 1 - i);
		fmt->bits[i] = 9;
	}
	fmt->task_size = (UINT64_C(1) << fmt->va_bits) - (UINT64_C(1) << PAGE_SHIFT);
	return 0;
}
