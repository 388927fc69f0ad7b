set(MEMSIM_LUA_SOURCES
  lua/lmemsim.c
)
set(MEMSIM_CLI_SOURCES
  lua/main.c
)
