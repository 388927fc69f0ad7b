# Lua scenario tests (R34) and the tests of the Lua layer.
#
#   scenario/NAME   one per scenarios/*.lua, run with `memsim run` on a fresh
#                   database; labels "scenario" plus the tier named by a
#                   "-- label: quick|medium|long" line in the file (default
#                   quick).  The file header lists its test groups.
#   lua/NAME        one per tests/lua/*.lua (the Lua API: arguments, query,
#                   events, spawn, config, sandbox); a "-- args: ..." line
#                   gives extra `memsim run` arguments.
#   lua/NAME        one per tests/lua/*.sh (exit codes, Ctrl-C, memsim.so in
#                   a stock lua5.4), run as: bash NAME.sh MEMSIM SRC MODULE_DIR
set(MEMSIM_RUN_LUA ${CMAKE_CURRENT_LIST_DIR}/lua/run_lua.cmake)

# _memsim_lua_test(NAME SCRIPT LABEL): one `memsim run` test.
function(_memsim_lua_test name script labels)
  file(STRINGS ${script} argline REGEX "^-- args: " LIMIT_COUNT 1)
  string(REGEX REPLACE "^-- args: *" "" args "${argline}")
  string(REPLACE "/" "-" dbname ${name})
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DMEMSIM=$<TARGET_FILE:memsim> -DSCRIPT=${script}
      -DDB=${CMAKE_CURRENT_BINARY_DIR}/${dbname}.db "-DARGS=${args}" -P ${MEMSIM_RUN_LUA})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}")
endfunction()

file(GLOB MEMSIM_SCENARIOS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.lua)
foreach(sc ${MEMSIM_SCENARIOS})
  get_filename_component(name ${sc} NAME_WE)
  file(STRINGS ${sc} lbl REGEX "^-- label: *(quick|medium|long)" LIMIT_COUNT 1)
  set(tier quick)
  if(lbl)
    string(REGEX REPLACE "^-- label: *([a-z]+).*" "\\1" tier "${lbl}")
  endif()
  _memsim_lua_test(scenario/${name} ${sc} "scenario;${tier}")
endforeach()

file(GLOB MEMSIM_LUA_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/lua/*.lua)
list(FILTER MEMSIM_LUA_TESTS EXCLUDE REGEX "/t\\.lua$")
foreach(src ${MEMSIM_LUA_TESTS})
  get_filename_component(name ${src} NAME_WE)
  _memsim_lua_test(lua/${name} ${src} "lua;quick")
endforeach()

file(GLOB MEMSIM_LUA_SH_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/lua/*.sh)
list(FILTER MEMSIM_LUA_SH_TESTS EXCLUDE REGEX "/lib\\.sh$")
foreach(src ${MEMSIM_LUA_SH_TESTS})
  get_filename_component(name ${src} NAME_WE)
  if(name STREQUAL "module" AND NOT TARGET memsim_module)
    continue()
  endif()
  set(moddir "")
  if(TARGET memsim_module)
    set(moddir $<TARGET_FILE_DIR:memsim_module>)
  endif()
  add_test(NAME lua/${name} COMMAND bash ${src} $<TARGET_FILE:memsim> ${PROJECT_SOURCE_DIR} ${moddir})
  set_tests_properties(lua/${name} PROPERTIES LABELS "lua;quick")
endforeach()

# memsim.so in a stock lua5.4: an AddressSanitizer runtime must be loaded
# before the interpreter starts, and the interpreter's own allocations are
# not ours to leak-check.
if(TEST lua/module AND MEMSIM_ASAN)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
    OUTPUT_VARIABLE _memsim_libasan OUTPUT_STRIP_TRAILING_WHITESPACE)
  set_tests_properties(lua/module PROPERTIES
    ENVIRONMENT "LD_PRELOAD=${_memsim_libasan};ASAN_OPTIONS=detect_leaks=0")
endif()
