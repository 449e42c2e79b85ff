// Compiled loops, executor side: the runtime entry points generated code
// calls (each one the interpreter's own code path), and the tiering that
// decides when a Map/Filter/Foreach/Reduce call runs compiled.
#include "executor/internal/jit_loop.h"

#include <bit>
#include <cstdio>
#include <memory>
#include <new>

#include "executor/internal/interp.h"
#include "executor/internal/jit_runtime.h"
#include "executor/internal/jit_scan.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BoundCall;
using frontend::BoundKind;
using frontend::BoundNode;
using jit::Tagged;

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

// `v` as generated code holds it; its box points at `v`, which must outlive it.
Tagged ToTagged(const Value& v) {
  int64_t bits = 0;
  switch (v.kind()) {
    case ValueKind::kBool:
      bits = v.as_bool() ? 1 : 0;
      break;
    case ValueKind::kLong:
      bits = v.as_long();
      break;
    case ValueKind::kDouble:
      bits = std::bit_cast<int64_t>(v.as_double());
      break;
    default:
      break;
  }
  return Tagged{static_cast<uint8_t>(v.kind()), bits, &v};
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
    frame->parent = *rt.envs.at(static_cast<size_t>(rt.plan.site_lambda.at(site)));
    frame->slots.resize(n);
    for (uint32_t i = 0; i < n; ++i) frame->Set(i, FromTagged(locals[i]));
    FQL_ASSIGN_OR_RETURN(
        *out, rt.interp.EvalNested(*rt.plan.sites.at(site), frame, rt.plan.site_depth.at(site)));
    return Status::Ok();
  });
}

extern "C" int32_t fql_rt_not_bool(void* rt_ptr, uint32_t site, uint32_t arg, const Tagged* v) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    if (site == jit::kSetFilterSite) {
      // What a set's Filter reports (the call that reads the set locates it).
      return Status(ErrorCode::kInvalidArgument,
                    std::string("Boolean expected, ") + TypeName(FromTagged(*v)) + " provided.");
    }
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

extern "C" int32_t fql_rt_next(void* rt_ptr) {
  bool more = false;
  int32_t rc = Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    if (rt.started) {
      rt.stream->Next();
    } else {
      rt.started = true;
    }
    rt.doc_parsed = false;
    more = rt.stream->Valid();
    return more ? Status::Ok() : rt.stream->status();
  });
  return rc != 0 ? -1 : (more ? 1 : 0);
}

extern "C" int32_t fql_rt_elem(void* rt_ptr, Value* out) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    FQL_ASSIGN_OR_RETURN(*out, rt.stream->ref());
    return Status::Ok();
  });
}

namespace {

// Works out what doc-read site `site` reads: the whole document (Get),
// its ts, or a literal path of fields and indexes into its body. The
// path's strings live in the plan's constants, which outlive the run.
DocReadSite ResolveDocSite(const jit::LoopPlan& plan, uint32_t site) {
  DocReadSite d;
  d.kind = DocReadSite::Kind::kInterpret;
  const auto& call = plan.sites.at(site)->Cast<BoundCall>();
  if (call.builtin->id == frontend::BuiltinId::kGet) {
    d.kind = DocReadSite::Kind::kDocument;
    return d;
  }
  std::vector<const Value*> parts = jit::DocReadPath(*call.args[0]);
  if (parts.empty()) return d;
  // The document is {ref, ts, ...body}: a path through ref is the
  // interpreter's; ts alone is the version's ts.
  if (parts[0]->is_string() && (parts[0]->str() == "ref" || parts[0]->str() == "ts")) {
    if (parts[0]->str() == "ts" && parts.size() == 1) d.kind = DocReadSite::Kind::kTs;
    return d;
  }
  for (const Value* part : parts) {
    if (part->is_string()) {
      d.steps.push_back({part->str(), -1});
    } else if (part->as_long() >= 0) {
      d.steps.push_back({std::string_view(), part->as_long()});
    } else {
      return d;  // a negative index finds nothing: the interpreter reports it
    }
  }
  d.kind = DocReadSite::Kind::kPath;
  return d;
}

// Whether Get(x) reads the current document from its stored bytes: x is
// the element (`ref` null) and the element is that document's ref, or x is
// `*ref`, which must be that ref; and the bytes decode. Parses them once
// per document.
Result<bool> OnStoredDoc(LoopRuntime& rt, const Tagged* ref) {
  if (ref == nullptr) {
    if (!rt.stream->elem_is_doc()) return false;
  } else {
    if (static_cast<ValueKind>(ref->kind) != ValueKind::kRef) return false;
    FQL_ASSIGN_OR_RETURN(Value doc_ref, rt.stream->doc_ref());
    if (!Equals(*ref->box, doc_ref)) return false;
  }
  if (!rt.doc_parsed) {
    rt.doc_parsed = true;
    Result<storage::DocView> view = storage::DocView::Of(rt.stream->body());
    rt.doc = view.ok() ? std::optional<storage::DocView>(*view) : std::nullopt;
  }
  return rt.doc.has_value();
}

// What Get(x), Select(path, Get(x)) or Select(path, d) (d a Let-named
// Get(x)) yields for the current document, read from its stored bytes.
// False: the interpreter must evaluate the site (x is not the document's
// ref, a missing field or null, a path through something other than plain
// objects and arrays, or bytes that are not a valid encoding, which Get
// reports).
Result<bool> ReadDocSite(LoopRuntime& rt, uint32_t site, const Tagged* ref, Tagged* out,
                         Value* box) {
  if (rt.doc_sites.size() <= site) rt.doc_sites.resize(rt.plan.sites.size());
  DocReadSite& d = rt.doc_sites.at(site);
  if (d.kind == DocReadSite::Kind::kUnresolved) d = ResolveDocSite(rt.plan, site);
  if (d.kind == DocReadSite::Kind::kInterpret) return false;
  FQL_ASSIGN_OR_RETURN(bool stored, OnStoredDoc(rt, ref));
  if (!stored) return false;
  if (d.kind == DocReadSite::Kind::kTs) {
    *out = Tagged{static_cast<uint8_t>(ValueKind::kLong), static_cast<int64_t>(rt.stream->ts()),
                  nullptr};
    return true;
  }
  if (d.kind == DocReadSite::Kind::kDocument) {
    Result<Value> body = rt.doc->Materialize();
    if (!body.ok()) return false;
    FQL_ASSIGN_OR_RETURN(Value doc_ref, rt.stream->doc_ref());
    storage::DocRecord record;
    record.ts = rt.stream->ts();
    record.body = std::move(*body);
    *box = StorageContext::DocValue(doc_ref, record);
    *out = Tagged{static_cast<uint8_t>(box->kind()), 0, box};
    return true;
  }
  storage::DocView v = *rt.doc;
  for (const DocReadSite::Step& step : d.steps) {
    std::optional<storage::DocView> next =
        step.index < 0 ? v.Field(step.field) : v.Element(static_cast<size_t>(step.index));
    if (!next) return false;
    v = *next;
  }
  switch (v.kind()) {
    case ValueKind::kNull:
      return false;
    case ValueKind::kBool:
      *out = Tagged{static_cast<uint8_t>(ValueKind::kBool), v.as_bool() ? 1 : 0, nullptr};
      return true;
    case ValueKind::kLong:
      *out = Tagged{static_cast<uint8_t>(ValueKind::kLong), v.as_long(), nullptr};
      return true;
    case ValueKind::kDouble:
      *out = Tagged{static_cast<uint8_t>(ValueKind::kDouble), std::bit_cast<int64_t>(v.as_double()),
                    nullptr};
      return true;
    default: {
      Result<Value> m = v.Materialize();
      if (!m.ok()) return false;
      *box = std::move(*m);
      *out = Tagged{static_cast<uint8_t>(box->kind()), 0, box};
      return true;
    }
  }
}

}  // namespace

extern "C" int32_t fql_rt_doc_read(void* rt_ptr, uint32_t site, const Tagged* ref, Tagged* out,
                                   Value* box) {
  bool fast = false;
  int32_t rc = Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    FQL_ASSIGN_OR_RETURN(fast, ReadDocSite(rt, site, ref, out, box));
    ++(fast ? rt.stored_reads : rt.interpreted_reads);
    return Status::Ok();
  });
  return rc != 0 ? 2 : (fast ? 0 : 1);
}

extern "C" int32_t fql_rt_doc_probe(void* rt_ptr, const Tagged* ref) {
  bool stored = false;
  int32_t rc = Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    FQL_ASSIGN_OR_RETURN(stored, OnStoredDoc(rt, ref));
    if (!stored) {
      rt.gave_up =
          "a Let binds Get of something other than the scanned document's ref (or its bytes do "
          "not decode), so the interpreter ran the scan instead";
    }
    return Status::Ok();
  });
  return rc != 0 ? 2 : (stored ? 0 : 1);
}

extern "C" int32_t fql_rt_bind(void* rt_ptr, uint32_t lambda, const Tagged* elem, uint32_t n,
                               Tagged* out) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    if (static_cast<ValueKind>(elem->kind) == ValueKind::kArray && elem->box->array().size() == n) {
      const Array& values = elem->box->array();
      for (uint32_t i = 0; i < n; ++i) out[i] = ToTagged(values[i]);
      return Status::Ok();
    }
    // The interpreter's error (Interp::Apply), at the lambda.
    Value got = FromTagged(*elem);
    std::string what = got.is_array() ? "Array contains " + std::to_string(got.array().size()) + "."
                                      : std::string(TypeName(got)) + " provided.";
    return Locate(Status(ErrorCode::kInvalidArgument, "Lambda expects an array with " +
                                                          std::to_string(n) + " elements. " + what),
                  rt.plan.lambda_at(static_cast<int>(lambda)));
  });
}

extern "C" int32_t fql_rt_emit(void* rt_ptr, const Tagged* v) {
  return Guard(rt_ptr, [&](LoopRuntime& rt) -> Status {
    if (rt.output.size() >= kMaxArrayElems) {
      // The interpreter, rerunning, reports this where it does.
      return Status(ErrorCode::kInvalidArgument, "The set holds too many entries; paginate it.");
    }
    rt.output.push_back(FromTagged(*v));
    return Status::Ok();
  });
}

extern "C" int32_t fql_rt_keep(void* rt_ptr, const Value* data, const int64_t* positions,
                               uint64_t n) {
  // No size check: the output never outgrows the input.
  return Guard(rt_ptr, [&](LoopRuntime& rt) {
    for (uint64_t k = 0; k < n; ++k) rt.output.push_back(data[positions[k]]);
    return Status::Ok();
  });
}

const std::vector<bool>& ImplementedBuiltins() {
  static const std::vector<bool> table = [] {
    std::vector<bool> t(static_cast<size_t>(frontend::BuiltinId::kNumBuiltins));
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = FindImpl(static_cast<frontend::BuiltinId>(i)) != nullptr;
    return t;
  }();
  return table;
}

LoopInputs::LoopInputs(const jit::LoopPlan& plan, const std::vector<const FramePtr*>& envs)
    : pointers_(plan.consts.begin(), plan.consts.end()) {
  captured_.reserve(plan.captures.size());
  for (const auto& [lambda, hops, slot] : plan.captures) {
    const Frame* f = envs.at(static_cast<size_t>(lambda))->get();
    for (int h = 1; h < hops && f; ++h) f = f->parent.get();
    bool ok = f && static_cast<size_t>(slot) < f->slots.size();
    captured_.push_back(ok ? f->slots[static_cast<size_t>(slot)] : Value());
  }
  for (const Value& v : captured_) pointers_.push_back(&v);
}

namespace {

constexpr size_t kJitCacheShapes = 512;

}  // namespace

jit::LoopJit* SharedLoopJit() {
  // Never destroyed: compiled code may be running on other threads at exit.
  static jit::LoopJit* const instance = []() -> jit::LoopJit* {
    jit::EntryPoints ep{&fql_rt_call,     &fql_rt_make,  &fql_rt_eval,      &fql_rt_not_bool,
                        &fql_rt_tick,     &fql_rt_store, &fql_rt_next,      &fql_rt_elem,
                        &fql_rt_doc_read, &fql_rt_emit,  &fql_rt_doc_probe, &fql_rt_bind,
                        &fql_rt_keep};
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

namespace {

// A JIT bug must not fail the query: it is logged, and the caller interprets.
std::shared_ptr<const jit::CompiledLoop> CompileOrLog(jit::LoopJit& jit,
                                                      const jit::LoopPlan& plan) {
  auto compiled = jit.Compile(plan);
  if (compiled.ok()) return *compiled;
  std::fprintf(stderr, "fqldb: JIT failed, interpreting: %s\n",
               compiled.status().ToString().c_str());
  return nullptr;
}

}  // namespace

std::string DescribeCompiled(const jit::CompiledLoop& code, bool now) {
  std::string tier = code.tier() == jit::JitTier::kQuick ? "quick tier" : "optimised tier";
  if (!now) return tier + ", from the cache";
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.2f", code.compile_ms());
  return tier + ", compiled now in " + ms + " ms";
}

std::shared_ptr<const jit::CompiledLoop> CompiledFor(Interp& interp, const jit::LoopPlan& plan,
                                                     const std::function<bool()>& large,
                                                     std::string* how) {
  jit::LoopJit* jit = SharedLoopJit();
  if (jit == nullptr) {
    *how = "LLVM could not start";
    return nullptr;
  }
  if (auto found = jit->Find(plan.key)) {
    *how = DescribeCompiled(*found, false);
    return found;
  }
  bool compile =
      interp.jit_mode() == JitMode::kAlways || large() || jit->NoteInterpreted(plan.key) > kHotRuns;
  if (!compile) {
    *how = "its shape compiles once interpreted " + std::to_string(kHotRuns) + " times";
    return nullptr;
  }
  auto compiled = CompileOrLog(*jit, plan);
  *how = compiled ? DescribeCompiled(*compiled, true) : "the JIT failed (logged)";
  return compiled;
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
  size_t collection_arg = jit::LoopCollectionArg(call.builtin->id);
  if (collection_arg < ctx.size() && ctx.arg(collection_arg).kind() == ValueKind::kSet) {
    // Filter over a set stays a lazy set; the interpreter builds it.
    if (call.builtin->id == frontend::BuiltinId::kFilter) return std::nullopt;
    return RunCompiledScan(ctx, call.args[lambda_arg]->Cast<frontend::BoundLambda>(), *env);
  }
  if (!loops) loops = std::make_unique<JitLoops>();
  LoopSite& site = loops->sites[&call];
  if (!site.owner) {
    site.owner = std::move(owner);
    site.plan = jit::PlanLoop(call, ImplementedBuiltins(), &site.why);
  }
  if (!site.plan) {
    interp.Explain(call, [&] { return "interpreted: " + site.why; });
    return std::nullopt;
  }
  const jit::LoopPlan& plan = *site.plan;
  // Near the nesting limit the interpreter must run, to fail where it fails.
  if (interp.depth() + plan.max_depth > kMaxEvalDepth) {
    interp.Explain(call, [] { return std::string("interpreted: too close to the nesting limit"); });
    return std::nullopt;
  }
  jit::LoopJit* jit = SharedLoopJit();
  if (!jit) {
    interp.Explain(call, [] { return std::string("interpreted: LLVM could not start"); });
    return std::nullopt;
  }

  // The builtin starts the same way (and, falling back, finds the set
  // already read into the argument).
  Result<const Array*> in = CollectionArg(ctx, plan.collection_arg);
  if (!in.ok()) return Result<Value>(std::move(in).status_move());
  const Array& elems = **in;

  if (!site.compiled && !site.looked_up) {
    site.looked_up = true;  // the shared cache's lock is taken once per site and run
    site.compiled = jit->Find(plan.key);
    if (site.compiled && interp.explain()) site.how = DescribeCompiled(*site.compiled, false);
  }
  if (!site.compiled) {
    bool compile = interp.jit_mode() == JitMode::kAlways || elems.size() >= kCompileAtElements ||
                   (elems.size() >= kHotMinElements && jit->NoteInterpreted(plan.key) > kHotRuns);
    if (!compile) {
      interp.Explain(
          call,
          [&] {
            return "interpreted: --jit auto compiles a loop of at least " +
                   std::to_string(kCompileAtElements) + " elements, or a shape interpreted " +
                   std::to_string(kHotRuns) + " times with " + std::to_string(kHotMinElements) +
                   " or more elements each";
          },
          static_cast<int64_t>(elems.size()));
      return std::nullopt;
    }
    site.compiled = CompileOrLog(*jit, plan);
    if (!site.compiled) {
      site.plan.reset();  // interpret this site from now on
      site.why = "the JIT failed (logged)";
      return std::nullopt;
    }
    if (interp.explain()) site.how = DescribeCompiled(*site.compiled, true);
  }
  interp.Explain(
      call, [&] { return "compiled loop: " + site.how; }, static_cast<int64_t>(elems.size()));

  LoopRuntime rt(interp, plan);
  rt.envs = {env};
  LoopInputs inputs(plan, rt.envs);
  std::vector<Value> temps(plan.sites.size());
  Value acc = plan.kind == jit::LoopKind::kReduce ? ctx.arg(1) : Value();
  // Map writes its output in place (n null Values); Filter gathers the
  // positions it keeps in a window and appends those elements (keep).
  Array out(plan.kind == jit::LoopKind::kMap ? elems.size() : 0);
  void* out_arg = out.data();
  std::unique_ptr<int64_t[]> window;
  if (plan.kind == jit::LoopKind::kFilter) {
    window.reset(new int64_t[jit::kTickEvery]);
    out_arg = window.get();
    // Room for every element, so that appending never moves what was kept
    // (for a large input that is fresh mmap'd memory, and pages not written
    // cost nothing; a result much smaller than the input is shrunk after).
    rt.output.reserve(elems.size());
  }
  int64_t written = site.compiled->fn()(&rt, elems.data(), elems.size(), inputs.data(),
                                        temps.data(), &acc, out_arg);
  if (written < 0) return Result<Value>(std::move(rt.error));
  if (plan.kind == jit::LoopKind::kFilter) {
    out = std::move(rt.output);
    if (out.size() < out.capacity() / 4) out.shrink_to_fit();  // a result may live long
  }
  switch (plan.kind) {
    case jit::LoopKind::kFilter:
      if (ctx.arg(plan.collection_arg).is_array()) {
        return Result<Value>(Value::MakeArrayFrom(std::move(out), ctx.arg(plan.collection_arg)));
      }
      [[fallthrough]];
    case jit::LoopKind::kMap:
      return Result<Value>(LikeCollection(ctx, plan.collection_arg, std::move(out)));
    case jit::LoopKind::kForeach:
    case jit::LoopKind::kCount:
    case jit::LoopKind::kSum:  // scans only
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

void WaitForJitUpgrades() {
  if (jit::LoopJit* jit = internal::SharedLoopJit()) jit->WaitForUpgrades();
}

}  // namespace fqldb::executor
