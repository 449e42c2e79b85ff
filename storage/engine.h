#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/internal/commit_log.h"
#include "storage/internal/conflict_tracker.h"
#include "storage/internal/partition.h"
#include "storage/internal/write_codec.h"

namespace fqldb::storage {

using internal::Durability;

struct EngineOptions {
  // Partitions for a new data directory (a power of two, 1..1024). An
  // existing directory keeps the count it was created with.
  uint32_t partitions = 8;
  Durability durability = Durability::kSync;
  // Recent written keys the sequencer remembers for conflict checks.
  size_t conflict_window_keys = 1u << 20;
  // Commit log segment size; segments every partition has made durable are
  // deleted at checkpoints.
  size_t log_segment_bytes = internal::CommitLog::kDefaultSegmentBytes;
  // A checkpoint runs after this many commits (and after each open).
  uint64_t checkpoint_every = 50000;
  // Memory for the partitions' row caches of newest versions, which serve
  // repeated point reads without a LevelDB seek (shared out evenly; 0: none).
  size_t row_cache_bytes = size_t{64} << 20;
};

using internal::PartitionWrite;

// What a transaction hands the sequencer at commit.
struct CommitRequest {
  uint64_t read_ts = 0;
  std::vector<std::string> read_keys;           // logical keys read
  std::vector<internal::KeyRange> read_ranges;  // logical key ranges scanned
  std::vector<PartitionWrite> writes;
  // Called by the sequencer once the commit ts is chosen, before the log
  // append, to add writes that depend on it (index entries over `ts`).
  // An error aborts the commit with nothing written.
  std::function<Status(uint64_t ts, std::vector<PartitionWrite>* writes)> finalize;
  // The transaction wrote schema (collections, indexes, functions, databases).
  bool schema_change = false;
};

// Counters for tests, benchmarks and `:stats`.
struct EngineStats {
  uint64_t commits = 0;
  uint64_t conflicts = 0;
  uint64_t fsyncs = 0;
  uint64_t replayed = 0;  // log records replayed when the engine opened
};

// The storage engine of one data directory: P LevelDB partitions, the
// commit log and the sequencer, in one process. A directory is locked by
// one Engine at a time (a second open, here or in another process, fails
// with kUnavailable). Opening replays the log into every partition past the
// ts it had applied, so a crash loses no acknowledged commit.
// Thread-safe: any number of threads read and commit concurrently.
class Engine {
 public:
  // Opens or creates the data directory `dir`. Errors: kIo (files),
  // kUnavailable (locked by another process), kInvalidArgument (options).
  static Result<std::unique_ptr<Engine>> Open(const std::string& dir, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  uint32_t partitions() const { return static_cast<uint32_t>(partitions_.size()); }
  const internal::Partition& partition(uint32_t i) const { return *partitions_[i]; }
  const std::string& dir() const { return dir_; }

  // The snapshot a new transaction reads at: the newest commit that every
  // partition has applied, so it follows every acknowledged commit.
  uint64_t ReadTs() const { return read_ts_.load(std::memory_order_acquire); }

  // The ts of the newest commit that changed schema, set when it is
  // sequenced (before it is applied). Schema read at a snapshot at or after
  // it stays valid until this changes. Load it after ReadTs().
  uint64_t SchemaTs() const { return schema_ts_.load(std::memory_order_acquire); }

  // Commits a transaction: checks that nothing it read changed after its
  // read ts (else kContendedTransaction, nothing written), assigns the
  // commit ts, appends to the log (durably, per the durability mode, with
  // group commit), applies to the partitions in ts order and returns the
  // commit ts. A transaction that wrote nothing returns its read ts at
  // once: it needs no check (DESIGN.md, "Transactions"), and reads go on
  // being served after an I/O failure. Errors: kContendedTransaction, kIo
  // (the engine then refuses every later commit that writes).
  Result<uint64_t> Commit(const CommitRequest& request);

  // A fresh document id: unique in this directory, increasing, 18 digits
  // like the ids Fauna issued.
  uint64_t NextId();

  EngineStats stats() const;

  // Makes every partition durable through the read ts (one synced write
  // each, which also records that ts as applied, so idle partitions do not
  // hold replay back) and deletes the log segments no partition needs.
  // Runs by itself after opening and every `checkpoint_every` commits.
  // Errors: kIo (the engine then refuses later commits).
  Status Checkpoint();

  // Compacts every partition fully, blocking until done: an administrative
  // step (benchmarks use it to read from a settled store). Safe to run
  // alongside queries.
  void CompactAll();

 private:
  Engine() = default;
  Status Recover();
  Status ApplyThrough(uint64_t ts);
  Status ApplyReplayed(uint64_t ts, const std::vector<PartitionWrite>& writes);

  std::string dir_;
  int lock_fd_ = -1;
  std::vector<std::unique_ptr<internal::Partition>> partitions_;
  std::unique_ptr<internal::CommitLog> log_;

  // The sequencer: conflict check, ts assignment and log order.
  std::mutex seq_mu_;
  internal::ConflictTracker tracker_;
  uint64_t last_ts_ = 0;
  Status failed_;  // sticky after an I/O failure

  // Commits written to the log but not yet applied, by ts.
  std::mutex apply_mu_;
  std::map<uint64_t, std::vector<PartitionWrite>> pending_;
  // Sticky once a partition write failed: commits taken out of pending_
  // with it are lost to the partitions, so nothing later may be applied
  // (a partition's applied ts must never pass a commit it lacks).
  Status apply_error_;
  bool async_ = false;  // Durability::kAsync
  std::atomic<uint64_t> read_ts_{0};
  std::atomic<uint64_t> schema_ts_{0};

  std::atomic<uint64_t> last_id_{0};
  uint64_t checkpoint_every_ = 0;
  uint64_t log_floor_ = 0;  // the newest ts deleted from the log; guarded by apply_mu_
  uint64_t replayed_ = 0;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> conflicts_{0};
};

}  // namespace fqldb::storage
