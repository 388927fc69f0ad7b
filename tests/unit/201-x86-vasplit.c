/*
 * 201-x86-vasplit.c - x86-64 paging formats (x86_64_pt_format): level
 * shifts, VA split (facts §9 vector 3), LA57, task sizes, level numbers.
 */
#include "arch/pgtable.h"

#include "t.h"

static const struct mmu_arch_ops *ops = &x86_64_mmu_ops;

static void x86_should_describe_4_level_paging(void)
{
	struct pt_format f;
	unsigned i;

	CHECK_EQ(x86_64_pt_format(&f, 4), 0);
	CHECK_STR(f.name, "x86_64-4level");
	CHECK_EQ(f.levels, 4);
	CHECK_EQ(f.page_shift, 12);
	CHECK_EQ(f.shift[0], 39);
	CHECK_EQ(f.shift[1], 30);
	CHECK_EQ(f.shift[2], 21);
	CHECK_EQ(f.shift[3], 12);
	for (i = 0; i < 4; i++)
		CHECK_EQ(f.bits[i], 9);
	CHECK_EQ(f.va_bits, 47);
	CHECK_EQ(f.huge_level, 2);
	CHECK_EQ(f.arch_level0, 4);
	CHECK_EQ(f.task_size, UINT64_C(0x7ffffffff000));
}

static void x86_should_split_4_level_addresses(void)
{
	struct pt_format f;
	vaddr_t va = UINT64_C(0x00007fffffffffff);

	x86_64_pt_format(&f, 4);
	CHECK_EQ(pt_index(&f, 0, va), 255);
	CHECK_EQ(pt_index(&f, 1, va), 511);
	CHECK_EQ(pt_index(&f, 2, va), 511);
	CHECK_EQ(pt_index(&f, 3, va), 511);
	CHECK_EQ(va & ((UINT64_C(1) << f.page_shift) - 1), 0xfff);
	va = UINT64_C(0x401000);
	CHECK_EQ(pt_index(&f, 0, va), 0);
	CHECK_EQ(pt_index(&f, 1, va), 0);
	CHECK_EQ(pt_index(&f, 2, va), 2);
	CHECK_EQ(pt_index(&f, 3, va), 1);
	CHECK_EQ(va & 0xfff, 0);
	/* the last user page starts below task_size */
	CHECK(UINT64_C(0x7fffffffe000) < f.task_size);
	CHECK(UINT64_C(0x7ffffffff000) >= f.task_size);
}

static void x86_should_describe_5_level_paging(void)
{
	struct pt_format f;

	CHECK_EQ(x86_64_pt_format(&f, 5), 0);
	CHECK_STR(f.name, "x86_64-5level");
	CHECK_EQ(f.levels, 5);
	CHECK_EQ(f.shift[0], 48);
	CHECK_EQ(f.shift[1], 39);
	CHECK_EQ(f.shift[4], 12);
	CHECK_EQ(f.bits[0], 9);
	CHECK_EQ(f.va_bits, 56);
	CHECK_EQ(f.huge_level, 3);
	CHECK_EQ(f.arch_level0, 5);
	CHECK_EQ(f.task_size, (UINT64_C(1) << 56) - 4096);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x00ff800000000000)), 255);
	CHECK_EQ(pt_index(&f, 1, UINT64_C(0x00ff800000000000)), 256);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x00007fffffffffff)), 0);
	CHECK_EQ(pt_index(&f, 1, UINT64_C(0x00007fffffffffff)), 255);
}

static void x86_should_reject_other_level_counts(void)
{
	struct pt_format f;

	CHECK_EQ(x86_64_pt_format(&f, 3), -1);
	CHECK_EQ(x86_64_pt_format(&f, 6), -1);
	CHECK_EQ(x86_64_pt_format(&f, 0), -1);
	CHECK_EQ(x86_64_pt_format(NULL, 4), -1);
}

static void x86_should_number_levels_from_the_pt_up(void)
{
	struct pt_format f4, f5;

	x86_64_pt_format(&f4, 4);
	x86_64_pt_format(&f5, 5);
	CHECK_EQ(ops->arch_level(&f4, 0), 4);
	CHECK_EQ(ops->arch_level(&f4, 1), 3);
	CHECK_EQ(ops->arch_level(&f4, 2), 2);
	CHECK_EQ(ops->arch_level(&f4, 3), 1);
	CHECK_EQ(ops->arch_level(&f5, 0), 5);
	CHECK_EQ(ops->arch_level(&f5, 4), 1);
}

int main(void)
{
	RUN(x86_should_describe_4_level_paging);
	RUN(x86_should_split_4_level_addresses);
	RUN(x86_should_describe_5_level_paging);
	RUN(x86_should_reject_other_level_counts);
	RUN(x86_should_number_levels_from_the_pt_up);
	return T_DONE();
}
