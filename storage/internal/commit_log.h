#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fqldb::storage::internal {

// When a commit counts as durable: kSync waits for fdatasync; kAsync leaves flushing to the OS
// (a machine crash may lose the newest commits, a process crash does not).
enum class Durability { kSync, kAsync };

// The durable, append-only record of committed transactions, one record per commit ts.
//
// The log owns its directory. Records go to segment files `seg-<20-digit first ts>.log`; a new
// segment starts once the current one holds `segment_bytes`. A record is
// `[u32 payload_len LE][u32 crc32c(ts bytes + payload) LE][u64 ts LE][payload]`.
//
// Thread safety: callers issue Write in ts order (the sequencer holds a mutex; Write also
// serializes itself internally). Write, Sync, DropThrough, last_ts and fsync_count may run
// concurrently. Replay must not run concurrently with Write or DropThrough.
class CommitLog {
 public:
  static constexpr size_t kDefaultSegmentBytes = size_t{64} << 20;
  static constexpr size_t kMaxPayloadBytes = size_t{1} << 30;
  // Opening and Replay read a segment through a window of this many bytes
  // (grown to hold a larger record), not whole.
  static constexpr size_t kDefaultReadWindow = size_t{1} << 20;

  // Opens the log kept in `dir`, creating the directory if missing. Reads every segment, checking
  // each record's CRC and that ts strictly increases. A torn or corrupt record at the tail of the
  // last segment (nothing valid after it) was never acknowledged and is cut off. Errors: kIo for
  // file system failures, and for a bad record anywhere else (the message names file and offset);
  // kInvalidArgument when `segment_bytes` is 0.
  // `read_window`: see kDefaultReadWindow (tests make it tiny).
  static Result<std::unique_ptr<CommitLog>> Open(const std::string& dir, Durability durability,
                                                 size_t segment_bytes = kDefaultSegmentBytes,
                                                 size_t read_window = kDefaultReadWindow);

  // Closes the files without syncing them. Never throws.
  ~CommitLog();

  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  // Hands one record for commit `ts` to the OS (write(2)) without waiting for it to be durable,
  // starting a new segment first when the current one is full. Returns the sequence number to
  // pass to Sync(). Errors: kInvalidArgument when `ts` is not above last_ts() (so ts 0 is never
  // valid) or the payload exceeds 1 GiB; kIo when the write fails (the partial record is cut) or
  // after an earlier sticky failure.
  Result<uint64_t> Write(uint64_t ts, std::string_view payload);

  // Returns once record `seq` (from Write) is durable. With kSync, concurrent callers share
  // fdatasyncs (group commit): one of them syncs everything written so far while the others
  // wait for it. With kAsync it returns at once. Thread-safe. Errors: kIo when fdatasync fails;
  // the failure is sticky, so every later Write and Sync fails too. kInvalidArgument when `seq`
  // was never returned by Write.
  Status Sync(uint64_t seq);

  // Write, then Sync.
  Status Append(uint64_t ts, std::string_view payload);

  // Calls fn(ts, payload) for every record with ts > after_ts, in ts order; the payload view
  // lives only during the call. Stops at and returns fn's first error. Errors: kIo when a
  // segment cannot be read or holds a bad record.
  Status Replay(uint64_t after_ts,
                const std::function<Status(uint64_t ts, std::string_view payload)>& fn) const;

  // Deletes the segment files all of whose records have ts <= `ts`, oldest first, never the
  // newest segment. Errors: kIo when a file cannot be removed or the directory synced.
  Status DropThrough(uint64_t ts);
  // The newest ts DropThrough(ts) would delete (0 when it would delete nothing).
  uint64_t DroppableThrough(uint64_t ts) const;

  // The newest ts written (0 when the log is empty).
  uint64_t last_ts() const;
  // How many fdatasyncs made records durable (Sync and segment switches; not recovery).
  uint64_t fsync_count() const;

 private:
  struct Segment {
    uint64_t first_ts;  // from the file name
    uint64_t last_ts;   // of its newest record; 0 while it holds none
    std::string path;
  };
  struct SegmentFile;  // an open descriptor, closed by its last owner

  CommitLog(std::string dir, Durability durability, size_t segment_bytes, size_t read_window);

  Status Recover();
  Status OpenTail(size_t valid_bytes, size_t file_bytes);
  Result<std::shared_ptr<SegmentFile>> StartSegment(uint64_t first_ts);
  Status SyncForRotation(const SegmentFile& old);
  // Records a finished fdatasync of everything up to `target`, or its sticky failure; mu_ held.
  void FinishSync(const Status& st, uint64_t target);

  const std::string dir_;
  const Durability durability_;
  const size_t segment_bytes_;
  const size_t read_window_;

  std::mutex write_mu_;      // serializes Write
  uint64_t file_bytes_ = 0;  // bytes in the current segment; guarded by write_mu_

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable synced_cv_;
  std::vector<Segment> segments_;         // in ts order
  std::shared_ptr<SegmentFile> current_;  // the segment written to; null until the next Write
  uint64_t last_ts_ = 0;
  uint64_t written_seq_ = 0;  // the newest record handed to the OS
  uint64_t synced_seq_ = 0;   // every record up to here is durable
  bool syncing_ = false;      // a Sync caller is running fdatasync
  uint64_t fsync_count_ = 0;
  Status error_;  // sticky
};

}  // namespace fqldb::storage::internal
