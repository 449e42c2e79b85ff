#pragma once

// The fixture of the compiled-scan tests: a real database in a temp dir
// holding 300 orders, and helpers that run a query interpreted and
// compiled (tests/jit/scan_jit_test.cc, tests/jit/scan_filter_test.cc).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/database.h"
#include "executor/explain.h"
#include "executor/internal/jit_loop.h"
#include "tests/scratch_dir.h"

namespace fqldb::executor {

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

  // The query's value as FQL, or its error with the position. `explain`
  // (optional) receives the run's --explain report.
  std::string Run(std::string text, JitMode mode, std::string* explain = nullptr) {
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
    run.timeout = timeout_;
    run.jit = mode;
    ExplainLog log;
    if (explain) run.explain = &log;
    auto r = db_->Execute(*bound, {}, run);
    if (explain) *explain = RenderExplain(**bound, log, std::chrono::nanoseconds(0), 0, 0);
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
  std::string Both(const std::string& text, bool* compiled = nullptr,
                   std::string* explain = nullptr) {
    std::string off = Run(text, JitMode::kOff);
    uint64_t before = Runs();
    std::string on = Run(text, JitMode::kAlways, explain);
    if (compiled) *compiled = Runs() > before;
    EXPECT_EQ(off, on) << text;
    return on;
  }

  std::chrono::milliseconds timeout_ = std::chrono::seconds(30);
  testing_support::ScratchDir dir_{"scan_jit"};
  std::unique_ptr<Database> db_;
};

}  // namespace fqldb::executor
