#include "compiler/frontend/binder.h"

#include <gtest/gtest.h>

namespace fqldb::frontend {
namespace {

Result<std::shared_ptr<const BoundQuery>> BindText(const std::string& text, BindOptions opts = {}) {
  auto parsed = ParseScript(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return Bind(*parsed.script->queries.at(0), opts);
}

TEST(BinderTest, ResolvesVariablesToSlotsAcrossLambdas) {
  auto q = BindText("Let({a: 1, b: 2}, Map([1], x => [x, Var('a'), b]))");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  const auto& let = (*q)->root->Cast<BoundLet>();
  EXPECT_EQ(let.slots, (std::vector<int>{0, 1}));
  const auto& map = let.body->Cast<BoundCall>();
  const auto& lambda = map.args[1]->Cast<BoundLambda>();
  const auto& arr = lambda.body->Cast<BoundArray>();
  const auto& x = arr.elems[0]->Cast<BoundVar>();
  const auto& a = arr.elems[1]->Cast<BoundVar>();
  EXPECT_EQ(x.hops, 0);
  EXPECT_EQ(a.hops, 1);
  EXPECT_EQ(a.slot, 0);
  EXPECT_EQ(arr.elems[2]->Cast<BoundVar>().slot, 1);
}

TEST(BinderTest, LetBindingsAreSequentialAndScoped) {
  EXPECT_TRUE(BindText("Let([{a: 1}, {b: Var('a')}], b)").ok());
  auto later = BindText("Let({a: Var('b'), b: 1}, a)");
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().description(), "Variable 'b' is not defined.");
  auto outside = BindText("[Let({a: 1}, a), a]");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().source_pos().column, 18);
}

TEST(BinderTest, UnboundVariableFailsEvenInAnUntakenBranch) {
  auto q = BindText("If(true, 1, Var('nope'))");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), ErrorCode::kInvalidExpression);
  EXPECT_EQ(q.status().description(), "Variable 'nope' is not defined.");
}

TEST(BinderTest, SuggestsCloseFunctionNames) {
  auto q = BindText("Lenght('abc')");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), ErrorCode::kInvalidExpression);
  EXPECT_NE(q.status().description().find("Did you mean Length?"), std::string::npos)
      << q.status().description();
  EXPECT_EQ(BindText("Zzzzzzzzz()").status().description(), "Unknown function 'Zzzzzzzzz'.");
}

TEST(BinderTest, ChecksArity) {
  auto q = BindText("Abs(1, 2)");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().description(), "Abs takes 1 argument, 2 given.");
  EXPECT_EQ(BindText("Select('a')").status().description(), "Select takes 2 to 3 arguments, 1 given.");
  EXPECT_EQ(BindText("Do()").status().description(), "Do takes at least 1 argument, 0 given.");
}

TEST(BinderTest, StorageFunctionsBindLikeOthers) {
  auto q = BindText("Paginate(Documents(Collection('users')), {size: 2})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->root->Cast<BoundCall>().builtin->name, std::string("Paginate"));
  EXPECT_EQ(BindText("Get()").status().code(), ErrorCode::kInvalidExpression);
}

TEST(BinderTest, BuildsFaunaPositionPaths) {
  auto q = BindText("Add(1, Divide(2, 'x'))");
  ASSERT_TRUE(q.ok());
  const auto& add = (*q)->root->Cast<BoundCall>();
  const auto& div = add.args[1]->Cast<BoundCall>();
  std::vector<PathElem> want = {std::string("add"), int64_t{1}, std::string("divide"), int64_t{1}};
  EXPECT_EQ(PositionOf(*div.args[1]), want);
  auto sel = BindText("Select('a', {a: 1}, 2)");
  const auto& s = (*sel)->root->Cast<BoundCall>();
  EXPECT_EQ(PositionOf(*s.args[1]), std::vector<PathElem>{std::string("from")});
}

TEST(BinderTest, RendersLambdasAsFqlAndWireJson) {
  auto q = BindText("Lambda(['a', 'b'], Add(Var('a'), b, 1.5))");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(BoundToFql(*(*q)->root), "Lambda([\"a\", \"b\"], Add(Var(\"a\"), Var(\"b\"), 1.5))");
  EXPECT_EQ(BoundToWireJson(*(*q)->root),
            "{\"lambda\":[\"a\",\"b\"],\"expr\":{\"add\":[{\"var\":\"a\"},{\"var\":\"b\"},1.5]}}");
}

TEST(BinderTest, ParamsAreVisibleAsVariables) {
  BindOptions opts;
  opts.params = {"arr"};
  auto q = BindText("Count(arr)", opts);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->frame_size, 1);
}

}  // namespace
}  // namespace fqldb::frontend
