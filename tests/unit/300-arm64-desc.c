/*
 * 300-arm64-desc.c - arm64 descriptor encodings (core/arch/arm64/pgtable.c):
 * Linux's protections, the software-dirty truth table (facts §2.4, §9
 * vector 8), tables / pages / blocks, PROT_NONE, swap entries, the hardware
 * AF/DBM behaviour with hw_af on and off, and TLB words.
 */
#include "arch/pgtable.h"
#include <memsim/tlb.h>

#include "t.h"

static const struct mmu_arch_ops *ops = &arm64_mmu_ops;

#define VALID   UINT64_C(0x1)
#define TABLE   UINT64_C(0x2)
#define USER    (UINT64_C(1) << 6)
#define RDONLY  (UINT64_C(1) << 7)
#define SH      (UINT64_C(3) << 8)
#define AF      (UINT64_C(1) << 10)
#define NG      (UINT64_C(1) << 11)
#define WRITE   (UINT64_C(1) << 51)
#define PXN     (UINT64_C(1) << 53)
#define UXN     (UINT64_C(1) << 54)
#define DIRTY   (UINT64_C(1) << 55)
#define SPECIAL (UINT64_C(1) << 56)
#define PXNTABLE (UINT64_C(1) << 59)

/* (RDONLY, WRITE, PTE_DIRTY) of an entry, as in the facts' truth table. */
static unsigned rwd(pte_t e)
{
	return (unsigned)(((e & RDONLY) ? 4 : 0) | ((e & WRITE) ? 2 : 0) | ((e & DIRTY) ? 1 : 0));
}

static void arm64_should_encode_the_anon_write_fault_pte(void)
{
	pfn_t pfn = 0x4567;
	pte_t e = ops->mk_pte(pfn, PGP_READ | PGP_WRITE | PGP_DIRTY | PGP_YOUNG);

	CHECK_EQ(e, UINT64_C(0x00E8000000000F43) | (uint64_t)pfn << 12);
	/* without PGP_YOUNG the same entry is old (a prefaulted PTE) */
	CHECK_EQ(ops->mk_pte(pfn, PGP_READ | PGP_WRITE | PGP_DIRTY), e & ~AF);
	CHECK(ops->pte_write(e));
	CHECK(ops->pte_dirty(e));
	CHECK(ops->pte_young(e));
	CHECK_EQ(ops->pte_pfn(e), pfn);
}

static void arm64_should_build_linux_protections(void)
{
	const unsigned Y = PGP_YOUNG;
	uint64_t pa = UINT64_C(0x3000);
	uint64_t ro = pa | VALID | TABLE | USER | RDONLY | SH | AF | NG | PXN | UXN;

	/* PAGE_READONLY, also for private writable mappings (PAGE_COPY) */
	CHECK_EQ(ops->mk_pte(3, Y | PGP_READ), ro);
	CHECK_EQ(ro, pa | UINT64_C(0x0060000000000FC3));
	CHECK_EQ(ops->mk_pte(3, Y | PGP_READ | PGP_MAYWRITE), ro);
	/* PAGE_SHARED: DBM (PTE_WRITE) with RDONLY: clean writable */
	CHECK_EQ(ops->mk_pte(3, Y | PGP_SHARED | PGP_READ | PGP_WRITE), ro | WRITE);
	/* _EXEC variants clear UXN */
	CHECK_EQ(ops->mk_pte(3, Y | PGP_READ | PGP_EXEC), ro & ~UXN);
	CHECK_EQ(ops->mk_pte(3, Y | PGP_EXEC), ro & ~UXN);
	/* the zero page */
	CHECK_EQ(ops->mk_pte(3, Y | PGP_READ | PGP_SPECIAL), ro | SPECIAL);
	CHECK(ops->pte_special(ops->mk_pte(3, PGP_READ | PGP_SPECIAL)));
	/* old entries: AF clear */
	CHECK_EQ(ops->mk_pte(3, PGP_READ), ro & ~AF);
	CHECK(!ops->pte_young(ops->mk_huge(0x200, PGP_READ)));
	/* dirty read-only: PTE_DIRTY, RDONLY kept */
	CHECK_EQ(rwd(ops->mk_pte(3, PGP_READ | PGP_DIRTY)), 5);
}

static void arm64_should_follow_the_dirty_truth_table(void)
{
	pte_t clean_ro = ops->mk_pte(1, PGP_READ);
	pte_t clean_w = ops->mk_pte(1, PGP_READ | PGP_WRITE);
	pte_t dirty_w = ops->mk_pte(1, PGP_READ | PGP_WRITE | PGP_DIRTY);
	pte_t hw_dirty = clean_w & ~RDONLY;
	pte_t dirty_ro = ops->pte_wrprotect(dirty_w);

	CHECK_EQ(rwd(clean_ro), 4);
	CHECK(!ops->pte_dirty(clean_ro));
	CHECK(!ops->pte_write(clean_ro));
	CHECK_EQ(rwd(clean_w), 6);
	CHECK(!ops->pte_dirty(clean_w));
	CHECK(ops->pte_write(clean_w));
	CHECK_EQ(rwd(dirty_w), 3);
	CHECK(ops->pte_dirty(dirty_w));
	CHECK_EQ(rwd(hw_dirty), 2);              /* (0,1,0): dirty by hardware */
	CHECK(ops->pte_dirty(hw_dirty));
	CHECK_EQ(rwd(dirty_ro), 5);              /* (1,0,1) */
	CHECK(ops->pte_dirty(dirty_ro));
	CHECK(!ops->pte_write(dirty_ro));
}

static void arm64_should_move_dirtiness_like_linux(void)
{
	pte_t e = ops->mk_pte(1, PGP_READ);

	/* mkwrite on a clean entry keeps it hardware read-only */
	CHECK_EQ(rwd(ops->pte_mkwrite(e)), 6);
	/* mkdirty without WRITE only sets PTE_DIRTY */
	CHECK_EQ(rwd(ops->pte_mkdirty(e)), 5);
	/* mkwrite(mkdirty()) and mkdirty(mkwrite()) both give (0,1,1) */
	CHECK_EQ(rwd(ops->pte_mkwrite(ops->pte_mkdirty(e))), 3);
	CHECK_EQ(rwd(ops->pte_mkdirty(ops->pte_mkwrite(e))), 3);
	/* wrprotect saves hardware dirtiness in PTE_DIRTY */
	e = ops->mk_pte(1, PGP_READ | PGP_WRITE) & ~RDONLY;
	CHECK_EQ(rwd(ops->pte_wrprotect(e)), 5);
	/* mkclean drops both kinds */
	CHECK_EQ(rwd(ops->pte_mkclean(e)), 6);
	CHECK(!ops->pte_dirty(ops->pte_mkclean(e)));
	CHECK_EQ(rwd(ops->pte_mkclean(ops->mk_pte(1, PGP_READ | PGP_WRITE | PGP_DIRTY))), 6);
	/* young */
	e = ops->pte_mkold(e);
	CHECK_EQ(e & AF, 0);
	CHECK(!ops->pte_young(e));
	CHECK(ops->pte_young(ops->pte_mkyoung(e)));
}

static void arm64_should_tell_tables_pages_and_blocks_apart(void)
{
	pte_t t = ops->mk_table(0x77);
	pte_t p = ops->mk_pte(0x200, PGP_READ);
	pte_t b = ops->mk_huge(0x200, PGP_READ | PGP_WRITE | PGP_DIRTY);

	CHECK_EQ(t, UINT64_C(0x77000) | VALID | TABLE | PXNTABLE);
	CHECK(ops->pte_table(t));
	CHECK(ops->hw_table_valid(t));
	CHECK_EQ(ops->pte_pfn(t), 0x77);
	CHECK(!ops->pte_huge(t));
	CHECK_EQ(p & 3, 3);                      /* a page at the last level */
	CHECK(!ops->pte_huge(p));
	CHECK_EQ(b & 3, 1);                      /* a block */
	CHECK_EQ(b, ops->mk_pte(0x200, PGP_READ | PGP_WRITE | PGP_DIRTY) & ~TABLE);
	CHECK(ops->pte_huge(b));
	CHECK(!ops->pte_table(b));
	CHECK(!ops->hw_table_valid(b));
	CHECK_EQ(ops->pte_pfn(b), 0x200);
	CHECK(!ops->hw_table_valid(0));
	b = ops->mk_huge(0x200, PGP_NONE);
	CHECK(ops->pte_huge(b));
	CHECK(ops->pte_protnone(b));
}

static void arm64_should_keep_prot_none_present_but_invalid(void)
{
	pte_t e = ops->mk_pte(0x1234, PGP_NONE | PGP_YOUNG), v;

	CHECK_EQ(e, UINT64_C(0x1234000) | UINT64_C(0x0060000000000F82));
	CHECK_EQ(e & VALID, 0);
	CHECK_EQ(e & NG, NG);                    /* PTE_PRESENT_INVALID */
	CHECK(ops->pte_present(e));
	CHECK(ops->pte_protnone(e));
	CHECK(!ops->is_swap(e));
	CHECK_EQ(ops->pte_pfn(e), 0x1234);
	CHECK_EQ(ops->mk_pte(0x1234, PGP_YOUNG), e);
	v = e;
	CHECK_EQ(ops->hw_leaf_access(&v, ACC_READ, 1), HWF_NOT_PRESENT);
	CHECK_EQ(v, e);
	CHECK(!ops->pte_protnone(ops->mk_pte(0x1234, PGP_READ)));
}

static void arm64_should_modify_protections_keeping_state(void)
{
	pte_t d = ops->mk_pte(0x55, PGP_READ | PGP_WRITE | PGP_DIRTY);
	pte_t hw = ops->mk_pte(0x55, PGP_READ | PGP_WRITE) & ~RDONLY;
	pte_t m;

	m = ops->pte_modify(d, PGP_READ);
	CHECK_EQ(rwd(m), 5);
	CHECK(ops->pte_dirty(m));
	CHECK_EQ(ops->pte_pfn(m), 0x55);
	m = ops->pte_modify(m, PGP_READ | PGP_WRITE);
	CHECK_EQ(m, d);
	/* hardware dirtiness survives as PTE_DIRTY */
	m = ops->pte_modify(hw, PGP_READ);
	CHECK_EQ(rwd(m), 5);
	/* PROT_NONE and back */
	m = ops->pte_modify(ops->pte_mkold(d), PGP_NONE);
	CHECK(ops->pte_protnone(m));
	CHECK(ops->pte_dirty(m));
	CHECK(!ops->pte_young(m));
	CHECK_EQ(ops->pte_pfn(m), 0x55);
	m = ops->pte_modify(m, PGP_READ | PGP_WRITE);
	CHECK_EQ(m, ops->pte_mkold(d));
	/* blocks stay blocks; PGP_DIRTY does not make a clean entry dirty */
	m = ops->pte_modify(ops->mk_huge(0x200, PGP_READ), PGP_READ | PGP_WRITE | PGP_DIRTY);
	CHECK(ops->pte_huge(m));
	CHECK_EQ(rwd(m), 6);
	CHECK(!ops->pte_dirty(m));
}

static void arm64_should_round_trip_swap_entries(void)
{
	static const uint64_t offs[] = { 0, 1, 0x1234, UINT64_C(0xffffffff),
					 (UINT64_C(1) << 50) - 1 };
	size_t i;
	int ex;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (ex = 0; ex <= 1; ex++) {
			pte_t e = ops->mk_swap(offs[i], ex);

			CHECK(ops->is_swap(e));
			CHECK(!ops->pte_none(e));
			CHECK(!ops->pte_present(e));
			CHECK(!ops->pte_huge(e));
			CHECK_EQ(e & (VALID | NG), 0);
			CHECK_EQ((e >> 6) & 0x1f, 0);    /* type 0 */
			CHECK_EQ(ops->swap_offset(e), offs[i]);
			CHECK_EQ(ops->swap_exclusive(e), ex);
			CHECK_EQ(e & 4, ex ? 4u : 0u);
		}
	}
	CHECK_EQ(ops->mk_swap(0x1234, 1), (UINT64_C(0x1234) << 12) | 0x14);
	CHECK(!ops->is_swap(0));
	CHECK(!ops->is_swap(ops->mk_pte(1, PGP_READ)));
	CHECK(!ops->is_swap(ops->mk_pte(1, PGP_NONE)));
}

static void arm64_should_take_or_avoid_access_flag_faults(void)
{
	pte_t old = ops->mk_pte(8, PGP_READ);
	pte_t e = old;

	CHECK_EQ(old, ops->pte_mkold(ops->mk_pte(8, PGP_READ | PGP_YOUNG)));

	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 0), HWF_ACCESS_FLAG);
	CHECK_EQ(e, old);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 0), HWF_ACCESS_FLAG);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NONE);
	CHECK_EQ(e, old | AF);
	/* the access flag is checked before permissions */
	e = old;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 0), HWF_ACCESS_FLAG);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_PROTECTION);
	CHECK_EQ(e, old);                        /* nothing set on a fault */
}

static void arm64_should_apply_dbm_only_with_hardware_management(void)
{
	pte_t clean_w = ops->mk_pte(8, PGP_SHARED | PGP_READ | PGP_WRITE | PGP_YOUNG);
	pte_t ro = ops->mk_pte(8, PGP_READ | PGP_YOUNG);
	pte_t e;

	e = clean_w;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NONE);
	CHECK_EQ(e, clean_w);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_NONE);
	CHECK_EQ(e, clean_w & ~RDONLY);
	CHECK(ops->pte_dirty(e));
	CHECK_EQ(e & DIRTY, 0);
	e = clean_w;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 0), HWF_PROTECTION);
	CHECK_EQ(e, clean_w);
	e = ro;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 1), HWF_PROTECTION);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 0), HWF_PROTECTION);
	/* a dirty writable entry takes writes either way */
	e = ops->mk_pte(8, PGP_READ | PGP_WRITE | PGP_DIRTY | PGP_YOUNG);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_WRITE, 0), HWF_NONE);
}

static void arm64_should_check_user_and_execute_permissions(void)
{
	pte_t ro = ops->mk_pte(8, PGP_READ | PGP_YOUNG);
	pte_t x = ops->mk_pte(8, PGP_READ | PGP_EXEC | PGP_YOUNG);
	pte_t e;

	e = ro;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_EXEC, 1), HWF_PROTECTION);
	e = x;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_EXEC, 1), HWF_NONE);
	e = ro & ~USER;                          /* EL1-only page */
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_PROTECTION);
	e = 0;
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NOT_PRESENT);
	e = ops->mk_swap(5, 0);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 1), HWF_NOT_PRESENT);
	e = ops->mk_huge(0x200, PGP_READ | PGP_YOUNG);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 0), HWF_NONE);
	e = ops->mk_huge(0x200, PGP_READ);
	CHECK_EQ(ops->hw_leaf_access(&e, ACC_READ, 0), HWF_ACCESS_FLAG);
}

static void arm64_should_describe_leaves_to_the_tlb(void)
{
	pte_t clean_w = ops->mk_pte(0x99, PGP_READ | PGP_WRITE);
	uint64_t pa = UINT64_C(0x99) << 12;

	CHECK_EQ(ops->tlb_data(clean_w, 0), pa | TLBE_USER);
	CHECK_EQ(ops->tlb_data(ops->pte_mkdirty(clean_w), 0), pa | TLBE_USER | TLBE_WRITE);
	CHECK_EQ(ops->tlb_data(ops->mk_pte(0x99, PGP_READ | PGP_EXEC), 0),
		 pa | TLBE_USER | TLBE_EXEC);
	CHECK_EQ(ops->tlb_data(ops->mk_huge(0x200, PGP_READ), 0),
		 (UINT64_C(0x200) << 12) | TLBE_USER | TLBE_HUGE);
	CHECK_EQ(ops->tlb_data(clean_w & ~USER, 0) & TLBE_USER, 0);
	CHECK_STR(ops->name, "arm64");
}

int main(void)
{
	RUN(arm64_should_encode_the_anon_write_fault_pte);
	RUN(arm64_should_build_linux_protections);
	RUN(arm64_should_follow_the_dirty_truth_table);
	RUN(arm64_should_move_dirtiness_like_linux);
	RUN(arm64_should_tell_tables_pages_and_blocks_apart);
	RUN(arm64_should_keep_prot_none_present_but_invalid);
	RUN(arm64_should_modify_protections_keeping_state);
	RUN(arm64_should_round_trip_swap_entries);
	RUN(arm64_should_take_or_avoid_access_flag_faults);
	RUN(arm64_should_apply_dbm_only_with_hardware_management);
	RUN(arm64_should_check_user_and_execute_permissions);
	RUN(arm64_should_describe_leaves_to_the_tlb);
	return T_DONE();
}
