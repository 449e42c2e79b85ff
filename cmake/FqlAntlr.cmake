# fql_antlr_generate(<target> <grammar.g4> <c++ namespace>)
# Runs the ANTLR tool at build time and wraps the generated C++ in a static
# library <target>. Output lives only in the build tree.
function(fql_antlr_generate target grammar_file namespace)
  get_filename_component(name "${grammar_file}" NAME_WE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/generated")
  set(srcs "${out}/${name}Lexer.cpp" "${out}/${name}Lexer.h"
           "${out}/${name}Parser.cpp" "${out}/${name}Parser.h")
  add_custom_command(
    OUTPUT ${srcs}
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${out}"
    COMMAND "${FQL_ANTLR4_TOOL}" -Dlanguage=Cpp -no-listener -no-visitor
            -package "${namespace}" -Xexact-output-dir -o "${out}" "${grammar_file}"
    DEPENDS "${grammar_file}"
    COMMENT "ANTLR4 ${name}.g4 -> C++"
    VERBATIM)
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} SYSTEM PUBLIC "${out}")
  target_link_libraries(${target} PUBLIC fql_antlr4_runtime)
  target_compile_options(${target} PRIVATE -w)
  # ANTLR 4.7.2 emits u8"..." literals that C++20 rejects; pin this target to 17.
  set_target_properties(${target} PROPERTIES CXX_STANDARD 17)
endfunction()
