#include "compiler/frontend/binder.h"

#include <algorithm>

namespace fqldb::frontend {

namespace {

Status BindError(ErrorCode code, std::string message, SourcePos pos) {
  Status st(code, std::move(message));
  st.AtSource(pos);
  return st;
}

void Adopt(BoundNode* parent, BoundNode* child, std::vector<PathElem> key) {
  child->parent = parent;
  child->key = std::move(key);
}

// The path steps from a call to its argument `i` of `n`, in wire terms.
std::vector<PathElem> ArgKey(const BuiltinInfo& b, size_t i, size_t n) {
  if (b.has(kVarargs)) {
    if (n == 1) return {std::string(b.keys[0])};
    return {std::string(b.keys[0]), static_cast<int64_t>(i)};
  }
  size_t last = b.keys.size() - 1;
  if (i < last || (i == last && n == b.keys.size())) return {std::string(b.keys[i])};
  return {std::string(b.keys[last]), static_cast<int64_t>(i - last)};
}

std::string ArityText(const BuiltinInfo& b) {
  auto plural = [](int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
  if (b.max_args < 0) return "at least " + plural(b.min_args);
  if (b.min_args == b.max_args) return plural(b.min_args);
  return std::to_string(b.min_args) + " to " + plural(b.max_args);
}

class Binder {
 public:
  explicit Binder(const BindOptions& options) {
    funcs_.emplace_back();
    for (const std::string& p : options.params) Declare(p);
  }

  Result<BoundPtr> Bind(const AstNode& n) {
    switch (n.kind) {
      case AstKind::kLiteral:
        return BoundPtr(std::make_unique<BoundConstant>(n.pos, n.Cast<AstLiteral>().value));
      case AstKind::kArray: return BindArray(n.Cast<AstArray>());
      case AstKind::kObject: return BindObject(n.Cast<AstObject>());
      case AstKind::kIdent: return Lookup(n.Cast<AstIdent>().name, n.pos);
      case AstKind::kArrow: {
        const auto& a = n.Cast<AstArrow>();
        return BindLambda(n.pos, a.params, a.single, *a.body);
      }
      case AstKind::kCall: return BindCall(n.Cast<AstCall>());
    }
    return BindError(ErrorCode::kInternal, "unknown AST node", n.pos);
  }

  int root_frame_size() const { return funcs_.front().size; }

 private:
  struct FunctionScope {
    int size = 0;
    std::vector<std::pair<std::string, int>> names;
  };

  int Declare(const std::string& name) {
    FunctionScope& f = funcs_.back();
    int slot = f.size++;
    f.names.emplace_back(name, slot);
    return slot;
  }

  Result<BoundPtr> Lookup(const std::string& name, SourcePos pos) {
    for (size_t i = funcs_.size(); i-- > 0;) {
      const auto& names = funcs_[i].names;
      for (size_t j = names.size(); j-- > 0;) {
        if (names[j].first == name) {
          int hops = static_cast<int>(funcs_.size() - 1 - i);
          return BoundPtr(std::make_unique<BoundVar>(pos, name, hops, names[j].second));
        }
      }
    }
    return BindError(ErrorCode::kInvalidExpression, "Variable '" + name + "' is not defined.", pos);
  }

  Result<BoundPtr> BindArray(const AstArray& a) {
    auto node = std::make_unique<BoundArray>(a.pos);
    for (size_t i = 0; i < a.elems.size(); ++i) {
      FQL_ASSIGN_OR_RETURN(BoundPtr e, Bind(*a.elems[i]));
      Adopt(node.get(), e.get(), {static_cast<int64_t>(i)});
      node->elems.push_back(std::move(e));
    }
    return BoundPtr(std::move(node));
  }

  Result<BoundPtr> BindObject(const AstObject& o) {
    auto node = std::make_unique<BoundObject>(o.pos);
    for (const auto& [key, expr] : o.fields) {
      FQL_ASSIGN_OR_RETURN(BoundPtr v, Bind(*expr));
      Adopt(node.get(), v.get(), {std::string("object"), key});
      node->keys.push_back(key);
      node->values.push_back(std::move(v));
    }
    return BoundPtr(std::move(node));
  }

  Result<BoundPtr> BindLambda(SourcePos pos, const std::vector<std::string>& params, bool single,
                              const AstNode& body) {
    auto node = std::make_unique<BoundLambda>(pos);
    node->params = params;
    node->single = single;
    funcs_.emplace_back();
    for (const std::string& p : params) Declare(p);
    auto bound = Bind(body);
    node->frame_size = funcs_.back().size;
    funcs_.pop_back();
    if (!bound.ok()) return std::move(bound).status_move();
    node->body = std::move(bound).value();
    Adopt(node.get(), node->body.get(), {std::string("expr")});
    return BoundPtr(std::move(node));
  }

  Result<BoundPtr> BindLambdaCall(const AstCall& c) {
    if (c.args.size() == 1) {
      if (c.args[0]->kind == AstKind::kArrow) return Bind(*c.args[0]);
      return BindError(ErrorCode::kInvalidExpression,
                       "Lambda takes a parameter name (or array of names) and a body.", c.pos);
    }
    const AstNode& p = *c.args[0];
    if (p.kind == AstKind::kLiteral && p.Cast<AstLiteral>().value.is_string()) {
      return BindLambda(c.pos, {p.Cast<AstLiteral>().value.str()}, true, *c.args[1]);
    }
    if (p.kind == AstKind::kArray) {
      std::vector<std::string> names;
      for (const AstPtr& e : p.Cast<AstArray>().elems) {
        if (e->kind != AstKind::kLiteral || !e->Cast<AstLiteral>().value.is_string()) {
          return BindError(ErrorCode::kInvalidExpression,
                           "Lambda parameter names must be string literals.", e->pos);
        }
        names.push_back(e->Cast<AstLiteral>().value.str());
      }
      return BindLambda(c.pos, names, false, *c.args[1]);
    }
    return BindError(ErrorCode::kInvalidExpression,
                     "Lambda parameters must be a string or an array of strings.", p.pos);
  }

  Result<BoundPtr> BindVarCall(const AstCall& c) {
    const AstNode& n = *c.args[0];
    if (n.kind != AstKind::kLiteral || !n.Cast<AstLiteral>().value.is_string()) {
      return BindError(ErrorCode::kInvalidExpression, "Var takes a string literal naming a variable.",
                       n.pos);
    }
    return Lookup(n.Cast<AstLiteral>().value.str(), c.pos);
  }

  // Collects Let's bindings from `{x: 1, y: 2}` or `[{x: 1}, {y: 2}]`.
  Result<std::vector<const std::pair<std::string, AstPtr>*>> LetBindings(const AstNode& b) {
    std::vector<const std::pair<std::string, AstPtr>*> out;
    auto add_object = [&](const AstObject& o) {
      for (const auto& f : o.fields) out.push_back(&f);
    };
    if (b.kind == AstKind::kObject) {
      add_object(b.Cast<AstObject>());
      return out;
    }
    if (b.kind == AstKind::kArray) {
      for (const AstPtr& e : b.Cast<AstArray>().elems) {
        if (e->kind != AstKind::kObject) {
          return BindError(ErrorCode::kInvalidExpression,
                           "Let bindings must be object literals such as {x: 1}.", e->pos);
        }
        add_object(e->Cast<AstObject>());
      }
      return out;
    }
    return BindError(ErrorCode::kInvalidExpression,
                     "Let takes bindings as an object literal ({x: 1}) or an array of them.", b.pos);
  }

  Result<BoundPtr> BindLet(const AstCall& c) {
    FQL_ASSIGN_OR_RETURN(auto bindings, LetBindings(*c.args[0]));
    auto node = std::make_unique<BoundLet>(c.pos);
    size_t mark = funcs_.back().names.size();
    for (size_t i = 0; i < bindings.size(); ++i) {
      auto v = Bind(*bindings[i]->second);
      if (!v.ok()) {
        funcs_.back().names.resize(mark);
        return std::move(v).status_move();
      }
      Adopt(node.get(), v->get(), {std::string("let"), static_cast<int64_t>(i), bindings[i]->first});
      node->values.push_back(std::move(v).value());
      node->names.push_back(bindings[i]->first);
      node->slots.push_back(Declare(bindings[i]->first));
    }
    auto body = Bind(*c.args[1]);
    funcs_.back().names.resize(mark);
    if (!body.ok()) return std::move(body).status_move();
    node->body = std::move(body).value();
    Adopt(node.get(), node->body.get(), {std::string("in")});
    return BoundPtr(std::move(node));
  }

  Result<BoundPtr> BindCall(const AstCall& c) {
    const BuiltinInfo* b = FindBuiltin(c.name);
    if (!b) {
      std::string msg = "Unknown function '" + c.name + "'.";
      auto suggestions = SuggestBuiltins(c.name);
      if (!suggestions.empty()) {
        msg += " Did you mean ";
        for (size_t i = 0; i < suggestions.size(); ++i) {
          if (i) msg += i + 1 == suggestions.size() ? " or " : ", ";
          msg += suggestions[i];
        }
        msg += "?";
      }
      return BindError(ErrorCode::kInvalidExpression, msg, c.pos);
    }
    int n = static_cast<int>(c.args.size());
    if (n < b->min_args || (b->max_args >= 0 && n > b->max_args)) {
      return BindError(ErrorCode::kInvalidExpression,
                       std::string(b->name) + " takes " + ArityText(*b) + ", " +
                           std::to_string(n) + " given.",
                       c.pos);
    }
    switch (b->id) {
      case BuiltinId::kLet: return BindLet(c);
      case BuiltinId::kVar: return BindVarCall(c);
      case BuiltinId::kLambda: return BindLambdaCall(c);
      default: break;
    }
    auto node = std::make_unique<BoundCall>(c.pos, b);
    for (size_t i = 0; i < c.args.size(); ++i) {
      FQL_ASSIGN_OR_RETURN(BoundPtr a, Bind(*c.args[i]));
      Adopt(node.get(), a.get(), ArgKey(*b, i, c.args.size()));
      node->args.push_back(std::move(a));
    }
    return BoundPtr(std::move(node));
  }

  std::vector<FunctionScope> funcs_;
};

}  // namespace

Result<std::shared_ptr<const BoundQuery>> Bind(const AstNode& query, const BindOptions& options) {
  Binder binder(options);
  FQL_ASSIGN_OR_RETURN(BoundPtr root, binder.Bind(query));
  auto q = std::make_shared<BoundQuery>();
  q->root = std::move(root);
  q->frame_size = binder.root_frame_size();
  q->params = options.params;
  return std::shared_ptr<const BoundQuery>(std::move(q));
}

}  // namespace fqldb::frontend
