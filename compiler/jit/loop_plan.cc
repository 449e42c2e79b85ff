// PlanLoop: decides whether a Map/Filter/Foreach/Reduce call compiles, and
// numbers what its code reads at run time (constants, captured variables,
// runtime sites) in the order the code generator walks the tree.
#include <algorithm>
#include <array>
#include <map>

#include "compiler/jit/internal/loop_internal.h"

namespace fqldb::jit {

using frontend::BoundCall;
using frontend::BoundConstant;
using frontend::BoundKind;
using frontend::BoundLambda;
using frontend::BoundLet;
using frontend::BoundNode;
using frontend::BoundVar;
using frontend::BuiltinId;

std::vector<const Value*> DocReadPath(const BoundNode& path) {
  auto part = [](const BoundNode& n) -> const Value* {
    if (n.kind != BoundKind::kConstant) return nullptr;
    const Value& v = n.Cast<BoundConstant>().value;
    return v.is_string() || v.kind() == ValueKind::kLong ? &v : nullptr;
  };
  std::vector<const Value*> out;
  if (path.kind == BoundKind::kArray) {
    for (const auto& e : path.Cast<frontend::BoundArray>().elems) {
      const Value* v = part(*e);
      if (v == nullptr) return {};
      out.push_back(v);
    }
  } else if (path.kind == BoundKind::kConstant && path.Cast<BoundConstant>().value.is_array()) {
    for (const Value& v : path.Cast<BoundConstant>().value.array()) {
      if (!v.is_string() && v.kind() != ValueKind::kLong) return {};
      out.push_back(&v);
    }
  } else if (const Value* v = part(path)) {
    out.push_back(v);
  }
  return out;
}

namespace internal {

// Whether `pred` holds for `n` or any node below it.
template <typename Pred>
bool AnyNode(const BoundNode& n, const Pred& pred) {
  if (pred(n)) return true;
  auto any = [&](const std::vector<frontend::BoundPtr>& v) {
    return std::any_of(v.begin(), v.end(), [&](const auto& e) { return AnyNode(*e, pred); });
  };
  switch (n.kind) {
    case BoundKind::kLambda:
      return AnyNode(*n.Cast<BoundLambda>().body, pred);
    case BoundKind::kConstant:
    case BoundKind::kVar:
      return false;
    case BoundKind::kArray:
      return any(n.Cast<frontend::BoundArray>().elems);
    case BoundKind::kObject:
      return any(n.Cast<frontend::BoundObject>().values);
    case BoundKind::kCall:
      return any(n.Cast<BoundCall>().args);
    case BoundKind::kLet: {
      const auto& l = n.Cast<BoundLet>();
      return any(l.values) || AnyNode(*l.body, pred);
    }
  }
  return true;
}

bool UsesSlot(const BoundNode& n, int slot) {
  return AnyNode(n, [slot](const BoundNode& x) {
    return x.kind == BoundKind::kVar && x.Cast<BoundVar>().hops == 0 &&
           x.Cast<BoundVar>().slot == slot;
  });
}

bool IsScalarKind(ValueKind k) {
  return k == ValueKind::kNull || k == ValueKind::kBool || k == ValueKind::kLong ||
         k == ValueKind::kDouble;
}

LowerAs Classify(const BoundCall& call, const std::vector<bool>& implemented) {
  size_t n = call.args.size();
  switch (call.builtin->id) {
    case BuiltinId::kAdd:
    case BuiltinId::kSubtract:
    case BuiltinId::kMultiply:
    case BuiltinId::kDivide:
    case BuiltinId::kModulo:
    case BuiltinId::kLT:
    case BuiltinId::kLTE:
    case BuiltinId::kGT:
    case BuiltinId::kGTE:
    case BuiltinId::kEquals:
      return n == 2 ? LowerAs::kInline : LowerAs::kCall;
    case BuiltinId::kNot:
      return LowerAs::kInline;
    case BuiltinId::kIf:
      return LowerAs::kInline;
    case BuiltinId::kAnd:
    case BuiltinId::kOr:
      // One argument may evaluate to the list itself: the interpreter's job.
      return n >= 2 ? LowerAs::kInline : LowerAs::kEval;
    default:
      break;
  }
  size_t id = static_cast<size_t>(call.builtin->id);
  // Unimplemented builtins fail before their arguments run: leave them, and
  // every builtin that evaluates its own arguments, to the interpreter.
  if (id >= implemented.size() || !implemented[id]) return LowerAs::kEval;
  if (call.builtin->has(frontend::kLazy)) return LowerAs::kEval;
  return LowerAs::kCall;
}

}  // namespace internal

namespace {

using internal::Classify;
using internal::LowerAs;

// Builtins that write: a scan's lambdas may not call them.
bool Writes(BuiltinId id) {
  switch (id) {
    case BuiltinId::kCreate:
    case BuiltinId::kUpdate:
    case BuiltinId::kReplace:
    case BuiltinId::kDelete:
    case BuiltinId::kInsert:
    case BuiltinId::kRemove:
    case BuiltinId::kCreateCollection:
    case BuiltinId::kCreateClass:
    case BuiltinId::kCreateIndex:
    case BuiltinId::kCreateFunction:
    case BuiltinId::kCreateRole:
    case BuiltinId::kCreateKey:
    case BuiltinId::kCreateDatabase:
    case BuiltinId::kCreateAccessProvider:
    case BuiltinId::kMoveDatabase:
    case BuiltinId::kCall:  // a stored function may write
    case BuiltinId::kLogin:
    case BuiltinId::kLogout:
      return true;
    default:
      return false;
  }
}

class Planner {
 public:
  Planner(LoopPlan* plan, const std::vector<bool>& implemented)
      : plan_(plan), implemented_(implemented) {}

  // Starts lambda number `index`. In a scan, `param` is the slot of its
  // element parameter, or -1 when it destructures the element into
  // `destructured` parameters (slots 0..n-1).
  void BeginLambda(int index, int param, int destructured = 0) {
    lambda_ = index;
    param_ = param;
    destructured_ = destructured;
    aliases_.clear();
  }

  // Records why planning stopped (the first reason found) and fails.
  bool Fail(const BoundNode& at, const std::string& what) {
    if (why_.empty()) {
      why_ = what + " at " + std::to_string(at.pos.line) + ":" + std::to_string(at.pos.column);
    }
    return false;
  }
  std::string TakeWhy() { return std::move(why_); }

  // False when the body holds something the code generator cannot take.
  bool Walk(const BoundNode& n, int depth) {
    plan_->max_depth = std::max(plan_->max_depth, depth);
    switch (n.kind) {
      case BoundKind::kConstant: {
        const Value& v = n.Cast<BoundConstant>().value;
        plan_->consts.push_back(&v);
        key_ += "c" + std::to_string(static_cast<int>(v.kind())) + ";";
        return true;
      }
      case BoundKind::kVar: {
        const auto& v = n.Cast<BoundVar>();
        if (v.hops == 0) {
          key_ += "v" + std::to_string(v.slot) + ";";
          return true;
        }
        std::array<int, 3> key{lambda_, v.hops, v.slot};
        auto it = captured_.find(key);
        if (it == captured_.end()) {
          it = captured_.emplace(key, plan_->captures.size()).first;
          plan_->captures.push_back(key);
        }
        key_ += "g" + std::to_string(it->second) + ";";
        return true;
      }
      case BoundKind::kLambda:
        return Fail(n, "a nested Lambda");  // a closure needs a real frame
      case BoundKind::kLet: {
        const auto& l = n.Cast<BoundLet>();
        key_ += "L" + std::to_string(l.values.size()) + "(";
        auto saved = aliases_;
        for (size_t i = 0; i < l.values.size(); ++i) {
          key_ += std::to_string(l.slots[i]) + "=";
          if (!Walk(*l.values[i], depth + 1)) return false;
          // A scan's Let({d: Get(x)}, ...): the code binds d without reading
          // the document, and Select(path, Var(d)) reads a field of it.
          int ref_slot = -1;
          if (scan() && IsGetOfParam(*l.values[i], &ref_slot)) aliases_[l.slots[i]] = ref_slot;
        }
        bool ok = Walk(*l.body, depth + 1);
        aliases_ = std::move(saved);
        if (!ok) return false;
        key_ += ")";
        return true;
      }
      case BoundKind::kArray:
      case BoundKind::kObject: {
        AddSite(n, depth);
        const auto& parts = n.kind == BoundKind::kArray ? n.Cast<frontend::BoundArray>().elems
                                                        : n.Cast<frontend::BoundObject>().values;
        key_ += (n.kind == BoundKind::kArray ? "A" : "O") + std::to_string(parts.size()) + "(";
        for (const auto& p : parts) {
          if (!Walk(*p, depth + 1)) return false;
        }
        key_ += ")";
        return true;
      }
      case BoundKind::kCall: {
        const auto& c = n.Cast<BoundCall>();
        if (scan() && Writes(c.builtin->id))
          return Fail(n, std::string(c.builtin->name) + " writes");
        AddSite(n, depth);
        int ref_slot = -1;
        if (scan() && IsDocRead(c, &ref_slot)) {
          // The path (or the default) is read from the tree at run time.
          plan_->doc_site.back() = true;
          plan_->doc_ref_slot.back() = ref_slot;
          if (ContainsLambda(n)) return Fail(n, "a Lambda inside a document read");
          if (!Pure(n)) return Fail(n, "a write inside a document read");
          key_ += "D" + std::to_string(c.args.size()) + "@" + std::to_string(ref_slot) +
                  AliasUses(n) + ";";
          return true;
        }
        LowerAs how = Classify(c, implemented_);
        key_ += "F" + std::to_string(static_cast<int>(c.builtin->id)) + "/" +
                std::to_string(c.args.size()) + "(";
        if (how == LowerAs::kEval) {
          // The interpreter evaluates the whole subtree; it may hold anything
          // but a lambda (its frame would have to outlive this call).
          if (ContainsLambda(n)) return Fail(n, std::string(c.builtin->name) + " holds a Lambda");
          if (scan() && !Pure(n)) return Fail(n, std::string(c.builtin->name) + " holds a write");
          key_ += "E" + AliasUses(n) + ")";
          return true;
        }
        for (const auto& a : c.args) {
          if (!Walk(*a, depth + 1)) return false;
        }
        key_ += ")";
        return true;
      }
    }
    return false;
  }

  std::string TakeKey() { return std::move(key_); }

 private:
  bool scan() const { return plan_->source == LoopSource::kScan; }

  void AddSite(const BoundNode& n, int depth) {
    plan_->sites.push_back(&n);
    plan_->site_depth.push_back(depth);
    plan_->site_lambda.push_back(lambda_);
    plan_->doc_site.push_back(false);
    plan_->doc_ref_slot.push_back(-1);
  }

  // The element parameter itself (`*ref_slot` -1), or a parameter
  // destructured from it (`*ref_slot` its slot).
  bool IsParam(const BoundNode& n, int* ref_slot) const {
    if (n.kind != BoundKind::kVar) return false;
    const auto& v = n.Cast<BoundVar>();
    if (v.hops != 0) return false;
    *ref_slot = v.slot == param_ ? -1 : v.slot;
    return v.slot == param_ || v.slot < destructured_;
  }
  bool IsGetOfParam(const BoundNode& n, int* ref_slot) const {
    if (n.kind != BoundKind::kCall) return false;
    const auto& c = n.Cast<BoundCall>();
    return c.builtin->id == BuiltinId::kGet && c.args.size() == 1 && IsParam(*c.args[0], ref_slot);
  }
  // A Let variable bound to Get(x) in scope here (see kLet).
  bool IsAlias(const BoundNode& n, int* ref_slot) const {
    if (n.kind != BoundKind::kVar || n.Cast<BoundVar>().hops != 0) return false;
    auto it = aliases_.find(n.Cast<BoundVar>().slot);
    if (it == aliases_.end()) return false;
    *ref_slot = it->second;
    return true;
  }
  // Get(x), or Select(path, Get(x)[, default]) or Select(path, d[, default])
  // with a literal path of strings and numbers; `*ref_slot` as for IsParam.
  bool IsDocRead(const BoundCall& c, int* ref_slot) const {
    if (IsGetOfParam(c, ref_slot)) return true;
    if (c.builtin->id != BuiltinId::kSelect || c.args.size() < 2 || c.args.size() > 3) return false;
    return (IsGetOfParam(*c.args[1], ref_slot) || IsAlias(*c.args[1], ref_slot)) &&
           !DocReadPath(*c.args[0]).empty();
  }

  // The Let-named documents (see kLet) that `n` reads: the interpreter,
  // evaluating `n`, gets them read whole, and nothing else of the frame
  // that generated code holds lazily, so this is part of the shape.
  std::string AliasUses(const BoundNode& n) const {
    std::string out;
    for (const auto& [slot, ref] : aliases_) {
      if (internal::UsesSlot(n, slot)) out += "u" + std::to_string(slot);
    }
    return out;
  }

  // Calls no builtin that writes (the interpreter evaluates this subtree).
  static bool Pure(const BoundNode& n) {
    return !internal::AnyNode(n, [](const BoundNode& x) {
      return x.kind == BoundKind::kCall && Writes(x.Cast<BoundCall>().builtin->id);
    });
  }
  static bool ContainsLambda(const BoundNode& n) {
    return internal::AnyNode(n, [](const BoundNode& x) { return x.kind == BoundKind::kLambda; });
  }

  LoopPlan* plan_;
  const std::vector<bool>& implemented_;
  std::map<std::array<int, 3>, size_t> captured_;
  std::string key_;
  std::string why_;
  int lambda_ = 0;
  int param_ = -1;
  int destructured_ = 0;
  std::map<int, int> aliases_;  // Let slot bound to Get(x) -> x's ref slot
};

// Site 0: the loop's call, in its own lambda.
void AddCallSite(LoopPlan* plan, int lambda) {
  plan->sites.push_back(plan->call);
  plan->site_depth.push_back(0);
  plan->site_lambda.push_back(lambda);
  plan->doc_site.push_back(false);
  plan->doc_ref_slot.push_back(-1);
}

}  // namespace

namespace {

std::nullopt_t Refuse(std::string* why, std::string what) {
  if (why) *why = std::move(what);
  return std::nullopt;
}

// The part of a shape's key that a lambda's parameters make: its frame,
// and how many names it destructures its element into.
std::string LambdaKey(const LoopPlan& plan, int i) {
  const BoundLambda& l = plan.lambda_at(i);
  std::string key = std::to_string(l.frame_size);
  if (plan.destructures(i)) key += "d" + std::to_string(l.params.size());
  return key + ":";
}

}  // namespace

std::optional<LoopPlan> PlanLoop(const BoundCall& call, const std::vector<bool>& implemented,
                                 std::string* why) {
  LoopPlan plan;
  plan.call = &call;
  plan.implemented = &implemented;
  if (!IsLoopBuiltin(call.builtin->id)) return std::nullopt;
  switch (call.builtin->id) {
    case BuiltinId::kMap: plan.kind = LoopKind::kMap; break;
    case BuiltinId::kFilter: plan.kind = LoopKind::kFilter; break;
    case BuiltinId::kForeach: plan.kind = LoopKind::kForeach; break;
    default: plan.kind = LoopKind::kReduce; break;
  }
  bool reduce = plan.kind == LoopKind::kReduce;
  plan.collection_arg = LoopCollectionArg(call.builtin->id);
  plan.lambda_arg = LoopLambdaArg(call.builtin->id);
  size_t params = reduce ? 2 : 1;
  if (call.args.size() <= std::max(plan.collection_arg, plan.lambda_arg)) {
    return Refuse(why, "too few arguments");
  }
  const BoundNode& fn = *call.args[plan.lambda_arg];
  if (fn.kind != BoundKind::kLambda) return Refuse(why, "its function is not a literal Lambda");
  plan.lambda = &fn.Cast<BoundLambda>();
  // Reduce's two parameters take the accumulator and the element; a
  // single name would take both as an array.
  if (params == 2 && (plan.lambda->single || plan.lambda->params.size() != 2)) {
    return Refuse(why, "the Reduce lambda does not take two names");
  }

  AddCallSite(&plan, 0);
  Planner planner(&plan, implemented);
  if (!planner.Walk(*plan.lambda->body, 1)) return Refuse(why, planner.TakeWhy());
  plan.key = "K" + std::to_string(static_cast<int>(plan.kind)) + "/" + LambdaKey(plan, 0) +
             planner.TakeKey();
  return plan;
}

std::optional<LoopPlan> PlanScan(const BoundCall& call, LoopKind kind,
                                 std::vector<const BoundLambda*> filters, const BoundLambda* lambda,
                                 const std::vector<bool>& implemented, std::string* why) {
  if (kind == LoopKind::kFilter || (kind == LoopKind::kCount) != (lambda == nullptr)) {
    return Refuse(why, "not a scan the JIT compiles");
  }
  LoopPlan plan;
  plan.kind = kind;
  plan.source = LoopSource::kScan;
  plan.call = &call;
  plan.lambda = lambda;
  plan.filters = std::move(filters);
  plan.implemented = &implemented;
  int own = static_cast<int>(plan.filters.size());
  AddCallSite(&plan, own);
  Planner planner(&plan, implemented);
  std::string key = "S" + std::to_string(static_cast<int>(kind));
  for (int i = 0; i <= own; ++i) {
    const BoundLambda* l = i < own ? plan.filters[static_cast<size_t>(i)] : lambda;
    if (l == nullptr) break;
    bool reduce = i == own && kind == LoopKind::kReduce;
    if (reduce && (l->single || l->params.size() != 2)) {
      return Refuse(why, "the Reduce lambda does not take two names");
    }
    if (plan.destructures(i)) {
      planner.BeginLambda(i, -1, static_cast<int>(l->params.size()));
    } else {
      planner.BeginLambda(i, reduce ? 1 : 0);
    }
    key += "|" + LambdaKey(plan, i);
    if (!planner.Walk(*l->body, 1)) return Refuse(why, planner.TakeWhy());
    key += planner.TakeKey();
  }
  plan.key = std::move(key);
  return plan;
}

}  // namespace fqldb::jit
