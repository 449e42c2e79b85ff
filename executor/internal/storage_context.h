#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "storage/transaction.h"

namespace fqldb::executor::internal {

class SchemaCache;

// What a ref names once resolved against the schema.
struct ResolvedRef {
  storage::DocAddress addr;
  // Set for refs to schema documents (Collection("x"), Index("i")...).
  std::optional<storage::NativeColl> schema;
};

// The storage side of one query run: its transaction, the database it runs
// in, the snapshot of an enclosing At(), and schema resolution (collection
// and index names to the uids storage keys use). Not thread-safe; one per
// transaction attempt.
class StorageContext {
 public:
  // `cache` (optional) is shared schema; `schema_epoch` is the engine's
  // SchemaTs() read after the transaction's read ts was chosen.
  StorageContext(storage::Transaction& txn, uint64_t db, SchemaCache* cache = nullptr,
                 uint64_t schema_epoch = 0)
      : txn_(txn), db_(db), cache_(cache), epoch_(schema_epoch) {}

  storage::Transaction& txn() { return txn_; }
  uint64_t db() const { return db_; }
  // The snapshot reads use: At()'s, else the transaction's.
  std::optional<uint64_t> at() const { return at_; }
  void set_at(std::optional<uint64_t> at) { at_ = at; }

  // The database a ref's `database` part names (nullptr: this context's).
  // Errors: kInvalidRef for a database that does not exist.
  Result<uint64_t> ResolveScope(const Value* scope);
  // Where the document `ref` names lives. Errors: kInvalidRef (undefined
  // collection), kInvalidArgument (not a document or schema ref),
  // kUnsupported (keys, roles, tokens...).
  Result<ResolvedRef> Resolve(const Value& ref);
  // The schema document `name` in the native collection `kind` of `db`.
  Result<std::optional<storage::DocRecord>> ReadSchema(uint64_t db, storage::NativeColl kind,
                                                       const std::string& name);
  // The definition of the index `ref` names. Errors: kInvalidRef.
  Result<std::shared_ptr<const storage::IndexDef>> IndexDefOf(const Value& ref);
  // Parses a stored index document (also used to validate CreateIndex).
  Result<std::shared_ptr<const storage::IndexDef>> ParseIndex(uint64_t db, uint64_t uid,
                                                             const Value& body);
  // The indexes of `db` whose sources include collection `coll`.
  Result<std::vector<std::shared_ptr<const storage::IndexDef>>> IndexesOn(uint64_t db, uint64_t coll);

  // Writes a version of the document at `r` and maintains every index over
  // its collection. `old` is what the transaction read at `r` just before.
  // Returns the document as FQL shows it after the write (for a delete,
  // the version it removed).
  Result<Value> WriteDoc(const ResolvedRef& r, const Value& ref, storage::Action action,
                         uint64_t uid, const Value& body,
                         const std::optional<storage::DocRecord>& old);

  // The document as FQL shows it: {ref, ts, ...body}.
  static Value DocValue(const Value& ref, const storage::DocRecord& record);

  // Indexes this transaction created inactive, to build in the background
  // once it commits: (database, name, uid).
  struct IndexBuild {
    uint64_t db;
    std::string name;
    uint64_t uid;
  };
  void NoteIndexBuild(IndexBuild b) { index_builds_.push_back(std::move(b)); }
  const std::vector<IndexBuild>& index_builds() const { return index_builds_; }

 private:
  // The cache serves reads at the transaction's snapshot, when that
  // snapshot includes the schema epoch and the transaction has not itself
  // written schema.
  bool CacheUsable() const {
    return cache_ != nullptr && !at_ && !schema_written_ && txn_.read_ts() >= epoch_;
  }
  Result<std::shared_ptr<const storage::IndexDef>> ParseIndexIn(uint64_t db, uint64_t uid,
                                                               const Value& body);
  Result<std::shared_ptr<const storage::IndexDef>> CachedParse(uint64_t db, uint64_t uid, const Value& body);

  storage::Transaction& txn_;
  uint64_t db_;
  std::optional<uint64_t> at_;
  SchemaCache* cache_;
  uint64_t epoch_;
  bool schema_written_ = false;
  std::vector<IndexBuild> index_builds_;
};

// The native collection a native ref names ("collections" -> kCollections).
// Errors: kUnsupported for natives this build does not store (keys, roles...).
Result<storage::NativeColl> NativeOf(const std::string& id);
// The native ref of a schema kind: NativeRef("collections") for kCollections.
Value NativeRefOf(storage::NativeColl kind, std::optional<Value> scope);

}  // namespace fqldb::executor::internal
