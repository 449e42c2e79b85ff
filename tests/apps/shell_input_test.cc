#include <gtest/gtest.h>

#include "apps/cli.h"

namespace fqldb::apps {
namespace {

TEST(ShellInputTest, CompleteWhenBracketsBalance) {
  EXPECT_TRUE(InputComplete("Add(1, 2)\n"));
  EXPECT_FALSE(InputComplete("Add(1,\n"));
  EXPECT_FALSE(InputComplete("Map([1, 2], x => {\n"));
  EXPECT_TRUE(InputComplete("Map([1, 2], x => {a: x})\n"));
}

TEST(ShellInputTest, BracketsInsideStringsAndCommentsDoNotCount) {
  EXPECT_TRUE(InputComplete("Concat(['(', \"[\"])\n"));
  EXPECT_TRUE(InputComplete("Add(1, 2) // (\n"));
  EXPECT_FALSE(InputComplete("Add(1, 2) /* open\n"));
  EXPECT_TRUE(InputComplete("Add(1, /* ) */ 2)\n"));
  EXPECT_TRUE(InputComplete("Concat(['it\\'s (', 'x'])\n"));
}

TEST(ShellInputTest, ExtraClosersSubmitSoTheParserCanReportThem) {
  EXPECT_TRUE(InputComplete("Add(1, 2))\n"));
}

}  // namespace
}  // namespace fqldb::apps
