#pragma once

// Compiled scans: Count, Map, Reduce, Foreach and Sum(Map(...)) over a set that is a
// collection's documents, or an index range (Match), filtered by lambdas run
// as one native loop (compiler/jit PlanScan), reading the fields the lambdas
// select straight from the stored bytes instead of decoding whole documents.
#include <optional>

#include "executor/internal/call_context.h"
#include "executor/internal/set_plan.h"

namespace fqldb::executor::internal {

// Tiering for scans in JitMode::kAuto: compile on the first run when the
// collection holds at least this many bytes on disk (LevelDB's estimate;
// see docs/benchmarks.md for the measurements behind it), or once the
// shape has been interpreted kHotRuns times.
inline constexpr uint64_t kScanCompileAtBytes = 256u << 10;

// Count(set) for the Count call in `ctx`. nullopt: count as usual (the scan
// does not compile, auto mode chose to interpret, or the compiled run
// failed: the interpreter then reports the error exactly as it does).
std::optional<Result<int64_t>> CountCompiled(CallContext& ctx, const DocPipeline& pipeline);

// Map, Reduce or Foreach in `ctx` (arguments evaluated) over a set, with
// its literal lambda `lambda` closed over `env`. nullopt as above.
std::optional<Result<Value>> RunCompiledScan(CallContext& ctx, const frontend::BoundLambda& lambda,
                                             const FramePtr& env);

// Sum(Map(set, lambda)): `map` is the Map call with its arguments
// evaluated (a set, and its literal lambda). The sum of the lambda's results
// over the set, without building Map's array, as a compiled kSum scan.
// nullopt as above, and also when the results are not all longs or their
// magnitudes could overflow: the caller then runs Map and Sum as usual.
std::optional<Result<Value>> SumCompiled(CallContext& map);

}  // namespace fqldb::executor::internal
