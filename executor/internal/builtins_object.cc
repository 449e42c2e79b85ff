// Objects and paths: Select, SelectAll, Merge, ToObject, ToArray, Contains*.
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "common/value_printer.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

// A path is a string, a number, or an array of both.
Result<Array> PathArg(const CallContext& ctx, const Value& p, size_t i) {
  if (p.is_string() || p.is_long()) return Array{p};
  if (p.is_array()) {
    for (const Value& e : p.array()) {
      if (!e.is_string() && !e.is_long()) {
        return ctx.ArgError(i, ErrorCode::kInvalidArgument,
                            std::string("Path elements must be strings or integers, ") +
                                TypeName(e) + " provided.");
      }
    }
    return p.array();
  }
  return ctx.ArgError(i, ErrorCode::kInvalidArgument,
                      std::string("Path expected (a string, an integer or an array), ") +
                          TypeName(p) + " provided.");
}

std::string PathText(const Array& path) {
  std::string s = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) s += ", ";
    s += path[i].is_string() ? path[i].str() : std::to_string(path[i].as_long());
  }
  return s + "]";
}

// One step of a path; returns nullopt when it is missing.
// Refs expose id/collection/database; pages index their data by number.
std::optional<Value> Step(const Value& from, const Value& key) {
  if (key.is_long()) {
    if (!from.is_array() && !from.is_page()) return std::nullopt;
    const Array& a = from.array();
    int64_t i = key.as_long();
    if (i < 0 || static_cast<size_t>(i) >= a.size()) return std::nullopt;
    return a[static_cast<size_t>(i)];
  }
  const std::string& k = key.str();
  switch (from.kind()) {
    case ValueKind::kObject: {
      const Value* v = from.Find(k);
      return v ? std::optional<Value>(*v) : std::nullopt;
    }
    case ValueKind::kRef:
      if (k == "id") return Value::String(from.ref_id());
      if (k == "collection" && from.ref_collection()) return *from.ref_collection();
      if (k == "database" && from.ref_database()) return *from.ref_database();
      return std::nullopt;
    case ValueKind::kPage:
      if (k == "data") return Value::MakeArray(from.array());
      if (k == "before" && from.page_before()) return *from.page_before();
      if (k == "after" && from.page_after()) return *from.page_after();
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::optional<Value> Walk(Value from, const Array& path) {
  for (const Value& key : path) {
    std::optional<Value> next = Step(from, key);
    if (!next) return std::nullopt;
    from = std::move(*next);
  }
  return from;
}

Result<Value> Select(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Value p, ctx.Eval(0));
  FQL_ASSIGN_OR_RETURN(Array path, PathArg(ctx, p, 0));
  FQL_ASSIGN_OR_RETURN(Value from, ctx.Eval(1));
  std::optional<Value> found = Walk(std::move(from), path);
  if (found) return *found;
  if (ctx.call().args.size() > 2) return ctx.Eval(2);
  return ctx.ArgError(1, ErrorCode::kValueNotFound, "Value not found at path " + PathText(path) + ".");
}

// Collects every value at `path`, fanning out through arrays met on the way.
void CollectAll(const Value& from, const Array& path, size_t k, Array* out) {
  if (k == path.size()) {
    out->push_back(from);
    return;
  }
  if (from.is_array() && path[k].is_string()) {
    for (const Value& e : from.array()) CollectAll(e, path, k, out);
    return;
  }
  std::optional<Value> next = Step(from, path[k]);
  if (next) CollectAll(*next, path, k + 1, out);
}

Result<Value> SelectAll(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Array path, PathArg(ctx, ctx.arg(0), 0));
  if (!ctx.arg(1).is_array() && !ctx.arg(1).is_object()) return ctx.TypeError(1, "Array or Object");
  Array out;
  CollectAll(ctx.arg(1), path, 0, &out);
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> Merge(CallContext& ctx) {
  if (!ctx.arg(0).is_object()) return ctx.TypeError(0, "Object");
  std::vector<const Value*> withs;
  if (ctx.arg(1).is_object()) {
    withs.push_back(&ctx.arg(1));
  } else if (ctx.arg(1).is_array()) {
    const Array& all = ctx.arg(1).array();
    for (size_t j = 0; j < all.size(); ++j) {
      if (!all[j].is_object()) return ctx.ElementTypeError(1, j, "Object", all[j]);
      withs.push_back(&all[j]);
    }
  } else {
    return ctx.TypeError(1, "Object");
  }
  bool resolver = ctx.Has(2);
  Value acc = ctx.arg(0);
  for (const Value* w : withs) {
    Fields out = acc.fields();
    std::unordered_map<std::string, size_t> left_at;  // key -> position in `out`
    for (size_t i = 0; i < out.size(); ++i) left_at.emplace(out[i].first, i);
    size_t left_count = out.size();
    std::unordered_map<std::string, size_t> right_at;
    for (size_t i = 0; i < w->fields().size(); ++i) {
      const Field& f = w->fields()[i];
      right_at.emplace(f.first, i);
      auto [it, inserted] = left_at.emplace(f.first, out.size());
      if (inserted) out.emplace_back(f.first, Value());
      if (!resolver) out[it->second].second = f.second;
    }
    if (resolver) {
      // The resolver runs for every key of the result; a missing side is null.
      for (size_t i = 0; i < out.size(); ++i) {
        auto r = right_at.find(out[i].first);
        Value call_args[3] = {Value::String(out[i].first),
                              i < left_count ? acc.fields()[i].second : Value(),
                              r != right_at.end() ? w->fields()[r->second].second : Value()};
        FQL_ASSIGN_OR_RETURN(out[i].second, ctx.Apply(2, {call_args, 3}));
      }
    }
    std::erase_if(out, [](const Field& f) { return f.second.is_null(); });
    acc = Value::MakeObject(std::move(out));
  }
  return acc;
}

Result<Value> ToObject(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* pairs, CollectionArg(ctx, 0));
  Fields out;
  for (size_t j = 0; j < pairs->size(); ++j) {
    const Value& p = (*pairs)[j];
    if (!p.is_array() || p.array().size() != 2 || !p.array()[0].is_string()) {
      return ctx.ElementError(0, j, ErrorCode::kInvalidArgument,
                              "Field/value pair expected: an array of [String, value] pairs.");
    }
    out.emplace_back(p.array()[0].str(), p.array()[1]);
  }
  return Value::MakeObject(std::move(out));
}

Result<Value> ToArray(CallContext& ctx) {
  if (!ctx.arg(0).is_object()) return ctx.TypeError(0, "Object");
  Array out;
  for (const Field& f : ctx.arg(0).fields()) {
    out.push_back(Value::MakeArray({Value::String(f.first), f.second}));
  }
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> ContainsPath(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Array path, PathArg(ctx, ctx.arg(0), 0));
  return Value::Bool(Walk(ctx.arg(1), path).has_value());
}

// Scalars cannot contain anything; asking is an error, as in Fauna.
Status ContainerArg(const CallContext& ctx, size_t i) {
  switch (ctx.arg(i).kind()) {
    case ValueKind::kString:
    case ValueKind::kLong:
    case ValueKind::kDouble:
    case ValueKind::kBool:
    case ValueKind::kBytes:
    case ValueKind::kTimestamp:
    case ValueKind::kDate:
      return ctx.TypeError(i, "Array, Object, Ref or Page");
    case ValueKind::kSet:
      return ctx.ArgError(i, ErrorCode::kUnsupported,
                          "Sets need the storage engine, which this build does not have yet.");
    default: return Status::Ok();
  }
}

Result<Value> ContainsField(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* field, ctx.String(0));
  if (ctx.arg(1).is_null()) return Value::Bool(false);
  FQL_RETURN_IF_ERROR(ContainerArg(ctx, 1));
  if (ctx.arg(1).is_array()) return Value::Bool(false);
  return Value::Bool(Step(ctx.arg(1), Value::String(*field)).has_value());
}

Result<Value> ContainsValue(CallContext& ctx) {
  const Value& needle = ctx.arg(0);
  const Value& in = ctx.arg(1);
  if (in.is_null()) return Value::Bool(false);
  FQL_RETURN_IF_ERROR(ContainerArg(ctx, 1));
  auto has = [&](const Value& v) { return Equals(v, needle); };
  switch (in.kind()) {
    case ValueKind::kArray:
    case ValueKind::kPage: return Value::Bool(std::any_of(in.array().begin(), in.array().end(), has));
    case ValueKind::kObject:
      return Value::Bool(
          std::any_of(in.fields().begin(), in.fields().end(), [&](const Field& f) { return has(f.second); }));
    case ValueKind::kRef:
      return Value::Bool(has(Value::String(in.ref_id())) ||
                         (in.ref_collection() && has(*in.ref_collection())) ||
                         (in.ref_database() && has(*in.ref_database())));
    default: return Value::Bool(false);
  }
}

}  // namespace

void RegisterObjectBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kSelect, &Select);
  t.Add(BuiltinId::kSelectAll, &SelectAll);
  t.Add(BuiltinId::kSelectAsIndex, &SelectAll);
  t.Add(BuiltinId::kMerge, &Merge);
  t.Add(BuiltinId::kToObject, &ToObject);
  t.Add(BuiltinId::kToArray, &ToArray);
  t.Add(BuiltinId::kContainsPath, &ContainsPath);
  t.Add(BuiltinId::kContains, &ContainsPath);
  t.Add(BuiltinId::kContainsField, &ContainsField);
  t.Add(BuiltinId::kContainsValue, &ContainsValue);
}

}  // namespace fqldb::executor::internal
