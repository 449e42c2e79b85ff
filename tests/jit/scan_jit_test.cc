// Compiled scans (Count, Map, Reduce over Filter(Documents(...)) through
// jit::PlanScan): on a real database, every result and error must equal the
// interpreter's, and the counters must show the scan really ran compiled.
#include <gtest/gtest.h>

#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/database.h"
#include "executor/internal/jit_loop.h"
#include "tests/scratch_dir.h"

namespace fqldb::executor {
namespace {

class ScanJitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(internal::SharedLoopJit(), nullptr);
    DatabaseOptions options;
    options.sync = false;
    auto db = Database::Open(dir_.path(), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_EQ(Run("Select('name', CreateCollection({name: 'orders'}))", JitMode::kOff), "'orders'");
    // 300 orders: totals 0..299 (every 7th a double), a status, and items;
    // every 50th has no total.
    ASSERT_EQ(
        Run("Count(Foreach(Range_(300), i => Create(Ref(Collection('orders'), Add(i, 1)), "
            "{data: If(Equals(Modulo(i, 50), 49), {status: 'lost'}, {total: If(Equals(Modulo(i, "
            "7), 0), Add(i, 0.5), i), status: If(Equals(Modulo(i, 3), 0), 'open', 'shipped'), "
            "items: [i, {qty: Modulo(i, 5)}]})})))",
            JitMode::kOff),
        "300");
  }

  // The query's value as FQL, or its error with the position.
  std::string Run(std::string text, JitMode mode) {
    // Range_(n): an array 0..n-1 built by the test, not an FQL builtin.
    if (auto at = text.find("Range_(300)"); at != std::string::npos) {
      std::string arr = "[";
      for (int i = 0; i < 300; ++i) arr += (i ? "," : "") + std::to_string(i);
      text.replace(at, 11, arr + "]");
    }
    auto parsed = frontend::ParseScript(text);
    if (!parsed.ok()) return "parse: " + parsed.errors[0].ToString();
    auto bound = frontend::Bind(*parsed.script->queries.at(0), {});
    if (!bound.ok()) return "bind: " + bound.status().ToString();
    RunOptions run;
    run.now = NowTimestamp();
    run.timeout = std::chrono::seconds(30);
    run.jit = mode;
    auto r = db_->Execute(*bound, {}, run);
    return r.ok() ? ToFql(*r)
                  : r.status().ToString() + " at " + std::to_string(r.status().source_pos().line) +
                        ":" + std::to_string(r.status().source_pos().column);
  }

  static uint64_t Runs() {
    jit::JitStats s = internal::SharedLoopJit()->stats();
    return s.compiles + s.hits;
  }

  // Runs `text` interpreted and compiled; both must agree. Returns the
  // compiled run's outcome; `compiled` says whether it ran as compiled code.
  std::string Both(const std::string& text, bool* compiled = nullptr) {
    std::string off = Run(text, JitMode::kOff);
    uint64_t before = Runs();
    std::string on = Run(text, JitMode::kAlways);
    if (compiled) *compiled = Runs() > before;
    EXPECT_EQ(off, on) << text;
    return on;
  }

  testing_support::ScratchDir dir_{"scan_jit"};
  std::unique_ptr<Database> db_;
};

TEST_F(ScanJitTest, CountMapAndReduceOverFilteredScansRunCompiled) {
  bool compiled = false;
  EXPECT_EQ(Both("Count(Filter(Documents(Collection('orders')), Lambda('o', GT(Select(['data', "
                 "'total'], Get(Var('o')), 0), 100))))",
                 &compiled),
            "195");  // totals 101..299, less the four without one
  EXPECT_TRUE(compiled);
  EXPECT_EQ(Both("Reduce((acc, o) => Add(acc, Select(['data', 'items', 1, 'qty'], Get(o))), 0, "
                 "Filter(Documents(Collection('orders')), o => Equals(Select(['data', 'status'], "
                 "Get(o)), 'open')))",
                 &compiled),
            "192");
  EXPECT_TRUE(compiled);
  EXPECT_EQ(
      Both("Map(Filter(Filter(Documents(Collection('orders')), o => LT(Select(['data', "
           "'total'], Get(o), 1000), 3)), o => IsNumber(Select(['data', 'total'], Get(o), "
           "null))), o => [o, Select(['data', 'total'], Get(o))])",
           &compiled),
      "[ [ Ref(Collection(\"orders\"), \"1\"), 0.5 ], [ Ref(Collection(\"orders\"), \"2\"), 1 ], "
      "[ Ref(Collection(\"orders\"), \"3\"), 2 ] ]");
  EXPECT_TRUE(compiled);
  // A double anywhere makes the sum a double, in ref order as interpreted.
  EXPECT_EQ(Both("Reduce((acc, o) => Add(acc, Select(['data', 'total'], Get(o), 0)), 0, "
                 "Documents(Collection('orders')))",
                 &compiled)
                .substr(0, 5),
            "43827");
  EXPECT_TRUE(compiled);
}

TEST_F(ScanJitTest, ErrorsAreTheInterpretersExactly) {
  // A failed compiled scan reruns interpreted, so these come from the same
  // code either way; the point is that nothing else (a crash, a partial
  // result) comes out.
  EXPECT_NE(Both("Count(Filter(Documents(Collection('orders')), o => GT(Select(['data', 'total'], "
                 "Get(o)), 100)))")
                .find("Value not found at path [data, total]. at 1:"),
            std::string::npos);
  EXPECT_NE(Both("Count(Filter(Documents(Collection('orders')), o => Select(['data', 'items', 0], "
                 "Get(o), 1)))")
                .find("Boolean expected, Integer provided"),
            std::string::npos);
  EXPECT_NE(
      Both("Map(Documents(Collection('orders')), o => Divide(10, Select(['data', 'items', 0], "
           "Get(o), 1)))")
          .find("Illegal division by zero"),
      std::string::npos);
}

TEST_F(ScanJitTest, SeesTheQuerysOwnWritesAndHistoryEdits) {
  std::string own =
      "Let({a: Create(Ref(Collection('orders'), '1000'), {data: {total: 5000}}), b: "
      "Delete(Ref(Collection('orders'), '300')), c: Update(Ref(Collection('orders'), '299'), "
      "{data: "
      "{total: 7000}})}, Map(Filter(Documents(Collection('orders')), o => GT(Select(['data', "
      "'total'], Get(o), 0), 297)), o => Select(['data', 'total'], Get(o))))";
  EXPECT_EQ(Run(own, JitMode::kAlways), "[ 7000, 5000 ]");
  // History edits are seen by Get and not by scans: such a query is interpreted.
  bool compiled = true;
  EXPECT_EQ(
      Both("Let({e: Insert(Ref(Collection('orders'), '5'), 1, 'create', {data: {total: 1}})}, "
           "Count(Filter(Documents(Collection('orders')), o => GT(Select(['data', 'total'], "
           "Get(o), 0), 290))))",
           &compiled),
      "9");
  EXPECT_FALSE(compiled);
}

TEST_F(ScanJitTest, LambdasThatWriteAreNotCompiled) {
  bool compiled = true;
  EXPECT_EQ(Both("Count(Map(Filter(Documents(Collection('orders')), o => Equals(Select(['data', "
                 "'status'], Get(o)), 'lost')), o => Update(o, {data: {found: true}})))",
                 &compiled),
            "6");
  EXPECT_FALSE(compiled);
}

TEST_F(ScanJitTest, SnapshotsInAtAreRespected) {
  std::string before = Run("Select('ts', Get(Ref(Collection('orders'), '1')))", JitMode::kOff);
  ASSERT_EQ(Run("Select('ref', Update(Ref(Collection('orders'), '1'), {data: {total: 900}}))",
                JitMode::kOff),
            "Ref(Collection(\"orders\"), \"1\")");
  std::string q = "At(" + before +
                  ", Count(Filter(Documents(Collection('orders')), o => GT(Select(['data', "
                  "'total'], Get(o), 0), 800))))";
  EXPECT_EQ(Both(q), "0");
  EXPECT_EQ(Both("Count(Filter(Documents(Collection('orders')), o => GT(Select(['data', 'total'], "
                 "Get(o), 0), 800)))"),
            "1");
}

TEST_F(ScanJitTest, AutoModeInterpretsSmallScansUntilTheyAreHot) {
  // A shape no other test uses; the collection is far below the size bound.
  std::string q =
      "Count(Filter(Documents(Collection('orders')), o => GTE(Select(['data', 'items', 1, "
      "'qty'], Get(o), -1), 4)))";
  uint64_t before = Runs();
  EXPECT_EQ(Run(q, JitMode::kAuto), "54");
  EXPECT_EQ(Runs(), before) << "compiled on its first, small run";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Run(q, JitMode::kAuto), "54");
  EXPECT_GT(Runs(), before) << "a hot shape should compile";
}

}  // namespace
}  // namespace fqldb::executor
