#pragma once

// The executor's side of compiled loops (compiler/jit/loop_jit.h): when a
// Map, Filter, Foreach or Reduce call runs compiled, and the runtime entry
// points its code calls.
#include <memory>
#include <optional>
#include <unordered_map>

#include "compiler/jit/loop_jit.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

// What one run knows about one of its loop call sites. `owner` keeps the
// call's bound tree alive (a stored function's tree may otherwise be freed
// and rebound within a run), so its address stays a valid key.
struct LoopSite {
  std::shared_ptr<const frontend::BoundQuery> owner;
  std::optional<jit::LoopPlan> plan;  // nullopt: the call does not compile
  std::string why;                    // then why (for --explain)
  std::shared_ptr<const jit::CompiledLoop> compiled;
  std::string how;         // --explain: where `compiled` came from
  bool looked_up = false;  // the shared cache was asked once this run
};
struct JitLoops {
  std::unordered_map<const frontend::BoundCall*, LoopSite> sites;
};

// Tiering thresholds for JitMode::kAuto (see docs/benchmarks.md for the
// measurements behind them): compile a shape on its first run when it has
// at least kCompileAtElements elements, or after it has been interpreted
// kHotRuns times with at least kHotMinElements (counted across runs).
inline constexpr size_t kCompileAtElements = 20000;
inline constexpr uint32_t kHotRuns = 8;
inline constexpr size_t kHotMinElements = 16;

// Runs the call in `ctx` (Map, Filter, Foreach or Reduce, its arguments
// evaluated) as a compiled loop when the run's mode and the call allow.
// nullopt: the builtin should run as usual. Otherwise the builtin's result
// or error, identical to what the builtin would have produced.
std::optional<Result<Value>> RunCompiledLoop(Interp& interp, CallContext& ctx,
                                             std::unique_ptr<JitLoops>& loops);

// The process's JIT (nullptr if LLVM could not start; everything is then
// interpreted). Created on first use.
jit::LoopJit* SharedLoopJit();

}  // namespace fqldb::executor::internal
