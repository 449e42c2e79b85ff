#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "compiler/frontend/bound_tree.h"
#include "executor/interpreter.h"

namespace fqldb::storage {
class Engine;
}  // namespace fqldb::storage

namespace fqldb::executor {

namespace internal {
class IndexBuilder;
class SchemaCache;
class StorageContext;
}  // namespace internal

struct DatabaseOptions {
  // Partitions of a new data directory (a power of two, 1..1024).
  uint32_t partitions = 8;
  // True: a commit returns once its log record is fsync'd (group commit);
  // false: once it is written to the OS (survives a process crash, not a
  // power cut).
  bool sync = true;
  // Conflicting attempts retried before a query fails with "contended
  // transaction".
  int max_attempts = 16;
  // Memory for caching documents' newest versions, so that reading a
  // document again skips LevelDB (0: no cache).
  size_t row_cache_bytes = size_t{64} << 20;
};

// An embedded fqldb database: a data directory, opened by one process at a
// time, whose queries run as strictly serializable transactions. Thread-
// safe: any number of threads may call Execute concurrently.
class Database {
 public:
  // Opens or creates `dir`. Errors: kIo, kUnavailable (locked by another
  // process), kInvalidArgument.
  static Result<std::unique_ptr<Database>> Open(const std::string& dir, const DatabaseOptions& options);
  ~Database();

  // Runs `query` as one transaction in database `db` (0: the top-level
  // database): reads at one snapshot, sees its own writes, commits all or
  // nothing, and retries from scratch on a conflict. The commit's ts
  // replaces the provisional ts in the result (documents' `ts`, Now()).
  Result<Value> Execute(const std::shared_ptr<const frontend::BoundQuery>& query,
                        const std::vector<Value>& params, RunOptions options, uint64_t db = 0);

  // The uid of the child database at `path` ("app" or "app/tenant").
  // Errors: kInvalidRef when it does not exist.
  Result<uint64_t> ResolveDatabase(const std::string& path);

  // Blocks until no index is being built in the background (CreateIndex
  // over more than 128 documents answers `active: false` and builds it
  // after committing). Returns the first error a build stopped on since
  // the last call; that index stays inactive until the next open.
  // `progress` (optional) hears the documents indexed so far about once a
  // second while it waits.
  Status WaitForIndexBuilds(const std::function<void(uint64_t indexed)>& progress = nullptr);
  // Documents indexed by background builds since the database was opened.
  uint64_t BackgroundIndexed() const;

  storage::Engine& engine() { return *engine_; }

 private:
  Database();
  // Runs `body` as one transaction in database `db`, retrying conflicts up
  // to max_attempts times; starts the index builds it asked for once it
  // commits. The commit ts replaces the provisional ts in the result.
  using TxnBody = std::function<Result<Value>(internal::StorageContext& sc, uint64_t provisional)>;
  Result<Value> Transact(uint64_t db, const TxnBody& body);

  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<internal::SchemaCache> schema_cache_;
  DatabaseOptions options_;
  // Declared last: destroyed (and its thread stopped) first.
  std::unique_ptr<internal::IndexBuilder> builder_;
};

}  // namespace fqldb::executor
