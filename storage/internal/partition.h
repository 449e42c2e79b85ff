#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace leveldb {
class Cache;
class DB;
class Iterator;
}  // namespace leveldb

namespace fqldb::storage::internal {

// What a stored version records; the first byte of every version's value.
// Index entries use kCreate for "add" and kDelete for "remove".
enum class Action : uint8_t { kCreate = 0, kUpdate = 1, kDelete = 2 };

// One version of a logical key. `value` starts with the Action byte.
struct Version {
  uint64_t ts = 0;
  std::string value;
  Action action() const { return value.empty() ? Action::kDelete : static_cast<Action>(value[0]); }
};

// A version lent by whoever holds its bytes (an iterator, until it moves;
// a Version, while it lives). Scans hand these out to avoid a copy of every
// document they pass.
struct VersionView {
  uint64_t ts = 0;
  std::string_view value;
  VersionView() = default;
  VersionView(uint64_t t, std::string_view v) : ts(t), value(v) {}
  VersionView(const Version& v) : ts(v.ts), value(v.value) {}  // NOLINT: a view of it
  Action action() const { return value.empty() ? Action::kDelete : static_cast<Action>(value[0]); }
};

// A physical change: put version `ts` of `key`, or erase that version.
struct VersionWrite {
  std::string key;
  uint64_t ts = 0;
  std::string value;
  bool erase = false;
};

// Appends the physical key of version `ts` of `logical`: the logical key
// followed by the inverted big-endian ts, so that newer versions sort first
// and "the newest version at or before T" is one seek.
void AppendVersionKey(std::string_view logical, uint64_t ts, std::string* out);

class VisibleIterator;

// One partition: a LevelDB holding MVCC versions of logical keys, and the
// highest commit ts applied to it. Thread-safe: reads run concurrently
// with Apply, which callers serialize.
class Partition {
 public:
  // Opens or creates the LevelDB at `path`, with a cache of up to
  // `row_cache_bytes` of newest versions for Latest (0: none). Errors: kIo.
  static Result<std::unique_ptr<Partition>> Open(const std::string& path,
                                                 size_t row_cache_bytes = 0);
  ~Partition();
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  uint64_t applied_ts() const { return applied_ts_.load(std::memory_order_acquire); }

  // Applies `writes` and records `ts` as applied, atomically (one batch).
  Status Apply(uint64_t ts, std::span<const VersionWrite* const> writes);

  // Records `ts` as applied (if it is newer) with a synced write, which
  // makes every earlier write to this partition durable too. Errors: kIo.
  Status MarkDurable(uint64_t ts);

  // LevelDB's estimate of the bytes its files hold for keys in [begin, end).
  uint64_t ApproximateBytes(std::string_view begin, std::string_view end) const;

  // Compacts the whole LevelDB, blocking until it is done.
  void CompactAll();

  // The newest version of `key` with ts <= at (a tombstone included), or
  // nullopt when there is none. A key's newest version is kept in the row
  // cache once read, so that reading it again takes a hash lookup instead
  // of a LevelDB seek; Apply drops the rows of the keys it writes. The
  // cache relies on what the engine guarantees: `at` is at most a ts whose
  // Apply has returned (a published read ts), and Apply never writes a
  // version newer than the ts it applies.
  Result<std::optional<Version>> Latest(std::string_view key, uint64_t at) const;

  // Every version of `key` with ts <= at, oldest first.
  Result<std::vector<Version>> History(std::string_view key, uint64_t at) const;

  // Calls `fn` with every version (deletes included) of every logical key
  // in [begin, end) with ts <= at: keys ascending, each key's versions
  // newest first. Stops at the first error `fn` returns.
  Status Versions(std::string_view begin, std::string_view end, uint64_t at,
                  const std::function<Status(std::string_view logical, Version v)>& fn) const;

  // Iterates the logical keys in [begin, end) whose newest version at or
  // before `at` is not a delete, ascending or (reverse) descending.
  std::unique_ptr<VisibleIterator> Scan(std::string begin, std::string end, uint64_t at,
                                        bool reverse) const;

 private:
  Partition() = default;
  // Caches `v` as the newest version of `key`, unless Apply ran since
  // `epoch` was read (v may then be stale).
  void CacheRow(std::string_view key, const Version& v, uint64_t epoch) const;

  std::unique_ptr<leveldb::DB> db_;
  std::atomic<uint64_t> applied_ts_{0};
  // The row cache: logical key -> its newest version. A row is cached only
  // when it was read at a snapshot covering every applied commit, and
  // Apply erases its keys' rows after writing them (under rows_mu_, bumping
  // rows_epoch_), so a cached row is always the key's newest version.
  std::unique_ptr<leveldb::Cache> rows_;
  mutable std::mutex rows_mu_;
  std::atomic<uint64_t> rows_epoch_{0};
};

// A cursor over the visible logical keys of one partition (see Scan).
// Not thread-safe. key() and version() are views, valid until the next
// call to Next(): forward, they point into LevelDB's iterator, so a scan
// copies neither the key nor the document.
class VisibleIterator {
 public:
  VisibleIterator(std::unique_ptr<leveldb::Iterator> it, std::string begin, std::string end,
                  uint64_t at, bool reverse);
  ~VisibleIterator();

  bool Valid() const { return valid_; }
  std::string_view key() const { return key_; }
  VersionView version() const { return version_; }
  void Next();
  // kIo when LevelDB reported an error (Valid() is then false).
  Status status() const;

 private:
  void FindForward();
  void SkipGroup();
  void FindBackward();

  std::unique_ptr<leveldb::Iterator> it_;
  std::string begin_;
  std::string end_;
  uint64_t at_;
  bool reverse_;
  bool valid_ = false;
  std::string_view key_;     // the current logical key (in it_, or in owned_key_)
  VersionView version_;      // the current version (in it_, or in owned_value_)
  std::string owned_key_;    // the group being skipped; backward, the emitted key
  std::string owned_value_;  // backward: the emitted version's value
};

}  // namespace fqldb::storage::internal
