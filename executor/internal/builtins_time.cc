// Time and date: Time, Now, Epoch, Date, TimeAdd/Subtract/Diff, calendar
// accessors and conversions. Timestamps carry nanoseconds; a number given to
// an accessor or to ToMillis & co. is microseconds since the epoch, and a
// number given to ToTime is milliseconds (Fauna's rules).
#include <optional>

#include "common/time_codec.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

constexpr int64_t kNanosPerDay = 86400LL * 1000000000LL;

// Nanoseconds in one `unit`, or nullopt for an unknown unit.
std::optional<int64_t> UnitNanos(const std::string& unit) {
  struct Unit {
    const char* singular;
    int64_t nanos;
  };
  static const Unit kUnits[] = {
      {"nanosecond", 1},          {"microsecond", 1000},          {"millisecond", 1000000},
      {"second", 1000000000},     {"minute", 60LL * 1000000000},  {"hour", 3600LL * 1000000000},
      {"half day", 43200LL * 1000000000}, {"day", kNanosPerDay},
  };
  for (const Unit& u : kUnits) {
    std::string s = u.singular;
    if (unit == s || unit == s + "s") return u.nanos;
  }
  return std::nullopt;
}

Result<int64_t> UnitArg(const CallContext& ctx, size_t i) {
  FQL_ASSIGN_OR_RETURN(const std::string* unit, ctx.String(i));
  auto n = UnitNanos(*unit);
  if (!n) {
    return ctx.ArgError(i, ErrorCode::kInvalidArgument,
                        "Unknown time unit '" + *unit +
                            "'; use day, half day, hour, minute, second, millisecond, microsecond "
                            "or nanosecond (singular or plural).");
  }
  return *n;
}

Int128 Nanos(Timestamp ts) {
  Int128 n;
  TimestampToNanos(ts, &n);
  return n;
}

Result<Value> TimeFromNanos(const CallContext& ctx, Int128 nanos) {
  auto ts = TimestampFromNanos(nanos);
  if (!ts.ok()) return ctx.CallError(ErrorCode::kInvalidArgument, ts.status().description());
  return Value::Time(*ts);
}

Result<Value> TimeFromString(const CallContext& ctx, const std::string& s) {
  if (s == "now") return Value::Time(ctx.now());
  auto ts = ParseTimestamp(s);
  if (!ts.ok()) return ctx.ArgError(0, ErrorCode::kInvalidArgument, ts.status().description());
  return Value::Time(*ts);
}

Result<Value> Time(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  return TimeFromString(ctx, *s);
}

Result<Value> Now(CallContext& ctx) { return Value::Time(ctx.now()); }

Result<Value> Epoch(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(int64_t n, ctx.Long(0));
  FQL_ASSIGN_OR_RETURN(int64_t unit, UnitArg(ctx, 1));
  return TimeFromNanos(ctx, static_cast<Int128>(n) * unit);
}

Result<Value> DateFromString(const CallContext& ctx, const std::string& s) {
  auto d = ParseDate(s);
  if (!d.ok()) return ctx.ArgError(0, ErrorCode::kInvalidArgument, d.status().description());
  return Value::Date(*d);
}

Result<Value> Date(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  return DateFromString(ctx, *s);
}

Result<Value> Shift(CallContext& ctx, int sign) {
  FQL_ASSIGN_OR_RETURN(int64_t offset, ctx.Long(1));
  FQL_ASSIGN_OR_RETURN(int64_t unit, UnitArg(ctx, 2));
  const Value& base = ctx.arg(0);
  if (base.kind() == ValueKind::kDate) {
    if (unit != kNanosPerDay) {
      return ctx.ArgError(2, ErrorCode::kInvalidArgument, "A Date can only move by days.");
    }
    Int128 days = static_cast<Int128>(base.as_date()) + static_cast<Int128>(sign) * offset;
    if (days > 365LL * 1000000 || days < -365LL * 1000000) {
      return ctx.CallError(ErrorCode::kInvalidArgument, "Date is out of range.");
    }
    return Value::Date(static_cast<int64_t>(days));
  }
  if (base.kind() != ValueKind::kTimestamp) return ctx.TypeError(0, "Time or Date");
  return TimeFromNanos(ctx, Nanos(base.as_time()) + static_cast<Int128>(sign) * offset * unit);
}

Result<Value> TimeAdd(CallContext& ctx) { return Shift(ctx, 1); }
Result<Value> TimeSubtract(CallContext& ctx) { return Shift(ctx, -1); }

Result<Value> TimeDiff(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(int64_t unit, UnitArg(ctx, 2));
  const Value& a = ctx.arg(0);
  const Value& b = ctx.arg(1);
  bool dates = a.kind() == ValueKind::kDate && b.kind() == ValueKind::kDate;
  bool times = a.kind() == ValueKind::kTimestamp && b.kind() == ValueKind::kTimestamp;
  if (!dates && !times) {
    if ((a.kind() == ValueKind::kDate || a.kind() == ValueKind::kTimestamp) &&
        (b.kind() == ValueKind::kDate || b.kind() == ValueKind::kTimestamp)) {
      return ctx.CallError(ErrorCode::kInvalidArgument, "Incompatible time arguments.");
    }
    return ctx.TypeError(a.kind() == ValueKind::kDate || a.kind() == ValueKind::kTimestamp ? 1 : 0,
                         "Time or Date");
  }
  if (dates) {
    if (unit < kNanosPerDay) {
      return ctx.ArgError(2, ErrorCode::kInvalidArgument, "Dates can only be compared in days.");
    }
    return Value::Long(b.as_date() - a.as_date());
  }
  Int128 diff = (Nanos(b.as_time()) - Nanos(a.as_time())) / unit;
  if (diff > INT64_MAX || diff < INT64_MIN) return ctx.CallError(ErrorCode::kInvalidArgument, "Integer overflow.");
  return Value::Long(static_cast<int64_t>(diff));
}

// The instant an accessor reads: a Time, a Date (at midnight), or µs.
Result<Int128> InstantArg(const CallContext& ctx) {
  const Value& v = ctx.arg(0);
  switch (v.kind()) {
    case ValueKind::kTimestamp: return Nanos(v.as_time());
    case ValueKind::kDate: return static_cast<Int128>(v.as_date()) * kNanosPerDay;
    case ValueKind::kLong: return static_cast<Int128>(v.as_long()) * 1000;
    default: return ctx.TypeError(0, "Time");
  }
}

struct Civil {
  int64_t year;
  unsigned month, day;
  int64_t days;           // since the epoch
  int64_t nanos_of_day;
};

Civil ToCivil(Int128 nanos) {
  Civil c;
  Int128 days = nanos / kNanosPerDay;
  Int128 rem = nanos % kNanosPerDay;
  if (rem < 0) {
    rem += kNanosPerDay;
    --days;
  }
  c.days = static_cast<int64_t>(days);
  c.nanos_of_day = static_cast<int64_t>(rem);
  CivilFromDays(c.days, &c.year, &c.month, &c.day);
  return c;
}

enum class Field { kDayOfMonth, kDayOfWeek, kDayOfYear, kMonth, kYear, kHour, kMinute, kSecond };

template <Field F>
Result<Value> Accessor(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(Int128 nanos, InstantArg(ctx));
  Civil c = ToCivil(nanos);
  switch (F) {
    case Field::kDayOfMonth: return Value::Long(c.day);
    case Field::kDayOfWeek: {
      int64_t w = (c.days + 3) % 7;  // 1970-01-01 was a Thursday (ISO 4)
      if (w < 0) w += 7;
      return Value::Long(w + 1);
    }
    case Field::kDayOfYear: return Value::Long(c.days - DaysFromCivil(c.year, 1, 1) + 1);
    case Field::kMonth: return Value::Long(c.month);
    case Field::kYear: return Value::Long(c.year);
    case Field::kHour: return Value::Long(c.nanos_of_day / 3600000000000LL);
    case Field::kMinute: return Value::Long(c.nanos_of_day / 60000000000LL % 60);
    case Field::kSecond: return Value::Long(c.nanos_of_day / 1000000000LL % 60);
  }
  return Value();
}

Result<Value> ToTime(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  switch (v.kind()) {
    case ValueKind::kTimestamp: return v;
    case ValueKind::kString: return TimeFromString(ctx, v.str());
    case ValueKind::kLong: return TimeFromNanos(ctx, static_cast<Int128>(v.as_long()) * 1000000);
    case ValueKind::kDate: return TimeFromNanos(ctx, static_cast<Int128>(v.as_date()) * kNanosPerDay);
    default:
      return ctx.ArgError(0, ErrorCode::kInvalidArgument,
                          std::string("Cannot cast ") + TypeName(v) + " to Time.");
  }
}

Result<Value> ToDate(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  switch (v.kind()) {
    case ValueKind::kDate: return v;
    case ValueKind::kString: return DateFromString(ctx, v.str());
    case ValueKind::kTimestamp: return Value::Date(ToCivil(Nanos(v.as_time())).days);
    default:
      return ctx.ArgError(0, ErrorCode::kInvalidArgument,
                          std::string("Cannot cast ") + TypeName(v) + " to Date.");
  }
}

// Floor division of the instant's nanoseconds by `per`.
template <int64_t kPer>
Result<Value> ToUnits(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  Int128 nanos;
  if (v.kind() == ValueKind::kTimestamp) {
    nanos = Nanos(v.as_time());
  } else if (v.is_long()) {
    nanos = static_cast<Int128>(v.as_long()) * 1000;
  } else {
    return ctx.TypeError(0, "Time");
  }
  Int128 q = nanos / kPer;
  if (nanos % kPer < 0) --q;
  if (q > INT64_MAX || q < INT64_MIN) return ctx.CallError(ErrorCode::kInvalidArgument, "Integer overflow.");
  return Value::Long(static_cast<int64_t>(q));
}

}  // namespace

void RegisterTimeBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kTime, &Time);
  t.Add(BuiltinId::kNow, &Now);
  t.Add(BuiltinId::kEpoch, &Epoch);
  t.Add(BuiltinId::kDate, &Date);
  t.Add(BuiltinId::kTimeAdd, &TimeAdd);
  t.Add(BuiltinId::kTimeSubtract, &TimeSubtract);
  t.Add(BuiltinId::kTimeDiff, &TimeDiff);
  t.Add(BuiltinId::kDayOfMonth, &Accessor<Field::kDayOfMonth>);
  t.Add(BuiltinId::kDayOfWeek, &Accessor<Field::kDayOfWeek>);
  t.Add(BuiltinId::kDayOfYear, &Accessor<Field::kDayOfYear>);
  t.Add(BuiltinId::kMonth, &Accessor<Field::kMonth>);
  t.Add(BuiltinId::kYear, &Accessor<Field::kYear>);
  t.Add(BuiltinId::kHour, &Accessor<Field::kHour>);
  t.Add(BuiltinId::kMinute, &Accessor<Field::kMinute>);
  t.Add(BuiltinId::kSecond, &Accessor<Field::kSecond>);
  t.Add(BuiltinId::kToTime, &ToTime);
  t.Add(BuiltinId::kToDate, &ToDate);
  t.Add(BuiltinId::kToMicros, &ToUnits<1000>);
  t.Add(BuiltinId::kToMillis, &ToUnits<1000000>);
  t.Add(BuiltinId::kToSeconds, &ToUnits<1000000000>);
}

}  // namespace fqldb::executor::internal
