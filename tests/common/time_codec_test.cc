#include "common/time_codec.h"

#include <gtest/gtest.h>

namespace fqldb {
namespace {

TEST(TimeCodecTest, ParsesAndFormatsInstantsLikeJava) {
  auto ts = ParseTimestamp("2019-10-22T16:45:19.223863Z");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(FormatTimestamp(*ts), "2019-10-22T16:45:19.223863Z");
  EXPECT_EQ(FormatTimestamp({0, 0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp({0, 120000000}), "1970-01-01T00:00:00.120Z");
  EXPECT_EQ(FormatTimestamp({-1, 0}), "1969-12-31T23:59:59Z");
}

TEST(TimeCodecTest, NormalizesOffsetsToUtc) {
  auto ts = ParseTimestamp("2020-01-01T00:00:00-04:00");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(FormatTimestamp(*ts), "2020-01-01T04:00:00Z");
  auto compact = ParseTimestamp("2020-01-01T00:00:00+0130");
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(FormatTimestamp(*compact), "2019-12-31T22:30:00Z");
}

TEST(TimeCodecTest, RejectsMalformedTimes) {
  for (const char* bad : {"2020-13-01T00:00:00Z", "2020-02-30T00:00:00Z", "2020-01-01", "yesterday",
                          "2020-01-01T25:00:00Z", "2020-01-01T00:00:00", "2020-01-01T00:00:00Zjunk"}) {
    auto r = ParseTimestamp(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(TimeCodecTest, DatesRoundTripAcrossLeapYears) {
  for (const char* d : {"1970-01-01", "2000-02-29", "1900-03-01", "2038-01-19", "0001-01-01"}) {
    auto days = ParseDate(d);
    ASSERT_TRUE(days.ok()) << d;
    EXPECT_EQ(FormatDate(*days), d);
  }
  EXPECT_FALSE(ParseDate("1900-02-29").ok());
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
}

}  // namespace
}  // namespace fqldb
