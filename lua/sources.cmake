# The Lua layer: the binding (memsim_lua, linked by the CLI and by the
# memsim.so module), the module stub, and the `memsim` CLI.
set(MEMSIM_LUA_SOURCES
  lua/lmemsim.c
  lua/lconfig.c
  lua/lsim.c
  lua/lprocess.c
  lua/lsched.c
  lua/lsandbox.c
)
set(MEMSIM_LUA_MODULE_SOURCES
  lua/lmodule.c
)
set(MEMSIM_CLI_SOURCES
  lua/main.c
  lua/cli_replay.c
  lua/cli_check.c
  lua/cli_tools.c
  lua/run.c
)
