#include "executor/internal/storage_context.h"

#include <functional>
#include <map>

#include "common/stored_lambda.h"
#include "common/value_printer.h"
#include "executor/internal/index_build.h"
#include "executor/internal/interp.h"
#include "executor/internal/schema_cache.h"
#include "storage/key_codec.h"

namespace fqldb::executor::internal {

namespace {

using storage::DocAddress;
using storage::DocRecord;
using storage::IndexDef;
using storage::IndexField;
using storage::NativeColl;

const Value* Field(const Value& obj, std::string_view key) {
  return obj.is_object() ? obj.Find(key) : nullptr;
}

Status Invalid(const std::string& message) { return Status(ErrorCode::kInvalidRef, message); }

// An index field's path: a string ("ref") or an array of strings and
// array positions (["data", "tags", 0]).
Result<std::vector<Value>> ParsePath(const Value& v) {
  if (v.is_string()) return std::vector<Value>{v};
  if (!v.is_array() || v.array().empty()) {
    return Status(ErrorCode::kValidationFailed,
                  "An index field must be a path: a string or an array of strings and numbers.");
  }
  for (const Value& step : v.array()) {
    if (!step.is_string() && !step.is_long()) {
      return Status(ErrorCode::kValidationFailed,
                    "An index field path holds strings and numbers, not " +
                        std::string(TypeName(step)) + ".");
    }
  }
  return v.array();
}

// An index's bindings: per binding name, the lambda of each source
// collection (by collection name) that defines it.
using Bindings = std::map<std::string, std::map<std::string, std::shared_ptr<const QueryBody>>>;

// The function an index field with `binding` runs: the lambda of the
// document's collection, applied to the document.
Result<std::function<Result<Value>(const Value&)>> BindingFn(const Bindings& bindings, const std::string& name) {
  auto it = bindings.find(name);
  if (it == bindings.end()) {
    return Status(ErrorCode::kValidationFailed, "Binding '" + name + "' is not defined by the index's source.");
  }
  auto by_coll = it->second;
  return std::function<Result<Value>(const Value&)>([by_coll, name](const Value& doc) -> Result<Value> {
    const Value* ref = doc.Find("ref");
    const Value* coll = ref && ref->kind() == ValueKind::kRef ? ref->ref_collection() : nullptr;
    auto fn = coll ? by_coll.find(coll->ref_id()) : by_coll.end();
    if (fn == by_coll.end()) return Value::Null();  // this source does not define it
    // A binding sees the document without its ts: entries are computed
    // before the commit ts is known, and must come out the same when the
    // version is indexed again later.
    Fields without_ts;
    for (const ::fqldb::Field& f : doc.fields()) {
      if (f.first != "ts") without_ts.push_back(f);
    }
    Value input = Value::MakeObject(std::move(without_ts));
    Result<Value> v = ApplyStoredLambda(fn->second, {&input, 1});
    if (!v.ok()) {
      return Status(v.status().code(), "Index binding '" + name + "' failed: " + v.status().description());
    }
    return v;
  });
}

Result<std::vector<IndexField>> ParseFields(const Value* list, const char* what, const Bindings& bindings) {
  std::vector<IndexField> out;
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) {
    return Status(ErrorCode::kValidationFailed,
                  std::string("Index ") + what + " must be an array of objects.");
  }
  for (const Value& item : list->array()) {
    if (!item.is_object()) {
      return Status(ErrorCode::kValidationFailed,
                    std::string("Each of an index's ") + what + " must be an object with a field.");
    }
    const Value* binding = Field(item, "binding");
    const Value* field = Field(item, "field");
    if ((field == nullptr) == (binding == nullptr)) {
      return Status(ErrorCode::kValidationFailed,
                    std::string("Each of an index's ") + what + " needs a 'field' or a 'binding'.");
    }
    IndexField f;
    if (binding) {
      if (!binding->is_string()) {
        return Status(ErrorCode::kValidationFailed, "A binding is named by a string.");
      }
      FQL_ASSIGN_OR_RETURN(f.binding, BindingFn(bindings, binding->str()));
    } else {
      FQL_ASSIGN_OR_RETURN(f.path, ParsePath(*field));
    }
    if (const Value* rev = Field(item, "reverse"); rev && !rev->is_null()) {
      if (!rev->is_bool()) {
        return Status(ErrorCode::kValidationFailed, "An index field's 'reverse' must be a boolean.");
      }
      f.reverse = rev->as_bool();
    }
    out.push_back(std::move(f));
  }
  return out;
}

// The name of the first builtin under `n` that reads or writes stored
// data or returns something new on each call, or nullptr: a binding must
// be pure, since an entry is computed again to be removed.
const char* FirstStorageCall(const frontend::BoundNode& n) {
  auto first_of = [](const std::vector<frontend::BoundPtr>& nodes) -> const char* {
    for (const auto& c : nodes) {
      if (const char* found = FirstStorageCall(*c)) return found;
    }
    return nullptr;
  };
  switch (n.kind) {
    case frontend::BoundKind::kArray: return first_of(n.Cast<frontend::BoundArray>().elems);
    case frontend::BoundKind::kObject: return first_of(n.Cast<frontend::BoundObject>().values);
    case frontend::BoundKind::kCall: {
      const auto& call = n.Cast<frontend::BoundCall>();
      std::string_view name = call.builtin->name;
      // Reads of stored data, and values that differ from call to call.
      if (call.builtin->has(frontend::kStorage) || name == "NewId" || name == "NextId" || name == "Now") {
        return call.builtin->name;
      }
      return first_of(call.args);
    }
    case frontend::BoundKind::kLambda: return FirstStorageCall(*n.Cast<frontend::BoundLambda>().body);
    case frontend::BoundKind::kLet: {
      const auto& let = n.Cast<frontend::BoundLet>();
      if (const char* found = first_of(let.values)) return found;
      return FirstStorageCall(*let.body);
    }
    default: return nullptr;
  }
}

// Reads a source object's `fields`: binding name -> pure lambda, for each
// collection of the source.
Status AddBindings(const Value& fields, const std::vector<Value>& colls, Bindings* out) {
  if (!fields.is_object()) {
    return Status(ErrorCode::kValidationFailed, "A source's fields map binding names to Query(Lambda(...)).");
  }
  for (const ::fqldb::Field& f : fields.fields()) {
    if (f.second.kind() != ValueKind::kQuery) {
      return Status(ErrorCode::kValidationFailed,
                    "Binding '" + f.first + "' must be a Lambda wrapped in Query().");
    }
    // Stored as source and bound again, like a stored function's body.
    auto bound = BindStoredLambda(f.second.query()->ToFql());
    if (!bound.ok()) {
      return Status(ErrorCode::kValidationFailed,
                    "Binding '" + f.first + "' must stand alone (" + bound.status().description() + ")");
    }
    if (f.second.query()->arity() != 1) {
      return Status(ErrorCode::kValidationFailed, "Binding '" + f.first + "' must take one parameter, the document.");
    }
    if (const char* impure = FirstStorageCall(*(*bound)->root)) {
      return Status(ErrorCode::kValidationFailed, "Binding '" + f.first + "' must be pure, but it calls " +
                                                      impure + ".");
    }
    for (const Value& c : colls) (*out)[f.first][c.ref_id()] = f.second.query();
  }
  return Status::Ok();
}

// The collection refs an index's `source` names, and its bindings.
Result<std::vector<Value>> SourceRefs(const Value& source, Bindings* bindings) {
  std::vector<Value> out;
  auto add = [&](const Value& v) -> Status {
    if (v.kind() == ValueKind::kRef) {
      out.push_back(v);
      return Status::Ok();
    }
    if (v.is_object()) {
      const Value* c = Field(v, "collection");
      if (c == nullptr) c = Field(v, "class");
      std::vector<Value> colls;
      if (c && c->kind() == ValueKind::kRef) colls.push_back(*c);
      if (c && c->is_array()) {
        for (const Value& e : c->array()) {
          if (e.kind() != ValueKind::kRef) return Status(ErrorCode::kValidationFailed, "A source's collections must be refs.");
          colls.push_back(e);
        }
      }
      if (!colls.empty()) {
        if (const Value* fields = Field(v, "fields"); fields && !fields->is_null()) {
          FQL_RETURN_IF_ERROR(AddBindings(*fields, colls, bindings));
        }
        out.insert(out.end(), colls.begin(), colls.end());
        return Status::Ok();
      }
    }
    return Status(ErrorCode::kValidationFailed,
                  "An index source must be a collection ref, an array of them, or a source object.");
  };
  if (source.is_array()) {
    for (const Value& v : source.array()) FQL_RETURN_IF_ERROR(add(v));
  } else {
    FQL_RETURN_IF_ERROR(add(source));
  }
  if (out.empty()) {
    return Status(ErrorCode::kValidationFailed, "An index needs at least one source collection.");
  }
  return out;
}

}  // namespace

Result<NativeColl> NativeOf(const std::string& id) {
  if (id == "collections" || id == "classes") return NativeColl::kCollections;
  if (id == "indexes") return NativeColl::kIndexes;
  if (id == "functions") return NativeColl::kFunctions;
  if (id == "databases") return NativeColl::kDatabases;
  return Status(ErrorCode::kUnsupported, "Stored " + id + " are not supported yet.");
}

Value NativeRefOf(NativeColl kind, std::optional<Value> scope) {
  switch (kind) {
    case NativeColl::kCollections: return Value::NativeRef("collections", std::move(scope));
    case NativeColl::kIndexes: return Value::NativeRef("indexes", std::move(scope));
    case NativeColl::kFunctions: return Value::NativeRef("functions", std::move(scope));
    case NativeColl::kDatabases: return Value::NativeRef("databases", std::move(scope));
  }
  return Value();
}

Result<uint64_t> StorageContext::ResolveScope(const Value* scope) {
  if (scope == nullptr) return db_;
  if (scope->kind() != ValueKind::kRef || !scope->ref_collection() ||
      scope->ref_collection()->kind() != ValueKind::kRef ||
      scope->ref_collection()->ref_id() != "databases") {
    return Status(ErrorCode::kInvalidArgument, "Database Ref expected, " +
                                                   std::string(TypeName(*scope)) + " provided.");
  }
  FQL_ASSIGN_OR_RETURN(uint64_t parent, ResolveScope(scope->ref_database()));
  FQL_ASSIGN_OR_RETURN(auto rec, ReadSchema(parent, NativeColl::kDatabases, scope->ref_id()));
  if (!rec || rec->action == storage::Action::kDelete) {
    return Invalid("Ref refers to undefined database '" + scope->ref_id() + "'");
  }
  return rec->uid;
}

Result<ResolvedRef> StorageContext::Resolve(const Value& ref) {
  if (ref.kind() != ValueKind::kRef) {
    return Status(ErrorCode::kInvalidArgument, "Ref expected, " + std::string(TypeName(ref)) +
                                                   " provided.");
  }
  const Value* coll = ref.ref_collection();
  if (coll == nullptr || coll->kind() != ValueKind::kRef) {
    return Status(ErrorCode::kInvalidArgument,
                  "Ref " + ToFql(ref) + " names a native collection, not a document.");
  }
  ResolvedRef out;
  out.addr.id = ref.ref_id();
  if (coll->ref_collection() == nullptr) {
    // A schema document: Collection("x") is Ref("x", Ref("collections")).
    FQL_ASSIGN_OR_RETURN(NativeColl kind, NativeOf(coll->ref_id()));
    FQL_ASSIGN_OR_RETURN(out.addr.db, ResolveScope(ref.ref_database()));
    out.addr.coll = static_cast<uint64_t>(kind);
    out.schema = kind;
    return out;
  }
  if (coll->ref_collection()->ref_id() != "collections" &&
      coll->ref_collection()->ref_id() != "classes") {
    return Status(ErrorCode::kInvalidArgument,
                  "Ref " + ToFql(ref) + " is not in a collection.");
  }
  FQL_ASSIGN_OR_RETURN(out.addr.db, ResolveScope(coll->ref_database()));
  FQL_ASSIGN_OR_RETURN(auto rec, ReadSchema(out.addr.db, NativeColl::kCollections, coll->ref_id()));
  if (!rec || rec->action == storage::Action::kDelete) {
    return Invalid("Ref refers to undefined collection '" + coll->ref_id() + "'");
  }
  out.addr.coll = rec->uid;
  return out;
}

Result<std::optional<DocRecord>> StorageContext::ReadSchema(uint64_t db, NativeColl kind,
                                                            const std::string& name) {
  DocAddress addr{db, static_cast<uint64_t>(kind), name};
  if (!CacheUsable()) return txn_.Read(addr, at_);
  std::string key;
  storage::EncodeUint64(db, &key);
  storage::EncodeUint64(addr.coll, &key);
  key += name;
  if (auto hit = cache_->Doc(epoch_, key)) {
    txn_.NoteDocRead(addr);
    return *hit;
  }
  FQL_ASSIGN_OR_RETURN(std::optional<DocRecord> rec, txn_.Read(addr, at_));
  cache_->PutDoc(epoch_, key, rec);
  return rec;
}

Result<std::shared_ptr<const IndexDef>> StorageContext::CachedParse(uint64_t db, uint64_t uid,
                                                                   const Value& body) {
  if (!CacheUsable()) return ParseIndex(db, uid, body);
  if (auto hit = cache_->Index(epoch_, db, uid)) return hit;
  FQL_ASSIGN_OR_RETURN(auto def, ParseIndex(db, uid, body));
  cache_->PutIndex(epoch_, def);
  return def;
}

Result<std::shared_ptr<const IndexDef>> StorageContext::IndexDefOf(const Value& ref) {
  FQL_ASSIGN_OR_RETURN(ResolvedRef r, Resolve(ref));
  if (r.schema != NativeColl::kIndexes) {
    return Status(ErrorCode::kInvalidArgument, "Index Ref expected, " + ToFql(ref) + " provided.");
  }
  FQL_ASSIGN_OR_RETURN(auto rec, ReadSchema(r.addr.db, NativeColl::kIndexes, r.addr.id));
  if (!rec || rec->action == storage::Action::kDelete) {
    return Invalid("Ref refers to undefined index '" + ref.ref_id() + "'");
  }
  if (!IndexActive(rec->body)) {
    // Refused rather than read partially while the build runs.
    if (const Value* failed = rec->body.Find(kIndexBuildError); failed && failed->is_string()) {
      return Status(ErrorCode::kUnavailable,
                    "Index '" + ref.ref_id() + "' is not active: its build failed: " +
                        failed->str() + " Delete it, and create it again once that is fixed.");
    }
    return Status(ErrorCode::kUnavailable,
                  "Index '" + ref.ref_id() +
                      "' is not active yet: it is being built in the background. Get(Index('" +
                      ref.ref_id() + "')) shows active: true when it can be read.");
  }
  return CachedParse(r.addr.db, rec->uid, rec->body);
}

Result<std::shared_ptr<const IndexDef>> StorageContext::ParseIndex(uint64_t db, uint64_t uid,
                                                                  const Value& body) {
  // An index's sources name collections of the index's own database, not
  // of the database the query runs in.
  uint64_t query_db = db_;
  db_ = db;
  Result<std::shared_ptr<const IndexDef>> def = ParseIndexIn(db, uid, body);
  db_ = query_db;
  return def;
}

Result<std::shared_ptr<const IndexDef>> StorageContext::ParseIndexIn(uint64_t db, uint64_t uid,
                                                                    const Value& body) {
  auto def = std::make_shared<IndexDef>();
  def->db = db;
  def->uid = uid;
  const Value* source = Field(body, "source");
  if (source == nullptr) {
    return Status(ErrorCode::kValidationFailed, "An index needs a 'source' collection.");
  }
  Bindings bindings;
  FQL_ASSIGN_OR_RETURN(std::vector<Value> sources, SourceRefs(*source, &bindings));
  for (const Value& s : sources) {
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, Resolve(s));
    if (r.schema != NativeColl::kCollections) {
      return Status(ErrorCode::kValidationFailed,
                    "An index source must be a collection, not " + ToFql(s) + ".");
    }
    FQL_ASSIGN_OR_RETURN(auto rec, txn_.Read(r.addr, at_));
    if (!rec || rec->action == storage::Action::kDelete) {
      return Invalid("Ref refers to undefined collection '" + s.ref_id() + "'");
    }
    def->sources.push_back(rec->uid);
    def->source_refs.push_back(s);
  }
  FQL_ASSIGN_OR_RETURN(def->terms, ParseFields(Field(body, "terms"), "terms", bindings));
  FQL_ASSIGN_OR_RETURN(def->values, ParseFields(Field(body, "values"), "values", bindings));
  if (const Value* u = Field(body, "unique"); u && !u->is_null()) {
    if (!u->is_bool()) return Status(ErrorCode::kValidationFailed, "'unique' must be a boolean.");
    def->unique = u->as_bool();
  }
  return std::shared_ptr<const IndexDef>(std::move(def));
}

Result<std::vector<std::shared_ptr<const IndexDef>>> StorageContext::IndexesOn(uint64_t db,
                                                                              uint64_t coll) {
  bool cached = CacheUsable();
  if (cached) {
    if (auto hit = cache_->IndexesOn(epoch_, db, coll)) {
      txn_.NoteCollectionRead(db, static_cast<uint64_t>(NativeColl::kIndexes));
      return *hit;
    }
  }
  std::vector<std::shared_ptr<const IndexDef>> out;
  Value native = NativeRefOf(NativeColl::kIndexes, std::nullopt);
  auto cursor = txn_.ScanCollection(native, db, static_cast<uint64_t>(NativeColl::kIndexes), {});
  for (; cursor->Valid(); cursor->Next()) {
    DocAddress addr{db, static_cast<uint64_t>(NativeColl::kIndexes),
                    cursor->entry().ref().ref_id()};
    FQL_ASSIGN_OR_RETURN(auto rec, txn_.Read(addr));
    if (!rec || rec->action == storage::Action::kDelete) continue;
    FQL_ASSIGN_OR_RETURN(auto def, CachedParse(db, rec->uid, rec->body));
    for (uint64_t s : def->sources) {
      if (s == coll) {
        out.push_back(def);
        break;
      }
    }
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  if (cached) cache_->PutIndexesOn(epoch_, db, coll, std::make_shared<const std::vector<std::shared_ptr<const IndexDef>>>(out));
  return out;
}

Result<Value> StorageContext::WriteDoc(const ResolvedRef& r, const Value& ref,
                                       storage::Action action, uint64_t uid, const Value& body,
                                       const std::optional<DocRecord>& old) {
  if (at_) {
    return Status(ErrorCode::kInvalidArgument, "Writes are not allowed inside At().");
  }
  if (r.schema) schema_written_ = true;  // cached schema no longer describes this transaction
  std::vector<std::shared_ptr<const IndexDef>> indexes;
  if (!r.schema) {
    FQL_ASSIGN_OR_RETURN(indexes, IndexesOn(r.addr.db, r.addr.coll));
  }
  std::vector<const IndexDef*> raw;
  for (const auto& d : indexes) raw.push_back(d.get());
  FQL_RETURN_IF_ERROR(txn_.Write(r.addr, ref, action, uid, body, raw, old));
  if (action == storage::Action::kDelete) return DocValue(ref, *old);
  return DocValue(ref, DocRecord{txn_.provisional_ts(), action, uid, body});
}

Value StorageContext::DocValue(const Value& ref, const DocRecord& record) {
  Fields f;
  f.emplace_back("ref", ref);
  f.emplace_back("ts", Value::Long(static_cast<int64_t>(record.ts)));
  if (record.body.is_object()) {
    for (const auto& field : record.body.fields()) f.push_back(field);
  }
  return Value::MakeObject(std::move(f));
}

}  // namespace fqldb::executor::internal
