# fql_add_test(<name> SOURCES <files...> DEPS <targets...>)
# One executable per module; each TEST() becomes its own ctest entry.
function(fql_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE fql_options ${ARG_DEPS} GTest::gtest_main)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    PROPERTIES TIMEOUT 120)
endfunction()
