#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "compiler/frontend/bound_tree.h"
#include "compiler/jit/loop_jit.h"

namespace fqldb::executor {

namespace internal {
class StorageContext;
}  // namespace internal
class ExplainLog;

// Limits that keep one query from exhausting a node.
inline constexpr int kMaxEvalDepth = 2000;           // nested evaluations, lambdas included
inline constexpr uint32_t kMaxValueDepth = 1000;     // nesting of arrays and objects in a value
inline constexpr size_t kMaxStringBytes = 16u << 20; // a string a builtin may build
inline constexpr size_t kMaxArrayElems = 16u << 20;  // an array a builtin may build
inline constexpr uint64_t kMaxValueParts = 16u << 20; // parts of a value, shared parts counted
                                                      // each time (what printing visits)
inline constexpr std::chrono::milliseconds kMaxTimeout{24LL * 3600 * 1000};  // timeouts clamp here

// Which tier runs the per-element work of Map, Filter, Reduce and Foreach
// over arrays (a literal lambda): the interpreter, LLVM-compiled loops when
// they pay off, or compiled loops whenever the call can be compiled.
enum class JitMode { kOff, kAuto, kAlways };

struct RunOptions {
  // The transaction time: Now() and Time("now") return it.
  Timestamp now;
  // The query fails with kTimeout after this long.
  std::chrono::milliseconds timeout{60000};
  // When set and it becomes true, the query fails with kCancelled (checked
  // as often as the deadline). Not owned; may be set from a signal handler.
  const std::atomic<bool>* cancel = nullptr;
  // The transaction that storage functions read and write through; without
  // one they fail with kUnsupported. Not owned.
  internal::StorageContext* storage = nullptr;
  JitMode jit = JitMode::kAuto;
  // When set, the run notes how each call read its sets and ran its loops
  // (executor/explain.h). Not owned.
  ExplainLog* explain = nullptr;
};

// Evaluates a bound query with the tree-walking interpreter. `params` fill
// the query's declared parameters in order. Returns the query's value, or
// the first error with Fauna's code, position path and line:col. Never
// throws; limits (depth, size, time) become errors. Thread-safe: concurrent
// calls share nothing mutable.
Result<Value> Run(const std::shared_ptr<const frontend::BoundQuery>& query,
                  const std::vector<Value>& params, const RunOptions& options);

// What the process's JIT has done so far (compiles, cache hits, evictions,
// compile time); all zero when LLVM could not start.
jit::JitStats JitStatistics();
// Blocks until the JIT's background thread has swapped in the optimised
// code of every shape compiled so far (benchmarks time that code).
void WaitForJitUpgrades();

}  // namespace fqldb::executor
