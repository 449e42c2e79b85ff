// Compiled loops, executor side: the runtime entry points generated code
// calls (each one the interpreter's own code path), and the tiering that
// decides when a Map/Filter/Foreach/Reduce call runs compiled.
#include "executor/internal/jit_loop.h"

#include <bit>
#include <cstdio>
#include <new>

#include "executor/internal/interp.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BoundCall;
using frontend::BoundKind;
using frontend::BoundNode;
using jit::Tagged;

// The state of one compiled loop run; the `rt` of every entry point.
struct LoopRuntime {
  Interp& interp;
  const jit::LoopPlan& plan;
  const FramePtr& closure_env;
  FramePtr no_env;  // eager builtins read no environment
  Status error;
};

Value FromTagged(const Tagged& t) {
  switch (static_cast<ValueKind>(t.kind)) {
    case ValueKind::kNull:
      return Value();
    case ValueKind::kBool:
      return Value::Bool((t.bits & 1) != 0);
    case ValueKind::kLong:
      return Value::Long(t.bits);
    case ValueKind::kDouble:
      return Value::Double(std::bit_cast<double>(t.bits));
    default:
      return *t.box;
  }
}

// Runs `body`; an error (or an exception, which must not unwind through
// generated code) is recorded in the runtime and reported as nonzero.
template <typename Body>
int32_t Guard(void* rt_ptr, Body body) {
  auto& rt = *static_cast<LoopRuntime*>(rt_ptr);
  try {
    Status st = body(rt);
    if (st.ok()) return 0;
    rt.error = std::move(st);
  } catch (const std::bad_alloc&) {
    rt.error = Locate(Status(ErrorCode::kInternal, "Out of memory."), *rt.plan.call);
  } catch (...) {
    rt.error = Locate(Status(ErrorCode::kInternal, "Unexpected exception in a compiled loop."),
                      *rt.plan.call);
  }
  return 1;
}

}  // namespace

// The entry points (jit::EntryPoints); C linkage, as generated code calls them.
extern "C" int32_t fql_rt_call(void* rt_ptr, uint32_t site, const Tagged* args, uint32_t n,
                               Value* out) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    const auto& call = rt.plan.sites.at(site)->Cast<BoundCall>();
    CallContext ctx(rt.interp, call, rt.no_env);
    ctx.args.reserve(n);
    for (uint32_t i = 0; i < n; ++i) ctx.args.push_back(FromTagged(args[i]));
    FQL_ASSIGN_OR_RETURN(*out, rt.interp.InvokeNested(FindImpl(call.builtin->id), ctx, rt.plan.site_depth.at(site)));
    return Status::Ok();
  });
}

extern "C" int32_t fql_rt_make(void* rt_ptr, uint32_t site, const Tagged* parts, uint32_t n,
                               Value* out) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    const BoundNode& node = *rt.plan.sites.at(site);
    if (node.kind == BoundKind::kArray) {
      Array elems;
      elems.reserve(n);
      for (uint32_t i = 0; i < n; ++i) elems.push_back(FromTagged(parts[i]));
      *out = Value::MakeArray(std::move(elems));
    } else {
      const auto& keys = node.Cast<frontend::BoundObject>().keys;
      Fields fields;
      fields.reserve(n);
      for (uint32_t i = 0; i < n; ++i) fields.emplace_back(keys.at(i), FromTagged(parts[i]));
      *out = Value::MakeObject(std::move(fields));
    }
    return Locate(CheckValue(*out), node);
  });
}

extern "C" int32_t fql_rt_eval(void* rt_ptr, uint32_t site, const Tagged* locals, uint32_t n,
                               Value* out) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    // The frame the interpreter would have made for this element.
    auto frame = std::make_shared<Frame>();
    frame->parent = rt.closure_env;
    frame->slots.resize(n);
    for (uint32_t i = 0; i < n; ++i) frame->Set(i, FromTagged(locals[i]));
    FQL_ASSIGN_OR_RETURN(
        *out, rt.interp.EvalNested(*rt.plan.sites.at(site), frame, rt.plan.site_depth.at(site)));
    return Status::Ok();
  });
}

extern "C" int32_t fql_rt_not_bool(void* rt_ptr, uint32_t site, uint32_t arg, const Tagged* v) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    const auto& call = rt.plan.sites.at(site)->Cast<BoundCall>();
    CallContext ctx(rt.interp, call, rt.no_env);
    Value got = FromTagged(*v);
    return Locate(ctx.ArgError(arg, ErrorCode::kInvalidArgument,
                               std::string("Boolean expected, ") + TypeName(got) + " provided."),
                  call);
  });
}

extern "C" int32_t fql_rt_tick(void* rt_ptr) {
  return Guard(rt_ptr, [](LoopRuntime& rt) { return rt.interp.CheckDeadline(*rt.plan.call); });
}

extern "C" int32_t fql_rt_store(void* rt_ptr, Value* dst, const Tagged* v) {
  return Guard(rt_ptr, [&](LoopRuntime&) {
    *dst = FromTagged(*v);
    return Status::Ok();
  });
}

namespace {

const std::vector<bool>& Implemented() {
  static const std::vector<bool> table = [] {
    std::vector<bool> t(static_cast<size_t>(frontend::BuiltinId::kNumBuiltins));
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = FindImpl(static_cast<frontend::BuiltinId>(i)) != nullptr;
    return t;
  }();
  return table;
}

constexpr size_t kJitCacheShapes = 512;

}  // namespace

jit::LoopJit* SharedLoopJit() {
  // Never destroyed: compiled code may be running on other threads at exit.
  static jit::LoopJit* const instance = []() -> jit::LoopJit* {
    jit::EntryPoints ep{&fql_rt_call, &fql_rt_make, &fql_rt_eval, &fql_rt_not_bool, &fql_rt_tick, &fql_rt_store};
    auto created = jit::LoopJit::Create(ep, kJitCacheShapes);
    if (!created.ok()) {
      std::fprintf(stderr, "fqldb: JIT unavailable, interpreting: %s\n",
                   created.status().ToString().c_str());
      return nullptr;
    }
    return created->release();
  }();
  return instance;
}

std::optional<Result<Value>> RunCompiledLoop(Interp& interp, CallContext& ctx,
                                             std::unique_ptr<JitLoops>& loops) {
  const BoundCall& call = ctx.call();
  // Only a literal lambda compiles; its closure names the tree it lives in.
  size_t lambda_arg = jit::LoopLambdaArg(call.builtin->id);
  if (lambda_arg >= call.args.size() || lambda_arg >= ctx.size() ||
      call.args[lambda_arg]->kind != BoundKind::kLambda) {
    return std::nullopt;
  }
  std::shared_ptr<const frontend::BoundQuery> owner;
  const FramePtr* env =
      ClosureEnv(ctx.arg(lambda_arg), call.args[lambda_arg]->Cast<frontend::BoundLambda>(), &owner);
  if (!env) return std::nullopt;
  if (!loops) loops = std::make_unique<JitLoops>();
  LoopSite& site = loops->sites[&call];
  if (!site.owner) {
    site.owner = std::move(owner);
    site.plan = jit::PlanLoop(call, Implemented());
  }
  if (!site.plan) return std::nullopt;
  const jit::LoopPlan& plan = *site.plan;
  // Filter over a set stays a lazy set; the interpreter builds it.
  if (plan.kind == jit::LoopKind::kFilter && ctx.arg(0).kind() == ValueKind::kSet) return std::nullopt;
  // Near the nesting limit the interpreter must run, to fail where it fails.
  if (interp.depth() + plan.max_depth > kMaxEvalDepth) return std::nullopt;
  jit::LoopJit* jit = SharedLoopJit();
  if (!jit) return std::nullopt;

  // The builtin starts the same way (and, falling back, finds the set
  // already read into the argument).
  Result<const Array*> in = CollectionArg(ctx, plan.collection_arg);
  if (!in.ok()) return Result<Value>(std::move(in).status_move());
  const Array& elems = **in;

  if (!site.compiled && !site.looked_up) {
    site.looked_up = true;  // the shared cache's lock is taken once per site and run
    site.compiled = jit->Find(plan.key);
  }
  if (!site.compiled) {
    bool compile = interp.jit_mode() == JitMode::kAlways || elems.size() >= kCompileAtElements ||
                   (elems.size() >= kHotMinElements && jit->NoteInterpreted(plan.key) > kHotRuns);
    if (!compile) return std::nullopt;
    auto compiled = jit->Compile(plan);
    if (!compiled.ok()) {
      // A JIT bug must not fail the query: interpret this site from now on.
      std::fprintf(stderr, "fqldb: JIT failed, interpreting: %s\n", compiled.status().ToString().c_str());
      site.plan.reset();
      return std::nullopt;
    }
    site.compiled = *compiled;
  }

  std::vector<const Value*> inputs(plan.consts.begin(), plan.consts.end());
  std::vector<Value> captured;
  captured.reserve(plan.captures.size());
  for (const auto& [hops, slot] : plan.captures) {
    const Frame* f = env->get();
    for (int h = 1; h < hops && f; ++h) f = f->parent.get();
    bool ok = f && static_cast<size_t>(slot) < f->slots.size();
    captured.push_back(ok ? f->slots[static_cast<size_t>(slot)] : Value());
  }
  for (const Value& v : captured) inputs.push_back(&v);
  std::vector<Value> temps(plan.sites.size());
  Value acc = plan.kind == jit::LoopKind::kReduce ? ctx.arg(1) : Value();
  // Map and Filter write their output in place: n null Values.
  bool fills = plan.kind == jit::LoopKind::kMap || plan.kind == jit::LoopKind::kFilter;
  Array out(fills ? elems.size() : 0);

  LoopRuntime rt{interp, plan, *env, nullptr, Status::Ok()};
  int64_t written =
      site.compiled->fn()(&rt, elems.data(), elems.size(), inputs.data(), temps.data(), &acc, out.data());
  if (written < 0) return Result<Value>(std::move(rt.error));
  if (fills) {
    out.resize(static_cast<size_t>(written));
    if (out.size() < out.capacity() / 4) out.shrink_to_fit();  // a very selective Filter
  }
  switch (plan.kind) {
    case jit::LoopKind::kMap:
    case jit::LoopKind::kFilter:
      return Result<Value>(LikeCollection(ctx, plan.collection_arg, std::move(out)));
    case jit::LoopKind::kForeach:
      return Result<Value>(ctx.arg(plan.collection_arg));
    case jit::LoopKind::kReduce:
      if (ctx.arg(plan.collection_arg).is_page()) {
        return Result<Value>(LikeCollection(ctx, plan.collection_arg, Array{std::move(acc)}));
      }
      return Result<Value>(std::move(acc));
  }
  return std::nullopt;
}

}  // namespace fqldb::executor::internal

namespace fqldb::executor {

jit::JitStats JitStatistics() {
  jit::LoopJit* jit = internal::SharedLoopJit();
  return jit ? jit->stats() : jit::JitStats{};
}

}  // namespace fqldb::executor
