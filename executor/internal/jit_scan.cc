// Compiled scans, executor side: from a set's DocPipeline and the calling
// builtin to a LoopPlan (jit::PlanScan), the tiering decision, and the run.
// A compiled scan that fails is not reported: the interpreter runs the call
// again and reports the error exactly as it always does (the scan's lambdas
// cannot write, so running them twice changes nothing). Only a deadline
// error is returned as is.
#include "executor/internal/jit_scan.h"

#include "executor/internal/interp.h"
#include "executor/internal/jit_loop.h"
#include "executor/internal/jit_runtime.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BoundLambda;
using frontend::BuiltinId;

struct ScanOutcome {
  int64_t count = 0;
  Value acc;
  Array output;
};

std::optional<Result<ScanOutcome>> RunScan(CallContext& ctx, const DocPipeline& pipeline,
                                           jit::LoopKind kind, const BoundLambda* own,
                                           const FramePtr* own_env, Value acc) {
  static const FramePtr kNoFrame;
  Interp& interp = ctx.interp();
  const frontend::BoundCall& call = ctx.call();
  auto interpreted = [&](std::string why) {
    interp.Explain(call, [&] { return "interpreted scan: " + why; });
    return std::nullopt;
  };
  if (interp.jit_mode() == JitMode::kOff) return interpreted("--jit off");
  StorageContext* sc = interp.storage();
  // A query that edited history is left to the interpreter.
  if (sc == nullptr || sc->txn().has_history_edits()) {
    return interpreted(
        "the query edited history (Insert/Remove); the interpreter reads such queries");
  }
  std::vector<const BoundLambda*> filters;
  std::vector<const FramePtr*> envs;
  for (const Value& f : pipeline.filters) {
    const FramePtr* env = nullptr;
    const BoundLambda* l = ClosureLambda(f, &env);
    if (l == nullptr) return interpreted("a Filter's function is not a Lambda of this query");
    filters.push_back(l);
    envs.push_back(env);
  }
  envs.push_back(own_env ? own_env : &kNoFrame);
  std::string why;
  std::optional<jit::LoopPlan> plan =
      jit::PlanScan(call, kind, std::move(filters), own, ImplementedBuiltins(), &why);
  if (!plan) return interpreted(why);
  // Near the nesting limit the interpreter must run, to fail where it fails.
  if (interp.depth() + plan->max_depth > kMaxEvalDepth)
    return interpreted("too close to the nesting limit");
  std::string how;
  std::shared_ptr<const jit::CompiledLoop> compiled = CompiledFor(
      interp, *plan, [&] { return pipeline.approximate_bytes() >= kScanCompileAtBytes; }, &how);
  if (!compiled) {
    return interpreted("--jit auto compiles a scan of at least " +
                       std::to_string(kScanCompileAtBytes >> 10) + " KiB on disk, or when " + how);
  }

  LoopRuntime rt(interp, *plan);
  rt.envs = std::move(envs);
  LoopInputs inputs(*plan, rt.envs);
  std::vector<Value> temps(plan->sites.size() + 1);  // and the element's
  // Only Count and Sum may see the documents in any order: their results
  // cannot tell (a sum of longs whose magnitudes stay within a long is the
  // same in every order; past that, the scan gives up), and an error (whose
  // document would depend on the order) reruns interpreted. Map's output
  // and Reduce's accumulator follow ref order. (An index range has its one
  // order either way.)
  bool any_order = kind == jit::LoopKind::kCount || kind == jit::LoopKind::kSum;
  std::unique_ptr<storage::DocStream> stream = pipeline.open(!any_order);
  rt.stream = stream.get();
  int64_t n = compiled->fn()(&rt, nullptr, 0, inputs.data(), temps.data(), &acc, nullptr);
  if (n == -2) {
    if (!rt.gave_up.empty()) return interpreted(rt.gave_up);
    return interpreted(
        "the compiled sum met a value other than a long, or magnitudes that could overflow, so "
        "the interpreter ran it again in ref order");
  }
  if (kind != jit::LoopKind::kCount && n > static_cast<int64_t>(kMaxArrayElems)) {
    // The interpreter reads such a set into an array first, which cannot
    // hold that many: it reports that.
    return interpreted(
        "the compiled scan kept more elements than an array may hold, so the interpreter ran "
        "it again to report that");
  }
  if (n < 0) {
    if (rt.error.code() == ErrorCode::kTimeout) return Result<ScanOutcome>(std::move(rt.error));
    return interpreted(
        "the compiled scan stopped at an error, so the interpreter ran it again to report it");
  }
  interp.Explain(call, [&] {
    std::string reads = pipeline.entries
                            ? "reads the index entries in index order, and a document (by its ref) "
                              "only where a lambda reads it"
                        : any_order ? "reads the documents partition by partition"
                                    : "reads the documents merged in ref order";
    std::string sums =
        kind == jit::LoopKind::kSum ? "; sums for the enclosing Sum, without the array" : "";
    std::string counts = "; document reads: " + std::to_string(rt.stored_reads) +
                         " from stored bytes, " + std::to_string(rt.interpreted_reads) +
                         " by the interpreter";
    return "compiled scan: " + how + "; fuses " + std::to_string(pipeline.filters.size()) +
           " filter(s)" + sums + "; " + reads + ", fields straight from their stored bytes" +
           counts;
  });
  return Result<ScanOutcome>(ScanOutcome{n, std::move(acc), std::move(rt.output)});
}

}  // namespace

std::optional<Result<int64_t>> CountCompiled(CallContext& ctx, const DocPipeline& pipeline) {
  if (pipeline.filters.empty()) return std::nullopt;  // counted without a scan
  auto r = RunScan(ctx, pipeline, jit::LoopKind::kCount, nullptr, nullptr, Value());
  if (!r) return std::nullopt;
  if (!r->ok()) return Result<int64_t>(std::move(*r).status_move());
  return Result<int64_t>((*r)->count);
}

namespace {

// Opens the set that argument `coll` of `ctx` holds and runs a `kind` scan
// of it with `lambda`; when the scan ran, notes how it read the set.
std::optional<Result<ScanOutcome>> ScanArgument(CallContext& ctx, size_t coll, jit::LoopKind kind,
                                                const BoundLambda& lambda, const FramePtr& env,
                                                Value acc) {
  StorageContext* sc = ctx.interp().storage();
  if (sc == nullptr || ctx.arg(coll).kind() != ValueKind::kSet) return std::nullopt;
  const auto* set = static_cast<const ExecSet*>(ctx.arg(coll).set().plan.get());
  if (set == nullptr) return std::nullopt;
  // Opening reads only schema; if it fails, the builtin fails the same way.
  Result<OpenedSet> opened = set->Open(*sc, sc->at(), ctx);
  if (!opened.ok() || !opened->pipeline) return std::nullopt;
  auto r = RunScan(ctx, *opened->pipeline, kind, &lambda, &env, std::move(acc));
  if (r) NoteAccess(ctx, *opened);  // else the builtin reads the set (and notes how)
  return r;
}

}  // namespace

std::optional<Result<Value>> RunCompiledScan(CallContext& ctx, const BoundLambda& lambda,
                                             const FramePtr& env) {
  BuiltinId id = ctx.call().builtin->id;
  size_t coll = jit::LoopCollectionArg(id);
  jit::LoopKind kind = id == BuiltinId::kMap      ? jit::LoopKind::kMap
                       : id == BuiltinId::kReduce ? jit::LoopKind::kReduce
                                                  : jit::LoopKind::kForeach;
  Value acc = kind == jit::LoopKind::kReduce ? ctx.arg(1) : Value();
  auto r = ScanArgument(ctx, coll, kind, lambda, env, std::move(acc));
  if (!r) return std::nullopt;
  if (!r->ok()) return Result<Value>(std::move(*r).status_move());
  switch (kind) {
    case jit::LoopKind::kMap:
      return Result<Value>(LikeCollection(ctx, coll, std::move((*r)->output)));
    case jit::LoopKind::kReduce:
      return Result<Value>(std::move((*r)->acc));
    default:
      return Result<Value>(ctx.arg(coll));
  }
}

std::optional<Result<Value>> SumCompiled(CallContext& map) {
  const frontend::BoundCall& call = map.call();
  if (map.size() != 2 || call.args.size() != 2 ||
      call.args[1]->kind != frontend::BoundKind::kLambda)
    return std::nullopt;
  const auto& lambda = call.args[1]->Cast<BoundLambda>();
  std::shared_ptr<const frontend::BoundQuery> owner;
  const FramePtr* env = ClosureEnv(map.arg(1), lambda, &owner);
  if (env == nullptr) return std::nullopt;
  auto r = ScanArgument(map, 0, jit::LoopKind::kSum, lambda, *env, Value());
  if (!r) return std::nullopt;
  if (!r->ok()) return Result<Value>(std::move(*r).status_move());
  return Result<Value>(std::move((*r)->acc));
}

}  // namespace fqldb::executor::internal
