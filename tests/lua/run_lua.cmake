# tests/lua/run_lua.cmake - run one Lua scenario or Lua API test with
# `memsim run` on a fresh database (so a test never sees an older run):
#   cmake -DMEMSIM=memsim -DSCRIPT=x.lua -DDB=x.db [-DARGS="--set k=v -- a b"] -P run_lua.cmake
file(REMOVE ${DB} ${DB}-wal ${DB}-shm ${DB}-journal)
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${MEMSIM} run ${SCRIPT} -o ${DB} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "memsim run ${SCRIPT} exited with status ${rc}")
endif()
