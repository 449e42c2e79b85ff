// Type checks, conversions, ref constructors, NewId and Bytes.
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/text.h"
#include "common/time_codec.h"
#include "common/value_printer.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

template <ValueKind K>
Result<Value> IsKind(CallContext& ctx) {
  return Value::Bool(ctx.arg(0).kind() == K);
}

Result<Value> IsNumber(CallContext& ctx) { return Value::Bool(ctx.arg(0).is_number()); }

// A document's object form counts as an object; a page counts too.
Result<Value> IsObject(CallContext& ctx) {
  return Value::Bool(ctx.arg(0).is_object() || ctx.arg(0).is_page());
}

// The ref a schema check looks at: the value itself, or a document's `ref`.
const Value* RefOf(const Value& v) {
  if (v.kind() == ValueKind::kRef) return &v;
  if (v.is_object()) {
    const Value* r = v.Find("ref");
    if (r && r->kind() == ValueKind::kRef && v.Find("ts")) return r;
  }
  return nullptr;
}

bool InNative(const Value& ref, const char* native) {
  const Value* c = ref.ref_collection();
  return c && !c->ref_collection() && c->ref_id() == native;
}

Result<Value> IsDoc(CallContext& ctx) {
  const Value* r = RefOf(ctx.arg(0));
  // A document lives in a user collection: its collection is in "collections".
  return Value::Bool(r && r->ref_collection() && InNative(*r->ref_collection(), "collections"));
}

template <const char* kNative>
Result<Value> IsSchema(CallContext& ctx) {
  const Value* r = RefOf(ctx.arg(0));
  return Value::Bool(r && InNative(*r, kNative));
}

constexpr char kCollections[] = "collections";
constexpr char kDatabases[] = "databases";
constexpr char kIndexes[] = "indexes";
constexpr char kFunctions[] = "functions";
constexpr char kKeys[] = "keys";
constexpr char kTokens[] = "tokens";
constexpr char kCredentials[] = "credentials";
constexpr char kRoles[] = "roles";

// Java's Double.toString: plain between 1e-3 and 1e7, else "1.0E10".
std::string JavaDouble(double d) {
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  double a = std::fabs(d);
  if (a >= 1e-3 && a < 1e7) return FormatDouble(d);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  return mant + "E" + std::to_string(exp);
}

Status CastError(const CallContext& ctx, const char* to) {
  return ctx.ArgError(0, ErrorCode::kInvalidArgument,
                      std::string("Cannot cast ") + TypeName(ctx.arg(0)) + " to " + to + ".");
}

Result<Value> ToStringFn(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  switch (v.kind()) {
    case ValueKind::kString: return v;
    case ValueKind::kLong: return Value::String(std::to_string(v.as_long()));
    case ValueKind::kDouble: return Value::String(JavaDouble(v.as_double()));
    case ValueKind::kBool: return Value::String(v.as_bool() ? "true" : "false");
    case ValueKind::kNull: return Value::String("null");
    case ValueKind::kTimestamp: return Value::String(FormatTimestamp(v.as_time()));
    case ValueKind::kDate: return Value::String(FormatDate(v.as_date()));
    default: return CastError(ctx, "String");
  }
}

// Parses a whole string as a long, or failing that as a finite double.
std::optional<Value> ParseNumber(const std::string& s) {
  int64_t i;
  auto r = std::from_chars(s.data(), s.data() + s.size(), i);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return Value::Long(i);
  double d;
  auto rd = std::from_chars(s.data(), s.data() + s.size(), d);
  if (rd.ec == std::errc() && rd.ptr == s.data() + s.size() && std::isfinite(d)) return Value::Double(d);
  return std::nullopt;
}

Status BadNumberText(const CallContext& ctx, const char* to) {
  std::string s = ctx.arg(0).str();
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return ctx.ArgError(0, ErrorCode::kInvalidArgument,
                      "Cannot cast String '" + s + "' to " + to + ".");
}

Result<Value> ToNumber(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  if (v.is_number()) return v;
  if (!v.is_string()) return CastError(ctx, "Number");
  auto n = ParseNumber(v.str());
  if (!n) return BadNumberText(ctx, "Number");
  return *n;
}

Result<Value> ToDouble(CallContext& ctx) {
  const Value& v = ctx.arg(0);
  if (v.is_number()) return Value::Double(v.as_number());
  if (!v.is_string()) return CastError(ctx, "Double");
  auto n = ParseNumber(v.str());
  if (!n) return BadNumberText(ctx, "Double");
  return Value::Double(n->as_number());
}

Result<Value> ToInteger(CallContext& ctx) {
  Value v = ctx.arg(0);
  if (v.is_string()) {
    auto n = ParseNumber(v.str());
    if (!n) return BadNumberText(ctx, "Integer");
    v = *n;
  }
  if (v.is_long()) return v;
  if (!v.is_double()) return CastError(ctx, "Integer");
  double t = std::trunc(v.as_double());
  if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) {
    return ctx.ArgError(0, ErrorCode::kInvalidArgument, "Number is out of the Integer range.");
  }
  return Value::Long(static_cast<int64_t>(t));
}

// Ids as Fauna issued them: decimal strings of a 64-bit number that grows
// with time (microseconds << 10, plus a per-process sequence).
Result<Value> NewId(CallContext& ctx) {
  static std::atomic<uint64_t> last{0};
  Timestamp now = NowTimestamp();
  uint64_t micros = static_cast<uint64_t>(now.seconds) * 1000000 + static_cast<uint64_t>(now.nanos) / 1000;
  uint64_t candidate = (micros << 10) & 0x7FFFFFFFFFFFFFFFull;
  uint64_t prev = last.load();
  uint64_t next;
  do {
    next = candidate > prev ? candidate : prev + 1;
  } while (!last.compare_exchange_weak(prev, next));
  (void)ctx;
  return Value::String(std::to_string(next));
}

Result<std::optional<Value>> ScopeArg(const CallContext& ctx, size_t i) {
  if (!ctx.Has(i)) return std::optional<Value>();
  const Value& s = ctx.arg(i);
  if (s.kind() != ValueKind::kRef || !InNative(s, "databases")) return ctx.TypeError(i, "Database Ref");
  return std::optional<Value>(s);
}

template <const char* kNative>
Result<Value> SchemaRef(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* name, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(std::optional<Value> scope, ScopeArg(ctx, 1));
  return Value::Ref(*name, Value::NativeRef(kNative), std::move(scope));
}

constexpr char kAccessProviders[] = "access_providers";

// Ref("collections/users/1"), Ref("classes/users"), Ref(Collection("users"), "1").
Result<Value> LegacyRef(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* path, ctx.String(0));
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path->size()) {
    size_t slash = path->find('/', start);
    if (slash == std::string::npos) slash = path->size();
    parts.push_back(path->substr(start, slash - start));
    start = slash + 1;
  }
  for (std::string& p : parts) {
    if (p.empty()) return ctx.ArgError(0, ErrorCode::kInvalidArgument, "Invalid ref path '" + *path + "'.");
  }
  if (parts[0] == "classes") parts[0] = "collections";
  if (parts.size() == 1) return Value::NativeRef(parts[0]);
  Value coll = Value::Ref(parts[1], Value::NativeRef(parts[0]));
  if (parts.size() == 2) return coll;
  if (parts.size() == 3 && parts[0] == "collections") return Value::Ref(parts[2], coll);
  return ctx.ArgError(0, ErrorCode::kInvalidArgument, "Invalid ref path '" + *path + "'.");
}

Result<Value> Ref(CallContext& ctx) {
  if (ctx.size() == 1) return LegacyRef(ctx);
  // A document ref lives in a collection (or another schema ref such as an
  // index or a native collection), never inside another document ref.
  const Value& coll = ctx.arg(0);
  bool schema = coll.kind() == ValueKind::kRef &&
                (!coll.ref_collection() || !coll.ref_collection()->ref_collection());
  if (!schema) return ctx.TypeError(0, "Collection Ref");
  std::string id;
  if (ctx.arg(1).is_string()) {
    id = ctx.arg(1).str();
  } else if (ctx.arg(1).is_long()) {
    id = std::to_string(ctx.arg(1).as_long());
  } else {
    return ctx.TypeError(1, "String or Integer");
  }
  if (id.empty()) return ctx.ArgError(1, ErrorCode::kInvalidArgument, "A ref id cannot be empty.");
  return Value::Ref(std::move(id), ctx.arg(0));
}

Result<Value> Bytes(CallContext& ctx) {
  if (ctx.arg(0).kind() == ValueKind::kBytes) return ctx.arg(0);
  FQL_ASSIGN_OR_RETURN(const std::string* text, ctx.String(0));
  std::string raw;
  if (!Base64Decode(*text, &raw)) {
    return ctx.ArgError(0, ErrorCode::kInvalidArgument, "Bytes expects base64 text.");
  }
  return Value::Bytes(std::move(raw));
}

}  // namespace

void RegisterTypeBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kIsNumber, &IsNumber);
  t.Add(BuiltinId::kIsDouble, &IsKind<ValueKind::kDouble>);
  t.Add(BuiltinId::kIsInteger, &IsKind<ValueKind::kLong>);
  t.Add(BuiltinId::kIsBoolean, &IsKind<ValueKind::kBool>);
  t.Add(BuiltinId::kIsNull, &IsKind<ValueKind::kNull>);
  t.Add(BuiltinId::kIsBytes, &IsKind<ValueKind::kBytes>);
  t.Add(BuiltinId::kIsTimestamp, &IsKind<ValueKind::kTimestamp>);
  t.Add(BuiltinId::kIsDate, &IsKind<ValueKind::kDate>);
  t.Add(BuiltinId::kIsString, &IsKind<ValueKind::kString>);
  t.Add(BuiltinId::kIsArray, &IsKind<ValueKind::kArray>);
  t.Add(BuiltinId::kIsObject, &IsObject);
  t.Add(BuiltinId::kIsRef, &IsKind<ValueKind::kRef>);
  t.Add(BuiltinId::kIsSet, &IsKind<ValueKind::kSet>);
  t.Add(BuiltinId::kIsLambda, &IsKind<ValueKind::kQuery>);
  t.Add(BuiltinId::kIsDoc, &IsDoc);
  t.Add(BuiltinId::kIsCollection, &IsSchema<kCollections>);
  t.Add(BuiltinId::kIsDatabase, &IsSchema<kDatabases>);
  t.Add(BuiltinId::kIsIndex, &IsSchema<kIndexes>);
  t.Add(BuiltinId::kIsFunction, &IsSchema<kFunctions>);
  t.Add(BuiltinId::kIsKey, &IsSchema<kKeys>);
  t.Add(BuiltinId::kIsToken, &IsSchema<kTokens>);
  t.Add(BuiltinId::kIsCredentials, &IsSchema<kCredentials>);
  t.Add(BuiltinId::kIsRole, &IsSchema<kRoles>);
  t.Add(BuiltinId::kToString, &ToStringFn);
  t.Add(BuiltinId::kToNumber, &ToNumber);
  t.Add(BuiltinId::kToDouble, &ToDouble);
  t.Add(BuiltinId::kToInteger, &ToInteger);
  t.Add(BuiltinId::kNewId, &NewId);
  t.Add(BuiltinId::kNextId, &NewId);
  t.Add(BuiltinId::kRef, &Ref);
  t.Add(BuiltinId::kCollection, &SchemaRef<kCollections>);
  t.Add(BuiltinId::kClass, &SchemaRef<kCollections>);
  t.Add(BuiltinId::kIndex, &SchemaRef<kIndexes>);
  t.Add(BuiltinId::kFunction, &SchemaRef<kFunctions>);
  t.Add(BuiltinId::kRole, &SchemaRef<kRoles>);
  t.Add(BuiltinId::kDatabase, &SchemaRef<kDatabases>);
  t.Add(BuiltinId::kAccessProvider, &SchemaRef<kAccessProviders>);
  t.Add(BuiltinId::kBytes, &Bytes);
}

}  // namespace fqldb::executor::internal
