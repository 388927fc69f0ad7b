/*
 * 200-x86-pte.c - x86-64 entry encodings (core/arch/x86_64/pgtable.c):
 * protections, the fault vectors of facts §1.2 / §9 vector 2, the pte_*()
 * helpers, PROT_NONE, swap entries, the hardware A/D updates and TLB words.
 */
#include "arch/pgtable.h"
#include <memsim/tlb.h>

#include "t.h"

static const struct mmu_arch_ops *ops = &x86_64_mmu_ops;

#define P    UINT64_C(0x1)
#define RW   UINT64_C(0x2)
#define US   UINT64_C(0x4)
#define PWT  UINT64_C(0x8)
#define A    UINT64_C(0x20)
#define D    UINT64_C(0x40)
#define PS   UINT64_C(0x80)
#define PNONE UINT64_C(0x100)
#define SPEC UINT64_C(0x200)
#define NX   (UINT64_C(1) << 63)
#define PFN_MASK UINT64_C(0x000ffffffffff000)

static void x86_should_encode_the_anon_write_fault_vector(void)
{
	pfn_t pfn = 0x12345;
	pte_t e = ops->mk_pte(pfn, PGP_READ | PGP_WRITE | PGP_DIRTY | PGP_YOUNG);

	CHECK_EQ(e, UINT64_C(0x8000000000000067) | (uint64_t)pfn << 12);
	/* without PGP_YOUNG the same entry is old (a prefaulted PTE) */
	CHECK_EQ(ops->mk_pte(pfn, PGP_READ | PGP_WRITE | PGP_DIRTY), e & ~A);
	CHECK(ops->pte_write(e));
	CHECK(ops->pte_dirty(e));
	CHECK(ops->pte_young(e));
	CHECK(!ops->pte_special(e));
	CHECK_EQ(ops->pte_pfn(e), pfn);
}

static void x86_should_encode_the_zero_page_read_vector(void)
{
	pfn_t zero = 0x777;
	pte_t e = ops->mk_pte(zero, PGP_READ | PGP_SPECIAL | PGP_YOUNG);

	CHECK_EQ(e, UINT64_C(0x8000000000000225) | (uint64_t)zero << 12);
	CHECK(!ops->pte_write(e));
	CHECK(!ops->pte_dirty(e));
	CHECK(ops->pte_special(e));
	CHECK(ops->pte_present(e));
	CHECK(!ops->pte_protnone(e));
}

static void x86_should_build_linux_protections(void)
{
	const unsigned Y = PGP_YOUNG;
	pfn_t pfn = 1;
	uint64_t pa = (uint64_t)pfn << 12;

	/* PAGE_READONLY / PAGE_COPY */
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_READ), pa | P | US | A | NX);
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_READ | PGP_MAYWRITE), pa | P | US | A | NX);
	/* PAGE_SHARED: writable only when PGP_WRITE says so */
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_SHARED | PGP_READ | PGP_WRITE), pa | P | RW | US | A | NX);
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_SHARED | PGP_READ | PGP_MAYWRITE), pa | P | US | A | NX);
	/* _EXEC variants drop NX */
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_READ | PGP_EXEC), pa | P | US | A);
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_READ | PGP_WRITE | PGP_EXEC), pa | P | RW | US | A);
	CHECK_EQ(ops->mk_pte(pfn, Y | PGP_EXEC), pa | P | US | A);
}

static void x86_should_build_old_entries_without_pgp_young(void)
{
	pte_t e = ops->mk_pte(3, PGP_READ | PGP_WRITE);

	CHECK_EQ(e, UINT64_C(0x3000) | P | RW | US | NX);
	CHECK(!ops->pte_young(e));
	CHECK_EQ(ops->pte_mkyoung(e), ops->mk_pte(3, PGP_READ | PGP_WRITE | PGP_YOUNG));
	/* the CPU makes it young on first use, without a fault */
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 0), HWF_NONE);
	CHECK(ops->pte_young(e));
	CHECK(!ops->pte_young(ops->mk_huge(0x200, PGP_READ)));
	CHECK(!ops->pte_young(ops->mk_pte(3, PGP_NONE)));
}

static void x86_should_build_permissive_tables(void)
{
	pte_t t = ops->mk_table(0x42);

	CHECK_EQ(t, UINT64_C(0x42000) | 0x67);
	CHECK(ops->pte_table(t));
	CHECK(ops->hw_table_valid(t));
	CHECK(!ops->pte_huge(t));
	CHECK_EQ(ops->pte_pfn(t), 0x42);
	CHECK(!ops->hw_table_valid(0));
	CHECK(!ops->pte_table(0));
}

static void x86_should_build_ps_leaves(void)
{
	pte_t h = ops->mk_huge(0x200, PGP_READ | PGP_WRITE | PGP_DIRTY | PGP_YOUNG);

	CHECK_EQ(h, UINT64_C(0x200000) | P | RW | US | A | D | PS | NX);
	CHECK(ops->pte_huge(h));
	CHECK(!ops->pte_table(h));
	CHECK(!ops->hw_table_valid(h));
	CHECK_EQ(ops->pte_pfn(h), 0x200);
	CHECK(!ops->pte_huge(ops->mk_pte(0x200, PGP_READ)));
	/* a PROT_NONE PMD is still huge and present for Linux */
	h = ops->mk_huge(0x200, PGP_NONE);
	CHECK(ops->pte_huge(h));
	CHECK(ops->pte_protnone(h));
	CHECK_EQ(ops->pte_pfn(h), 0x200);
}

static void x86_should_change_bits_like_the_pte_helpers(void)
{
	pte_t e = ops->mk_pte(9, PGP_READ | PGP_YOUNG);

	e = ops->pte_mkwrite(e);
	CHECK_EQ(e & RW, RW);
	CHECK(!ops->pte_dirty(e));
	e = ops->pte_mkdirty(e);
	CHECK_EQ(e & D, D);
	e = ops->pte_wrprotect(e);
	CHECK_EQ(e & RW, 0);
	CHECK(ops->pte_dirty(e));               /* no SAVED_DIRTY shuffle */
	e = ops->pte_mkclean(e);
	CHECK_EQ(e & D, 0);
	e = ops->pte_mkold(e);
	CHECK(!ops->pte_young(e));
	CHECK_EQ(e & A, 0);
	e = ops->pte_mkyoung(e);
	CHECK(ops->pte_young(e));
	CHECK_EQ(ops->pte_pfn(e), 9);
	CHECK_EQ(e, ops->mk_pte(9, PGP_READ | PGP_YOUNG));
}

static void x86_should_keep_prot_none_present_but_not_hw_valid(void)
{
	pfn_t pfn = 0x1234;
	pte_t e = ops->mk_pte(pfn, PGP_NONE | PGP_YOUNG);
	pte_t v = e;

	CHECK_EQ(e & (P | PNONE | A), PNONE | A);
	CHECK_EQ(e & NX, 0);
	CHECK(ops->pte_present(e));
	CHECK(ops->pte_protnone(e));
	CHECK(!ops->is_swap(e));
	CHECK(!ops->pte_none(e));
	CHECK_EQ(ops->pte_pfn(e), pfn);
	/* L1TF: the PFN field of a not-present entry is stored inverted */
	CHECK_EQ(e & PFN_MASK, ~((uint64_t)pfn << 12) & PFN_MASK);
	/* no permission at all is PROT_NONE too (protection_map[VM_NONE]) */
	CHECK_EQ(ops->mk_pte(pfn, PGP_YOUNG), e);
	/* the CPU sees P=0 */
	CHECK_EQ(ops->hw_leaf_access(&v, ACC_READ, 1), HWF_NOT_PRESENT);
	CHECK_EQ(v, e);
	CHECK(!ops->hw_table_valid(e));
}

static void x86_should_modify_protections_keeping_pfn_and_state(void)
{
	pfn_t pfn = 0xabcde;
	pte_t e = ops->mk_pte(pfn, PGP_READ | PGP_WRITE | PGP_DIRTY | PGP_SPECIAL);
	pte_t m;

	e = ops->pte_mkold(e);
	m = ops->pte_modify(e, PGP_READ);
	CHECK(!ops->pte_write(m));
	CHECK(ops->pte_dirty(m));
	CHECK(!ops->pte_young(m));
	CHECK(ops->pte_special(m));
	CHECK_EQ(ops->pte_pfn(m), pfn);
	/* into PROT_NONE: the PFN field flips, the PFN does not change */
	m = ops->pte_modify(e, PGP_NONE);
	CHECK(ops->pte_protnone(m));
	CHECK(ops->pte_dirty(m));
	CHECK_EQ(ops->pte_pfn(m), pfn);
	CHECK_EQ(m & PFN_MASK, ~((uint64_t)pfn << 12) & PFN_MASK);
	/* and back */
	m = ops->pte_modify(m, PGP_READ | PGP_WRITE);
	CHECK_EQ(m, e);
	/* huge leaves stay huge */
	m = ops->pte_modify(ops->mk_huge(0x400, PGP_READ), PGP_READ | PGP_WRITE);
	CHECK(ops->pte_huge(m));
	CHECK(ops->pte_write(m));
	/* pte_modify ignores PGP_DIRTY: dirtiness is kept, not set */
	m = ops->pte_modify(ops->mk_pte(pfn, PGP_READ), PGP_READ | PGP_WRITE | PGP_DIRTY);
	CHECK(!ops->pte_dirty(m));
}

static void x86_should_round_trip_swap_entries(void)
{
	static const uint64_t offs[] = { 0, 1, 2, 0x1234, UINT64_C(0xfffffffff),
					 (UINT64_C(1) << 50) - 2 };
	size_t i;
	int ex;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (ex = 0; ex <= 1; ex++) {
			pte_t e = ops->mk_swap(offs[i], ex);

			CHECK(ops->is_swap(e));
			CHECK(!ops->pte_none(e));
			CHECK(!ops->pte_present(e));
			CHECK(!ops->pte_protnone(e));
			CHECK(!ops->pte_huge(e));
			CHECK_EQ(e & (P | PS | PNONE), 0);
			CHECK_EQ(e >> 59, 0);            /* type 0 */
			CHECK_EQ(ops->swap_offset(e), offs[i]);
			CHECK_EQ(ops->swap_exclusive(e), ex);
			CHECK_EQ(e & PWT, ex ? PWT : 0);
		}
	}
	/* the offset is stored inverted in bits 9..58 */
	CHECK_EQ(ops->mk_swap(0, 0), UINT64_C(0x07fffffffffffe00));
	CHECK_EQ(ops->mk_swap(1, 1), UINT64_C(0x07fffffffffffc08));
	CHECK(!ops->is_swap(0));
	CHECK(!ops->is_swap(ops->mk_pte(1, PGP_READ)));
	CHECK(!ops->is_swap(ops->mk_pte(1, PGP_NONE)));
}

static void x86_should_fault_or_set_a_and_d_on_access(void)
{
	pte_t ro = ops->pte_mkold(ops->mk_pte(5, PGP_READ));
	pte_t rw = ops->pte_mkold(ops->mk_pte(5, PGP_READ | PGP_WRITE));
	pte_t x = ops->pte_mkold(ops->mk_pte(5, PGP_READ | PGP_EXEC));
	pte_t k = ro & ~US, e;

	e = 0;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NOT_PRESENT);
	CHECK_EQ(e, 0);
	e = ops->mk_swap(3, 1);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_NOT_PRESENT);
	e = k;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_PROTECTION);
	CHECK_EQ(e, k);
	e = ro;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_PROTECTION);
	CHECK_EQ(e, ro);                         /* no A on a faulting access */
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_EXEC, 0), HWF_PROTECTION);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 0), HWF_NONE);
	CHECK_EQ(e, ro | A);
	e = rw;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NONE);
	CHECK_EQ(e, rw | A);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_NONE);
	CHECK_EQ(e, rw | A | D);
	CHECK(ops->pte_dirty(e));
	e = x;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_EXEC, 1), HWF_NONE);
	CHECK_EQ(e, x | A);
}

static void x86_should_describe_leaves_to_the_tlb(void)
{
	pte_t rw = ops->mk_pte(0x99, PGP_READ | PGP_WRITE);
	pte_t rwd = ops->pte_mkdirty(rw);

	CHECK_EQ(ops->tlb_data(rw, 0), (UINT64_C(0x99) << 12) | TLBE_USER);
	CHECK_EQ(ops->tlb_data(rwd, 0), (UINT64_C(0x99) << 12) | TLBE_USER | TLBE_WRITE);
	CHECK_EQ(ops->tlb_data(ops->mk_pte(0x99, PGP_READ | PGP_EXEC), 0),
		 (UINT64_C(0x99) << 12) | TLBE_USER | TLBE_EXEC);
	CHECK_EQ(ops->tlb_data(ops->mk_huge(0x200, PGP_READ | PGP_WRITE | PGP_DIRTY), 1),
		 (UINT64_C(0x200) << 12) | TLBE_USER | TLBE_WRITE | TLBE_HUGE);
	CHECK_EQ(ops->tlb_data(ops->mk_huge(0x200, PGP_READ), 0) & TLBE_HUGE, TLBE_HUGE);
	CHECK_EQ(ops->tlb_data(rwd & ~US, 0) & TLBE_USER, 0);
}

static void x86_should_name_itself(void)
{
	CHECK_STR(ops->name, "x86_64");
	CHECK(ops->pte_none(0));
	CHECK(!ops->pte_present(0));
}

int main(void)
{
	RUN(x86_should_encode_the_anon_write_fault_vector);
	RUN(x86_should_encode_the_zero_page_read_vector);
	RUN(x86_should_build_linux_protections);
	RUN(x86_should_build_old_entries_without_pgp_young);
	RUN(x86_should_build_permissive_tables);
	RUN(x86_should_build_ps_leaves);
	RUN(x86_should_change_bits_like_the_pte_helpers);
	RUN(x86_should_keep_prot_none_present_but_not_hw_valid);
	RUN(x86_should_modify_protections_keeping_pfn_and_state);
	RUN(x86_should_round_trip_swap_entries);
	RUN(x86_should_fault_or_set_a_and_d_on_access);
	RUN(x86_should_describe_leaves_to_the_tlb);
	RUN(x86_should_name_itself);
	return T_DONE();
}
