// Compiled scans (Count, Map, Reduce over Filter(Documents(...)) and over
// index ranges, Match, through jit::PlanScan): on a real database, every
// result and error must equal the interpreter's, and the counters must show
// the scan really ran compiled. FQL_JIT_SHOW=1 prints the random queries.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/jit/random_expr.h"
#include "tests/jit/scan_fixture.h"

namespace fqldb::executor {
namespace {

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
  std::string explain;
  EXPECT_EQ(Both("Count(Map(Filter(Documents(Collection('orders')), o => Equals(Select(['data', "
                 "'status'], Get(o)), 'lost')), o => Update(o, {data: {found: true}})))",
                 nullptr, &explain),
            "6");
  // The scan is not compiled; the Filter, whose lambda does not write, is
  // (entry by entry, as Map reads the set).
  EXPECT_NE(explain.find("interpreted scan: Update writes"), std::string::npos) << explain;
  EXPECT_NE(explain.find("compiled filter:"), std::string::npos) << explain;
  // A Filter whose lambda writes is not compiled either.
  EXPECT_EQ(Both("Select('data', Count(Paginate(Filter(Documents(Collection('orders')), o => "
                 "Equals(Select(['data', 'found'], Update(o, {data: {found: 1}})), 1)))))",
                 nullptr, &explain),
            "[ 64 ]");
  EXPECT_NE(explain.find("interpreted filter: Select holds a write"), std::string::npos) << explain;
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
  // Read entry by entry (Paginate): the set opened inside At reads the old
  // version; a set made outside and read inside At reads the current one
  // for membership, and Get in the filter reads at At's snapshot.
  bool compiled = false;
  EXPECT_EQ(Both("At(" + before +
                     ", Paginate(Filter(Documents(Collection('orders')), o => GT(Select(['data', "
                     "'total'], Get(o), 0), 800))))",
                 &compiled),
            "{ data: [] }");
  EXPECT_TRUE(compiled);
  EXPECT_EQ(Both("Let({s: Filter(Documents(Collection('orders')), o => GT(Select(['data', "
                 "'total'], Get(o), 0), 800))}, [Paginate(Var('s')), At(" +
                     before + ", Paginate(Var('s')))])",
                 &compiled),
            "[ { data: [ Ref(Collection(\"orders\"), \"1\") ] }, { data: [] } ]");
  EXPECT_TRUE(compiled);
}

// Random expressions over random documents: fields of every type (or
// missing), read with and without defaults, in filters, projections and
// accumulators. Compiled and interpreted must agree on every value and
// error, and most of the scans must really run compiled.
TEST_F(ScanJitTest, RandomExpressionsOverRandomDocumentsAgreeWithTheInterpreter) {
  // Numeric reads come up most; the ones that can fail (no default, a
  // null or string default, an object) now and then.
  const std::string a = "Select(['data', 'a'], Get(o), 0)", b = "Select(['data', 'b'], Get(o), 0)",
                    nx = "Select(['data', 'n', 'x'], Get(o), 1)",
                    v1 = "Select(['data', 'v', 1], Get(o), -1)";
  testing_support::RandomExpr gen(testing_support::RandomSeed(),
                                  {"k",
                                   "k",
                                   a,
                                   a,
                                   a,
                                   a,
                                   b,
                                   b,
                                   b,
                                   b,
                                   nx,
                                   nx,
                                   nx,
                                   v1,
                                   v1,
                                   v1,
                                   "Select(['data', 'a'], Get(o))",
                                   "Select(['data', 'b'], Get(o), null)",
                                   "Select(['data', 'n'], Get(o), 's')",
                                   "Select(['data', 'w'], Get(o), 0)"});
  gen.set_well_typed(true);
  // Field values: `a` and `b` numbers (small, fractional, once in a while
  // extreme), `n` {x: number} or a number, `v` an array or missing, and `w`
  // anything. A type error in any of the 120 documents fails a query, and
  // then only the error is compared, so the reads that can fail (no
  // default, `w`, a null or string default) are the rarer leaves.
  auto small = [&gen] { return std::to_string(gen.Pick(41) - 20); };
  auto number = [&] {
    int p = gen.Pick(100);
    return p < 1    ? std::string(gen.Pick(2) ? "9223372036854775807" : "-9223372036854775808")
           : p < 10 ? std::to_string(gen.Pick(9) - 4) + ".5"
                    : small();
  };
  auto weird = [&]() -> std::string {
    switch (gen.Pick(4)) {
      case 0:
        return "{x: " + small() + "}";
      case 1:
        return "[" + small() + ", 's']";
      default:
        return gen.Literal();
    }
  };
  std::string docs = "[";
  for (int i = 0; i < 120; ++i)
    docs += std::string(i ? ", " : "") + "{a: " + number() + ", " +
            (gen.Pick(20) ? "b: " + number() + ", " : "") +
            "n: " + (gen.Pick(5) ? "{x: " + number() + "}" : number()) + ", " +
            (gen.Pick(5) ? "v: [" + number() + ", " + number() + "], " : "") + "w: " + weird() +
            ", z: " + std::to_string(i) + "}";
  docs += "]";
  ASSERT_EQ(Run("Select('name', CreateCollection({name: 'r'}))", JitMode::kOff), "'r'");
  ASSERT_EQ(
      Run("Count(Foreach(" + docs + ", d => Create(Collection('r'), {data: d})))", JitMode::kOff),
      "120");
  ASSERT_EQ(
      Run("Select('name', CreateIndex({name: 'r_all', source: Collection('r')}))", JitMode::kOff),
      "'r_all'");

  // Now and then a lambda names the document with a Let, and reads it
  // through that name (lazily bound in compiled code).
  auto body = [&gen](std::string expr) {
    if (gen.Pick(3) != 0) return expr;
    for (size_t at = expr.find("Get(o)"); at != std::string::npos; at = expr.find("Get(o)", at))
      expr.replace(at, 6, "d");
    return "Let({d: Get(o)}, " + expr + ")";
  };
  const int cases = testing_support::RandomCases(150);
  int failures = 0, compiled_runs = 0, values = 0;
  for (int i = 0; i < cases && failures < 5; ++i) {
    std::string pred = body(gen.Cond(2));
    std::string source = gen.Pick(2) ? "Documents(Collection('r'))" : "Match(Index('r_all'))";
    std::string scan = "Filter(" + source + ", o => " + pred + ")";
    if (gen.Pick(3) == 0) scan = source;
    std::string q;
    switch (gen.Pick(4)) {
      case 0:
        q = "Let({k: " + gen.Literal() + "}, Count(" + scan + "))";
        break;
      case 1:
        q = "Let({k: " + gen.Literal() + "}, Map(" + scan + ", o => " + body(gen.Expr(2)) + "))";
        break;
      case 2:
        // Read entry by entry: the Filter's compiled test (FilterTest).
        q = "Let({k: " + gen.Literal() + "}, Select('data', Paginate(" + scan + ", {size: 7})))";
        break;
      default:
        // The accumulator `k` shadows the outer one in the reducer.
        q = "Let({k: " + gen.Literal() + "}, Reduce((k, o) => " + gen.Expr(2) + ", 1, " + scan +
            "))";
        break;
    }
    std::string off = Run(q, JitMode::kOff);
    uint64_t before = Runs();
    std::string on = Run(q, JitMode::kAlways);
    if (Runs() > before) ++compiled_runs;
    // A compiled scan that fails reruns interpreted; only a value shows
    // that compiled code produced the result.
    if (Runs() > before && on.find(" at ") == std::string::npos) ++values;
    if (std::getenv("FQL_JIT_SHOW")) std::printf("%s\n  => %s\n", q.c_str(), off.c_str());
    if (off != on) {
      ++failures;
      ADD_FAILURE() << q << "\n  interpreter: " << off << "\n  compiled:    " << on;
    }
  }
  EXPECT_GT(compiled_runs, cases / 2) << "most random scans should have run compiled";
  EXPECT_GT(values, cases / 4) << "too few random scans produced a value";
}

TEST_F(ScanJitTest, IndexRangesRunCompiledAndReadDocumentsOnlyWhenAsked) {
  // active: true builds each index at once; the collection holds more than 128 orders.
  ASSERT_EQ(Run("Select('name', CreateIndex({name: 'by_status', source: Collection('orders'), "
                "terms: [{field: ['data', 'status']}], active: true}))",
                JitMode::kOff),
            "'by_status'");
  ASSERT_EQ(Run("Select('name', CreateIndex({name: 'totals_by_status', source: "
                "Collection('orders'), terms: [{field: ['data', 'status']}], values: [{field: "
                "['data', 'total']}], active: true}))",
                JitMode::kOff),
            "'totals_by_status'");
  ASSERT_EQ(Run("Select('name', CreateIndex({name: 'all_orders', source: Collection('orders'), "
                "active: true}))",
                JitMode::kOff),
            "'all_orders'");
  bool compiled = false;
  // A ref per entry; the lambda's Get reads the document.
  EXPECT_EQ(Both("Count(Filter(Match(Index('by_status'), 'open'), o => GT(Select(['data', "
                 "'total'], Get(o), 0), 100)))",
                 &compiled),
            "65");
  EXPECT_TRUE(compiled);
  EXPECT_EQ(
      Both("Map(Filter(Match(Index('by_status'), 'shipped'), o => LT(Select(['data', "
           "'total'], Get(o), 0), 5)), o => [Select(['data', 'total'], Get(o)), GT(Select(['ts'], "
           "Get(o)), 0)])",
           &compiled),
      "[ [ 1, true ], [ 2, true ], [ 4, true ] ]");
  EXPECT_TRUE(compiled);
  // Values per entry: no document is read.
  EXPECT_EQ(Both("Reduce((acc, t) => Add(acc, t), 0, Filter(Match(Index('totals_by_status'), "
                 "'open'), t => IsNumber(t)))",
                 &compiled),
            "14509.5");
  EXPECT_TRUE(compiled);
  // No terms: every partition, merged in index order.
  EXPECT_EQ(Both("Count(Filter(Match(Index('all_orders')), o => Equals(Select(['data', 'status'], "
                 "Get(o)), 'lost')))",
                 &compiled),
            "6");
  EXPECT_TRUE(compiled);
  // The query's own writes are in the range, and a document it deleted is not.
  EXPECT_EQ(Run("Let({a: Create(Ref(Collection('orders'), '2000'), {data: {status: 'open', total: "
                "5000}}), b: Delete(Ref(Collection('orders'), '298'))}, "
                "Map(Filter(Match(Index('by_status'), 'open'), o => GT(Select(['data', 'total'], "
                "Get(o), 0), 290)), o => Select(['data', 'total'], Get(o))))",
                JitMode::kAlways),
            "[ 291, 294.5, 5000 ]");
  // Get of a values entry fails as it does interpreted.
  EXPECT_NE(Both("Count(Filter(Match(Index('totals_by_status'), 'open'), t => "
                 "Equals(Select(['data'], Get(t)), 1)))")
                .find("Ref or Set expected"),
            std::string::npos);
}

TEST_F(ScanJitTest, SumOfMapSumsInACompiledScanOrGivesUpToTheInterpreter) {
  constexpr const char* kFused = "sums for the enclosing Sum, without the array";
  constexpr const char* kGaveUp = "the compiled sum met a value other than a long";
  std::string explain;
  // Longs: summed in the scan, in partition order.
  EXPECT_EQ(Both("Sum(Map(Documents(Collection('orders')), o => Select(['data', 'items', 1, "
                 "'qty'], Get(o), 0)))",
                 nullptr, &explain),
            "576");  // qty i % 5 over 300 orders, less 4 for each of the six without items
  EXPECT_NE(explain.find(kFused), std::string::npos) << explain;
  // Filters fuse too; an empty set sums to 0.
  EXPECT_EQ(Both("Sum(Map(Filter(Documents(Collection('orders')), o => Equals(Select(['data', "
                 "'status'], Get(o)), 'none')), o => Select(['data', 'total'], Get(o))))",
                 nullptr, &explain),
            "0");
  EXPECT_NE(explain.find(kFused), std::string::npos) << explain;
  // A double makes the sum a double added in ref order: the scan gives up.
  EXPECT_EQ(Both("Sum(Map(Documents(Collection('orders')), o => Select(['data', 'total'], Get(o), "
                 "0)))",
                 nullptr, &explain)
                .substr(0, 5),
            "43827");
  EXPECT_NE(explain.find(kGaveUp), std::string::npos) << explain;
  // So does a value that is no number, and the error is the interpreter's.
  EXPECT_NE(Both("Sum(Map(Documents(Collection('orders')), o => Select(['data', 'status'], "
                 "Get(o))))")
                .find("Number expected"),
            std::string::npos);
  // Ref order overflows at the second document (INT64_MAX + 1), though the
  // total (INT64_MAX - 1) is a long: the interpreter reports the overflow, so
  // the scan, which adds in another order, must give up rather than answer.
  ASSERT_EQ(Run("Select('name', CreateCollection({name: 'big'}))", JitMode::kOff), "'big'");
  ASSERT_EQ(Run("Count(Foreach([[1, 9223372036854775807], [2, 1], [3, -2]], p => "
                "Create(Ref(Collection('big'), Select(0, p)), {data: {n: Select(1, p)}})))",
                JitMode::kOff),
            "3");
  EXPECT_NE(Both("Sum(Map(Documents(Collection('big')), b => Select(['data', 'n'], Get(b))))",
                 nullptr, &explain)
                .find("Integer overflow."),
            std::string::npos);
  EXPECT_NE(explain.find(kGaveUp), std::string::npos) << explain;
  // The query's own writes are summed; over an array nothing changes.
  EXPECT_EQ(Run("Do(Create(Ref(Collection('orders'), '5000'), {data: {items: [0, {qty: 1000}]}}), "
                "Sum(Map(Documents(Collection('orders')), o => Select(['data', 'items', 1, 'qty'], "
                "Get(o), 0))))",
                JitMode::kAlways),
            "1576");
  EXPECT_EQ(Both("Sum(Map([1, 2, 3], x => Multiply(x, 2)))"), "12");
}

TEST_F(ScanJitTest, DestructuredEntriesAndLetBoundDocumentsReadStoredBytes) {
  ASSERT_EQ(Run("Select('name', CreateIndex({name: 'total_refs', source: Collection('orders'), "
                "terms: [{field: ['data', 'status']}], values: [{field: ['data', 'total']}, "
                "{field: ['ref']}], active: true}))",
                JitMode::kOff),
            "'total_refs'");
  constexpr const char* kAllStored = "from stored bytes, 0 by the interpreter";
  std::string explain;
  // Lambda(['total', 'ref'], ...): the document of the entry's ref is read
  // from its stored bytes, never by the interpreter.
  EXPECT_EQ(Both("Map(Filter(Match(Index('total_refs'), 'open'), Lambda(['t', 'r'], LT(Var('t'), "
                 "10))), Lambda(['t', 'r'], [Var('t'), Select(['data', 'items', 1, 'qty'], "
                 "Get(Var('r')))]))",
                 nullptr, &explain),
            "[ [ 0.5, 0 ], [ 3, 3 ], [ 6, 1 ], [ 9, 4 ] ]");
  EXPECT_NE(explain.find("compiled scan"), std::string::npos) << explain;
  EXPECT_NE(explain.find("document reads: 4 " + std::string(kAllStored)), std::string::npos)
      << explain;
  EXPECT_EQ(Both("Sum(Map(Match(Index('total_refs'), 'shipped'), Lambda(['t', 'r'], "
                 "Select(['data', 'items', 1, 'qty'], Get(Var('r')), 0))))",
                 nullptr, &explain),
            "384");
  EXPECT_NE(explain.find("sums for the enclosing Sum"), std::string::npos) << explain;
  EXPECT_NE(explain.find(kAllStored), std::string::npos) << explain;
  // Let({d: Get(o)}, ...) binds the document without reading it; its
  // fields come from the stored bytes, and a use of d itself reads it whole.
  EXPECT_EQ(Both("Count(Filter(Documents(Collection('orders')), o => Let({d: Get(o), t: "
                 "Select(['data', 'total'], Var('d'), 0)}, And(GT(Var('t'), 290), "
                 "Equals(Select(['ref'], Var('d')), o)))))",
                 nullptr, &explain),
            "8");
  EXPECT_NE(explain.find("compiled scan"), std::string::npos) << explain;
  // 294 totals from the bytes; the 6 orders without one (the default) and
  // the 8 Select(['ref'], d) go to the interpreter, each with d read whole.
  EXPECT_NE(explain.find("document reads: 308 from stored bytes, 14 by the interpreter"),
            std::string::npos)
      << explain;
  EXPECT_EQ(Both("Map(Match(Index('total_refs'), 'lost'), Lambda(['t', 'r'], Let({d: "
                 "Get(Var('r'))}, Select(['data', 'status'], Var('d')))))",
                 nullptr, &explain),
            "[ 'lost', 'lost', 'lost', 'lost', 'lost', 'lost' ]");
  EXPECT_NE(explain.find(kAllStored), std::string::npos) << explain;
  // A Let whose Get cannot read the scanned document leaves the scan to the
  // interpreter, which reports the error even when the variable is unused.
  EXPECT_NE(Both("Map(Match(Index('total_refs'), 'open'), Lambda(['t', 'r'], Let({d: "
                 "Get(Var('t'))}, 1)))",
                 nullptr, &explain)
                .find("Ref or Set expected"),
            std::string::npos);
  EXPECT_NE(explain.find("a Let binds Get of something other"), std::string::npos) << explain;
  // Shapes that differ only in whether an interpreted part reads the
  // Let-named document must not share code (whichever compiles first).
  for (const char* read : {"Get(o)", "Var('d')"}) {
    EXPECT_EQ(Both(std::string("Count(Filter(Documents(Collection('orders')), o => Let({d: Get(o), "
                               "p: ['data', 'total']}, GT(Select(Var('p'), ") +
                   read + ", 0), 100))))"),
              "195");
    EXPECT_EQ(Both(std::string("Map(Filter(Documents(Collection('orders')), o => Equals(Select(["
                               "'data', 'total'], Get(o), 0), 7.5)), o => Let({d: Get(o)}, "
                               "Select(['ref'], ") +
                   read + ")))"),
              "[ Ref(Collection(\"orders\"), \"8\") ]");
  }
  // A ref is not an array of two: the interpreter's error.
  EXPECT_NE(Both("Map(Documents(Collection('orders')), Lambda(['a', 'b'], 1))")
                .find("Lambda expects an array with 2 elements. Ref provided."),
            std::string::npos);
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
