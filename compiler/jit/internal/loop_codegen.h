#pragma once

// The loop code generator (compiler/jit only; includes no LLVM headers, so
// that callers only need forward declarations).
#include <string>

#include "compiler/jit/loop_jit.h"

namespace llvm {
class Function;
class LLVMContext;
class Module;
}  // namespace llvm

namespace fqldb::jit::internal {

// Emits `plan`'s loop into `mod` as an external function called `name`
// with the LoopFn signature.
llvm::Function* EmitLoop(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod,
                         const std::string& name);

// The runtime entry points generated code calls, in EntryPoints' order.
constexpr size_t kNumEntryPoints = 13;
extern const char* const kEntryPointNames[kNumEntryPoints];

}  // namespace fqldb::jit::internal
