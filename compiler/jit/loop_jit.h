#pragma once

// Compiles the per-element work of Map, Filter, Reduce and Foreach (a
// literal lambda applied to every element of an array) into one native loop
// with LLVM ORC LLJIT. LLVM headers stay in the .cc files.
//
// Generated code keeps null, bool, long and double values unboxed and does
// long and double arithmetic and comparisons inline. Everything else goes
// through runtime entry points that the executor implements with the very
// builtins the interpreter calls (see EntryPoints), so both tiers compute the
// same values and fail with the same errors. An error never unwinds through
// generated code: an entry point records it and returns nonzero, and the
// loop returns nonzero at once.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "compiler/frontend/bound_tree.h"

namespace fqldb::jit {

// A value as generated code hands it to an entry point: a null, bool, long
// or double in `bits` (a double's bit pattern; a bool in bit 0); any other
// kind in `*box`. `box` may be null only for those four scalar kinds.
struct Tagged {
  uint8_t kind;  // a ValueKind
  int64_t bits;
  const Value* box;
};
static_assert(sizeof(Tagged) == 24, "generated code lays Tagged out as {i8, i64, ptr}");

// The runtime the executor provides. `rt` is the executor's state for one
// loop run; `site` indexes LoopPlan::sites. Every entry point that can fail
// returns 0 on success, or records the error in `rt` and returns nonzero.
struct EntryPoints {
  // Calls the eager builtin at `site` with its evaluated arguments, exactly
  // as the interpreter does once it has evaluated them; result in `*out`.
  int32_t (*call)(void* rt, uint32_t site, const Tagged* args, uint32_t n, Value* out);
  // Builds the array or object literal at `site` from its evaluated parts.
  int32_t (*make)(void* rt, uint32_t site, const Tagged* parts, uint32_t n, Value* out);
  // Evaluates the subtree at `site` with the interpreter; `locals` are the
  // lambda frame's slots (`n` = its size).
  int32_t (*eval)(void* rt, uint32_t site, const Tagged* locals, uint32_t n, Value* out);
  // Fails with "Boolean expected, <type> provided." at argument `arg` of the
  // call at `site`. Always returns nonzero.
  int32_t (*not_bool)(void* rt, uint32_t site, uint32_t arg, const Tagged* v);
  // Checks the query's deadline and cancellation (every few thousand elements).
  int32_t (*tick)(void* rt);
  // Stores `*v` into `*dst` (a value that is not a null, bool, long or
  // double: generated code writes those itself).
  int32_t (*store)(void* rt, Value* dst, const Tagged* v);

  // Scans (LoopSource::kScan) only.
  // Moves to the next scanned document: 1, or 0 at the end, or -1 on error.
  int32_t (*next)(void* rt);
  // The element the lambdas see (the current document's ref) into `*out`.
  int32_t (*elem)(void* rt, Value* out);
  // Reads what the doc-read site `site` yields for the current document,
  // from its stored bytes. The site is Get(x), Select(path, Get(x)[,
  // default]), or Select(path, d[, default]) with d a Let variable bound to
  // Get(x); x is the element (`ref` null) or a parameter the lambda
  // destructured from it (`*ref` its value), which must then be the ref of
  // the document the scan is on. 0: the value is in `*out` (a boxed one
  // lives in `*box`); 1: the interpreter must evaluate the site instead (a
  // missing field, a path that does not walk plain objects and arrays, an
  // x that is not that document's ref). Nonzero otherwise is an error.
  int32_t (*doc_read)(void* rt, uint32_t site, const Tagged* ref, Tagged* out, Value* box);
  // Appends a Map result to the scan's output.
  int32_t (*emit)(void* rt, const Tagged* v);
  // Whether Get(x) (x as for doc_read) reads the current document's stored
  // bytes and cannot fail, so that a Let may bind it without reading it: 0
  // yes; 1 no, and the scan gives up (returns -2) for the interpreter.
  int32_t (*doc_probe)(void* rt, const Tagged* ref);

  // Loops over arrays and scans.
  // Binds the parameters of lambda `lambda` (LoopPlan's numbering), which
  // destructures its argument `*elem` into `n` names, as the interpreter
  // does: `*elem` must be an array of `n` elements, which go to out[0..n-1]
  // (their boxes point into `*elem`). Else fails with the interpreter's error.
  int32_t (*bind)(void* rt, uint32_t lambda, const Tagged* elem, uint32_t n, Tagged* out);
  // Filter over an array: appends data[positions[0..n-1]] (the elements
  // kept since the last call) to the output. Generated code calls it every
  // kTickEvery elements and at the end, while those elements are in cache.
  int32_t (*keep)(void* rt, const Value* data, const int64_t* positions, uint64_t n);
};

// Generated code checks the deadline (EntryPoints::tick) every kTickEvery
// elements.
inline constexpr uint64_t kTickEvery = 4096;

// not_bool's site for a Filter applied to a scanned set (not a call of the
// loop's tree): the error the set's filter reports.
inline constexpr uint32_t kSetFilterSite = 0xFFFFFFFFu;

// kCount: a scan that counts the documents its filters keep. kSum: a scan
// that sums its lambda's results (Sum(Map(set, lambda)) without the array),
// longs only, in whatever order the documents come: it gives up (returns
// -2) on any other value, and when the magnitudes add up past INT64_MAX,
// so that no order of the additions could overflow where ref order would not.
enum class LoopKind : uint8_t { kMap, kFilter, kReduce, kForeach, kCount, kSum };
// Where the elements come from: an array in memory, or a collection scan
// (the documents of one collection in ref order, read through next/elem/
// doc_read so that fields come straight from the stored bytes).
enum class LoopSource : uint8_t { kArray, kScan };

// Map, Filter, Foreach and Reduce: the builtins whose loops compile.
inline bool IsLoopBuiltin(frontend::BuiltinId id) {
  return id == frontend::BuiltinId::kMap || id == frontend::BuiltinId::kFilter ||
         id == frontend::BuiltinId::kReduce || id == frontend::BuiltinId::kForeach;
}
// Which argument of a loop builtin holds its lambda, and which its elements.
inline size_t LoopLambdaArg(frontend::BuiltinId id) { return id == frontend::BuiltinId::kReduce ? 0 : 1; }
inline size_t LoopCollectionArg(frontend::BuiltinId id) { return id == frontend::BuiltinId::kReduce ? 2 : 0; }

// The loop signature. `inputs` holds LoopPlan::consts then the captured
// variables; `temps` one Value per site, plus one (LoopPlan::elem_temp) for
// a scan's element; `acc` the Reduce accumulator (the
// initial value on entry, the result on return); `out`: for Map, `n` null
// Values it fills; for Filter, room for kTickEvery int64 positions, where
// it gathers those of the kept elements between calls of
// EntryPoints::keep. Returns how
// many outputs were written (Map: n; Filter: 0, the output is keep's; a
// scan: the elements its filters kept, which for Count is the count; else 0), or -1 after an entry
// point failed, or -2 when a scan gave up (a kSum met a value it does not add, or doc_probe said
// no); a kSum's sum is then not written. Scans ignore data, n and out; kSum writes its sum to
// `acc`.
using LoopFn = int64_t (*)(void* rt, const Value* data, uint64_t n, const Value* const* inputs,
                           Value* temps, Value* acc, void* out);

// What one call site needs to run a compiled loop. Equal `key`s compile to
// the same code: constants, positions and captured values are inputs, not
// part of the code.
struct LoopPlan {
  LoopKind kind = LoopKind::kMap;
  LoopSource source = LoopSource::kArray;
  const frontend::BoundCall* call = nullptr;
  const frontend::BoundLambda* lambda = nullptr;  // null for kCount
  // Scans: the lambdas of the Filter calls that built the scanned set, in
  // the order they apply, before `lambda`. Lambda number i < filters.size()
  // is filters[i]; number filters.size() is `lambda`.
  std::vector<const frontend::BoundLambda*> filters;
  size_t collection_arg = 0;  // which argument of `call` holds the elements
  size_t lambda_arg = 0;
  std::string key;
  std::vector<const Value*> consts;
  // Variables of enclosing frames: (lambda number, hops from that lambda's
  // closure frame, slot).
  std::vector<std::array<int, 3>> captures;
  // Nodes that generated code reaches the runtime for; site 0 is `call`.
  std::vector<const frontend::BoundNode*> sites;
  // For each site, the number of the lambda it is in (site 0: `lambda`'s).
  std::vector<int> site_lambda;
  // Scans: for each site, whether it is a doc-read (EntryPoints::doc_read),
  // and for a doc-read, the slot of the destructured parameter it reads the
  // document of (-1: the element itself).
  std::vector<bool> doc_site;
  std::vector<int> doc_ref_slot;
  size_t elem_temp() const { return sites.size(); }
  // For each site, how deep it sits below the lambda (eval sites use it so
  // that evaluation-depth limits match the interpreter's).
  std::vector<int> site_depth;
  int max_depth = 0;  // the deepest node of the body (the body itself is 1)
  // Which builtins the runtime implements (indexed by BuiltinId).
  const std::vector<bool>* implemented = nullptr;

  const frontend::BoundLambda& lambda_at(int i) const {
    return static_cast<size_t>(i) < filters.size() ? *filters[static_cast<size_t>(i)] : *lambda;
  }
  // Whether lambda `i` destructures its element into its parameters (as
  // Lambda(["price", "ref"], ...) does), rather than binding it to one name
  // or, as Reduce's own lambda, taking the accumulator and the element.
  bool destructures(int i) const {
    bool reduce = kind == LoopKind::kReduce && static_cast<size_t>(i) == filters.size();
    return !reduce && !lambda_at(i).single;
  }
};

// Plans `call` when it is Map, Filter, Foreach or Reduce with a literal
// lambda (one name for the element, or names destructured from it;
// Reduce's takes the accumulator and the element), whose body holds no nested Lambda and only
// builtins that `implemented` marks (indexed by BuiltinId). nullopt: not
// compiled; the interpreter runs it, and `*why` (when given) says why, with
// the line:col of the construct that stopped it.
std::optional<LoopPlan> PlanLoop(const frontend::BoundCall& call,
                                 const std::vector<bool>& implemented, std::string* why = nullptr);

// The literal path of a doc-read site's Select (its first argument): the
// strings and numbers it walks; empty when it is not such a literal.
std::vector<const Value*> DocReadPath(const frontend::BoundNode& path);

// Plans a scan: `filters` (each a one-parameter lambda) then, for kMap,
// kForeach and kReduce, `call`'s own lambda (null for kCount), over the
// documents of a collection. The lambdas may not write (a scan reads each
// document once, so a write during it could change what Get would see).
// nullopt: not compiled (`*why` as for PlanLoop).
std::optional<LoopPlan> PlanScan(const frontend::BoundCall& call, LoopKind kind,
                                 std::vector<const frontend::BoundLambda*> filters,
                                 const frontend::BoundLambda* lambda,
                                 const std::vector<bool>& implemented, std::string* why = nullptr);

// kQuick: fast instruction selection, what a query waits for; kOptimized:
// the optimising code generator, compiled in the background afterwards.
enum class JitTier : uint8_t { kQuick, kOptimized };

class CompiledLoop {
 public:
  CompiledLoop(LoopFn fn, double compile_ms, std::shared_ptr<void> code, JitTier tier)
      : fn_(fn), compile_ms_(compile_ms), tier_(tier), code_(std::move(code)) {}
  LoopFn fn() const { return fn_; }
  double compile_ms() const { return compile_ms_; }
  JitTier tier() const { return tier_; }

 private:
  LoopFn fn_;
  double compile_ms_;
  JitTier tier_;
  std::shared_ptr<void> code_;  // frees the machine code with the last user
};

struct JitStats {
  uint64_t compiles = 0;  // quick-tier compiles (what queries waited for)
  uint64_t hits = 0;
  uint64_t evictions = 0;
  double compile_ms_total = 0;
  uint64_t upgrades = 0;  // optimised recompiles swapped in by the background thread
  double upgrade_ms_total = 0;
};

// One LLJIT instance and its compile cache. Thread-safe.
class LoopJit {
 public:
  // `capacity`: compiled shapes kept (least recently used ones are freed).
  // `upgrade`: recompile each shape with the optimising tier in the
  // background after its quick compile.
  static Result<std::unique_ptr<LoopJit>> Create(const EntryPoints& entry_points, size_t capacity,
                                                 bool upgrade = true);
  ~LoopJit();

  // The compiled loop for `plan`'s shape, or nullptr if none is cached.
  std::shared_ptr<const CompiledLoop> Find(const std::string& key);
  // Finds, or compiles the quick tier now (and queues the optimised tier
  // for the background thread). Errors: kInternal with LLVM's message.
  Result<std::shared_ptr<const CompiledLoop>> Compile(const LoopPlan& plan);
  // Blocks until every queued optimised recompile has been swapped in.
  void WaitForUpgrades();
  // Counts a run of `key` by the interpreter and returns how many there
  // have been (bounded memory; approximate once many shapes are seen).
  uint32_t NoteInterpreted(const std::string& key);
  JitStats stats() const;

 public:
  struct Impl;  // public so that process exit can stop its worker

 private:
  explicit LoopJit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fqldb::jit
