// Renderings of the bound tree: Fauna position paths, FQL source and wire JSON.
#include <algorithm>

#include "common/text.h"
#include "common/value_printer.h"
#include "compiler/frontend/bound_tree.h"

namespace fqldb::frontend {

std::vector<PathElem> PositionOf(const BoundNode& node) {
  std::vector<const BoundNode*> chain;
  for (const BoundNode* n = &node; n; n = n->parent) chain.push_back(n);
  std::vector<PathElem> path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    path.insert(path.end(), (*it)->key.begin(), (*it)->key.end());
  }
  return path;
}

namespace {

void FqlKey(const std::string& k, std::string* out) {
  *out += IsBareKey(k) ? k : QuoteFqlString(k);
}

void ToFqlInto(const BoundNode& n, std::string* out) {
  switch (n.kind) {
    case BoundKind::kConstant: {
      const Value& v = n.Cast<BoundConstant>().value;
      *out += v.is_string() ? QuoteFqlString(v.str()) : ToFql(v);
      return;
    }
    case BoundKind::kArray: {
      *out += "[";
      const auto& a = n.Cast<BoundArray>();
      for (size_t i = 0; i < a.elems.size(); ++i) {
        if (i) *out += ", ";
        ToFqlInto(*a.elems[i], out);
      }
      *out += "]";
      return;
    }
    case BoundKind::kObject: {
      const auto& o = n.Cast<BoundObject>();
      *out += "{";
      for (size_t i = 0; i < o.keys.size(); ++i) {
        *out += i ? ", " : "";
        FqlKey(o.keys[i], out);
        *out += ": ";
        ToFqlInto(*o.values[i], out);
      }
      *out += "}";
      return;
    }
    case BoundKind::kCall: {
      const auto& c = n.Cast<BoundCall>();
      *out += c.builtin->name;
      *out += "(";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i) *out += ", ";
        ToFqlInto(*c.args[i], out);
      }
      *out += ")";
      return;
    }
    case BoundKind::kVar:
      *out += "Var(" + QuoteFqlString(n.Cast<BoundVar>().name) + ")";
      return;
    case BoundKind::kLambda: {
      const auto& l = n.Cast<BoundLambda>();
      *out += "Lambda(";
      if (l.single) {
        *out += QuoteFqlString(l.params[0]);
      } else {
        *out += "[";
        for (size_t i = 0; i < l.params.size(); ++i) *out += (i ? ", " : "") + QuoteFqlString(l.params[i]);
        *out += "]";
      }
      *out += ", ";
      ToFqlInto(*l.body, out);
      *out += ")";
      return;
    }
    case BoundKind::kLet: {
      const auto& l = n.Cast<BoundLet>();
      *out += "Let({";
      for (size_t i = 0; i < l.names.size(); ++i) {
        *out += i ? ", " : "";
        FqlKey(l.names[i], out);
        *out += ": ";
        ToFqlInto(*l.values[i], out);
      }
      *out += "}, ";
      ToFqlInto(*l.body, out);
      *out += ")";
      return;
    }
  }
}

void JsonKey(const std::string& k, std::string* out) {
  AppendJsonString(k, out);
  *out += ":";
}

void ToWireInto(const BoundNode& n, std::string* out);

void WireCall(const BoundCall& c, std::string* out) {
  const BuiltinInfo& b = *c.builtin;
  *out += "{";
  if (c.args.empty()) {
    JsonKey(b.keys[0], out);
    *out += "null}";
    return;
  }
  if (b.has(kVarargs)) {
    JsonKey(b.keys[0], out);
    if (c.args.size() != 1) *out += "[";
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i) *out += ",";
      ToWireInto(*c.args[i], out);
    }
    if (c.args.size() != 1) *out += "]";
    *out += "}";
    return;
  }
  size_t last = b.keys.size() - 1;
  for (size_t i = 0; i < c.args.size() && i <= last; ++i) {
    if (i) *out += ",";
    JsonKey(b.keys[i], out);
    bool rest = i == last && c.args.size() > b.keys.size();
    if (rest) *out += "[";
    for (size_t j = i; j < (rest ? c.args.size() : i + 1); ++j) {
      if (j > i) *out += ",";
      ToWireInto(*c.args[j], out);
    }
    if (rest) *out += "]";
  }
  *out += "}";
}

void ToWireInto(const BoundNode& n, std::string* out) {
  switch (n.kind) {
    case BoundKind::kConstant: *out += ToWireJson(n.Cast<BoundConstant>().value); return;
    case BoundKind::kArray: {
      const auto& a = n.Cast<BoundArray>();
      *out += "[";
      for (size_t i = 0; i < a.elems.size(); ++i) {
        if (i) *out += ",";
        ToWireInto(*a.elems[i], out);
      }
      *out += "]";
      return;
    }
    case BoundKind::kObject: {
      const auto& o = n.Cast<BoundObject>();
      *out += "{\"object\":{";
      for (size_t i = 0; i < o.keys.size(); ++i) {
        if (i) *out += ",";
        JsonKey(o.keys[i], out);
        ToWireInto(*o.values[i], out);
      }
      *out += "}}";
      return;
    }
    case BoundKind::kCall: WireCall(n.Cast<BoundCall>(), out); return;
    case BoundKind::kVar:
      *out += "{\"var\":";
      AppendJsonString(n.Cast<BoundVar>().name, out);
      *out += "}";
      return;
    case BoundKind::kLambda: {
      const auto& l = n.Cast<BoundLambda>();
      *out += "{\"lambda\":";
      if (l.single) {
        AppendJsonString(l.params[0], out);
      } else {
        *out += "[";
        for (size_t i = 0; i < l.params.size(); ++i) {
          if (i) *out += ",";
          AppendJsonString(l.params[i], out);
        }
        *out += "]";
      }
      *out += ",\"expr\":";
      ToWireInto(*l.body, out);
      *out += "}";
      return;
    }
    case BoundKind::kLet: {
      const auto& l = n.Cast<BoundLet>();
      *out += "{\"let\":{";
      for (size_t i = 0; i < l.names.size(); ++i) {
        if (i) *out += ",";
        JsonKey(l.names[i], out);
        ToWireInto(*l.values[i], out);
      }
      *out += "},\"in\":";
      ToWireInto(*l.body, out);
      *out += "}";
      return;
    }
  }
}

}  // namespace

std::string BoundToFql(const BoundNode& node) {
  std::string out;
  ToFqlInto(node, &out);
  return out;
}

std::string BoundToWireJson(const BoundNode& node) {
  std::string out;
  ToWireInto(node, &out);
  return out;
}

}  // namespace fqldb::frontend
