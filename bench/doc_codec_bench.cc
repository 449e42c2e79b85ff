// The stored-document encoding (storage/doc_codec.h) against FlexBuffers
// (Debian's libflatbuffers-dev), which issue 3 asked to measure before
// settling on our own. Both encode the same FQL documents from the same
// Value trees, in one run, single-threaded. Prints a Markdown table for
// docs/benchmarks.md. Not a test: nothing here asserts a time.
//   usage: fql_bench_doc_codec [iterations (default 200000)]
//
// FlexBuffers has no Ref or Time types, so a ref is written as the map
// {"@ref": id, "collection": name} and a time as an integer of
// microseconds (cheaper than any faithful form, so the comparison leans
// toward FlexBuffers). Its reads are unchecked unless a row says
// "verified": GetRoot on corrupt bytes can read out of bounds, which a
// database reading its own files after a crash cannot accept, so the
// verified rows are the fair ones for whole-document reads.
#include <flatbuffers/flexbuffers.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/value.h"
#include "storage/doc_codec.h"

namespace {

using fqldb::Array;
using fqldb::Fields;
using fqldb::Value;
using fqldb::ValueKind;
using Clock = std::chrono::steady_clock;

Value Coll(const std::string& name) { return Value::Ref(name, Value::NativeRef("collections")); }

// An order as examples/ecommerce stores it, a little richer.
Value Order(int64_t i) {
  Array items;
  for (int k = 0; k < 3; ++k) {
    items.push_back(Value::MakeObject(
        {{"product", Value::Ref(std::to_string(1000 + i % 97 + k), Coll("products"))},
         {"qty", Value::Long(1 + k)},
         {"price", Value::Double(9.99 + k)}}));
  }
  return Value::MakeObject({
      {"user", Value::Ref(std::to_string(500 + i % 200), Coll("users"))},
      {"status", Value::String(i % 3 ? "paid" : "shipped")},
      {"total", Value::Double(100.0 + static_cast<double>(i % 1000))},
      {"placed", Value::Time({1700000000 + i, 0})},
      {"items", Value::MakeArray(std::move(items))},
      {"shipping", Value::MakeObject({{"name", Value::String("Ada Lovelace")},
                                      {"street", Value::String("12 Analytical Row")},
                                      {"city", Value::String("London")},
                                      {"zip", Value::String("N1 9GU")}})},
      {"tags", Value::MakeArray({Value::String("gift"), Value::String("express")})},
      {"notes", Value::Null()},
  });
}

void FlexWrite(const Value& v, flexbuffers::Builder& b) {
  switch (v.kind()) {
    case ValueKind::kNull:
      b.Null();
      return;
    case ValueKind::kBool:
      b.Bool(v.as_bool());
      return;
    case ValueKind::kLong:
      b.Int(v.as_long());
      return;
    case ValueKind::kDouble:
      b.Double(v.as_double());
      return;
    case ValueKind::kString:
      b.String(v.str().data(), v.str().size());
      return;
    case ValueKind::kBytes:
      b.Blob(v.str().data(), v.str().size());
      return;
    case ValueKind::kTimestamp:
      b.Int(v.as_time().seconds * 1000000 + v.as_time().nanos / 1000);
      return;
    case ValueKind::kRef: {
      size_t m = b.StartMap();
      b.Key("@ref");
      b.String(v.ref_id().data(), v.ref_id().size());
      b.Key("collection");
      const std::string& coll = v.ref_collection() ? v.ref_collection()->ref_id() : std::string();
      b.String(coll.data(), coll.size());
      b.EndMap(m);
      return;
    }
    case ValueKind::kArray: {
      size_t s = b.StartVector();
      for (const Value& e : v.array()) FlexWrite(e, b);
      b.EndVector(s, false, false);
      return;
    }
    case ValueKind::kObject: {
      size_t m = b.StartMap();
      for (const auto& [k, x] : v.fields()) {
        b.Key(k);
        FlexWrite(x, b);
      }
      b.EndMap(m);
      return;
    }
    default:
      std::fprintf(stderr, "unsupported kind\n");
      std::exit(1);
  }
}

Value FlexRead(flexbuffers::Reference r) {
  switch (r.GetType()) {
    case flexbuffers::FBT_NULL:
      return Value::Null();
    case flexbuffers::FBT_BOOL:
      return Value::Bool(r.AsBool());
    case flexbuffers::FBT_INT:
    case flexbuffers::FBT_INDIRECT_INT:
    case flexbuffers::FBT_UINT:
    case flexbuffers::FBT_INDIRECT_UINT:
      return Value::Long(r.AsInt64());
    case flexbuffers::FBT_FLOAT:
    case flexbuffers::FBT_INDIRECT_FLOAT:
      return Value::Double(r.AsDouble());
    case flexbuffers::FBT_STRING:
      return Value::String(r.AsString().str());
    case flexbuffers::FBT_BLOB: {
      auto blob = r.AsBlob();
      return Value::Bytes(std::string(reinterpret_cast<const char*>(blob.data()), blob.size()));
    }
    case flexbuffers::FBT_MAP: {
      auto m = r.AsMap();
      auto ref = m["@ref"];
      if (!ref.IsNull())
        return Value::Ref(ref.AsString().str(), Coll(m["collection"].AsString().str()));
      auto keys = m.Keys();
      auto vals = m.Values();
      Fields f;
      f.reserve(m.size());
      for (size_t i = 0; i < m.size(); ++i) f.emplace_back(keys[i].AsKey(), FlexRead(vals[i]));
      return Value::MakeObject(std::move(f));
    }
    default: {
      auto vec = r.AsVector();
      Array a;
      a.reserve(vec.size());
      for (size_t i = 0; i < vec.size(); ++i) a.push_back(FlexRead(vec[i]));
      return Value::MakeArray(std::move(a));
    }
  }
}

// Runs fn(i) n times; returns ns per call. `sink` keeps results observable.
template <typename Fn>
double NsPerOp(int n, Fn fn) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) fn(i);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
}

void Row(const char* what, double ours, double flex) {
  std::printf("| %s | %.0f ns | %.0f ns | %.2f |\n", what, ours, flex, ours / flex);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  const int kDocs = 64;
  std::vector<Value> docs;
  for (int i = 0; i < kDocs; ++i) docs.push_back(Order(i));
  std::vector<std::string> ours(kDocs);
  std::vector<std::vector<uint8_t>> flex(kDocs);
  size_t ours_bytes = 0, flex_bytes = 0;
  for (int i = 0; i < kDocs; ++i) {
    if (!fqldb::storage::EncodeDocument(docs[i], &ours[i]).ok()) return 1;
    flexbuffers::Builder b;
    FlexWrite(docs[i], b);
    b.Finish();
    flex[i] = b.GetBuffer();
    ours_bytes += ours[i].size();
    flex_bytes += flex[i].size();
    // Both must hold the same document.
    auto back = fqldb::storage::DecodeDocument(ours[i]);
    if (!back.ok() || !fqldb::Equals(*back, docs[i])) return 1;
    if (FlexRead(flexbuffers::GetRoot(flex[i])).fields().size() != docs[i].fields().size())
      return 1;
  }
  volatile double sink = 0;

  std::printf(
      "| operation (one order document, %d runs) | fqldb doc codec | FlexBuffers | fqldb ÷ "
      "FlexBuffers |\n",
      n);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| encoded size | %zu B | %zu B | %.2f |\n", ours_bytes / kDocs, flex_bytes / kDocs,
              static_cast<double>(ours_bytes) / static_cast<double>(flex_bytes));

  std::string buf;
  double e_ours = NsPerOp(n, [&](int i) {
    buf.clear();
    (void)fqldb::storage::EncodeDocument(docs[i % kDocs], &buf);
    sink = sink + static_cast<double>(buf.size());
  });
  flexbuffers::Builder fb;
  double e_flex = NsPerOp(n, [&](int i) {
    fb.Clear();
    FlexWrite(docs[i % kDocs], fb);
    fb.Finish();
    sink = sink + static_cast<double>(fb.GetSize());
  });
  Row("encode a Value tree", e_ours, e_flex);

  double f_ours = NsPerOp(n, [&](int i) {
    auto d = fqldb::storage::DocView::Of(ours[i % kDocs]);
    sink = sink + d->Field("total")->as_double();
  });
  double f_flex = NsPerOp(n, [&](int i) {
    sink = sink + flexbuffers::GetRoot(flex[i % kDocs]).AsMap()["total"].AsDouble();
  });
  Row("read one field (`total`), flex unchecked", f_ours, f_flex);
  std::vector<uint8_t> tracker;
  double fv_flex = NsPerOp(n, [&](int i) {
    const auto& b = flex[i % kDocs];
    if (!flexbuffers::VerifyBuffer(b.data(), b.size(), &tracker)) std::exit(1);
    sink = sink + flexbuffers::GetRoot(b).AsMap()["total"].AsDouble();
  });
  Row("read one field (`total`), flex verified", f_ours, fv_flex);

  double n_ours = NsPerOp(n, [&](int i) {
    auto d = fqldb::storage::DocView::Of(ours[i % kDocs]);
    sink = sink + static_cast<double>(d->Field("items")->Element(1)->Field("qty")->as_long());
  });
  double n_flex = NsPerOp(n, [&](int i) {
    auto items = flexbuffers::GetRoot(flex[i % kDocs]).AsMap()["items"].AsVector();
    sink = sink + static_cast<double>(items[1].AsMap()["qty"].AsInt64());
  });
  Row("read a nested field (`items[1].qty`), flex unchecked", n_ours, n_flex);

  double d_ours = NsPerOp(n, [&](int i) {
    auto v = fqldb::storage::DecodeDocument(ours[i % kDocs]);
    sink = sink + static_cast<double>(v->fields().size());
  });
  double d_flex = NsPerOp(n, [&](int i) {
    sink =
        sink + static_cast<double>(FlexRead(flexbuffers::GetRoot(flex[i % kDocs])).fields().size());
  });
  Row("decode the whole document to a Value (flex unchecked)", d_ours, d_flex);
  double v_flex = NsPerOp(n, [&](int i) {
    const auto& b = flex[i % kDocs];
    if (!flexbuffers::VerifyBuffer(b.data(), b.size(), &tracker)) std::exit(1);
    sink = sink + static_cast<double>(FlexRead(flexbuffers::GetRoot(b)).fields().size());
  });
  Row("decode the whole document to a Value (flex verified)", d_ours, v_flex);
  return sink < 0 ? 1 : 0;
}
