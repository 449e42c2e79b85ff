// Schema: CreateCollection, CreateIndex, CreateFunction, CreateDatabase, Call,
// and the updates, replaces and deletes of schema documents.
#include <algorithm>
#include <array>

#include "common/value_printer.h"
#include "executor/internal/call_context.h"
#include "executor/internal/index_build.h"
#include "executor/internal/interp.h"
#include "executor/internal/schema_ops.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;
using storage::Action;
using storage::DocAddress;
using storage::NativeColl;

const char* KindName(NativeColl kind) {
  switch (kind) {
    case NativeColl::kCollections: return "Collection";
    case NativeColl::kIndexes: return "Index";
    case NativeColl::kFunctions: return "Function";
    case NativeColl::kDatabases: return "Database";
  }
  return "Schema document";
}

Status Invalid(const CallContext& ctx, size_t i, const std::string& why) {
  return ctx.ArgError(i, ErrorCode::kValidationFailed, "document data is not valid: " + why);
}

// The fields each kind accepts, and which of them must be present.
struct FieldRule {
  const char* name;
  bool required;
};

constexpr std::array<FieldRule, 6> kCollectionFields{{{"name", true},
                                                      {"history_days", false},
                                                      {"ttl_days", false},
                                                      {"data", false},
                                                      {"permissions", false},
                                                      {"ttl", false}}};
constexpr std::array<FieldRule, 11> kIndexFields{{{"name", true},
                                                  {"source", true},
                                                  {"terms", false},
                                                  {"values", false},
                                                  {"unique", false},
                                                  {"serialized", false},
                                                  {"active", false},
                                                  {"data", false},
                                                  {"permissions", false},
                                                  {"partitions", false},
                                                  {"ttl", false}}};
constexpr std::array<FieldRule, 5> kFunctionFields{
    {{"name", true}, {"body", true}, {"data", false}, {"role", false}, {"ttl", false}}};
constexpr std::array<FieldRule, 4> kDatabaseFields{
    {{"name", true}, {"data", false}, {"priority", false}, {"ttl", false}}};

template <size_t N>
Status CheckFields(const CallContext& ctx, size_t i, const Value& params,
                   const std::array<FieldRule, N>& rules, bool require) {
  for (const Field& f : params.fields()) {
    bool known = std::any_of(rules.begin(), rules.end(),
                             [&](const FieldRule& r) { return f.first == r.name; });
    if (!known) return Invalid(ctx, i, "unknown field '" + f.first + "'.");
  }
  for (const FieldRule& r : rules) {
    const Value* v = params.Find(r.name);
    if (require && r.required && (v == nullptr || v->is_null())) {
      return Invalid(ctx, i, std::string("field '") + r.name + "' is required.");
    }
  }
  const Value* name = params.Find("name");
  if (name && !name->is_null()) {
    if (!name->is_string()) {
      return Invalid(ctx, i, "name must be a String, " + std::string(TypeName(*name)) + " provided.");
    }
    static const std::array<const char*, 5> kReserved{"events", "sets", "self", "documents", "_"};
    const std::string& n = name->str();
    if (n.empty() || n.find('/') != std::string::npos ||
        std::find(kReserved.begin(), kReserved.end(), n) != kReserved.end()) {
      return Invalid(ctx, i, "'" + n + "' is not a valid name.");
    }
  }
  const Value* data = params.Find("data");
  if (data && !data->is_null() && !data->is_object()) {
    return Invalid(ctx, i, "data must be an Object, " + std::string(TypeName(*data)) + " provided.");
  }
  for (const char* num : {"history_days", "ttl_days", "priority"}) {
    const Value* v = params.Find(num);
    if (v && !v->is_null() && !v->is_long()) {
      return Invalid(ctx, i, std::string(num) + " must be an Integer.");
    }
  }
  return Status::Ok();
}

Status CheckParams(const CallContext& ctx, size_t i, NativeColl kind, const Value& params,
                   bool require) {
  if (!params.is_object()) return ctx.TypeError(i, "Object");
  switch (kind) {
    case NativeColl::kCollections: return CheckFields(ctx, i, params, kCollectionFields, require);
    case NativeColl::kIndexes: return CheckFields(ctx, i, params, kIndexFields, require);
    case NativeColl::kDatabases: return CheckFields(ctx, i, params, kDatabaseFields, require);
    case NativeColl::kFunctions: {
      FQL_RETURN_IF_ERROR(CheckFields(ctx, i, params, kFunctionFields, require));
      const Value* body = params.Find("body");
      if (!body || body->is_null()) return Status::Ok();
      if (body->kind() != ValueKind::kQuery) {
        return Invalid(ctx, i, "body must be a Lambda wrapped in Query(), " +
                                   std::string(TypeName(*body)) + " provided.");
      }
      // The body is stored as source and bound again when called, so it must
      // stand alone: no variables from the query that created it.
      auto bound = BindStoredLambda(body->query()->ToFql());
      if (!bound.ok()) {
        return Invalid(ctx, i, "the body must stand alone (" + bound.status().description() + ")");
      }
      const Value* role = params.Find("role");
      if (role && !role->is_null()) {
        return ctx.ArgError(i, ErrorCode::kUnsupported, "Function roles are not supported yet.");
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// Puts the fields of `params` after `leading` ones, dropping nulls.
Value Body(Fields leading, const Value& params, std::initializer_list<const char*> trailing = {}) {
  Fields out;
  auto has = [&](const std::string& k) {
    return std::any_of(out.begin(), out.end(), [&](const Field& f) { return f.first == k; });
  };
  for (Field& f : leading) out.push_back(std::move(f));
  for (const Field& f : params.fields()) {
    bool late = std::any_of(trailing.begin(), trailing.end(), [&](const char* t) { return f.first == t; });
    if (f.second.is_null() || late) continue;
    if (has(f.first)) {
      std::find_if(out.begin(), out.end(), [&](const Field& o) { return o.first == f.first; })->second =
          f.second;
    } else {
      out.push_back(f);
    }
  }
  for (const char* t : trailing) {
    const Value* v = params.Find(t);
    if (v && !v->is_null()) out.emplace_back(t, *v);
  }
  return Value::MakeObject(std::move(out));
}

// The stored body of a new or replaced schema document, in Fauna's order.
Value NewBody(NativeColl kind, const Value& params) {
  switch (kind) {
    case NativeColl::kCollections: {
      const Value* days = params.Find("history_days");
      return Body({{"history_days", days && !days->is_null() ? *days : Value::Long(30)}}, params);
    }
    case NativeColl::kIndexes: {
      bool has_terms = params.Find("terms") && params.Find("terms")->is_array() &&
                       !params.Find("terms")->array().empty();
      Fields lead{{"active", Value::Bool(true)}, {"serialized", Value::Bool(true)}};
      Value body = Body(std::move(lead), params, {"partitions"});
      Fields f = body.fields();
      f.erase(std::remove_if(f.begin(), f.end(), [](const Field& x) { return x.first == "partitions"; }),
              f.end());
      f.emplace_back("partitions", Value::Long(has_terms ? 1 : 8));
      return Value::MakeObject(std::move(f));
    }
    case NativeColl::kFunctions: return Body({{"name", Value()}, {"body", Value()}}, params);
    default: return Body({}, params);
  }
}

Result<Value> CreateSchema(CallContext& ctx, StorageContext& sc, NativeColl kind, size_t arg,
                           const Value* scope) {
  const Value& params = ctx.arg(arg);
  FQL_RETURN_IF_ERROR(CheckParams(ctx, arg, kind, params, /*require=*/true));
  std::string name = params.Find("name")->str();
  std::optional<Value> scope_value;
  if (scope) scope_value = *scope;
  Value ref = Value::Ref(name, NativeRefOf(kind, std::nullopt), scope_value);
  Result<ResolvedRef> r = sc.Resolve(ref);
  if (!r.ok()) return ctx.ArgError(arg, r.status().code(), r.status().description());
  FQL_ASSIGN_OR_RETURN(auto old, sc.txn().Read(r->addr));
  if (old && old->action != Action::kDelete) {
    return ctx.CallError(ErrorCode::kInstanceAlreadyExists,
                         std::string(KindName(kind)) + " already exists.");
  }
  Value body = NewBody(kind, params);
  uint64_t uid = sc.txn().engine().NextId();
  if (kind == NativeColl::kIndexes) {
    Result<std::shared_ptr<const storage::IndexDef>> def = sc.ParseIndex(r->addr.db, uid, body);
    if (!def.ok()) return ctx.ArgError(arg, def.status().code(), def.status().description());
    if ((*def)->unique && storage::IndexReadsTs(**def)) {
      return Invalid(ctx, arg, "a unique index cannot read ts (its entries are made at commit).");
    }
    // Small collections and unique indexes are built here; `active: true`
    // asks for that too. Otherwise the index starts inactive and is built in
    // the background, so that writers to its collection do not make this
    // transaction conflict until it runs out of retries.
    const Value* active = params.Find("active");
    bool asked = active && active->is_bool();
    bool background = !(*def)->unique && asked && !active->as_bool();
    if (!(*def)->unique && !asked) {
      Result<uint64_t> n = CountSourceDocs(sc, **def, kSyncIndexBuildLimit + 1);
      if (!n.ok()) return ctx.CallError(n.status().code(), n.status().description());
      background = *n > kSyncIndexBuildLimit;
    }
    body = WithField(body, "active", Value::Bool(!background));
    if (background) {
      sc.NoteIndexBuild({r->addr.db, r->addr.id, uid});
    } else {
      Status built = BuildIndexNow(sc, **def);
      if (!built.ok()) return ctx.CallError(built.code(), built.description());
    }
  }
  return sc.WriteDoc(*r, ref, Action::kCreate, uid, body, old);
}

// Removes the indexes whose sources include a deleted collection.
Status DropIndexesOn(StorageContext& sc, uint64_t db, uint64_t coll) {
  Value native = NativeRefOf(NativeColl::kIndexes, std::nullopt);
  auto cursor = sc.txn().ScanCollection(native, db, static_cast<uint64_t>(NativeColl::kIndexes), {});
  struct Doomed {
    ResolvedRef r;
    Value ref;
    std::optional<storage::DocRecord> record;
  };
  std::vector<Doomed> doomed;  // found during the scan, deleted after it
  for (; cursor->Valid(); cursor->Next()) {
    ResolvedRef r;
    r.addr =
        DocAddress{db, static_cast<uint64_t>(NativeColl::kIndexes), cursor->entry().ref().ref_id()};
    r.schema = NativeColl::kIndexes;
    FQL_ASSIGN_OR_RETURN(auto rec, sc.txn().Read(r.addr));
    if (!rec || rec->action == Action::kDelete) continue;
    FQL_ASSIGN_OR_RETURN(auto def, sc.ParseIndex(db, rec->uid, rec->body));
    if (std::find(def->sources.begin(), def->sources.end(), coll) == def->sources.end()) continue;
    doomed.push_back(Doomed{std::move(r), cursor->entry().ref(), std::move(rec)});
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  for (const Doomed& d : doomed) {
    FQL_RETURN_IF_ERROR(sc.WriteDoc(d.r, d.ref, Action::kDelete, 0, Value(), d.record).status());
  }
  return Status::Ok();
}

Result<Value> CreateCollection(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  return CreateSchema(ctx, *sc, NativeColl::kCollections, 0, nullptr);
}

Result<Value> CreateIndex(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  return CreateSchema(ctx, *sc, NativeColl::kIndexes, 0, nullptr);
}

Result<Value> CreateFunction(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  return CreateSchema(ctx, *sc, NativeColl::kFunctions, 0, nullptr);
}

// Errors that are not the function's doing pass through a call unwrapped:
// limits of the run (deadline, cancellation, recursion depth) and faults.
bool WrapsInCallError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kStackOverflow:
    case ErrorCode::kTimeout:
    case ErrorCode::kCancelled:
    case ErrorCode::kUnavailable:
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return false;
    default: return true;
  }
}

// Call(fn, args...): applies a stored function's body to the arguments.
Result<Value> Call(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  Value ref = ctx.arg(0);
  if (ref.is_string()) ref = Value::Ref(ref.str(), NativeRefOf(NativeColl::kFunctions, std::nullopt));
  if (ref.kind() != ValueKind::kRef) return ctx.TypeError(0, "Function Ref");
  Result<ResolvedRef> r = sc->Resolve(ref);
  if (!r.ok()) return ctx.ArgError(0, r.status().code(), r.status().description());
  if (r->schema != NativeColl::kFunctions) {
    return ctx.ArgError(0, ErrorCode::kInvalidArgument, "Function Ref expected, " + ToFql(ref) + " provided.");
  }
  FQL_ASSIGN_OR_RETURN(auto rec, sc->txn().Read(r->addr, sc->at()));
  if (!rec || rec->action == Action::kDelete) {
    return ctx.ArgError(0, ErrorCode::kInvalidRef, "Ref refers to undefined function '" + r->addr.id + "'");
  }
  const Value* body = rec->body.Find("body");
  if (!body || body->kind() != ValueKind::kQuery) {
    return ctx.CallError(ErrorCode::kInternal, "Stored function '" + r->addr.id + "' has no body.");
  }
  std::span<const Value> args(ctx.args.data() + 1, ctx.args.size() - 1);
  // A function of n > 1 parameters takes n arguments, or one array of n.
  int n = body->query()->arity();
  bool fits = n <= 1 || args.size() == static_cast<size_t>(n) ||
              (args.size() == 1 && args[0].is_array() && args[0].array().size() == static_cast<size_t>(n));
  if (!fits) {
    size_t given = args.size() == 1 && args[0].is_array() ? args[0].array().size() : args.size();
    return ctx.CallError(ErrorCode::kInvalidArgument,
                         "Function '" + r->addr.id + "' takes " + std::to_string(n) + " arguments, " +
                             std::to_string(given) + " given.");
  }
  Result<Value> out = ctx.ApplyFn(*body, args);
  if (out.ok()) return out;
  if (!WrapsInCallError(out.status().code())) {
    // Its line:col is in the function's text; blame the call instead.
    return ctx.CallError(out.status().code(), out.status().description());
  }
  Status wrapped = ctx.CallError(ErrorCode::kCallError, "Calling the function resulted in an error.");
  wrapped.WithCause({std::move(out).status_move()});
  return wrapped;
}

Result<Value> CreateDatabase(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  return CreateSchema(ctx, *sc, NativeColl::kDatabases, 0, nullptr);
}

// Moves a schema document to the name in `body`, keeping its uid, in this
// transaction. What is keyed by uid follows: an index's entries, a child
// database's contents. Stored values that name the old name (a Ref in a
// document, a function body calling it) keep naming it, as the README says.
Result<Value> RenameSchemaDoc(CallContext& ctx, StorageContext& sc, const ResolvedRef& r,
                              const Value& ref, const std::optional<storage::DocRecord>& old,
                              const Value& body, size_t params_arg) {
  NativeColl kind = *r.schema;
  std::optional<Value> scope;
  if (ref.ref_database()) scope = *ref.ref_database();
  Value moved = Value::Ref(body.Find("name")->str(), *ref.ref_collection(), scope);
  Result<ResolvedRef> to = sc.Resolve(moved);
  if (!to.ok()) return ctx.ArgError(params_arg, to.status().code(), to.status().description());
  FQL_ASSIGN_OR_RETURN(auto taken, sc.txn().Read(to->addr));
  if (taken && taken->action != Action::kDelete) {
    return ctx.CallError(ErrorCode::kInstanceAlreadyExists,
                         std::string(KindName(kind)) + " already exists.");
  }
  FQL_RETURN_IF_ERROR(sc.WriteDoc(r, ref, Action::kDelete, old->uid, Value(), old).status());
  if (kind == NativeColl::kIndexes && !IndexActive(body) &&
      body.Find(kIndexBuildError) == nullptr) {
    // A build under the old name stops when it finds the name gone; this
    // one carries on under the new name, skipping what is already indexed.
    sc.NoteIndexBuild({to->addr.db, to->addr.id, old->uid});
  }
  return sc.WriteDoc(*to, moved, Action::kCreate, old->uid, body, taken);
}

}  // namespace

Result<Value> WriteSchemaDoc(CallContext& ctx, StorageContext& sc, const ResolvedRef& r,
                             const Value& ref, WriteOp op, size_t params_arg) {
  NativeColl kind = *r.schema;
  if (op == WriteOp::kCreate) {
    return ctx.CallError(ErrorCode::kInvalidArgument,
                         std::string("Use Create") + KindName(kind) + "() to create a " +
                             KindName(kind) + ".");
  }
  FQL_ASSIGN_OR_RETURN(auto old, sc.txn().Read(r.addr));
  if (!old || old->action == Action::kDelete) {
    return ctx.CallError(ErrorCode::kInstanceNotFound, std::string(KindName(kind)) + " not found.");
  }
  if (op == WriteOp::kDelete) {
    if (kind == NativeColl::kCollections) {
      Status st = DropIndexesOn(sc, r.addr.db, old->uid);
      if (!st.ok()) return ctx.CallError(st.code(), st.description());
    }
    return sc.WriteDoc(r, ref, Action::kDelete, old->uid, Value(), old);
  }
  const Value empty = Value::MakeObject({});
  const Value& params = params_arg < ctx.size() && !ctx.arg(params_arg).is_null() ? ctx.arg(params_arg) : empty;
  FQL_RETURN_IF_ERROR(CheckParams(ctx, params_arg, kind, params, op == WriteOp::kReplace));
  Value body = op == WriteOp::kUpdate ? DeepMerge(old->body, params) : NewBody(kind, params);
  const Value* new_name = body.Find("name");
  if (!new_name || !new_name->is_string())
    return Invalid(ctx, params_arg, "field 'name' is required.");
  const bool rename = new_name->str() != r.addr.id;
  if (rename && kind == NativeColl::kCollections) {
    return ctx.ArgError(params_arg, ErrorCode::kUnsupported,
                        "Renaming a Collection is not supported yet: stored refs name their "
                        "collection (docs/storage-next.md).");
  }
  if (kind == NativeColl::kIndexes) {
    // Whether the index is built is fqldb's to say: a Replace keeps it (and
    // why a build failed); asking to change it is refused below.
    for (const char* kept : {"active", kIndexBuildError}) {
      const Value* was = old->body.Find(kept);
      const Value* asked = params.Find(kept);
      if (was && (asked == nullptr || asked->is_null())) body = WithField(body, kept, *was);
    }
    for (const char* fixed : {"source", "terms", "values", "unique", "active"}) {
      const Value* a = old->body.Find(fixed);
      const Value* b = body.Find(fixed);
      bool same = (a == nullptr && b == nullptr) || (a && b && Equals(*a, *b));
      if (!same) {
        return Invalid(ctx, params_arg, std::string("an index's ") + fixed + " cannot change.");
      }
    }
  }
  if (rename) return RenameSchemaDoc(ctx, sc, r, ref, old, body, params_arg);
  return sc.WriteDoc(r, ref, Action::kUpdate, old->uid, body, old);
}

void RegisterSchemaBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kCreateCollection, CreateCollection);
  t.Add(BuiltinId::kCreateClass, CreateCollection);
  t.Add(BuiltinId::kCreateIndex, CreateIndex);
  t.Add(BuiltinId::kCreateDatabase, CreateDatabase);
  t.Add(BuiltinId::kCreateFunction, CreateFunction);
  t.Add(BuiltinId::kCall, Call);
}

}  // namespace fqldb::executor::internal
