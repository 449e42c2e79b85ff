#include "storage/internal/entry_extractor.h"

#include <set>

#include "storage/doc_codec.h"
#include "storage/key_codec.h"

namespace fqldb::storage::internal {

namespace {

constexpr size_t kMaxEntriesPerDoc = 10000;

// Follows `path` into `doc`; null when any step is missing.
Value Walk(const Value& doc, const std::vector<Value>& path) {
  const Value* cur = &doc;
  Value holder;
  for (const Value& step : path) {
    if (step.is_string() && cur->is_object()) {
      const Value* next = cur->Find(step.str());
      if (next == nullptr) return Value();
      cur = next;
    } else if (step.is_string() && cur->kind() == ValueKind::kRef) {
      if (step.str() == "id") {
        holder = Value::String(cur->ref_id());
      } else if (step.str() == "collection" && cur->ref_collection()) {
        holder = *cur->ref_collection();
      } else {
        return Value();
      }
      cur = &holder;
    } else if (step.is_long() && cur->is_array()) {
      int64_t i = step.as_long();
      if (i < 0 || static_cast<size_t>(i) >= cur->array().size()) return Value();
      cur = &cur->array()[static_cast<size_t>(i)];
    } else {
      return Value();
    }
  }
  return *cur;
}

bool Indexable(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kObject:
    case ValueKind::kArray:
    case ValueKind::kSet:
    case ValueKind::kQuery:
    case ValueKind::kPage:
      return false;
    default:
      return true;
  }
}

// The values one field contributes: one per scalar element of an array,
// nothing for objects, the value itself otherwise (null included).
Result<Array> FieldValues(const IndexField& f, const Value& doc) {
  Value v;
  if (f.binding) {
    FQL_ASSIGN_OR_RETURN(v, f.binding(doc));
  } else {
    v = Walk(doc, f.path);
  }
  Array out;
  if (v.is_array()) {
    for (const Value& e : v.array()) {
      if (Indexable(e)) out.push_back(e);
    }
    if (out.empty()) out.push_back(Value());
  } else {
    out.push_back(Indexable(v) ? v : Value());
  }
  return out;
}

// Every combination of one value per field (the Cartesian product).
Result<std::vector<Array>> Tuples(const std::vector<IndexField>& fields, const Value& doc) {
  std::vector<Array> tuples(1);
  for (const IndexField& f : fields) {
    FQL_ASSIGN_OR_RETURN(Array values, FieldValues(f, doc));
    std::vector<Array> next;
    for (const Array& t : tuples) {
      for (const Value& v : values) {
        Array grown = t;
        grown.push_back(v);
        next.push_back(std::move(grown));
        if (next.size() > kMaxEntriesPerDoc) {
          return Status(ErrorCode::kInvalidArgument,
                        "A document would produce more than 10000 entries in one index.");
        }
      }
    }
    tuples = std::move(next);
  }
  return tuples;
}

bool AllNull(const Array& t) {
  for (const Value& v : t) {
    if (!v.is_null()) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<IndexEntryKey>> ExtractEntries(const IndexDef& def, const Value& ref,
                                                  uint64_t coll, const Value& doc) {
  FQL_ASSIGN_OR_RETURN(std::vector<Array> terms, Tuples(def.terms, doc));
  FQL_ASSIGN_OR_RETURN(std::vector<Array> values, Tuples(def.values, doc));
  std::vector<IndexEntryKey> out;
  std::set<std::string> seen;  // terms_key + order_key: both self-delimiting
  for (const Array& t : terms) {
    if (!def.terms.empty() && AllNull(t)) continue;
    for (const Array& v : values) {
      if (!def.values.empty() && AllNull(v)) continue;
      IndexEntryKey e;
      e.terms = t;
      FQL_RETURN_IF_ERROR(EncodeKey(Value::MakeArray(t), &e.terms_key));
      FQL_ASSIGN_OR_RETURN(e.values_key, EncodeOrderPrefix(&def, v));
      e.order_key = e.values_key;
      EncodeRefId(ref.ref_id(), &e.order_key);
      AppendRefCollection(coll, &e.order_key);
      Array payload = v;
      payload.push_back(ref);
      FQL_RETURN_IF_ERROR(EncodeDocument(Value::MakeArray(std::move(payload)), &e.payload));
      if (seen.insert(e.terms_key + e.order_key).second) out.push_back(std::move(e));
      if (out.size() > kMaxEntriesPerDoc) {
        return Status(ErrorCode::kInvalidArgument,
                      "A document would produce more than 10000 entries in one index.");
      }
    }
  }
  return out;
}

Status DecodeEntry(std::string_view order_key, VersionView v, SetEntry* out) {
  // The payload is [values..., ref]. The values are decoded in one walk,
  // without building the array around them; the ref is checked and kept
  // encoded (SetEntry::ref decodes it when asked).
  auto corrupt = [] { return Status(ErrorCode::kInternal, "corrupt index entry"); };
  if (v.value.size() < 1) return corrupt();
  FQL_ASSIGN_OR_RETURN(DocView payload, DocView::Of(std::string_view(v.value).substr(1)));
  if (payload.kind() != ValueKind::kArray || payload.size() == 0) return corrupt();
  const size_t n = payload.size() - 1;
  out->values.resize(n);
  bool ok = true;
  bool walked = payload.ForEachElement([&](size_t i, const DocView& e) {
    if (!ok) return;
    if (i == n) {
      ok = e.IsDecodableRef();
      if (ok) out->set_encoded_ref(e.bytes());
      return;
    }
    switch (e.kind()) {  // the common scalars without a Result round trip
      case ValueKind::kLong:
        out->values[i] = Value::Long(e.as_long());
        return;
      case ValueKind::kDouble:
        out->values[i] = Value::Double(e.as_double());
        return;
      case ValueKind::kBool:
        out->values[i] = Value::Bool(e.as_bool());
        return;
      default:
        break;
    }
    Result<Value> x = e.Materialize();
    ok = x.ok();
    if (ok) out->values[i] = std::move(*x);
  });
  if (!walked || !ok) return corrupt();
  out->ts = v.ts;
  out->order_key.assign(order_key);
  return Status::Ok();
}

}  // namespace fqldb::storage::internal
