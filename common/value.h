#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fqldb {

// The kinds of FQL v4 values. The order here is not the sort order; see Compare().
enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kLong,
  kDouble,
  kString,
  kBytes,
  kArray,
  kObject,
  kRef,
  kSet,
  kTimestamp,
  kDate,
  kQuery,
  kPage,
};

// A UTC instant with nanosecond precision: seconds since the epoch plus
// nanos in [0, 1e9).
struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
  bool operator==(const Timestamp&) const = default;
};

class Value;
using Array = std::vector<Value>;
using Field = std::pair<std::string, Value>;
using Fields = std::vector<Field>;

// A lambda held as a value (Fauna's @query). The executor implements it: it
// owns the bound body and the environment the lambda closed over.
class QueryBody {
 public:
  virtual ~QueryBody() = default;
  // Renders as FQL source: `Lambda("x", Add(Var("x"), 1))`.
  virtual std::string ToFql() const = 0;
  // Renders Fauna's wire form of the lambda: {"lambda": ..., "expr": ...}.
  virtual std::string ToWireJson() const = 0;
  // The number of parameters, or -1 when the lambda takes one array to destructure.
  virtual int arity() const = 0;
  // Identifies the implementing class cheaply (one address per class), so
  // the owner can downcast without RTTI on hot paths.
  virtual const void* type_tag() const = 0;
  // How deeply the values this lambda keeps alive nest (see Value::depth).
  virtual uint32_t depth() const = 0;
};

// The executable form of a set; the executor defines the implementations.
class SetPlan {
 public:
  virtual ~SetPlan() = default;
};

// A lazily evaluated set (Match, Documents, ...): its description in both
// renderings, and the plan the executor reads it with.
struct SetDescriptor {
  std::string fql;        // `Match(Index("spells_by_element"), "arcane")`
  std::string wire_json;  // {"match": {...}, "terms": "arcane"}
  std::shared_ptr<const SetPlan> plan;
};

// An immutable FQL value. Scalars are stored inline; strings, containers,
// refs, sets, queries and pages share an immutable heap node, so copies are
// cheap. Safe to share across threads once built.
class Value {
 public:
  Value() = default;  // null

  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Long(int64_t i);
  static Value Double(double d);
  static Value String(std::string s);
  static Value Bytes(std::string raw);
  static Value MakeArray(Array elems);
  // MakeArray of elements all taken from `from` (as Filter keeps some):
  // when no element of `from` nests (it is an array of depth 1: numbers,
  // strings and other leaves), neither does any of them, and they are
  // summarised without a pass over them.
  static Value MakeArrayFrom(Array elems, const Value& from);
  // Builds an object; a later duplicate key replaces the earlier one in place.
  static Value MakeObject(Fields fields);
  // A document ref `Ref(collection, id)`; `collection` is itself a ref.
  static Value Ref(std::string id, std::optional<Value> collection,
                   std::optional<Value> database = std::nullopt);
  // A native collection ref such as `Collections()` (id "collections").
  static Value NativeRef(std::string id, std::optional<Value> database = std::nullopt);
  static Value Set(SetDescriptor desc);
  static Value Time(Timestamp ts);
  static Value Date(int64_t days_since_epoch);
  static Value Query(std::shared_ptr<const QueryBody> body);
  static Value Page(Array data, std::optional<Value> before, std::optional<Value> after);

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind_ == ValueKind::kNull; }
  bool is_bool() const { return kind_ == ValueKind::kBool; }
  bool is_long() const { return kind_ == ValueKind::kLong; }
  bool is_double() const { return kind_ == ValueKind::kDouble; }
  bool is_number() const { return is_long() || is_double(); }
  bool is_string() const { return kind_ == ValueKind::kString; }
  bool is_array() const { return kind_ == ValueKind::kArray; }
  bool is_object() const { return kind_ == ValueKind::kObject; }
  bool is_page() const { return kind_ == ValueKind::kPage; }

  bool as_bool() const { return u_.b; }
  int64_t as_long() const { return u_.i; }
  double as_double() const { return u_.d; }
  // Returns a long or a double as a double.
  double as_number() const { return is_long() ? static_cast<double>(u_.i) : u_.d; }
  Timestamp as_time() const { return Timestamp{u_.ts.seconds, u_.ts.nanos}; }
  int64_t as_date() const { return u_.i; }

  // Valid for kString and kBytes.
  const std::string& str() const;
  // Valid for kArray (the elements) and kPage (its data).
  const Array& array() const;
  // Valid for kObject.
  const Fields& fields() const;
  // Returns the field named `key`, or nullptr. Valid for kObject.
  const Value* Find(std::string_view key) const;

  // Ref accessors; valid for kRef.
  const std::string& ref_id() const;
  const Value* ref_collection() const;
  const Value* ref_database() const;

  const SetDescriptor& set() const;
  const std::shared_ptr<const QueryBody>& query() const;
  // Page cursors, or nullptr when absent.
  const Value* page_before() const;
  const Value* page_after() const;

  // How deeply the value nests: 0 for scalars; containers, refs and
  // lambdas (through what they captured) add a level. Bounding it bounds
  // the recursion of printing, comparing and destroying the value.
  uint32_t depth() const;
  // The number of parts when shared parts are counted every time they
  // appear (what printing or comparing visits), saturating; 1 for scalars.
  uint64_t tree_size() const;
  // True when both values share the same heap node (so they are equal).
  bool SameNode(const Value& other) const { return node_ && node_ == other.node_; }
  // True when the value is or holds a lambda (the interpreter uses this to
  // break closure/frame reference cycles).
  bool contains_query() const;

  // Where a Value keeps its kind byte and its inline payload (a bool in the
  // payload's first byte, a long or a double in all eight), for code that
  // LLVM generates (compiler/jit) to read scalars without a call.
  struct Layout {
    size_t size;
    size_t kind_offset;
    size_t payload_offset;
  };
  static Layout GetLayout();

 private:
  struct Node;
  ValueKind kind_ = ValueKind::kNull;
  union Inline {
    bool b;
    int64_t i;
    double d;
    struct {
      int64_t seconds;
      int32_t nanos;
    } ts;
  } u_{};
  std::shared_ptr<const Node> node_;
};

// Fauna's user-facing type name for a value: "Integer", "Double", "String", "Time"...
const char* TypeName(const Value& v);

// Total order over all values (used by LT/GT, Distinct, sorting and indexes):
// numbers (longs and doubles by value) < bytes < strings < refs < timestamps
// < dates < sets < queries < arrays < objects/pages < false < true < null.
// Returns <0, 0 or >0.
int Compare(const Value& a, const Value& b);

// Structural equality; a long never equals a double (Equals(1, 1.0) is false).
bool Equals(const Value& a, const Value& b);

// True for a document id in Fauna's numeric form: 1 to 19 decimal digits
// without a leading zero (or "0"). Numeric ids sort by value, before every
// other id (schema names), which sort as strings.
bool IsNumericId(std::string_view id);
// The order of document ids described above. Returns <0, 0 or >0.
int CompareIds(std::string_view a, std::string_view b);

// Compare() as LT/LTE/GT/GTE see it: a long and a double of the same value
// compare equal (Compare breaks that tie so that sorting stays total).
int CompareByValue(const Value& a, const Value& b);

}  // namespace fqldb
