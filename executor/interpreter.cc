#include "executor/interpreter.h"

#include <cmath>
#include <mutex>
#include <unordered_map>

#include "common/stored_lambda.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/internal/interp.h"
#include "executor/internal/jit_loop.h"
#include "executor/internal/jit_scan.h"

namespace fqldb::executor {

using frontend::BoundArray;
using frontend::BoundCall;
using frontend::BoundConstant;
using frontend::BoundKind;
using frontend::BoundLambda;
using frontend::BoundLet;
using frontend::BoundNode;
using frontend::BoundObject;
using frontend::BoundVar;

namespace internal {

namespace {

constexpr size_t kFreeListLimit = 64;
constexpr uint64_t kWorkPerCheck = 1 << 14;

// A lambda value: the bound lambda, the frame it closed over, and the query
// that owns the bound tree (kept alive while the value lives).
class Closure : public QueryBody {
 public:
  Closure(std::shared_ptr<const frontend::BoundQuery> q, const BoundLambda* l, FramePtr env)
      : query_(std::move(q)), lambda_(l), env_(std::move(env)) {}
  std::string ToFql() const override { return frontend::BoundToFql(*lambda_); }
  std::string ToWireJson() const override {
    std::string w = frontend::BoundToWireJson(*lambda_);
    w.insert(w.size() - 1, ",\"api_version\":\"4\"");
    return w;
  }
  int arity() const override { return lambda_->single ? 1 : static_cast<int>(lambda_->params.size()); }
  static const void* Tag() {
    static const char kTag = 0;
    return &kTag;
  }
  const void* type_tag() const override { return Tag(); }
  // What the closure keeps alive: its captured frames, up the static chain.
  uint32_t depth() const override {
    uint32_t d = 0;
    for (const Frame* f = env_.get(); f; f = f->parent.get()) d = std::max(d, f->depth);
    return d + 1;
  }
  const BoundLambda& lambda() const { return *lambda_; }
  const FramePtr& env() const { return env_; }
  const std::shared_ptr<const frontend::BoundQuery>& query() const { return query_; }

 private:
  std::shared_ptr<const frontend::BoundQuery> query_;
  const BoundLambda* lambda_;
  FramePtr env_;
};

}  // namespace

Status CheckValue(const Value& v) {
  if (v.is_double() && !std::isfinite(v.as_double())) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string("Arithmetic result is not a finite number (") +
                      (std::isnan(v.as_double()) ? "NaN" : "Infinity") + ").");
  }
  if (v.depth() > kMaxValueDepth) {
    return Status(ErrorCode::kStackOverflow, "Value nests more than " +
                                                 std::to_string(kMaxValueDepth) +
                                                 " levels (arrays, objects, refs and lambdas).");
  }
  if (v.tree_size() > kMaxValueParts) {
    return Status(ErrorCode::kInvalidArgument,
                  "Value has more than " + std::to_string(kMaxValueParts) +
                      " parts (counting a shared part each time it appears).");
  }
  return Status::Ok();
}

const FramePtr* ClosureEnv(const Value& fn, const BoundLambda& lambda,
                           std::shared_ptr<const frontend::BoundQuery>* owner) {
  if (fn.kind() != ValueKind::kQuery || fn.query()->type_tag() != Closure::Tag()) return nullptr;
  const auto* c = static_cast<const Closure*>(fn.query().get());
  if (&c->lambda() != &lambda) return nullptr;
  if (owner) *owner = c->query();
  return &c->env();
}

const BoundLambda* ClosureLambda(const Value& fn, const FramePtr** env) {
  if (fn.kind() != ValueKind::kQuery || fn.query()->type_tag() != Closure::Tag()) return nullptr;
  const auto* c = static_cast<const Closure*>(fn.query().get());
  *env = &c->env();
  return &c->lambda();
}

Status Locate(Status st, const BoundNode& node) {
  if (!st.ok() && !st.has_source_pos()) {
    st.AtSource(node.pos);
    st.WithPosition(frontend::PositionOf(node));
  }
  return st;
}

Interp::Interp(std::shared_ptr<const frontend::BoundQuery> query, const RunOptions& options)
    : query_(std::move(query)),
      options_(options),
      deadline_(std::chrono::steady_clock::now() + std::min(options.timeout, kMaxTimeout)) {}

Interp::~Interp() = default;

namespace {

// Raises the evaluation depth for a scope.
struct DepthScope {
  int& depth;
  int by;
  DepthScope(int& d, int b) : depth(d), by(b) { depth += by; }
  ~DepthScope() { depth -= by; }
};

}  // namespace

Result<Value> Interp::EvalNested(const BoundNode& n, const FramePtr& env, int extra_depth) {
  // Eval itself adds the node's own level.
  DepthScope scope(depth_, extra_depth - 1);
  return Eval(n, env);
}

Result<Value> Interp::InvokeNested(BuiltinFn fn, CallContext& ctx, int extra_depth) {
  DepthScope scope(depth_, extra_depth);
  return Invoke(fn, ctx);
}

Status Interp::CheckBudget(const BoundNode& n) {
  if (depth_ > kMaxEvalDepth) {
    return Locate(Status(ErrorCode::kStackOverflow,
                         "Evaluation nests more than " + std::to_string(kMaxEvalDepth) +
                             " levels (a lambda applied to itself?)."),
                  n);
  }
  if ((++steps_ & 0xFFF) == 0) return CheckDeadline(n);
  return Status::Ok();
}

Status Interp::CheckDeadline(const BoundNode& n) const {
  if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) {
    return Locate(Status(ErrorCode::kCancelled, "Query cancelled."), n);
  }
  if (std::chrono::steady_clock::now() <= deadline_) return Status::Ok();
  return Locate(Status(ErrorCode::kTimeout, "Query ran longer than its " +
                                                std::to_string(options_.timeout.count()) + " ms limit."),
                n);
}

Result<Value> Interp::Eval(const BoundNode& n, const FramePtr& env) {
  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& x) : d(x) { ++d; }
    ~DepthGuard() { --d; }
  } guard(depth_);
  FQL_RETURN_IF_ERROR(CheckBudget(n));
  switch (n.kind) {
    case BoundKind::kConstant: return n.Cast<BoundConstant>().value;
    case BoundKind::kVar: {
      const auto& v = n.Cast<BoundVar>();
      const Frame* f = env.get();
      for (int i = 0; i < v.hops && f; ++i) f = f->parent.get();
      if (!f || static_cast<size_t>(v.slot) >= f->slots.size()) {
        return Locate(Status(ErrorCode::kInternal, "Variable '" + v.name + "' is no longer available."), n);
      }
      return f->slots[static_cast<size_t>(v.slot)];
    }
    case BoundKind::kArray: {
      const auto& a = n.Cast<BoundArray>();
      Array out;
      out.reserve(a.elems.size());
      for (const auto& e : a.elems) {
        FQL_ASSIGN_OR_RETURN(Value v, Eval(*e, env));
        out.push_back(std::move(v));
      }
      Value result = Value::MakeArray(std::move(out));
      FQL_RETURN_IF_ERROR(Locate(CheckValue(result), n));
      return result;
    }
    case BoundKind::kObject: {
      const auto& o = n.Cast<BoundObject>();
      Fields out;
      out.reserve(o.keys.size());
      for (size_t i = 0; i < o.keys.size(); ++i) {
        FQL_ASSIGN_OR_RETURN(Value v, Eval(*o.values[i], env));
        out.emplace_back(o.keys[i], std::move(v));
      }
      Value result = Value::MakeObject(std::move(out));
      FQL_RETURN_IF_ERROR(Locate(CheckValue(result), n));
      return result;
    }
    case BoundKind::kLambda: {
      // Inside a stored function the code belongs to that function's tree.
      const std::shared_ptr<const frontend::BoundQuery>* owner = &query_;
      for (const Frame* f = env.get(); f; f = f->parent.get()) {
        if (f->owner) {
          owner = &f->owner;
          break;
        }
      }
      return Value::Query(std::make_shared<Closure>(*owner, &n.Cast<BoundLambda>(), env));
    }
    case BoundKind::kLet: {
      const auto& l = n.Cast<BoundLet>();
      for (size_t i = 0; i < l.values.size(); ++i) {
        FQL_ASSIGN_OR_RETURN(Value v, Eval(*l.values[i], env));
        if (v.contains_query()) cyclic_frames_.push_back(env);
        env->Set(static_cast<size_t>(l.slots[i]), std::move(v));
      }
      return Eval(*l.body, env);
    }
    case BoundKind::kCall: return EvalCall(n.Cast<BoundCall>(), env);
  }
  return Status(ErrorCode::kInternal, "unknown bound node");
}

void Interp::BreakCycles() {
  for (const FramePtr& f : cyclic_frames_) f->slots.clear();
  cyclic_frames_.clear();
}

Result<Value> Interp::EvalCall(const BoundCall& call, const FramePtr& env) {
  const frontend::BuiltinInfo& b = *call.builtin;
  BuiltinFn fn = FindImpl(b.id);
  if (!fn) {
    return Locate(Status(ErrorCode::kUnsupported, std::string(b.name) + " is not implemented yet."),
                  call);
  }
  if (b.id == frontend::BuiltinId::kSum && options_.jit != JitMode::kOff) {
    if (auto fused = EvalSumOfMap(call, env)) return std::move(*fused);
  }
  CallContext ctx(*this, call, env);
  if (!free_args_.empty()) {
    ctx.args = std::move(free_args_.back());
    free_args_.pop_back();
  }
  if (!b.has(frontend::kLazy)) {
    ctx.args.reserve(call.args.size());
    for (const auto& a : call.args) {
      FQL_ASSIGN_OR_RETURN(Value v, Eval(*a, env));
      ctx.args.push_back(std::move(v));
    }
  }
  Result<Value> r = Invoke(fn, ctx);
  if (free_args_.size() < kFreeListLimit) {
    ctx.args.clear();
    free_args_.push_back(std::move(ctx.args));
  }
  return r;
}

// Sum(Map(set, lambda)) with a literal lambda: a compiled scan sums the
// lambda's results without building Map's array (SumCompiled). Map's
// arguments are evaluated exactly as evaluating the Map node would (its
// depth, the step budget, their order); when the scan does not run, Map and
// then Sum are invoked on them as usual. nullopt: not this shape, and
// nothing was evaluated.
std::optional<Result<Value>> Interp::EvalSumOfMap(const BoundCall& sum, const FramePtr& env) {
  if (sum.args.size() != 1 || sum.args[0]->kind != BoundKind::kCall) return std::nullopt;
  const auto& map = sum.args[0]->Cast<BoundCall>();
  if (map.builtin->id != frontend::BuiltinId::kMap || map.args.size() != 2 ||
      map.args[1]->kind != BoundKind::kLambda) {
    return std::nullopt;
  }
  BuiltinFn map_fn = FindImpl(frontend::BuiltinId::kMap);
  BuiltinFn sum_fn = FindImpl(frontend::BuiltinId::kSum);
  if (map_fn == nullptr || sum_fn == nullptr) return std::nullopt;
  CallContext sum_ctx(*this, sum, env);
  {
    DepthScope level(depth_, 1);  // the Map node's own level
    if (Status st = CheckBudget(map); !st.ok()) return Result<Value>(std::move(st));
    CallContext map_ctx(*this, map, env);
    for (const auto& a : map.args) {
      Result<Value> v = Eval(*a, env);
      if (!v.ok()) return v;
      map_ctx.args.push_back(std::move(*v));
    }
    if (map_ctx.args[0].kind() == ValueKind::kSet) {
      if (auto fused = SumCompiled(map_ctx)) {
        if (!fused->ok()) return Result<Value>(Locate(std::move(*fused).status_move(), map));
        return fused;
      }
    }
    Result<Value> mapped = Invoke(map_fn, map_ctx);
    if (!mapped.ok()) return mapped;
    sum_ctx.args.push_back(std::move(*mapped));
  }
  return Invoke(sum_fn, sum_ctx);
}

Result<Value> Interp::Invoke(BuiltinFn fn, CallContext& ctx) {
  const BoundCall& call = ctx.call();
  const frontend::BuiltinInfo& b = *call.builtin;
  if (!b.has(frontend::kLazy)) {
    // Charge the work a builtin may do by the size of its input, so that
    // the deadline (and cancellation) is checked around heavy calls too.
    for (const Value& a : ctx.args) {
      if (a.is_array() || a.is_page()) work_ += a.array().size();
      if (a.is_string()) work_ += a.str().size() / 16;
    }
    if (work_ >= kWorkPerCheck) {
      work_ = 0;
      FQL_RETURN_IF_ERROR(CheckDeadline(call));
    }
    if (b.has(frontend::kVarargs) && ctx.args.size() == 1) {
      if (ctx.args[0].is_array()) {
        Array elems = ctx.args[0].array();
        ctx.args = std::move(elems);
        ctx.args_from_array = true;
      } else if (b.has(frontend::kNoScalar)) {
        return ctx.TypeError(0, "Array");
      }
    }
  }
  std::optional<Result<Value>> compiled;
  if (jit::IsLoopBuiltin(b.id)) {
    if (options_.jit != JitMode::kOff) {
      compiled = RunCompiledLoop(*this, ctx, jit_loops_);
    } else {
      Explain(call, [] { return std::string("interpreted: --jit off"); });
    }
  }
  Result<Value> r = compiled ? std::move(*compiled) : fn(ctx);
  if (!r.ok()) return Locate(std::move(r).status_move(), call);
  FQL_RETURN_IF_ERROR(Locate(CheckValue(*r), call));
  return r;
}

Result<std::shared_ptr<const frontend::BoundQuery>> BindStoredLambda(const std::string& fql) {
  // Stored functions are applied far more often than they change, so their
  // bound trees are kept by source text. Bounded: cleared when full.
  constexpr size_t kCacheLimit = 1024;
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const frontend::BoundQuery>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(fql);
    if (it != cache.end()) return it->second;
  }
  frontend::ParseResult parsed = frontend::ParseScript(fql);
  if (!parsed.ok()) return parsed.errors.front();
  if (parsed.script->queries.size() != 1) {
    return Status(ErrorCode::kInvalidExpression, "A stored lambda must be one Lambda expression.");
  }
  FQL_ASSIGN_OR_RETURN(auto bound, frontend::Bind(*parsed.script->queries.front()));
  if (bound->root->kind != BoundKind::kLambda) {
    return Status(ErrorCode::kInvalidExpression, "A stored lambda must be one Lambda expression.");
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kCacheLimit) cache.clear();
  cache.emplace(fql, bound);
  return bound;
}

Result<Value> ApplyStoredLambda(const std::shared_ptr<const QueryBody>& lambda,
                                std::span<const Value> args) {
  FQL_ASSIGN_OR_RETURN(auto bound, BindStoredLambda(lambda->ToFql()));
  RunOptions options;
  options.timeout = std::chrono::milliseconds(1000);  // per document: a binding is a small function
  Interp interp(bound, options);
  Result<Value> out = interp.Apply(Value::Query(lambda), args, *bound->root);
  interp.BreakCycles();
  return out;
}

Result<Value> Interp::Apply(const Value& fn, std::span<const Value> args, const BoundNode& site) {
  const Closure* c = nullptr;
  std::shared_ptr<const Closure> rebound;  // a stored lambda, bound for this call
  if (fn.kind() == ValueKind::kQuery && fn.query()->type_tag() == Closure::Tag()) {
    c = static_cast<const Closure*>(fn.query().get());
  } else if (fn.kind() == ValueKind::kQuery && fn.query()->type_tag() == StoredLambda::Tag()) {
    auto bound = BindStoredLambda(static_cast<const StoredLambda&>(*fn.query()).fql());
    if (!bound.ok()) return Locate(std::move(bound).status_move(), site);
    auto root = std::make_shared<Frame>();
    root->slots.resize(static_cast<size_t>((*bound)->frame_size));
    root->owner = *bound;
    rebound = std::make_shared<Closure>(*bound, &(*bound)->root->Cast<BoundLambda>(), std::move(root));
    c = rebound.get();
  }
  if (!c) {
    return Locate(Status(ErrorCode::kInvalidArgument,
                         std::string("Lambda expected, ") + TypeName(fn) + " provided."),
                  site);
  }
  const BoundLambda& l = c->lambda();
  FramePtr frame = TakeFrame();
  frame->parent = c->env();
  frame->slots.resize(static_cast<size_t>(l.frame_size));
  size_t n = l.params.size();
  if (l.single) {
    if (args.size() == 1) {
      frame->Set(0, args[0]);
    } else {
      Value packed = Value::MakeArray(Array(args.begin(), args.end()));
      FQL_RETURN_IF_ERROR(Locate(CheckValue(packed), site));
      frame->Set(0, std::move(packed));
    }
  } else if (args.size() == n && n != 1) {
    for (size_t i = 0; i < n; ++i) frame->Set(i, args[i]);
  } else if (args.size() == 1 && args[0].is_array() && args[0].array().size() == n) {
    for (size_t i = 0; i < n; ++i) frame->Set(i, args[0].array()[i]);
  } else {
    std::string got = args.size() != 1     ? "Got " + std::to_string(args.size()) + " arguments."
                      : args[0].is_array() ? "Array contains " + std::to_string(args[0].array().size()) + "."
                                           : std::string(TypeName(args[0])) + " provided.";
    return Locate(Status(ErrorCode::kInvalidArgument,
                         "Lambda expects an array with " + std::to_string(n) + " elements. " + got),
                  l);
  }
  Result<Value> r = Eval(*l.body, frame);
  RecycleFrame(std::move(frame));
  if (r.ok()) FQL_RETURN_IF_ERROR(Locate(CheckValue(*r), *l.body));
  return r;
}

FramePtr Interp::TakeFrame() {
  if (free_frames_.empty()) return std::make_shared<Frame>();
  FramePtr f = std::move(free_frames_.back());
  free_frames_.pop_back();
  return f;
}

void Interp::RecycleFrame(FramePtr frame) {
  // A frame still referenced (by a closure or a cycle list) must live on.
  if (frame.use_count() != 1 || free_frames_.size() >= kFreeListLimit) return;
  frame->parent.reset();
  frame->slots.clear();
  frame->depth = 0;
  frame->owner.reset();
  free_frames_.push_back(std::move(frame));
}

}  // namespace internal

Result<Value> Run(const std::shared_ptr<const frontend::BoundQuery>& query,
                  const std::vector<Value>& params, const RunOptions& options) {
  internal::Interp interp(query, options);
  auto frame = std::make_shared<internal::Frame>();
  frame->slots.resize(static_cast<size_t>(query->frame_size));
  for (size_t i = 0; i < params.size() && i < frame->slots.size(); ++i) frame->Set(i, params[i]);
  Result<Value> result = interp.Eval(*query->root, frame);
  interp.BreakCycles();
  return result;
}

}  // namespace fqldb::executor
