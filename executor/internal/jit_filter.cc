// A set's Filter read entry by entry, its lambda compiled once that pays
// (see jit_filter.h). The compiled code is a kCount scan of one filter over
// a stream that holds the entry being tested, so it shares its shape (and
// cache entry) with Count(Filter(set, fn)).
#include "executor/internal/jit_filter.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "executor/internal/interp.h"
#include "executor/internal/jit_loop.h"
#include "executor/internal/jit_runtime.h"
#include "executor/internal/set_plan.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using storage::SetEntry;

// Yields the entry another cursor is on, once (and lends its stored
// version, when that one does).
class OneEntryCursor : public storage::EntryCursor {
 public:
  void Reset(const storage::EntryCursor* in) { in_ = in; }
  bool Valid() const override { return in_ != nullptr; }
  const SetEntry& entry() const override { return in_->entry(); }
  void Next() override { in_ = nullptr; }
  Status status() const override { return Status::Ok(); }
  std::optional<StoredVersion> stored() const override { return in_->stored(); }

 private:
  const storage::EntryCursor* in_ = nullptr;
};

class FilterTester {
 public:
  FilterTester(CallContext& ctx, StorageContext& sc, Value fn)
      : ctx_(ctx), sc_(sc), fn_(std::move(fn)) {}

  Result<bool> Test(const storage::EntryCursor& in) {
    const SetEntry& e = in.entry();
    // The deadline and cancellation, as the interpreter checks them (a
    // compiled test of one entry never reaches the loop's own check).
    if ((++tested_ & (jit::kTickEvery - 1)) == 0) {
      FQL_RETURN_IF_ERROR(ctx_.interp().CheckDeadline(ctx_.call()));
    }
    if (!code_ && !done_ && (tested_ == 1 || tested_ == kFilterCompileAfter)) Tier(tested_ > 1);
    // History edits are seen by Get and not by the stored bytes: the
    // interpreter's way (the reader's own lambda may make some as it goes).
    if (!code_ || sc_.txn().has_history_edits()) return Interpreted(e);
    one_->Reset(&in);
    rt_->started = false;
    rt_->doc_parsed = false;
    rt_->error = Status::Ok();
    Value acc;
    int64_t n = code_->fn()(rt_.get(), nullptr, 0, inputs_->data(), temps_.data(), &acc, nullptr);
    if (stream_->Valid()) stream_->Next();  // forget the document it may have read
    if (n == 0 || n == 1) return n == 1;
    if (n == -1 && rt_->error.code() == ErrorCode::kTimeout) return rt_->error;
    if (n == -2) {
      ctx_.interp().Explain(ctx_.call(),
                            [&] { return "interpreted filter from here: " + rt_->gave_up; });
      code_.reset();
      done_ = true;
    }
    // The interpreter decides this entry, and reports any error exactly.
    return Interpreted(e);
  }

 private:
  Result<bool> Interpreted(const SetEntry& e) {
    Value v = EntryOutput(e);
    FQL_ASSIGN_OR_RETURN(Value keep, ctx_.ApplyFn(fn_, {&v, 1}));
    if (!keep.is_bool()) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string("Boolean expected, ") + TypeName(keep) + " provided.");
    }
    return keep.as_bool();
  }

  // Decides whether to compile: at the first entry (`large` false), and
  // once kFilterCompileAfter entries have been tested.
  void Tier(bool large) {
    Interp& interp = ctx_.interp();
    auto interpreted = [&](const std::string& why) {
      done_ = true;
      interp.Explain(ctx_.call(), [&] { return "interpreted filter: " + why; });
    };
    if (interp.jit_mode() == JitMode::kOff) return interpreted("--jit off");
    if (sc_.txn().has_history_edits()) {
      return interpreted(
          "the query edited history (Insert/Remove); the interpreter reads such queries");
    }
    if (!plan_) {
      const FramePtr* env = nullptr;
      const frontend::BoundLambda* l = ClosureLambda(fn_, &env);
      if (l == nullptr) return interpreted("its function is not a Lambda of this query");
      std::string why;
      plan_ = jit::PlanScan(ctx_.call(), jit::LoopKind::kCount, {l}, nullptr, ImplementedBuiltins(),
                            &why);
      if (!plan_) return interpreted(why);
      env_ = env;
    }
    if (interp.depth() + plan_->max_depth > kMaxEvalDepth) {
      return interpreted("too close to the nesting limit");
    }
    std::string how;
    code_ = CompiledFor(
        interp, *plan_, [large] { return large; }, &how);
    if (!code_) {
      // Auto mode asks again after kFilterCompileAfter entries.
      if (large) interpreted(how);
      return;
    }
    done_ = true;
    rt_ = std::make_unique<LoopRuntime>(interp, *plan_);
    rt_->envs = {env_, &no_frame_};
    inputs_.emplace(*plan_, rt_->envs);
    temps_.resize(plan_->sites.size() + 1);
    auto one = std::make_unique<OneEntryCursor>();
    one_ = one.get();
    stream_ = StreamEntries(sc_, CursorPtr(std::move(one)));
    rt_->stream = stream_.get();
    interp.Explain(ctx_.call(), [&, n = tested_] {
      return "compiled filter: " + how + "; from entry " + std::to_string(n) +
             " on, the lambda runs compiled, fields straight from their stored bytes";
    });
  }

  CallContext& ctx_;
  StorageContext& sc_;
  Value fn_;  // keeps the closure (and the frame env_ points into) alive
  uint64_t tested_ = 0;
  bool done_ = false;  // no further tiering decision
  std::optional<jit::LoopPlan> plan_;
  const FramePtr* env_ = nullptr;
  FramePtr no_frame_;
  std::shared_ptr<const jit::CompiledLoop> code_;
  std::unique_ptr<LoopRuntime> rt_;
  std::optional<LoopInputs> inputs_;
  std::vector<Value> temps_;
  OneEntryCursor* one_ = nullptr;  // owned by stream_
  std::unique_ptr<storage::DocStream> stream_;
};

}  // namespace

FilterCursor::Keep FilterTest(CallContext& ctx, StorageContext& sc, Value fn) {
  auto tester = std::make_shared<FilterTester>(ctx, sc, std::move(fn));
  return [tester](const storage::EntryCursor& in) { return tester->Test(in); };
}

}  // namespace fqldb::executor::internal
