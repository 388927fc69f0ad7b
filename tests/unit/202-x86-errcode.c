/*
 * 202-x86-errcode.c - the #PF error code memsim reports (fault_code; facts
 * §1.1, §9 vector 1) and its text (x86_pf_error_decode).
 */
#include "arch/pgtable.h"
#include <memsim/decode.h>

#include "t.h"

static const struct mmu_arch_ops *ops = &x86_64_mmu_ops;

static void x86_should_report_user_error_codes(void)
{
	struct pt_format f;

	x86_64_pt_format(&f, 4);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 3), 0x4);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 3), 0x6);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_EXEC, 3), 0x14);
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_READ, 3), 0x5);
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_WRITE, 3), 0x7);
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_EXEC, 3), 0x15);
	/* the level does not appear in the error code */
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 0), 0x6);
	CHECK_EQ(ops->fault_code(&f, HWF_NONE, ACC_WRITE, 3), 0);
}

static void x86_should_force_prot_for_addresses_above_task_size(void)
{
	struct pt_format f;

	/* level < 0: no walk (kernel half); sanitize_error_code() sets P */
	x86_64_pt_format(&f, 4);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, -1), 0x5);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, -1), 0x7);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_EXEC, -1), 0x15);
	CHECK_EQ(ops->arch_level(&f, -1), -1);
}

static void x86_should_report_what_the_walk_found(void)
{
	struct pt_format f;
	pte_t zero = ops->mk_pte(0x10, PGP_READ | PGP_SPECIAL);
	pte_t nx = ops->mk_pte(0x10, PGP_READ);
	enum hw_fault hf;

	x86_64_pt_format(&f, 4);
	/* write to the zero page: COW fault 0x7 */
	hf = ops->hw_leaf_access(&zero, ACC_WRITE, 1);
	CHECK_EQ(ops->fault_code(&f, hf, ACC_WRITE, 3), 0x7);
	/* fetch from a readable non-exec page: 0x15 */
	hf = ops->hw_leaf_access(&nx, ACC_EXEC, 1);
	CHECK_EQ(ops->fault_code(&f, hf, ACC_EXEC, 3), 0x15);
}

static const char *decode(uint64_t code)
{
	static char buf[160];

	x86_pf_error_decode(code, buf, sizeof(buf));
	return buf;
}

static void x86_should_decode_error_codes(void)
{
	CHECK_STR(decode(0x4), "user read, page not present");
	CHECK_STR(decode(0x5), "user read, protection violation");
	CHECK_STR(decode(0x6), "user write, page not present");
	CHECK_STR(decode(0x7), "user write, protection violation");
	CHECK_STR(decode(0x14), "user instruction fetch, page not present");
	CHECK_STR(decode(0x15), "user instruction fetch, protection violation");
	CHECK_STR(decode(0x27), "user write, protection violation, protection key");
	CHECK_STR(decode(0x2), "kernel write, page not present");
	CHECK_STR(decode(0x0), "kernel read, page not present");
	CHECK_STR(decode(0xd), "user read, protection violation, reserved bit set");
	CHECK_STR(decode(0x47), "user write, protection violation, shadow stack");
	CHECK_STR(decode(0x8005), "user read, protection violation, SGX");
	CHECK_STR(decode(UINT64_C(0x80000007)), "user write, protection violation, RMP violation");
	CHECK_STR(decode(0x106), "user write, page not present, unknown bits 0x100");
}

static void x86_should_decode_like_snprintf(void)
{
	char small[5];
	int full = x86_pf_error_decode(0x6, NULL, 0);

	CHECK_EQ(full, strlen("user write, page not present"));
	CHECK_EQ(x86_pf_error_decode(0x6, small, sizeof(small)), full);
	CHECK_STR(small, "user");
	small[0] = 'x';
	CHECK_EQ(x86_pf_error_decode(0x6, small, 1), full);
	CHECK_EQ(small[0], '\0');
}

int main(void)
{
	RUN(x86_should_report_user_error_codes);
	RUN(x86_should_force_prot_for_addresses_above_task_size);
	RUN(x86_should_report_what_the_walk_found);
	RUN(x86_should_decode_error_codes);
	RUN(x86_should_decode_like_snprintf);
	return T_DONE();
}
