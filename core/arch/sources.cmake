# core/arch: one folder per architecture; add each new file on its own line.
set(MEMSIM_ARCH_SOURCES
  core/arch/x86_64/pgtable.c
  core/arch/x86_64/decode.c
  core/arch/arm64/pgtable.c
  core/arch/arm64/decode.c
  core/arch/x86_64/fault.c
  core/arch/arm64/fault.c
)
