#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "executor/internal/call_context.h"
#include "executor/internal/storage_context.h"
#include "storage/transaction.h"

namespace fqldb::executor::internal {

// What a compiled scan (executor/internal/jit_scan.h) reads instead of a
// set's cursor, for sets that are the documents of one collection, or an
// index range (Match), filtered by zero or more lambdas: the documents
// undecoded (or the entries), in the order the cursor has, and the Filter
// lambdas in the order they apply.
struct DocPipeline {
  // `ordered` false: in any order (for Count, which needs none).
  std::function<std::unique_ptr<storage::DocStream>(bool ordered)> open;
  // About how many bytes the collection's documents take on disk (what
  // the tiering decision looks at).
  std::function<uint64_t()> approximate_bytes;
  std::vector<Value> filters;
  // The stream is an index range (Match): its elements are the entries'
  // outputs, and a document is read only when a lambda reads it.
  bool entries = false;
};

// A DocStream over `entries` (an index range, in its order) for compiled
// scans of Match: each element is the entry's output (its ref, or its
// values); for an entry without values the body is the document its ref
// names, as Get reads it at the run's snapshot, read when first asked for.
std::unique_ptr<storage::DocStream> StreamEntries(
    StorageContext& sc, Result<std::unique_ptr<storage::EntryCursor>> entries);

// A set ready to scan: how its order keys are encoded (for cursors and
// ranges), and the scan itself.
struct OpenedSet {
  std::shared_ptr<const storage::IndexDef> def;  // nullptr: ordered by ref alone
  std::function<Result<std::unique_ptr<storage::EntryCursor>>(const storage::ScanBounds&)> scan;
  // Sets whose cursors are not value tuples (events) encode them here.
  std::function<Result<std::string>(const Value& cursor)> encode_cursor;
  // Sets that can count their entries without scanning them in order
  // (Documents) do it here; `check` is the run's deadline check.
  std::function<Result<uint64_t>(const std::function<Status()>& check)> count;
  // Set when a compiled scan may read this set (see DocPipeline): it was
  // opened at the run's own snapshot, so the Get of a filter lambda reads
  // the version the scan holds.
  std::shared_ptr<const DocPipeline> pipeline;
  // --explain only (empty otherwise): what the scan reads and how, one
  // line per set, inputs indented under the set that reads them.
  std::string access;
};

// --explain: `head`, then each input's access indented under it, when the
// run explains (else empty).
std::string DescribeAccess(CallContext& ctx, const std::string& head,
                           std::initializer_list<const OpenedSet*> inputs = {});
// --explain: notes against the call in `ctx` that it reads `opened`.
void NoteAccess(CallContext& ctx, const OpenedSet& opened);

// A change in a set's membership: `entry` joined (add) or left it at `ts`.
struct SetEvent {
  uint64_t ts = 0;
  bool add = true;
  storage::SetEntry entry;
};

// The executable form of a set value. Immutable and shareable; names are
// resolved when it is opened, so a set built in one snapshot reads
// correctly in another (At, Paginate's ts). Opening may evaluate lambdas
// (Join, Filter) through `ctx`, which must outlive the cursors.
class ExecSet : public SetPlan {
 public:
  virtual Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at,
                                 CallContext& ctx) const = 0;
  // Appends every membership change up to `at` to `out`, in any order
  // (Events). Default: kUnsupported for sets whose history is not kept.
  virtual Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx,
                         std::vector<SetEvent>* out) const;
  // The sets Paginate's `sources` names (`self` is this plan's set value):
  // the inputs of set algebra, recursively; any other set is its own.
  virtual void Sources(const Value& self, std::vector<Value>* out) const { out->push_back(self); }
};

using ExecSetPtr = std::shared_ptr<const ExecSet>;

// A cursor over entries held in memory in ascending order, within `b`.
std::unique_ptr<storage::EntryCursor> MakeVectorCursor(std::vector<storage::SetEntry> all,
                                                       const storage::ScanBounds& b);

// Set values: the two renderings plus the plan.
Value MakeSet(std::string fql, std::string wire, ExecSetPtr plan);
// The plan of a set argument, or a type error.
Result<ExecSetPtr> SetArg(const CallContext& ctx, size_t i);

// The stored sets.
ExecSetPtr DocumentsPlan(Value coll);
// The schema documents of one kind: in the query's database, or in the
// child database `scope` names.
ExecSetPtr NativePlan(storage::NativeColl kind, std::optional<Value> scope = std::nullopt);
ExecSetPtr MatchPlan(Value index, Array terms);
ExecSetPtr SingletonPlan(Value ref);
// Events: of a set (add/remove), or of one document (create/update/delete).
ExecSetPtr EventsPlan(ExecSetPtr input);
ExecSetPtr DocEventsPlan(Value ref);
// Sets built from sets.
// `inputs` are set values (their plans are what the algebra reads).
ExecSetPtr AlgebraPlan(SetOp op, std::vector<Value> inputs);
ExecSetPtr DistinctPlan(ExecSetPtr input);
ExecSetPtr ReversePlan(ExecSetPtr input);
ExecSetPtr RangePlan(ExecSetPtr input, Value from, Value to);
ExecSetPtr FilterPlan(ExecSetPtr input, Value lambda);
// target: an index ref (Match on each value) or a lambda returning a set.
ExecSetPtr JoinPlan(ExecSetPtr source, Value target);

// What an entry contributes to a page: the ref, the one value, or the
// array of values.
Value EntryOutput(const storage::SetEntry& e);
// The cursor that points at an entry: its values, then its ref (for an
// event, the event without its data, or with it for a set's event).
Value EntryCursorValue(const storage::SetEntry& e);
Value EventCursorValue(const Value& event);
// The action a document version shows as: delete, or update when it
// follows a live version, else create.
const char* DocEventAction(storage::Action action, bool after_live);
// An event object: {ts, action, document, data} (data when given).
Value MakeEventValue(uint64_t ts, std::string_view action, const Value& ref, std::optional<Value> data);

}  // namespace fqldb::executor::internal
