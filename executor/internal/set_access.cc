// The parts of the set plans that do not depend on any one kind of set: explain notes, the
// default Events, and the conversions between set entries, values and cursors.
#include <memory>
#include <string>

#include "executor/internal/interp.h"
#include "executor/internal/set_cursors.h"
#include "executor/internal/set_plan.h"

namespace fqldb::executor::internal {

using storage::EntryCursor;
using storage::ScanBounds;
using storage::SetEntry;

std::string DescribeAccess(CallContext& ctx, const std::string& head,
                           std::initializer_list<const OpenedSet*> inputs) {
  if (!ctx.interp().explain()) return {};
  std::string out = head;
  for (const OpenedSet* in : inputs) {
    std::string nested = "\n" + in->access;
    for (size_t at = 0; (at = nested.find('\n', at)) != std::string::npos; at += 3)
      nested.insert(at + 1, "  ");
    out += nested;
  }
  return out;
}

void NoteAccess(CallContext& ctx, const OpenedSet& opened) {
  if (opened.access.empty()) return;
  ctx.interp().Explain(ctx.call(), [&] { return "reads " + opened.access; });
}

Status ExecSet::History(StorageContext&, std::optional<uint64_t>, CallContext&,
                        std::vector<SetEvent>*) const {
  return Status(
      ErrorCode::kUnsupported,
      "Events of this kind of set are not supported yet (Documents, Match, Singleton, the "
      "schema sets, Union, Intersection, Difference, Range and Reverse are).");
}

std::unique_ptr<EntryCursor> MakeVectorCursor(std::vector<SetEntry> all, const ScanBounds& b) {
  return std::make_unique<VectorCursor>(std::move(all), b);
}

Value MakeSet(std::string fql, std::string wire, ExecSetPtr plan) {
  return Value::Set(SetDescriptor{std::move(fql), std::move(wire), std::move(plan)});
}

Result<ExecSetPtr> SetArg(const CallContext& ctx, size_t i) {
  const Value& v = ctx.arg(i);
  if (v.kind() != ValueKind::kSet || !v.set().plan) return ctx.TypeError(i, "Set");
  return std::static_pointer_cast<const ExecSet>(v.set().plan);
}

Value EntryOutput(const SetEntry& e) {
  if (!e.event.is_null()) return e.event;
  if (e.values.empty()) return e.ref();
  if (e.values.size() == 1) return e.values[0];
  return Value::MakeArray(e.values);
}

Value EntryCursorValue(const SetEntry& e) {
  if (!e.event.is_null()) return EventCursorValue(e.event);
  Array c = e.values;
  c.push_back(e.ref());
  return Value::MakeArray(std::move(c));
}

}  // namespace fqldb::executor::internal
