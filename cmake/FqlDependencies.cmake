# All third-party lookups. Each is wrapped in a small fql_* target so that
# modules link a name we own, and Debian's packaging quirks stay here.

# ANTLR4: tool 4.7.2 (/usr/bin/antlr4, a wrapper that sets the classpath) and
# the C++ runtime 4.9, whose imported target carries no include directory.
find_package(Java 11 REQUIRED COMPONENTS Runtime)
find_program(FQL_ANTLR4_TOOL NAMES antlr4 REQUIRED)
find_package(antlr4-runtime 4.9 REQUIRED CONFIG)
add_library(fql_antlr4_runtime INTERFACE)
target_include_directories(fql_antlr4_runtime SYSTEM INTERFACE "${ANTLR4_INCLUDE_DIR}")
target_link_libraries(fql_antlr4_runtime INTERFACE antlr4_shared)

# LLVM 14 through the shared libLLVM-14.so. Only compiler/jit links it.
find_package(LLVM 14 REQUIRED CONFIG HINTS /usr/lib/llvm-14/lib/cmake/llvm)
add_library(fql_llvm INTERFACE)
target_include_directories(fql_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
separate_arguments(_fql_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_definitions(fql_llvm INTERFACE ${_fql_llvm_defs})
if(FQL_LLVM_DYLIB)
  target_link_libraries(fql_llvm INTERFACE LLVM)
else()
  llvm_map_components_to_libnames(_fql_llvm_libs core orcjit native)
  target_link_libraries(fql_llvm INTERFACE ${_fql_llvm_libs})
endif()

# LevelDB: import the .so directly (Debian's leveldb::leveldb wants libsnappy-dev).
find_path(LEVELDB_INCLUDE_DIR leveldb/db.h REQUIRED)
find_library(LEVELDB_LIBRARY leveldb REQUIRED)
add_library(fql_leveldb UNKNOWN IMPORTED)
set_target_properties(fql_leveldb PROPERTIES
  IMPORTED_LOCATION "${LEVELDB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${LEVELDB_INCLUDE_DIR}")

# ZeroMQ + cppzmq (header-only target 'cppzmq').
find_package(cppzmq 4.7 REQUIRED CONFIG)

# libedit (BSD licence) for the shell, PCRE2 for FQL's Java-style regexes.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)

find_package(Threads REQUIRED)
if(FQL_BUILD_TESTS)
  find_package(GTest 1.10 REQUIRED CONFIG)
  include(GoogleTest)
  pkg_check_modules(GMOCK REQUIRED IMPORTED_TARGET gmock)
endif()
