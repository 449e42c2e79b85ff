// Events: the history of a document (create/update/delete) or of a set's
// membership (add/remove), as a set ordered by ts.
#include <algorithm>
#include <array>

#include "common/value_printer.h"
#include "executor/internal/interp.h"
#include "executor/internal/set_cursors.h"
#include "executor/internal/set_plan.h"
#include "storage/key_codec.h"

namespace fqldb::executor::internal {

namespace {

using storage::Action;
using storage::EntryCursor;
using storage::ScanBounds;
using storage::SetEntry;

// Actions in the order events at one ts (of one document) sort: a set
// entry that changes leaves before its replacement joins.
constexpr std::array<const char*, 5> kActions{"create", "update", "delete", "remove", "add"};

char ActionRank(std::string_view action) {
  for (size_t i = 0; i < kActions.size(); ++i) {
    if (action == kActions[i]) return static_cast<char>(i);
  }
  return -1;
}

// An event's order key: ts, the document (id then collection uid), the
// action, and for a set's event the entry's values.
std::string EventKey(uint64_t ts, const std::string& ref_id, uint64_t coll, const char* action,
                     const Array* values) {
  std::string key;
  storage::EncodeUint64(ts, &key);
  storage::EncodeRefId(ref_id, &key);
  storage::AppendRefCollection(coll, &key);
  key.push_back(ActionRank(action));
  if (values) (void)storage::EncodeKey(Value::MakeArray(*values), &key);  // values came from a key
  return key;
}

// What changed from `prev` to `cur`: objects compare key by key (a removed
// key shows as null); anything else is the new value.
Value Diff(const Value& prev, const Value& cur) {
  if (!prev.is_object() || !cur.is_object()) return cur;
  Fields out;
  for (const Field& f : cur.fields()) {
    const Value* old = prev.Find(f.first);
    if (old == nullptr) {
      out.push_back(f);
    } else if (!Equals(*old, f.second)) {
      out.emplace_back(f.first, Diff(*old, f.second));
    }
  }
  for (const Field& f : prev.fields()) {
    if (cur.Find(f.first) == nullptr) out.emplace_back(f.first, Value::Null());
  }
  return Value::MakeObject(std::move(out));
}

// The part of a version events show: a document's data, a schema
// document's whole body.
Value EventData(const storage::DocRecord& r, bool schema) {
  if (r.action == Action::kDelete) return Value::Null();
  if (schema) return r.body;
  const Value* data = r.body.Find("data");
  return data ? *data : Value::MakeObject({});
}

// Encodes a cursor: a ts, or an event object whose leading parts (ts,
// document, action, data) give a prefix of the event order.
Result<std::string> EncodeEventCursor(StorageContext& sc, const Value& cursor) {
  const Value& c = cursor.is_array() && cursor.array().size() == 1 ? cursor.array()[0] : cursor;
  auto ts_of = [](const Value& v) -> std::optional<uint64_t> {
    if (v.is_long() && v.as_long() >= 0) return static_cast<uint64_t>(v.as_long());
    if (v.kind() == ValueKind::kTimestamp && v.as_time().seconds >= 0) {
      return static_cast<uint64_t>(v.as_time().seconds) * 1000000 +
             static_cast<uint64_t>(v.as_time().nanos / 1000);
    }
    return std::nullopt;
  };
  Status bad(ErrorCode::kInvalidArgument,
             "An events cursor is a ts or {ts, document, action, data}, got " + ToFql(cursor) + ".");
  std::string key;
  if (!c.is_object()) {
    std::optional<uint64_t> ts = ts_of(c);
    if (!ts) return bad;
    storage::EncodeUint64(*ts, &key);
    return key;
  }
  const Value* ts = c.Find("ts");
  std::optional<uint64_t> t = ts ? ts_of(*ts) : std::nullopt;
  if (!t) return bad;
  storage::EncodeUint64(*t, &key);
  for (const Field& f : c.fields()) {
    if (f.first != "ts" && f.first != "document" && f.first != "action" && f.first != "data") return bad;
  }
  const Value* action = c.Find("action");
  if (action && !action->is_null() && (!action->is_string() || ActionRank(action->str()) < 0)) return bad;
  const Value* doc = c.Find("document");
  if (doc == nullptr || doc->is_null()) return key;
  if (doc->kind() != ValueKind::kRef) return bad;
  Result<ResolvedRef> r = sc.Resolve(*doc);
  if (!r.ok()) return bad;
  storage::EncodeRefId(doc->ref_id(), &key);
  storage::AppendRefCollection(r->addr.coll, &key);
  if (action == nullptr || action->is_null()) return key;
  key.push_back(ActionRank(action->str()));
  const Value* data = c.Find("data");
  if (data == nullptr || data->is_null() || ActionRank(action->str()) < ActionRank("remove")) return key;
  if (!data->is_array() || !storage::EncodeKey(*data, &key).ok()) return bad;
  return key;
}

// Sorts events and serves them as a set.
OpenedSet ServeEvents(StorageContext& sc, std::vector<SetEntry> events) {
  std::sort(events.begin(), events.end(),
            [](const SetEntry& a, const SetEntry& b) { return a.order_key < b.order_key; });
  auto shared = std::make_shared<const std::vector<SetEntry>>(std::move(events));
  OpenedSet out;
  out.scan = [shared](const ScanBounds& b) -> Result<CursorPtr> {
    return MakeVectorCursor(*shared, b);
  };
  StorageContext* s = &sc;
  out.encode_cursor = [s](const Value& cursor) { return EncodeEventCursor(*s, cursor); };
  return out;
}

class EventsSet : public ExecSet {
 public:
  explicit EventsSet(ExecSetPtr in) : in_(std::move(in)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    std::vector<SetEvent> changes;
    FQL_RETURN_IF_ERROR(in_->History(sc, at, ctx, &changes));
    std::vector<SetEntry> events;
    events.reserve(changes.size());
    for (SetEvent& c : changes) {
      SetEntry e = std::move(c.entry);
      const char* action = c.add ? "add" : "remove";
      const std::string& ok = e.order_key;
      uint64_t coll = ok.size() >= 8 ? storage::DecodeUint64(std::string_view(ok).substr(ok.size() - 8)) : 0;
      std::optional<Value> data;
      if (!e.values.empty()) data = Value::MakeArray(e.values);
      e.order_key =
          EventKey(c.ts, e.ref().ref_id(), coll, action, e.values.empty() ? nullptr : &e.values);
      e.event = MakeEventValue(c.ts, action, e.ref(), std::move(data));
      e.ts = c.ts;
      events.push_back(std::move(e));
    }
    OpenedSet out = ServeEvents(sc, std::move(events));
    if (ctx.interp().explain()) {
      // The input's access, for the record (History reads it the same way).
      Result<OpenedSet> in = in_->Open(sc, at, ctx);
      std::string head = "Events: the input's history up to the snapshot, sorted in memory";
      out.access = in.ok() ? DescribeAccess(ctx, head, {&*in}) : DescribeAccess(ctx, head);
    }
    return out;
  }

 private:
  ExecSetPtr in_;
};

class DocEventsSet : public ExecSet {
 public:
  explicit DocEventsSet(Value ref) : ref_(std::move(ref)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at,
                         CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref_));
    FQL_ASSIGN_OR_RETURN(auto history, sc.txn().History(r.addr, at));
    std::vector<SetEntry> events;
    Value prev;  // the previous version's data; null when absent or deleted
    for (const storage::DocRecord& rec : history) {
      Value data = EventData(rec, r.schema.has_value());
      const char* action = DocEventAction(rec.action, !prev.is_null());
      SetEntry e;
      e.set_ref(ref_);
      e.ts = rec.ts;
      e.order_key = EventKey(rec.ts, ref_.ref_id(), r.addr.coll, action, nullptr);
      e.event = MakeEventValue(rec.ts, action, ref_,
                           std::string_view(action) == "update" ? Diff(prev, data) : data);
      events.push_back(std::move(e));
      prev = std::move(data);
    }
    OpenedSet out = ServeEvents(sc, std::move(events));
    out.access = DescribeAccess(ctx, "Events(" + ToFql(ref_) + "): the document's " +
                                         std::to_string(history.size()) +
                                         " version(s) from its partition, in memory");
    return out;
  }

 private:
  Value ref_;
};

}  // namespace

const char* DocEventAction(Action action, bool after_live) {
  // A version over a live one is an update, whatever it was written as
  // (Insert can put a create into existing history).
  if (action == Action::kDelete) return "delete";
  return after_live ? "update" : "create";
}

Value MakeEventValue(uint64_t ts, std::string_view action, const Value& ref, std::optional<Value> data) {
  Fields f{{"ts", Value::Long(static_cast<int64_t>(ts))},
           {"action", Value::String(std::string(action))},
           {"document", ref}};
  if (data) f.emplace_back("data", std::move(*data));
  return Value::MakeObject(std::move(f));
}

Value EventCursorValue(const Value& event) {
  // A set's event keeps its data (the entry's values order events of one
  // document at one ts); a document's event does not need it.
  const Value* action = event.Find("action");
  bool set_event = action && action->is_string() && ActionRank(action->str()) >= ActionRank("remove");
  Fields f;
  for (const Field& field : event.fields()) {
    if (field.first != "data" || set_event) f.push_back(field);
  }
  return Value::MakeObject(std::move(f));
}

ExecSetPtr EventsPlan(ExecSetPtr input) { return std::make_shared<EventsSet>(std::move(input)); }
ExecSetPtr DocEventsPlan(Value ref) { return std::make_shared<DocEventsSet>(std::move(ref)); }

}  // namespace fqldb::executor::internal
