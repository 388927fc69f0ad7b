/*
 * arch/arm64/esr.h - ESR_EL1 fields for aborts (private to core/arch/arm64/).
 *
 * Mirrors the parts of arch/arm64/include/asm/esr.h that describe
 * instruction and data aborts (EC, IL, ISS bits, the fault status codes and
 * their per-level families).  Everything else in esr.h (system-register
 * traps, ISS2 layouts, KVM encodings) is left out.
 */
#ifndef MEMSIM_ARCH_ARM64_ESR_H
#define MEMSIM_ARCH_ARM64_ESR_H

#include <stdint.h>

#define ESR_ELx_EC_SHIFT     26
#define ESR_ELx_EC_WIDTH     6
#define ESR_ELx_EC_MASK      (UINT64_C(0x3f) << ESR_ELx_EC_SHIFT)
#define ESR_ELx_EC(esr)      (((esr) & ESR_ELx_EC_MASK) >> ESR_ELx_EC_SHIFT)

#define ESR_ELx_EC_IABT_LOW  0x20u   /* instruction abort from EL0 */
#define ESR_ELx_EC_IABT_CUR  0x21u
#define ESR_ELx_EC_DABT_LOW  0x24u   /* data abort from EL0 */
#define ESR_ELx_EC_DABT_CUR  0x25u

#define ESR_ELx_IL_SHIFT     25
#define ESR_ELx_IL           (UINT64_C(1) << ESR_ELx_IL_SHIFT)  /* 32-bit instruction */
#define ESR_ELx_ISS_MASK     UINT64_C(0x01ffffff)
#define ESR_ELx_ISS2_SHIFT   32
#define ESR_ELx_ISS2_MASK    UINT64_C(0x00ffffff)

/* Data/instruction abort ISS bits */
#define ESR_ELx_ISV          (UINT64_C(1) << 24)
#define ESR_ELx_FnV          (UINT64_C(1) << 10)
#define ESR_ELx_EA           (UINT64_C(1) << 9)
#define ESR_ELx_CM           (UINT64_C(1) << 8)
#define ESR_ELx_S1PTW        (UINT64_C(1) << 7)
#define ESR_ELx_WNR_SHIFT    6
#define ESR_ELx_WNR          (UINT64_C(1) << ESR_ELx_WNR_SHIFT)
#define ESR_ELx_FSC          UINT64_C(0x3f)

/* Fault status code families; the low two bits are the lookup level. */
#define ESR_ELx_FSC_TYPE     0x3cu
#define ESR_ELx_FSC_LEVEL    0x03u
#define ESR_ELx_FSC_EXTABT   0x10u
#define ESR_ELx_FSC_MTE      0x11u
#define ESR_ELx_FSC_ACCESS   0x08u
#define ESR_ELx_FSC_FAULT    0x04u
#define ESR_ELx_FSC_PERM     0x0Cu
#define ESR_ELx_FSC_FAULT_nL 0x2Cu   /* FEAT_LPA2: level -1 translation is 0x2B */
#define ESR_ELx_FSC_ADDRSZ_nL 0x2Au  /* FEAT_LPA2: level -1 address size is 0x29 */

/* Per-level fault status codes (level -1 exists only with FEAT_LPA2). */
#define ESR_ELx_FSC_FAULT_L(n) \
	((unsigned)(((n) < 0 ? (int)ESR_ELx_FSC_FAULT_nL : (int)ESR_ELx_FSC_FAULT) + (n)))
#define ESR_ELx_FSC_ACCESS_L(n) (ESR_ELx_FSC_ACCESS + (unsigned)(n))
#define ESR_ELx_FSC_PERM_L(n)   (ESR_ELx_FSC_PERM + (unsigned)(n))

#endif
