/*
 * arch/x86_64/decode.c - the #PF error code as text, for scenarios and reports.
 *
 * Mirrors the wording of show_fault_oops() in arch/x86/mm/fault.c ("user
 * write access", "not-present page" / "permissions violation") in the shorter
 * form "user write, page not present", and names every bit of
 * arch/x86/include/asm/trap_pf.h.  Simplifies: no HLAT bit (7), which Linux
 * does not use either.
 */
#include <memsim/decode.h>

#include "arch/x86_64/trap_pf.h"
#include "arch/text.h"

#include <inttypes.h>
#include <stdio.h>

static const char *x86_pf_access(uint64_t code)
{
	if (code & X86_PF_INSTR)
		return "instruction fetch";
	return (code & X86_PF_WRITE) ? "write" : "read";
}

/* The bits beyond P/W/U/I, each appended as ", <text>"; then any unnamed ones. */
static void x86_pf_extras(struct text *t, uint64_t code)
{
	static const struct {
		uint64_t bit;
		const char *text;
	} extra[] = {
		{ X86_PF_RSVD, "reserved bit set" },
		{ X86_PF_PK, "protection key" },
		{ X86_PF_SHSTK, "shadow stack" },
		{ X86_PF_SGX, "SGX" },
		{ X86_PF_RMP, "RMP violation" },
	};
	uint64_t known = X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_INSTR;
	size_t i;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		known |= extra[i].bit;
		if (code & extra[i].bit)
			text_add(t, ", %s", extra[i].text);
	}
	if (code & ~known)
		text_add(t, ", unknown bits 0x%" PRIx64, code & ~known);
}

/* See memsim/decode.h. */
int x86_pf_error_decode(uint64_t code, char *buf, size_t n)
{
	struct text t = { .buf = buf, .n = buf ? n : 0, .len = 0 };

	if (t.n)
		buf[0] = '\0';
	text_add(&t, "%s %s, %s", (code & X86_PF_USER) ? "user" : "kernel",
		 x86_pf_access(code),
		 (code & X86_PF_PROT) ? "protection violation" : "page not present");
	x86_pf_extras(&t, code);
	return (int)t.len;
}
