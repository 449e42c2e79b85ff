#pragma once

// Key layout and version values shared by the files of Transaction.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/value.h"
#include "storage/doc_codec.h"
#include "storage/internal/fixed_width.h"
#include "storage/key_codec.h"
#include "storage/transaction.h"

namespace fqldb::storage::internal {

inline constexpr char kDocTag = 'D';
inline constexpr char kIndexTag = 'I';

// FNV-1a: stable across builds, since partition placement is persistent.
inline uint64_t Hash(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

inline std::string Prefix(char tag, uint64_t db, uint64_t uid) {
  std::string out(1, tag);
  PutBigEndian64(db, &out);
  PutBigEndian64(uid, &out);
  return out;
}

inline std::string DocKey(const DocAddress& a) {
  std::string key = Prefix(kDocTag, a.db, a.coll);
  EncodeRefId(a.id, &key);
  return key;
}

// The smallest key above every key that starts with `prefix`.
inline std::string Successor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::string(16, '\xFF');
  prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// A document version's stored value: the action byte, the 8-byte uid, then
// the body (see DocValue).
inline constexpr size_t kDocValueHeader = 9;

// The body part of a stored document version (empty when too short to have one).
inline std::string_view StoredBody(std::string_view value) {
  return value.size() < kDocValueHeader ? std::string_view() : value.substr(kDocValueHeader);
}

inline std::string DocValue(Action action, uint64_t uid, const std::string& body) {
  std::string v(1, static_cast<char>(action));
  PutLittleEndian(uid, 8, &v);
  v += body;
  return v;
}

inline Result<DocRecord> DecodeDocRecord(uint64_t ts, std::string_view value) {
  if (value.size() < kDocValueHeader || static_cast<uint8_t>(value[0]) > 2) {
    return Status(ErrorCode::kInternal, "corrupt document version");
  }
  DocRecord r;
  r.ts = ts;
  r.action = static_cast<Action>(value[0]);
  r.uid = GetLittleEndian(value.substr(1, 8), 8);
  if (r.action != Action::kDelete) {
    FQL_ASSIGN_OR_RETURN(r.body, DecodeDocument(StoredBody(value)));
  }
  return r;
}

// The document as indexes see it: {ref, ts, ...body}.
inline Value IndexedDoc(const Value& ref, uint64_t ts, const Value& body) {
  Fields f;
  f.emplace_back("ref", ref);
  f.emplace_back("ts", Value::Long(static_cast<int64_t>(ts)));
  if (body.is_object()) {
    for (const Field& field : body.fields()) f.push_back(field);
  }
  return Value::MakeObject(std::move(f));
}

}  // namespace fqldb::storage::internal
