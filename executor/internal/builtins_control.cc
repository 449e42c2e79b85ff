// Control flow and logic: If, Do, Abort, Query, And, Or, Not, Equals, LT..GTE.
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

Result<Value> If(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Value cond, ctx.Eval(0));
  if (!cond.is_bool()) {
    return ctx.ArgError(0, ErrorCode::kInvalidArgument,
                        std::string("Boolean expected, ") + TypeName(cond) + " provided.");
  }
  return ctx.Eval(cond.as_bool() ? 1 : 2);
}

Result<Value> Do(CallContext& ctx) { return ctx.args.back(); }

Result<Value> Abort(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* msg, ctx.String(0));
  return ctx.CallError(ErrorCode::kTransactionAborted, *msg);
}

Result<Value> Query(CallContext& ctx) {
  if (ctx.arg(0).kind() != ValueKind::kQuery) return ctx.TypeError(0, "Lambda");
  return ctx.arg(0);
}

// And/Or evaluate lazily and stop at the first deciding value. A single
// argument that evaluates to an array is the list (already evaluated).
Result<Value> ShortCircuit(CallContext& ctx, bool stop_on) {
  size_t n = ctx.call().args.size();
  if (n == 0) return ctx.CallError(ErrorCode::kInvalidExpression, "Expression list cannot be empty.");
  auto check = [&](const Value& v, size_t i) -> Result<bool> {
    if (!v.is_bool()) {
      return ctx.ArgError(i, ErrorCode::kInvalidArgument,
                          std::string("Boolean expected, ") + TypeName(v) + " provided.");
    }
    return v.as_bool();
  };
  if (n == 1) {
    FQL_ASSIGN_OR_RETURN(Value v, ctx.Eval(0));
    if (!v.is_array()) {
      FQL_ASSIGN_OR_RETURN(bool b, check(v, 0));
      return Value::Bool(b);
    }
    if (v.array().empty()) {
      return ctx.CallError(ErrorCode::kInvalidExpression, "Expression list cannot be empty.");
    }
    for (const Value& e : v.array()) {
      FQL_ASSIGN_OR_RETURN(bool b, check(e, 0));
      if (b == stop_on) return Value::Bool(stop_on);
    }
    return Value::Bool(!stop_on);
  }
  for (size_t i = 0; i < n; ++i) {
    FQL_ASSIGN_OR_RETURN(Value v, ctx.Eval(i));
    FQL_ASSIGN_OR_RETURN(bool b, check(v, i));
    if (b == stop_on) return Value::Bool(stop_on);
  }
  return Value::Bool(!stop_on);
}

Result<Value> And(CallContext& ctx) { return ShortCircuit(ctx, false); }
Result<Value> Or(CallContext& ctx) { return ShortCircuit(ctx, true); }

Result<Value> Not(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(bool b, ctx.Bool(0));
  return Value::Bool(!b);
}

Status NonEmpty(const CallContext& ctx) {
  if (ctx.size() == 0) return ctx.CallError(ErrorCode::kInvalidArgument, "Non-empty array expected.");
  return Status::Ok();
}

Result<Value> EqualsFn(CallContext& ctx) {
  FQL_RETURN_IF_ERROR(NonEmpty(ctx));
  for (size_t i = 1; i < ctx.size(); ++i) {
    if (!Equals(ctx.arg(0), ctx.arg(i))) return Value::Bool(false);
  }
  return Value::Bool(true);
}

// True when every adjacent pair satisfies `ok(Compare(a, b))`.
template <typename Pred>
Result<Value> Ordered(CallContext& ctx, Pred ok) {
  FQL_RETURN_IF_ERROR(NonEmpty(ctx));
  for (size_t i = 1; i < ctx.size(); ++i) {
    if (!ok(CompareByValue(ctx.arg(i - 1), ctx.arg(i)))) return Value::Bool(false);
  }
  return Value::Bool(true);
}

Result<Value> Lt(CallContext& ctx) { return Ordered(ctx, [](int c) { return c < 0; }); }
Result<Value> Lte(CallContext& ctx) { return Ordered(ctx, [](int c) { return c <= 0; }); }
Result<Value> Gt(CallContext& ctx) { return Ordered(ctx, [](int c) { return c > 0; }); }
Result<Value> Gte(CallContext& ctx) { return Ordered(ctx, [](int c) { return c >= 0; }); }

}  // namespace

void RegisterControlBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kIf, &If);
  t.Add(BuiltinId::kDo, &Do);
  t.Add(BuiltinId::kAbort, &Abort);
  t.Add(BuiltinId::kQuery, &Query);
  t.Add(BuiltinId::kAnd, &And);
  t.Add(BuiltinId::kOr, &Or);
  t.Add(BuiltinId::kNot, &Not);
  t.Add(BuiltinId::kEquals, &EqualsFn);
  t.Add(BuiltinId::kLT, &Lt);
  t.Add(BuiltinId::kLTE, &Lte);
  t.Add(BuiltinId::kGT, &Gt);
  t.Add(BuiltinId::kGTE, &Gte);
}

}  // namespace fqldb::executor::internal
