// The engine's internal parts on their own: a partition's MVCC reads and
// scans, the conflict tracker, and the commit-log payload codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/internal/conflict_tracker.h"
#include "storage/internal/partition.h"
#include "storage/internal/version_merge.h"
#include "storage/internal/write_codec.h"
#include "tests/scratch_dir.h"

namespace fqldb::storage {
namespace {

using internal::Action;
using internal::ConflictTracker;
using internal::Partition;
using internal::PartitionWrite;
using internal::VersionWrite;
using testing_support::ScratchDir;

std::string Val(Action a, const std::string& s) { return std::string(1, static_cast<char>(a)) + s; }
VersionWrite Ver(std::string key, Action a, const std::string& s) {
  return VersionWrite{std::move(key), 0, Val(a, s), false};
}

// A partition in a fresh directory.
class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    part_.reset();
    // With a row cache, so that every test here also checks that cached
    // rows follow writes.
    auto p = Partition::Open(dir_.path() + "/p", 1 << 20);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    part_ = std::move(p).value();
  }
  // Applies `writes` (ts 0: at `ts`) as commit `ts`.
  void Apply(uint64_t ts, std::vector<VersionWrite> writes) {
    std::vector<const VersionWrite*> ptrs;
    for (VersionWrite& w : writes) {
      if (w.ts == 0) w.ts = ts;
      ptrs.push_back(&w);
    }
    Status st = part_->Apply(ts, ptrs);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // Each visible key in [begin, end) with the ts of the version the scan chose.
  std::vector<std::pair<std::string, uint64_t>> Visible(uint64_t at, bool reverse,
                                                        std::string begin = "a",
                                                        std::string end = "z") {
    std::vector<std::pair<std::string, uint64_t>> out;
    auto it = part_->Scan(std::move(begin), std::move(end), at, reverse);
    for (; it->Valid(); it->Next()) out.emplace_back(it->key(), it->version().ts);
    EXPECT_TRUE(it->status().ok());
    return out;
  }
  ScratchDir dir_{"fql_engine"};
  std::unique_ptr<Partition> part_;
};

TEST_F(PartitionTest, ReadsTheNewestVersionAtOrBeforeATs) {
  Apply(10, {Ver("a", Action::kCreate, "a10")});
  Apply(20, {Ver("a", Action::kUpdate, "a20")});
  Apply(30, {Ver("a", Action::kDelete, ""), Ver("b", Action::kCreate, "b")});
  EXPECT_EQ(part_->applied_ts(), 30u);
  EXPECT_FALSE(part_->Latest("a", 9)->has_value());
  EXPECT_EQ((*part_->Latest("a", 10))->value, Val(Action::kCreate, "a10"));
  EXPECT_EQ((*part_->Latest("a", 29))->ts, 20u);
  EXPECT_EQ((*part_->Latest("a", 30))->action(), Action::kDelete);
  EXPECT_FALSE(part_->Latest("aa", 100)->has_value()) << "another key's versions are not its own";
  auto history = part_->History("a", 25);
  ASSERT_TRUE(history.ok() && history->size() == 2u);
  EXPECT_EQ((*history)[0].ts, 10u) << "oldest first";
  EXPECT_EQ((*history)[1].ts, 20u);
  Apply(40, {VersionWrite{"a", 30, "", true}});  // erasing a version exposes the one before
  EXPECT_EQ((*part_->Latest("a", 100))->ts, 20u);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(part_->applied_ts(), 40u) << "the applied ts persists";
  EXPECT_EQ((*part_->Latest("b", 100))->value, Val(Action::kCreate, "b"));
}

TEST_F(PartitionTest, CachedRowsFollowWritesSnapshotsAndHistoryEdits) {
  auto ts_of = [&](const std::string& key, uint64_t at) -> uint64_t {
    auto v = part_->Latest(key, at);
    EXPECT_TRUE(v.ok());
    return v.ok() && v->has_value() ? (*v)->ts : 0;
  };
  Apply(10, {Ver("a", Action::kCreate, "a10")});
  EXPECT_EQ(ts_of("a", 10), 10u);  // cached now
  Apply(20, {Ver("a", Action::kUpdate, "a20")});
  EXPECT_EQ(ts_of("a", 15), 10u) << "an older snapshot still finds the older version";
  EXPECT_EQ(ts_of("a", 20), 20u) << "a write drops the cached row";
  EXPECT_EQ(ts_of("a", 20), 20u);
  EXPECT_EQ(ts_of("a", 19), 10u) << "a cached row newer than the snapshot is not used";
  Apply(30, {Ver("a", Action::kUpdate, "a30")});
  // Read at 25 while 30 is applied: that version is not the newest and must
  // not be cached as if it were.
  EXPECT_EQ(ts_of("a", 25), 20u);
  EXPECT_EQ(ts_of("a", 40), 30u);
  // A history edit newer than the newest version becomes the newest.
  Apply(50, {VersionWrite{"a", 45, Val(Action::kUpdate, "a45"), false}});
  EXPECT_EQ(ts_of("a", 100), 45u);
  auto v = part_->Latest("a", 100);
  EXPECT_EQ((*v)->value, Val(Action::kUpdate, "a45"));
  Apply(60, {Ver("a", Action::kDelete, "")});
  EXPECT_EQ((*part_->Latest("a", 100))->action(), Action::kDelete);
}

// One writer applies a new version of "k" at every ts while readers read
// "k" at the applied ts: each must find exactly the version at that ts. A
// row cached from a read that raced a write would be found stale later.
TEST_F(PartitionTest, CachedRowsAreNeverStaleUnderConcurrentWrites) {
  Apply(1, {Ver("k", Action::kCreate, "1")});
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        uint64_t at = part_->applied_ts();
        auto v = part_->Latest("k", at);
        if (!v.ok() || !v->has_value() || (*v)->ts != at) stale.fetch_add(1);
      }
    });
  }
  for (uint64_t ts = 2; ts <= 20000; ++ts) {
    std::vector<VersionWrite> w = {Ver("k", Action::kUpdate, std::to_string(ts))};
    std::vector<const VersionWrite*> ptrs = {&w[0]};
    w[0].ts = ts;
    ASSERT_TRUE(part_->Apply(ts, ptrs).ok());
  }
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ((*part_->Latest("k", 20000))->ts, 20000u);
}

TEST_F(PartitionTest, ScanChoosesTheVisibleVersionInBothDirections) {
  // "a" gets a long history, past the scan's skip-ahead threshold.
  for (uint64_t ts = 1; ts <= 12; ++ts) {
    std::vector<VersionWrite> w = {Ver("a", Action::kUpdate, std::to_string(ts))};
    if (ts == 1) w.push_back(Ver("c", Action::kCreate, "c"));
    if (ts == 3) w.push_back(Ver("b", Action::kCreate, "b"));
    if (ts == 6) w.push_back(Ver("c", Action::kDelete, ""));
    ASSERT_NO_FATAL_FAILURE(Apply(ts, w));
  }
  using V = std::vector<std::pair<std::string, uint64_t>>;
  EXPECT_EQ(Visible(5, false), (V{{"a", 5}, {"b", 3}, {"c", 1}}));
  EXPECT_EQ(Visible(5, true), (V{{"c", 1}, {"b", 3}, {"a", 5}}));
  EXPECT_EQ(Visible(12, false), (V{{"a", 12}, {"b", 3}}));
  EXPECT_EQ(Visible(12, true), (V{{"b", 3}, {"a", 12}}));
  EXPECT_EQ(Visible(2, false), (V{{"a", 2}, {"c", 1}}));
  EXPECT_EQ(Visible(0, false), V{});
  EXPECT_EQ(Visible(12, false, "b", "c"), (V{{"b", 3}}));
  EXPECT_EQ(Visible(5, true, "b", "c"), (V{{"b", 3}}));
  // The values are the chosen versions' (lent by the iterator forward,
  // copied backward), and stay valid until the next step.
  for (bool reverse : {false, true}) {
    auto it = part_->Scan("a", "z", 5, reverse);
    std::vector<std::string> values;
    for (; it->Valid(); it->Next()) values.emplace_back(it->version().value);
    std::vector<std::string> want = {Val(Action::kUpdate, "5"), Val(Action::kCreate, "b"),
                                     Val(Action::kCreate, "c")};
    if (reverse) std::reverse(want.begin(), want.end());
    EXPECT_EQ(values, want) << (reverse ? "backward" : "forward");
  }
}

// The merge of several partitions (five: not a power of two, so the
// tournament has empty seats) and a transaction's own writes (new keys,
// replacements and deletes), forward and backward, against a sorted map.
TEST(VersionMergeTest, MergesPartitionsAndOwnWritesInKeyOrder) {
  ScratchDir dir("fql_merge");
  constexpr int kParts = 5;
  std::vector<std::unique_ptr<Partition>> parts;
  for (int p = 0; p < kParts; ++p) {
    auto opened = Partition::Open(dir.path() + "/p" + std::to_string(p));
    ASSERT_TRUE(opened.ok());
    parts.push_back(std::move(opened).value());
  }
  std::mt19937 rng(7);
  std::map<std::string, std::string> want;  // key -> value, what the merge must yield
  for (int p = 0; p < kParts; ++p) {
    std::vector<VersionWrite> writes;
    for (int i = 0; i < 40 + p * 7; ++i) {
      std::string key = "k" + std::to_string(rng() % 1000000);
      if (want.count(key)) continue;  // a key lives in one partition
      writes.push_back(Ver(key, Action::kCreate, "p" + std::to_string(p)));
      want[key] = writes.back().value;
    }
    std::vector<const VersionWrite*> ptrs;
    for (VersionWrite& w : writes) ptrs.push_back((w.ts = 5, &w));
    ASSERT_TRUE(parts[p]->Apply(5, ptrs).ok());
  }
  std::vector<std::pair<std::string, internal::Version>> own;
  for (auto it = want.begin(); it != want.end(); ++it) {
    if (rng() % 4 == 0)
      own.emplace_back(it->first, internal::Version{9, Val(Action::kUpdate, "own")});
    if (rng() % 9 == 0)
      own.emplace_back(it->first + "x", internal::Version{9, Val(Action::kDelete, "")});
  }
  own.emplace_back("k", internal::Version{9, Val(Action::kCreate, "first")});
  own.emplace_back("zz", internal::Version{9, Val(Action::kCreate, "last")});
  std::sort(own.begin(), own.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, v] : own) {
    if (v.action() == Action::kDelete) {
      want.erase(key);
    } else {
      want[key] = v.value;
    }
  }
  for (bool reverse : {false, true}) {
    std::vector<std::unique_ptr<internal::VisibleIterator>> its;
    for (auto& p : parts) its.push_back(p->Scan("a", "zzz", 10, reverse));
    auto own_order = own;
    if (reverse) std::reverse(own_order.begin(), own_order.end());
    internal::VersionMerge merge(std::move(its), own_order, reverse);
    std::vector<std::pair<std::string, std::string>> got;
    while (merge.Advance()) got.emplace_back(merge.key(), merge.version().value);
    EXPECT_TRUE(merge.status().ok());
    std::vector<std::pair<std::string, std::string>> expected(want.begin(), want.end());
    if (reverse) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(got, expected) << (reverse ? "backward" : "forward");
  }
}

TEST(ConflictTrackerTest, RejectsKeysAndHalfOpenRangesWrittenAfterTheReadTs) {
  ConflictTracker t;
  t.Record(10, {"m"});
  EXPECT_FALSE(t.Check(9, {"m"}, {}));
  EXPECT_TRUE(t.Check(10, {"m"}, {}));
  EXPECT_TRUE(t.Check(5, {"b"}, {}));
  EXPECT_FALSE(t.Check(5, {"b", "m"}, {}));
  EXPECT_FALSE(t.Check(5, {}, {{"a", "n"}}));
  EXPECT_FALSE(t.Check(5, {}, {{"m", "n"}})) << "begin is inclusive";
  EXPECT_TRUE(t.Check(5, {}, {{"a", "m"}})) << "end is exclusive";
  EXPECT_TRUE(t.Check(5, {}, {{"n", "z"}}));
  EXPECT_TRUE(t.Check(10, {}, {{"a", "z"}}));
}

TEST(ConflictTrackerTest, FloorRisesWhenMaxKeysIsExceeded) {
  ConflictTracker t(/*max_keys=*/4);
  t.Record(1, {"a", "b"});
  t.Record(2, {"c", "d"});
  EXPECT_EQ(t.floor_ts(), 0u);
  EXPECT_EQ(t.size(), 4u);
  t.Record(3, {"e"});
  EXPECT_EQ(t.floor_ts(), 1u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.Check(0, {"zzz"}, {})) << "below the floor nothing can be checked";
  EXPECT_TRUE(t.Check(1, {"a"}, {})) << "commit 1 is forgotten, and read ts 1 saw it";
  EXPECT_FALSE(t.Check(1, {"c"}, {}));
  EXPECT_FALSE(t.Check(2, {}, {{"e", "f"}}));
}

std::vector<PartitionWrite> SampleWrites() {
  return {{7, {std::string("D\0key", 5), 123456789012345ULL, Val(Action::kCreate, "x"), false}},
          {0, {"I-entry", 0, "", true}},
          {1023, {std::string(300, 'k'), UINT64_MAX, std::string(1000, '\xFF'), false}}};
}

TEST(WriteCodecTest, RoundTripsEveryField) {
  std::vector<PartitionWrite> writes = SampleWrites();
  auto back = internal::DecodeWrites(internal::EncodeWrites(writes));
  ASSERT_TRUE(back.ok() && back->size() == writes.size()) << back.status().ToString();
  auto fields = [](const PartitionWrite& w) {
    return std::tie(w.partition, w.write.key, w.write.ts, w.write.value, w.write.erase);
  };
  for (size_t i = 0; i < writes.size(); ++i) EXPECT_TRUE(fields(writes[i]) == fields((*back)[i]));
  auto empty = internal::DecodeWrites(internal::EncodeWrites({}));
  EXPECT_TRUE(empty.ok() && empty->empty());
}

TEST(WriteCodecTest, RejectsTruncatedOrPaddedPayloads) {
  std::string payload = internal::EncodeWrites(SampleWrites());
  for (size_t n = 0; n < payload.size(); ++n) {
    auto r = internal::DecodeWrites(std::string_view(payload).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted a payload cut at " << n;
    EXPECT_EQ(r.status().code(), ErrorCode::kIo);
  }
  EXPECT_FALSE(internal::DecodeWrites(payload + "x").ok());
  std::string wrong_format = payload;
  wrong_format[0] = 9;
  EXPECT_FALSE(internal::DecodeWrites(wrong_format).ok());
  // A huge count is rejected before anything is allocated for it.
  EXPECT_FALSE(internal::DecodeWrites(std::string("\x01\xFF\xFF\xFF\x7F", 5)).ok());
}

}  // namespace
}  // namespace fqldb::storage
