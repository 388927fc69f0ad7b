set(MEMSIM_TLB_SOURCES
  core/tlb/tlb.c
  core/tlb/tlb_hier.c
  core/tlb/pwc.c
)
