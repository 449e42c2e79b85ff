// Arrays and pages: Map, Filter, Reduce, aggregates, slicing and set algebra.
// A page in gives a page out (cursors kept); aggregates over a page give a
// page holding the one result, as Fauna did.
#include <algorithm>
#include <map>

#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

// Wraps an aggregate result like its input collection at argument `i`.
Value AggregateResult(const CallContext& ctx, size_t i, Value result) {
  if (ctx.arg(i).is_page()) return LikeCollection(ctx, i, Array{std::move(result)});
  return result;
}

Result<Value> Map(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  Array out;
  out.reserve(in->size());
  for (const Value& v : *in) {
    FQL_ASSIGN_OR_RETURN(Value r, ctx.Apply(1, {&v, 1}));
    out.push_back(std::move(r));
  }
  return LikeCollection(ctx, 0, std::move(out));
}

Result<Value> Foreach(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  for (const Value& v : *in) FQL_RETURN_IF_ERROR(ctx.Apply(1, {&v, 1}).status());
  return ctx.arg(0);
}

Result<Value> Filter(CallContext& ctx) {
  if (ctx.arg(0).kind() == ValueKind::kSet) return FilterSet(ctx);
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  Array out;
  for (const Value& v : *in) {
    FQL_ASSIGN_OR_RETURN(Value keep, ctx.Apply(1, {&v, 1}));
    if (!keep.is_bool()) {
      return ctx.ArgError(1, ErrorCode::kInvalidArgument,
                          std::string("Boolean expected, ") + TypeName(keep) + " provided.");
    }
    if (keep.as_bool()) out.push_back(v);
  }
  return LikeCollection(ctx, 0, std::move(out));
}

Result<Value> Reduce(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 2));
  Value acc[2] = {ctx.arg(1), Value()};
  for (const Value& v : *in) {
    acc[1] = v;
    FQL_ASSIGN_OR_RETURN(acc[0], ctx.Apply(0, {acc, 2}));
  }
  return AggregateResult(ctx, 2, std::move(acc[0]));
}

// Append(elems, coll) = coll ++ elems; Prepend(elems, coll) = elems ++ coll.
Result<Value> Concatenate(CallContext& ctx, bool append) {
  FQL_ASSIGN_OR_RETURN(const Array* elems, ctx.ArrayArg(0));
  FQL_ASSIGN_OR_RETURN(const Array* coll, ctx.ArrayArg(1));
  const Array& first = append ? *coll : *elems;
  const Array& second = append ? *elems : *coll;
  Array out;
  out.reserve(first.size() + second.size());
  out.insert(out.end(), first.begin(), first.end());
  out.insert(out.end(), second.begin(), second.end());
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> Append(CallContext& ctx) { return Concatenate(ctx, true); }
Result<Value> Prepend(CallContext& ctx) { return Concatenate(ctx, false); }

Result<Value> Slice(CallContext& ctx, bool take) {
  FQL_ASSIGN_OR_RETURN(int64_t n, ctx.Long(0));
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 1));
  size_t k = n < 0 ? 0 : std::min(static_cast<size_t>(n), in->size());
  Array out = take ? Array(in->begin(), in->begin() + static_cast<ptrdiff_t>(k))
                   : Array(in->begin() + static_cast<ptrdiff_t>(k), in->end());
  return LikeCollection(ctx, 1, std::move(out));
}

Result<Value> Take(CallContext& ctx) { return Slice(ctx, true); }
Result<Value> Drop(CallContext& ctx) { return Slice(ctx, false); }

// Over a set these look at one entry, not the whole set.
Result<Value> IsEmpty(CallContext& ctx) {
  if (ctx.arg(0).kind() == ValueKind::kSet) {
    FQL_ASSIGN_OR_RETURN(int64_t n, CountSet(ctx, 0, 1));
    return Value::Bool(n == 0);
  }
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  return Value::Bool(in->empty());
}

Result<Value> IsNonEmpty(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Value empty, IsEmpty(ctx));
  return Value::Bool(!empty.as_bool());
}

// All/Any type-check every element, then decide.
Result<Value> Quantifier(CallContext& ctx, bool all) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  bool result = all;
  for (size_t j = 0; j < in->size(); ++j) {
    const Value& v = (*in)[j];
    if (!v.is_bool()) return ctx.ElementTypeError(0, j, "Boolean", v);
    result = all ? (result && v.as_bool()) : (result || v.as_bool());
  }
  return AggregateResult(ctx, 0, Value::Bool(result));
}

Result<Value> All(CallContext& ctx) { return Quantifier(ctx, true); }
Result<Value> Any(CallContext& ctx) { return Quantifier(ctx, false); }

Result<Value> Count(CallContext& ctx) {
  // A set is counted on its cursor: no values, and no array-size limit.
  if (ctx.arg(0).kind() == ValueKind::kSet) {
    FQL_ASSIGN_OR_RETURN(int64_t n, CountSet(ctx, 0));
    return Value::Long(n);
  }
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  return AggregateResult(ctx, 0, Value::Long(static_cast<int64_t>(in->size())));
}

Status NumberElements(const CallContext& ctx, const Array& in) {
  for (size_t j = 0; j < in.size(); ++j) {
    if (!in[j].is_number()) return ctx.ElementTypeError(0, j, "Number", in[j]);
  }
  return Status::Ok();
}

Result<Value> Sum(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  FQL_RETURN_IF_ERROR(NumberElements(ctx, *in));
  bool any_double = std::any_of(in->begin(), in->end(), [](const Value& v) { return v.is_double(); });
  if (!any_double) {
    int64_t acc = 0;
    for (const Value& v : *in) {
      if (__builtin_add_overflow(acc, v.as_long(), &acc)) {
        return ctx.CallError(ErrorCode::kInvalidArgument, "Integer overflow.");
      }
    }
    return AggregateResult(ctx, 0, Value::Long(acc));
  }
  double acc = 0;
  for (const Value& v : *in) acc += v.as_number();
  return AggregateResult(ctx, 0, Value::Double(acc));
}

Result<Value> Mean(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  FQL_RETURN_IF_ERROR(NumberElements(ctx, *in));
  if (in->empty()) return ctx.CallError(ErrorCode::kInvalidArgument, "Non-empty array expected.");
  double acc = 0;
  for (const Value& v : *in) acc += v.as_number();
  return AggregateResult(ctx, 0, Value::Double(acc / static_cast<double>(in->size())));
}

Result<Value> Distinct(CallContext& ctx) {
  if (ctx.arg(0).kind() == ValueKind::kSet) return DistinctSet(ctx);
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  // Keep first-seen order; find repeats through a sorted index of positions.
  std::vector<size_t> order(in->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return Compare((*in)[a], (*in)[b]) < 0; });
  std::vector<bool> keep(in->size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    keep[order[i]] = i == 0 || !Equals((*in)[order[i - 1]], (*in)[order[i]]);
  }
  Array out;
  for (size_t i = 0; i < in->size(); ++i) {
    if (keep[i]) out.push_back((*in)[i]);
  }
  return LikeCollection(ctx, 0, std::move(out));
}

Result<Value> Reverse(CallContext& ctx) {
  if (ctx.arg(0).kind() == ValueKind::kSet) return ReverseSet(ctx);
  FQL_ASSIGN_OR_RETURN(const Array* in, CollectionArg(ctx, 0));
  return LikeCollection(ctx, 0, Array(in->rbegin(), in->rend()));
}

// The arrays a set-algebra call works on. `Union([1, 2])` is one array, not
// the list of its elements.
Result<std::vector<const Array*>> SetInputs(CallContext& ctx) {
  if (ctx.size() == 0) return ctx.CallError(ErrorCode::kInvalidArgument, "Non-empty array expected.");
  std::vector<const Array*> inputs;
  bool all_arrays = std::all_of(ctx.args.begin(), ctx.args.end(),
                                [](const Value& v) { return v.is_array(); });
  if (ctx.args_from_array && !all_arrays) {
    ctx.args = {Value::MakeArray(ctx.args)};
    ctx.args_from_array = false;
  }
  for (size_t i = 0; i < ctx.size(); ++i) {
    FQL_ASSIGN_OR_RETURN(const Array* a, CollectionArg(ctx, i));
    inputs.push_back(a);
  }
  return inputs;
}

struct ValueLess {
  bool operator()(const Value& a, const Value& b) const { return Compare(a, b) < 0; }
};

// Counts each distinct element, remembering the order of first sight.
// Compare() agrees with Equals(), so an ordered index finds repeats.
struct Multiset {
  std::vector<Value> values;
  std::vector<size_t> counts;
  std::map<Value, size_t, ValueLess> index;
  size_t Find(const Value& v) const {
    auto it = index.find(v);
    return it == index.end() ? values.size() : it->second;
  }
  size_t Insert(const Value& v) {
    auto [it, inserted] = index.emplace(v, values.size());
    if (inserted) {
      values.push_back(v);
      counts.push_back(0);
    }
    return it->second;
  }
  static Multiset Of(const Array& a) {
    Multiset m;
    for (const Value& v : a) ++m.counts[m.Insert(v)];
    return m;
  }
};

Result<Value> Union(CallContext& ctx) {
  if (AnySetArg(ctx)) return SetAlgebra(ctx, SetOp::kUnion);
  FQL_ASSIGN_OR_RETURN(auto inputs, SetInputs(ctx));
  Multiset acc;
  for (const Array* a : inputs) {
    Multiset m = Multiset::Of(*a);
    for (size_t i = 0; i < m.values.size(); ++i) {
      size_t j = acc.Insert(m.values[i]);
      acc.counts[j] = std::max(acc.counts[j], m.counts[i]);
    }
  }
  Array out;
  for (size_t i = 0; i < acc.values.size(); ++i) out.insert(out.end(), acc.counts[i], acc.values[i]);
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> Intersection(CallContext& ctx) {
  if (AnySetArg(ctx)) return SetAlgebra(ctx, SetOp::kIntersection);
  FQL_ASSIGN_OR_RETURN(auto inputs, SetInputs(ctx));
  Multiset acc = Multiset::Of(*inputs[0]);
  for (size_t k = 1; k < inputs.size(); ++k) {
    Multiset m = Multiset::Of(*inputs[k]);
    for (size_t i = 0; i < acc.values.size(); ++i) {
      size_t j = m.Find(acc.values[i]);
      acc.counts[i] = j == m.values.size() ? 0 : std::min(acc.counts[i], m.counts[j]);
    }
  }
  Array out;
  for (size_t i = 0; i < acc.values.size(); ++i) out.insert(out.end(), acc.counts[i], acc.values[i]);
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> Difference(CallContext& ctx) {
  if (AnySetArg(ctx)) return SetAlgebra(ctx, SetOp::kDifference);
  FQL_ASSIGN_OR_RETURN(auto inputs, SetInputs(ctx));
  // Each occurrence in a later input removes one occurrence, the earliest first.
  std::map<Value, size_t, ValueLess> removals;
  for (size_t k = 1; k < inputs.size(); ++k) {
    for (const Value& v : *inputs[k]) ++removals[v];
  }
  Array out;
  for (const Value& v : *inputs[0]) {
    auto it = removals.find(v);
    if (it != removals.end() && it->second > 0) {
      --it->second;
      continue;
    }
    out.push_back(v);
  }
  return MakeArrayChecked(ctx, std::move(out));
}

}  // namespace

void RegisterCollectionBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kMap, &Map);
  t.Add(BuiltinId::kForeach, &Foreach);
  t.Add(BuiltinId::kFilter, &Filter);
  t.Add(BuiltinId::kReduce, &Reduce);
  t.Add(BuiltinId::kAppend, &Append);
  t.Add(BuiltinId::kPrepend, &Prepend);
  t.Add(BuiltinId::kTake, &Take);
  t.Add(BuiltinId::kDrop, &Drop);
  t.Add(BuiltinId::kIsEmpty, &IsEmpty);
  t.Add(BuiltinId::kIsNonEmpty, &IsNonEmpty);
  t.Add(BuiltinId::kAll, &All);
  t.Add(BuiltinId::kAny, &Any);
  t.Add(BuiltinId::kCount, &Count);
  t.Add(BuiltinId::kSum, &Sum);
  t.Add(BuiltinId::kMean, &Mean);
  t.Add(BuiltinId::kDistinct, &Distinct);
  t.Add(BuiltinId::kReverse, &Reverse);
  t.Add(BuiltinId::kUnion, &Union);
  t.Add(BuiltinId::kIntersection, &Intersection);
  t.Add(BuiltinId::kDifference, &Difference);
}

}  // namespace fqldb::executor::internal
