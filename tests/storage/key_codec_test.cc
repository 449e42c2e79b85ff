#include "storage/key_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "common/value_printer.h"

namespace fqldb::storage {
namespace {

std::string Enc(const Value& v) {
  std::string out;
  Status st = EncodeKey(v, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

int Sign(int x) { return (x > 0) - (x < 0); }

int MemCmp(const std::string& a, const std::string& b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return Sign(c);
  return Sign(static_cast<int>(a.size() > b.size()) - static_cast<int>(a.size() < b.size()));
}

Value Coll(const std::string& name) { return Value::Ref(name, Value::NativeRef("collections")); }

// Values that stress every boundary of the encoding.
std::vector<Value> EdgeValues() {
  const double two63 = 9223372036854775808.0;
  std::vector<Value> v = {
      Value::Long(std::numeric_limits<int64_t>::min()), Value::Long(std::numeric_limits<int64_t>::max()),
      Value::Long(-1), Value::Long(0), Value::Long(1), Value::Long(9007199254740993LL),
      Value::Double(9007199254740992.0), Value::Double(-two63), Value::Double(two63),
      Value::Double(std::nextafter(two63, 0.0)), Value::Double(-std::nextafter(two63, 0.0)),
      Value::Double(1e300), Value::Double(-1e300), Value::Double(1e-300), Value::Double(-1e-300),
      Value::Double(0.0), Value::Double(-0.5), Value::Double(-1.0), Value::Double(0.5), Value::Double(1.0),
      Value::Double(std::numeric_limits<double>::infinity()),
      Value::Double(-std::numeric_limits<double>::infinity()),
      Value::String(""), Value::String("a"), Value::String(std::string("a\0b", 3)), Value::String("ab"),
      Value::String("\xf0\x90\x90\x80"), Value::Bytes(""), Value::Bytes(std::string("\0", 1)),
      Value::Bytes("\xff"), Value::Ref("1", Coll("users")), Value::Ref("9", Coll("users")), Value::Ref("1", Coll("accounts")),
      Value::Ref("10", Coll("users")), Coll("users"), Value::NativeRef("collections"),
      Value::Ref("users", Value::NativeRef("collections"), Value::Ref("db", Value::NativeRef("databases"))),
      Value::Time({0, 0}), Value::Time({0, 1}), Value::Time({-1, 999999999}), Value::Date(-1), Value::Date(0),
      Value::MakeArray({}), Value::MakeArray({Value::Long(1)}), Value::MakeArray({Value::Long(1), Value::Long(2)}),
      Value::MakeArray({Value::Double(1.0)}), Value::MakeArray({Value::MakeArray({})}),
      Value::Bool(false), Value::Bool(true), Value::Null()};
  return v;
}

Value RandomValue(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 2 ? 9 : 10)) {
    case 0: return Value::Long(static_cast<int64_t>(rng() % 21) - 10);
    case 1: return Value::Long(static_cast<int64_t>(rng()));
    case 2: return Value::Double(static_cast<double>(static_cast<int64_t>(rng() % 41) - 20) / 4);
    case 3: return Value::Double(std::ldexp(static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000),
                                            static_cast<int>(rng() % 200) - 100));
    case 4: return Value::String(std::string(rng() % 3, static_cast<char>('a' + rng() % 3)));
    case 5: return Value::Ref(std::to_string(rng() % 3), Coll(rng() % 2 ? "a" : "b"));
    case 6: return Value::Time({static_cast<int64_t>(rng() % 5) - 2, static_cast<int32_t>(rng() % 3)});
    case 7: return Value::Date(static_cast<int64_t>(rng() % 5) - 2);
    case 8: return rng() % 3 == 0 ? Value::Null() : Value::Bool(rng() % 2);
    default: {
      Array elems;
      for (size_t i = rng() % 3; i > 0; --i) elems.push_back(RandomValue(rng, depth + 1));
      return Value::MakeArray(std::move(elems));
    }
  }
}

void ExpectSameOrder(const std::vector<Value>& vs) {
  std::vector<std::string> enc;
  for (const Value& v : vs) enc.push_back(Enc(v));
  for (size_t i = 0; i < vs.size(); ++i) {
    for (size_t j = 0; j < vs.size(); ++j) {
      ASSERT_EQ(MemCmp(enc[i], enc[j]), Sign(Compare(vs[i], vs[j])))
          << ToFql(vs[i]) << " vs " << ToFql(vs[j]);
    }
  }
}

TEST(KeyCodecTest, EdgeValuesKeepFqlOrder) { ExpectSameOrder(EdgeValues()); }

TEST(KeyCodecTest, RandomValuesKeepFqlOrder) {
  std::mt19937_64 rng(11);
  std::vector<Value> vs;
  for (int i = 0; i < 600; ++i) vs.push_back(RandomValue(rng, 0));
  ExpectSameOrder(vs);
}

TEST(KeyCodecTest, RoundTrips) {
  std::mt19937_64 rng(5);
  std::vector<Value> vs = EdgeValues();
  for (int i = 0; i < 500; ++i) vs.push_back(RandomValue(rng, 0));
  for (const Value& v : vs) {
    std::string e = Enc(v);
    std::string_view in = e;
    auto back = DecodeKey(&in);
    ASSERT_TRUE(back.ok()) << ToFql(v);
    EXPECT_TRUE(in.empty());
    EXPECT_TRUE(Equals(*back, v)) << ToFql(v) << " came back as " << ToFql(*back);
    EXPECT_EQ(back->kind(), v.kind());
  }
}

TEST(KeyCodecTest, TuplesAreConcatenations) {
  std::string key = Enc(Value::String("x")) + Enc(Value::Long(-3));
  std::string_view in = key;
  auto a = DecodeKey(&in);
  auto b = DecodeKey(&in);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->str(), "x");
  EXPECT_EQ(b->as_long(), -3);
  EXPECT_TRUE(in.empty());
}

TEST(KeyCodecTest, NegativeZeroEncodesAsZero) {
  EXPECT_EQ(Enc(Value::Double(-0.0)), Enc(Value::Double(0.0)));
}

TEST(KeyCodecTest, RejectsValuesThatCannotBeKeys) {
  std::string out;
  EXPECT_EQ(EncodeKey(Value::MakeObject({}), &out).code(), ErrorCode::kInvalidArgument);
  Value deep = Value::Long(1);
  for (int i = 0; i < 100; ++i) deep = Value::MakeArray({deep});
  EXPECT_EQ(EncodeKey(deep, &out).code(), ErrorCode::kInvalidArgument);
}

TEST(KeyCodecTest, MalformedBytesAreErrorsNotCrashes) {
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 24, '\0');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    std::string_view in = junk;
    (void)DecodeKey(&in);
  }
  std::string truncated = Enc(Value::String("hello"));
  truncated.pop_back();
  std::string_view in = truncated;
  EXPECT_FALSE(DecodeKey(&in).ok());
}

}  // namespace
}  // namespace fqldb::storage
