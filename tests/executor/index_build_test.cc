// CreateIndex over a collection of more than 128 documents: the index starts
// inactive and is built in the background while writers keep writing.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/executor/database_fixture.h"

namespace fqldb::executor {
namespace {

using namespace testing_db;  // NOLINT: the shared helpers

// The shared fixture (a Database on a fresh directory, Must, Reopen), with
// a collection of items and the check that an index agrees with a scan.
class IndexBuildTest : public DatabaseTest {
 protected:
  // Creates items 0..n-1 with k = id % 4, in batches.
  void Load(int n) {
    Must(R"(CreateCollection({name: "items"}))");
    Result<Query> load = Compile(
        R"(Foreach(ids, Lambda("i", Create(Ref(Collection("items"), ToString(Var("i"))), {data: {k: Modulo(Var("i"), 4)}}))))",
        {"ids"});
    ASSERT_TRUE(load.ok());
    for (int i = 0; i < n;) {
      Array ids;
      for (int b = 0; b < 500 && i < n; ++b, ++i) ids.push_back(Value::Long(i));
      ASSERT_TRUE(db_->Execute(*load, {Value::MakeArray(std::move(ids))}, RunOptions{}, 0).ok());
    }
  }

  // The index's refs under term k, and the refs a scan of the collection
  // finds with that k: they must be the same.
  void ExpectIndexMatchesScan(const std::string& index) {
    for (int k = 0; k < 4; ++k) {
      std::string kk = std::to_string(k);
      Value indexed = Must(Fill(
          Fill(R"(Select("data", Paginate(Match(Index("$I"), $K), {size: 100000})))", "$I", index),
          "$K", kk));
      Value scanned = Must(Fill(
          R"(Select("data", Paginate(Filter(Documents(Collection("items")), Lambda("r", Equals(Select(["data", "k"], Get(Var("r"))), $K))), {size: 100000})))",
          "$K", kk));
      ASSERT_TRUE(indexed.is_array() && scanned.is_array());
      EXPECT_GT(scanned.array().size(), 0u);
      EXPECT_EQ(ToFql(indexed), ToFql(scanned)) << index << " k=" << k;
    }
  }
};

TEST_F(IndexBuildTest, BuildsInTheBackgroundWhileWritersKeepWriting) {
  Load(3000);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> writers;
  // One item changes all the time: every chunk that holds it conflicts
  // until the build takes fewer documents per chunk.
  writers.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      Exec(*db_, Fill(R"(Update(Ref(Collection("items"), "7"), {data: {k: $K}}))", "$K",
                      std::to_string(n % 4)));
    }
  });
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int n = 0; !stop.load(); ++n) {
        std::string id = std::to_string(8 + rng() % 2992);  // not the hot item
        std::string k = std::to_string(rng() % 4);
        std::string q;
        switch (n % 3) {
          case 0:  // a new item
            q = Fill(Fill(R"(Create(Ref(Collection("items"), "$I"), {data: {k: $K}}))", "$I",
                          "new" + std::to_string(t) + "_" + std::to_string(n)),
                     "$K", k);
            break;
          case 1:  // an item changes term
            q = Fill(
                Fill(
                    R"(If(Exists(Ref(Collection("items"), "$I")), Update(Ref(Collection("items"), "$I"), {data: {k: $K}}), null))",
                    "$I", id),
                "$K", k);
            break;
          default:  // an item goes
            q = Fill(
                R"(If(Exists(Ref(Collection("items"), "$I")), Delete(Ref(Collection("items"), "$I")), null))",
                "$I", id);
        }
        Result<Value> r = Exec(*db_, q);
        if (!r.ok() && r.status().code() != ErrorCode::kContendedTransaction) {
          std::lock_guard<std::mutex> lock(mu);
          errors.push_back(r.status().ToString());
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(30));
  // Before background builds, this read every item in its own transaction
  // and conflicted with every write until it ran out of retries.
  Result<Value> created = Exec(
      *db_,
      R"(CreateIndex({name: "by_k", source: Collection("items"), terms: [{field: ["data", "k"]}]}))");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(ToFql(*created->Find("active")), "false");
  Result<Value> early = Exec(*db_, R"(Count(Match(Index("by_k"), 1)))");
  if (!early.ok()) {  // unless the build already finished
    EXPECT_EQ(early.status().code(), ErrorCode::kUnavailable);
    EXPECT_NE(early.status().description().find("not active yet"), std::string::npos);
  }
  ASSERT_TRUE(db_->WaitForIndexBuilds().ok());
  std::this_thread::sleep_for(milliseconds(30));  // writes to the active index
  stop = true;
  for (std::thread& w : writers) w.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(ToFql(Must(R"(Select("active", Get(Index("by_k"))))")), "true");
  EXPECT_GE(db_->BackgroundIndexed(), 1u);
  ExpectIndexMatchesScan("by_k");
}

TEST_F(IndexBuildTest, AnInterruptedBuildResumesWhenTheDatabaseOpensAgain) {
  Load(3000);
  Value created = Must(
      R"(CreateIndex({name: "by_k", source: Collection("items"), terms: [{field: ["data", "k"]}]}))");
  EXPECT_EQ(ToFql(*created.Find("active")), "false");
  Reopen();  // stops the build between two of its transactions, if it is still running
  ASSERT_TRUE(db_->WaitForIndexBuilds().ok());
  EXPECT_EQ(ToFql(Must(R"(Select("active", Get(Index("by_k"))))")), "true");
  ExpectIndexMatchesScan("by_k");
  // Entries are added once: the build skips those already there.
  EXPECT_EQ(Must(R"(Count(Events(Match(Index("by_k"), 2))))").as_long(), 750);
}

// Renamed while its build runs: the build carries on under the new name.
TEST_F(IndexBuildTest, AnIndexRenamedDuringItsBuildIsBuiltUnderItsNewName) {
  Load(3000);
  Value created = Must(
      R"(CreateIndex({name: "by_k", source: Collection("items"), terms: [{field: ["data", "k"]}]}))");
  EXPECT_EQ(ToFql(*created.Find("active")), "false");
  Value renamed = Must(R"(Update(Index("by_k"), {name: "items_by_k"}))");
  EXPECT_EQ(ToFql(*renamed.Find("name")), "'items_by_k'");
  ASSERT_TRUE(db_->WaitForIndexBuilds().ok());
  EXPECT_EQ(ToFql(Must(R"(Exists(Index("by_k")))")), "false");
  EXPECT_EQ(ToFql(Must(R"(Select("active", Get(Index("items_by_k"))))")), "true");
  ExpectIndexMatchesScan("items_by_k");
  EXPECT_EQ(Must(R"(Count(Events(Match(Index("items_by_k"), 2))))").as_long(), 750)
      << "each entry is added once";
}

TEST_F(IndexBuildTest, SmallUniqueOrActiveIndexesBuildAtOnceAndActiveCannotBeSet) {
  Load(300);
  // Unique indexes are checked while they are built, so they build at once.
  Value unique = Must(
      R"(CreateIndex({name: "by_id", source: Collection("items"), terms: [{field: ["ref"]}], unique: true}))");
  EXPECT_EQ(ToFql(*unique.Find("active")), "true");
  Value asked = Must(
      R"(CreateIndex({name: "by_k_now", source: Collection("items"), terms: [{field: ["data", "k"]}], active: true}))");
  EXPECT_EQ(ToFql(*asked.Find("active")), "true");
  ExpectIndexMatchesScan("by_k_now");
  Result<Value> set = Exec(*db_, R"(Update(Index("by_k_now"), {active: false}))");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), ErrorCode::kValidationFailed);
  // An index deleted while it builds stops building; one made again under
  // the same name is built from its own definition.
  Must(
      R"(CreateIndex({name: "by_k", source: Collection("items"), terms: [{field: ["data", "nothing"]}]}))");
  Must(R"(Delete(Index("by_k")))");
  Must(
      R"(CreateIndex({name: "by_k", source: Collection("items"), terms: [{field: ["data", "k"]}]}))");
  ASSERT_TRUE(db_->WaitForIndexBuilds().ok());
  ExpectIndexMatchesScan("by_k");
}

TEST_F(IndexBuildTest, ABuildThatFailsOnADocumentSaysWhyAndIsNotResumed) {
  Load(300);
  // 101 x 101 = 10,201 entries: more than one document may produce.
  std::string nums;
  for (int i = 0; i <= 100; ++i) nums += (i ? ", " : "") + std::to_string(i);
  Must(Fill(R"(Create(Ref(Collection("items"), "big"), {data: {a: [$N], b: [$N]}}))", "$N", nums));
  Value created = Must(
      R"(CreateIndex({name: "by_ab", source: Collection("items"), terms: [{field: ["data", "a"]}, {field: ["data", "b"]}]}))");
  EXPECT_EQ(ToFql(*created.Find("active")), "false");
  Status built = db_->WaitForIndexBuilds();
  EXPECT_EQ(built.code(), ErrorCode::kInvalidArgument) << built.ToString();
  Value index = Must(R"(Get(Index("by_ab")))");
  EXPECT_EQ(ToFql(*index.Find("active")), "false");
  ASSERT_NE(index.Find("build_error"), nullptr);
  EXPECT_NE(index.Find("build_error")->str().find("more than 10000 entries"), std::string::npos);
  Result<Value> read = Exec(*db_, R"(Count(Match(Index("by_ab"), [1, 2])))");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(read.status().description().find("its build failed"), std::string::npos);
  // Replace keeps what the build said; the next open does not build it again.
  Must(
      R"(Replace(Index("by_ab"), {name: "by_ab", source: Collection("items"), terms: [{field: ["data", "a"]}, {field: ["data", "b"]}], data: {note: 1}}))");
  Reopen();
  EXPECT_TRUE(db_->WaitForIndexBuilds().ok());
  index = Must(R"(Get(Index("by_ab")))");
  EXPECT_EQ(ToFql(*index.Find("active")), "false");
  EXPECT_NE(index.Find("build_error"), nullptr);
  Must(R"(Delete(Index("by_ab")))");
}

}  // namespace
}  // namespace fqldb::executor
