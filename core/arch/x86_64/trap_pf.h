/*
 * arch/x86_64/trap_pf.h - the #PF error code bits (private to core/arch/x86_64/).
 *
 * Mirrors arch/x86/include/asm/trap_pf.h (enum x86_pf_error_code) and the
 * SDM's page-fault error-code figure.  memsim only produces P, W, U and I
 * (user accesses, no protection keys, no shadow stacks); the other bits exist
 * so the decoder can name every bit a real kernel log may show.
 */
#ifndef MEMSIM_ARCH_X86_TRAP_PF_H
#define MEMSIM_ARCH_X86_TRAP_PF_H

#include <stdint.h>

#define X86_PF_PROT  UINT64_C(0x1)        /* 0: not present, 1: protection violation */
#define X86_PF_WRITE UINT64_C(0x2)        /* 0: read, 1: write */
#define X86_PF_USER  UINT64_C(0x4)        /* 0: supervisor (CPL < 3), 1: user */
#define X86_PF_RSVD  UINT64_C(0x8)        /* a reserved bit was set in a paging entry */
#define X86_PF_INSTR UINT64_C(0x10)       /* instruction fetch */
#define X86_PF_PK    UINT64_C(0x20)       /* protection-key violation */
#define X86_PF_SHSTK UINT64_C(0x40)       /* shadow-stack access */
#define X86_PF_SGX   UINT64_C(0x8000)     /* SGX EPCM violation */
#define X86_PF_RMP   UINT64_C(0x80000000) /* AMD SEV-SNP RMP violation */

#endif
