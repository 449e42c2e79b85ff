#include "common/text.h"

#include <gtest/gtest.h>

namespace fqldb {
namespace {

TEST(TextTest, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("héllo 𐐀"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xc3"), 0u);             // truncated sequence
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);         // overlong
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);     // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u); // above U+10FFFF
}

TEST(TextTest, CountsCodePoints) {
  EXPECT_EQ(CountCodePoints("𐐀 ABC"), 5u);
  EXPECT_EQ(CodePointOffset("é1", 1), 2u);
  EXPECT_EQ(EncodeUtf8(DecodeUtf8("añ𐐀")), "añ𐐀");
}

TEST(TextTest, Base64RoundTrips) {
  std::string raw;
  for (int i = 0; i < 256; ++i) raw.push_back(static_cast<char>(i));
  std::string back;
  ASSERT_TRUE(Base64Decode(Base64Encode(raw), &back));
  EXPECT_EQ(back, raw);
  EXPECT_EQ(Base64Encode("\x01\x02\x03"), "AQID");
  EXPECT_FALSE(Base64Decode("A", &back));
  EXPECT_FALSE(Base64Decode("a*b=", &back));
}

}  // namespace
}  // namespace fqldb
