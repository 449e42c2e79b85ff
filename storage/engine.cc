#include "storage/engine.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "storage/internal/write_codec.h"

namespace fqldb::storage {

namespace {

using internal::VersionWrite;

constexpr const char* kMetaFile = "FQLDB";
constexpr const char* kMetaMagic = "fqldb data directory v1";

Status IoError(const std::string& what) {
  return Status(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return IoError("cannot create " + path);
  return Status::Ok();
}

uint64_t NowMicros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// Takes the directory's lock file; the pid written into it names the holder.
Result<int> LockDir(const std::string& dir) {
  std::string path = dir + "/LOCK";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot open " + path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status(
        ErrorCode::kUnavailable,
        "data directory " + dir + " is in use by another fqldb process (pid " + holder + ")");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return IoError("cannot write " + path);
  }
  return fd;
}

// Replaces DIR/NAME with `text` so that a crash leaves the old or the new
// file, and the new one survives once this returns (file and directory
// synced).
Status WriteFileDurably(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return IoError("cannot write " + tmp);
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok) return IoError("cannot write " + tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return IoError("cannot replace " + path);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return IoError("cannot open " + dir);
  ok = fsync(dfd) == 0;
  close(dfd);
  return ok ? Status::Ok() : IoError("cannot sync " + dir);
}

// Reads or writes the directory's metadata; returns the partition count.
Result<uint32_t> LoadMeta(const std::string& dir, uint32_t requested) {
  std::string path = dir + "/" + kMetaFile;
  std::ifstream in(path);
  if (in) {
    std::string magic, line;
    std::getline(in, magic);
    std::getline(in, line);
    unsigned long parts = 0;
    if (magic != kMetaMagic || std::sscanf(line.c_str(), "partitions=%lu", &parts) != 1 ||
        parts == 0 || parts > 1024 || (parts & (parts - 1)) != 0) {
      return Status(ErrorCode::kIo, path + " is not an fqldb metadata file");
    }
    return static_cast<uint32_t>(parts);
  }
  FQL_RETURN_IF_ERROR(WriteFileDurably(
      dir, kMetaFile,
      std::string(kMetaMagic) + "\npartitions=" + std::to_string(requested) + "\n"));
  return requested;
}

// The checkpoint file holds the newest ts the log no longer holds: every
// partition must have applied at least that much.
constexpr const char* kCheckpointFile = "CHECKPOINT";

Result<uint64_t> LoadCheckpoint(const std::string& dir) {
  std::ifstream in(dir + "/" + kCheckpointFile);
  if (!in) return uint64_t{0};
  unsigned long long ts = 0;
  std::string line;
  std::getline(in, line);
  if (std::sscanf(line.c_str(), "log_floor=%llu", &ts) != 1) {
    return Status(ErrorCode::kIo, dir + "/" + kCheckpointFile + " is not an fqldb checkpoint file");
  }
  return static_cast<uint64_t>(ts);
}

Status SaveCheckpoint(const std::string& dir, uint64_t ts) {
  return WriteFileDurably(dir, kCheckpointFile, "log_floor=" + std::to_string(ts) + "\n");
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(const std::string& dir, const EngineOptions& options) {
  uint32_t p = options.partitions;
  if (p == 0 || p > 1024 || (p & (p - 1)) != 0) {
    return Status(ErrorCode::kInvalidArgument, "partitions must be a power of two from 1 to 1024");
  }
  FQL_RETURN_IF_ERROR(MakeDir(dir));
  std::unique_ptr<Engine> e(new Engine());
  e->dir_ = dir;
  e->tracker_ = internal::ConflictTracker(options.conflict_window_keys);
  FQL_ASSIGN_OR_RETURN(e->lock_fd_, LockDir(dir));
  FQL_ASSIGN_OR_RETURN(uint32_t parts, LoadMeta(dir, p));
  for (uint32_t i = 0; i < parts; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/part-%03u", i);
    FQL_ASSIGN_OR_RETURN(auto part,
                         internal::Partition::Open(dir + name, options.row_cache_bytes / parts));
    e->partitions_.push_back(std::move(part));
  }
  e->async_ = options.durability == Durability::kAsync;
  FQL_ASSIGN_OR_RETURN(e->log_, internal::CommitLog::Open(dir + "/log", options.durability,
                                                          options.log_segment_bytes));
  e->checkpoint_every_ = std::max<uint64_t>(options.checkpoint_every, 1);
  // A partition behind the log's floor (restored from an old copy, or
  // lost) would need records that are gone: refuse rather than serve it.
  FQL_ASSIGN_OR_RETURN(uint64_t floor, LoadCheckpoint(dir));
  e->log_floor_ = floor;
  for (uint32_t i = 0; i < parts; ++i) {
    if (e->partitions_[i]->applied_ts() < floor) {
      char name[32];
      std::snprintf(name, sizeof(name), "part-%03u", i);
      return Status(ErrorCode::kIo, dir + "/" + name + " is missing commits up to ts " +
                                        std::to_string(floor) +
                                        " that the commit log no longer holds; restore the data "
                                        "directory from a backup");
    }
  }
  FQL_RETURN_IF_ERROR(e->Recover());
  FQL_RETURN_IF_ERROR(e->Checkpoint());
  return e;
}

Engine::~Engine() {
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Status Engine::Recover() {
  uint64_t from = UINT64_MAX;
  uint64_t last = 0;
  for (const auto& part : partitions_) {
    from = std::min(from, part->applied_ts());
    last = std::max(last, part->applied_ts());
  }
  FQL_RETURN_IF_ERROR(log_->Replay(from, [&](uint64_t ts, std::string_view payload) -> Status {
    FQL_ASSIGN_OR_RETURN(std::vector<PartitionWrite> writes, internal::DecodeWrites(payload));
    ++replayed_;
    return ApplyReplayed(ts, writes);
  }));
  last = std::max(last, log_->last_ts());
  last_ts_ = last;
  read_ts_.store(last, std::memory_order_release);
  schema_ts_.store(last, std::memory_order_release);  // not known: assume the newest commit
  return Status::Ok();
}

// Applies one commit read back from the log to the partitions that have
// not applied it yet.
Status Engine::ApplyReplayed(uint64_t ts, const std::vector<PartitionWrite>& writes) {
  std::vector<std::vector<const VersionWrite*>> by_part(partitions_.size());
  for (const PartitionWrite& w : writes) {
    if (w.partition >= partitions_.size()) {
      return Status(ErrorCode::kIo, "commit log names partition " + std::to_string(w.partition) +
                                        " of " + std::to_string(partitions_.size()));
    }
    by_part[w.partition].push_back(&w.write);
  }
  for (size_t i = 0; i < by_part.size(); ++i) {
    if (by_part[i].empty()) continue;
    if (partitions_[i]->applied_ts() >= ts) continue;
    FQL_RETURN_IF_ERROR(partitions_[i]->Apply(ts, by_part[i]));
  }
  return Status::Ok();
}

Result<uint64_t> Engine::Commit(const CommitRequest& request) {
  // A read-only query needs no check (DESIGN.md, "Transactions"): its read
  // ts, the newest acknowledged commit when it began, already orders it
  // after every commit acknowledged before it started.
  if (request.writes.empty()) return request.read_ts;
  uint64_t ts = 0;
  uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(seq_mu_);
    if (!failed_.ok()) return failed_;
    if (!tracker_.Check(request.read_ts, request.read_keys, request.read_ranges)) {
      conflicts_.fetch_add(1, std::memory_order_relaxed);
      return Status(ErrorCode::kContendedTransaction,
                    "Transaction was aborted due to detection of concurrent modification.");
    }
    ts = std::max(NowMicros(), last_ts_ + 1);
    std::vector<PartitionWrite> writes = request.writes;
    if (request.finalize) FQL_RETURN_IF_ERROR(request.finalize(ts, &writes));
    if (request.schema_change) schema_ts_.store(ts, std::memory_order_release);
    std::vector<std::string> keys;
    keys.reserve(writes.size());
    for (PartitionWrite& w : writes) {
      if (w.write.ts == 0) w.write.ts = ts;
      keys.push_back(w.write.key);
    }
    std::string payload = internal::EncodeWrites(writes);
    Result<uint64_t> written = log_->Write(ts, payload);
    if (!written.ok()) {
      failed_ = written.status();
      return failed_;
    }
    seq = *written;
    last_ts_ = ts;
    tracker_.Record(ts, keys);
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    pending_.emplace(ts, std::move(writes));
  }
  Status synced = log_->Sync(seq);
  if (!synced.ok()) {
    std::lock_guard<std::mutex> lock(seq_mu_);
    failed_ = synced;
    return synced;
  }
  Status applied = ApplyThrough(ts);
  if (!applied.ok()) {
    std::lock_guard<std::mutex> lock(seq_mu_);
    failed_ = applied;
    return applied;
  }
  if ((commits_.fetch_add(1, std::memory_order_relaxed) + 1) % checkpoint_every_ == 0) {
    Status st = Checkpoint();
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(seq_mu_);
      failed_ = st;
    }
  }
  return ts;
}

void Engine::CompactAll() {
  for (auto& part : partitions_) part->CompactAll();
}

Status Engine::Checkpoint() {
  std::lock_guard<std::mutex> lock(apply_mu_);
  uint64_t ts = read_ts_.load(std::memory_order_acquire);
  for (auto& part : partitions_) FQL_RETURN_IF_ERROR(part->MarkDurable(ts));
  // Record the new floor before deleting anything, so that a crash in
  // between never leaves a partition silently short of commits.
  uint64_t dropped = log_->DroppableThrough(ts);
  if (dropped == 0) return Status::Ok();
  if (dropped > log_floor_) {
    FQL_RETURN_IF_ERROR(SaveCheckpoint(dir_, dropped));
    log_floor_ = dropped;
  }
  // Through `dropped`, not `ts`: a segment that rotated out meanwhile holds
  // records above the floor just saved.
  return log_->DropThrough(dropped);
}

// Applies pending commits in ts order: those up to `ts`, whose log records
// the caller knows durable (the log is one sequence, so syncing a record
// syncs those written before it), or with async durability every pending
// commit, as each was handed to the OS before it was queued. Commits that
// queued up behind the mutex go to each partition as one LevelDB batch, so
// concurrent writers share partition writes as they share log syncs.
Status Engine::ApplyThrough(uint64_t ts) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  if (!apply_error_.ok()) return apply_error_;
  if (async_) ts = UINT64_MAX;
  std::vector<std::vector<PartitionWrite>> group;
  uint64_t newest = 0;
  while (!pending_.empty() && pending_.begin()->first <= ts) {
    auto node = pending_.extract(pending_.begin());
    newest = node.key();
    group.push_back(std::move(node.mapped()));
  }
  if (group.empty()) return Status::Ok();
  std::vector<std::vector<const VersionWrite*>> by_part(partitions_.size());
  for (const auto& writes : group) {
    for (const PartitionWrite& w : writes) by_part[w.partition].push_back(&w.write);
  }
  for (size_t i = 0; i < by_part.size(); ++i) {
    if (by_part[i].empty()) continue;
    Status st = partitions_[i]->Apply(newest, by_part[i]);
    if (!st.ok()) {
      apply_error_ = st;
      return st;
    }
  }
  read_ts_.store(newest, std::memory_order_release);
  return Status::Ok();
}

uint64_t Engine::NextId() {
  uint64_t candidate = NowMicros() << 7;
  uint64_t last = last_id_.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = std::max(candidate, last + 1);
  } while (!last_id_.compare_exchange_weak(last, next, std::memory_order_relaxed));
  return next;
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.conflicts = conflicts_.load(std::memory_order_relaxed);
  s.fsyncs = log_->fsync_count();
  s.replayed = replayed_;
  return s;
}

}  // namespace fqldb::storage
