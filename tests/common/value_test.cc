#include "common/value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace fqldb {
namespace {

Value Coll(const std::string& name) { return Value::Ref(name, Value::NativeRef("collections")); }

TEST(ValueTest, OrdersKindsAsFaunaDoes) {
  // numbers < bytes < strings < refs < times < dates < arrays < objects < false < true < null
  std::vector<Value> ordered = {
      Value::Long(-5),     Value::Double(-0.5),        Value::Long(3),
      Value::Bytes("\x01"), Value::String("a"),         Value::String("b"),
      Value::Ref("1", Coll("users")), Value::Time({0, 0}), Value::Date(0),
      Value::MakeArray({}), Value::MakeObject({}),      Value::Bool(false),
      Value::Bool(true),   Value::Null()};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(Compare(ordered[i], ordered[i + 1]), 0) << "at " << i;
    EXPECT_GT(Compare(ordered[i + 1], ordered[i]), 0) << "at " << i;
  }
}

TEST(ValueTest, LongsAndDoublesCompareByValueWithoutPrecisionLoss) {
  EXPECT_LT(Compare(Value::Long(1), Value::Double(1.5)), 0);
  EXPECT_GT(Compare(Value::Long(2), Value::Double(1.5)), 0);
  // 2^53 + 1 is not representable as a double; it must still sort above 2^53.
  EXPECT_GT(Compare(Value::Long(9007199254740993LL), Value::Double(9007199254740992.0)), 0);
  EXPECT_LT(Compare(Value::Long(INT64_MAX), Value::Double(1e300)), 0);
  // Equal values: the long sorts first, so the order stays total and agrees with Equals.
  EXPECT_LT(Compare(Value::Long(1), Value::Double(1.0)), 0);
  EXPECT_FALSE(Equals(Value::Long(1), Value::Double(1.0)));
}

TEST(ValueTest, CompareIsATotalOrderOnRandomValues) {
  std::mt19937 rng(7);
  std::vector<Value> vs;
  for (int i = 0; i < 300; ++i) {
    switch (rng() % 5) {
      case 0: vs.push_back(Value::Long(static_cast<int64_t>(rng() % 7) - 3)); break;
      case 1: vs.push_back(Value::Double(static_cast<double>(rng() % 7) / 2 - 1.5)); break;
      case 2: vs.push_back(Value::String(std::string(1, static_cast<char>('a' + rng() % 3)))); break;
      case 3: vs.push_back(Value::MakeArray({Value::Long(rng() % 2)})); break;
      default: vs.push_back(Value::Bool(rng() % 2)); break;
    }
  }
  for (const Value& a : vs) {
    for (const Value& b : vs) {
      int ab = Compare(a, b), ba = Compare(b, a);
      EXPECT_EQ(ab > 0, ba < 0);
      EXPECT_EQ(ab == 0, Equals(a, b));
    }
  }
}

TEST(ValueTest, ObjectsCompareIgnoringFieldOrder) {
  Value a = Value::MakeObject({{"x", Value::Long(1)}, {"y", Value::Long(2)}});
  Value b = Value::MakeObject({{"y", Value::Long(2)}, {"x", Value::Long(1)}});
  EXPECT_TRUE(Equals(a, b));
}

TEST(ValueTest, DuplicateKeysKeepTheLastValueInFirstPosition) {
  Value o = Value::MakeObject({{"a", Value::Long(1)}, {"b", Value::Long(2)}, {"a", Value::Long(3)}});
  ASSERT_EQ(o.fields().size(), 2u);
  EXPECT_EQ(o.fields()[0].first, "a");
  EXPECT_EQ(o.fields()[0].second.as_long(), 3);
}

TEST(ValueTest, TracksNestingDepth) {
  Value v = Value::Long(1);
  EXPECT_EQ(v.depth(), 0u);
  for (int i = 0; i < 10; ++i) v = Value::MakeArray({v});
  EXPECT_EQ(v.depth(), 10u);
  Value o = Value::MakeObject({{"a", v}});
  EXPECT_EQ(o.depth(), 11u);
}

TEST(ValueTest, MakeArrayFromSummarisesAsMakeArrayDoes) {
  Value scalars =
      Value::MakeArray({Value::Long(1), Value(), Value::Double(2.5), Value::Bool(true)});
  Value nested = Value::MakeArray({Value::Long(1), Value::MakeArray({Value::String("s")})});
  for (const Value& from : {scalars, nested, Value::MakeArray({})}) {
    for (size_t keep = 0; keep <= from.array().size(); ++keep) {
      Array kept(from.array().begin(), from.array().begin() + static_cast<ptrdiff_t>(keep));
      Value fast = Value::MakeArrayFrom(kept, from);
      Value slow = Value::MakeArray(kept);
      EXPECT_TRUE(Equals(fast, slow));
      EXPECT_EQ(fast.depth(), slow.depth()) << keep;
      EXPECT_EQ(fast.tree_size(), slow.tree_size()) << keep;
      EXPECT_EQ(fast.contains_query(), slow.contains_query()) << keep;
    }
  }
}

TEST(ValueTest, RefsSortByIdBeforeCollection) {
  Value a = Value::Ref("1", Coll("zebras"));
  Value b = Value::Ref("2", Coll("ants"));
  EXPECT_LT(Compare(a, b), 0);
}

}  // namespace
}  // namespace fqldb
