#include "storage/doc_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <numeric>
#include <vector>

#include "common/stored_lambda.h"

namespace fqldb::storage {

namespace {

enum Tag : uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kLong = 3,
  kDouble = 4,
  kString = 5,
  kBytes = 6,
  kTime = 7,
  kDate = 8,
  kRef = 9,
  kArray = 10,
  kObject = 11,
  kLambda = 12,
};

constexpr int kMaxDocDepth = 1000;

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void SetU32(std::string* out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    (*out)[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t ReadLE(std::string_view s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(s[at + static_cast<size_t>(i)]);
  return v;
}

// The hot reads (offsets, longs) as one load on little-endian machines.
template <typename T>
T LoadLE(std::string_view s, size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  if constexpr (std::endian::native == std::endian::big)
    return static_cast<T>(ReadLE(s, at, sizeof v));
  return v;
}

uint32_t U32(std::string_view s, size_t at) { return LoadLE<uint32_t>(s, at); }

void PutString(std::string_view s, std::string* out) {
  PutU32(static_cast<uint32_t>(s.size()), out);
  out->append(s);
}

Status Encode(const Value& v, std::string* out, int depth);

// Writes a tag and a body length placeholder; returns where the body starts.
size_t BeginComposite(Tag tag, std::string* out) {
  out->push_back(static_cast<char>(tag));
  PutU32(0, out);
  return out->size();
}

Status EndComposite(size_t body_start, std::string* out) {
  size_t len = out->size() - body_start;
  if (len > UINT32_MAX)
    return Status(ErrorCode::kInvalidArgument, "Document is larger than 4 GiB.");
  SetU32(out, body_start - 4, static_cast<uint32_t>(len));
  return Status::Ok();
}

Status EncodeArray(const Array& a, std::string* out, int depth) {
  size_t body = BeginComposite(kArray, out);
  PutU32(static_cast<uint32_t>(a.size()), out);
  size_t table = out->size();
  out->append(4 * a.size(), '\0');
  size_t region = out->size();
  for (size_t i = 0; i < a.size(); ++i) {
    SetU32(out, table + 4 * i, static_cast<uint32_t>(out->size() - region));
    FQL_RETURN_IF_ERROR(Encode(a[i], out, depth + 1));
  }
  return EndComposite(body, out);
}

// Entries stay in field order; a second table lists them sorted by key.
Status EncodeObject(const Fields& f, std::string* out, int depth) {
  size_t body = BeginComposite(kObject, out);
  PutU32(static_cast<uint32_t>(f.size()), out);
  size_t offsets = out->size();
  out->append(4 * f.size(), '\0');
  std::vector<uint32_t> sorted(f.size());
  std::iota(sorted.begin(), sorted.end(), 0u);
  std::sort(sorted.begin(), sorted.end(),
            [&](uint32_t a, uint32_t b) { return f[a].first < f[b].first; });
  for (uint32_t idx : sorted) PutU32(idx, out);
  size_t region = out->size();
  for (size_t i = 0; i < f.size(); ++i) {
    SetU32(out, offsets + 4 * i, static_cast<uint32_t>(out->size() - region));
    PutString(f[i].first, out);
    FQL_RETURN_IF_ERROR(Encode(f[i].second, out, depth + 1));
  }
  return EndComposite(body, out);
}

Status EncodeRef(const Value& v, std::string* out, int depth) {
  size_t body = BeginComposite(kRef, out);
  PutString(v.ref_id(), out);
  for (const Value* part : {v.ref_collection(), v.ref_database()}) {
    out->push_back(part ? '\x01' : '\x00');
    if (part) FQL_RETURN_IF_ERROR(Encode(*part, out, depth + 1));
  }
  return EndComposite(body, out);
}

Status Encode(const Value& v, std::string* out, int depth) {
  if (depth > kMaxDocDepth)
    return Status(ErrorCode::kInvalidArgument, "Document nests too deeply.");
  switch (v.kind()) {
    case ValueKind::kNull:
      out->push_back(static_cast<char>(kNull));
      return Status::Ok();
    case ValueKind::kBool:
      out->push_back(static_cast<char>(v.as_bool() ? kTrue : kFalse));
      return Status::Ok();
    case ValueKind::kLong:
      out->push_back(static_cast<char>(kLong));
      PutU64(static_cast<uint64_t>(v.as_long()), out);
      return Status::Ok();
    case ValueKind::kDouble:
      out->push_back(static_cast<char>(kDouble));
      PutU64(std::bit_cast<uint64_t>(v.as_double()), out);
      return Status::Ok();
    case ValueKind::kString:
    case ValueKind::kBytes:
      if (v.str().size() > UINT32_MAX)
        return Status(ErrorCode::kInvalidArgument, "String is too long.");
      out->push_back(static_cast<char>(v.is_string() ? kString : kBytes));
      PutString(v.str(), out);
      return Status::Ok();
    case ValueKind::kTimestamp:
      out->push_back(static_cast<char>(kTime));
      PutU64(static_cast<uint64_t>(v.as_time().seconds), out);
      PutU32(static_cast<uint32_t>(v.as_time().nanos), out);
      return Status::Ok();
    case ValueKind::kDate:
      out->push_back(static_cast<char>(kDate));
      PutU64(static_cast<uint64_t>(v.as_date()), out);
      return Status::Ok();
    case ValueKind::kRef:
      return EncodeRef(v, out, depth);
    case ValueKind::kArray:
      return EncodeArray(v.array(), out, depth);
    case ValueKind::kObject:
      return EncodeObject(v.fields(), out, depth);
    case ValueKind::kQuery: {
      // A lambda is stored as its source and wire form; it captures nothing
      // (CreateFunction checks that), so this is all it is.
      size_t body = BeginComposite(kLambda, out);
      PutU32(static_cast<uint32_t>(v.query()->arity() + 1), out);
      PutString(v.query()->ToFql(), out);
      PutString(v.query()->ToWireJson(), out);
      return EndComposite(body, out);
    }
    case ValueKind::kSet:
    case ValueKind::kPage:
      break;
  }
  return Status(ErrorCode::kInvalidArgument,
                std::string(TypeName(v)) + " values cannot be stored.");
}

Status Corrupt() { return Status(ErrorCode::kInternal, "stored document is corrupt"); }

// The total size of the value at the front of `s`, or 0 if it does not fit.
size_t SizeAt(std::string_view s) {
  if (s.empty()) return 0;
  auto fixed = [&](size_t n) -> size_t { return s.size() >= n ? n : 0; };
  switch (static_cast<Tag>(static_cast<uint8_t>(s[0]))) {
    case kNull:
    case kFalse:
    case kTrue:
      return 1;
    case kLong:
    case kDouble:
    case kDate:
      return fixed(9);
    case kTime:
      return fixed(13);
    case kString:
    case kBytes:
    case kRef:
    case kArray:
    case kObject:
    case kLambda: {
      if (s.size() < 5) return 0;
      uint64_t n = 5 + static_cast<uint64_t>(U32(s, 1));
      return n <= s.size() ? static_cast<size_t>(n) : 0;
    }
  }
  return 0;
}

// The collection (and database) parts of refs repeat across the documents
// and entries one thread decodes: Ref("1", Collection("orders")) for every
// order. Decoding them once and sharing the immutable Value saves two
// allocations per ref. A few entries per thread, keyed by exact bytes.
class RefPartCache {
 public:
  const Value* Find(std::string_view bytes) const {
    for (const auto& e : slots_) {
      if (!e.bytes.empty() && e.bytes == bytes) return &e.value;
    }
    return nullptr;
  }
  void Put(std::string_view bytes, const Value& v) {
    if (bytes.size() > kMaxBytes) return;
    Slot& s = slots_[next_++ % slots_.size()];
    s.bytes.assign(bytes);
    s.value = v;
  }

 private:
  static constexpr size_t kMaxBytes = 256;
  struct Slot {
    std::string bytes;
    Value value;
  };
  std::array<Slot, 4> slots_;
  size_t next_ = 0;
};

thread_local RefPartCache ref_parts;

}  // namespace

Status EncodeDocument(const Value& v, std::string* out) { return Encode(v, out, 0); }

std::optional<DocView> DocView::At(std::string_view bytes) {
  size_t n = SizeAt(bytes);
  if (n == 0) return std::nullopt;
  DocView d;
  d.bytes_ = bytes.substr(0, n);
  switch (static_cast<Tag>(static_cast<uint8_t>(bytes[0]))) {
    case kNull:
      d.kind_ = ValueKind::kNull;
      break;
    case kFalse:
    case kTrue:
      d.kind_ = ValueKind::kBool;
      break;
    case kLong:
      d.kind_ = ValueKind::kLong;
      break;
    case kDouble:
      d.kind_ = ValueKind::kDouble;
      break;
    case kString:
      d.kind_ = ValueKind::kString;
      break;
    case kBytes:
      d.kind_ = ValueKind::kBytes;
      break;
    case kTime:
      d.kind_ = ValueKind::kTimestamp;
      break;
    case kDate:
      d.kind_ = ValueKind::kDate;
      break;
    case kRef:
      d.kind_ = ValueKind::kRef;
      break;
    case kLambda:
      d.kind_ = ValueKind::kQuery;
      break;
    case kArray:
    case kObject: {
      d.kind_ = bytes[0] == kArray ? ValueKind::kArray : ValueKind::kObject;
      if (n < 9) return std::nullopt;
      d.count_ = U32(d.bytes_, 5);
      uint64_t tables = static_cast<uint64_t>(d.count_) * (d.kind_ == ValueKind::kArray ? 4 : 8);
      if (9 + tables > n) return std::nullopt;
      break;
    }
  }
  return d;
}

Result<DocView> DocView::Of(std::string_view bytes) {
  auto d = At(bytes);
  if (!d || d->bytes_.size() != bytes.size()) return Corrupt();
  return *d;
}

std::optional<DocView> DocView::Element(size_t i) const {
  if (kind_ != ValueKind::kArray || i >= count_) return std::nullopt;
  size_t region = 9 + 4 * count_;
  size_t begin = region + U32(bytes_, 9 + 4 * i);
  size_t end = i + 1 < count_ ? region + U32(bytes_, 9 + 4 * (i + 1)) : bytes_.size();
  if (begin > end || end > bytes_.size()) return std::nullopt;
  auto d = At(bytes_.substr(begin, end - begin));
  if (!d || d->bytes_.size() != end - begin) return std::nullopt;
  return d;
}

std::optional<DocView> DocView::Field(std::string_view key) const {
  if (kind_ != ValueKind::kObject) return std::nullopt;
  size_t offsets = 9, sorted = 9 + 4 * count_, region = 9 + 8 * count_;
  // Reads entry `idx`: its key and the bounds of its value.
  auto entry = [&](uint32_t idx, std::string_view* k, size_t* vbegin, size_t* vend) {
    if (idx >= count_) return false;
    size_t begin = region + U32(bytes_, offsets + 4 * idx);
    size_t end = idx + 1 < count_ ? region + U32(bytes_, offsets + 4 * (idx + 1)) : bytes_.size();
    if (begin + 4 > end || end > bytes_.size()) return false;
    size_t klen = U32(bytes_, begin);
    if (begin + 4 + klen > end) return false;
    *k = bytes_.substr(begin + 4, klen);
    *vbegin = begin + 4 + klen;
    *vend = end;
    return true;
  };
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    std::string_view k;
    size_t vb, ve;
    if (!entry(U32(bytes_, sorted + 4 * mid), &k, &vb, &ve)) return std::nullopt;
    if (k == key) {
      auto d = At(bytes_.substr(vb, ve - vb));
      if (!d || d->bytes_.size() != ve - vb) return std::nullopt;
      return d;
    }
    if (k < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::nullopt;
}

int64_t DocView::as_long() const { return static_cast<int64_t>(LoadLE<uint64_t>(bytes_, 1)); }
double DocView::as_double() const { return std::bit_cast<double>(LoadLE<uint64_t>(bytes_, 1)); }
bool DocView::as_bool() const { return bytes_[0] == kTrue; }
std::string_view DocView::as_string() const { return bytes_.substr(5); }

Result<Value> DocView::Materialize() const { return MaterializeAt(0); }

Result<Value> DocView::MaterializeAt(int depth) const {
  if (depth > kMaxDocDepth) return Corrupt();
  switch (kind_) {
    case ValueKind::kNull:
      return Value::Null();
    case ValueKind::kBool:
      return Value::Bool(as_bool());
    case ValueKind::kLong:
      return Value::Long(as_long());
    case ValueKind::kDouble:
      return Value::Double(as_double());
    case ValueKind::kString:
      return Value::String(std::string(as_string()));
    case ValueKind::kBytes:
      return Value::Bytes(std::string(as_string()));
    case ValueKind::kTimestamp: {
      auto nanos = static_cast<int32_t>(U32(bytes_, 9));
      if (nanos < 0 || nanos >= 1000000000) return Corrupt();
      return Value::Time({static_cast<int64_t>(ReadLE(bytes_, 1, 8)), nanos});
    }
    case ValueKind::kDate:
      return Value::Date(static_cast<int64_t>(ReadLE(bytes_, 1, 8)));
    case ValueKind::kArray: {
      Array out;
      out.reserve(count_);
      for (size_t i = 0; i < count_; ++i) {
        auto e = Element(i);
        if (!e) return Corrupt();
        FQL_ASSIGN_OR_RETURN(Value v, e->MaterializeAt(depth + 1));
        out.push_back(std::move(v));
      }
      return Value::MakeArray(std::move(out));
    }
    case ValueKind::kObject: {
      Fields out;
      size_t region = 9 + 8 * count_;
      for (size_t i = 0; i < count_; ++i) {
        size_t begin = region + U32(bytes_, 9 + 4 * i);
        size_t end = i + 1 < count_ ? region + U32(bytes_, 9 + 4 * (i + 1)) : bytes_.size();
        if (begin + 4 > end || end > bytes_.size()) return Corrupt();
        size_t klen = U32(bytes_, begin);
        if (begin + 4 + klen > end) return Corrupt();
        auto d = At(bytes_.substr(begin + 4 + klen, end - begin - 4 - klen));
        if (!d || d->bytes_.size() != end - begin - 4 - klen) return Corrupt();
        FQL_ASSIGN_OR_RETURN(Value v, d->MaterializeAt(depth + 1));
        out.emplace_back(std::string(bytes_.substr(begin + 4, klen)), std::move(v));
      }
      return Value::MakeObject(std::move(out));
    }
    case ValueKind::kRef: {
      std::string_view id;
      std::optional<Value> parts[2];
      FQL_RETURN_IF_ERROR(RefParts(depth, &id, parts));
      return Value::Ref(std::string(id), std::move(parts[0]), std::move(parts[1]));
    }
    case ValueKind::kQuery: {
      std::string_view body = bytes_.substr(5);
      if (body.size() < 4) return Corrupt();
      int arity = static_cast<int>(U32(body, 0)) - 1;
      body.remove_prefix(4);
      std::string parts[2];
      for (std::string& part : parts) {
        if (body.size() < 4 || 4 + static_cast<uint64_t>(U32(body, 0)) > body.size())
          return Corrupt();
        part.assign(body.substr(4, U32(body, 0)));
        body.remove_prefix(4 + part.size());
      }
      if (!body.empty() || arity < -1) return Corrupt();
      return Value::Query(
          std::make_shared<StoredLambda>(std::move(parts[0]), std::move(parts[1]), arity));
    }
    default:
      return Corrupt();
  }
}

// A ref's body: its id, then a collection and a database part, each a
// presence byte and (if present) a nested ref. The parts come from the
// per-thread cache when their bytes were decoded before. With `parts`
// null, only checks that they decode.
Status DocView::RefParts(int depth, std::string_view* id, std::optional<Value> parts[2]) const {
  std::string_view body = bytes_.substr(5);
  if (body.size() < 4 || 4 + static_cast<uint64_t>(U32(body, 0)) > body.size()) return Corrupt();
  *id = body.substr(4, U32(body, 0));
  body.remove_prefix(4 + id->size());
  for (int i = 0; i < 2; ++i) {
    if (body.empty()) return Corrupt();
    bool present = body[0] == '\x01';
    body.remove_prefix(1);
    if (!present) continue;
    auto d = At(body);
    if (!d || d->kind_ != ValueKind::kRef) return Corrupt();
    if (const Value* cached = ref_parts.Find(d->bytes_)) {
      // Decoded here, the part would reach this depth: keep the bound that
      // a cold decode applies, so the cache never lets a deeper ref pass.
      if (depth + static_cast<int>(cached->depth()) > kMaxDocDepth) return Corrupt();
      if (parts != nullptr) parts[i] = *cached;
    } else {
      FQL_ASSIGN_OR_RETURN(Value p, d->MaterializeAt(depth + 1));
      ref_parts.Put(d->bytes_, p);
      if (parts != nullptr) parts[i] = std::move(p);
    }
    body.remove_prefix(d->bytes_.size());
  }
  if (!body.empty()) return Corrupt();
  return Status::Ok();
}

bool DocView::IsDecodableRef() const {
  std::string_view id;
  return kind_ == ValueKind::kRef && RefParts(0, &id, nullptr).ok();
}

Result<Value> DecodeDocument(std::string_view bytes) {
  FQL_ASSIGN_OR_RETURN(DocView d, DocView::Of(bytes));
  return d.Materialize();
}

}  // namespace fqldb::storage
