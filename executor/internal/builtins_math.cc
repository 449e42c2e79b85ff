// Math: arithmetic folds, rounding, transcendental functions and bit operations.
// Longs stay longs (overflow is an error); any double operand makes a double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

enum class Op { kAdd, kSubtract, kMultiply, kDivide, kModulo };

Status CheckNumbers(const CallContext& ctx) {
  if (ctx.size() == 0) return ctx.CallError(ErrorCode::kInvalidArgument, "Non-empty array expected.");
  for (size_t i = 0; i < ctx.size(); ++i) {
    if (!ctx.arg(i).is_number()) return ctx.TypeError(i, "Number");
  }
  return Status::Ok();
}

Status Overflow(const CallContext& ctx) {
  return ctx.CallError(ErrorCode::kInvalidArgument, "Integer overflow.");
}

Status DivisionByZero(const CallContext& ctx) {
  return ctx.CallError(ErrorCode::kInvalidArgument, "Illegal division by zero.");
}

Result<int64_t> LongStep(const CallContext& ctx, Op op, int64_t a, int64_t b) {
  int64_t r = 0;
  switch (op) {
    case Op::kAdd:
      if (__builtin_add_overflow(a, b, &r)) return Overflow(ctx);
      return r;
    case Op::kSubtract:
      if (__builtin_sub_overflow(a, b, &r)) return Overflow(ctx);
      return r;
    case Op::kMultiply:
      if (__builtin_mul_overflow(a, b, &r)) return Overflow(ctx);
      return r;
    case Op::kDivide:
      if (b == 0) return DivisionByZero(ctx);
      if (a == std::numeric_limits<int64_t>::min() && b == -1) return Overflow(ctx);
      return a / b;
    case Op::kModulo:
      if (b == 0) return DivisionByZero(ctx);
      if (b == -1) return int64_t{0};
      return a % b;
  }
  return r;
}

Result<double> DoubleStep(const CallContext& ctx, Op op, double a, double b) {
  switch (op) {
    case Op::kAdd: return a + b;
    case Op::kSubtract: return a - b;
    case Op::kMultiply: return a * b;
    case Op::kDivide:
      if (b == 0) return DivisionByZero(ctx);
      return a / b;
    case Op::kModulo:
      if (b == 0) return DivisionByZero(ctx);
      return std::fmod(a, b);
  }
  return 0.0;
}

// Folds the arguments from the left: in longs when every operand is a long,
// otherwise in doubles from the start (any double makes a double).
Result<Value> Fold(CallContext& ctx, Op op) {
  FQL_RETURN_IF_ERROR(CheckNumbers(ctx));
  bool any_double = std::any_of(ctx.args.begin(), ctx.args.end(), [](const Value& v) { return v.is_double(); });
  if (!any_double) {
    int64_t acc = ctx.arg(0).as_long();
    for (size_t i = 1; i < ctx.size(); ++i) {
      FQL_ASSIGN_OR_RETURN(acc, LongStep(ctx, op, acc, ctx.arg(i).as_long()));
    }
    return Value::Long(acc);
  }
  double acc = ctx.arg(0).as_number();
  for (size_t i = 1; i < ctx.size(); ++i) {
    FQL_ASSIGN_OR_RETURN(acc, DoubleStep(ctx, op, acc, ctx.arg(i).as_number()));
  }
  return Value::Double(acc);
}

Result<Value> Add(CallContext& ctx) { return Fold(ctx, Op::kAdd); }
Result<Value> Subtract(CallContext& ctx) { return Fold(ctx, Op::kSubtract); }
Result<Value> Multiply(CallContext& ctx) { return Fold(ctx, Op::kMultiply); }
Result<Value> Divide(CallContext& ctx) { return Fold(ctx, Op::kDivide); }
Result<Value> Modulo(CallContext& ctx) { return Fold(ctx, Op::kModulo); }

// Max/Min return the winning element itself, keeping its type.
Result<Value> Extreme(CallContext& ctx, int sign) {
  FQL_RETURN_IF_ERROR(CheckNumbers(ctx));
  size_t best = 0;
  for (size_t i = 1; i < ctx.size(); ++i) {
    if (sign * Compare(ctx.arg(i), ctx.arg(best)) > 0) best = i;
  }
  return ctx.arg(best);
}

Result<Value> Max(CallContext& ctx) { return Extreme(ctx, 1); }
Result<Value> Min(CallContext& ctx) { return Extreme(ctx, -1); }

template <typename F>
Result<Value> BitFold(CallContext& ctx, F f) {
  if (ctx.size() == 0) return ctx.CallError(ErrorCode::kInvalidArgument, "Non-empty array expected.");
  FQL_ASSIGN_OR_RETURN(int64_t acc, ctx.Long(0));
  for (size_t i = 1; i < ctx.size(); ++i) {
    FQL_ASSIGN_OR_RETURN(int64_t v, ctx.Long(i));
    acc = f(acc, v);
  }
  return Value::Long(acc);
}

Result<Value> BitAnd(CallContext& ctx) { return BitFold(ctx, [](int64_t a, int64_t b) { return a & b; }); }
Result<Value> BitOr(CallContext& ctx) { return BitFold(ctx, [](int64_t a, int64_t b) { return a | b; }); }
Result<Value> BitXor(CallContext& ctx) { return BitFold(ctx, [](int64_t a, int64_t b) { return a ^ b; }); }

Result<Value> BitNot(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(int64_t v, ctx.Long(0));
  return Value::Long(~v);
}

Result<Value> Abs(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(double d, ctx.Number(0));
  if (ctx.arg(0).is_double()) return Value::Double(std::fabs(d));
  int64_t v = ctx.arg(0).as_long();
  if (v == std::numeric_limits<int64_t>::min()) return Overflow(ctx);
  return Value::Long(v < 0 ? -v : v);
}

Result<Value> Sign(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(double d, ctx.Number(0));
  return Value::Long(d > 0 ? 1 : (d < 0 ? -1 : 0));
}


// Round/Trunc to `precision` decimal places (default 2; negative works on tens).
Result<Value> ToPrecision(CallContext& ctx, bool round) {
  FQL_ASSIGN_OR_RETURN(double d, ctx.Number(0));
  int64_t p = 2;
  if (ctx.Has(1)) {
    FQL_ASSIGN_OR_RETURN(p, ctx.Long(1));
  }
  if (p < -18 || p > 18) {
    return ctx.ArgError(1, ErrorCode::kInvalidArgument, "Precision must be between -18 and 18.");
  }
  if (ctx.arg(0).is_long()) {
    if (p >= 0) return ctx.arg(0);
    int64_t v = ctx.arg(0).as_long(), scale = 1;
    for (int64_t i = 0; i < -p; ++i) scale *= 10;
    int64_t q = v / scale, r = v % scale;
    if (round && 2 * (r < 0 ? -r : r) >= scale) q += v < 0 ? -1 : 1;
    int64_t out;
    if (__builtin_mul_overflow(q, scale, &out)) return Overflow(ctx);
    return Value::Long(out);
  }
  double scale = std::pow(10.0, static_cast<double>(p));
  double x = d * scale;
  // Past 2^53 a double has no fraction left to round at this precision.
  if (!std::isfinite(x) || std::fabs(x) >= 9007199254740992.0) return ctx.arg(0);
  x = round ? std::round(x) : std::trunc(x);
  return Value::Double(x / scale);
}

Result<Value> Round(CallContext& ctx) { return ToPrecision(ctx, true); }
Result<Value> Trunc(CallContext& ctx) { return ToPrecision(ctx, false); }

// A function of one number that always returns a double; Ceil and Floor
// are among them (FQL-V4 §10.4).
template <double (*F)(double)>
Result<Value> Unary(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(double d, ctx.Number(0));
  return Value::Double(F(d));
}

double CeilD(double d) { return std::ceil(d); }
double FloorD(double d) { return std::floor(d); }
double SqrtD(double d) { return std::sqrt(d); }
double ExpD(double d) { return std::exp(d); }
double LnD(double d) { return std::log(d); }
double LogD(double d) { return std::log10(d); }
double AcosD(double d) { return std::acos(d); }
double AsinD(double d) { return std::asin(d); }
double AtanD(double d) { return std::atan(d); }
double CosD(double d) { return std::cos(d); }
double CoshD(double d) { return std::cosh(d); }
double SinD(double d) { return std::sin(d); }
double SinhD(double d) { return std::sinh(d); }
double TanD(double d) { return std::tan(d); }
double TanhD(double d) { return std::tanh(d); }
double DegreesD(double d) { return d * 180.0 / M_PI; }
double RadiansD(double d) { return d * M_PI / 180.0; }

Result<Value> Pow(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(double base, ctx.Number(0));
  double exp = 2;
  if (ctx.Has(1)) {
    FQL_ASSIGN_OR_RETURN(exp, ctx.Number(1));
  }
  return Value::Double(std::pow(base, exp));
}

Result<Value> Hypot(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(double a, ctx.Number(0));
  double b = a;
  if (ctx.Has(1)) {
    FQL_ASSIGN_OR_RETURN(b, ctx.Number(1));
  }
  return Value::Double(std::hypot(a, b));
}

}  // namespace

void RegisterMathBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kAdd, &Add);
  t.Add(BuiltinId::kSubtract, &Subtract);
  t.Add(BuiltinId::kMultiply, &Multiply);
  t.Add(BuiltinId::kDivide, &Divide);
  t.Add(BuiltinId::kModulo, &Modulo);
  t.Add(BuiltinId::kMax, &Max);
  t.Add(BuiltinId::kMin, &Min);
  t.Add(BuiltinId::kBitAnd, &BitAnd);
  t.Add(BuiltinId::kBitOr, &BitOr);
  t.Add(BuiltinId::kBitXor, &BitXor);
  t.Add(BuiltinId::kBitNot, &BitNot);
  t.Add(BuiltinId::kAbs, &Abs);
  t.Add(BuiltinId::kSign, &Sign);
  t.Add(BuiltinId::kCeil, &Unary<CeilD>);
  t.Add(BuiltinId::kFloor, &Unary<FloorD>);
  t.Add(BuiltinId::kRound, &Round);
  t.Add(BuiltinId::kTrunc, &Trunc);
  t.Add(BuiltinId::kSqrt, &Unary<SqrtD>);
  t.Add(BuiltinId::kExp, &Unary<ExpD>);
  t.Add(BuiltinId::kLn, &Unary<LnD>);
  t.Add(BuiltinId::kLog, &Unary<LogD>);
  t.Add(BuiltinId::kAcos, &Unary<AcosD>);
  t.Add(BuiltinId::kAsin, &Unary<AsinD>);
  t.Add(BuiltinId::kAtan, &Unary<AtanD>);
  t.Add(BuiltinId::kCos, &Unary<CosD>);
  t.Add(BuiltinId::kCosh, &Unary<CoshD>);
  t.Add(BuiltinId::kSin, &Unary<SinD>);
  t.Add(BuiltinId::kSinh, &Unary<SinhD>);
  t.Add(BuiltinId::kTan, &Unary<TanD>);
  t.Add(BuiltinId::kTanh, &Unary<TanhD>);
  t.Add(BuiltinId::kDegrees, &Unary<DegreesD>);
  t.Add(BuiltinId::kRadians, &Unary<RadiansD>);
  t.Add(BuiltinId::kPow, &Pow);
  t.Add(BuiltinId::kHypot, &Hypot);
}

}  // namespace fqldb::executor::internal
