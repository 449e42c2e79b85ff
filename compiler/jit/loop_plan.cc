// PlanLoop: decides whether a Map/Filter/Foreach/Reduce call compiles, and
// numbers what its code reads at run time (constants, captured variables,
// runtime sites) in the order the code generator walks the tree.
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

namespace internal {

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

class Planner {
 public:
  Planner(LoopPlan* plan, const std::vector<bool>& implemented)
      : plan_(plan), implemented_(implemented) {}

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
        auto key = std::make_pair(v.hops, v.slot);
        auto it = captured_.find(key);
        if (it == captured_.end()) {
          it = captured_.emplace(key, plan_->captures.size()).first;
          plan_->captures.push_back(key);
        }
        key_ += "g" + std::to_string(it->second) + ";";
        return true;
      }
      case BoundKind::kLambda:
        return false;  // a closure needs a real frame
      case BoundKind::kLet: {
        const auto& l = n.Cast<BoundLet>();
        key_ += "L" + std::to_string(l.values.size()) + "(";
        for (size_t i = 0; i < l.values.size(); ++i) {
          key_ += std::to_string(l.slots[i]) + "=";
          if (!Walk(*l.values[i], depth + 1)) return false;
        }
        if (!Walk(*l.body, depth + 1)) return false;
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
        AddSite(n, depth);
        LowerAs how = Classify(c, implemented_);
        key_ += "F" + std::to_string(static_cast<int>(c.builtin->id)) + "/" +
                std::to_string(c.args.size()) + "(";
        if (how == LowerAs::kEval) {
          // The interpreter evaluates the whole subtree; it may hold anything
          // but a lambda (its frame would have to outlive this call).
          if (ContainsLambda(n)) return false;
          key_ += "E)";
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
  void AddSite(const BoundNode& n, int depth) {
    plan_->sites.push_back(&n);
    plan_->site_depth.push_back(depth);
  }

  static bool ContainsLambda(const BoundNode& n) {
    switch (n.kind) {
      case BoundKind::kLambda:
        return true;
      case BoundKind::kConstant:
      case BoundKind::kVar:
        return false;
      case BoundKind::kArray:
        for (const auto& e : n.Cast<frontend::BoundArray>().elems) {
          if (ContainsLambda(*e)) return true;
        }
        return false;
      case BoundKind::kObject:
        for (const auto& e : n.Cast<frontend::BoundObject>().values) {
          if (ContainsLambda(*e)) return true;
        }
        return false;
      case BoundKind::kCall:
        for (const auto& e : n.Cast<BoundCall>().args) {
          if (ContainsLambda(*e)) return true;
        }
        return false;
      case BoundKind::kLet: {
        const auto& l = n.Cast<BoundLet>();
        for (const auto& e : l.values) {
          if (ContainsLambda(*e)) return true;
        }
        return ContainsLambda(*l.body);
      }
    }
    return true;
  }

  LoopPlan* plan_;
  const std::vector<bool>& implemented_;
  std::map<std::pair<int, int>, size_t> captured_;
  std::string key_;
};

}  // namespace

std::optional<LoopPlan> PlanLoop(const BoundCall& call, const std::vector<bool>& implemented) {
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
  if (call.args.size() <= std::max(plan.collection_arg, plan.lambda_arg)) return std::nullopt;
  const BoundNode& fn = *call.args[plan.lambda_arg];
  if (fn.kind != BoundKind::kLambda) return std::nullopt;
  plan.lambda = &fn.Cast<BoundLambda>();
  // Exactly the parameter binding the interpreter does without any
  // destructuring: one argument to a single name, or Reduce's two.
  if (params == 1 && !plan.lambda->single) return std::nullopt;
  if (params == 2 && (plan.lambda->single || plan.lambda->params.size() != 2)) return std::nullopt;

  plan.sites.push_back(&call);
  plan.site_depth.push_back(0);
  Planner planner(&plan, implemented);
  if (!planner.Walk(*plan.lambda->body, 1)) return std::nullopt;
  plan.key = "K" + std::to_string(static_cast<int>(plan.kind)) + "/" +
             std::to_string(plan.lambda->frame_size) + ":" + planner.TakeKey();
  return plan;
}

}  // namespace fqldb::jit
