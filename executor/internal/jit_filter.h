#pragma once

// A set's Filter read entry by entry (Paginate, set algebra, and every
// reader that does not run a whole compiled scan): its lambda runs as a
// compiled loop over the one entry (compiler/jit PlanScan, LoopKind::kCount)
// once that pays, with the document fields it selects read from the stored
// bytes, and through the interpreter until then.
#include <cstdint>

#include "executor/internal/call_context.h"
#include "executor/internal/set_cursors.h"

namespace fqldb::executor::internal {

class StorageContext;

// Tiering in JitMode::kAuto: a Filter read through a cursor compiles its
// lambda once it has tested this many entries in one read (an interpreted
// test that reads a document takes about 6 µs, so 512 of them cost about
// what the quick tier's compile does: docs/benchmarks.md), or at its first
// entry once the shape has been interpreted kHotRuns times.
inline constexpr uint64_t kFilterCompileAfter = 512;

// The test FilterCursor applies for Filter(set, fn), read by the call in
// `ctx`: whether `fn` keeps an entry, with the interpreter's result and
// error for every entry (an entry the compiled code cannot decide, or
// fails on, is tested again by the interpreter, which reports the error).
FilterCursor::Keep FilterTest(CallContext& ctx, StorageContext& sc, Value fn);

}  // namespace fqldb::executor::internal
