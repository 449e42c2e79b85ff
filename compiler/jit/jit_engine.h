#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace fqldb::jit {

// Compiles `add(a, b)` to native code with LLVM ORC LLJIT and calls it with
// (a, b). Proves the toolchain works end to end (IR building, the native
// target, symbol lookup); the real lowering of lambdas and pipelines lands
// with issue 4. Thread-safe. Errors: kInternal with LLVM's message.
Result<int64_t> CompileAndRunAdd(int64_t a, int64_t b);

// "LLVM 14.0.6" — the LLVM this binary was built against.
std::string LlvmVersion();

}  // namespace fqldb::jit
