#include "storage/internal/commit_log.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "storage/internal/crc32c.h"

namespace fqldb::storage::internal {
namespace {

namespace fs = std::filesystem;

using Records = std::vector<std::pair<uint64_t, std::string>>;

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/fql_commit_log_XXXXXX";
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  // The log's own directory, which Open creates.
  std::string log_dir() const { return path_ + "/log"; }

 private:
  std::string path_;
};

std::unique_ptr<CommitLog> OpenOrDie(const std::string& dir, Durability durability,
                                     size_t segment_bytes = CommitLog::kDefaultSegmentBytes) {
  Result<std::unique_ptr<CommitLog>> log = CommitLog::Open(dir, durability, segment_bytes);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

Records ReplayAll(const CommitLog& log, uint64_t after_ts = 0) {
  Records out;
  Status st = log.Replay(after_ts, [&](uint64_t ts, std::string_view payload) {
    out.emplace_back(ts, std::string(payload));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::string PayloadFor(uint64_t ts) {
  return "commit-" + std::to_string(ts) + std::string(ts % 7, '\0');
}

// Appends PayloadFor(ts) for every ts in [first, last].
Records AppendRange(CommitLog& log, uint64_t first, uint64_t last) {
  Records written;
  for (uint64_t ts = first; ts <= last; ++ts) {
    Status st = log.Append(ts, PayloadFor(ts));
    EXPECT_TRUE(st.ok()) << st.ToString();
    written.emplace_back(ts, PayloadFor(ts));
  }
  return written;
}

std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void FlipByte(const std::string& path, uintmax_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  ASSERT_TRUE(f.good()) << path;
}

TEST(CommitLogTest, Crc32cMatchesKnownVectorAndExtends) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  std::string a = "the durable record ", b = "of committed transactions";
  EXPECT_EQ(Crc32c(b, Crc32c(a)), Crc32c(a + b));
}

TEST(CommitLogTest, Crc32cInstructionAndTableAgree) {
#if defined(__x86_64__)
  // Else the comparison below would compare the table with itself.
  if (__builtin_cpu_supports("sse4.2")) {
    EXPECT_TRUE(Crc32cHasInstruction());
  }
#endif
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  std::mt19937_64 rng(7);
  std::string data(4096 + 13, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  // Every length and start offset around the 8-byte steps, and chained calls.
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; start + len <= data.size(); len += len < 40 ? 1 : 509) {
      std::string_view piece(data.data() + start, len);
      ASSERT_EQ(Crc32c(piece), Crc32cPortable(piece)) << start << "+" << len;
      ASSERT_EQ(Crc32c(piece, 0x12345678u), Crc32cPortable(piece, 0x12345678u));
    }
  }
}

TEST(CommitLogTest, RoundTripsThroughReopen) {
  TempDir tmp;
  Records written;
  {
    auto log = OpenOrDie(tmp.log_dir(), Durability::kSync);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->last_ts(), 0u);
    EXPECT_TRUE(ReplayAll(*log).empty());
    ASSERT_TRUE(log->Append(3, "").ok());
    written.emplace_back(3, "");
    Records more = AppendRange(*log, 5, 40);
    written.insert(written.end(), more.begin(), more.end());
    EXPECT_EQ(log->last_ts(), 40u);
    EXPECT_EQ(ReplayAll(*log), written);
    EXPECT_GT(log->fsync_count(), 0u);
  }
  EXPECT_EQ(SegmentFiles(tmp.log_dir()), std::vector<std::string>{"seg-00000000000000000003.log"});
  auto log = OpenOrDie(tmp.log_dir(), Durability::kSync);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_ts(), 40u);
  EXPECT_EQ(ReplayAll(*log), written);
}

TEST(CommitLogTest, ReplaySkipsRecordsAtOrBeforeAfterTs) {
  TempDir tmp;
  auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
  ASSERT_NE(log, nullptr);
  for (uint64_t ts : {10, 20, 30, 40}) ASSERT_TRUE(log->Append(ts, std::to_string(ts)).ok());
  EXPECT_EQ(ReplayAll(*log, 20), (Records{{30, "30"}, {40, "40"}}));
  EXPECT_EQ(ReplayAll(*log, 25), (Records{{30, "30"}, {40, "40"}}));
  EXPECT_TRUE(ReplayAll(*log, 40).empty());
  EXPECT_EQ(ReplayAll(*log, 0).size(), 4u);

  int calls = 0;
  Status st = log->Replay(0, [&](uint64_t ts, std::string_view) {
    ++calls;
    return ts == 20 ? Status(ErrorCode::kInternal, "stop here") : Status::Ok();
  });
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  EXPECT_EQ(st.description(), "stop here");
  EXPECT_EQ(calls, 2);
}

TEST(CommitLogTest, RejectsTsThatDoesNotIncreaseAndHugePayloads) {
  TempDir tmp;
  {
    auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->Write(0, "x").status().code(), ErrorCode::kInvalidArgument);
    ASSERT_TRUE(log->Append(5, "five").ok());
    EXPECT_EQ(log->Write(5, "again").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(log->Write(4, "older").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(log->Sync(99).code(), ErrorCode::kInvalidArgument);

    // One byte over 1 GiB, backed by untouched anonymous pages.
    size_t huge = CommitLog::kMaxPayloadBytes + 1;
    void* mem =
        ::mmap(nullptr, huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ASSERT_NE(mem, MAP_FAILED);
    EXPECT_EQ(log->Write(6, std::string_view(static_cast<const char*>(mem), huge)).status().code(),
              ErrorCode::kInvalidArgument);
    ::munmap(mem, huge);
    EXPECT_EQ(log->last_ts(), 5u);
  }
  auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Write(5, "after reopen").status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(log->Append(6, "six").ok());
  EXPECT_EQ(ReplayAll(*log), (Records{{5, "five"}, {6, "six"}}));
}

// Writes records 1..10 to one segment and returns its path.
std::string WriteTenRecords(const std::string& dir) {
  auto log = OpenOrDie(dir, Durability::kAsync);
  EXPECT_NE(log, nullptr);
  if (log != nullptr) AppendRange(*log, 1, 10);
  return dir + "/seg-00000000000000000001.log";
}

// Reopens after damage to record 10, expects it cut, and keeps appending.
void ExpectTailCutAndAppendsContinue(const std::string& dir, const std::string& segment,
                                     uintmax_t nine_records_bytes) {
  Records expected;
  for (uint64_t ts = 1; ts <= 9; ++ts) expected.emplace_back(ts, PayloadFor(ts));
  {
    auto log = OpenOrDie(dir, Durability::kSync);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(fs::file_size(segment), nine_records_bytes);
    EXPECT_EQ(log->last_ts(), 9u);
    EXPECT_EQ(ReplayAll(*log), expected);
    ASSERT_TRUE(log->Append(10, "rewritten").ok());
    ASSERT_TRUE(log->Append(11, "eleven").ok());
  }
  expected.emplace_back(10, "rewritten");
  expected.emplace_back(11, "eleven");
  auto log = OpenOrDie(dir, Durability::kSync);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(ReplayAll(*log), expected);
}

uintmax_t NineRecordsBytes() {
  uintmax_t bytes = 0;
  for (uint64_t ts = 1; ts <= 9; ++ts) bytes += 16 + PayloadFor(ts).size();
  return bytes;
}

TEST(CommitLogTest, CutsTruncatedTailRecord) {
  TempDir tmp;
  std::string segment = WriteTenRecords(tmp.log_dir());
  fs::resize_file(segment, fs::file_size(segment) - 3);
  ExpectTailCutAndAppendsContinue(tmp.log_dir(), segment, NineRecordsBytes());
}

TEST(CommitLogTest, CutsTailRecordWithFlippedByte) {
  TempDir tmp;
  std::string segment = WriteTenRecords(tmp.log_dir());
  FlipByte(segment, NineRecordsBytes() + 18);  // inside record 10's payload
  ExpectTailCutAndAppendsContinue(tmp.log_dir(), segment, NineRecordsBytes());
}

TEST(CommitLogTest, CutsTailSegmentHoldingOnlyATornRecord) {
  TempDir tmp;
  std::string segment = WriteTenRecords(tmp.log_dir());
  std::string torn = tmp.log_dir() + "/seg-00000000000000000050.log";
  std::ofstream(torn, std::ios::binary) << std::string("\x20\0\0\0\x01\x02", 6);
  {
    auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->last_ts(), 10u);
    EXPECT_FALSE(fs::exists(torn));
    ASSERT_TRUE(log->Append(12, "twelve").ok());
  }
  EXPECT_TRUE(fs::exists(tmp.log_dir() + "/seg-00000000000000000012.log"));
  auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
  ASSERT_NE(log, nullptr);
  Records all = ReplayAll(*log);
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all.back(), (std::pair<uint64_t, std::string>{12, "twelve"}));
}

TEST(CommitLogTest, CorruptionBeforeValidRecordsInLastSegmentIsAnError) {
  TempDir tmp;
  std::string segment = WriteTenRecords(tmp.log_dir());
  uintmax_t third = 16 + PayloadFor(1).size() + 16 + PayloadFor(2).size();
  uintmax_t bytes = fs::file_size(segment);
  FlipByte(segment, third + 20);  // inside record 3's payload; records 4..10 follow intact
  Result<std::unique_ptr<CommitLog>> log = CommitLog::Open(tmp.log_dir(), Durability::kAsync);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), ErrorCode::kIo);
  EXPECT_NE(log.status().description().find(segment), std::string::npos);
  EXPECT_NE(log.status().description().find("offset " + std::to_string(third)), std::string::npos);
  EXPECT_EQ(fs::file_size(segment), bytes);  // not cut
}

TEST(CommitLogTest, ReadsSegmentsThroughAWindowSmallerThanARecord) {
  TempDir tmp;
  Records written;
  uintmax_t before_fifth = 0;
  {
    auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync);
    ASSERT_NE(log, nullptr);
    for (uint64_t ts = 1; ts <= 40; ++ts) {
      std::string payload(static_cast<size_t>((ts * 37) % 300), static_cast<char>('a' + ts % 26));
      if (ts < 5) before_fifth += 16 + payload.size();
      ASSERT_TRUE(log->Append(ts, payload).ok());
      written.emplace_back(ts, payload);
    }
  }
  for (size_t window : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}}) {
    Result<std::unique_ptr<CommitLog>> log =
        CommitLog::Open(tmp.log_dir(), Durability::kAsync, CommitLog::kDefaultSegmentBytes, window);
    ASSERT_TRUE(log.ok()) << window << ": " << log.status().ToString();
    EXPECT_EQ((*log)->last_ts(), 40u) << window;
    EXPECT_EQ(ReplayAll(**log), written) << window;
  }
  // Damage in the middle is found, at the same offset, through any window.
  std::string segment = tmp.log_dir() + "/" + SegmentFiles(tmp.log_dir()).at(0);
  FlipByte(segment, before_fifth + 17);
  for (size_t window : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}}) {
    Result<std::unique_ptr<CommitLog>> log =
        CommitLog::Open(tmp.log_dir(), Durability::kAsync, CommitLog::kDefaultSegmentBytes, window);
    ASSERT_FALSE(log.ok()) << window;
    EXPECT_NE(log.status().description().find("offset " + std::to_string(before_fifth)),
              std::string::npos)
        << log.status().ToString();
  }
  // A torn tail is cut, through a small window too.
  FlipByte(segment, before_fifth + 17);  // repaired
  uintmax_t size = fs::file_size(segment);
  fs::resize_file(segment, size - 5);
  Result<std::unique_ptr<CommitLog>> log =
      CommitLog::Open(tmp.log_dir(), Durability::kAsync, CommitLog::kDefaultSegmentBytes, 7);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->last_ts(), 39u);
  written.pop_back();
  EXPECT_EQ(ReplayAll(**log), written);
}

TEST(CommitLogTest, ADamagedLengthBeforeValidRecordsIsAnErrorNotATornTail) {
  // Record 3's length says it runs past the end of the file, or ends
  // inside itself: either way records 4..10 follow, and cutting them would
  // lose acknowledged commits.
  for (uint32_t bad_len : {0x3FFFFFFFu, 5u}) {
    TempDir tmp;
    std::string segment = WriteTenRecords(tmp.log_dir());
    uintmax_t third = 16 + PayloadFor(1).size() + 16 + PayloadFor(2).size();
    uintmax_t bytes = fs::file_size(segment);
    {
      std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(third));
      char len[4];
      for (int k = 0; k < 4; ++k) len[k] = static_cast<char>((bad_len >> (8 * k)) & 0xFF);
      f.write(len, 4);
      ASSERT_TRUE(f.good());
    }
    Result<std::unique_ptr<CommitLog>> log = CommitLog::Open(tmp.log_dir(), Durability::kAsync);
    ASSERT_FALSE(log.ok()) << bad_len;
    EXPECT_NE(log.status().description().find("offset " + std::to_string(third)), std::string::npos)
        << log.status().ToString();
    EXPECT_EQ(fs::file_size(segment), bytes);  // not cut
  }
}

// Fills a log with records 1..30 of 40-byte payloads in 100-byte segments (two records each).
std::vector<std::string> WriteSmallSegments(const std::string& dir, Durability durability) {
  auto log = OpenOrDie(dir, durability, 100);
  EXPECT_NE(log, nullptr);
  for (uint64_t ts = 1; log != nullptr && ts <= 30; ++ts) {
    EXPECT_TRUE(log->Append(ts, std::string(40, static_cast<char>('a' + ts % 26))).ok());
  }
  return SegmentFiles(dir);
}

TEST(CommitLogTest, CorruptionInOlderSegmentIsAnError) {
  TempDir tmp;
  std::vector<std::string> files = WriteSmallSegments(tmp.log_dir(), Durability::kAsync);
  ASSERT_EQ(files.size(), 15u);
  std::string victim = tmp.log_dir() + "/" + files[3];
  FlipByte(victim, 56 + 20);  // the second (last) record of a middle segment
  Result<std::unique_ptr<CommitLog>> log = CommitLog::Open(tmp.log_dir(), Durability::kAsync);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), ErrorCode::kIo);
  EXPECT_NE(log.status().description().find(victim), std::string::npos);
  EXPECT_NE(log.status().description().find("offset 56"), std::string::npos);
  EXPECT_EQ(fs::file_size(victim), 112u);  // not cut

  FlipByte(victim, 56 + 20);  // repaired; now tear an older segment instead
  fs::resize_file(tmp.log_dir() + "/" + files[0], 100);
  log = CommitLog::Open(tmp.log_dir(), Durability::kAsync);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), ErrorCode::kIo);
}

TEST(CommitLogTest, RotatesSegmentsAndDropsOnlyOldOnes) {
  TempDir tmp;
  std::vector<std::string> files = WriteSmallSegments(tmp.log_dir(), Durability::kSync);
  ASSERT_EQ(files.size(), 15u);
  EXPECT_EQ(files[0], "seg-00000000000000000001.log");
  EXPECT_EQ(files[1], "seg-00000000000000000003.log");
  EXPECT_EQ(files[14], "seg-00000000000000000029.log");

  auto log = OpenOrDie(tmp.log_dir(), Durability::kSync, 100);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->DropThrough(0).ok());
  EXPECT_EQ(SegmentFiles(tmp.log_dir()).size(), 15u);
  // Segment 5-6 still holds ts 6, so it stays.
  ASSERT_TRUE(log->DropThrough(5).ok());
  files = SegmentFiles(tmp.log_dir());
  ASSERT_EQ(files.size(), 13u);
  EXPECT_EQ(files[0], "seg-00000000000000000005.log");
  Records rest = ReplayAll(*log);
  ASSERT_EQ(rest.size(), 26u);
  EXPECT_EQ(rest.front().first, 5u);
  EXPECT_EQ(ReplayAll(*log, 10).front().first, 11u);

  // Never the newest segment, even when everything is old.
  ASSERT_TRUE(log->DropThrough(1000).ok());
  EXPECT_EQ(SegmentFiles(tmp.log_dir()), std::vector<std::string>{"seg-00000000000000000029.log"});
  ASSERT_TRUE(log->Append(31, std::string(40, 'z')).ok());
  ASSERT_TRUE(log->Append(32, std::string(40, 'z')).ok());
  EXPECT_EQ(SegmentFiles(tmp.log_dir()).size(), 2u);
  log.reset();

  log = OpenOrDie(tmp.log_dir(), Durability::kSync, 100);
  ASSERT_NE(log, nullptr);
  rest = ReplayAll(*log);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.front().first, 29u);
  EXPECT_EQ(rest.back().first, 32u);
}

TEST(CommitLogTest, GroupCommitSharesFdatasyncs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  TempDir tmp;
  auto log = OpenOrDie(tmp.log_dir(), Durability::kSync);
  ASSERT_NE(log, nullptr);
  std::mutex sequencer_mu;
  uint64_t next_ts = 1;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<uint64_t> seq = Status(ErrorCode::kInternal, "not written");
        {
          std::lock_guard lock(sequencer_mu);
          uint64_t ts = next_ts++;
          seq = log->Write(ts, "thread " + std::to_string(t) + " ts " + std::to_string(ts));
        }
        ASSERT_TRUE(seq.ok()) << seq.status().ToString();
        Status st = log->Sync(*seq);
        ASSERT_TRUE(st.ok()) << st.ToString();
      }
    });
  }
  for (std::thread& th : threads) th.join();

  constexpr uint64_t kTotal = kThreads * kPerThread;
  EXPECT_EQ(log->last_ts(), kTotal);
  EXPECT_GT(log->fsync_count(), 0u);
  EXPECT_LT(log->fsync_count(), kTotal);
  log.reset();
  log = OpenOrDie(tmp.log_dir(), Durability::kSync);
  ASSERT_NE(log, nullptr);
  Records all = ReplayAll(*log);
  ASSERT_EQ(all.size(), kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) {
    ASSERT_EQ(all[i].first, i + 1);
    EXPECT_TRUE(all[i].second.ends_with(" ts " + std::to_string(i + 1))) << all[i].second;
  }
}

TEST(CommitLogTest, AsyncDoesNoFsync) {
  TempDir tmp;
  auto log = OpenOrDie(tmp.log_dir(), Durability::kAsync, 100);
  ASSERT_NE(log, nullptr);
  Records written = AppendRange(*log, 1, 100);
  ASSERT_TRUE(log->Sync(100).ok());
  EXPECT_EQ(log->fsync_count(), 0u);
  EXPECT_GT(SegmentFiles(tmp.log_dir()).size(), 1u);
  log.reset();
  log = OpenOrDie(tmp.log_dir(), Durability::kAsync, 100);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(ReplayAll(*log), written);
  EXPECT_EQ(log->fsync_count(), 0u);
}

}  // namespace
}  // namespace fqldb::storage::internal
