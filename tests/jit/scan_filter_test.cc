// A set's Filter read entry by entry (Paginate and the like) tests its
// entries with the compiled lambda (executor/internal/jit_filter.cc): the
// same pages and errors as the interpreter, the query's own writes seen,
// the deadline kept, and auto mode's tiering.
#include "tests/jit/scan_fixture.h"

namespace fqldb::executor {
namespace {

TEST_F(ScanJitTest, PaginateOverAFilterTestsEntriesWithCompiledCode) {
  // active: true builds it at once (the collection holds more than 128 orders).
  ASSERT_EQ(Run("Select('name', CreateIndex({name: 'status_refs', source: Collection('orders'), "
                "terms: [{field: ['data', 'status']}], values: [{field: ['data', 'total']}, "
                "{field: ['ref']}], active: true}))",
                JitMode::kOff),
            "'status_refs'");
  constexpr const char* kCompiled = "compiled filter:";
  bool compiled = false;
  std::string explain;
  // Pages of a filtered scan, their cursors, and a page after a cursor.
  std::string page = Both(
      "Paginate(Filter(Documents(Collection('orders')), o => GT(Select(['data', 'total'], Get(o), "
      "0), 280)), {size: 3})",
      &compiled, &explain);
  EXPECT_EQ(page.substr(0, 59), "{ after: [ Ref(Collection(\"orders\"), \"284\") ], data: [ Ref(")
      << page;
  EXPECT_TRUE(compiled);
  EXPECT_NE(explain.find(kCompiled), std::string::npos) << explain;
  EXPECT_EQ(Both("Select('data', Paginate(Filter(Documents(Collection('orders')), o => "
                 "GT(Select(['data', 'total'], Get(o), 0), 280)), {size: 2, after: "
                 "Ref(Collection('orders'), '297')}))",
                 &compiled),
            "[ Ref(Collection(\"orders\"), \"297\"), Ref(Collection(\"orders\"), \"298\") ]");
  EXPECT_TRUE(compiled);
  // Over an index range with values, destructured, reading the document.
  EXPECT_EQ(Both("Select('data', Paginate(Filter(Match(Index('status_refs'), 'open'), "
                 "Lambda(['t', 'r'], Equals(Select(['data', 'items', 1, 'qty'], Get(Var('r'))), "
                 "4))), {size: 3}))",
                 &compiled, &explain),
            "[ [ 9, Ref(Collection(\"orders\"), \"10\") ], [ 24, Ref(Collection(\"orders\"), "
            "\"25\") ], [ 39, Ref(Collection(\"orders\"), \"40\") ] ]");
  EXPECT_TRUE(compiled);
  EXPECT_NE(explain.find(kCompiled), std::string::npos) << explain;
  // Errors are the interpreter's, at the same place.
  EXPECT_NE(Both("Paginate(Filter(Documents(Collection('orders')), o => Select(['data', "
                 "'total'], Get(o), 0)))")
                .find("Boolean expected, "),
            std::string::npos);
  EXPECT_NE(Both("Paginate(Filter(Documents(Collection('orders')), o => GT(Select(['data', "
                 "'total'], Get(o)), 0)))")
                .find("not found"),
            std::string::npos);
  // The query's writes between the entries a Filter tests: the outer
  // filter (interpreted: it writes) raises the next order's total out of
  // the inner one, whose compiled test must see that as Get does, not the
  // version the scan started with. Every other order is kept (1, 3, 5, 7).
  // Compiled only: the query commits its writes, so it runs once.
  uint64_t runs = Runs();
  EXPECT_EQ(Run("Select(['data', 3], Paginate(Filter(Filter(Documents(Collection('orders')), o "
                "=> LT(Select(['data', 'total'], Get(o), 0), 1000)), o => Do(Update(Ref("
                "Collection('orders'), ToString(Add(ToInteger(Select('id', o)), 1))), {data: "
                "{total: 5000}}), true)), {size: 5}))",
                JitMode::kAlways, &explain),
            "Ref(Collection(\"orders\"), \"7\")");
  EXPECT_GT(Runs(), runs);
  EXPECT_NE(explain.find(kCompiled), std::string::npos) << explain;
  // In auto mode a small read stays interpreted until its shape is hot.
  std::string q =
      "Paginate(Filter(Documents(Collection('orders')), o => LTE(Select(['data', 'items', 1, "
      "'qty'], Get(o), 9), 0)), {size: 4})";
  uint64_t before = Runs();
  std::string first = Run(q, JitMode::kAuto, &explain);
  EXPECT_EQ(Runs(), before) << explain;
  EXPECT_EQ(explain.find(kCompiled), std::string::npos) << explain;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Run(q, JitMode::kAuto), first);
  EXPECT_GT(Runs(), before) << "a hot shape should compile";
}

TEST_F(ScanJitTest, FiltersReadEntryByEntryStopAtTheDeadlineAndTierUp) {
  // 20,000 documents, none of which the filter keeps: Paginate never gets
  // an entry to count, so only the Filter's own checks can stop it.
  std::string ids = "[";
  for (int i = 0; i < 20000; ++i) ids += (i ? "," : "") + std::to_string(i);
  ASSERT_EQ(Run("Select('name', CreateCollection({name: 'many'}))", JitMode::kOff), "'many'");
  ASSERT_EQ(Run("Count(Foreach(" + ids + "], i => Create(Collection('many'), {data: {n: i}})))",
                JitMode::kOff),
            "20000");
  // In auto mode, a read that tests many entries compiles part way, at
  // kFilterCompileAfter (a shape no other test uses, so neither cached nor hot).
  std::string explain;
  EXPECT_EQ(Run("Paginate(Filter(Documents(Collection('many')), o => Equals(Concat([ToString("
                "Select(['data', 'n'], Get(o))), '#']), 'none')))",
                JitMode::kAuto, &explain),
            "{ data: [] }");
  EXPECT_NE(explain.find("compiled filter: quick tier, compiled now"), std::string::npos)
      << explain;
  EXPECT_NE(explain.find("from entry 512 on"), std::string::npos) << explain;
  std::string q =
      "Paginate(Filter(Documents(Collection('many')), o => LT(Select(['data', 'n'], Get(o)), "
      "-1)))";
  EXPECT_EQ(Run(q, JitMode::kAlways), "{ data: [] }");
  timeout_ = std::chrono::milliseconds(1);
  std::string late =
      Run("Let({x: Count(Documents(Collection('many')))}, " + q + ")", JitMode::kAlways);
  EXPECT_NE(late.find("time"), std::string::npos) << late;
}

}  // namespace
}  // namespace fqldb::executor
