# TLB reference-model checks (labels tlb;medium): tests/tlb_ref/tlb_ref.lua,
# an independent Lua model of DESIGN.md 5b, and tests/tlb_ref/tlb-drive, the
# same lackey traces through core/tlb's tlb_hier_access, must print the same
# counters.  One test per (trace, configuration); needs lua5.4.
add_executable(tlb-drive ${CMAKE_CURRENT_LIST_DIR}/tlb_ref/tlb_drive.c)
target_link_libraries(tlb-drive PRIVATE memsim_core)

find_program(MEMSIM_LUA54 NAMES lua5.4 lua54)
if(NOT MEMSIM_LUA54)
  message(STATUS "lua5.4 not found: TLB reference-model tests skipped")
  return()
endif()

# name -> arguments given to both tlb_ref.lua and tlb-drive
set(MEMSIM_TLB_REF_CONFIGS
  "default|l1d=64:4 l1i=128:8 l2=1536:12 policy=lru"
  "fifo|l1d=64:4 l1i=128:8 l2=1536:12 policy=fifo"
  "fullassoc|l1d=16:16 l1i=32:0 l2=64:0 policy=lru"
  "sets3|l1d=24:8 l1i=40:4 l2=96:8 policy=lru"
  "ways12|l1d=48:12 l1i=128:8 l2=96:6 policy=lru"
  "fifo_sets125|l1d=24:8 l1i=40:4 l2=1500:12 policy=fifo"
  "direct|l1d=4:2 l1i=2:1 l2=8:1 policy=lru"
  "plru|l1d=64:4 l1i=128:8 l2=1024:8 policy=plru"
  "plru_sets3|l1d=24:8 l1i=64:0 l2=96:4 policy=plru")

file(GLOB MEMSIM_TLB_REF_TRACES ${PROJECT_SOURCE_DIR}/traces/lackey/*.lackey.gz)
foreach(trace ${MEMSIM_TLB_REF_TRACES})
  get_filename_component(tname ${trace} NAME)
  string(REGEX REPLACE "\\.lackey\\.gz$" "" tname ${tname})
  foreach(cfg ${MEMSIM_TLB_REF_CONFIGS})
    string(REPLACE "|" ";" cfg "${cfg}")
    list(GET cfg 0 cname)
    list(GET cfg 1 cargs)
    add_test(NAME tlb_ref/${tname}/${cname}
      COMMAND ${CMAKE_COMMAND} -DLUA=${MEMSIM_LUA54}
        -DREF=${CMAKE_CURRENT_LIST_DIR}/tlb_ref/tlb_ref.lua
        -DDRIVE=$<TARGET_FILE:tlb-drive> -DTRACE=${trace} "-DARGS=${cargs}"
        -P ${CMAKE_CURRENT_LIST_DIR}/tlb_ref/compare.cmake)
    set_tests_properties(tlb_ref/${tname}/${cname} PROPERTIES LABELS "tlb;medium")
  endforeach()
endforeach()
