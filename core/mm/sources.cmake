set(MEMSIM_MM_SOURCES
  core/mm/page_alloc.c
  core/mm/memory.c
  core/mm/filemap.c
  core/mm/huge_memory.c
  core/mm/fork.c
  core/mm/mm_init.c
)
