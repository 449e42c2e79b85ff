#include "storage/key_codec.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "storage/internal/fixed_width.h"

namespace fqldb::storage {

namespace {

// Kind tags, in the cross-type order of Compare().
enum Tag : uint8_t {
  kEnd = 0x00,  // ends an array; below every tag so shorter arrays sort first
  kNumber = 0x10,
  kBytes = 0x20,
  kString = 0x30,
  kRef = 0x40,
  kTime = 0x50,
  kDate = 0x60,
  kArray = 0x80,
  kFalse = 0xA0,
  kTrue = 0xA1,
  kNull = 0xB0,
};

// Number regions: below the long range, within it, above it, NaN.
enum NumberRegion : uint8_t { kBelow = 1, kWithin = 2, kAbove = 3, kNaN = 4 };
enum NumberKind : uint8_t { kLongKind = 0, kDoubleKind = 1 };

constexpr int kMaxKeyDepth = 64;
constexpr double kTwo63 = 9223372036854775808.0;

void PutU64(uint64_t v, std::string* out) { internal::PutBigEndian64(v, out); }

bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = internal::GetBigEndian64(*in);
  in->remove_prefix(8);
  return true;
}

// Signed integers sort as unsigned once the sign bit is flipped.
void PutI64(int64_t v, std::string* out) { PutU64(static_cast<uint64_t>(v) ^ (1ULL << 63), out); }

bool GetI64(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!GetU64(in, &u)) return false;
  *v = static_cast<int64_t>(u ^ (1ULL << 63));
  return true;
}

// IEEE doubles sort as unsigned once negatives are inverted and positives
// get their sign bit set.
uint64_t OrderedBits(double d) {
  uint64_t b = std::bit_cast<uint64_t>(d);
  return (b & (1ULL << 63)) ? ~b : b | (1ULL << 63);
}

double FromOrderedBits(uint64_t b) {
  return std::bit_cast<double>((b & (1ULL << 63)) ? b & ~(1ULL << 63) : ~b);
}

void PutNumber(const Value& v, std::string* out) {
  out->push_back(static_cast<char>(kNumber));
  if (v.is_long()) {
    out->push_back(static_cast<char>(kWithin));
    PutI64(v.as_long(), out);
    PutU64(OrderedBits(0.0), out);
    out->push_back(static_cast<char>(kLongKind));
    return;
  }
  double d = v.as_double();
  if (std::isnan(d)) {
    out->push_back(static_cast<char>(kNaN));
  } else if (d < -kTwo63 || d >= kTwo63) {
    out->push_back(static_cast<char>(d < 0 ? kBelow : kAbove));
    PutU64(OrderedBits(d), out);
  } else {
    // Within the long range: the integer part toward zero, then the signed
    // fraction, then the kind (a long sorts just before the double of the
    // same value). trunc() only clears fraction bits, so d - whole is exact
    // (floor() is not: 1 - 1e-300 rounds to 1); and each integer part
    // covers one contiguous interval of values, ordered by the fraction.
    double whole = std::trunc(d);
    double frac = d - whole;
    out->push_back(static_cast<char>(kWithin));
    PutI64(static_cast<int64_t>(whole), out);
    PutU64(OrderedBits(frac == 0 ? 0.0 : frac), out);
    out->push_back(static_cast<char>(kDoubleKind));
  }
}

Result<Value> GetNumber(std::string_view* in) {
  if (in->empty()) return Status(ErrorCode::kInternal, "truncated number key");
  uint8_t region = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  uint64_t bits;
  switch (region) {
    case kNaN:
      return Value::Double(std::nan(""));
    case kBelow:
    case kAbove:
      if (!GetU64(in, &bits)) break;
      return Value::Double(FromOrderedBits(bits));
    case kWithin: {
      int64_t whole;
      if (!GetI64(in, &whole) || !GetU64(in, &bits) || in->empty()) break;
      uint8_t kind = static_cast<uint8_t>(in->front());
      in->remove_prefix(1);
      if (kind == kLongKind) return Value::Long(whole);
      return Value::Double(static_cast<double>(whole) + FromOrderedBits(bits));
    }
    default:
      break;
  }
  return Status(ErrorCode::kInternal, "malformed number key");
}

// Byte strings: 0x00 escaped as 00 FF, terminated by 00 01, so that a
// prefix sorts first and embedded zeros keep their order.
void PutEscaped(std::string_view s, std::string* out) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back(static_cast<char>(0xFF));
  }
  out->push_back('\0');
  out->push_back('\x01');
}

bool GetEscaped(std::string_view* in, std::string* s) {
  s->clear();
  for (size_t i = 0; i < in->size(); ++i) {
    char c = (*in)[i];
    if (c != '\0') {
      s->push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[i + 1];
    if (next == '\x01') {
      in->remove_prefix(i + 2);
      return true;
    }
    if (next != static_cast<char>(0xFF)) return false;
    s->push_back('\0');
    ++i;
  }
  return false;
}

Status Encode(const Value& v, std::string* out, int depth);

// A ref sorts by id, then collection, then database (absent first).
Status PutRef(const Value& v, std::string* out, int depth) {
  EncodeRefId(v.ref_id(), out);
  for (const Value* part : {v.ref_collection(), v.ref_database()}) {
    out->push_back(part ? '\x01' : '\x00');
    if (part) FQL_RETURN_IF_ERROR(Encode(*part, out, depth + 1));
  }
  return Status::Ok();
}

Status Encode(const Value& v, std::string* out, int depth) {
  if (depth > kMaxKeyDepth) {
    return Status(ErrorCode::kInvalidArgument, "A key nests more than 64 levels.");
  }
  switch (v.kind()) {
    case ValueKind::kLong:
    case ValueKind::kDouble:
      PutNumber(v, out);
      return Status::Ok();
    case ValueKind::kBytes:
      out->push_back(static_cast<char>(kBytes));
      PutEscaped(v.str(), out);
      return Status::Ok();
    case ValueKind::kString:
      out->push_back(static_cast<char>(kString));
      PutEscaped(v.str(), out);
      return Status::Ok();
    case ValueKind::kRef:
      return PutRef(v, out, depth);
    case ValueKind::kTimestamp:
      out->push_back(static_cast<char>(kTime));
      PutI64(v.as_time().seconds, out);
      PutU64(static_cast<uint64_t>(v.as_time().nanos), out);
      return Status::Ok();
    case ValueKind::kDate:
      out->push_back(static_cast<char>(kDate));
      PutI64(v.as_date(), out);
      return Status::Ok();
    case ValueKind::kArray:
      out->push_back(static_cast<char>(kArray));
      for (const Value& e : v.array()) FQL_RETURN_IF_ERROR(Encode(e, out, depth + 1));
      out->push_back(static_cast<char>(kEnd));
      return Status::Ok();
    case ValueKind::kBool:
      out->push_back(static_cast<char>(v.as_bool() ? kTrue : kFalse));
      return Status::Ok();
    case ValueKind::kNull:
      out->push_back(static_cast<char>(kNull));
      return Status::Ok();
    case ValueKind::kObject:
    case ValueKind::kSet:
    case ValueKind::kQuery:
    case ValueKind::kPage:
      break;
  }
  return Status(ErrorCode::kInvalidArgument,
                std::string(TypeName(v)) + " values cannot be used as keys.");
}

Result<Value> Decode(std::string_view* in, int depth);

Result<Value> DecodeRef(std::string_view* in, int depth) {
  FQL_ASSIGN_OR_RETURN(std::string id, DecodeRefId(in));
  std::optional<Value> parts[2];
  for (auto& part : parts) {
    if (in->empty()) return Status(ErrorCode::kInternal, "truncated ref key");
    char present = in->front();
    in->remove_prefix(1);
    if (present == '\x01') {
      FQL_ASSIGN_OR_RETURN(Value p, Decode(in, depth + 1));
      part = std::move(p);
    }
  }
  return Value::Ref(std::move(id), std::move(parts[0]), std::move(parts[1]));
}

Result<Value> Decode(std::string_view* in, int depth) {
  if (in->empty() || depth > kMaxKeyDepth) return Status(ErrorCode::kInternal, "malformed key");
  uint8_t tag = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  std::string s;
  int64_t i;
  uint64_t u;
  switch (tag) {
    case kNumber:
      return GetNumber(in);
    case kBytes:
    case kString:
      if (!GetEscaped(in, &s)) break;
      return tag == kBytes ? Value::Bytes(std::move(s)) : Value::String(std::move(s));
    case kRef: {
      std::string_view whole(in->data() - 1, in->size() + 1);  // DecodeRefId reads the tag
      *in = whole;
      return DecodeRef(in, depth);
    }
    case kTime:
      if (!GetI64(in, &i) || !GetU64(in, &u) || u >= 1000000000) break;
      return Value::Time({i, static_cast<int32_t>(u)});
    case kDate:
      if (!GetI64(in, &i)) break;
      return Value::Date(i);
    case kArray: {
      Array elems;
      while (!in->empty() && static_cast<uint8_t>(in->front()) != kEnd) {
        FQL_ASSIGN_OR_RETURN(Value e, Decode(in, depth + 1));
        elems.push_back(std::move(e));
      }
      if (in->empty()) break;
      in->remove_prefix(1);
      return Value::MakeArray(std::move(elems));
    }
    case kFalse:
      return Value::Bool(false);
    case kTrue:
      return Value::Bool(true);
    case kNull:
      return Value::Null();
    default:
      break;
  }
  return Status(ErrorCode::kInternal, "malformed key");
}

}  // namespace

Status EncodeKey(const Value& v, std::string* out) { return Encode(v, out, 0); }

void EncodeRefId(std::string_view id, std::string* out) {
  out->push_back(static_cast<char>(kRef));
  // Numeric ids sort by value (length, then digits) before named ids.
  if (IsNumericId(id)) {
    out->push_back('\x01');
    out->push_back(static_cast<char>(id.size()));
    out->append(id);
  } else {
    out->push_back('\x02');
    PutEscaped(id, out);
  }
}

Result<std::string> DecodeRefId(std::string_view* in) {
  if (in->empty() || static_cast<uint8_t>(in->front()) != kRef) {
    return Status(ErrorCode::kInternal, "malformed ref id key");
  }
  in->remove_prefix(1);
  if (in->empty()) return Status(ErrorCode::kInternal, "malformed ref id key");
  char form = in->front();
  in->remove_prefix(1);
  std::string id;
  if (form == '\x01') {
    size_t n = in->empty() ? 0 : static_cast<uint8_t>(in->front());
    if (n == 0 || in->size() < n + 1) return Status(ErrorCode::kInternal, "malformed ref id key");
    id.assign(in->substr(1, n));
    in->remove_prefix(n + 1);
    return id;
  }
  if (form != '\x02' || !GetEscaped(in, &id))
    return Status(ErrorCode::kInternal, "malformed ref id key");
  return id;
}

Result<Value> DecodeKey(std::string_view* in) { return Decode(in, 0); }

void EncodeUint64(uint64_t v, std::string* out) { internal::PutBigEndian64(v, out); }

uint64_t DecodeUint64(std::string_view in) { return internal::GetBigEndian64(in); }

}  // namespace fqldb::storage
