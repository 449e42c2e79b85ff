#include "compiler/frontend/parser.h"

#include <gtest/gtest.h>

namespace fqldb::frontend {
namespace {

const AstNode& Only(const ParseResult& r) {
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.script->queries.size(), 1u);
  return *r.script->queries[0];
}

TEST(ParserTest, ParsesCallsArraysObjectsAndLiterals) {
  auto r = ParseScript("Add(1, 2.5, -3, 'x', \"y\", true, null, [1], {a: 1, 'b c': 2, 3: 4})");
  const auto& call = Only(r).Cast<AstCall>();
  EXPECT_EQ(call.name, "Add");
  ASSERT_EQ(call.args.size(), 9u);
  EXPECT_TRUE(call.args[0]->Cast<AstLiteral>().value.is_long());
  EXPECT_TRUE(call.args[1]->Cast<AstLiteral>().value.is_double());
  EXPECT_EQ(call.args[2]->Cast<AstLiteral>().value.as_long(), -3);
  const auto& obj = call.args[8]->Cast<AstObject>();
  ASSERT_EQ(obj.fields.size(), 3u);
  EXPECT_EQ(obj.fields[1].first, "b c");
  EXPECT_EQ(obj.fields[2].first, "3");
}

TEST(ParserTest, DistinguishesIntegersFromDoubles) {
  EXPECT_TRUE(Only(ParseScript("1")).Cast<AstLiteral>().value.is_long());
  EXPECT_TRUE(Only(ParseScript("1.0")).Cast<AstLiteral>().value.is_double());
  EXPECT_TRUE(Only(ParseScript("1e3")).Cast<AstLiteral>().value.is_double());
  EXPECT_EQ(Only(ParseScript("-9223372036854775808")).Cast<AstLiteral>().value.as_long(), INT64_MIN);
}

TEST(ParserTest, ParsesArrowLambdas) {
  auto ra = ParseScript("x => Add(x, 1)");
  const auto& a = Only(ra).Cast<AstArrow>();
  EXPECT_TRUE(a.single);
  EXPECT_EQ(a.params, std::vector<std::string>{"x"});
  auto rb = ParseScript("(a, b) => [a, b]");
  const auto& b = Only(rb).Cast<AstArrow>();
  EXPECT_FALSE(b.single);
  EXPECT_EQ(b.params.size(), 2u);
  EXPECT_TRUE(Only(ParseScript("(x) => x")).Cast<AstArrow>().single);
  EXPECT_TRUE(Only(ParseScript("() => 1")).Cast<AstArrow>().params.empty());
}

TEST(ParserTest, SplitsScriptsIntoQueriesOnNewlinesAndSemicolons) {
  auto r = ParseScript("Add(1, 2)\n// comment\nAdd(3, 4); /* block\n comment */ [5];;\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.script->queries.size(), 3u);
}

TEST(ParserTest, DecodesEscapesAndUnicode) {
  auto v = [](const char* text) { return Only(ParseScript(text)).Cast<AstLiteral>().value.str(); };
  EXPECT_EQ(v(R"("a\nb\t\"q\" \\ \/")"), "a\nb\t\"q\" \\ /");
  EXPECT_EQ(v(R"('it\'s')"), "it's");
  EXPECT_EQ(v(R"("\u00e9\uD801\uDC00\u{1F600}")"), "é𐐀😀");
  EXPECT_EQ(v("'héllo'"), "héllo");
}

TEST(ParserTest, ReportsEverySyntaxErrorWithLineAndColumn) {
  auto r = ParseScript("Add(1,,2)\n[1, 2");
  ASSERT_FALSE(r.ok());
  ASSERT_GE(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].code(), ErrorCode::kInvalidSyntax);
  EXPECT_EQ(r.errors[0].source_pos().line, 1);
  EXPECT_EQ(r.errors[0].source_pos().column, 7);
  EXPECT_EQ(r.errors.back().source_pos().line, 2);
}

TEST(ParserTest, RendersACaretUnderTheError) {
  auto r = ParseScript("Concat(['a'],, 'b')");
  ASSERT_FALSE(r.ok());
  std::string d = RenderDiagnostic(r.errors[0], "Concat(['a'],, 'b')");
  EXPECT_NE(d.find("at 1:14"), std::string::npos) << d;
  EXPECT_NE(d.find("\n  Concat(['a'],, 'b')\n               ^"), std::string::npos) << d;
}

TEST(ParserTest, RejectsBadLiteralsClearly) {
  auto msg = [](const char* text) {
    auto r = ParseScript(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.errors[0].description();
  };
  EXPECT_NE(msg("'abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(msg("Add(1, 2) /* never closed").find("unterminated /* comment"), std::string::npos);
  EXPECT_NE(msg("9223372036854775808").find("out of the 64-bit range"), std::string::npos);
  EXPECT_NE(msg("1e999").find("out of the double range"), std::string::npos);
  EXPECT_NE(msg(R"("\q")").find("invalid escape"), std::string::npos);
  EXPECT_NE(msg(R"("\uD800")").find("surrogate"), std::string::npos);
  EXPECT_NE(msg("Add(1 # 2)").find("unexpected character '#'"), std::string::npos);
  EXPECT_NE(msg("{a: 1, a: 2}").find("duplicate object key 'a'"), std::string::npos);
}

TEST(ParserTest, RejectsInvalidUtf8WithItsPosition) {
  auto r = ParseScript("Add(1,\n  '\xc3\x28')");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors[0].source_pos().line, 2);
  EXPECT_EQ(r.errors[0].source_pos().column, 4);
}

TEST(ParserTest, LimitsNestingInsteadOfOverflowingTheStack) {
  std::string ok(kMaxNesting, '[');
  ok += std::string(kMaxNesting, ']');
  EXPECT_TRUE(ParseScript(ok).ok());
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  auto r = ParseScript(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors[0].code(), ErrorCode::kStackOverflow);
  std::string arrows;
  for (int i = 0; i < kMaxNesting + 5; ++i) arrows += "x => ";
  EXPECT_EQ(ParseScript(arrows + "1").errors.at(0).code(), ErrorCode::kStackOverflow);
}

TEST(ParserTest, ErrorRecoveryCannotBypassTheNestingLimit) {
  // Error recovery once nested each `x =>` inside the previous one.
  std::string hostile;
  for (int i = 0; i < 50000; ++i) hostile += "x=>)";
  auto r = ParseScript(hostile);
  ASSERT_FALSE(r.ok());
  EXPECT_LE(r.errors.size(), 60u) << "errors are capped";
}

TEST(ParserTest, ManyShallowLambdasAreNotDeep) {
  std::string list = "Count([";
  for (int i = 0; i < 800; ++i) list += "x => 1, ";
  EXPECT_TRUE(ParseScript(list + "1])").ok());
  std::string lines;
  for (int i = 0; i < 800; ++i) lines += "x => 1\n";
  auto r = ParseScript(lines);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.script->queries.size(), 800u);
}

TEST(ParserTest, AcceptsTheDriverNamespacePrefix) {
  EXPECT_EQ(Only(ParseScript("q.Add(1, 2)")).Cast<AstCall>().name, "Add");
  EXPECT_FALSE(ParseScript("z.Add(1, 2)").ok());
}

}  // namespace
}  // namespace fqldb::frontend
