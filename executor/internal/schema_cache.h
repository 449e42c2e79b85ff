#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/transaction.h"

namespace fqldb::executor::internal {

// Schema as recently read, shared by the transactions of one Database, so
// that a query does not re-read its collection's schema document and
// re-parse every index over it. Entries belong to one schema epoch: the ts
// of the newest commit that changed schema (Engine::schema_ts). A lookup
// under another epoch misses and drops everything. Callers use it only for
// reads at a snapshot that includes the epoch, and register the reads the
// entries stand for with their transaction (conflicts still see them).
// Thread-safe.
class SchemaCache {
 public:
  using Indexes = std::vector<std::shared_ptr<const storage::IndexDef>>;

  // A schema document (nullopt inside: it does not exist), or nothing.
  std::optional<std::optional<storage::DocRecord>> Doc(uint64_t epoch, const std::string& key);
  void PutDoc(uint64_t epoch, const std::string& key, std::optional<storage::DocRecord> record);

  // The indexes over a collection, or null.
  std::shared_ptr<const Indexes> IndexesOn(uint64_t epoch, uint64_t db, uint64_t coll);
  void PutIndexesOn(uint64_t epoch, uint64_t db, uint64_t coll, std::shared_ptr<const Indexes> defs);

  // A parsed index by uid, or null.
  std::shared_ptr<const storage::IndexDef> Index(uint64_t epoch, uint64_t db, uint64_t uid);
  void PutIndex(uint64_t epoch, std::shared_ptr<const storage::IndexDef> def);

 private:
  // Drops everything when `epoch` is not the entries' epoch; mu_ held.
  bool Current(uint64_t epoch);

  // Bounds memory when a database has very many schema documents.
  static constexpr size_t kMaxEntries = 65536;

  std::mutex mu_;
  uint64_t epoch_ = 0;
  std::unordered_map<std::string, std::optional<storage::DocRecord>> docs_;
  std::unordered_map<std::string, std::shared_ptr<const Indexes>> indexes_on_;
  std::unordered_map<std::string, std::shared_ptr<const storage::IndexDef>> indexes_;
};

}  // namespace fqldb::executor::internal
