#include "storage/internal/partition.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/iterator.h>
#include <leveldb/write_batch.h>

#include <algorithm>

#include "storage/internal/fixed_width.h"
#include "storage/internal/leveldb_status.h"

namespace fqldb::storage::internal {

namespace {

// Holds the applied ts; sorts before every logical key (they start with a letter).
constexpr std::string_view kAppliedKey{"\0applied", 8};
constexpr size_t kTsBytes = 8;

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
std::string_view ToView(const leveldb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Splits a physical key into its logical key and ts; false for keys that
// are not versions (the applied marker).
bool SplitVersionKey(std::string_view physical, std::string_view* logical, uint64_t* ts) {
  if (physical.size() < kTsBytes || physical[0] == '\0') return false;
  *logical = physical.substr(0, physical.size() - kTsBytes);
  *ts = ~GetBigEndian64(physical.substr(physical.size() - kTsBytes));
  return true;
}

}  // namespace

void AppendVersionKey(std::string_view logical, uint64_t ts, std::string* out) {
  out->append(logical);
  PutBigEndian64(~ts, out);
}

Result<std::unique_ptr<Partition>> Partition::Open(const std::string& path,
                                                   size_t row_cache_bytes) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 256;
  options.compression = leveldb::kNoCompression;
  leveldb::DB* raw = nullptr;
  FQL_RETURN_IF_ERROR(FromLevelDb(leveldb::DB::Open(options, path, &raw), "cannot open " + path));
  std::unique_ptr<Partition> p(new Partition());
  p->db_.reset(raw);
  if (row_cache_bytes > 0) p->rows_.reset(leveldb::NewLRUCache(row_cache_bytes));
  std::string applied;
  leveldb::Status s = p->db_->Get(leveldb::ReadOptions(), ToSlice(kAppliedKey), &applied);
  if (s.ok() && applied.size() == kTsBytes) {
    p->applied_ts_.store(GetBigEndian64(applied), std::memory_order_release);
  } else if (!s.ok() && !s.IsNotFound()) {
    return FromLevelDb(s, "cannot read " + path);
  }
  return p;
}

Partition::~Partition() = default;

Status Partition::Apply(uint64_t ts, std::span<const VersionWrite* const> writes) {
  leveldb::WriteBatch batch;
  std::string key;
  for (const VersionWrite* w : writes) {
    key.clear();
    AppendVersionKey(w->key, w->ts, &key);
    if (w->erase) {
      batch.Delete(key);
    } else {
      batch.Put(key, w->value);
    }
  }
  std::string applied;
  PutBigEndian64(ts, &applied);
  batch.Put(ToSlice(kAppliedKey), applied);
  // Not synced: the commit log is what makes a commit durable, and a
  // partition replays it past its applied ts after a crash.
  FQL_RETURN_IF_ERROR(FromLevelDb(db_->Write(leveldb::WriteOptions(), &batch), "partition write"));
  if (!rows_) {
    if (ts > applied_ts()) applied_ts_.store(ts, std::memory_order_release);
    return Status::Ok();
  }
  // After the write, under the lock CacheRow takes: drop the rows of the
  // keys written, move the applied ts, then bump the epoch. A reader that
  // cached a row before this ran loses it here; one that read the epoch
  // before the bump sees it changed and does not cache; one that read it
  // after sees the new applied ts, so it caches only from a snapshot that
  // includes this write.
  std::lock_guard<std::mutex> lock(rows_mu_);
  for (const VersionWrite* w : writes) rows_->Erase(ToSlice(w->key));
  if (ts > applied_ts()) applied_ts_.store(ts, std::memory_order_release);
  rows_epoch_.fetch_add(1, std::memory_order_release);
  return Status::Ok();
}

Status Partition::MarkDurable(uint64_t ts) {
  ts = std::max(ts, applied_ts());
  // A synced write syncs only LevelDB's current write-ahead log; writes in
  // a memtable it switched away from sit in an unsynced older one until
  // flushed. Flush first: CompactRange flushes the memtable to a synced
  // table, and over a range holding no keys it compacts nothing else.
  const leveldb::Slice none("\0\0", 2);
  db_->CompactRange(&none, &none);
  std::string applied;
  PutBigEndian64(ts, &applied);
  leveldb::WriteBatch batch;
  batch.Put(ToSlice(kAppliedKey), applied);
  leveldb::WriteOptions sync;
  sync.sync = true;
  FQL_RETURN_IF_ERROR(FromLevelDb(db_->Write(sync, &batch), "partition sync"));
  applied_ts_.store(ts, std::memory_order_release);
  return Status::Ok();
}

uint64_t Partition::ApproximateBytes(std::string_view begin, std::string_view end) const {
  leveldb::Range range(leveldb::Slice(begin.data(), begin.size()), leveldb::Slice(end.data(), end.size()));
  uint64_t size = 0;
  db_->GetApproximateSizes(&range, 1, &size);
  return size;
}

void Partition::CompactAll() { db_->CompactRange(nullptr, nullptr); }

namespace {

struct Row {
  uint64_t ts;
  std::string value;
};

void DeleteRow(const leveldb::Slice&, void* row) { delete static_cast<Row*>(row); }

}  // namespace

void Partition::CacheRow(std::string_view key, const Version& v, uint64_t epoch) const {
  std::lock_guard<std::mutex> lock(rows_mu_);
  if (rows_epoch_.load(std::memory_order_acquire) != epoch) return;
  size_t charge = sizeof(Row) + key.size() + v.value.size();
  rows_->Release(rows_->Insert(ToSlice(key), new Row{v.ts, v.value}, charge, &DeleteRow));
}

Result<std::optional<Version>> Partition::Latest(std::string_view key, uint64_t at) const {
  uint64_t epoch = 0;
  bool cacheable = false;
  if (rows_) {
    if (leveldb::Cache::Handle* h = rows_->Lookup(ToSlice(key))) {
      const Row* row = static_cast<const Row*>(rows_->Value(h));
      std::optional<Version> hit;
      if (row->ts <= at) hit = Version{row->ts, row->value};
      rows_->Release(h);
      if (hit) return hit;  // the newest version, so the newest at or before `at`
    }
    // The epoch first, then the applied ts (Apply moves them in the other
    // order): a snapshot at or past the applied ts finds the newest version.
    epoch = rows_epoch_.load(std::memory_order_acquire);
    cacheable = at >= applied_ts();
  }
  std::string target;
  AppendVersionKey(key, at, &target);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(target);
  if (!it->Valid()) {
    FQL_RETURN_IF_ERROR(FromLevelDb(it->status(), "partition read"));
    return std::optional<Version>();
  }
  std::string_view logical;
  uint64_t ts = 0;
  if (!SplitVersionKey(ToView(it->key()), &logical, &ts) || logical != key) {
    return std::optional<Version>();
  }
  Version v{ts, it->value().ToString()};
  if (cacheable) CacheRow(key, v, epoch);
  return std::optional<Version>(std::move(v));
}

Result<std::vector<Version>> Partition::History(std::string_view key, uint64_t at) const {
  std::string target;
  AppendVersionKey(key, at, &target);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  std::vector<Version> out;
  for (it->Seek(target); it->Valid(); it->Next()) {
    std::string_view logical;
    uint64_t ts = 0;
    if (!SplitVersionKey(ToView(it->key()), &logical, &ts) || logical != key) break;
    out.push_back(Version{ts, it->value().ToString()});
  }
  FQL_RETURN_IF_ERROR(FromLevelDb(it->status(), "partition read"));
  return std::vector<Version>(out.rbegin(), out.rend());
}

Status Partition::Versions(std::string_view begin, std::string_view end, uint64_t at,
                           const std::function<Status(std::string_view, Version)>& fn) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    std::string_view logical;
    uint64_t ts = 0;
    if (!SplitVersionKey(ToView(it->key()), &logical, &ts)) continue;
    if (logical >= end) break;
    if (ts > at) continue;
    FQL_RETURN_IF_ERROR(fn(logical, Version{ts, it->value().ToString()}));
  }
  return FromLevelDb(it->status(), "partition read");
}

std::unique_ptr<VisibleIterator> Partition::Scan(std::string begin, std::string end, uint64_t at,
                                                 bool reverse) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  return std::make_unique<VisibleIterator>(std::move(it), std::move(begin), std::move(end), at,
                                           reverse);
}

VisibleIterator::VisibleIterator(std::unique_ptr<leveldb::Iterator> it, std::string begin,
                                 std::string end, uint64_t at, bool reverse)
    : it_(std::move(it)),
      begin_(std::move(begin)),
      end_(std::move(end)),
      at_(at),
      reverse_(reverse) {
  if (reverse_) {
    it_->Seek(end_);  // the first version of `end`, or past it: step back once
    if (it_->Valid()) {
      it_->Prev();
    } else {
      it_->SeekToLast();
    }
    FindBackward();
  } else {
    it_->Seek(begin_);
    FindForward();
  }
}

VisibleIterator::~VisibleIterator() = default;

Status VisibleIterator::status() const { return FromLevelDb(it_->status(), "partition scan"); }

void VisibleIterator::Next() {
  if (!valid_) return;
  if (reverse_) {
    FindBackward();  // already positioned before the emitted key's group
  } else {
    SkipGroup();
    FindForward();
  }
}

// Positioned at a physical key; emits the first logical key at or after it
// whose newest version at or before at_ is visible, and stays on that
// version, so that key() and version() can point into the iterator.
void VisibleIterator::FindForward() {
  valid_ = false;
  std::string_view logical;
  uint64_t ts = 0;
  while (it_->Valid()) {
    if (!SplitVersionKey(ToView(it_->key()), &logical, &ts)) {
      it_->Next();
      continue;
    }
    if (logical >= end_) return;
    if (ts > at_) {  // newer than the snapshot: an older version follows
      it_->Next();
      continue;
    }
    // Versions run newest first: this is the one to read.
    key_ = logical;
    version_ = VersionView(ts, ToView(it_->value()));
    if (version_.action() != Action::kDelete) {
      valid_ = true;
      return;
    }
    SkipGroup();
  }
}

// Moves past the versions of key_ (the iterator is on one of them).
void VisibleIterator::SkipGroup() {
  owned_key_.assign(key_);  // key_'s bytes go when the iterator moves
  std::string_view logical;
  uint64_t ts = 0;
  for (int steps = 0;; ++steps) {
    if (steps >= 4) {
      // Long history: jump past the group's oldest possible version.
      std::string last;
      AppendVersionKey(owned_key_, 0, &last);
      it_->Seek(last);
      if (it_->Valid() && ToView(it_->key()) == last) it_->Next();
      return;
    }
    it_->Next();
    if (!it_->Valid() || !SplitVersionKey(ToView(it_->key()), &logical, &ts) ||
        logical != owned_key_)
      return;
  }
}

// Positioned at or before the last version of a group (the oldest); emits
// the last logical key at or before it whose newest version at or before
// at_ is visible, leaving the iterator before that key's versions.
void VisibleIterator::FindBackward() {
  valid_ = false;
  while (it_->Valid()) {
    std::string_view logical;
    uint64_t ts = 0;
    if (!SplitVersionKey(ToView(it_->key()), &logical, &ts)) {
      it_->Prev();
      continue;
    }
    if (logical < begin_) return;
    if (logical >= end_) {
      it_->Prev();
      continue;
    }
    owned_key_.assign(logical);
    bool found = false;
    // Backwards, versions run oldest first: the last with ts <= at_ wins.
    while (it_->Valid()) {
      std::string_view l2;
      uint64_t t2 = 0;
      if (!SplitVersionKey(ToView(it_->key()), &l2, &t2) || l2 != owned_key_) break;
      if (t2 <= at_) {
        found = true;
        owned_value_.assign(it_->value().data(), it_->value().size());
        version_ = VersionView(t2, owned_value_);
      }
      it_->Prev();
    }
    key_ = owned_key_;
    if (found && version_.action() != Action::kDelete) {
      valid_ = true;
      return;
    }
  }
}

}  // namespace fqldb::storage::internal
