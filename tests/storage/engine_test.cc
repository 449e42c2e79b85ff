#include "storage/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "storage/doc_codec.h"
#include "storage/internal/partition.h"
#include "storage/transaction.h"
#include "tests/scratch_dir.h"

namespace fqldb::storage {
namespace {

namespace fs = std::filesystem;
using internal::Partition;
using Ids = std::vector<std::string>;
using Hits = std::vector<std::pair<std::string, int64_t>>;  // (ref id, first index value)

constexpr uint64_t kColl = 5000;

using testing_support::ScratchDir;

DocAddress Addr(const std::string& id, uint64_t coll = kColl) { return {kRootDb, coll, id}; }
Value CollRef() { return Value::Ref("things", Value::NativeRef("collections")); }
Value RefOf(const std::string& id) { return Value::Ref(id, CollRef()); }
Value Data(Fields f) { return Value::MakeObject({{"data", Value::MakeObject(std::move(f))}}); }
Value Body(int64_t n) { return Data({{"n", Value::Long(n)}}); }
Value KV(const std::string& k, int64_t v) {
  return Data({{"k", Value::String(k)}, {"v", Value::Long(v)}});
}

// The version of `id` a transaction reads (nullopt when there is none).
std::optional<DocRecord> Doc(Transaction& txn, const std::string& id,
                             std::optional<uint64_t> at = {}) {
  auto r = txn.Read(Addr(id), at);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}
// The `data.n` of a read version; -1 when absent, -2 when deleted.
int64_t NOf(const std::optional<DocRecord>& r) {
  if (!r) return -1;
  if (r->action == Action::kDelete) return -2;
  return r->body.Find("data")->Find("n")->as_long();
}
uint64_t TsOf(const std::optional<DocRecord>& r) { return r ? r->ts : 0; }

Status WriteDoc(Transaction& txn, const std::string& id, const Value& body,
                Action action = Action::kCreate, std::span<const IndexDef* const> indexes = {}) {
  return txn.Write(Addr(id), RefOf(id), action, 0, body, indexes);
}

Ids ScanIds(Transaction& txn, const ScanBounds& bounds = {}) {
  Ids out;
  auto cursor = txn.ScanCollection(CollRef(), kRootDb, kColl, bounds);
  for (; cursor->Valid(); cursor->Next()) out.push_back(cursor->entry().ref().ref_id());
  EXPECT_TRUE(cursor->status().ok()) << cursor->status().ToString();
  return out;
}

Ids IdRange(int from, int to) {  // inclusive, in either direction
  Ids out;
  for (int i = from;; i += from <= to ? 1 : -1) {
    out.push_back(std::to_string(i));
    if (i == to) return out;
  }
}

// Terms [data.k], values [data.v] (reversed on request).
IndexDef MakeIndex(uint64_t uid, bool reverse, bool unique = false) {
  IndexField term{{Value::String("data"), Value::String("k")}, nullptr, false};
  IndexField value{{Value::String("data"), Value::String("v")}, nullptr, reverse};
  return IndexDef{kRootDb, uid, {kColl}, {term}, {value}, unique};
}

Hits IndexHits(Transaction& txn, const IndexDef& def, const std::string& term,
               std::optional<uint64_t> at = {}) {
  auto cursor = txn.ScanIndex(def, Array{Value::String(term)}, ScanBounds{}, at);
  Hits out;
  for (EntryCursor* c = cursor.ok() ? cursor->get() : nullptr; c && c->Valid(); c->Next()) {
    out.emplace_back(c->entry().ref().ref_id(), c->entry().values.at(0).as_long());
  }
  EXPECT_TRUE(cursor.ok() && (*cursor)->status().ok()) << cursor.status().ToString();
  return out;
}

// An engine on a fresh directory (8 partitions; kAsync, since in-process
// reopening does not depend on fsync).
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the engine, if open, and opens the directory again.
  void Reopen(uint32_t partitions = 8) {
    ReopenWith(EngineOptions{partitions, Durability::kAsync, 1u << 20});
  }
  void ReopenWith(const EngineOptions& options) {
    engine_.reset();
    auto e = Engine::Open(dir_.path(), options);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  Transaction Begin() { return Transaction(*engine_, engine_->ReadTs(), engine_->ReadTs() + 1); }

  // Writes one document in its own transaction and commits it.
  Result<uint64_t> Put(const std::string& id, const Value& body, Action action = Action::kCreate,
                       std::span<const IndexDef* const> indexes = {}) {
    Transaction txn = Begin();
    FQL_RETURN_IF_ERROR(WriteDoc(txn, id, body, action, indexes));
    return txn.Commit();
  }

  // Commits documents "0".."n-1" ({data: {n: i}}), one per transaction.
  std::vector<uint64_t> PutNumbered(int n) {
    std::vector<uint64_t> ts;
    for (int i = 0; i < n; ++i) {
      Result<uint64_t> t = Put(std::to_string(i), Body(i));
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      ts.push_back(t.ok() ? *t : 0);
    }
    return ts;
  }

  // Checks that document i holds i at ts[i], and that nothing else exists.
  void ExpectNumbered(const std::vector<uint64_t>& ts) {
    EXPECT_GE(engine_->ReadTs(), ts.back());
    Transaction txn = Begin();
    for (size_t i = 0; i < ts.size(); ++i) {
      std::optional<DocRecord> r = Doc(txn, std::to_string(i));
      EXPECT_EQ(NOf(r), static_cast<int64_t>(i));
      EXPECT_EQ(TsOf(r), ts[i]) << i;
    }
    EXPECT_EQ(ScanIds(txn).size(), ts.size());
  }

  ScratchDir dir_{"fql_engine"};
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, ReadsTheVersionVisibleAtEachSnapshot) {
  Result<uint64_t> ts1 = Put("1", Body(1));
  Result<uint64_t> ts2 = Put("1", Body(2), Action::kUpdate);
  ASSERT_TRUE(ts1.ok() && ts2.ok());
  ASSERT_GT(*ts2, *ts1);
  EXPECT_GE(engine_->ReadTs(), *ts2);

  Transaction at1(*engine_, *ts1, *ts1 + 1);
  EXPECT_EQ(NOf(Doc(at1, "1")), 1);
  EXPECT_EQ(TsOf(Doc(at1, "1")), *ts1);
  Transaction at2(*engine_, *ts2, *ts2 + 1);
  EXPECT_EQ(NOf(Doc(at2, "1")), 2);
  EXPECT_EQ(NOf(Doc(at2, "1", *ts2 - 1)), 1) << "between the two commits";
  EXPECT_EQ(NOf(Doc(at2, "1", *ts1 - 1)), -1) << "before the first";

  Result<uint64_t> ts3 = Put("1", Value(), Action::kDelete);
  ASSERT_TRUE(ts3.ok()) << ts3.status().ToString();
  Transaction after = Begin();
  std::optional<DocRecord> gone = Doc(after, "1");
  ASSERT_TRUE(gone.has_value()) << "a delete reads as a record";
  EXPECT_EQ(gone->action, Action::kDelete);
  EXPECT_EQ(gone->ts, *ts3);
  EXPECT_TRUE(gone->body.is_null());
  EXPECT_EQ(NOf(Doc(at2, "1")), 2) << "an older snapshot does not see the delete";

  std::vector<std::pair<uint64_t, Action>> history;
  Result<std::vector<DocRecord>> versions = after.History(Addr("1"));  // outlives the loop
  ASSERT_TRUE(versions.ok());
  for (const DocRecord& r : *versions) history.emplace_back(r.ts, r.action);
  EXPECT_EQ(history,
            (std::vector<std::pair<uint64_t, Action>>{
                {*ts1, Action::kCreate}, {*ts2, Action::kUpdate}, {*ts3, Action::kDelete}}));
  EXPECT_EQ(after.History(Addr("1"), *ts2)->size(), 2u);
}

// ReadStored is Read without the decode (compiled scans of index ranges
// use it): the same version, its ts, and bytes DocView reads.
TEST_F(EngineTest, ReadStoredSeesWhatReadSeesUndecoded) {
  Result<uint64_t> ts1 = Put("1", Body(1));
  Result<uint64_t> ts2 = Put("1", Body(2), Action::kUpdate);
  ASSERT_TRUE(ts1.ok() && ts2.ok());
  auto n_of = [](Transaction& txn, const std::string& id,
                 std::optional<uint64_t> at = {}) -> std::pair<int64_t, uint64_t> {
    auto r = txn.ReadStored(Addr(id), at);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || !*r) return {-1, 0};
    Result<DocView> view = DocView::Of((*r)->second);
    EXPECT_TRUE(view.ok());
    if (!view.ok()) return {-3, 0};
    std::optional<DocView> n = view->Field("data");
    if (n) n = n->Field("n");
    return {n ? n->as_long() : -4, (*r)->first};
  };
  Transaction txn(*engine_, engine_->ReadTs(), engine_->ReadTs() + 1000);
  EXPECT_EQ(n_of(txn, "1"), std::make_pair(int64_t{2}, *ts2));
  EXPECT_EQ(n_of(txn, "1", *ts2 - 1), std::make_pair(int64_t{1}, *ts1)) << "an older snapshot";
  EXPECT_EQ(n_of(txn, "2"), std::make_pair(int64_t{-1}, uint64_t{0})) << "never written";
  ASSERT_TRUE(WriteDoc(txn, "2", Body(20)).ok());
  EXPECT_EQ(n_of(txn, "2"), std::make_pair(int64_t{20}, txn.provisional_ts())) << "its own write";
  ASSERT_TRUE(WriteDoc(txn, "1", Value(), Action::kDelete).ok());
  EXPECT_EQ(n_of(txn, "1"), std::make_pair(int64_t{-1}, uint64_t{0})) << "its own delete";
}

TEST_F(EngineTest, DocumentCursorsLendWhatReadStoredReads) {
  std::vector<uint64_t> ts = PutNumbered(20);
  ASSERT_TRUE(Put("3", Body(33), Action::kUpdate).ok());
  uint64_t before_update = ts.back();
  Transaction txn(*engine_, engine_->ReadTs(), engine_->ReadTs() + 1000);
  ASSERT_TRUE(WriteDoc(txn, "20", Body(20)).ok());                  // its own create
  ASSERT_TRUE(WriteDoc(txn, "5", Body(55), Action::kUpdate).ok());  // and update
  ASSERT_TRUE(WriteDoc(txn, "7", Value(), Action::kDelete).ok());   // and delete
  for (std::optional<uint64_t> at : {std::optional<uint64_t>(), std::optional(before_update)}) {
    auto cursor = txn.ScanCollection(CollRef(), kRootDb, kColl, ScanBounds{}, at);
    int seen = 0;
    for (; cursor->Valid(); cursor->Next(), ++seen) {
      const std::string& id = cursor->entry().ref().ref_id();
      std::optional<EntryCursor::StoredVersion> lent = cursor->stored();
      auto read = txn.ReadStored(Addr(id), at);
      ASSERT_TRUE(read.ok() && *read) << id;
      ASSERT_TRUE(lent.has_value()) << id;
      EXPECT_EQ(lent->at, at);
      EXPECT_EQ(lent->ts, (*read)->first) << id;
      EXPECT_EQ(lent->body, (*read)->second) << id;
    }
    EXPECT_TRUE(cursor->status().ok());
    // At the older snapshot the 20 committed; at its own, one deleted and one created.
    EXPECT_EQ(seen, 20);
  }
  // Index cursors lend nothing: their entries are not documents.
  IndexDef def = MakeIndex(9, false);
  auto index = txn.ScanIndex(def, Array{Value::String("k")}, ScanBounds{});
  ASSERT_TRUE(index.ok());
  EXPECT_FALSE((*index)->stored().has_value());
}

TEST_F(EngineTest, TransactionSeesItsOwnWritesBeforeCommit) {
  ASSERT_TRUE(Put("1", Body(1)).ok());
  ASSERT_TRUE(Put("2", Body(2)).ok());
  Transaction txn(*engine_, engine_->ReadTs(), engine_->ReadTs() + 1000);
  ASSERT_TRUE(WriteDoc(txn, "3", Body(3)).ok());
  ASSERT_TRUE(WriteDoc(txn, "2", Body(22), Action::kUpdate).ok());
  ASSERT_TRUE(WriteDoc(txn, "1", Value(), Action::kDelete).ok());
  EXPECT_EQ(NOf(Doc(txn, "3")), 3);
  EXPECT_EQ(TsOf(Doc(txn, "3")), txn.provisional_ts());
  EXPECT_EQ(NOf(Doc(txn, "2")), 22);
  EXPECT_EQ(NOf(Doc(txn, "1")), -2);
  EXPECT_EQ(ScanIds(txn), (Ids{"2", "3"}));
  EXPECT_EQ(ScanIds(txn, ScanBounds{"", "", true}), (Ids{"3", "2"}));

  Transaction other = Begin();
  EXPECT_EQ(ScanIds(other), (Ids{"1", "2"}));
  Result<uint64_t> ts = txn.Commit();
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  Transaction after = Begin();
  EXPECT_EQ(ScanIds(after), (Ids{"2", "3"}));
  EXPECT_EQ(TsOf(Doc(after, "3")), *ts);
}

TEST_F(EngineTest, ScansInRefOrderAcrossPartitionsWithinBounds) {
  std::vector<int> ids(100);
  std::iota(ids.begin(), ids.end(), 1);
  std::shuffle(ids.begin(), ids.end(), std::mt19937(7));
  for (size_t b = 0; b < ids.size(); b += 10) {
    Transaction txn = Begin();
    for (size_t j = b; j < b + 10; ++j) {
      ASSERT_TRUE(WriteDoc(txn, std::to_string(ids[j]), Body(ids[j])).ok());
    }
    ASSERT_TRUE(txn.Commit().ok());
  }
  for (uint32_t p = 0; p < engine_->partitions(); ++p) {
    EXPECT_GT(engine_->partition(p).applied_ts(), 0u) << "no document in partition " << p;
  }
  Transaction txn = Begin();
  EXPECT_EQ(ScanIds(txn), IdRange(1, 100)) << "numeric ids order by value";
  EXPECT_EQ(ScanIds(txn, ScanBounds{"", "", true}), IdRange(100, 1));

  // Bounds: start is inclusive, stop exclusive, in both directions.
  Result<std::string> start = EncodeOrderPrefix(nullptr, Array{RefOf("10")});
  Result<std::string> stop = EncodeOrderPrefix(nullptr, Array{RefOf("20")});
  ASSERT_TRUE(start.ok() && stop.ok());
  EXPECT_EQ(ScanIds(txn, ScanBounds{*start, *stop, false}), IdRange(10, 19));
  EXPECT_EQ(ScanIds(txn, ScanBounds{*start, *stop, true}), IdRange(19, 10));
  EXPECT_EQ(ScanIds(txn, ScanBounds{*start, "", false}), IdRange(10, 100));
  EXPECT_EQ(ScanIds(txn, ScanBounds{"", *stop, true}), IdRange(19, 1));
  EXPECT_EQ(ScanIds(txn, ScanBounds{*start, OrderPrefixSuccessor(*stop), false}), IdRange(10, 20));
  Result<std::string> not_ref = EncodeOrderPrefix(nullptr, Array{Value::Long(3)});
  EXPECT_EQ(not_ref.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EngineTest, IndexHoldsExactlyTheLiveDocumentsInValueOrder) {
  IndexDef asc = MakeIndex(6000, false), desc = MakeIndex(6001, true);
  std::vector<const IndexDef*> both = {&asc, &desc};
  auto write = [&](Transaction& txn, const std::string& id, Action action, const Value& body) {
    Status st = WriteDoc(txn, id, body, action, both);
    EXPECT_TRUE(st.ok()) << st.ToString();
  };
  Transaction create = Begin();
  write(create, "1", Action::kCreate, KV("a", 3));
  write(create, "2", Action::kCreate, KV("a", 1));
  write(create, "3", Action::kCreate, KV("b", 2));
  write(create, "4", Action::kCreate, KV("a", 2));
  Result<uint64_t> created_ts = create.Commit();
  ASSERT_TRUE(created_ts.ok()) << created_ts.status().ToString();

  Transaction change = Begin();
  EXPECT_EQ(IndexHits(change, asc, "a"), (Hits{{"2", 1}, {"4", 2}, {"1", 3}}));
  EXPECT_EQ(IndexHits(change, desc, "a"), (Hits{{"1", 3}, {"4", 2}, {"2", 1}}));
  EXPECT_EQ(IndexHits(change, asc, "b"), (Hits{{"3", 2}}));
  write(change, "1", Action::kUpdate, KV("a", 0));
  write(change, "3", Action::kUpdate, KV("a", 5));
  write(change, "2", Action::kDelete, Value());
  EXPECT_EQ(IndexHits(change, asc, "a"), (Hits{{"1", 0}, {"4", 2}, {"3", 5}})) << "own writes";
  ASSERT_TRUE(change.Commit().ok());

  Transaction txn = Begin();
  EXPECT_EQ(IndexHits(txn, asc, "a"), (Hits{{"1", 0}, {"4", 2}, {"3", 5}}));
  EXPECT_EQ(IndexHits(txn, desc, "a"), (Hits{{"3", 5}, {"4", 2}, {"1", 0}}));
  EXPECT_EQ(IndexHits(txn, asc, "b"), Hits{});
  EXPECT_EQ(IndexHits(txn, asc, "a", *created_ts), (Hits{{"2", 1}, {"4", 2}, {"1", 3}}));
}

TEST_F(EngineTest, UniqueIndexRejectsADuplicateAndCommitsNothing) {
  IndexDef uniq = MakeIndex(6002, false, /*unique=*/true);
  std::vector<const IndexDef*> idx = {&uniq};
  ASSERT_TRUE(Put("1", KV("a", 1), Action::kCreate, idx).ok());
  ASSERT_TRUE(Put("2", KV("a", 2), Action::kCreate, idx).ok()) << "same term, other value";
  uint64_t commits = engine_->stats().commits;

  Transaction dup = Begin();
  Status st = WriteDoc(dup, "4", KV("a", 1), Action::kCreate, idx);
  EXPECT_EQ(st.code(), ErrorCode::kInstanceNotUnique) << st.ToString();
  EXPECT_FALSE(dup.has_writes());
  EXPECT_TRUE(dup.Commit().ok());
  EXPECT_EQ(engine_->stats().commits, commits);
  // Rewriting a document with its own terms and values is no duplicate.
  Value same = Data({{"k", Value::String("a")}, {"v", Value::Long(1)}, {"x", Value::Long(9)}});
  ASSERT_TRUE(Put("1", same, Action::kUpdate, idx).ok());

  // Two transactions insert the same entry concurrently: the range that the
  // uniqueness check read makes the second commit conflict.
  Transaction t1 = Begin(), t2 = Begin();
  ASSERT_TRUE(WriteDoc(t1, "5", KV("c", 9), Action::kCreate, idx).ok());
  ASSERT_TRUE(WriteDoc(t2, "6", KV("c", 9), Action::kCreate, idx).ok());
  ASSERT_TRUE(t1.Commit().ok());
  EXPECT_EQ(t2.Commit().status().code(), ErrorCode::kContendedTransaction);

  Transaction txn = Begin();
  EXPECT_EQ(IndexHits(txn, uniq, "a"), (Hits{{"1", 1}, {"2", 2}}));
  EXPECT_EQ(IndexHits(txn, uniq, "c"), (Hits{{"5", 9}}));
  EXPECT_EQ(NOf(Doc(txn, "4")), -1);
  EXPECT_EQ(NOf(Doc(txn, "6")), -1);
}

// Entries of an index over `ts` are made when the sequencer picks the
// commit ts, so they hold it, and an update replaces the entry.
TEST_F(EngineTest, IndexOverTsHoldsOnlyTheCommitTs) {
  IndexDef by_ts{kRootDb, 6003, {kColl}, {}, {IndexField{{Value::String("ts")}, nullptr, false}}};
  std::vector<const IndexDef*> idx = {&by_ts};
  ASSERT_TRUE(Put("1", Body(1), Action::kCreate, idx).ok());
  Result<uint64_t> updated = Put("1", Body(2), Action::kUpdate, idx);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  Transaction txn = Begin();
  auto cursor = txn.ScanIndex(by_ts, Array{}, ScanBounds{});
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  std::vector<int64_t> seen;
  for (; (*cursor)->Valid(); (*cursor)->Next()) {
    seen.push_back((*cursor)->entry().values[0].as_long());
  }
  EXPECT_EQ(seen, std::vector<int64_t>{static_cast<int64_t>(*updated)});
}

TEST_F(EngineTest, HistoryEditsRewriteVersionsAndIndexEntriesDurably) {
  IndexDef idx = MakeIndex(6004, false);
  std::vector<const IndexDef*> defs = {&idx};
  Result<uint64_t> ts1 = Put("1", KV("a", 1), Action::kCreate, defs);
  Result<uint64_t> ts2 = Put("1", KV("b", 2), Action::kUpdate, defs);
  ASSERT_TRUE(ts1.ok() && ts2.ok());
  ASSERT_GT(*ts2, *ts1 + 1);
  // Insert a version between the two: term "c" holds the document in between.
  Transaction edit = Begin();
  DocRecord mid;
  mid.action = Action::kUpdate;
  mid.body = KV("c", 7);
  ASSERT_TRUE(edit.EditHistory(Addr("1"), RefOf("1"), *ts1 + 1, mid, defs).ok());
  EXPECT_EQ(IndexHits(edit, idx, "c"), Hits{})
      << "reads in the editing transaction do not see the edit";
  ASSERT_TRUE(edit.Commit().ok());
  // It must survive a restart, which replays or reads the partitions.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  Transaction txn = Begin();
  // The `data.v` of document 1 at a snapshot.
  auto v_at = [](Transaction& t, uint64_t at) -> int64_t {
    std::optional<DocRecord> r = Doc(t, "1", at);
    return r && r->action != Action::kDelete ? r->body.Find("data")->Find("v")->as_long() : -1;
  };
  EXPECT_EQ(v_at(txn, *ts1 + 1), 7);
  EXPECT_EQ(IndexHits(txn, idx, "c", *ts1 + 1), (Hits{{"1", 7}}));
  EXPECT_EQ(IndexHits(txn, idx, "a", *ts1 + 1), Hits{})
      << "the inserted version replaced a's entry";
  EXPECT_EQ(IndexHits(txn, idx, "a", *ts1), (Hits{{"1", 1}}));
  EXPECT_EQ(IndexHits(txn, idx, "c"), Hits{}) << "the later version still ends it";
  EXPECT_EQ(IndexHits(txn, idx, "b"), (Hits{{"1", 2}}));
  // Erase it again: history and entries are as before the insert.
  ASSERT_TRUE(txn.EditHistory(Addr("1"), RefOf("1"), *ts1 + 1, std::nullopt, defs).ok());
  ASSERT_TRUE(txn.Commit().ok());
  Transaction after = Begin();
  EXPECT_EQ(v_at(after, *ts1 + 1), 1);
  EXPECT_EQ(IndexHits(after, idx, "c", *ts1 + 1), Hits{});
  EXPECT_EQ(IndexHits(after, idx, "a", *ts1 + 1), (Hits{{"1", 1}}));
  EXPECT_EQ(after.History(Addr("1"))->size(), 2u);
  // The future is not history.
  EXPECT_EQ(after.EditHistory(Addr("1"), RefOf("1"), after.read_ts() + 10, mid, defs).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(EngineTest, ReopenedEngineReadsEveryCommit) {
  std::vector<uint64_t> ts = PutNumbered(50);
  ASSERT_NO_FATAL_FAILURE(Reopen(/*partitions=*/2));
  EXPECT_EQ(engine_->partitions(), 8u) << "an existing directory keeps its partition count";
  ExpectNumbered(ts);
  Result<uint64_t> next = Put("new", Body(0));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, ts.back());
}

TEST_F(EngineTest, CheckpointsDropTheLogAndIdlePartitionsDoNotHoldReplayBack) {
  EngineOptions small{8, Durability::kAsync, 1u << 20};
  small.log_segment_bytes = 4096;
  small.checkpoint_every = uint64_t{1} << 40;
  ASSERT_NO_FATAL_FAILURE(ReopenWith(small));
  auto segments = [&] {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir_.path() + "/log"))
      n += f.is_regular_file();
    return n;
  };
  // Every write goes to one document, so seven partitions stay idle.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(Put("1", Body(i), i == 0 ? Action::kCreate : Action::kUpdate).ok());
  }
  size_t before = segments();
  EXPECT_GT(before, 3u);
  // The idle partitions last recorded the ts of the previous open, so this
  // open replays the 200 commits; its checkpoint then drops the old segments.
  ASSERT_NO_FATAL_FAILURE(ReopenWith(small));
  EXPECT_EQ(engine_->stats().replayed, 200u);
  EXPECT_LE(segments(), 1u) << "was " << before;
  ASSERT_NO_FATAL_FAILURE(ReopenWith(small));
  EXPECT_EQ(engine_->stats().replayed, 0u);
  Transaction txn = Begin();
  EXPECT_EQ(NOf(Doc(txn, "1")), 199);
  // Checkpoints also run every checkpoint_every commits.
  small.checkpoint_every = 50;
  ASSERT_NO_FATAL_FAILURE(ReopenWith(small));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Put("1", Body(i), Action::kUpdate).ok());
  EXPECT_LE(segments(), 3u);
  ASSERT_NO_FATAL_FAILURE(ReopenWith(small));
  EXPECT_EQ(engine_->stats().replayed, 0u);
  Transaction after = Begin();
  EXPECT_EQ(NOf(Doc(after, "1")), 99);
  // A partition that lost data the log no longer holds is refused, not served.
  engine_.reset();
  std::filesystem::remove_all(dir_.path() + "/part-005");
  Result<std::unique_ptr<Engine>> refused = Engine::Open(dir_.path(), small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kIo);
  EXPECT_NE(refused.status().description().find("part-005 is missing commits"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(EngineTest, ReplaysTheLogIntoALostPartition) {
  auto count_keys = [](const Partition& p) {
    size_t n = 0;
    for (auto it = p.Scan("", "\xFF", UINT64_MAX, false); it->Valid(); it->Next()) ++n;
    return n;
  };
  std::vector<uint64_t> ts = PutNumbered(40);
  uint64_t part3_ts = engine_->partition(3).applied_ts();
  size_t part3_keys = count_keys(engine_->partition(3));
  ASSERT_GT(part3_keys, 0u) << "the test needs documents in partition 3";
  engine_.reset();
  std::string part3 = dir_.path() + "/part-003";
  ASSERT_GT(fs::remove_all(part3), 0u);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(fs::exists(part3));
  EXPECT_GE(engine_->partition(3).applied_ts(), part3_ts);
  EXPECT_EQ(engine_->partition(3).applied_ts(), engine_->ReadTs())
      << "the checkpoint after opening";
  EXPECT_EQ(count_keys(engine_->partition(3)), part3_keys);
  ExpectNumbered(ts);
}

TEST_F(EngineTest, SecondOpenOfALockedDirectoryFails) {
  Result<std::unique_ptr<Engine>> second = Engine::Open(dir_.path(), EngineOptions{});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.status().description().find("in use"), std::string::npos)
      << second.status().description();
  engine_.reset();
  Result<std::unique_ptr<Engine>> third = Engine::Open(dir_.path(), EngineOptions{});
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST_F(EngineTest, OnlyTheSecondWriterOfTheSameDocumentConflicts) {
  ASSERT_TRUE(Put("1", Body(0)).ok());
  // All three read at the same ts; t1 and t2 write "1", t3 writes "2".
  Transaction t1 = Begin(), t2 = Begin(), t3 = Begin();
  for (auto [txn, n] : {std::pair{&t1, 1}, std::pair{&t2, 2}}) {
    EXPECT_EQ(NOf(Doc(*txn, "1")), 0);
    ASSERT_TRUE(WriteDoc(*txn, "1", Body(n), Action::kUpdate).ok());
  }
  ASSERT_TRUE(WriteDoc(t3, "2", Body(3)).ok());
  Result<uint64_t> ts1 = t1.Commit();
  ASSERT_TRUE(ts1.ok()) << ts1.status().ToString();
  EXPECT_EQ(t2.Commit().status().code(), ErrorCode::kContendedTransaction);
  Result<uint64_t> ts3 = t3.Commit();
  ASSERT_TRUE(ts3.ok()) << "disjoint writes both commit: " << ts3.status().ToString();
  EXPECT_GT(*ts3, *ts1);
  EXPECT_EQ(engine_->stats().conflicts, 1u);
  Transaction txn = Begin();
  EXPECT_EQ(NOf(Doc(txn, "1")), 1);
  EXPECT_EQ(NOf(Doc(txn, "2")), 3);
}

TEST_F(EngineTest, ScanConflictsWithAnInsertIntoItsRangeOnly) {
  ASSERT_TRUE(Put("1", Body(1)).ok());
  ASSERT_TRUE(Put("3", Body(3)).ok());
  Result<std::string> stop = EncodeOrderPrefix(nullptr, Array{RefOf("4")});
  ASSERT_TRUE(stop.ok());
  // Reads the ids below "4" and writes their count to another collection.
  auto count_below_4 = [&](Transaction& txn) {
    Ids seen = ScanIds(txn, ScanBounds{"", *stop, false});
    Status st = txn.Write(Addr("count", kColl + 1), RefOf("count"), Action::kUpdate, 0,
                          Body(static_cast<int64_t>(seen.size())), {});
    EXPECT_TRUE(st.ok()) << st.ToString();
    return seen;
  };
  Transaction phantom = Begin();
  EXPECT_EQ(count_below_4(phantom), (Ids{"1", "3"}));
  ASSERT_TRUE(Put("2", Body(2)).ok());  // inside the scanned range
  EXPECT_EQ(phantom.Commit().status().code(), ErrorCode::kContendedTransaction);

  Transaction reader = Begin();
  EXPECT_EQ(count_below_4(reader), (Ids{"1", "2", "3"}));
  ASSERT_TRUE(Put("4", Body(4)).ok());  // just past the range
  Result<uint64_t> ok = reader.Commit();
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

}  // namespace
}  // namespace fqldb::storage
