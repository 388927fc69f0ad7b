/*
 * memsim/decode.h - readable text for the fault syndromes memsim records in
 * faults.code: the x86 #PF error code and the arm64 ESR_EL1 value.
 *
 * Used by scenarios and reports; the simulation itself never needs it.  Both
 * decoders work on any value (not only the ones memsim produces) and follow
 * snprintf's contract: the text is written to buf, truncated to n - 1
 * characters and always NUL-terminated when n > 0; buf may be NULL when n is
 * 0, to measure.  The return value is the length of the whole text (without
 * the NUL), never negative, so `r >= n` means it was truncated.
 */
#ifndef MEMSIM_DECODE_H
#define MEMSIM_DECODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode an x86 #PF error code (arch/x86/include/asm/trap_pf.h):
 * "<user|kernel> <read|write|instruction fetch>, <page not present|
 * protection violation>", then one ", <what>" per further bit set
 * (reserved bit set, protection key, shadow stack, SGX, RMP violation) and
 * ", unknown bits 0x..." for bits with no name.
 * Examples: 0x6 -> "user write, page not present";
 *           0x15 -> "user instruction fetch, protection violation".
 */
int x86_pf_error_decode(uint64_t code, char *buf, size_t n);

/*
 * Decode an arm64 ESR_ELx value field by field, in the order the fields sit:
 * "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (level 3 translation fault)".
 * The EC name is Linux's (esr_class_str).  Instruction and data aborts show
 * the FSC with Linux's fault_info name, data aborts also WnR, and the other
 * abort ISS bits (ISV, FnV, EA, CM, S1PTW) are added as "NAME=1" when set;
 * other classes show "ISS=0x...".  A non-zero ISS2 is added as "ISS2=0x...".
 */
int arm64_esr_decode(uint64_t esr, char *buf, size_t n);

#endif
