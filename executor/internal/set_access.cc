// The parts of the set plans that do not depend on any one kind of set: explain notes, the
// default Events, and the conversions between set entries, values and cursors.
#include <memory>
#include <optional>
#include <string>

#include "executor/internal/interp.h"
#include "executor/internal/set_cursors.h"
#include "executor/internal/set_plan.h"
#include "executor/internal/storage_context.h"

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

namespace {

class EntryDocStream : public storage::DocStream {
 public:
  EntryDocStream(StorageContext& sc, Result<std::unique_ptr<EntryCursor>> entries) : sc_(sc) {
    if (entries.ok()) {
      cursor_ = std::move(*entries);
    } else {
      status_ = entries.status();
    }
  }
  bool Valid() const override { return status_.ok() && cursor_->Valid(); }
  uint64_t ts() const override {
    Load();
    return lent_ ? lent_->ts : doc_ ? doc_->first : cursor_->entry().ts;
  }
  std::string_view body() const override {
    Load();
    return lent_ ? lent_->body : doc_ ? std::string_view(doc_->second) : std::string_view();
  }
  Result<Value> ref() const override { return EntryOutput(cursor_->entry()); }
  bool elem_is_doc() const override {
    const SetEntry& e = cursor_->entry();
    return e.values.empty() && e.event.is_null();
  }
  Result<Value> doc_ref() const override { return cursor_->entry().ref(); }
  void Next() override {
    cursor_->Next();
    loaded_ = false;
    doc_.reset();
    lent_.reset();
  }
  Status status() const override { return status_.ok() ? cursor_->status() : status_; }

 private:
  // Reads the document the entry names (asked for only by a lambda that
  // reads it). A failure leaves the body empty: the lambda's Get then runs
  // as interpreted and reports it.
  void Load() const {
    if (loaded_) return;
    loaded_ = true;
    const SetEntry& e = cursor_->entry();
    if (!e.event.is_null()) return;
    // A cursor over the documents themselves already holds the version a
    // read at this snapshot would find.
    if (auto lent = cursor_->stored(); lent && lent->at == sc_.at()) {
      lent_ = *lent;
      return;
    }
    Result<ResolvedRef> r = sc_.Resolve(e.ref());
    if (!r.ok()) return;
    auto stored = sc_.txn().ReadStored(r->addr, sc_.at());
    if (stored.ok()) doc_ = std::move(*stored);
  }

  StorageContext& sc_;
  std::unique_ptr<EntryCursor> cursor_;
  Status status_;
  mutable bool loaded_ = false;
  mutable std::optional<std::pair<uint64_t, std::string>> doc_;
  mutable std::optional<storage::EntryCursor::StoredVersion> lent_;  // valid until Next()
};

}  // namespace

std::unique_ptr<storage::DocStream> StreamEntries(StorageContext& sc,
                                                  Result<std::unique_ptr<EntryCursor>> entries) {
  return std::make_unique<EntryDocStream>(sc, std::move(entries));
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
