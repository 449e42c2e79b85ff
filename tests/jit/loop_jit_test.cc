// Compiled loops (compiler/jit/loop_jit.h through the executor): every
// result and every error must equal the interpreter's, and the JIT must
// really run (the compile counters prove it).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/internal/jit_loop.h"
#include "executor/interpreter.h"
#include "tests/jit/random_expr.h"

namespace fqldb::executor {
namespace {

struct Outcome {
  std::string text;  // the value as FQL, or the error with its position
  bool ok = false;
};

std::string PositionText(const std::vector<PathElem>& position) {
  std::string out;
  for (const auto& p : position) {
    if (const auto* s = std::get_if<std::string>(&p)) {
      out += "/" + *s;
    } else {
      out += "/" + std::to_string(std::get<int64_t>(p));
    }
  }
  return out;
}

Outcome RunQuery(const std::string& text, JitMode mode, std::vector<std::string> names = {},
                 std::vector<Value> params = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto parsed = frontend::ParseScript(text);
  if (!parsed.ok()) return {"parse: " + parsed.errors[0].ToString()};
  frontend::BindOptions opts;
  opts.params = std::move(names);
  auto bound = frontend::Bind(*parsed.script->queries.at(0), opts);
  if (!bound.ok()) return {"bind: " + bound.status().ToString()};
  RunOptions run;
  run.now = NowTimestamp();
  run.timeout = timeout;
  run.jit = mode;
  auto r = executor::Run(*bound, params, run);
  if (r.ok()) return {ToFql(*r), true};
  return {r.status().ToString() + " " + PositionText(r.status().position())};
}

jit::JitStats Stats() { return internal::SharedLoopJit()->stats(); }

// Runs `text` both ways; returns the compiled run's outcome.
Outcome Same(const std::string& text, std::vector<std::string> names = {},
             std::vector<Value> params = {}) {
  Outcome off = RunQuery(text, JitMode::kOff, names, params);
  Outcome on = RunQuery(text, JitMode::kAlways, names, params);
  EXPECT_EQ(off.text, on.text) << text;
  return on;
}

TEST(LoopJitTest, CompilesAndAgreesOnArithmeticLoops) {
  ASSERT_NE(internal::SharedLoopJit(), nullptr);
  uint64_t before = Stats().compiles + Stats().hits;
  EXPECT_EQ(Same("Reduce((acc, x) => Add(acc, x), 0, [1, 2, 3, 4])").text, "10");
  EXPECT_EQ(Same("Map([1, 2.5, -3], x => Multiply(x, 2))").text, "[ 2, 5.0, -6 ]");
  EXPECT_EQ(Same("Filter([1, 2, 3, 4, 5, 6], x => Equals(Modulo(x, 2), 0))").text, "[ 2, 4, 6 ]");
  EXPECT_EQ(
      Same("Map([7, -7], x => [Divide(x, 2), Modulo(x, -3), Modulo(x, -1), Divide(x, 0.5)])").text,
      "[ [ 3, 1, 0, 14.0 ], [ -3, -1, 0, -14.0 ] ]");
  EXPECT_EQ(
      Same("Map([1, 2, 3], x => If(GT(x, 1), And(LT(x, 3), true), Or(false, Not(true))))").text,
      "[ false, true, false ]");
  EXPECT_EQ(Same("Foreach([1, 2], x => Add(x, 1))").text, "[ 1, 2 ]");
  EXPECT_GE(Stats().compiles + Stats().hits, before + 6) << "the loops did not run compiled";
}

TEST(LoopJitTest, ValuesOtherThanNumbersGoThroughTheBuiltins) {
  EXPECT_EQ(Same("Reduce((acc, x) => Concat([acc, ToString(x)]), '', [1, 2, 3])").text, "'123'");
  EXPECT_EQ(Same("Map([1, 2], x => [x, {v: x, s: Concat(['n', ToString(x)])}])").text,
            "[ [ 1, { v: 1, s: 'n1' } ], [ 2, { v: 2, s: 'n2' } ] ]");
  EXPECT_EQ(Same("Map([1, 2, 3], x => Select(['a'], {a: x}))").text, "[ 1, 2, 3 ]");
  EXPECT_EQ(Same("Map(['a', null, true, 1.5, [1]], x => Equals(x, x))").text,
            "[ true, true, true, true, true ]");
  EXPECT_EQ(
      Same("Map([1, 1.0, 'a'], x => [Equals(x, 1), LT(x, 2), GTE(x, 1.0)])").text.substr(0, 1),
      "[");
  // Outer variables, Let inside the body, and a page in and out.
  EXPECT_EQ(Same("Let({k: 10, s: 'x'}, Map([1, 2], x => Let({y: Add(x, k)}, [y, s])))").text,
            "[ [ 11, 'x' ], [ 12, 'x' ] ]");
  EXPECT_EQ(Same("Reduce((a, x) => If(GT(x, a), x, a), 0, [3, 9, 2])").text, "9");
  // Variables two and three frames out, and a Let-bound local that an
  // interpreted subtree (Select's default) reads.
  EXPECT_EQ(Same("Let({a: 1}, Let({b: 2}, Map([10], Lambda('x', Let({c: Add(x, 5)}, [a, b, c, "
                 "Select(['z'], {}, [c, b])])))))")
                .text,
            "[ [ 1, 2, 15, [ 15, 2 ] ] ]");
  EXPECT_EQ(Same("Let({f: 3}, Map([[1]], y => Map(y, x => Add(x, f))))").text, "[ [ 4 ] ]");
  // An accumulator that switches between boxed and unboxed values.
  EXPECT_EQ(Same("Reduce((a, x) => If(Equals(Modulo(x, 2), 0), Concat(['e', ToString(x)]), x), null, "
                 "[1, 2, 3, 4, 5, 6])")
                .text,
            "'e6'");
  EXPECT_EQ(Same("Reduce((a, x) => If(IsString(a), Length(a), Concat([ToString(a), ToString(x)])), 7, "
                 "[1, 2, 3, 4, 5])")
                .text,
            "'25'");
}

TEST(LoopJitTest, ErrorsMatchTheInterpreterExactly) {
  for (const char* q : {
           "Map([1, 2], x => Add(x, 'a'))",
           "Filter([1, 2], x => x)",
           "Reduce((a, x) => Add(a, x), 9223372036854775807, [1])",
           "Reduce((a, x) => Multiply(a, x), -9223372036854775807, [2])",
           "Map([1e308], x => Multiply(x, 10))",
           "Map([1, 0], x => Divide(10, x))",
           "Map([1, 0], x => Modulo(10, x))",
           "Map([1.5, 0.0], x => Divide(1, x))",
           "Map([-9223372036854775807], x => Divide(Subtract(x, 1), -1))",
           "Map([1, 2], x => If(x, 1, 2))",
           "Map([true, 1], x => And(true, x))",
           "Map([false, 1], x => Or(x, false))",
           "Map([true, 1], x => Not(x))",
           "Map([1], x => Abort('stop'))",
           "Map([1, 2], x => Nonexistent(x))",
           "Map(1, x => x)",
           "Reduce((a, x) => Add(a, x), 0, 'abc')",
       }) {
    Outcome o = Same(q);
    EXPECT_FALSE(o.ok) << q << " -> " << o.text;
  }
}

TEST(LoopJitTest, ConstantsAreInputsSoShapesShareCode) {
  Same("Map([1, 2, 3], x => Add(x, 1000001))");
  uint64_t compiles = Stats().compiles;
  EXPECT_EQ(Same("Map([1, 2, 3], x => Add(x, 2000002))").text, "[ 2000003, 2000004, 2000005 ]");
  EXPECT_EQ(Stats().compiles, compiles) << "a different constant recompiled the same shape";
  // A double constant is a different shape (its kind is compiled in).
  Same("Map([1, 2, 3], x => Add(x, 0.5))");
  EXPECT_EQ(Stats().compiles, compiles + 1);
}

TEST(LoopJitTest, NestedLambdasStayInterpreted) {
  uint64_t compiles = Stats().compiles;
  uint64_t hits = Stats().hits;
  EXPECT_EQ(Same("Map([1, 2], x => Map([x], y => Multiply(y, 10001)))").text,
            "[ [ 10001 ], [ 20002 ] ]");
  // The inner Map compiles (its lambda is literal and flat) and is found once
  // per run; the outer one, holding a lambda, is never planned.
  EXPECT_EQ(Stats().compiles + Stats().hits, compiles + hits + 1);
}

TEST(LoopJitTest, FilterKeepsWhatItTestsAcrossWindows) {
  // Filter hands its kept elements over every 4096 elements (jit::kTickEvery)
  // and at the end: windows that keep all, some and none, strings and numbers.
  Array values;
  for (int i = 0; i < 3 * 4096 + 17; ++i) {
    bool strings = i / 4096 == 1;
    values.push_back(strings ? Value::String("s" + std::to_string(i)) : Value::Long(i));
  }
  Value arr = Value::MakeArray(values);
  uint64_t runs = Stats().compiles + Stats().hits;
  Outcome kept =
      Same("Count(Filter(arr, x => Or(IsString(x), LT(x, 4000), GTE(x, 12288))))", {"arr"}, {arr});
  EXPECT_EQ(kept.text, std::to_string(4000 + 4096 + 17));
  EXPECT_EQ(
      Same("Filter(arr, x => And(IsNumber(x), Equals(Modulo(x, 4097), 0)))", {"arr"}, {arr}).text,
      "[ 0, 8194, 12291 ]");
  EXPECT_EQ(Same("Select(4100, Filter(arr, x => true))", {"arr"}, {arr}).text, "'s4100'");
  EXPECT_EQ(Stats().compiles + Stats().hits, runs + 3) << "a Filter was interpreted";
}

TEST(LoopJitTest, DestructuringLambdasCompileAndFailAsInterpreted) {
  uint64_t runs = Stats().compiles + Stats().hits;
  EXPECT_EQ(Same("Map([[1, 2], [3, 4]], (a, b) => Add(a, Multiply(b, 10)))").text, "[ 21, 43 ]");
  EXPECT_EQ(Same("Filter([['x', 1], ['y', 2]], Lambda(['k', 'v'], GT(Var('v'), 1)))").text,
            "[ [ 'y', 2 ] ]");
  EXPECT_EQ(Same("Map([[[1], {a: 2.5}]], Lambda(['x', 'o'], [Var('o'), Var('x'), "
                 "Select('a', Var('o'))]))")
                .text,
            "[ [ { a: 2.5 }, [ 1 ], 2.5 ] ]");
  EXPECT_EQ(Same("Map([[7]], Lambda(['only'], Var('only')))").text, "[ 7 ]");
  EXPECT_EQ(Stats().compiles + Stats().hits, runs + 4) << "a destructuring lambda was interpreted";
  // The element must be an array of exactly as many values as names.
  runs = Stats().compiles + Stats().hits;
  for (const char* q : {
           "Map([[1, 2], [3]], (a, b) => a)",
           "Map([[1, 2], 5], (a, b) => a)",
           "Map([[1, 2, 3]], Lambda(['a'], Var('a')))",
           "Filter([null], (a, b) => true)",
           "Foreach([[1, 2], {a: 1}], (a, b) => a)",
       }) {
    Outcome o = Same(q);
    EXPECT_FALSE(o.ok) << q << " -> " << o.text;
    EXPECT_NE(o.text.find("Lambda expects an array with"), std::string::npos) << o.text;
  }
  EXPECT_EQ(Stats().compiles + Stats().hits, runs + 5) << "a failing case was interpreted";
}

TEST(LoopJitTest, AutoModeCompilesLargeLoopsOnly) {
  Array big;
  for (int i = 0; i < static_cast<int>(internal::kCompileAtElements); ++i)
    big.push_back(Value::Long(i));
  Value arr = Value::MakeArray(std::move(big));
  uint64_t compiles = Stats().compiles;
  Outcome small = RunQuery("Map([1, 2], x => Subtract(x, 777))", JitMode::kAuto);
  EXPECT_EQ(small.text, "[ -776, -775 ]");
  EXPECT_EQ(Stats().compiles, compiles) << "auto compiled a two-element loop on its first run";
  Outcome large = RunQuery("Reduce((a, x) => Subtract(a, Multiply(x, 3)), 7, arr)", JitMode::kAuto,
                           {"arr"}, {arr});
  int64_t n = static_cast<int64_t>(internal::kCompileAtElements);
  EXPECT_EQ(large.text, std::to_string(7 - 3 * n * (n - 1) / 2));
  EXPECT_EQ(Stats().compiles, compiles + 1);
}

TEST(LoopJitTest, ManyThreadsCompileShareAndEvictSafely) {
  // More shapes than the cache holds, compiled and run from 4 threads at
  // once: every result must be right, and the cache must have evicted.
  constexpr int kThreads = 4;
  constexpr int kShapesPerThread = 150;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < kShapesPerThread; ++i) {
        // A distinct shape per (t, i): its index spelled in binary as a
        // chain of Add(_, 1) and Subtract(1, _).
        std::string body = "x";
        int index = t * kShapesPerThread + i;
        for (int bit = 0; bit < 10; ++bit) {
          body = (index >> bit) & 1 ? "Add(" + body + ", 1)" : "Subtract(1, " + body + ")";
        }
        std::string q = "Map([1, 2, 3], x => " + body + ")";
        Outcome on = RunQuery(q, JitMode::kAlways);
        Outcome off = RunQuery(q, JitMode::kOff);
        if (!on.ok || on.text != off.text) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(Stats().evictions, 0u) << "the test meant to overflow the 512-shape cache";
}

TEST(LoopJitTest, LongLoopsStopAtTheDeadline) {
  Array big(3000000, Value::Long(1));
  Value arr = Value::MakeArray(std::move(big));
  for (JitMode mode : {JitMode::kOff, JitMode::kAlways}) {
    // Each element does enough work that the whole loop takes far longer than 1 ms.
    Outcome o =
        RunQuery("Reduce((a, x) => Add(a, Length(Concat([ToString(x), 'abcdefgh']))), 0, arr)",
                 mode, {"arr"}, {arr}, std::chrono::milliseconds(1));
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.text.find("time"), std::string::npos) << o.text;
  }
}

const int kRandomCases = testing_support::RandomCases();

TEST(LoopJitTest, RandomExpressionsAgreeWithTheInterpreter) {
  testing_support::RandomExpr gen(testing_support::RandomSeed(), {"x", "k"});
  int failures = 0;
  uint64_t compiles = Stats().compiles + Stats().hits;
  std::vector<std::pair<std::string, std::string>> seen;  // query, interpreter's outcome
  for (int i = 0; i < kRandomCases && failures < 5; ++i) {
    std::string elems;
    for (int j = 0; j < 6; ++j) elems += (j ? ", " : "") + gen.Literal();
    std::string body = gen.Expr(3);
    std::string q;
    switch (gen.Pick(3)) {
      case 0:
        q = "Let({k: " + gen.Literal() + "}, Map([" + elems + "], x => " + body + "))";
        break;
      case 1:
        q = "Let({k: " + gen.Literal() + "}, Filter([" + elems + "], x => " + body + "))";
        break;
      default:
        // The accumulator is `k` here, so bodies read it.
        q = "Reduce((k, x) => " + body + ", 1, [" + elems + "])";
        break;
    }
    Outcome off = RunQuery(q, JitMode::kOff);
    Outcome on = RunQuery(q, JitMode::kAlways);
    if (off.text != on.text) {
      ++failures;
      ADD_FAILURE() << q << "\n  interpreter: " << off.text << "\n  compiled:    " << on.text;
    }
    seen.emplace_back(q, off.text);
  }
  EXPECT_GT(Stats().compiles + Stats().hits, compiles + kRandomCases / 2)
      << "most random loops should have run compiled";
  // Those runs used the quick tier; once the background thread has swapped
  // in the optimised code, the same queries must agree again.
  uint64_t upgrades = Stats().upgrades;
  WaitForJitUpgrades();
  EXPECT_GT(Stats().upgrades, upgrades) << "no shape reached the optimised tier";
  for (const auto& [q, expected] : seen) {
    if (failures >= 5) break;
    Outcome on = RunQuery(q, JitMode::kAlways);
    if (on.text != expected) {
      ++failures;
      ADD_FAILURE() << q << "\n  interpreter: " << expected << "\n  optimised:   " << on.text;
    }
  }
}

TEST(LoopJitTest, ShapesMoveToTheOptimisedTierInTheBackground) {
  const std::string q = "Map([1, 2, 3], x => Multiply(Add(x, 31), Subtract(x, 5)))";
  uint64_t compiles = Stats().compiles;
  uint64_t upgrades = Stats().upgrades;
  EXPECT_EQ(Same(q).text, "[ -128, -99, -68 ]");
  EXPECT_EQ(Stats().compiles, compiles + 1);
  WaitForJitUpgrades();
  EXPECT_GE(Stats().upgrades, upgrades + 1);
  EXPECT_EQ(Same(q).text, "[ -128, -99, -68 ]");
  EXPECT_EQ(Stats().compiles, compiles + 1) << "the upgrade should have replaced the cached code";
}

}  // namespace
}  // namespace fqldb::executor
