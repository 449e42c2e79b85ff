#include "storage/doc_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "common/stored_lambda.h"
#include "common/value_printer.h"

namespace fqldb::storage {
namespace {

Value Coll(const std::string& name) { return Value::Ref(name, Value::NativeRef("collections")); }

Value RandomDoc(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 3 ? 8 : 10)) {
    case 0:
      return Value::Long(static_cast<int64_t>(rng()));
    case 1:
      return Value::Double(static_cast<double>(static_cast<int64_t>(rng() % 1000)) / 7);
    case 2:
      return Value::String(std::string(rng() % 6, static_cast<char>('a' + rng() % 26)));
    case 3:
      return Value::Bytes(std::string(rng() % 4, '\0'));
    case 4:
      return Value::Ref(std::to_string(rng() % 100), Coll("users"));
    case 5:
      return Value::Time(
          {static_cast<int64_t>(rng() % 100000), static_cast<int32_t>(rng() % 1000)});
    case 6:
      return Value::Date(static_cast<int64_t>(rng() % 1000));
    case 7:
      return rng() % 2 ? Value::Null() : Value::Bool(rng() % 2);
    case 8: {
      Array elems;
      for (size_t i = rng() % 5; i > 0; --i) elems.push_back(RandomDoc(rng, depth + 1));
      return Value::MakeArray(std::move(elems));
    }
    default: {
      Fields fields;
      for (size_t i = rng() % 6; i > 0; --i) {
        fields.emplace_back(std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 5)),
                            RandomDoc(rng, depth + 1));
      }
      return Value::MakeObject(std::move(fields));
    }
  }
}

std::string Enc(const Value& v) {
  std::string out;
  Status st = EncodeDocument(v, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(DocCodecTest, RoundTripsKeepingFieldOrder) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    Value v = RandomDoc(rng, 0);
    auto back = DecodeDocument(Enc(v));
    ASSERT_TRUE(back.ok()) << ToFql(v);
    EXPECT_EQ(ToFql(*back), ToFql(v)) << "field order and types must survive";
  }
}

TEST(DocCodecTest, ReadsOneFieldWithoutDecodingTheRest) {
  Fields data;
  for (int i = 0; i < 200; ++i)
    data.emplace_back("f" + std::to_string(i * 7 % 200), Value::Long(i));
  Value doc =
      Value::MakeObject({{"ref", Value::Ref("1", Coll("users"))},
                         {"data", Value::MakeObject(data)},
                         {"tags", Value::MakeArray({Value::String("x"), Value::String("y")})}});
  std::string bytes = Enc(doc);
  auto view = DocView::Of(bytes);
  ASSERT_TRUE(view.ok());
  auto d = view->Field("data");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->size(), 200u);
  for (const Field& f : doc.Find("data")->fields()) {
    auto field = d->Field(f.first);
    ASSERT_TRUE(field.has_value()) << f.first;
    ASSERT_EQ(field->kind(), ValueKind::kLong);
    EXPECT_EQ(field->as_long(), f.second.as_long());
  }
  EXPECT_FALSE(d->Field("missing").has_value());
  auto tags = view->Field("tags");
  ASSERT_TRUE(tags && tags->Element(1));
  EXPECT_EQ(tags->Element(1)->as_string(), "y");
  EXPECT_FALSE(tags->Element(2).has_value());
}

TEST(DocCodecTest, RejectsWhatCannotBeStored) {
  std::string out;
  EXPECT_EQ(EncodeDocument(Value::Set({"s", "{}", nullptr}), &out).code(),
            ErrorCode::kInvalidArgument);
}

TEST(DocCodecTest, StoresALambdaAsItsSourceAndWireForm) {
  auto lambda = std::make_shared<StoredLambda>("Lambda(\"x\", Var(\"x\"))",
                                               "{\"lambda\":\"x\",\"expr\":{\"var\":\"x\"}}", 1);
  Value doc = Value::MakeObject({{"name", Value::String("id")}, {"body", Value::Query(lambda)}});
  std::string bytes = Enc(doc);
  auto back = DecodeDocument(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const Value* body = back->Find("body");
  ASSERT_NE(body, nullptr);
  ASSERT_EQ(body->kind(), ValueKind::kQuery);
  EXPECT_EQ(body->query()->ToFql(), lambda->ToFql());
  EXPECT_EQ(body->query()->ToWireJson(), lambda->ToWireJson());
  EXPECT_EQ(body->query()->arity(), 1);
  EXPECT_EQ(body->query()->type_tag(), StoredLambda::Tag());
  // Every truncation is an error, never a crash or a wrong lambda.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto cut = DecodeDocument(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(cut.ok()) << n;
  }
}

TEST(DocCodecTest, CorruptBytesAreErrorsNotCrashes) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = Enc(RandomDoc(rng, 0));
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0 && !bytes.empty(); --flips) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
    }
    if (rng() % 3 == 0 && !bytes.empty()) bytes.resize(rng() % bytes.size());
    auto r = DecodeDocument(bytes);
    if (auto v = DocView::Of(bytes); v.ok()) {
      (void)v->Field("a");
      (void)v->Element(0);
    }
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
    }
  }
}

// Index entries are walked with ForEachElement and their refs are kept
// encoded once IsDecodableRef accepts them; SetEntry::ref() then relies on
// Materialize succeeding. Corrupt entries must fail the checks instead.
TEST(DocCodecTest, CheckedRefsAlwaysDecodeEvenFromCorruptEntries) {
  std::mt19937_64 rng(23);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    Array entry{RandomDoc(rng, 2),
                Value::Ref(std::to_string(rng() % 1000), Coll(i % 2 ? "orders" : "users"))};
    std::string bytes = Enc(Value::MakeArray(entry));
    bool corrupt = i % 2 == 0;
    if (corrupt) bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
    auto view = DocView::Of(bytes);
    if (!view.ok()) continue;
    std::vector<std::string> elems;
    bool walked =
        view->ForEachElement([&](size_t, const DocView& e) { elems.emplace_back(e.bytes()); });
    if (!walked || elems.size() != 2) continue;
    auto ref = DocView::Of(elems[1]);
    ASSERT_TRUE(ref.ok());
    if (!ref->IsDecodableRef()) continue;
    ++accepted;
    auto decoded = ref->Materialize();
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_EQ(decoded->kind(), ValueKind::kRef);
    if (!corrupt) {
      EXPECT_TRUE(Equals(*decoded, entry[1])) << ToFql(*decoded);
    }
  }
  EXPECT_GT(accepted, 1500);  // every intact entry, plus corrupt ones that still parse
}

TEST(DocCodecTest, SharedRefPartsDecodeToEqualValues) {
  // The second decode of a collection part comes from the per-thread cache.
  Value a = Value::Ref("1", Coll("orders"));
  Value b = Value::Ref("2", Coll("orders"));
  auto da = DecodeDocument(Enc(a));
  auto db = DecodeDocument(Enc(b));
  ASSERT_TRUE(da.ok() && db.ok());
  EXPECT_TRUE(Equals(*da, a));
  EXPECT_TRUE(Equals(*db, b));
  // A part that differs in one byte is not mistaken for the cached one.
  auto dc = DecodeDocument(Enc(Value::Ref("2", Coll("ordert"))));
  ASSERT_TRUE(dc.ok());
  EXPECT_EQ(dc->ref_collection()->ref_id(), "ordert");
}

// Hand-builds the encoding of Ref("r", <collection part>), the part being an
// encoded ref (or none when empty): tag, body length, id, presence bytes.
std::string RefAround(const std::string& part) {
  std::string body;
  auto u32 = [&body](uint32_t v) {
    for (int b = 0; b < 4; ++b) body.push_back(static_cast<char>((v >> (8 * b)) & 0xFF));
  };
  u32(1);
  body.push_back('r');
  body.push_back(part.empty() ? '\x00' : '\x01');
  body += part;
  body.push_back('\x00');  // no database part
  std::string out(1, '\x09');
  uint32_t len = static_cast<uint32_t>(body.size());
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((len >> (8 * b)) & 0xFF));
  return out + body;
}

TEST(DocCodecTest, RefPartCacheKeepsTheNestingBound) {
  // Decoding chain k caches chain k-1 as a part; without the bound on cache
  // hits, a chain could grow one level per decode past what a cold decode
  // (another thread, or after eviction) accepts, and a checked index ref
  // would then fail to decode later.
  std::string chain = RefAround("");
  for (int k = 2; k <= 1100; ++k) {
    chain = RefAround(chain);
    auto r = DecodeDocument(chain);
    if (r.ok()) {
      EXPECT_LE(r->depth(), 1001u) << "accepted a ref nested " << r->depth() << " deep";
    } else {
      EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
    }
  }
  EXPECT_FALSE(DecodeDocument(chain).ok());
}

// Hand-builds `levels` nested one-element arrays around a null: each level
// is tag, body length, count 1 and one offset (13 bytes) around the next.
std::string NestedArrays(int levels) {
  std::string bytes;
  for (int i = 0; i < levels; ++i) {
    uint32_t body = static_cast<uint32_t>(9 + 13 * (levels - 1 - i));
    bytes.push_back(10);
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((body >> (8 * b)) & 0xFF));
    bytes.append("\x01\0\0\0\0\0\0\0", 8);
  }
  bytes.push_back(0);
  return bytes;
}

TEST(DocCodecTest, CorruptDeepNestingIsBounded) {
  // The framing is right: 500 levels decode.
  auto shallow = DecodeDocument(NestedArrays(500));
  ASSERT_TRUE(shallow.ok()) << shallow.status().ToString();
  EXPECT_EQ(shallow->depth(), 500u);
  // No encoder writes 100,000 levels; only the decoder's bound stops it.
  auto r = DecodeDocument(NestedArrays(100000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace fqldb::storage
