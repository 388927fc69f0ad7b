# Regression traces: one CTest entry per traces/regression/*.json case, each
# checked with `memsim check` on the architectures the case lists.
file(GLOB MEMSIM_REGRESSION_CASES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/traces/regression/*.json)
foreach(c ${MEMSIM_REGRESSION_CASES})
  get_filename_component(name ${c} NAME_WE)
  add_test(NAME regression/${name} COMMAND memsim check ${c})
  set_tests_properties(regression/${name} PROPERTIES LABELS "regression;quick")
endforeach()
