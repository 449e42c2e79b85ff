#include "common/value.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/status.h"

namespace fqldb {

struct Value::Node {
  // Only the members of the node's kind are used.
  std::string text;  // string/bytes payload, ref id
  Array elems;       // array elements, page data
  Fields fields;     // object fields
  std::optional<Value> a;  // ref collection, page before
  std::optional<Value> b;  // ref database, page after
  SetDescriptor set;
  std::shared_ptr<const QueryBody> query;
  uint32_t depth = 0;
  uint64_t size = 1;
  bool has_query = false;
};

namespace {

constexpr uint64_t kSizeCap = uint64_t{1} << 62;

uint64_t AddSize(uint64_t a, uint64_t b) { return std::min(kSizeCap, a + b); }

// What a node keeps about its elements: the deepest one, the tree size
// (the node itself counts 1) and whether a query is inside. One pass, and
// numbers, booleans and null (no node: depth 0, size 1) without a call.
struct Summary {
  uint32_t depth = 0;
  uint64_t size = 1;
  bool has_query = false;
};

Summary Summarize(const Array& elems) {
  Summary s;
  for (const Value& v : elems) {
    switch (v.kind()) {
      case ValueKind::kNull:
      case ValueKind::kBool:
      case ValueKind::kLong:
      case ValueKind::kDouble:
        s.size = AddSize(s.size, 1);
        break;
      default:
        s.depth = std::max(s.depth, v.depth());
        s.size = AddSize(s.size, v.tree_size());
        s.has_query = s.has_query || v.contains_query();
    }
  }
  return s;
}

}  // namespace

Value::Layout Value::GetLayout() {
  static_assert(sizeof(ValueKind) == 1);
  Value v;
  const char* base = reinterpret_cast<const char*>(&v);
  return Layout{sizeof(Value), static_cast<size_t>(reinterpret_cast<const char*>(&v.kind_) - base),
                static_cast<size_t>(reinterpret_cast<const char*>(&v.u_) - base)};
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = ValueKind::kBool;
  v.u_.b = b;
  return v;
}

Value Value::Long(int64_t i) {
  Value v;
  v.kind_ = ValueKind::kLong;
  v.u_.i = i;
  return v;
}

Value Value::Double(double d) {
  Value v;
  v.kind_ = ValueKind::kDouble;
  v.u_.d = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = ValueKind::kString;
  auto n = std::make_shared<Node>();
  n->text = std::move(s);
  v.node_ = std::move(n);
  return v;
}

Value Value::Bytes(std::string raw) {
  Value v = String(std::move(raw));
  v.kind_ = ValueKind::kBytes;
  return v;
}

Value Value::MakeArray(Array elems) {
  Value v;
  v.kind_ = ValueKind::kArray;
  auto n = std::make_shared<Node>();
  Summary sum = Summarize(elems);
  n->depth = sum.depth + 1;
  n->size = sum.size;
  n->has_query = sum.has_query;
  n->elems = std::move(elems);
  v.node_ = std::move(n);
  return v;
}

Value Value::MakeArrayFrom(Array elems, const Value& from) {
  if (!from.is_array() || from.depth() != 1) return MakeArray(std::move(elems));
  Value v;
  v.kind_ = ValueKind::kArray;
  auto n = std::make_shared<Node>();
  n->depth = 1;  // as Summarize would find: no element has a node
  n->size = AddSize(1, elems.size());
  n->has_query = false;
  n->elems = std::move(elems);
  v.node_ = std::move(n);
  return v;
}

Value Value::MakeObject(Fields fields) {
  Value v;
  v.kind_ = ValueKind::kObject;
  auto n = std::make_shared<Node>();
  uint32_t d = 0;
  n->fields.reserve(fields.size());
  // Large objects find duplicate keys through an index, keeping this linear.
  std::unordered_map<std::string, size_t> index;
  bool indexed = fields.size() > 16;
  for (Field& f : fields) {
    d = std::max(d, f.second.depth());
    n->size = AddSize(n->size, f.second.tree_size());
    n->has_query = n->has_query || f.second.contains_query();
    size_t at = n->fields.size();
    if (indexed) {
      auto [it, inserted] = index.emplace(f.first, at);
      if (!inserted) at = it->second;
    } else {
      for (size_t i = 0; i < n->fields.size(); ++i) {
        if (n->fields[i].first == f.first) at = i;
      }
    }
    if (at < n->fields.size()) {
      n->fields[at].second = std::move(f.second);
    } else {
      n->fields.push_back(std::move(f));
    }
  }
  n->depth = d + 1;
  v.node_ = std::move(n);
  return v;
}

Value Value::Ref(std::string id, std::optional<Value> collection, std::optional<Value> database) {
  Value v;
  v.kind_ = ValueKind::kRef;
  auto n = std::make_shared<Node>();
  n->text = std::move(id);
  for (const std::optional<Value>* part : {&collection, &database}) {
    if (!*part) continue;
    n->depth = std::max(n->depth, (*part)->depth());
    n->size = AddSize(n->size, (*part)->tree_size());
  }
  n->depth += 1;
  n->a = std::move(collection);
  n->b = std::move(database);
  v.node_ = std::move(n);
  return v;
}

Value Value::NativeRef(std::string id, std::optional<Value> database) {
  return Ref(std::move(id), std::nullopt, std::move(database));
}

Value Value::Set(SetDescriptor desc) {
  Value v;
  v.kind_ = ValueKind::kSet;
  auto n = std::make_shared<Node>();
  n->set = std::move(desc);
  v.node_ = std::move(n);
  return v;
}

Value Value::Time(Timestamp ts) {
  Value v;
  v.kind_ = ValueKind::kTimestamp;
  v.u_.ts.seconds = ts.seconds;
  v.u_.ts.nanos = ts.nanos;
  return v;
}

Value Value::Date(int64_t days_since_epoch) {
  Value v;
  v.kind_ = ValueKind::kDate;
  v.u_.i = days_since_epoch;
  return v;
}

Value Value::Query(std::shared_ptr<const QueryBody> body) {
  Value v;
  v.kind_ = ValueKind::kQuery;
  auto n = std::make_shared<Node>();
  n->query = std::move(body);
  v.node_ = std::move(n);
  return v;
}

Value Value::Page(Array data, std::optional<Value> before, std::optional<Value> after) {
  Value v;
  v.kind_ = ValueKind::kPage;
  auto n = std::make_shared<Node>();
  Summary sum = Summarize(data);
  n->depth = sum.depth + 2;
  n->size = sum.size;
  if (before) n->depth = std::max(n->depth, before->depth() + 1);
  if (after) n->depth = std::max(n->depth, after->depth() + 1);
  if (before) n->size = AddSize(n->size, before->tree_size());
  if (after) n->size = AddSize(n->size, after->tree_size());
  n->has_query = sum.has_query;
  n->elems = std::move(data);
  n->a = std::move(before);
  n->b = std::move(after);
  v.node_ = std::move(n);
  return v;
}

const std::string& Value::str() const {
  FQL_CHECK(kind_ == ValueKind::kString || kind_ == ValueKind::kBytes);
  return node_->text;
}

const Array& Value::array() const {
  FQL_CHECK(kind_ == ValueKind::kArray || kind_ == ValueKind::kPage);
  return node_->elems;
}

const Fields& Value::fields() const {
  FQL_CHECK(kind_ == ValueKind::kObject);
  return node_->fields;
}

const Value* Value::Find(std::string_view key) const {
  for (const Field& f : fields()) {
    if (f.first == key) return &f.second;
  }
  return nullptr;
}

const std::string& Value::ref_id() const {
  FQL_CHECK(kind_ == ValueKind::kRef);
  return node_->text;
}

const Value* Value::ref_collection() const {
  FQL_CHECK(kind_ == ValueKind::kRef);
  return node_->a ? &*node_->a : nullptr;
}

const Value* Value::ref_database() const {
  FQL_CHECK(kind_ == ValueKind::kRef);
  return node_->b ? &*node_->b : nullptr;
}

const SetDescriptor& Value::set() const {
  FQL_CHECK(kind_ == ValueKind::kSet);
  return node_->set;
}

const std::shared_ptr<const QueryBody>& Value::query() const {
  FQL_CHECK(kind_ == ValueKind::kQuery);
  return node_->query;
}

const Value* Value::page_before() const {
  FQL_CHECK(kind_ == ValueKind::kPage);
  return node_->a ? &*node_->a : nullptr;
}

const Value* Value::page_after() const {
  FQL_CHECK(kind_ == ValueKind::kPage);
  return node_->b ? &*node_->b : nullptr;
}

uint32_t Value::depth() const {
  if (kind_ == ValueKind::kQuery) return node_->query->depth();
  return node_ ? node_->depth : 0;
}

uint64_t Value::tree_size() const { return node_ ? node_->size : 1; }

bool Value::contains_query() const {
  return kind_ == ValueKind::kQuery || (node_ && node_->has_query);
}

const char* TypeName(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull: return "Null";
    case ValueKind::kBool: return "Boolean";
    case ValueKind::kLong: return "Integer";
    case ValueKind::kDouble: return "Double";
    case ValueKind::kString: return "String";
    case ValueKind::kBytes: return "Bytes";
    case ValueKind::kArray: return "Array";
    case ValueKind::kObject: return "Object";
    case ValueKind::kRef: return "Ref";
    case ValueKind::kSet: return "Set";
    case ValueKind::kTimestamp: return "Time";
    case ValueKind::kDate: return "Date";
    case ValueKind::kQuery: return "Lambda";
    case ValueKind::kPage: return "Page";
  }
  return "Unknown";
}

namespace {

// The rank of a kind in the cross-type order documented on Compare().
int Rank(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kLong:
    case ValueKind::kDouble: return 0;
    case ValueKind::kBytes: return 1;
    case ValueKind::kString: return 2;
    case ValueKind::kRef: return 3;
    case ValueKind::kTimestamp: return 4;
    case ValueKind::kDate: return 5;
    case ValueKind::kSet: return 6;
    case ValueKind::kQuery: return 7;
    case ValueKind::kArray: return 8;
    case ValueKind::kObject:
    case ValueKind::kPage: return 9;
    case ValueKind::kBool: return v.as_bool() ? 11 : 10;
    case ValueKind::kNull: return 12;
  }
  return 13;
}

template <typename T>
int Cmp3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareImpl(const Value& a, const Value& b, bool by_value);

int CompareNumbers(const Value& a, const Value& b, bool by_value) {
  if (a.is_long() && b.is_long()) return Cmp3(a.as_long(), b.as_long());
  if (a.is_double() && b.is_double()) {
    double x = a.as_double(), y = b.as_double();
    // NaN sorts after every number so that the order stays total.
    if (std::isnan(x) || std::isnan(y)) return Cmp3(std::isnan(x), std::isnan(y));
    return Cmp3(x, y);
  }
  // Mixed: compare by value without losing long precision, then long < double.
  const Value& l = a.is_long() ? a : b;
  const Value& d = a.is_long() ? b : a;
  int sign = a.is_long() ? 1 : -1;
  double dv = d.as_double();
  int c;
  if (std::isnan(dv)) {
    c = -1;
  } else if (dv >= 9223372036854775808.0) {
    c = -1;
  } else if (dv < -9223372036854775808.0) {
    c = 1;
  } else {
    double fl = std::floor(dv);
    int64_t di = static_cast<int64_t>(fl);
    c = Cmp3(l.as_long(), di);
    if (c == 0 && fl != dv) c = -1;
    if (c == 0 && !by_value) c = -1;  // equal value: the long sorts first
  }
  return sign * c;
}

int CompareArrays(const Array& a, const Array& b, bool by_value) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c = CompareImpl(a[i], b[i], by_value);
    if (c != 0) return c;
  }
  return Cmp3(a.size(), b.size());
}

int CompareFields(const Fields& a, const Fields& b, bool by_value) {
  // Objects compare by their sorted (key, value) pairs, so field order never matters.
  auto sorted = [](const Fields& f) {
    std::vector<const Field*> v;
    for (const Field& x : f) v.push_back(&x);
    std::sort(v.begin(), v.end(), [](const Field* l, const Field* r) { return l->first < r->first; });
    return v;
  };
  auto sa = sorted(a), sb = sorted(b);
  size_t n = std::min(sa.size(), sb.size());
  for (size_t i = 0; i < n; ++i) {
    int c = Cmp3(sa[i]->first, sb[i]->first);
    if (c != 0) return c;
    c = CompareImpl(sa[i]->second, sb[i]->second, by_value);
    if (c != 0) return c;
  }
  return Cmp3(sa.size(), sb.size());
}

int CompareOptional(const Value* a, const Value* b, bool by_value = false) {
  if (!a || !b) return Cmp3(a != nullptr, b != nullptr);
  return CompareImpl(*a, *b, by_value);
}

int CompareRefs(const Value& a, const Value& b) {
  // Refs sort by id first, then collection, then database (Fauna's order).
  int c = CompareIds(a.ref_id(), b.ref_id());
  if (c != 0) return c;
  c = CompareOptional(a.ref_collection(), b.ref_collection());
  if (c != 0) return c;
  return CompareOptional(a.ref_database(), b.ref_database());
}

}  // namespace

bool IsNumericId(std::string_view id) {
  if (id.empty() || id.size() > 19 || (id[0] == '0' && id.size() > 1)) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int CompareIds(std::string_view a, std::string_view b) {
  bool na = IsNumericId(a), nb = IsNumericId(b);
  if (na != nb) return na ? -1 : 1;
  if (na && a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

namespace {

int CompareImpl(const Value& a, const Value& b, bool by_value) {
  int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return Cmp3(ra, rb);
  if (a.SameNode(b)) return 0;
  switch (a.kind()) {
    case ValueKind::kLong:
    case ValueKind::kDouble: return CompareNumbers(a, b, by_value);
    case ValueKind::kBytes:
    case ValueKind::kString: return Cmp3(a.str(), b.str());  // UTF-8 bytes order = code point order
    case ValueKind::kRef: return CompareRefs(a, b);
    case ValueKind::kTimestamp: {
      int c = Cmp3(a.as_time().seconds, b.as_time().seconds);
      return c != 0 ? c : Cmp3(a.as_time().nanos, b.as_time().nanos);
    }
    case ValueKind::kDate: return Cmp3(a.as_date(), b.as_date());
    case ValueKind::kSet: return Cmp3(a.set().wire_json, b.set().wire_json);
    case ValueKind::kQuery: return Cmp3(a.query()->ToWireJson(), b.query()->ToWireJson());
    case ValueKind::kArray: return CompareArrays(a.array(), b.array(), by_value);
    case ValueKind::kObject:
    case ValueKind::kPage: {
      if (a.kind() != b.kind()) return Cmp3(a.kind(), b.kind());
      if (a.is_object()) return CompareFields(a.fields(), b.fields(), by_value);
      int c = CompareArrays(a.array(), b.array(), by_value);
      if (c != 0) return c;
      c = CompareOptional(a.page_before(), b.page_before(), by_value);
      return c != 0 ? c : CompareOptional(a.page_after(), b.page_after(), by_value);
    }
    case ValueKind::kBool:
    case ValueKind::kNull: return 0;
  }
  return 0;
}

}  // namespace

int Compare(const Value& a, const Value& b) { return CompareImpl(a, b, false); }

int CompareByValue(const Value& a, const Value& b) { return CompareImpl(a, b, true); }

bool Equals(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_double()) return a.as_double() == b.as_double();
  return Compare(a, b) == 0;
}

}  // namespace fqldb
