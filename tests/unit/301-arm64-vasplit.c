/*
 * 301-arm64-vasplit.c - arm64 paging formats (arm64_pt_format): levels and
 * index bits per granule and VA size (facts §2.5, §9 vector 7), the
 * architectural level numbers, task sizes and rejected combinations.
 */
#include "arch/pgtable.h"

#include "t.h"

static const struct mmu_arch_ops *ops = &arm64_mmu_ops;

static struct pt_format fmt(unsigned granule, unsigned va_bits)
{
	struct pt_format f;
	char why[128] = "";

	memset(&f, 0, sizeof(f));
	CHECK_EQ(arm64_pt_format(&f, granule, va_bits, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	return f;
}

static void arm64_should_split_4k_48_like_x86_4_level(void)
{
	static const vaddr_t vas[] = { 0, UINT64_C(0x401000), UINT64_C(0x00007fffffffffff),
				       UINT64_C(0x0000ffffffffffff), UINT64_C(0x0000123456789abc) };
	struct pt_format a = fmt(4096, 48), x;
	size_t i;
	unsigned l;

	x86_64_pt_format(&x, 4);
	CHECK_STR(a.name, "arm64-4k-48");
	CHECK_EQ(a.levels, 4);
	CHECK_EQ(a.page_shift, 12);
	for (l = 0; l < 4; l++) {
		CHECK_EQ(a.shift[l], x.shift[l]);
		CHECK_EQ(a.bits[l], 9);
	}
	for (i = 0; i < sizeof(vas) / sizeof(vas[0]); i++)
		for (l = 0; l < 3; l++)
			CHECK_EQ(pt_index(&a, l + 1, vas[i]), pt_index(&x, l + 1, vas[i]));
	CHECK_EQ(pt_index(&a, 0, UINT64_C(0x00007fffffffffff)), 255);
	CHECK_EQ(pt_index(&a, 0, UINT64_C(0x0000ffffffffffff)), 511);
	CHECK_EQ(a.va_bits, 48);
	CHECK_EQ(a.task_size, UINT64_C(1) << 48);
	CHECK_EQ(a.huge_level, 2);
	CHECK_EQ(a.arch_level0, 0);
	CHECK_EQ(ops->arch_level(&a, 0), 0);
	CHECK_EQ(ops->arch_level(&a, 3), 3);
}

static void arm64_should_split_64k_48_into_three_levels(void)
{
	struct pt_format f = fmt(65536, 48);
	vaddr_t va = (UINT64_C(0x2a) << 42) | (UINT64_C(0x1234) << 29) |
		     (UINT64_C(0x0abc) << 16) | 0x1234;

	CHECK_STR(f.name, "arm64-64k-48");
	CHECK_EQ(f.levels, 3);
	CHECK_EQ(f.page_shift, 16);
	CHECK_EQ(f.shift[0], 42);
	CHECK_EQ(f.bits[0], 6);
	CHECK_EQ(f.shift[1], 29);
	CHECK_EQ(f.bits[1], 13);
	CHECK_EQ(f.shift[2], 16);
	CHECK_EQ(f.bits[2], 13);
	CHECK_EQ(pt_index(&f, 0, va), 0x2a);
	CHECK_EQ(pt_index(&f, 1, va), 0x1234);
	CHECK_EQ(pt_index(&f, 2, va), 0x0abc);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x0000ffffffffffff)), 63);
	CHECK_EQ(f.huge_level, 1);               /* 512 MiB blocks */
	CHECK_EQ(f.arch_level0, 1);
	CHECK_EQ(ops->arch_level(&f, 2), 3);
	CHECK_EQ(f.task_size, UINT64_C(1) << 48);
}

static void arm64_should_give_16k_48_a_one_bit_level_0(void)
{
	struct pt_format f = fmt(16384, 48);

	CHECK_STR(f.name, "arm64-16k-48");
	CHECK_EQ(f.levels, 4);
	CHECK_EQ(f.page_shift, 14);
	CHECK_EQ(f.shift[0], 47);
	CHECK_EQ(f.bits[0], 1);
	CHECK_EQ(f.shift[1], 36);
	CHECK_EQ(f.bits[1], 11);
	CHECK_EQ(f.shift[2], 25);
	CHECK_EQ(f.shift[3], 14);
	CHECK_EQ(f.bits[3], 11);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x0000800000000000)), 1);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x00007fffffffffff)), 0);
	CHECK_EQ(pt_index(&f, 1, UINT64_C(0x00007fffffffffff)), 2047);
	CHECK_EQ(f.huge_level, 2);               /* 32 MiB blocks */
	CHECK_EQ(f.arch_level0, 0);
}

static void arm64_should_use_three_levels_for_4k_39(void)
{
	struct pt_format f = fmt(4096, 39);

	CHECK_STR(f.name, "arm64-4k-39");
	CHECK_EQ(f.levels, 3);
	CHECK_EQ(f.shift[0], 30);
	CHECK_EQ(f.shift[1], 21);
	CHECK_EQ(f.shift[2], 12);
	CHECK_EQ(f.bits[0], 9);
	CHECK_EQ(f.huge_level, 1);
	CHECK_EQ(f.arch_level0, 1);
	CHECK_EQ(ops->arch_level(&f, 0), 1);
	CHECK_EQ(ops->arch_level(&f, 2), 3);
	CHECK_EQ(f.task_size, UINT64_C(1) << 39);
	CHECK_EQ(pt_index(&f, 0, UINT64_C(0x7fffffffff)), 511);
}

static void arm64_should_cover_the_other_linux_configurations(void)
{
	struct pt_format f;

	f = fmt(4096, 52);                       /* LPA2: level -1 */
	CHECK_EQ(f.levels, 5);
	CHECK_EQ(f.shift[0], 48);
	CHECK_EQ(f.bits[0], 4);
	CHECK_EQ(f.huge_level, 3);
	CHECK_EQ(ops->arch_level(&f, 0), -1);
	CHECK_EQ(ops->arch_level(&f, 1), 0);
	CHECK_EQ(ops->arch_level(&f, 4), 3);
	CHECK_EQ(f.task_size, UINT64_C(1) << 52);
	f = fmt(16384, 47);
	CHECK_EQ(f.levels, 3);
	CHECK_EQ(f.shift[0], 36);
	CHECK_EQ(f.bits[0], 11);
	CHECK_EQ(f.arch_level0, 1);
	f = fmt(16384, 52);
	CHECK_EQ(f.levels, 4);
	CHECK_EQ(f.shift[0], 47);
	CHECK_EQ(f.bits[0], 5);
	f = fmt(16384, 36);
	CHECK_EQ(f.levels, 2);
	CHECK_EQ(f.arch_level0, 2);
	f = fmt(65536, 42);
	CHECK_EQ(f.levels, 2);
	CHECK_EQ(f.shift[0], 29);
	CHECK_EQ(f.bits[0], 13);
	CHECK_EQ(f.huge_level, 0);
	CHECK_EQ(f.arch_level0, 2);
	f = fmt(65536, 52);
	CHECK_EQ(f.levels, 3);
	CHECK_EQ(f.shift[0], 42);
	CHECK_EQ(f.bits[0], 10);
	CHECK_STR(f.name, "arm64-64k-52");
}

static void arm64_should_reject_combinations_linux_lacks(void)
{
	struct pt_format f;
	char why[128];

	memset(&f, 0xa5, sizeof(f));
	why[0] = '\0';
	CHECK_EQ(arm64_pt_format(&f, 16384, 39, why, sizeof(why)), -1);
	CHECK(strstr(why, "16K granule with 39-bit VA is not a Linux configuration") != NULL);
	CHECK(strstr(why, "36, 47, 48 or 52") != NULL);
	CHECK_EQ(f.levels, 0xa5a5a5a5u);         /* untouched */
	why[0] = '\0';
	CHECK_EQ(arm64_pt_format(&f, 65536, 39, why, sizeof(why)), -1);
	CHECK(strstr(why, "64K granule") != NULL);
	CHECK_EQ(arm64_pt_format(&f, 4096, 47, why, sizeof(why)), -1);
	CHECK_EQ(arm64_pt_format(&f, 4096, 64, why, sizeof(why)), -1);
	why[0] = '\0';
	CHECK_EQ(arm64_pt_format(&f, 8192, 48, why, sizeof(why)), -1);
	CHECK(strstr(why, "granule 8192") != NULL);
	CHECK_EQ(arm64_pt_format(&f, 4096, 40, NULL, 0), -1);
	CHECK_EQ(arm64_pt_format(NULL, 4096, 48, why, sizeof(why)), -1);
}

int main(void)
{
	RUN(arm64_should_split_4k_48_like_x86_4_level);
	RUN(arm64_should_split_64k_48_into_three_levels);
	RUN(arm64_should_give_16k_48_a_one_bit_level_0);
	RUN(arm64_should_use_three_levels_for_4k_39);
	RUN(arm64_should_cover_the_other_linux_configurations);
	RUN(arm64_should_reject_combinations_linux_lacks);
	return T_DONE();
}
