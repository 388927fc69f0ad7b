/*
 * arch/pgtable.h - what mm/ and the walker may know about an architecture.
 *
 * Linux keeps architecture knowledge behind pte_*() helpers and the fault
 * entry code; memsim does the same with one table of hooks per architecture
 * (struct mmu_arch_ops, R4) and one descriptor per paging format
 * (struct pt_format, R5).  mm/ never tests which architecture it runs on.
 *
 * Entries are stored in simulated page-table frames in the architecture's
 * real encoding (x86: P RW US A D PS G NX and Linux's software bits; arm64:
 * valid, table/page, AP[2:1], AF, nG, DBM, contiguous, PXN/UXN and Linux's
 * software bits), so a dump of a table reads like the hardware's.
 *
 * Level numbering: level 0 is the root table (x86 PML4 or PML5, arm64 the
 * first level of the chosen granule/VA size); level `levels-1` holds PTEs.
 * `code_level` converts to the architecture's own level numbers for fault
 * reports (arm64 FSC level, where the last level is 3).
 */
#ifndef MEMSIM_ARCH_PGTABLE_H
#define MEMSIM_ARCH_PGTABLE_H

#include <memsim/types.h>

typedef uint64_t pte_t;      /* an entry at any level, in hardware encoding */

#define PT_MAX_LEVELS 5

/* One paging format: x86-64 4/5-level, arm64 4K/16K/64K x 39/48/52 bits. */
struct pt_format {
	const char *name;           /* "x86_64-4level", "arm64-4k-48" ... */
	unsigned levels;            /* table levels walked */
	unsigned page_shift;        /* 12, 14 or 16 */
	unsigned shift[PT_MAX_LEVELS]; /* va shift of an entry at each level */
	unsigned bits[PT_MAX_LEVELS];  /* index bits at each level */
	unsigned va_bits;           /* user VA width: 47/56 (x86), 39/48/52 (arm64) */
	int huge_level;             /* level whose entries may be PMD-size leaves
				       (2 MiB on 4K, 32 MiB on 16K, 512 MiB on 64K);
				       -1 if none */
	unsigned arch_level0;       /* architecture number of level 0 (x86 4-level:
				       4 = PML4 ... 1 = PT reported as 'level'
				       field; arm64: first lookup level, 0 for
				       4K/48, 1 for 4K/39 or 64K/48 ...) */
	vaddr_t task_size;          /* first address above user space */
};

/* Generic permission request for building entries (from vm_flags). */
#define PGP_READ 0x01u
#define PGP_WRITE 0x02u    /* writable now (not just VM_WRITE): set RW / clear RDONLY+DBM */
#define PGP_EXEC 0x04u
#define PGP_DIRTY 0x08u
#define PGP_YOUNG 0x10u
#define PGP_SPECIAL 0x20u  /* zero page / pfn mapping: no refcount */
#define PGP_SHARED 0x40u   /* VM_SHARED mapping (x86: PAGE_SHARED; arm64: DBM when writable) */
#define PGP_MAYWRITE 0x80u /* VM_WRITE in the VMA: arm64 sets DBM (PTE_WRITE) only when
			      the PTE is made writable; kept for pte_mkwrite decisions */
#define PGP_NONE 0x100u    /* PROT_NONE: hardware not-present, Linux still 'present' */

/* What the hardware reports when it cannot complete an access. */
enum hw_fault {
	HWF_NONE = 0,       /* translation completed */
	HWF_NOT_PRESENT,    /* x86 P=0 / arm64 translation fault, at `level` */
	HWF_PROTECTION,     /* x86 P=1 violation / arm64 permission fault */
	HWF_ACCESS_FLAG     /* arm64 AF=0 without hardware AF */
};

struct mmu_arch_ops {
	const char *name;                 /* "x86_64" / "arm64" */
	/* ptep_set_access_flags flushes the page when it makes a PTE dirty
	 * (arm64: "invalidate a stale read-only entry"); x86 needs no flush,
	 * the #PF itself invalidated the faulting address's entries. */
	int access_flags_flush;

	/* ---- entries ---------------------------------------------------- */
	pte_t (*mk_table)(pfn_t pfn);     /* a non-leaf entry pointing at a table */
	pte_t (*mk_pte)(pfn_t pfn, unsigned pgp);   /* a level-last leaf */
	pte_t (*mk_huge)(pfn_t pfn, unsigned pgp);  /* a PMD-level block / PS=1 leaf */
	int (*pte_none)(pte_t e);         /* all zero (never used) */
	int (*pte_present)(pte_t e);      /* Linux pte_present: valid, or PROT_NONE */
	int (*pte_table)(pte_t e);        /* non-leaf table entry (upper levels) */
	int (*pte_huge)(pte_t e);         /* PMD-level leaf */
	pfn_t (*pte_pfn)(pte_t e);
	int (*pte_write)(pte_t e);        /* Linux-writable (x86 RW; arm64 DBM/WRITE) */
	int (*pte_dirty)(pte_t e);
	int (*pte_young)(pte_t e);
	int (*pte_special)(pte_t e);
	int (*pte_protnone)(pte_t e);
	pte_t (*pte_mkwrite)(pte_t e);    /* make writable (also marks dirty on arm64 per Linux
					     pte_mkwrite+mkdirty pairing: callers use mkdirty) */
	pte_t (*pte_wrprotect)(pte_t e);
	pte_t (*pte_mkdirty)(pte_t e);
	pte_t (*pte_mkclean)(pte_t e);
	pte_t (*pte_mkyoung)(pte_t e);
	pte_t (*pte_mkold)(pte_t e);
	pte_t (*pte_modify)(pte_t e, unsigned pgp); /* change protection, keep pfn/dirty/young */
	/* swap entries (not present, not none) */
	pte_t (*mk_swap)(uint64_t offset, int exclusive);
	int (*is_swap)(pte_t e);
	uint64_t (*swap_offset)(pte_t e);
	int (*swap_exclusive)(pte_t e);

	/* ---- the hardware walk ----------------------------------------------
	 * Check a leaf for an access (ACC_READ/WRITE/EXEC) from user mode and
	 * apply what the hardware does by itself (x86: set A, set D on write;
	 * arm64: set AF if hw_af, clear RDONLY on write if DBM is set and hw_dbm).
	 * Returns HWF_NONE with *e updated, or the fault the CPU raises. */
	enum hw_fault (*hw_leaf_access)(pte_t *e, unsigned access, int hw_af);
	/* A non-leaf entry: returns 1 if it is a valid table pointer. */
	int (*hw_table_valid)(pte_t e);

	/* ---- fault syndrome ---------------------------------------------------
	 * The value the hardware reports: x86 #PF error code, arm64 ESR_EL1, for
	 * a user access of `access` that stopped with `f` at table level
	 * `level` (struct pt_format numbering, converted inside). */
	uint64_t (*fault_code)(const struct pt_format *fmt, enum hw_fault f,
			       unsigned access, int level);
	/* Level as the architecture numbers it (for the faults.level column). */
	int (*arch_level)(const struct pt_format *fmt, int level);

	/* TLB data word (TLBE_*) for a leaf: what a TLB may cache. */
	uint64_t (*tlb_data)(pte_t e, int huge);
};

extern const struct mmu_arch_ops x86_64_mmu_ops;
extern const struct mmu_arch_ops arm64_mmu_ops;

/* Fill *fmt for x86-64 with 4 or 5 levels; 0 or -1 for a bad level count. */
int x86_64_pt_format(struct pt_format *fmt, unsigned levels);
/* Fill *fmt for arm64 with granule 4096/16384/65536 and va_bits 39/48/52
 * (combinations Linux supports); 0 or -1 (why[] says what is wrong). */
int arm64_pt_format(struct pt_format *fmt, unsigned granule, unsigned va_bits,
		    char *why, size_t whylen);

/* Index of `va` at `level` of `fmt`. */
static inline unsigned pt_index(const struct pt_format *fmt, unsigned level, vaddr_t va)
{
	return (unsigned)((va >> fmt->shift[level]) & ((UINT64_C(1) << fmt->bits[level]) - 1));
}

#endif
