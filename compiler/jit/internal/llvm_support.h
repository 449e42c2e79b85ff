#pragma once

// LLVM glue shared by this folder's .cc files (includes LLVM headers: never
// include it from a public header).
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>

#include <mutex>

#include "common/status.h"

namespace fqldb::jit::internal {

// The one place LLVM errors become Status values.
inline Status FromLlvm(llvm::Error err) {
  return Status(ErrorCode::kInternal, "LLVM: " + llvm::toString(std::move(err)));
}

// Registers the host target with LLVM, once per process.
inline void InitNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

}  // namespace fqldb::jit::internal
