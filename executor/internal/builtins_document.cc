// Documents: Get, Exists, Create, Update, Replace, Delete, Insert, Remove, and At.
#include <algorithm>

#include "common/time_codec.h"
#include "executor/internal/call_context.h"
#include "executor/internal/schema_ops.h"
#include "executor/internal/set_plan.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;
using storage::Action;

Status NotFound(const CallContext& ctx) {
  return ctx.CallError(ErrorCode::kInstanceNotFound, "Document not found.");
}

// The fields a user document keeps from Create/Update/Replace params.
Result<Value> UserBody(const CallContext& ctx, size_t i) {
  if (i >= ctx.size() || ctx.arg(i).is_null()) return Value::MakeObject({});
  const Value& p = ctx.arg(i);
  if (!p.is_object()) return ctx.TypeError(i, "Object");
  for (const Field& f : p.fields()) {
    if (f.first == "data") {
      if (!f.second.is_object() && !f.second.is_null()) {
        return ctx.ArgError(i, ErrorCode::kValidationFailed,
                            "document data is not valid: data must be an Object, " +
                                std::string(TypeName(f.second)) + " provided.");
      }
    } else if (f.first == "ttl") {
      if (f.second.kind() != ValueKind::kTimestamp && !f.second.is_null()) {
        return ctx.ArgError(i, ErrorCode::kValidationFailed,
                            "document data is not valid: ttl must be a Time.");
      }
    } else {
      return ctx.ArgError(i, ErrorCode::kValidationFailed,
                          "document data is not valid: unknown field '" + f.first +
                              "' (documents hold data and ttl).");
    }
  }
  return p;
}

// Drops null fields at every level (Create and Replace store no nulls).
Value WithoutNulls(const Value& v) {
  if (!v.is_object()) return v;
  Fields out;
  for (const Field& f : v.fields()) {
    if (f.second.is_null()) continue;
    out.emplace_back(f.first, WithoutNulls(f.second));
  }
  return Value::MakeObject(std::move(out));
}

Result<std::optional<uint64_t>> SnapshotArg(const CallContext& ctx, StorageContext& sc, size_t i) {
  if (!ctx.Has(i)) return sc.at();
  FQL_ASSIGN_OR_RETURN(uint64_t ts, TsArg(ctx, i));
  return std::optional<uint64_t>(ts);
}

// A set argument stands for its first document (Get(Match(...))).
Result<std::optional<Value>> TargetRef(CallContext& ctx, StorageContext& sc,
                                       std::optional<uint64_t> at) {
  const Value& v = ctx.arg(0);
  if (v.kind() == ValueKind::kSet) return FirstRefOfSet(ctx, sc, v, at);
  if (v.kind() != ValueKind::kRef) return ctx.TypeError(0, "Ref or Set");
  return std::optional<Value>(v);
}

Result<Value> Get(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(std::optional<uint64_t> at, SnapshotArg(ctx, *sc, 1));
  FQL_ASSIGN_OR_RETURN(std::optional<Value> ref, TargetRef(ctx, *sc, at));
  if (!ref) return ctx.CallError(ErrorCode::kInstanceNotFound, "Set not found.");
  Result<ResolvedRef> r = sc->Resolve(*ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  FQL_ASSIGN_OR_RETURN(auto rec, sc->txn().Read(r->addr, at));
  if (!rec || rec->action == Action::kDelete) return NotFound(ctx);
  return StorageContext::DocValue(*ref, *rec);
}

Result<Value> Exists(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(std::optional<uint64_t> at, SnapshotArg(ctx, *sc, 1));
  FQL_ASSIGN_OR_RETURN(std::optional<Value> ref, TargetRef(ctx, *sc, at));
  if (!ref) return Value::Bool(false);
  Result<ResolvedRef> r = sc->Resolve(*ref);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kInvalidRef) return Value::Bool(false);
    return ctx.ArgError(0, r.status().code(), r.status().description());
  }
  FQL_ASSIGN_OR_RETURN(auto rec, sc->txn().Read(r->addr, at));
  return Value::Bool(rec && rec->action != Action::kDelete);
}

Result<Value> Create(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  const Value& target = ctx.arg(0);
  if (target.kind() != ValueKind::kRef) return ctx.TypeError(0, "Ref");
  Value ref = target;
  // Create(Collection("c"), ...) issues a fresh id; Create(Ref(c, id), ...) uses the caller's.
  const Value* coll = target.ref_collection();
  if (coll && coll->kind() == ValueKind::kRef && coll->ref_collection() == nullptr &&
      (coll->ref_id() == "collections" || coll->ref_id() == "classes")) {
    ref = Value::Ref(std::to_string(sc->txn().engine().NextId()), target);
  }
  Result<ResolvedRef> r = sc->Resolve(ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  if (r->schema) return WriteSchemaDoc(ctx, *sc, *r, ref, WriteOp::kCreate, 1);
  FQL_ASSIGN_OR_RETURN(Value params, UserBody(ctx, 1));
  FQL_ASSIGN_OR_RETURN(auto old, sc->txn().Read(r->addr));
  if (old && old->action != Action::kDelete) {
    return ctx.CallError(ErrorCode::kInstanceAlreadyExists, "Document already exists.");
  }
  Result<Value> doc = sc->WriteDoc(*r, ref, Action::kCreate, 0, WithoutNulls(params), old);
  if (!doc.ok()) return ctx.CallError(doc.status().code(), doc.status().description());
  return doc;
}

// Update and Replace of user documents.
Result<Value> Rewrite(CallContext& ctx, WriteOp op) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  const Value& ref = ctx.arg(0);
  Result<ResolvedRef> r = sc->Resolve(ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  if (r->schema) return WriteSchemaDoc(ctx, *sc, *r, ref, op, 1);
  FQL_ASSIGN_OR_RETURN(Value params, UserBody(ctx, 1));
  FQL_ASSIGN_OR_RETURN(auto old, sc->txn().Read(r->addr));
  if (!old || old->action == Action::kDelete) return NotFound(ctx);
  Value body = op == WriteOp::kUpdate ? DeepMerge(old->body, params) : WithoutNulls(params);
  Result<Value> doc = sc->WriteDoc(*r, ref, Action::kUpdate, 0, body, old);
  if (!doc.ok()) return ctx.CallError(doc.status().code(), doc.status().description());
  return doc;
}

Result<Value> Update(CallContext& ctx) { return Rewrite(ctx, WriteOp::kUpdate); }
Result<Value> Replace(CallContext& ctx) { return Rewrite(ctx, WriteOp::kReplace); }

Result<Value> Delete(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  const Value& ref = ctx.arg(0);
  Result<ResolvedRef> r = sc->Resolve(ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  if (r->schema) return WriteSchemaDoc(ctx, *sc, *r, ref, WriteOp::kDelete, 1);
  FQL_ASSIGN_OR_RETURN(auto old, sc->txn().Read(r->addr));
  if (!old || old->action == Action::kDelete) return NotFound(ctx);
  Result<Value> doc = sc->WriteDoc(*r, ref, Action::kDelete, 0, Value(), old);
  if (!doc.ok()) return ctx.CallError(doc.status().code(), doc.status().description());
  return doc;
}

// The document a history edit targets, its indexes, the ts and the action.
struct HistoryEdit {
  ResolvedRef r;
  std::vector<std::shared_ptr<const storage::IndexDef>> indexes;
  uint64_t ts = 0;
  std::string action;
};

Result<HistoryEdit> HistoryEditArgs(CallContext& ctx, StorageContext& sc) {
  HistoryEdit e;
  const Value& ref = ctx.arg(0);
  if (ref.kind() != ValueKind::kRef) return ctx.TypeError(0, "Ref");
  Result<ResolvedRef> r = sc.Resolve(ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  if (r->schema) {
    return ctx.ArgError(0, ErrorCode::kUnsupported, "The history of schema documents cannot be edited.");
  }
  e.r = *r;
  FQL_ASSIGN_OR_RETURN(e.ts, TsArg(ctx, 1));
  FQL_ASSIGN_OR_RETURN(const std::string* action, ctx.String(2));
  if (*action != "create" && *action != "update" && *action != "delete") {
    return ctx.ArgError(2, ErrorCode::kInvalidArgument,
                        "Action must be create, update or delete, got '" + *action + "'.");
  }
  e.action = *action;
  Result<std::vector<std::shared_ptr<const storage::IndexDef>>> indexes = sc.IndexesOn(r->addr.db, r->addr.coll);
  if (!indexes.ok()) return ctx.CallError(indexes.status().code(), indexes.status().description());
  e.indexes = std::move(*indexes);
  return e;
}

Status ApplyHistoryEdit(const CallContext& ctx, StorageContext& sc, const HistoryEdit& e,
                        const std::optional<storage::DocRecord>& version) {
  std::vector<const storage::IndexDef*> defs;
  for (const auto& d : e.indexes) defs.push_back(d.get());
  Status st = sc.txn().EditHistory(e.r.addr, ctx.arg(0), e.ts, version, defs);
  if (!st.ok()) return ctx.CallError(st.code(), st.description());
  return st;
}

// Insert(ref, ts, action, params): puts a version into a document's past
// and returns it as an event.
Result<Value> Insert(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(HistoryEdit e, HistoryEditArgs(ctx, *sc));
  storage::DocRecord version;
  version.action = e.action == "create" ? Action::kCreate : e.action == "update" ? Action::kUpdate : Action::kDelete;
  std::optional<Value> data;
  if (version.action != Action::kDelete) {
    FQL_ASSIGN_OR_RETURN(Value params, UserBody(ctx, 3));
    version.body = WithoutNulls(params);
    const Value* d = version.body.Find("data");
    data = d ? *d : Value::MakeObject({});
  } else {
    data = Value::Null();
  }
  FQL_RETURN_IF_ERROR(ApplyHistoryEdit(ctx, *sc, e, version));
  return MakeEventValue(e.ts, e.action, ctx.arg(0), std::move(data));
}

// Remove(ref, ts, action): erases the version at ts if its event has that
// action (as Events shows it); null either way.
Result<Value> Remove(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(HistoryEdit e, HistoryEditArgs(ctx, *sc));
  FQL_ASSIGN_OR_RETURN(auto history, sc->txn().History(e.r.addr));
  bool live = false, found = false;
  for (const storage::DocRecord& rec : history) {
    if (rec.ts == e.ts && e.action == DocEventAction(rec.action, live)) found = true;
    live = rec.action != Action::kDelete;
  }
  if (found) FQL_RETURN_IF_ERROR(ApplyHistoryEdit(ctx, *sc, e, std::nullopt));
  return Value::Null();
}

// At(ts, expr): evaluates expr with every read at snapshot ts.
Result<Value> At(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(Value ts, ctx.Eval(0));
  ctx.args.assign(1, std::move(ts));
  FQL_ASSIGN_OR_RETURN(uint64_t at, TsArg(ctx, 0));
  std::optional<uint64_t> saved = sc->at();
  sc->set_at(at);
  Result<Value> out = ctx.Eval(1);
  sc->set_at(saved);
  return out;
}

}  // namespace

Result<uint64_t> TsArg(const CallContext& ctx, size_t i) { return TsOf(ctx, i, ctx.arg(i)); }

Result<uint64_t> TsOf(const CallContext& ctx, size_t i, const Value& v) {
  if (v.is_long()) {
    if (v.as_long() < 0) return ctx.ArgError(i, ErrorCode::kInvalidArgument, "A timestamp cannot be negative.");
    return static_cast<uint64_t>(v.as_long());
  }
  if (v.kind() == ValueKind::kTimestamp) {
    Timestamp t = v.as_time();
    if (t.seconds < 0) return ctx.ArgError(i, ErrorCode::kInvalidArgument, "A timestamp cannot be before 1970.");
    return static_cast<uint64_t>(t.seconds) * 1000000u + static_cast<uint64_t>(t.nanos) / 1000u;
  }
  return ctx.TypeError(i, "Time or Integer");
}

Value DeepMerge(const Value& base, const Value& patch) {
  if (!patch.is_object()) return patch;
  if (!base.is_object()) return WithoutNulls(patch);
  Fields out = base.fields();
  for (const Field& f : patch.fields()) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Field& o) { return o.first == f.first; });
    if (f.second.is_null()) {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      it->second = DeepMerge(it->second, f.second);
    } else {
      out.emplace_back(f.first, WithoutNulls(f.second));
    }
  }
  return Value::MakeObject(std::move(out));
}

void RegisterDocumentBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kGet, Get);
  t.Add(BuiltinId::kExists, Exists);
  t.Add(BuiltinId::kCreate, Create);
  t.Add(BuiltinId::kUpdate, Update);
  t.Add(BuiltinId::kReplace, Replace);
  t.Add(BuiltinId::kDelete, Delete);
  t.Add(BuiltinId::kAt, At);
  t.Add(BuiltinId::kInsert, Insert);
  t.Add(BuiltinId::kRemove, Remove);
}

}  // namespace fqldb::executor::internal
