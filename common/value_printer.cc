#include "common/value_printer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/text.h"
#include "common/time_codec.h"

namespace fqldb {

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == std::trunc(d) && std::fabs(d) < 1e16) {
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%.1f", d);
    return std::string(buf, static_cast<size_t>(n));
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  // Give exponents a mantissa fraction as well ("1e+21" -> "1.0e+21").
  size_t e = s.find('e');
  if (e != std::string::npos && s.find('.') == std::string::npos) s.insert(e, ".0");
  return s;
}

bool IsBareKey(const std::string& key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool ok = c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

namespace {

const char* NativeFunctionName(const std::string& id) {
  if (id == "collections") return "Collections";
  if (id == "indexes") return "Indexes";
  if (id == "databases") return "Databases";
  if (id == "functions") return "Functions";
  if (id == "roles") return "Roles";
  if (id == "keys") return "Keys";
  if (id == "tokens") return "Tokens";
  if (id == "credentials") return "Credentials";
  if (id == "access_providers") return "AccessProviders";
  return nullptr;
}

// The constructor for a ref whose collection is the native collection `id`.
const char* SchemaRefName(const std::string& id) {
  if (id == "collections") return "Collection";
  if (id == "indexes") return "Index";
  if (id == "databases") return "Database";
  if (id == "functions") return "Function";
  if (id == "roles") return "Role";
  if (id == "access_providers") return "AccessProvider";
  return nullptr;
}

class FqlPrinter {
 public:
  void Print(const Value& v) {
    switch (v.kind()) {
      case ValueKind::kNull: out_ += "null"; return;
      case ValueKind::kBool: out_ += v.as_bool() ? "true" : "false"; return;
      case ValueKind::kLong: out_ += std::to_string(v.as_long()); return;
      case ValueKind::kDouble: out_ += FormatDouble(v.as_double()); return;
      case ValueKind::kString: AppendQuoted(v.str(), '\'', &out_); return;
      case ValueKind::kBytes:
        out_ += "Bytes(\"" + Base64Encode(v.str()) + "\")";
        return;
      case ValueKind::kArray: PrintArray(v.array()); return;
      case ValueKind::kObject: PrintFields(v.fields()); return;
      case ValueKind::kRef: PrintRef(v); return;
      case ValueKind::kSet: out_ += v.set().fql; return;
      case ValueKind::kTimestamp: out_ += "Time(\"" + FormatTimestamp(v.as_time()) + "\")"; return;
      case ValueKind::kDate: out_ += "Date(\"" + FormatDate(v.as_date()) + "\")"; return;
      case ValueKind::kQuery: out_ += "Query(" + v.query()->ToFql() + ")"; return;
      case ValueKind::kPage: PrintPage(v); return;
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  void PrintArray(const Array& a) {
    if (a.empty()) {
      out_ += "[]";
      return;
    }
    out_ += "[ ";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out_ += ", ";
      Print(a[i]);
    }
    out_ += " ]";
  }
  void PrintKey(const std::string& k) {
    if (IsBareKey(k)) {
      out_ += k;
    } else {
      AppendQuoted(k, '\'', &out_);
    }
    out_ += ": ";
  }
  void PrintFields(const Fields& f) {
    if (f.empty()) {
      out_ += "{}";
      return;
    }
    out_ += "{ ";
    for (size_t i = 0; i < f.size(); ++i) {
      if (i) out_ += ", ";
      PrintKey(f[i].first);
      Print(f[i].second);
    }
    out_ += " }";
  }
  void PrintPage(const Value& v) {
    out_ += "{ ";
    if (v.page_before()) {
      out_ += "before: ";
      Print(*v.page_before());
      out_ += ", ";
    }
    if (v.page_after()) {
      out_ += "after: ";
      Print(*v.page_after());
      out_ += ", ";
    }
    out_ += "data: ";
    PrintArray(v.array());
    out_ += " }";
  }
  void PrintScope(const Value& ref) {
    if (ref.ref_database()) {
      out_ += ", ";
      Print(*ref.ref_database());
    }
  }
  void PrintRef(const Value& v) {
    const Value* coll = v.ref_collection();
    if (!coll) {
      const char* native = NativeFunctionName(v.ref_id());
      if (native) {
        out_ += native;
        out_ += "(";
        if (v.ref_database()) Print(*v.ref_database());
        out_ += ")";
        return;
      }
      out_ += "Ref(" + QuoteFqlString(v.ref_id()) + ")";
      return;
    }
    if (!coll->ref_collection()) {
      const char* schema = SchemaRefName(coll->ref_id());
      if (schema) {
        out_ += schema;
        out_ += "(" + QuoteFqlString(v.ref_id());
        PrintScope(v);
        out_ += ")";
        return;
      }
    }
    out_ += "Ref(";
    Print(*coll);
    out_ += ", " + QuoteFqlString(v.ref_id()) + ")";
  }

  std::string out_;
};

class JsonPrinter {
 public:
  void Print(const Value& v) {
    switch (v.kind()) {
      case ValueKind::kNull: out_ += "null"; return;
      case ValueKind::kBool: out_ += v.as_bool() ? "true" : "false"; return;
      case ValueKind::kLong: out_ += std::to_string(v.as_long()); return;
      case ValueKind::kDouble: out_ += FormatDouble(v.as_double()); return;
      case ValueKind::kString: AppendJsonString(v.str(), &out_); return;
      case ValueKind::kBytes:
        out_ += "{\"@bytes\":";
        AppendJsonString(Base64Encode(v.str()), &out_);
        out_ += "}";
        return;
      case ValueKind::kArray: PrintArray(v.array()); return;
      case ValueKind::kObject: PrintObject(v.fields()); return;
      case ValueKind::kRef: PrintRef(v); return;
      case ValueKind::kSet: out_ += "{\"@set\":" + v.set().wire_json + "}"; return;
      case ValueKind::kTimestamp:
        out_ += "{\"@ts\":\"" + FormatTimestamp(v.as_time()) + "\"}";
        return;
      case ValueKind::kDate: out_ += "{\"@date\":\"" + FormatDate(v.as_date()) + "\"}"; return;
      case ValueKind::kQuery: out_ += "{\"@query\":" + v.query()->ToWireJson() + "}"; return;
      case ValueKind::kPage: PrintPage(v); return;
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  void PrintArray(const Array& a) {
    out_ += "[";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out_ += ",";
      Print(a[i]);
    }
    out_ += "]";
  }
  void PrintFieldList(const Fields& f) {
    out_ += "{";
    for (size_t i = 0; i < f.size(); ++i) {
      if (i) out_ += ",";
      AppendJsonString(f[i].first, &out_);
      out_ += ":";
      Print(f[i].second);
    }
    out_ += "}";
  }
  void PrintObject(const Fields& f) {
    bool escape = false;
    for (const Field& x : f) escape = escape || (!x.first.empty() && x.first[0] == '@');
    if (escape) out_ += "{\"@obj\":";
    PrintFieldList(f);
    if (escape) out_ += "}";
  }
  void PrintPage(const Value& v) {
    out_ += "{";
    if (v.page_before()) {
      out_ += "\"before\":";
      Print(*v.page_before());
      out_ += ",";
    }
    if (v.page_after()) {
      out_ += "\"after\":";
      Print(*v.page_after());
      out_ += ",";
    }
    out_ += "\"data\":";
    PrintArray(v.array());
    out_ += "}";
  }
  void PrintRef(const Value& v) {
    out_ += "{\"@ref\":{\"id\":";
    AppendJsonString(v.ref_id(), &out_);
    if (v.ref_collection()) {
      out_ += ",\"collection\":";
      Print(*v.ref_collection());
    }
    if (v.ref_database()) {
      out_ += ",\"database\":";
      Print(*v.ref_database());
    }
    out_ += "}}";
  }

  std::string out_;
};

}  // namespace

std::string QuoteFqlString(const std::string& s) {
  std::string out;
  AppendQuoted(s, '"', &out);
  return out;
}

std::string ToFql(const Value& v) {
  FqlPrinter p;
  p.Print(v);
  return p.Take();
}

std::string ToWireJson(const Value& v) {
  JsonPrinter p;
  p.Print(v);
  return p.Take();
}

}  // namespace fqldb
