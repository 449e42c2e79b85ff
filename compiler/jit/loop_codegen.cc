// Lowers a planned loop (LoopPlan) to LLVM IR: one function that walks the
// elements (of an array, or of a collection scan) and evaluates the lambda
// bodies inline. Values are carried as (kind, bits, box) triples; see
// loop_jit.h for the contract with the runtime. Expressions: loop_lower.cc.
#include "compiler/jit/internal/loop_codegen.h"

#include <array>

#include "compiler/jit/internal/codegen.h"

namespace fqldb::jit::internal {

namespace {
constexpr uint64_t kTickMask = kTickEvery - 1;
}  // namespace

CodeGen::CodeGen(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod,
                 Value::Layout layout)
    : plan_(plan), ctx_(ctx), mod_(mod), b_(ctx), layout_(layout) {
  i1_ = b_.getInt1Ty();
  i8_ = b_.getInt8Ty();
  i32_ = b_.getInt32Ty();
  i64_ = b_.getInt64Ty();
  f64_ = b_.getDoubleTy();
  ptr_ = b_.getInt8PtrTy();
  tagged_ = llvm::StructType::create(ctx_, {i8_, i64_, ptr_}, "fql.tagged");
  for (size_t i = 0; i < plan.sites.size(); ++i) site_of_[plan.sites[i]] = static_cast<uint32_t>(i);
  for (size_t i = 0; i < plan.consts.size(); ++i)
    const_of_[plan.consts[i]] = static_cast<uint32_t>(i);
  for (size_t i = 0; i < plan.captures.size(); ++i)
    capture_of_[Pack(plan.captures[i][0], plan.captures[i][1], plan.captures[i][2])] =
        static_cast<uint32_t>(i);
}

void CodeGen::BeginFunction(const std::string& name) {
  DeclareRuntime();
  auto* fn_type = llvm::FunctionType::get(i64_, {ptr_, ptr_, i64_, ptr_, ptr_, ptr_, ptr_}, false);
  fn_ = llvm::Function::Create(fn_type, llvm::Function::ExternalLinkage, name, mod_);
  rt_ = fn_->getArg(0);
  data_ = fn_->getArg(1);
  size_ = fn_->getArg(2);
  temps_ = fn_->getArg(4);
  acc_ = fn_->getArg(5);
  out_ = fn_->getArg(6);
  for (unsigned i = 0; i < fn_->arg_size(); ++i) {
    if (fn_->getArg(i)->getType()->isPointerTy()) fn_->addParamAttr(i, llvm::Attribute::NoAlias);
  }
  entry_ = Block("entry");
  err_ = Block("error");
  b_.SetInsertPoint(err_);
  b_.CreateRet(b_.getInt64(-1));
  b_.SetInsertPoint(entry_);
  inputs_ = b_.CreateBitCast(fn_->getArg(3), ptr_->getPointerTo());
}

void CodeGen::EnterLambda(int index, int param, const TV* elem) {
  lambda_ = index;
  const frontend::BoundLambda& lambda = plan_.lambda_at(index);
  locals_.assign(static_cast<size_t>(lambda.frame_size), std::nullopt);
  lazy_.assign(static_cast<size_t>(lambda.frame_size), -1);
  bool destructures = plan_.destructures(index);
  scan_param_ = plan_.source == LoopSource::kScan && !destructures ? param : -1;
  if (!destructures) return;
  // The interpreter's binding: the element must be an array of exactly
  // as many values as there are names.
  uint32_t n = static_cast<uint32_t>(lambda.params.size());
  llvm::Value* out = TaggedSlots(n, "params");
  TV x = elem ? *elem : ScanElement();
  Check(b_.CreateCall(bind_, {rt_, b_.getInt32(static_cast<uint32_t>(index)), TaggedArray({x}),
                              b_.getInt32(n), b_.CreateBitCast(out, ptr_)}));
  for (uint32_t k = 0; k < n; ++k)
    locals_.at(k) = LoadTaggedStruct(b_.CreateConstGEP1_64(tagged_, out, k));
}

TV CodeGen::KeepAccumulator(const TV& r) {
  // A scalar result stays in registers; anything else is kept alive in the
  // accumulator slot (temps are rewritten by the next element).
  llvm::BasicBlock* boxed = Block("acc.boxed");
  llvm::BasicBlock* done = Block("acc.done");
  llvm::BasicBlock* from = b_.GetInsertBlock();
  b_.CreateCondBr(IsScalar(r.kind), done, boxed);
  b_.SetInsertPoint(boxed);
  Check(b_.CreateCall(store_, {rt_, acc_, TaggedArray({r})}));
  llvm::BasicBlock* boxed_end = b_.GetInsertBlock();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* box = b_.CreatePHI(ptr_, 2);
  box->addIncoming(r.box, from);
  box->addIncoming(acc_, boxed_end);
  return TV{r.kind, r.bits, box};
}

void CodeGen::WriteAccumulator(const TV& acc) {
  llvm::BasicBlock* write = Block("acc.write");
  llvm::BasicBlock* ret = Block("return");
  b_.CreateCondBr(IsScalar(acc.kind), write, ret);
  b_.SetInsertPoint(write);
  Check(b_.CreateCall(store_, {rt_, acc_, TaggedArray({acc})}));
  b_.CreateBr(ret);
  b_.SetInsertPoint(ret);
}

llvm::Function* CodeGen::Build(const std::string& name) {
  BeginFunction(name);
  bool reduce = plan_.kind == LoopKind::kReduce;
  TV acc0{};
  if (reduce) acc0 = LoadTagged(acc_);
  llvm::BasicBlock* head = Block("loop.head");
  llvm::BasicBlock* body = Block("loop.body");
  llvm::BasicBlock* exit = Block("loop.exit");
  b_.CreateBr(head);

  b_.SetInsertPoint(head);
  llvm::PHINode* i = b_.CreatePHI(i64_, 3, "i");
  i->addIncoming(b_.getInt64(0), entry_);
  llvm::PHINode* kept = b_.CreatePHI(i64_, 3, "kept");  // Filter's output count
  kept->addIncoming(b_.getInt64(0), entry_);
  llvm::PHINode *acc_kind = nullptr, *acc_bits = nullptr, *acc_box = nullptr;
  if (reduce) {
    acc_kind = b_.CreatePHI(i8_, 3, "acc.kind");
    acc_bits = b_.CreatePHI(i64_, 3, "acc.bits");
    acc_box = b_.CreatePHI(ptr_, 3, "acc.box");
    acc_kind->addIncoming(acc0.kind, entry_);
    acc_bits->addIncoming(acc0.bits, entry_);
    acc_box->addIncoming(acc0.box, entry_);
  }
  b_.CreateCondBr(b_.CreateICmpEQ(i, size_), exit, body);

  b_.SetInsertPoint(body);
  llvm::Value* elem = b_.CreateGEP(i8_, data_, b_.CreateMul(i, b_.getInt64(layout_.size)), "elem");
  TV x = LoadTagged(elem);
  EnterLambda(0, -1, &x);
  if (reduce) {
    locals_.at(0) = TV{acc_kind, acc_bits, acc_box};
    locals_.at(1) = x;
  } else if (!plan_.destructures(0)) {
    locals_.at(0) = x;
  }
  TV r = Lower(*plan_.lambda->body, 1);

  TV next_acc{};
  llvm::Value* next_kept = kept;
  switch (plan_.kind) {
    case LoopKind::kMap:
      WriteOut(b_.CreateGEP(i8_, out_, b_.CreateMul(i, b_.getInt64(layout_.size))), r);
      break;
    case LoopKind::kForeach:
    case LoopKind::kCount:
    case LoopKind::kSum:  // scans only
      break;
    case LoopKind::kFilter: {
      RequireBool(r, /*site=*/0, /*arg=*/1);
      llvm::BasicBlock* keep = Block("filter.keep");
      llvm::BasicBlock* skip = Block("filter.next");
      llvm::BasicBlock* from = b_.GetInsertBlock();
      b_.CreateCondBr(Truth(r), keep, skip);
      b_.SetInsertPoint(keep);
      b_.CreateStore(i, b_.CreateGEP(i64_, b_.CreateBitCast(out_, i64_->getPointerTo()), kept));
      llvm::Value* plus_one = b_.CreateAdd(kept, b_.getInt64(1));
      llvm::BasicBlock* keep_end = b_.GetInsertBlock();
      b_.CreateBr(skip);
      b_.SetInsertPoint(skip);
      llvm::PHINode* count = b_.CreatePHI(i64_, 2);
      count->addIncoming(kept, from);
      count->addIncoming(plus_one, keep_end);
      next_kept = count;
      break;
    }
    case LoopKind::kReduce:
      next_acc = KeepAccumulator(r);
      break;
  }
  llvm::Value* i_next = b_.CreateAdd(i, b_.getInt64(1), "i.next");
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  llvm::BasicBlock* tick = Block("tick");
  b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateAnd(i_next, b_.getInt64(kTickMask)), b_.getInt64(0)),
                  tick, head, Unlikely());
  b_.SetInsertPoint(tick);
  // Filter: the window's kept elements, still in cache, go to the output.
  if (plan_.kind == LoopKind::kFilter) Check(b_.CreateCall(keep_, {rt_, data_, out_, next_kept}));
  llvm::Value* rc = b_.CreateCall(tick_, {rt_});
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), head, err_, Likely());
  llvm::BasicBlock* tick_end = b_.GetInsertBlock();
  for (llvm::BasicBlock* from : {latch, tick_end}) {
    i->addIncoming(i_next, from);
    kept->addIncoming(
        plan_.kind == LoopKind::kFilter && from == tick_end ? b_.getInt64(0) : next_kept, from);
    if (reduce) {
      acc_kind->addIncoming(next_acc.kind, from);
      acc_bits->addIncoming(next_acc.bits, from);
      acc_box->addIncoming(next_acc.box, from);
    }
  }

  b_.SetInsertPoint(exit);
  if (reduce) WriteAccumulator(TV{acc_kind, acc_bits, acc_box});
  if (plan_.kind == LoopKind::kFilter) Check(b_.CreateCall(keep_, {rt_, data_, out_, kept}));
  b_.CreateRet(plan_.kind == LoopKind::kMap ? size_ : b_.getInt64(0));
  return fn_;
}

// for (; next(); ) { filters...; the loop's own lambda }, with the count,
// the accumulator and the element counter (for deadline checks) in
// registers across iterations.
llvm::Function* CodeGen::BuildScan(const std::string& name) {
  BeginFunction(name);
  bool reduce = plan_.kind == LoopKind::kReduce;
  bool sum = plan_.kind == LoopKind::kSum;
  TV acc0{};
  if (reduce) acc0 = LoadTagged(acc_);
  llvm::BasicBlock* head = Block("scan.head");
  llvm::BasicBlock* more = Block("scan.more");
  llvm::BasicBlock* body = Block("scan.body");
  llvm::BasicBlock* latch = Block("scan.latch");
  llvm::BasicBlock* exit = Block("scan.exit");
  b_.CreateBr(head);

  b_.SetInsertPoint(head);
  llvm::PHINode* seen = b_.CreatePHI(i64_, 2, "seen");
  // The counters carried across iterations: the elements kept (Count's
  // count; kSum's too), and kSum's total and sum of magnitudes.
  enum { kKept, kTotal, kMagnitude, kRegs };
  std::array<llvm::PHINode*, kRegs> regs{};
  for (auto*& r : regs) {
    r = b_.CreatePHI(i64_, 2);
    r->addIncoming(b_.getInt64(0), entry_);
  }
  llvm::PHINode *acc_kind = nullptr, *acc_bits = nullptr, *acc_box = nullptr;
  seen->addIncoming(b_.getInt64(0), entry_);
  if (reduce) {
    acc_kind = b_.CreatePHI(i8_, 2, "acc.kind");
    acc_bits = b_.CreatePHI(i64_, 2, "acc.bits");
    acc_box = b_.CreatePHI(ptr_, 2, "acc.box");
    acc_kind->addIncoming(acc0.kind, entry_);
    acc_bits->addIncoming(acc0.bits, entry_);
    acc_box->addIncoming(acc0.box, entry_);
  }
  TV acc{acc_kind, acc_bits, acc_box};
  llvm::Value* rc = b_.CreateCall(next_, {rt_});
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(1)), body, more, Likely());
  b_.SetInsertPoint(more);
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), exit, err_);

  // Every way to the latch: (block, counters, accumulator).
  using Regs = std::array<llvm::Value*, kRegs>;
  struct Edge {
    llvm::BasicBlock* from;
    Regs regs;
    TV acc;
  };
  const Regs current{regs[kKept], regs[kTotal], regs[kMagnitude]};
  std::vector<Edge> edges;
  b_.SetInsertPoint(body);
  for (size_t f = 0; f < plan_.filters.size(); ++f) {
    EnterLambda(static_cast<int>(f), 0, nullptr);
    TV r = Lower(*plan_.filters[f]->body, 1);
    RequireBool(r, kSetFilterSite, 0);
    llvm::BasicBlock* pass = Block("filter.pass");
    edges.push_back(Edge{b_.GetInsertBlock(), current, acc});
    b_.CreateCondBr(Truth(r), pass, latch);
    b_.SetInsertPoint(pass);
  }
  Regs next = current;
  TV next_acc = acc;
  // Every element the filters keep: Count's count; for the others, what
  // the interpreter's array of the set would hold (see LoopFn).
  next[kKept] = b_.CreateAdd(current[kKept], b_.getInt64(1));
  if (plan_.kind != LoopKind::kCount) {
    int own = static_cast<int>(plan_.filters.size());
    EnterLambda(own, reduce ? 1 : 0, nullptr);
    if (reduce) locals_.at(0) = acc;
    TV r = Lower(*plan_.lambda->body, 1);
    if (plan_.kind == LoopKind::kMap) Check(b_.CreateCall(emit_, {rt_, TaggedArray({r})}));
    if (reduce) next_acc = KeepAccumulator(r);
    if (sum)
      std::tie(next[kTotal], next[kMagnitude]) = AddToSum(r, current[kTotal], current[kMagnitude]);
  }
  edges.push_back(Edge{b_.GetInsertBlock(), next, next_acc});
  b_.CreateBr(latch);

  b_.SetInsertPoint(latch);
  std::array<llvm::PHINode*, kRegs> regs_out{};
  for (auto*& r : regs_out) r = b_.CreatePHI(i64_, static_cast<unsigned>(edges.size()));
  llvm::PHINode *k = nullptr, *bits = nullptr, *box = nullptr;
  if (reduce) {
    k = b_.CreatePHI(i8_, static_cast<unsigned>(edges.size()));
    bits = b_.CreatePHI(i64_, static_cast<unsigned>(edges.size()));
    box = b_.CreatePHI(ptr_, static_cast<unsigned>(edges.size()));
  }
  for (const Edge& e : edges) {
    for (int r = 0; r < kRegs; ++r) regs_out[r]->addIncoming(e.regs[r], e.from);
    if (reduce) {
      k->addIncoming(e.acc.kind, e.from);
      bits->addIncoming(e.acc.bits, e.from);
      box->addIncoming(e.acc.box, e.from);
    }
  }
  llvm::Value* seen_next = b_.CreateAdd(seen, b_.getInt64(1));
  llvm::BasicBlock* tick = Block("tick");
  b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateAnd(seen_next, b_.getInt64(kTickMask)), b_.getInt64(0)),
                  tick, head, Unlikely());
  b_.SetInsertPoint(tick);
  llvm::Value* trc = b_.CreateCall(tick_, {rt_});
  b_.CreateCondBr(b_.CreateICmpEQ(trc, b_.getInt32(0)), head, err_, Likely());
  for (llvm::BasicBlock* from : {latch, tick}) {
    seen->addIncoming(seen_next, from);
    for (int r = 0; r < kRegs; ++r) regs[r]->addIncoming(regs_out[r], from);
    if (reduce) {
      acc_kind->addIncoming(k, from);
      acc_bits->addIncoming(bits, from);
      acc_box->addIncoming(box, from);
    }
  }

  b_.SetInsertPoint(exit);
  if (reduce) WriteAccumulator(acc);
  if (sum) WriteAccumulator(Scalar(ValueKind::kLong, regs[kTotal]));
  b_.CreateRet(regs[kKept]);
  return fn_;
}

// kSum's step: adds the long `r` to `total`, and |r| to `magnitude`; gives
// up (returns -2) on anything but a long, or when the magnitudes pass
// INT64_MAX (then some order of the additions might overflow).
std::pair<llvm::Value*, llvm::Value*> CodeGen::AddToSum(const TV& r, llvm::Value* total,
                                                        llvm::Value* magnitude) {
  llvm::BasicBlock* give_up = Block("sum.give_up");
  llvm::BasicBlock* is_long = Block("sum.long");
  llvm::BasicBlock* add = Block("sum.add");
  b_.CreateCondBr(Is(r, ValueKind::kLong), is_long, give_up, Likely());
  b_.SetInsertPoint(give_up);
  b_.CreateRet(b_.getInt64(-2));
  b_.SetInsertPoint(is_long);
  // |INT64_MIN| is not a long: that gives up too.
  llvm::Value* negative = b_.CreateICmpSLT(r.bits, b_.getInt64(0));
  llvm::Value* abs = b_.CreateSelect(negative, b_.CreateNeg(r.bits), r.bits);
  llvm::Value* res = b_.CreateCall(
      llvm::Intrinsic::getDeclaration(&mod_, llvm::Intrinsic::sadd_with_overflow, {i64_}),
      {magnitude, abs});
  llvm::Value* bad =
      b_.CreateOr(b_.CreateICmpEQ(r.bits, b_.getInt64(INT64_MIN)), b_.CreateExtractValue(res, 1));
  b_.CreateCondBr(bad, give_up, add, Unlikely());
  b_.SetInsertPoint(add);
  return {b_.CreateAdd(total, r.bits), b_.CreateExtractValue(res, 0)};
}

void CodeGen::DeclareRuntime() {
  auto* site_fn = llvm::FunctionType::get(i32_, {ptr_, i32_, ptr_, i32_, ptr_}, false);
  call_ = mod_.getOrInsertFunction("fql_rt_call", site_fn);
  make_ = mod_.getOrInsertFunction("fql_rt_make", site_fn);
  eval_ = mod_.getOrInsertFunction("fql_rt_eval", site_fn);
  not_bool_ = mod_.getOrInsertFunction(
      "fql_rt_not_bool", llvm::FunctionType::get(i32_, {ptr_, i32_, i32_, ptr_}, false));
  tick_ = mod_.getOrInsertFunction("fql_rt_tick", llvm::FunctionType::get(i32_, {ptr_}, false));
  next_ = mod_.getOrInsertFunction("fql_rt_next", llvm::FunctionType::get(i32_, {ptr_}, false));
  elem_ =
      mod_.getOrInsertFunction("fql_rt_elem", llvm::FunctionType::get(i32_, {ptr_, ptr_}, false));
  doc_read_ = mod_.getOrInsertFunction(
      "fql_rt_doc_read", llvm::FunctionType::get(i32_, {ptr_, i32_, ptr_, ptr_, ptr_}, false));
  doc_probe_ = mod_.getOrInsertFunction("fql_rt_doc_probe",
                                        llvm::FunctionType::get(i32_, {ptr_, ptr_}, false));
  keep_ = mod_.getOrInsertFunction("fql_rt_keep",
                                   llvm::FunctionType::get(i32_, {ptr_, ptr_, ptr_, i64_}, false));
  bind_ = mod_.getOrInsertFunction(
      "fql_rt_bind", llvm::FunctionType::get(i32_, {ptr_, i32_, ptr_, i32_, ptr_}, false));
  emit_ =
      mod_.getOrInsertFunction("fql_rt_emit", llvm::FunctionType::get(i32_, {ptr_, ptr_}, false));
  store_ = mod_.getOrInsertFunction("fql_rt_store",
                                    llvm::FunctionType::get(i32_, {ptr_, ptr_, ptr_}, false));
}

// Continues on a fresh block when `rc` is 0; otherwise returns an error.
void CodeGen::Check(llvm::Value* rc) {
  llvm::BasicBlock* ok = Block("ok");
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), ok, err_, Likely());
  b_.SetInsertPoint(ok);
}

llvm::Value* CodeGen::Field(llvm::Value* value_ptr, size_t offset, llvm::Type* type) {
  llvm::Value* p = b_.CreateConstGEP1_64(i8_, value_ptr, offset);
  return b_.CreateLoad(type, b_.CreateBitCast(p, type->getPointerTo()));
}

TV CodeGen::LoadTagged(llvm::Value* value_ptr) {
  return TV{Field(value_ptr, layout_.kind_offset, i8_),
            Field(value_ptr, layout_.payload_offset, i64_), value_ptr};
}

TV CodeGen::LoadTaggedStruct(llvm::Value* tagged) {
  return TV{b_.CreateLoad(i8_, b_.CreateStructGEP(tagged_, tagged, 0)),
            b_.CreateLoad(i64_, b_.CreateStructGEP(tagged_, tagged, 1)),
            b_.CreateLoad(ptr_, b_.CreateStructGEP(tagged_, tagged, 2))};
}

llvm::AllocaInst* CodeGen::TaggedSlots(uint32_t n, const char* name) {
  llvm::IRBuilder<> eb(entry_, entry_->begin());
  return eb.CreateAlloca(tagged_, b_.getInt32(n), name);
}

// An array of Tagged for a runtime call, in an entry-block alloca.
llvm::Value* CodeGen::TaggedArray(const std::vector<TV>& vals) {
  llvm::AllocaInst* arr = TaggedSlots(static_cast<uint32_t>(std::max<size_t>(1, vals.size())));
  for (size_t i = 0; i < vals.size(); ++i) {
    llvm::Value* slot = b_.CreateConstGEP1_64(tagged_, arr, i);
    b_.CreateStore(vals[i].kind, b_.CreateStructGEP(tagged_, slot, 0));
    b_.CreateStore(vals[i].bits, b_.CreateStructGEP(tagged_, slot, 1));
    b_.CreateStore(vals[i].box, b_.CreateStructGEP(tagged_, slot, 2));
  }
  return b_.CreateBitCast(arr, ptr_);
}

// Writes `v` into the output slot `dst` (a null Value): a scalar's kind
// and payload inline, anything else through the store entry point.
void CodeGen::WriteOut(llvm::Value* dst, const TV& v) {
  llvm::BasicBlock* inline_bb = Block("out.scalar");
  llvm::BasicBlock* boxed = Block("out.boxed");
  llvm::BasicBlock* done = Block("out.done");
  b_.CreateCondBr(IsScalar(v.kind), inline_bb, boxed, Likely());
  b_.SetInsertPoint(inline_bb);
  b_.CreateStore(v.kind, b_.CreateConstGEP1_64(i8_, dst, layout_.kind_offset));
  b_.CreateStore(v.bits, b_.CreateBitCast(b_.CreateConstGEP1_64(i8_, dst, layout_.payload_offset),
                                          i64_->getPointerTo()));
  b_.CreateBr(done);
  b_.SetInsertPoint(boxed);
  Check(b_.CreateCall(store_, {rt_, dst, TaggedArray({v})}));
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

llvm::Value* CodeGen::Temp(uint32_t site) {
  return b_.CreateConstGEP1_64(i8_, temps_, static_cast<uint64_t>(site) * layout_.size);
}

// Calls a site entry point (call, make or eval); its result is read back
// from the site's temp.
TV CodeGen::RuntimeCall(llvm::FunctionCallee fn, uint32_t site, const std::vector<TV>& args) {
  llvm::Value* out = Temp(site);
  Check(b_.CreateCall(fn, {rt_, b_.getInt32(site), TaggedArray(args),
                           b_.getInt32(static_cast<uint32_t>(args.size())), out}));
  return LoadTagged(out);
}

// Fails at argument `arg` of site `site` unless `v` is a bool.
void CodeGen::RequireBool(const TV& v, uint32_t site, uint32_t arg) {
  llvm::BasicBlock* ok = Block("bool.ok");
  llvm::BasicBlock* bad = Block("bool.bad");
  b_.CreateCondBr(Is(v, ValueKind::kBool), ok, bad, Likely());
  b_.SetInsertPoint(bad);
  b_.CreateCall(not_bool_, {rt_, b_.getInt32(site), b_.getInt32(arg), TaggedArray({v})});
  b_.CreateBr(err_);
  b_.SetInsertPoint(ok);
}

llvm::Function* EmitLoop(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod,
                         const std::string& name) {
  CodeGen gen(plan, ctx, mod, Value::GetLayout());
  return plan.source == LoopSource::kScan ? gen.BuildScan(name) : gen.Build(name);
}

const char* const kEntryPointNames[kNumEntryPoints] = {
    "fql_rt_call",      "fql_rt_make", "fql_rt_eval", "fql_rt_not_bool", "fql_rt_tick",
    "fql_rt_store",     "fql_rt_next", "fql_rt_elem", "fql_rt_doc_read", "fql_rt_emit",
    "fql_rt_doc_probe", "fql_rt_bind", "fql_rt_keep"};

}  // namespace fqldb::jit::internal
