#include "executor/interpreter.h"

#include <gtest/gtest.h>

#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"

namespace fqldb::executor {
namespace {

Result<Value> Eval(const std::string& text, std::vector<std::string> names = {},
                   std::vector<Value> params = {}, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto parsed = frontend::ParseScript(text);
  if (!parsed.ok()) return parsed.errors[0];
  frontend::BindOptions opts;
  opts.params = std::move(names);
  auto bound = frontend::Bind(*parsed.script->queries.at(0), opts);
  if (!bound.ok()) return bound.status();
  RunOptions run;
  run.now = NowTimestamp();
  run.timeout = timeout;
  return Run(*bound, params, run);
}

std::string Show(const Result<Value>& r) { return r.ok() ? ToFql(*r) : r.status().ToString(); }

TEST(InterpreterTest, EvaluatesNestedLambdasWithClosures) {
  EXPECT_EQ(Show(Eval("Let({k: 10}, Map([1, 2], x => Map([x], y => Multiply(y, k))))")),
            "[ [ 10 ], [ 20 ] ]");
  EXPECT_EQ(Show(Eval("Let({f: Let({y: 5}, Lambda('x', Add(Var('x'), Var('y'))))}, Map([1], Var('f')))")),
            "[ 6 ]");
}

TEST(InterpreterTest, DestructuresArrayParameters) {
  EXPECT_EQ(Show(Eval("Map([[1, 2], [3, 4]], (a, b) => Subtract(b, a))")), "[ 1, 1 ]");
  EXPECT_EQ(Show(Eval("Map([[1]], Lambda(['a'], Var('a')))")), "[ 1 ]");
  auto bad = Eval("Map([[1, 2, 3]], (a, b) => a)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().description(), "Lambda expects an array with 2 elements. Array contains 3.");
}

TEST(InterpreterTest, UsesCallerParameters) {
  Array big;
  for (int i = 1; i <= 1000; ++i) big.push_back(Value::Long(i));
  auto r = Eval("Reduce((acc, x) => Add(acc, x), 0, arr)", {"arr"}, {Value::MakeArray(big)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->as_long(), 500500);
}

TEST(InterpreterTest, SelfApplicationIsAStackOverflowError) {
  auto r = Eval("Let({f: Lambda('g', Map([Var('g')], Var('g')))}, Map([Var('f')], Var('f')))");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kStackOverflow);
  EXPECT_TRUE(r.status().has_source_pos());
}

TEST(InterpreterTest, DeepValuesAreRejected) {
  std::vector<Value> params = {Value::MakeArray(Array(1200, Value::Long(1)))};
  auto r = Eval("Reduce((acc, x) => [acc], [], arr)", {"arr"}, params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kStackOverflow);
}

// Chains whose links are refs or closures nest as deeply as arrays do; they
// must hit the depth limit instead of overflowing the stack when printed,
// compared or destroyed.
TEST(InterpreterTest, RefAndClosureChainsHitTheDepthLimit) {
  std::vector<Value> params = {Value::MakeArray(Array(60000, Value::Long(1)))};
  auto refs = Eval("Reduce((acc, x) => Ref(acc, '1'), Collection('c'), arr)", {"arr"}, params);
  ASSERT_FALSE(refs.ok());
  EXPECT_EQ(refs.status().code(), ErrorCode::kInvalidArgument) << refs.status().ToString();
  auto dbs = Eval("Reduce((acc, x) => Database('d', acc), Database('root'), arr)", {"arr"}, params);
  ASSERT_FALSE(dbs.ok());
  EXPECT_EQ(dbs.status().code(), ErrorCode::kStackOverflow) << dbs.status().ToString();
  auto closures = Eval("IsLambda(Reduce((acc, x) => (y => acc), 0, arr))", {"arr"}, params);
  ASSERT_FALSE(closures.ok());
  EXPECT_EQ(closures.status().code(), ErrorCode::kStackOverflow);
  auto late = Eval("IsLambda(Reduce((acc, x) => Let({f: y => 1, keep: acc}, Var('f')), 0, arr))",
                   {"arr"}, params);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), ErrorCode::kStackOverflow);
  auto packed = Eval("Reduce(x => x, 0, arr)", {"arr"}, params);
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.status().code(), ErrorCode::kStackOverflow);
}

TEST(InterpreterTest, SharedPartsCannotExplode) {
  Array forty;
  for (int i = 0; i < 40; ++i) forty.push_back(Value::Long(i));
  auto r = Eval("Reduce((acc, x) => [acc, acc], 0, arr)", {"arr"}, {Value::MakeArray(forty)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().description().find("parts"), std::string::npos) << r.status().ToString();
  auto ok = Eval("Equals(Reduce((acc, x) => [acc, acc], 0, [1, 2, 3]), [[[0, 0], [0, 0]], [[0, 0], [0, 0]]])");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->as_bool());
}

TEST(InterpreterTest, HeavyBuiltinsHonourTheDeadline) {
  std::vector<Value> params = {Value::MakeArray(Array(1000000, Value::Long(1)))};
  auto r = Eval("Count(Map(arr, x => Count(Distinct(arr))))", {"arr"}, params,
                std::chrono::milliseconds(300));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(InterpreterTest, LargeObjectsBuildInLinearTime) {
  Array pairs;
  for (int i = 0; i < 100000; ++i) {
    pairs.push_back(Value::MakeArray({Value::String("k" + std::to_string(i)), Value::Long(i)}));
  }
  auto r = Eval("Count(ToArray(Merge(ToObject(arr), {k5: 'five'})))", {"arr"}, {Value::MakeArray(pairs)},
                std::chrono::milliseconds(20000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->as_long(), 100000);
}

TEST(InterpreterTest, RunawayQueriesTimeOut) {
  std::string nest = "1";
  for (int i = 0; i < 40; ++i) nest = "Count(Map([1, 2], y => " + nest + "))";
  auto r = Eval(nest, {}, {}, std::chrono::milliseconds(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(InterpreterTest, CancelFlagStopsARunningQuery) {
  std::string nest = "1";
  for (int i = 0; i < 40; ++i) nest = "Count(Map([1, 2], y => " + nest + "))";
  auto parsed = frontend::ParseScript(nest);
  auto bound = frontend::Bind(*parsed.script->queries.at(0));
  ASSERT_TRUE(bound.ok());
  std::atomic<bool> cancel{true};
  RunOptions run;
  run.now = NowTimestamp();
  run.cancel = &cancel;
  auto r = executor::Run(*bound, {}, run);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCancelled);
}

TEST(InterpreterTest, LongRegexLoopsHonourTheDeadline) {
  // Every match backtracks a few thousand steps (under PCRE2's limit), over
  // two million positions: only the deadline inside the match loop stops it.
  auto r = Eval("ReplaceStrRegex(Repeat('a', 2000000), '(?:a|aa){1,18}c|a', 'b')", {}, {},
                std::chrono::milliseconds(300));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(InterpreterTest, NonFiniteResultsAreErrors) {
  auto r = Eval("Sqrt(-1)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().description().find("NaN"), std::string::npos);
  EXPECT_FALSE(Eval("Exp(1000)").ok());
}

TEST(InterpreterTest, AndOrShortCircuit) {
  EXPECT_EQ(Show(Eval("Or(true, Abort('never'))")), "true");
  EXPECT_EQ(Show(Eval("And(false, Abort('never'))")), "false");
  EXPECT_EQ(Eval("And(true, Abort('boom'))").status().code(), ErrorCode::kTransactionAborted);
}

TEST(InterpreterTest, NowIsFixedWithinAQuery) {
  EXPECT_EQ(Show(Eval("Equals(Now(), Time('now'), Now())")), "true");
}

TEST(InterpreterTest, ReturnedLambdasOutliveTheirQueryFrame) {
  // The closure's frame is in a cycle with it; printing after the run must still work.
  auto r = Eval("Let({y: 1, f: Lambda('x', Add(Var('x'), Var('y')))}, Var('f'))");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ToFql(*r), "Query(Lambda(\"x\", Add(Var(\"x\"), Var(\"y\"))))");
}

}  // namespace
}  // namespace fqldb::executor
