// Sets read from storage: Documents, Match, the schema sets (Collections()
// and friends), Paginate, and reading a whole set for aggregates.
#include <algorithm>
#include <functional>

#include "common/value_printer.h"
#include "executor/interpreter.h"
#include "executor/internal/call_context.h"
#include "executor/internal/schema_ops.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;
using storage::EntryCursor;
using storage::IndexDef;
using storage::NativeColl;
using storage::ScanBounds;
using storage::SetEntry;

constexpr int64_t kDefaultPageSize = 64;
constexpr int64_t kMaxPageSize = 100000;

// A set ready to scan: how its order keys are encoded, and the scan.
struct OpenedSet {
  std::shared_ptr<const IndexDef> def;  // nullptr: ordered by ref alone
  std::function<Result<std::unique_ptr<EntryCursor>>(const ScanBounds&)> scan;
};

// The executable form of a set value. Immutable; resolves names when opened,
// so a set built in one snapshot reads correctly in another (At).
class ExecSet : public SetPlan {
 public:
  virtual Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at) const = 0;
};

class DocumentsSet : public ExecSet {
 public:
  explicit DocumentsSet(Value coll) : coll_(std::move(coll)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at) const override {
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(coll_));
    if (r.schema != NativeColl::kCollections) {
      return Status(ErrorCode::kInvalidArgument, "Collection Ref expected, " + ToFql(coll_) + " provided.");
    }
    FQL_ASSIGN_OR_RETURN(auto rec, sc.txn().Read(r.addr, at));
    if (!rec || rec->action == storage::Action::kDelete) {
      return Status(ErrorCode::kInvalidRef, "Ref refers to undefined collection '" + coll_.ref_id() + "'");
    }
    OpenedSet out;
    uint64_t db = r.addr.db, uid = rec->uid;
    Value coll = coll_;
    out.scan = [&sc, coll, db, uid, at](const ScanBounds& b) -> Result<std::unique_ptr<EntryCursor>> {
      return sc.txn().ScanCollection(coll, db, uid, b, at);
    };
    return out;
  }

 private:
  Value coll_;
};

class NativeSet : public ExecSet {
 public:
  explicit NativeSet(NativeColl kind) : kind_(kind) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at) const override {
    OpenedSet out;
    Value native = NativeRefOf(kind_, std::nullopt);
    uint64_t db = sc.db(), uid = static_cast<uint64_t>(kind_);
    out.scan = [&sc, native, db, uid, at](const ScanBounds& b) -> Result<std::unique_ptr<EntryCursor>> {
      return sc.txn().ScanCollection(native, db, uid, b, at);
    };
    return out;
  }

 private:
  NativeColl kind_;
};

class MatchSet : public ExecSet {
 public:
  MatchSet(Value index, Array terms) : index_(std::move(index)), terms_(std::move(terms)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at) const override {
    std::optional<uint64_t> saved = sc.at();
    sc.set_at(at);
    Result<std::shared_ptr<const IndexDef>> def = sc.IndexDefOf(index_);
    sc.set_at(saved);
    if (!def.ok()) return def.status();
    OpenedSet out;
    out.def = *def;
    // A tuple of the wrong width matches nothing; an index without terms
    // matches everything.
    Array terms = (*def)->terms.empty() ? Array{} : terms_;
    bool empty = terms.size() != (*def)->terms.size();
    auto d = *def;
    out.scan = [&sc, d, terms, empty, at](const ScanBounds& b) -> Result<std::unique_ptr<EntryCursor>> {
      ScanBounds bounds = b;
      if (empty) bounds.stop = bounds.start = std::string(1, '\xFF');
      return sc.txn().ScanIndex(*d, terms, bounds, at);
    };
    return out;
  }

 private:
  Value index_;
  Array terms_;
};

Value MakeSet(std::string fql, std::string wire, std::shared_ptr<const ExecSet> plan) {
  return Value::Set(SetDescriptor{std::move(fql), std::move(wire), std::move(plan)});
}

Result<const ExecSet*> SetArg(const CallContext& ctx, size_t i) {
  const Value& v = ctx.arg(i);
  if (v.kind() != ValueKind::kSet || !v.set().plan) return ctx.TypeError(i, "Set");
  return static_cast<const ExecSet*>(v.set().plan.get());
}

// What a set entry contributes to a page: the ref, the one value, or the
// array of values.
Value Output(const SetEntry& e) {
  if (e.values.empty()) return e.ref;
  if (e.values.size() == 1) return e.values[0];
  return Value::MakeArray(e.values);
}

// The cursor that points at `e`: its values, then its ref.
Value CursorOf(const SetEntry& e) {
  Array c = e.values;
  c.push_back(e.ref);
  return Value::MakeArray(std::move(c));
}

Array CursorArray(const Value& v) { return v.is_array() ? v.array() : Array{v}; }

Result<Value> Documents(CallContext& ctx) {
  const Value& coll = ctx.arg(0);
  if (coll.kind() != ValueKind::kRef) return ctx.TypeError(0, "Collection Ref");
  return MakeSet("Documents(" + ToFql(coll) + ")", "{\"documents\":" + ToWireJson(coll) + "}",
                 std::make_shared<DocumentsSet>(coll));
}

Result<Value> Match(CallContext& ctx) {
  const Value& index = ctx.arg(0);
  if (index.kind() != ValueKind::kRef) return ctx.TypeError(0, "Index Ref");
  Array terms;
  std::string fql = "Match(" + ToFql(index);
  std::string wire = "{\"match\":" + ToWireJson(index) + ",\"terms\":";
  if (ctx.size() == 2) {
    terms = CursorArray(ctx.arg(1));
    fql += ", " + ToFql(ctx.arg(1));
    wire += ToWireJson(ctx.arg(1));
  } else {
    terms.assign(ctx.args.begin() + 1, ctx.args.end());
    Value all = Value::MakeArray(terms);
    for (const Value& t : terms) fql += ", " + ToFql(t);
    wire += ToWireJson(all);
  }
  return MakeSet(fql + ")", wire + "}", std::make_shared<MatchSet>(index, std::move(terms)));
}

template <NativeColl kKind>
Result<Value> NativeSetFn(CallContext& ctx) {
  if (ctx.Has(0)) {
    return ctx.ArgError(0, ErrorCode::kUnsupported, "Schema sets of child databases are not supported yet.");
  }
  std::string name = ctx.call().builtin->name;
  std::string key = ctx.call().builtin->keys[0];
  return MakeSet(name + "()", "{\"" + key + "\":null}", std::make_shared<NativeSet>(kKind));
}

struct PageOptions {
  int64_t size = kDefaultPageSize;
  std::optional<Value> after;
  std::optional<Value> before;
  std::optional<uint64_t> ts;
};

Result<PageOptions> ParsePageOptions(CallContext& ctx) {
  PageOptions o;
  if (!ctx.Has(1)) return o;
  const Value& opts = ctx.arg(1);
  if (!opts.is_object()) return ctx.TypeError(1, "Object");
  auto cursor_value = [&](const Value& v, const char* which) -> Status {
    if (v.is_null()) return Status::Ok();
    (std::string_view(which) == "after" ? o.after : o.before) = v;
    return Status::Ok();
  };
  for (const Field& f : opts.fields()) {
    const Value& v = f.second;
    if (f.first == "size") {
      if (v.is_null()) continue;
      if (!v.is_long()) return ctx.ArgError(1, ErrorCode::kInvalidArgument, "Page size must be an Integer.");
      if (v.as_long() < 0 || v.as_long() > kMaxPageSize) {
        return ctx.ArgError(1, ErrorCode::kInvalidArgument,
                            "Page size must be between 0 and 100000, got " +
                                std::to_string(v.as_long()) + ".");
      }
      o.size = v.as_long();
    } else if (f.first == "after" || f.first == "before") {
      FQL_RETURN_IF_ERROR(cursor_value(v, f.first.c_str()));
    } else if (f.first == "cursor") {
      if (v.is_null()) continue;
      const Value* a = v.is_object() ? v.Find("after") : nullptr;
      const Value* b = v.is_object() ? v.Find("before") : nullptr;
      if (!v.is_object() || (a == nullptr) == (b == nullptr) || v.fields().size() != 1) {
        return ctx.ArgError(1, ErrorCode::kInvalidArgument,
                            "A cursor is {after: ...} or {before: ...}.");
      }
      FQL_RETURN_IF_ERROR(cursor_value(a ? *a : *b, a ? "after" : "before"));
    } else if (f.first == "ts") {
      if (v.is_null()) continue;
      FQL_ASSIGN_OR_RETURN(uint64_t ts, TsOf(ctx, 1, v));
      o.ts = ts;
    } else if (f.first == "events" || f.first == "sources") {
      if (v.is_null() || (v.is_bool() && !v.as_bool())) continue;
      return ctx.ArgError(1, ErrorCode::kUnsupported,
                          "Paginate's '" + f.first + "' option is not supported yet.");
    } else {
      return ctx.ArgError(1, ErrorCode::kInvalidArgument, "Unknown Paginate option '" + f.first + "'.");
    }
  }
  if (o.after && o.before) {
    return ctx.ArgError(1, ErrorCode::kInvalidArgument, "Give a page either an after or a before cursor, not both.");
  }
  return o;
}

Result<std::string> EncodeCursor(CallContext& ctx, const OpenedSet& set, const Value& cursor) {
  Result<std::string> enc = storage::EncodeOrderPrefix(set.def.get(), CursorArray(cursor));
  if (!enc.ok()) return ctx.ArgError(1, ErrorCode::kInvalidArgument, "Invalid cursor " + ToFql(cursor) + ".");
  return enc;
}

Result<Value> Paginate(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(const ExecSet* set, SetArg(ctx, 0));
  FQL_ASSIGN_OR_RETURN(PageOptions o, ParsePageOptions(ctx));
  std::optional<uint64_t> at = o.ts ? o.ts : sc->at();
  Result<OpenedSet> opened = set->Open(*sc, at);
  if (!opened.ok()) return ctx.ArgError(0, opened.status().code(), opened.status().description());
  ScanBounds bounds;
  if (o.before) {
    bounds.reverse = true;
    FQL_ASSIGN_OR_RETURN(bounds.stop, EncodeCursor(ctx, *opened, *o.before));
  } else if (o.after) {
    FQL_ASSIGN_OR_RETURN(bounds.start, EncodeCursor(ctx, *opened, *o.after));
  }
  FQL_ASSIGN_OR_RETURN(auto cursor, opened->scan(bounds));
  std::vector<SetEntry> entries;
  for (; cursor->Valid() && entries.size() <= static_cast<size_t>(o.size); cursor->Next()) {
    entries.push_back(cursor->entry());
    if ((entries.size() & 1023) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  bool more = entries.size() > static_cast<size_t>(o.size);
  std::optional<Value> before, after;
  if (o.before) {
    std::reverse(entries.begin(), entries.end());
    if (more) entries.erase(entries.begin());
    after = Value::MakeArray(CursorArray(*o.before));
    if (more && !entries.empty()) before = CursorOf(entries.front());
  } else {
    if (more) {
      after = CursorOf(entries.back());
      entries.pop_back();
    }
    if (o.after && !entries.empty()) before = CursorOf(entries.front());
  }
  Array data;
  data.reserve(entries.size());
  for (const SetEntry& e : entries) data.push_back(Output(e));
  return Value::Page(std::move(data), std::move(before), std::move(after));
}

}  // namespace

Result<Array> ReadWholeSet(CallContext& ctx, size_t i) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(const ExecSet* set, SetArg(ctx, i));
  Result<OpenedSet> opened = set->Open(*sc, sc->at());
  if (!opened.ok()) return ctx.ArgError(i, opened.status().code(), opened.status().description());
  FQL_ASSIGN_OR_RETURN(auto cursor, opened->scan(ScanBounds{}));
  Array out;
  for (; cursor->Valid(); cursor->Next()) {
    if (out.size() >= kMaxArrayElems) {
      return ctx.ArgError(i, ErrorCode::kInvalidArgument, "The set holds more than " +
                                                              std::to_string(kMaxArrayElems) +
                                                              " entries; paginate it.");
    }
    out.push_back(Output(cursor->entry()));
    if ((out.size() & 1023) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  return out;
}

Result<std::optional<Value>> FirstRefOfSet(CallContext& ctx, StorageContext& sc, const Value& set,
                                           std::optional<uint64_t> at) {
  if (!set.set().plan) return ctx.TypeError(0, "Set");
  const auto* plan = static_cast<const ExecSet*>(set.set().plan.get());
  Result<OpenedSet> opened = plan->Open(sc, at);
  if (!opened.ok()) return ctx.ArgError(0, opened.status().code(), opened.status().description());
  FQL_ASSIGN_OR_RETURN(auto cursor, opened->scan(ScanBounds{}));
  if (!cursor->Valid()) {
    FQL_RETURN_IF_ERROR(cursor->status());
    return std::optional<Value>();
  }
  return std::optional<Value>(cursor->entry().ref);
}

void RegisterSetBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kDocuments, Documents);
  t.Add(BuiltinId::kMatch, Match);
  t.Add(BuiltinId::kCollections, NativeSetFn<NativeColl::kCollections>);
  t.Add(BuiltinId::kIndexes, NativeSetFn<NativeColl::kIndexes>);
  t.Add(BuiltinId::kDatabases, NativeSetFn<NativeColl::kDatabases>);
  t.Add(BuiltinId::kPaginate, Paginate);
}

}  // namespace fqldb::executor::internal
