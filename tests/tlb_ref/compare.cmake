# compare.cmake - run the Lua reference model (tlb_ref.lua) and the C driver
# (tlb-drive) on one trace with one configuration; fail unless their outputs
# are identical.  Invoked by tests/tlb.cmake as
#   cmake -DLUA=... -DREF=... -DDRIVE=... -DTRACE=... "-DARGS=k=v k=v" -P compare.cmake
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${LUA} ${REF} ${TRACE} ${args}
  RESULT_VARIABLE ref_rc OUTPUT_VARIABLE ref_out ERROR_VARIABLE ref_err)
execute_process(COMMAND ${DRIVE} ${TRACE} ${args}
  RESULT_VARIABLE drv_rc OUTPUT_VARIABLE drv_out ERROR_VARIABLE drv_err)
if(NOT ref_rc EQUAL 0)
  message(FATAL_ERROR "tlb_ref.lua failed (${ref_rc}): ${ref_err}")
endif()
if(NOT drv_rc EQUAL 0)
  message(FATAL_ERROR "tlb-drive failed (${drv_rc}): ${drv_err}")
endif()
if(NOT ref_out STREQUAL drv_out)
  message(FATAL_ERROR "counters differ for ${TRACE} ${ARGS}\n"
    "--- reference (tlb_ref.lua)\n${ref_out}--- core/tlb (tlb-drive)\n${drv_out}")
endif()
message(STATUS "${TRACE} ${ARGS}:\n${drv_out}")
