#include "executor/session.h"

#include <gtest/gtest.h>

namespace fqldb::executor {
namespace {

TEST(SessionTest, RunsEachTopLevelExpressionAsItsOwnQuery) {
  Session s;
  std::vector<std::string> out;
  auto summary = s.RunScript("Add(1, 2); Var('nope')\nConcat(['a', 'b'])", [&](const QueryOutcome& q) {
    out.push_back(q.result.ok() ? FormatValue(*q.result, OutputFormat::kFql)
                                : std::string(ErrorCodeName(q.result.status().code())));
    return true;
  });
  EXPECT_TRUE(summary.syntax_errors.empty());
  EXPECT_EQ(summary.queries, 3u);
  EXPECT_EQ(summary.failed, 1u);
  EXPECT_EQ(out, (std::vector<std::string>{"3", "invalid expression", "'ab'"}));
}

TEST(SessionTest, StopsWhenTheCallbackSaysSo) {
  Session s;
  int calls = 0;
  auto summary = s.RunScript("1\n2\n3", [&](const QueryOutcome&) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(summary.queries, 2u);
}

TEST(SessionTest, FormatsErrorsAsFaunaJson) {
  Status st(ErrorCode::kValueNotFound, "Value not found at path [a].");
  st.AtSource({3, 14}).WithPosition({std::string("from")});
  EXPECT_EQ(FormatError(st, OutputFormat::kJson, ""),
            "{\"errors\":[{\"code\":\"value not found\",\"description\":\"Value not found at path [a].\","
            "\"position\":[\"from\"],\"line\":3,\"column\":14}]}");
}

}  // namespace
}  // namespace fqldb::executor
