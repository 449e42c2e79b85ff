#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "executor/explain.h"
#include "executor/internal/call_context.h"
#include "executor/interpreter.h"

namespace fqldb::executor::internal {

struct JitLoops;

// The tree-walking evaluator for one query run. Not thread-safe; one per run.
class Interp {
 public:
  Interp(std::shared_ptr<const frontend::BoundQuery> query, const RunOptions& options);
  ~Interp();

  Result<Value> Eval(const frontend::BoundNode& n, const FramePtr& env);
  // Applies a lambda value; `site` is the node to blame for a non-lambda.
  Result<Value> Apply(const Value& fn, std::span<const Value> args, const frontend::BoundNode& site);
  // Runs builtin `fn` for the call in `ctx` once its arguments are in
  // `ctx.args` (eager builtins): charges the work, checks the deadline,
  // spreads a varargs array, calls, then locates and checks the result.
  Result<Value> Invoke(BuiltinFn fn, CallContext& ctx);
  // Eval() and Invoke() as if run `extra_depth` levels below the current
  // evaluation: compiled code reaches a node `extra_depth` deep in a lambda
  // body this way, so that the nesting limit counts the same as here.
  Result<Value> EvalNested(const frontend::BoundNode& n, const FramePtr& env, int extra_depth);
  Result<Value> InvokeNested(BuiltinFn fn, CallContext& ctx, int extra_depth);
  int depth() const { return depth_; }
  JitMode jit_mode() const { return options_.jit; }
  ExplainLog* explain() const { return options_.explain; }
  // --explain: notes what `text()` says against `n` (built only when the
  // run explains).
  template <typename F>
  void Explain(const frontend::BoundNode& n, F&& text, int64_t elements = -1) {
    if (options_.explain) options_.explain->Add(&n, text(), elements);
  }
  Timestamp now() const { return options_.now; }
  StorageContext* storage() const { return options_.storage; }
  // Fails with kTimeout (located at `n`) once the run is past its deadline.
  Status CheckDeadline(const frontend::BoundNode& n) const;
  // Drops the values of frames that may be in reference cycles. Call once the
  // run's result has been taken.
  void BreakCycles();
  const std::shared_ptr<const frontend::BoundQuery>& query() const { return query_; }

 private:
  Result<Value> EvalCall(const frontend::BoundCall& call, const FramePtr& env);
  std::optional<Result<Value>> EvalSumOfMap(const frontend::BoundCall& sum, const FramePtr& env);
  Status CheckBudget(const frontend::BoundNode& n);

  std::shared_ptr<const frontend::BoundQuery> query_;
  RunOptions options_;
  std::unique_ptr<JitLoops> jit_loops_;  // this run's compiled-loop sites
  std::chrono::steady_clock::time_point deadline_;
  // Free lists that spare the allocator on every lambda application and
  // builtin call: frames nothing captured, and argument vectors.
  FramePtr TakeFrame();
  void RecycleFrame(FramePtr frame);
  std::vector<FramePtr> free_frames_;
  std::vector<std::vector<Value>> free_args_;
  // Frames into which a Let stored a lambda: cleared after the run to break
  // frame -> closure -> frame reference cycles.
  std::vector<FramePtr> cyclic_frames_;
  int depth_ = 0;
  uint32_t steps_ = 0;
  uint64_t work_ = 0;  // input size charged by builtin calls since the last deadline check
};

// The frame a lambda value closed over, when `fn` is the closure made from
// the bound lambda `lambda`; nullptr otherwise.
// `owner` (optional) receives the bound tree the lambda belongs to.
const FramePtr* ClosureEnv(const Value& fn, const frontend::BoundLambda& lambda,
                           std::shared_ptr<const frontend::BoundQuery>* owner = nullptr);

// The bound lambda and frame of a closure value; nullptr for anything else
// (a stored lambda, which has no bound tree until it is applied).
const frontend::BoundLambda* ClosureLambda(const Value& fn, const FramePtr** env);

// The checks every computed value passes: a finite number, nesting and
// size within the limits.
Status CheckValue(const Value& v);

// Parses and binds the source of a stored lambda (a stored function's body),
// which must be exactly one Lambda with no free variables. Cached by text;
// thread-safe. Errors: the parse or bind error, positioned in `fql`.
Result<std::shared_ptr<const frontend::BoundQuery>> BindStoredLambda(const std::string& fql);

// Applies a stored lambda (its FQL source) to `args` in a run of its own,
// with no storage: an index binding. Thread-safe.
Result<Value> ApplyStoredLambda(const std::shared_ptr<const QueryBody>& lambda,
                                std::span<const Value> args);

// Attaches the position path and line:col of `node` to an error that has none.
Status Locate(Status st, const frontend::BoundNode& node);

}  // namespace fqldb::executor::internal
