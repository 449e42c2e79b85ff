#pragma once

// Shared by the loop planner and the code generator (compiler/jit only).
#include <vector>

#include "compiler/jit/loop_jit.h"

namespace fqldb::jit::internal {

// How the code generator treats a call in a lambda body.
enum class LowerAs {
  kInline,  // typed fast path in generated code, the builtin on its slow path
  kCall,    // arguments in generated code, then the builtin through EntryPoints::call
  kEval,    // the whole subtree through EntryPoints::eval (the interpreter)
};

LowerAs Classify(const frontend::BoundCall& call, const std::vector<bool>& implemented);

// Null, bool, long and double: the kinds generated code keeps unboxed.
bool IsScalarKind(ValueKind k);

// Whether `n` reads slot `slot` of the current frame (a Var with no hops).
bool UsesSlot(const frontend::BoundNode& n, int slot);

}  // namespace fqldb::jit::internal
