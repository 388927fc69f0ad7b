/*
 * 302-arm64-esr.c - the ESR_EL1 values memsim reports (fault_code; facts
 * §2.3, §9 vector 5) and their text (arm64_esr_decode; §9 vector 6).
 */
#include "arch/pgtable.h"
#include <memsim/decode.h>

#include "t.h"

static const struct mmu_arch_ops *ops = &arm64_mmu_ops;

static struct pt_format fmt(unsigned granule, unsigned va_bits)
{
	struct pt_format f;

	memset(&f, 0, sizeof(f));
	CHECK_EQ(arm64_pt_format(&f, granule, va_bits, NULL, 0), 0);
	return f;
}

static void arm64_should_report_the_worked_esr_values(void)
{
	struct pt_format f = fmt(4096, 48);

	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 3), UINT64_C(0x92000047));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 3), UINT64_C(0x92000007));
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_WRITE, 3), UINT64_C(0x9200004F));
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_READ, 3), UINT64_C(0x9200000F));
	CHECK_EQ(ops->fault_code(&f, HWF_ACCESS_FLAG, ACC_READ, 3), UINT64_C(0x9200000B));
	CHECK_EQ(ops->fault_code(&f, HWF_ACCESS_FLAG, ACC_WRITE, 3), UINT64_C(0x9200004B));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 2), UINT64_C(0x92000046));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_EXEC, 3), UINT64_C(0x82000007));
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_EXEC, 3), UINT64_C(0x8200000F));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 0), UINT64_C(0x92000004));
	CHECK_EQ(ops->fault_code(&f, HWF_NONE, ACC_WRITE, 3), 0);
	/* a block fault reports level 2 */
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_WRITE, f.huge_level),
		 UINT64_C(0x9200004E));
}

static void arm64_should_use_architectural_levels_in_every_format(void)
{
	struct pt_format f;

	f = fmt(65536, 48);                      /* table levels 0..2 = arm 1..3 */
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 2), UINT64_C(0x92000047));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 0), UINT64_C(0x92000045));
	f = fmt(4096, 39);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 0), UINT64_C(0x92000005));
	CHECK_EQ(ops->fault_code(&f, HWF_ACCESS_FLAG, ACC_READ, 2), UINT64_C(0x9200000B));
	f = fmt(4096, 52);                       /* LPA2: level -1 is FSC 0x2B */
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 0), UINT64_C(0x9200002B));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 0), UINT64_C(0x9200006B));
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, 1), UINT64_C(0x92000044));
	CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_WRITE, 4), UINT64_C(0x9200004F));
	f = fmt(65536, 42);
	CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, 0), UINT64_C(0x92000006));
}

static void arm64_should_report_what_the_walk_found(void)
{
	struct pt_format f = fmt(4096, 48);
	pte_t zero = ops->mk_pte(0x10, PGP_READ | PGP_SPECIAL | PGP_YOUNG);
	pte_t old = ops->mk_pte(0x10, PGP_READ);
	enum hw_fault hf;

	hf = ops->hw_leaf_access(&zero, ACC_WRITE, 1);
	CHECK_EQ(ops->fault_code(&f, hf, ACC_WRITE, 3), UINT64_C(0x9200004F));
	hf = ops->hw_leaf_access(&old, ACC_READ, 0);
	CHECK_EQ(ops->fault_code(&f, hf, ACC_READ, 3), UINT64_C(0x9200000B));
}

static void arm64_should_sanitise_kernel_address_aborts(void)
{
	static const unsigned g[] = { 4096, 4096, 4096, 65536 }, va[] = { 48, 39, 52, 42 };
	size_t i;

	/* level < 0: no walk (TTBR1 address); set_thread_esr() reports level 0 */
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct pt_format f = fmt(g[i], va[i]);

		CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_WRITE, -1), UINT64_C(0x92000044));
		CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_READ, -1), UINT64_C(0x92000004));
		CHECK_EQ(ops->fault_code(&f, HWF_NOT_PRESENT, ACC_EXEC, -1), UINT64_C(0x82000004));
		CHECK_EQ(ops->fault_code(&f, HWF_PROTECTION, ACC_WRITE, -1), UINT64_C(0x92000044));
		CHECK_EQ(ops->arch_level(&f, -1), -1);
	}
}

static const char *decode(uint64_t esr)
{
	static char buf[200];

	arm64_esr_decode(esr, buf, sizeof(buf));
	return buf;
}

static void arm64_should_decode_esr_fields(void)
{
	CHECK_STR(decode(0x92000047),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault)");
	CHECK_STR(decode(0x92000007),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x07 (level 3 translation fault)");
	CHECK_STR(decode(0x9200004F),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x0f (level 3 permission fault)");
	CHECK_STR(decode(0x9200000B),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x0b (level 3 access flag fault)");
	CHECK_STR(decode(0x9200004B),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x0b (level 3 access flag fault)");
	CHECK_STR(decode(0x92000046),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x06 (level 2 translation fault)");
	CHECK_STR(decode(0x82000007),
		  "EC=0x20 (IABT (lower EL)) IL=1 FSC=0x07 (level 3 translation fault)");
	CHECK_STR(decode(0x8200000F),
		  "EC=0x20 (IABT (lower EL)) IL=1 FSC=0x0f (level 3 permission fault)");
	CHECK_STR(decode(0x96000047),
		  "EC=0x25 (DABT (current EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault)");
	CHECK_STR(decode(0x92000044),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x04 (level 0 translation fault)");
	CHECK_STR(decode(0x9200002B),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x2b (level -1 translation fault)");
}

static void arm64_should_decode_other_bits_and_classes(void)
{
	CHECK_STR(decode(0x92000147),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault) CM=1");
	CHECK_STR(decode(0x92000087),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x07 (level 3 translation fault) S1PTW=1");
	CHECK_STR(decode(0x92000210),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x10 (synchronous external abort) EA=1");
	CHECK_STR(decode(0x9200003F),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=0 FSC=0x3f (unknown 63)");
	CHECK_STR(decode(0x56000000), "EC=0x15 (SVC (AArch64)) IL=1 ISS=0x0000000");
	CHECK_STR(decode(0xf2000001), "EC=0x3c (BRK (AArch64)) IL=1 ISS=0x0000001");
	CHECK_STR(decode(0x0), "EC=0x00 (Unknown/Uncategorized) IL=0 ISS=0x0000000");
	CHECK_STR(decode(0x08000000), "EC=0x02 (UNRECOGNIZED EC) IL=0 ISS=0x0000000");
	CHECK_STR(decode(UINT64_C(0x0000000192000047)),
		  "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault)"
		  " ISS2=0x000001");
}

static void arm64_should_decode_like_snprintf(void)
{
	char small[8];
	const char *text = "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault)";
	int full = arm64_esr_decode(0x92000047, NULL, 0);

	CHECK_EQ(full, strlen(text));
	CHECK_EQ(arm64_esr_decode(0x92000047, small, sizeof(small)), full);
	CHECK_STR(small, "EC=0x24");
}

int main(void)
{
	RUN(arm64_should_report_the_worked_esr_values);
	RUN(arm64_should_use_architectural_levels_in_every_format);
	RUN(arm64_should_report_what_the_walk_found);
	RUN(arm64_should_sanitise_kernel_address_aborts);
	RUN(arm64_should_decode_esr_fields);
	RUN(arm64_should_decode_other_bits_and_classes);
	RUN(arm64_should_decode_like_snprintf);
	return T_DONE();
}
