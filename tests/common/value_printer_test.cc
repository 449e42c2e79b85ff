#include "common/value_printer.h"

#include <gtest/gtest.h>

namespace fqldb {
namespace {

Value Coll(const std::string& name) { return Value::Ref(name, Value::NativeRef("collections")); }

TEST(ValuePrinterTest, PrintsFqlLiteralsLikeFaunaShell) {
  Value doc = Value::MakeObject({{"ref", Value::Ref("101", Coll("Letters"))},
                                 {"ts", Value::Long(1645055612940000)},
                                 {"data", Value::MakeObject({{"letter", Value::String("A")}})}});
  EXPECT_EQ(ToFql(doc),
            "{ ref: Ref(Collection(\"Letters\"), \"101\"), ts: 1645055612940000, data: { letter: 'A' } }");
  EXPECT_EQ(ToFql(Value::MakeArray({})), "[]");
  EXPECT_EQ(ToFql(Value::MakeObject({{"a b", Value::Null()}})), "{ 'a b': null }");
  EXPECT_EQ(ToFql(Value::String("it's\n")), "'it\\'s\\n'");
}

TEST(ValuePrinterTest, DoublesAlwaysLookLikeDoubles) {
  EXPECT_EQ(FormatDouble(2.0), "2.0");
  EXPECT_EQ(FormatDouble(-0.5), "-0.5");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1e21), "1.0e+21");
  EXPECT_EQ(FormatDouble(1.5e-7), "1.5e-07");
}

TEST(ValuePrinterTest, PrintsWireJsonWithTypeTags) {
  Value r = Value::Ref("123", Coll("frogs"));
  EXPECT_EQ(ToWireJson(r),
            "{\"@ref\":{\"id\":\"123\",\"collection\":{\"@ref\":{\"id\":\"frogs\",\"collection\":"
            "{\"@ref\":{\"id\":\"collections\"}}}}}}");
  EXPECT_EQ(ToWireJson(Value::Bytes(std::string("\x01\x02\x03", 3))), "{\"@bytes\":\"AQID\"}");
  EXPECT_EQ(ToWireJson(Value::Date(0)), "{\"@date\":\"1970-01-01\"}");
  EXPECT_EQ(ToWireJson(Value::Time({0, 123456789})), "{\"@ts\":\"1970-01-01T00:00:00.123456789Z\"}");
  EXPECT_EQ(ToWireJson(Value::MakeObject({{"@name", Value::String("John")}})),
            "{\"@obj\":{\"@name\":\"John\"}}");
  EXPECT_EQ(ToWireJson(Value::String("q\"\x01")), "\"q\\\"\\u0001\"");
}

TEST(ValuePrinterTest, PrintsSchemaAndNativeRefsByConstructor) {
  EXPECT_EQ(ToFql(Value::NativeRef("collections")), "Collections()");
  EXPECT_EQ(ToFql(Value::Ref("by_name", Value::NativeRef("indexes"))), "Index(\"by_name\")");
  Value db = Value::Ref("child", Value::NativeRef("databases"));
  EXPECT_EQ(ToFql(Value::Ref("users", Value::NativeRef("collections"), db)),
            "Collection(\"users\", Database(\"child\"))");
}

TEST(ValuePrinterTest, PagesPrintCursorsBeforeData) {
  Value p = Value::Page({Value::Long(1)}, std::nullopt, Value::MakeArray({Value::Long(2)}));
  EXPECT_EQ(ToFql(p), "{ after: [ 2 ], data: [ 1 ] }");
  EXPECT_EQ(ToWireJson(p), "{\"after\":[2],\"data\":[1]}");
}

}  // namespace
}  // namespace fqldb
