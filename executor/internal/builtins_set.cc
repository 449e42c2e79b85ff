// Sets read from storage: Documents, Match, the schema sets (Collections()
// and friends), Paginate, and reading a whole set for aggregates.
#include <algorithm>
#include <functional>

#include "common/value_printer.h"
#include "executor/internal/call_context.h"
#include "executor/internal/interp.h"
#include "executor/internal/jit_scan.h"
#include "executor/internal/schema_ops.h"
#include "executor/internal/set_plan.h"
#include "executor/internal/storage_context.h"
#include "executor/interpreter.h"

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

Array CursorArray(const Value& v) { return v.is_array() ? v.array() : Array{v}; }

Result<Value> Documents(CallContext& ctx) {
  const Value& coll = ctx.arg(0);
  if (coll.kind() != ValueKind::kRef) return ctx.TypeError(0, "Collection Ref");
  return MakeSet("Documents(" + ToFql(coll) + ")", "{\"documents\":" + ToWireJson(coll) + "}",
                 DocumentsPlan(coll));
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
  return MakeSet(fql + ")", wire + "}", MatchPlan(index, std::move(terms)));
}

template <NativeColl kKind>
Result<Value> NativeSetFn(CallContext& ctx) {
  std::string name = ctx.call().builtin->name;
  std::string key = ctx.call().builtin->keys[0];
  if (ctx.Has(0)) {
    // Collections(Database("app")): the schema of a child database.
    const Value& scope = ctx.arg(0);
    const Value* native = scope.kind() == ValueKind::kRef ? scope.ref_collection() : nullptr;
    if (!native || native->kind() != ValueKind::kRef || native->ref_id() != "databases") {
      return ctx.TypeError(0, "Database Ref");
    }
    return MakeSet(name + "(" + ToFql(scope) + ")", "{\"" + key + "\":" + ToWireJson(scope) + "}",
                   NativePlan(kKind, scope));
  }
  return MakeSet(name + "()", "{\"" + key + "\":null}", NativePlan(kKind));
}

struct PageOptions {
  int64_t size = kDefaultPageSize;
  std::optional<Value> after;
  std::optional<Value> before;
  std::optional<uint64_t> ts;
  bool events = false;
  bool sources = false;
};

// An error in Paginate's option `option`. On the wire the options sit
// beside the set in the call object, so the position is the call's plus
// the option's key.
Status OptionError(const CallContext& ctx, const std::string& option, ErrorCode code,
                   std::string msg) {
  Status st = ctx.ArgError(1, code, std::move(msg));
  std::vector<PathElem> pos = frontend::PositionOf(ctx.call());
  pos.emplace_back(option);
  st.WithPosition(std::move(pos));
  return st;
}

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
      if (!v.is_long())
        return OptionError(ctx, "size", ErrorCode::kInvalidArgument,
                           "Page size must be an Integer.");
      if (v.as_long() < 0 || v.as_long() > kMaxPageSize) {
        return OptionError(
            ctx, "size", ErrorCode::kInvalidArgument,
            "Page size must be between 0 and 100000, got " + std::to_string(v.as_long()) + ".");
      }
      o.size = v.as_long();
    } else if (f.first == "after" || f.first == "before") {
      FQL_RETURN_IF_ERROR(cursor_value(v, f.first.c_str()));
    } else if (f.first == "cursor") {
      if (v.is_null()) continue;
      const Value* a = v.is_object() ? v.Find("after") : nullptr;
      const Value* b = v.is_object() ? v.Find("before") : nullptr;
      if (!v.is_object() || (a == nullptr) == (b == nullptr) || v.fields().size() != 1) {
        return OptionError(ctx, "cursor", ErrorCode::kInvalidArgument,
                           "A cursor is {after: ...} or {before: ...}.");
      }
      FQL_RETURN_IF_ERROR(cursor_value(a ? *a : *b, a ? "after" : "before"));
    } else if (f.first == "ts") {
      if (v.is_null()) continue;
      Result<uint64_t> ts = TsOf(ctx, 1, v);
      if (!ts.ok()) return OptionError(ctx, "ts", ts.status().code(), ts.status().description());
      o.ts = *ts;
    } else if (f.first == "events") {
      if (v.is_null()) continue;
      if (!v.is_bool())
        return OptionError(ctx, "events", ErrorCode::kInvalidArgument, "events must be a Boolean.");
      o.events = v.as_bool();
    } else if (f.first == "sources") {
      if (v.is_null()) continue;
      if (!v.is_bool())
        return OptionError(ctx, "sources", ErrorCode::kInvalidArgument,
                           "sources must be a Boolean.");
      o.sources = v.as_bool();
    } else {
      return OptionError(ctx, f.first, ErrorCode::kInvalidArgument,
                         "Unknown Paginate option '" + f.first + "'.");
    }
  }
  if (o.events && o.sources) {
    return OptionError(ctx, "sources", ErrorCode::kUnsupported,
                       "Paginate with both events and sources is not supported.");
  }
  if (o.after && o.before) {
    return OptionError(ctx, "before", ErrorCode::kInvalidArgument,
                       "Give a page either an after or a before cursor, not both.");
  }
  return o;
}

Result<Value> Singleton(CallContext& ctx) {
  const Value& ref = ctx.arg(0);
  if (ref.kind() != ValueKind::kRef) return ctx.TypeError(0, "Ref");
  return MakeSet("Singleton(" + ToFql(ref) + ")", "{\"singleton\":" + ToWireJson(ref) + "}",
                 SingletonPlan(ref));
}

Result<Value> Join(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(ExecSetPtr source, SetArg(ctx, 0));
  const Value& target = ctx.arg(1);
  if (target.kind() != ValueKind::kRef && target.kind() != ValueKind::kQuery) {
    return ctx.TypeError(1, "Index Ref or Lambda");
  }
  return MakeSet(
      "Join(" + ToFql(ctx.arg(0)) + ", " + ToFql(target) + ")",
      "{\"join\":" + ctx.arg(0).set().wire_json + ",\"with\":" + ToWireJson(target) + "}",
      JoinPlan(source, target));
}

Result<Value> Range(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(ExecSetPtr source, SetArg(ctx, 0));
  return MakeSet(
      "Range(" + ToFql(ctx.arg(0)) + ", " + ToFql(ctx.arg(1)) + ", " + ToFql(ctx.arg(2)) + ")",
      "{\"range\":" + ctx.arg(0).set().wire_json + ",\"from\":" + ToWireJson(ctx.arg(1)) +
          ",\"to\":" + ToWireJson(ctx.arg(2)) + "}",
      RangePlan(source, ctx.arg(1), ctx.arg(2)));
}

Result<std::string> EncodeCursor(CallContext& ctx, const OpenedSet& set, const Value& cursor,
                                 const char* option) {
  if (set.encode_cursor) {
    Result<std::string> enc = set.encode_cursor(cursor);
    if (!enc.ok()) return OptionError(ctx, option, enc.status().code(), enc.status().description());
    return enc;
  }
  Result<std::string> enc = storage::EncodeOrderPrefix(set.def.get(), CursorArray(cursor));
  if (!enc.ok())
    return OptionError(ctx, option, ErrorCode::kInvalidArgument,
                       "Invalid cursor " + ToFql(cursor) + ".");
  return enc;
}

// Events(ref) is a document's history; Events(set) the set's.
Result<Value> Events(CallContext& ctx) {
  const Value& x = ctx.arg(0);
  if (x.kind() == ValueKind::kRef) {
    return MakeSet("Events(" + ToFql(x) + ")", "{\"events\":" + ToWireJson(x) + "}",
                   DocEventsPlan(x));
  }
  if (x.kind() != ValueKind::kSet) return ctx.TypeError(0, "Ref or Set");
  FQL_ASSIGN_OR_RETURN(ExecSetPtr set, SetArg(ctx, 0));
  return MakeSet("Events(" + ToFql(x) + ")", "{\"events\":" + x.set().wire_json + "}",
                 EventsPlan(set));
}

// Paginate's `sources`: each entry as {sources: [the input sets holding
// it], value}. Membership is one seek per entry and input set.
Result<Array> WithSources(CallContext& ctx, StorageContext& sc, const ExecSet& set,
                          std::optional<uint64_t> at, const std::vector<SetEntry>& entries) {
  std::vector<Value> inputs;
  set.Sources(ctx.arg(0), &inputs);
  std::vector<OpenedSet> opened;
  for (const Value& in : inputs) {
    const auto* plan = static_cast<const ExecSet*>(in.set().plan.get());
    Result<OpenedSet> o = plan->Open(sc, at, ctx);
    if (!o.ok()) return ctx.ArgError(0, o.status().code(), o.status().description());
    opened.push_back(std::move(*o));
  }
  Array out;
  for (const SetEntry& e : entries) {
    Array holders;
    for (size_t i = 0; i < inputs.size(); ++i) {
      ScanBounds exact;
      exact.start = e.order_key;
      exact.stop = storage::OrderPrefixSuccessor(e.order_key);
      FQL_ASSIGN_OR_RETURN(auto cursor, opened[i].scan(exact));
      bool held = cursor->Valid() && cursor->entry().order_key == e.order_key;
      FQL_RETURN_IF_ERROR(cursor->status());
      if (held) holders.push_back(inputs[i]);
    }
    out.push_back(Value::MakeObject(
        {{"sources", Value::MakeArray(std::move(holders))}, {"value", EntryOutput(e)}}));
  }
  return out;
}

Result<Value> Paginate(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(ExecSetPtr set, SetArg(ctx, 0));
  FQL_ASSIGN_OR_RETURN(PageOptions o, ParsePageOptions(ctx));
  if (o.events) set = EventsPlan(set);
  std::optional<uint64_t> at = o.ts ? o.ts : sc->at();
  Result<OpenedSet> opened = set->Open(*sc, at, ctx);
  if (!opened.ok()) return ctx.ArgError(0, opened.status().code(), opened.status().description());
  NoteAccess(ctx, *opened);
  ScanBounds bounds;
  if (o.before) {
    bounds.reverse = true;
    FQL_ASSIGN_OR_RETURN(bounds.stop, EncodeCursor(ctx, *opened, *o.before, "before"));
  } else if (o.after) {
    FQL_ASSIGN_OR_RETURN(bounds.start, EncodeCursor(ctx, *opened, *o.after, "after"));
  }
  FQL_ASSIGN_OR_RETURN(auto cursor, opened->scan(bounds));
  // Reads up to size + 1 entries in scan order (the extra one only says
  // there is more). Each entry becomes its output value at once; the
  // cursors need only three entries' order values, taken as they pass.
  const auto size = static_cast<size_t>(o.size);
  Array data;
  data.reserve(std::min<size_t>(size, 1024));
  std::vector<SetEntry> entries;  // only for sources
  std::optional<Value> first_cursor, last_cursor, extra_cursor;
  for (size_t n = 0; cursor->Valid(); ++n) {
    const SetEntry& e = cursor->entry();
    if (n == size) {
      extra_cursor = EntryCursorValue(e);
      break;
    }
    if (n == 0) first_cursor = EntryCursorValue(e);
    if (n + 1 == size) last_cursor = EntryCursorValue(e);
    if (o.sources) {
      entries.push_back(e);
    } else {
      data.push_back(EntryOutput(e));
    }
    if (((n + 1) & 1023) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
    cursor->Next();
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  bool more = extra_cursor.has_value();
  std::optional<Value> before, after;
  if (o.before) {
    // Read backwards from the cursor: the page is the reverse of the scan.
    std::reverse(data.begin(), data.end());
    std::reverse(entries.begin(), entries.end());
    after = opened->encode_cursor ? *o.before : Value::MakeArray(CursorArray(*o.before));
    if (more) before = std::move(last_cursor);
  } else {
    if (more) after = std::move(extra_cursor);
    if (o.after) before = std::move(first_cursor);
  }
  if (o.sources) {
    FQL_ASSIGN_OR_RETURN(data, WithSources(ctx, *sc, *set, at, entries));
  }
  return Value::Page(std::move(data), std::move(before), std::move(after));
}

}  // namespace

namespace {

// The set at argument `i`, opened at the run's snapshot.
Result<OpenedSet> OpenSetArg(CallContext& ctx, size_t i) {
  FQL_ASSIGN_OR_RETURN(StorageContext * sc, ctx.Storage());
  FQL_ASSIGN_OR_RETURN(ExecSetPtr set, SetArg(ctx, i));
  Result<OpenedSet> opened = set->Open(*sc, sc->at(), ctx);
  if (!opened.ok()) return ctx.ArgError(i, opened.status().code(), opened.status().description());
  NoteAccess(ctx, *opened);
  return opened;
}

// A cursor over the whole set at argument `i`, at the run's snapshot.
Result<std::unique_ptr<EntryCursor>> ScanWholeSet(CallContext& ctx, size_t i) {
  FQL_ASSIGN_OR_RETURN(OpenedSet opened, OpenSetArg(ctx, i));
  return opened.scan(ScanBounds{});
}

}  // namespace

Result<int64_t> CountSet(CallContext& ctx, size_t i, int64_t limit) {
  FQL_ASSIGN_OR_RETURN(OpenedSet opened, OpenSetArg(ctx, i));
  if (limit == INT64_MAX && opened.pipeline) {
    if (auto compiled = CountCompiled(ctx, *opened.pipeline)) return std::move(*compiled);
  }
  if (opened.count && limit == INT64_MAX) {
    ctx.interp().Explain(
        ctx.call(), [] { return std::string("counts per partition without decoding documents"); });
    FQL_ASSIGN_OR_RETURN(uint64_t all, opened.count([&ctx] { return ctx.CheckDeadline(); }));
    return static_cast<int64_t>(all);
  }
  FQL_ASSIGN_OR_RETURN(auto cursor, opened.scan(ScanBounds{}));
  int64_t n = 0;
  for (; n < limit && cursor->Valid(); cursor->Next()) {
    if ((++n & 4095) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  return n;
}

Result<Array> ReadWholeSet(CallContext& ctx, size_t i) {
  FQL_ASSIGN_OR_RETURN(auto cursor, ScanWholeSet(ctx, i));
  Array out;
  for (; cursor->Valid(); cursor->Next()) {
    if (out.size() >= kMaxArrayElems) {
      return ctx.ArgError(
          i, ErrorCode::kInvalidArgument,
          "The set holds more than " + std::to_string(kMaxArrayElems) + " entries; paginate it.");
    }
    out.push_back(EntryOutput(cursor->entry()));
    if ((out.size() & 1023) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
  }
  FQL_RETURN_IF_ERROR(cursor->status());
  return out;
}

Result<std::optional<Value>> FirstRefOfSet(CallContext& ctx, StorageContext& sc, const Value& set,
                                           std::optional<uint64_t> at) {
  if (!set.set().plan) return ctx.TypeError(0, "Set");
  const auto* plan = static_cast<const ExecSet*>(set.set().plan.get());
  Result<OpenedSet> opened = plan->Open(sc, at, ctx);
  if (!opened.ok()) return ctx.ArgError(0, opened.status().code(), opened.status().description());
  NoteAccess(ctx, *opened);
  FQL_ASSIGN_OR_RETURN(auto cursor, opened->scan(ScanBounds{}));
  if (!cursor->Valid()) {
    FQL_RETURN_IF_ERROR(cursor->status());
    return std::optional<Value>();
  }
  return std::optional<Value>(cursor->entry().ref());
}

bool AnySetArg(const CallContext& ctx) {
  return std::any_of(ctx.args.begin(), ctx.args.end(),
                     [](const Value& v) { return v.kind() == ValueKind::kSet; });
}

Result<Value> SetAlgebra(CallContext& ctx, SetOp op) {
  static const char* const kNames[] = {"Union", "Intersection", "Difference"};
  static const char* const kKeys[] = {"union", "intersection", "difference"};
  std::vector<Value> inputs;
  std::string fql = std::string(kNames[static_cast<int>(op)]) + "(";
  std::string wire = std::string("{\"") + kKeys[static_cast<int>(op)] + "\":[";
  for (size_t i = 0; i < ctx.size(); ++i) {
    FQL_RETURN_IF_ERROR(SetArg(ctx, i).status());
    inputs.push_back(ctx.arg(i));
    fql += (i ? ", " : "") + ToFql(ctx.arg(i));
    wire += (i ? "," : "") + ctx.arg(i).set().wire_json;
  }
  return MakeSet(fql + ")", wire + "]}", AlgebraPlan(op, std::move(inputs)));
}

Result<Value> DistinctSet(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(ExecSetPtr s, SetArg(ctx, 0));
  return MakeSet("Distinct(" + ToFql(ctx.arg(0)) + ")",
                 "{\"distinct\":" + ctx.arg(0).set().wire_json + "}", DistinctPlan(s));
}

Result<Value> ReverseSet(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(ExecSetPtr s, SetArg(ctx, 0));
  return MakeSet("Reverse(" + ToFql(ctx.arg(0)) + ")",
                 "{\"reverse\":" + ctx.arg(0).set().wire_json + "}", ReversePlan(s));
}

Result<Value> FilterSet(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(ExecSetPtr s, SetArg(ctx, 0));
  if (ctx.arg(1).kind() != ValueKind::kQuery) return ctx.TypeError(1, "Lambda");
  return MakeSet("Filter(" + ToFql(ctx.arg(0)) + ", " + ToFql(ctx.arg(1)) + ")",
                 "{\"collection\":" + ctx.arg(0).set().wire_json +
                     ",\"filter\":" + ToWireJson(ctx.arg(1)) + "}",
                 FilterPlan(s, ctx.arg(1)));
}

void RegisterSetBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kSingleton, Singleton);
  t.Add(BuiltinId::kEvents, Events);
  t.Add(BuiltinId::kJoin, Join);
  t.Add(BuiltinId::kRange, Range);
  t.Add(BuiltinId::kDocuments, Documents);
  t.Add(BuiltinId::kMatch, Match);
  t.Add(BuiltinId::kCollections, NativeSetFn<NativeColl::kCollections>);
  t.Add(BuiltinId::kIndexes, NativeSetFn<NativeColl::kIndexes>);
  t.Add(BuiltinId::kDatabases, NativeSetFn<NativeColl::kDatabases>);
  t.Add(BuiltinId::kFunctions, NativeSetFn<NativeColl::kFunctions>);
  t.Add(BuiltinId::kPaginate, Paginate);
}

}  // namespace fqldb::executor::internal
