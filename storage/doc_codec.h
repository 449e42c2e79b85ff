#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/value.h"

namespace fqldb::storage {

// The binary encoding of stored documents: typed, length-prefixed, with
// offset tables so that a reader can reach one field or element without
// decoding the rest (what compiled predicates will do). Little-endian.
// Objects keep their field order and also carry the fields' positions
// sorted by key, so Field() is a binary search.

// Appends the encoding of `v`. Errors: kInvalidArgument for sets, lambdas
// and pages (not storable here), and past 1,000 levels of nesting.
Status EncodeDocument(const Value& v, std::string* out);

// Decodes a whole encoding. Errors: kInternal for bytes that are not a
// valid encoding (checked, never trusted: a corrupt record cannot crash).
Result<Value> DecodeDocument(std::string_view bytes);

// A read-only view of one encoded value. Cheap to copy; it borrows the
// bytes, which must outlive it. Not thread-safe to share while the bytes
// change. Accessors on malformed bytes return nullopt or errors.
class DocView {
 public:
  // Validates the outer framing of `bytes` (one value, nothing after it).
  static Result<DocView> Of(std::string_view bytes);

  ValueKind kind() const { return kind_; }
  // The number of fields of an object or elements of an array.
  size_t size() const { return count_; }
  // The field named `key` of an object (binary search), or nullopt.
  std::optional<DocView> Field(std::string_view key) const;
  // Element `i` of an array, or nullopt.
  std::optional<DocView> Element(size_t i) const;
  // Scalars without decoding: valid only for the matching kind.
  int64_t as_long() const;
  double as_double() const;
  bool as_bool() const;
  std::string_view as_string() const;  // strings and bytes
  // Calls fn(i, element) for each element of an array, in order, walking
  // the elements once (cheaper than Element(i) for every i). False when
  // this is not an array or its elements are malformed.
  template <typename Fn>
  bool ForEachElement(Fn&& fn) const;
  // For a Ref: true when Materialize() will decode it without error (cheap
  // when its collection part was decoded by this thread recently).
  bool IsDecodableRef() const;
  // Decodes this value (and everything under it).
  Result<Value> Materialize() const;
  // This value's own encoding.
  std::string_view bytes() const { return bytes_; }

 private:
  DocView() = default;
  static std::optional<DocView> At(std::string_view bytes);
  // Decodes with a nesting bound, so that corrupt bytes cannot recurse deeply.
  Result<Value> MaterializeAt(int depth) const;
  // A Ref's id and its collection and database parts (decoded).
  Status RefParts(int depth, std::string_view* id, std::optional<Value> parts[2]) const;

  std::string_view bytes_;  // exactly this value's encoding
  ValueKind kind_ = ValueKind::kNull;
  size_t count_ = 0;
};

template <typename Fn>
bool DocView::ForEachElement(Fn&& fn) const {
  if (kind_ != ValueKind::kArray) return false;
  size_t pos = 9 + 4 * count_;
  for (size_t i = 0; i < count_; ++i) {
    if (pos > bytes_.size()) return false;
    std::optional<DocView> e = At(bytes_.substr(pos));
    if (!e) return false;
    fn(i, *e);
    pos += e->bytes_.size();
  }
  return pos == bytes_.size();
}

}  // namespace fqldb::storage
