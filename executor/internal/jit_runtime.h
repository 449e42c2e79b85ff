#pragma once

// Shared by the executor's compiled-loop files (jit_loop.cc: loops over
// arrays and the entry points; jit_scan.cc: loops over collection scans).
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/jit/loop_jit.h"
#include "executor/internal/call_context.h"
#include "storage/doc_codec.h"
#include "storage/transaction.h"

namespace fqldb::executor::internal {

// What a doc-read site (Get(x), Select(path, Get(x)), or Select(path, d)
// with d a Let-named Get(x)) reads, worked out at its first use in a run.
struct DocReadSite {
  enum class Kind : uint8_t { kUnresolved, kDocument, kTs, kPath, kInterpret };
  struct Step {
    std::string_view field;  // the field's name, when index < 0
    int64_t index = -1;      // else the array index
  };
  Kind kind = Kind::kUnresolved;
  std::vector<Step> steps;
};

// The state of one compiled loop run; the `rt` of every entry point.
struct LoopRuntime {
  LoopRuntime(Interp& i, const jit::LoopPlan& p) : interp(i), plan(p) {}
  Interp& interp;
  const jit::LoopPlan& plan;
  // The closure frame of each lambda (LoopPlan's numbering).
  std::vector<const FramePtr*> envs;
  FramePtr no_env;  // eager builtins read no environment
  Status error;
  // Scans only: the documents, the current one's parsed body (nullopt
  // until a doc-read asks, or when its bytes are not a valid encoding),
  // and what Map emitted.
  storage::DocStream* stream = nullptr;
  bool started = false;
  bool doc_parsed = false;
  std::optional<storage::DocView> doc;
  Array output;
  std::vector<DocReadSite> doc_sites;  // by site number
  std::string gave_up;                 // why doc_probe made the scan give up (-2)
  // Doc-read sites answered from stored bytes, and left to the interpreter.
  uint64_t stored_reads = 0;
  uint64_t interpreted_reads = 0;
};

// Which builtins the runtime implements (indexed by BuiltinId).
const std::vector<bool>& ImplementedBuiltins();

// A LoopFn's `inputs`: `plan`'s constants, then the values of its captured
// variables, read from each lambda's frame (`envs`) and held here.
class LoopInputs {
 public:
  LoopInputs(const jit::LoopPlan& plan, const std::vector<const FramePtr*>& envs);
  LoopInputs(const LoopInputs&) = delete;  // pointers_ points into captured_
  LoopInputs& operator=(const LoopInputs&) = delete;
  const Value* const* data() const { return pointers_.data(); }

 private:
  std::vector<Value> captured_;
  std::vector<const Value*> pointers_;
};

// The compiled code for `plan`: from the shared cache, or compiled now when
// the mode asks for it, or `large()` (the input is expected to be big; asked
// only on a cache miss), or the shape has been interpreted often. nullptr:
// interpret. `*how` says which (for --explain).
std::shared_ptr<const jit::CompiledLoop> CompiledFor(Interp& interp, const jit::LoopPlan& plan,
                                                     const std::function<bool()>& large,
                                                     std::string* how);

// --explain: the tier of `code`, and whether it was compiled now (and how
// long that took) or found in the cache.
std::string DescribeCompiled(const jit::CompiledLoop& code, bool now);

}  // namespace fqldb::executor::internal
