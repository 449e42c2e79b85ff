#include "storage/internal/commit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "storage/internal/crc32c.h"

namespace fqldb::storage::internal {

namespace {

using RecordFn = std::function<Status(uint64_t ts, std::string_view payload)>;

constexpr size_t kHeaderBytes = 16;  // payload length, CRC, ts
constexpr std::string_view kSegmentPrefix = "seg-";
constexpr std::string_view kSegmentSuffix = ".log";
constexpr size_t kTsDigits = 20;

Status IoError(std::string_view what, const std::string& path, int err = errno) {
  return Status(ErrorCode::kIo, std::string(what) + " " + path + ": " +
                                    std::error_code(err, std::generic_category()).message());
}

void PutLittleEndian(uint64_t v, int bytes, char* out) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t GetLittleEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  }
  return v;
}

std::string SegmentPath(const std::string& dir, uint64_t first_ts) {
  char name[kTsDigits + 1];
  std::snprintf(name, sizeof(name), "%020llu", static_cast<unsigned long long>(first_ts));
  return dir + "/" + std::string(kSegmentPrefix) + name + std::string(kSegmentSuffix);
}

// Parses `seg-<20 digits>.log`; false for any other name.
bool ParseSegmentName(std::string_view name, uint64_t* first_ts) {
  if (name.size() != kSegmentPrefix.size() + kTsDigits + kSegmentSuffix.size() ||
      !name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) {
    return false;
  }
  std::string_view digits = name.substr(kSegmentPrefix.size(), kTsDigits);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *first_ts);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// Retries `call` while it fails with EINTR; returns its last result.
template <typename Call>
auto RetryOnEintr(Call call) {
  auto rc = call();
  while (rc < 0 && errno == EINTR) rc = call();
  return rc;
}

Status SyncFd(int fd, const std::string& path) {
  if (RetryOnEintr([fd] { return ::fdatasync(fd); }) != 0) return IoError("cannot fdatasync", path);
  return Status::Ok();
}

// Makes the directory's entries (file creations and removals) durable.
Status SyncDir(const std::string& dir) {
  int fd = RetryOnEintr([&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return IoError("cannot open directory", dir);
  int rc = RetryOnEintr([fd] { return ::fsync(fd); });
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : IoError("cannot fsync directory", dir, err);
}

Status MakeDir(const std::string& dir) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(dir, ec);
  if (ec) return Status(ErrorCode::kIo, "cannot create directory " + dir + ": " + ec.message());
  if (!created) return Status::Ok();
  std::string parent = std::filesystem::path(dir).parent_path().string();
  return SyncDir(parent.empty() ? "." : parent);
}

// Writes head then body at `offset`, resuming after short writes.
Status WriteAt(int fd, uint64_t offset, std::string_view head, std::string_view body,
               const std::string& path) {
  while (!head.empty() || !body.empty()) {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
    ssize_t n = RetryOnEintr([&] { return ::pwritev(fd, iov, 2, static_cast<off_t>(offset)); });
    if (n < 0) return IoError("cannot write", path);
    if (n == 0) return Status(ErrorCode::kIo, "cannot write " + path + ": no progress");
    size_t done = static_cast<size_t>(n);
    offset += done;
    size_t from_head = std::min(done, head.size());
    head.remove_prefix(from_head);
    body.remove_prefix(done - from_head);
  }
  return Status::Ok();
}

struct Record {
  uint64_t ts;
  std::string_view payload;  // valid until the reader reads again
  size_t end;                // offset just past the record
};

// Reads one segment's records in order through a window of the file, so that
// opening a large log holds a window and one record in memory, not the segment.
class SegmentReader {
 public:
  SegmentReader(int fd, std::string path, size_t size, size_t window)
      : fd_(fd), path_(std::move(path)), size_(size), window_(window) {}
  ~SegmentReader() { ::close(fd_); }
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  static Result<std::unique_ptr<SegmentReader>> Open(const std::string& path, size_t window) {
    int fd = RetryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
    if (fd < 0) return IoError("cannot open", path);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      Status status = IoError("cannot stat", path);
      ::close(fd);
      return status;
    }
    return std::make_unique<SegmentReader>(fd, path, static_cast<size_t>(st.st_size), window);
  }

  size_t size() const { return size_; }

  // Decodes the record at `off`; false when it is cut short or fails its CRC.
  Result<bool> Decode(size_t off, Record* rec) {
    FQL_ASSIGN_OR_RETURN(bool whole, Load(off, kHeaderBytes));
    if (!whole) return false;
    std::string_view head = At(off);
    uint64_t len = GetLittleEndian(head, 4);
    uint64_t crc = GetLittleEndian(head.substr(4), 4);
    if (len > CommitLog::kMaxPayloadBytes) return false;
    FQL_ASSIGN_OR_RETURN(whole, Load(off, kHeaderBytes + len));
    if (!whole) return false;
    std::string_view covered = At(off).substr(8, 8 + len);  // ts bytes + payload
    if (Crc32c(covered) != crc) return false;
    rec->ts = GetLittleEndian(covered, 8);
    rec->payload = covered.substr(8);
    rec->end = off + kHeaderBytes + len;
    return true;
  }

  // Walks the records in order, checking CRCs and that ts rises above *last_ts (which it
  // advances), and calls fn (when set) on each. Sets *valid_end to the offset of the first bad
  // record, or size(). Returns fn's first error.
  Status Walk(uint64_t* last_ts, size_t* valid_end, const RecordFn* fn) {
    size_t off = 0;
    Record rec;
    while (off < size_) {
      FQL_ASSIGN_OR_RETURN(bool good, Decode(off, &rec));
      if (!good || rec.ts <= *last_ts) break;
      if (fn != nullptr) FQL_RETURN_IF_ERROR((*fn)(rec.ts, rec.payload));
      *last_ts = rec.ts;
      off = rec.end;
    }
    *valid_end = off;
    return Status::Ok();
  }

  // True when a valid record (its CRC right, its ts above last_ts) starts
  // anywhere after the bad one at `off`: then the damage is not a torn tail,
  // and acknowledged commits lie after it. First where the bad header says
  // its record ends; then at every later offset, since a damaged length
  // points nowhere useful (a torn tail leaves only the partial record after
  // `off`, so that scan is short).
  Result<bool> FollowedByValidRecord(size_t off, uint64_t last_ts) {
    FQL_ASSIGN_OR_RETURN(bool whole, Load(off, kHeaderBytes));
    if (!whole) return false;
    uint64_t next = off + kHeaderBytes + GetLittleEndian(At(off), 4);
    Record rec;
    if (next < size_) {
      FQL_ASSIGN_OR_RETURN(bool good, Decode(next, &rec));
      if (good && rec.ts > last_ts) return true;
    }
    for (size_t p = off + 1; p < size_ && size_ - p >= kHeaderBytes; ++p) {
      FQL_ASSIGN_OR_RETURN(whole, Load(p, kHeaderBytes));
      if (!whole) break;
      std::string_view head = At(p);
      uint64_t len = GetLittleEndian(head, 4);
      uint64_t ts = GetLittleEndian(head.substr(8), 8);
      // Cheap tests first: the CRC runs only where a record could fit and
      // its ts could follow last_ts (within about a year of microseconds).
      if (len > size_ - p - kHeaderBytes || ts <= last_ts || ts - last_ts > (uint64_t{1} << 45)) {
        continue;
      }
      FQL_ASSIGN_OR_RETURN(bool good, Decode(p, &rec));
      if (good) return true;
    }
    return false;
  }

 private:
  // Makes bytes [off, off + n) readable through At(off); false when the file ends before them.
  Result<bool> Load(size_t off, uint64_t n) {
    if (n > size_ || off > size_ - n) return false;
    if (off >= begin_ && off + n <= begin_ + held_) return true;
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(std::max<uint64_t>(n, window_), size_ - off));
    if (want > capacity_) {
      buffer_.reset(new char[want]);  // not zeroed: read over at once
      capacity_ = want;
    }
    held_ = 0;
    for (size_t done = 0; done < want;) {
      ssize_t r = RetryOnEintr([&] {
        return ::pread(fd_, buffer_.get() + done, want - done, static_cast<off_t>(off + done));
      });
      if (r < 0) return IoError("cannot read", path_);
      if (r == 0) return Status(ErrorCode::kIo, "short read of " + path_);
      done += static_cast<size_t>(r);
    }
    begin_ = off;
    held_ = want;
    return true;
  }
  std::string_view At(size_t off) const {
    return std::string_view(buffer_.get() + (off - begin_), held_ - (off - begin_));
  }

  int fd_;
  std::string path_;
  size_t size_;
  size_t window_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;  // the file offset of buffer_[0]
  size_t held_ = 0;   // bytes of the file in buffer_
};

Status CorruptRecord(const std::string& path, size_t off) {
  return Status(ErrorCode::kIo,
                "corrupt commit log record in " + path + " at offset " + std::to_string(off));
}

}  // namespace

struct CommitLog::SegmentFile {
  SegmentFile(int fd, std::string path) : fd(fd), path(std::move(path)) {}
  ~SegmentFile() { ::close(fd); }
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  const int fd;
  const std::string path;
};

CommitLog::CommitLog(std::string dir, Durability durability, size_t segment_bytes,
                     size_t read_window)
    : dir_(std::move(dir)),
      durability_(durability),
      segment_bytes_(segment_bytes),
      read_window_(std::max<size_t>(1, read_window)) {}

CommitLog::~CommitLog() = default;

Result<std::unique_ptr<CommitLog>> CommitLog::Open(const std::string& dir, Durability durability,
                                                   size_t segment_bytes, size_t read_window) {
  if (segment_bytes == 0) {
    return Status(ErrorCode::kInvalidArgument, "segment_bytes must be positive");
  }
  FQL_RETURN_IF_ERROR(MakeDir(dir));
  std::unique_ptr<CommitLog> log(new CommitLog(dir, durability, segment_bytes, read_window));
  FQL_RETURN_IF_ERROR(log->Recover());
  return log;
}

Status CommitLog::Recover() {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    uint64_t first_ts;
    if (ParseSegmentName(it->path().filename().string(), &first_ts)) {
      segments_.push_back({first_ts, 0, it->path().string()});
    }
  }
  if (ec) return Status(ErrorCode::kIo, "cannot list " + dir_ + ": " + ec.message());
  std::sort(segments_.begin(), segments_.end(),
            [](const Segment& a, const Segment& b) { return a.first_ts < b.first_ts; });

  size_t valid_bytes = 0;
  size_t file_bytes = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    FQL_ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader,
                         SegmentReader::Open(segments_[i].path, read_window_));
    uint64_t before = last_ts_;
    FQL_RETURN_IF_ERROR(reader->Walk(&last_ts_, &valid_bytes, nullptr));
    if (last_ts_ != before) segments_[i].last_ts = last_ts_;
    bool is_last = i + 1 == segments_.size();
    if (valid_bytes < reader->size()) {
      bool corrupt = !is_last;
      if (!corrupt) {
        FQL_ASSIGN_OR_RETURN(corrupt, reader->FollowedByValidRecord(valid_bytes, last_ts_));
      }
      if (corrupt) return CorruptRecord(segments_[i].path, valid_bytes);
    }
    file_bytes = reader->size();
  }
  if (segments_.empty()) return Status::Ok();
  return OpenTail(valid_bytes, file_bytes);
}

Status CommitLog::OpenTail(size_t valid_bytes, size_t file_bytes) {
  const std::string path = segments_.back().path;
  if (valid_bytes == 0) {
    // Nothing in it was acknowledged; the next Write starts a segment named after its own ts.
    if (::unlink(path.c_str()) != 0) return IoError("cannot remove", path);
    segments_.pop_back();
    return SyncDir(dir_);
  }
  int fd = RetryOnEintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); });
  if (fd < 0) return IoError("cannot open", path);
  current_ = std::make_shared<SegmentFile>(fd, path);
  file_bytes_ = valid_bytes;
  if (valid_bytes == file_bytes) return Status::Ok();
  // Cut the torn record, durably, so that new records follow the last whole one.
  if (RetryOnEintr([&] { return ::ftruncate(fd, static_cast<off_t>(valid_bytes)); }) != 0) {
    return IoError("cannot truncate", path);
  }
  return SyncFd(fd, path);
}

Result<uint64_t> CommitLog::Write(uint64_t ts, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return Status(ErrorCode::kInvalidArgument,
                  "commit payload of " + std::to_string(payload.size()) + " bytes exceeds 1 GiB");
  }
  std::lock_guard write_lock(write_mu_);
  std::shared_ptr<SegmentFile> file;
  {
    std::lock_guard lock(mu_);
    if (!error_.ok()) return error_;
    if (ts <= last_ts_) {
      return Status(ErrorCode::kInvalidArgument, "commit ts " + std::to_string(ts) +
                                                     " is not above the last ts " +
                                                     std::to_string(last_ts_));
    }
    file = current_;
  }
  if (file == nullptr || file_bytes_ >= segment_bytes_) {
    FQL_ASSIGN_OR_RETURN(file, StartSegment(ts));
  }
  char header[kHeaderBytes];
  PutLittleEndian(payload.size(), 4, header);
  PutLittleEndian(ts, 8, header + 8);
  uint32_t crc = Crc32c(payload, Crc32c(std::string_view(header + 8, 8)));
  PutLittleEndian(crc, 4, header + 4);
  Status st =
      WriteAt(file->fd, file_bytes_, std::string_view(header, kHeaderBytes), payload, file->path);
  if (!st.ok()) {
    // Cut the partial record; if that fails too, a later record could land after garbage.
    if (RetryOnEintr([&] { return ::ftruncate(file->fd, static_cast<off_t>(file_bytes_)); }) != 0) {
      std::lock_guard lock(mu_);
      if (error_.ok()) error_ = st;
    }
    return st;
  }
  file_bytes_ += kHeaderBytes + payload.size();
  std::lock_guard lock(mu_);
  last_ts_ = ts;
  segments_.back().last_ts = ts;
  return ++written_seq_;
}

Result<std::shared_ptr<CommitLog::SegmentFile>> CommitLog::StartSegment(uint64_t first_ts) {
  std::shared_ptr<SegmentFile> old;
  {
    std::lock_guard lock(mu_);
    old = current_;
  }
  if (old != nullptr && durability_ == Durability::kSync) {
    FQL_RETURN_IF_ERROR(SyncForRotation(*old));
  }
  // A file by this name holds no acknowledged record (its ts is above last_ts_): a leftover of a
  // failed attempt, so it is reused.
  std::string path = SegmentPath(dir_, first_ts);
  int fd = RetryOnEintr(
      [&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); });
  if (fd < 0) return IoError("cannot create", path);
  auto file = std::make_shared<SegmentFile>(fd, path);
  FQL_RETURN_IF_ERROR(SyncDir(dir_));
  std::lock_guard lock(mu_);
  segments_.push_back({first_ts, 0, path});
  current_ = file;
  file_bytes_ = 0;
  return file;
}

// Sync only flushes the current segment, so the one being left must be durable first.
Status CommitLog::SyncForRotation(const SegmentFile& old) {
  uint64_t target;
  {
    std::lock_guard lock(mu_);
    target = written_seq_;  // stable: write_mu_ is held
  }
  Status st = SyncFd(old.fd, old.path);
  std::lock_guard lock(mu_);
  FinishSync(st, target);
  return st;
}

void CommitLog::FinishSync(const Status& st, uint64_t target) {
  ++fsync_count_;
  if (!st.ok()) {
    if (error_.ok()) error_ = st;
  } else {
    synced_seq_ = std::max(synced_seq_, target);
  }
  synced_cv_.notify_all();
}

Status CommitLog::Sync(uint64_t seq) {
  std::unique_lock lock(mu_);
  if (seq > written_seq_) {
    return Status(ErrorCode::kInvalidArgument, "no commit log record " + std::to_string(seq));
  }
  if (durability_ == Durability::kAsync) return error_;
  while (error_.ok() && synced_seq_ < seq) {
    if (syncing_) {
      synced_cv_.wait(lock);
      continue;
    }
    // Lead: sync everything written so far, while later writers keep writing.
    syncing_ = true;
    uint64_t target = written_seq_;
    std::shared_ptr<SegmentFile> file = current_;
    lock.unlock();
    Status st = SyncFd(file->fd, file->path);
    lock.lock();
    syncing_ = false;
    FinishSync(st, target);
  }
  return error_;
}

Status CommitLog::Append(uint64_t ts, std::string_view payload) {
  FQL_ASSIGN_OR_RETURN(uint64_t seq, Write(ts, payload));
  return Sync(seq);
}

Status CommitLog::Replay(uint64_t after_ts, const RecordFn& fn) const {
  std::vector<Segment> segments;
  {
    std::lock_guard lock(mu_);
    segments = segments_;
  }
  RecordFn newer = [&](uint64_t ts, std::string_view payload) {
    return ts > after_ts ? fn(ts, payload) : Status::Ok();
  };
  uint64_t last_ts = 0;
  for (const Segment& seg : segments) {
    if (seg.last_ts <= after_ts) {
      last_ts = std::max(last_ts, seg.last_ts);
      continue;
    }
    FQL_ASSIGN_OR_RETURN(std::unique_ptr<SegmentReader> reader,
                         SegmentReader::Open(seg.path, read_window_));
    size_t valid_end = 0;
    FQL_RETURN_IF_ERROR(reader->Walk(&last_ts, &valid_end, &newer));
    if (valid_end < reader->size()) return CorruptRecord(seg.path, valid_end);
  }
  return Status::Ok();
}

Status CommitLog::DropThrough(uint64_t ts) {
  std::vector<std::string> doomed;
  {
    std::lock_guard lock(mu_);
    size_t n = 0;
    while (n + 1 < segments_.size() && segments_[n].last_ts <= ts) ++n;
    for (size_t i = 0; i < n; ++i) doomed.push_back(segments_[i].path);
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  if (doomed.empty()) return Status::Ok();
  for (const std::string& path : doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path);
  }
  return SyncDir(dir_);
}

uint64_t CommitLog::DroppableThrough(uint64_t ts) const {
  std::lock_guard lock(mu_);
  uint64_t newest = 0;
  for (size_t n = 0; n + 1 < segments_.size() && segments_[n].last_ts <= ts; ++n)
    newest = segments_[n].last_ts;
  return newest;
}

uint64_t CommitLog::last_ts() const {
  std::lock_guard lock(mu_);
  return last_ts_;
}

uint64_t CommitLog::fsync_count() const {
  std::lock_guard lock(mu_);
  return fsync_count_;
}

}  // namespace fqldb::storage::internal
