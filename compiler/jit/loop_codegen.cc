// Lowers a planned loop (LoopPlan) to LLVM IR: one function that walks the
// elements and evaluates the lambda body inline. Values are carried as
// (kind, bits, box) triples; see loop_jit.h for the contract with the runtime.
#include "compiler/jit/internal/loop_codegen.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <unordered_map>

#include "compiler/jit/internal/loop_internal.h"

namespace fqldb::jit::internal {

namespace {

using frontend::BoundCall;
using frontend::BoundConstant;
using frontend::BoundKind;
using frontend::BoundLet;
using frontend::BoundNode;
using frontend::BoundVar;
using frontend::BuiltinId;

constexpr uint64_t kTickMask = 4095;  // check the deadline every 4096 elements

uint8_t K(ValueKind k) { return static_cast<uint8_t>(k); }

// One FQL value in generated code.
struct TV {
  llvm::Value* kind;  // i8
  llvm::Value* bits;  // i64
  llvm::Value* box;   // i8*, may be null for scalar kinds
};

class CodeGen {
 public:
  CodeGen(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod, Value::Layout layout)
      : plan_(plan), ctx_(ctx), mod_(mod), b_(ctx), layout_(layout) {
    i1_ = b_.getInt1Ty();
    i8_ = b_.getInt8Ty();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    f64_ = b_.getDoubleTy();
    ptr_ = b_.getInt8PtrTy();
    tagged_ = llvm::StructType::create(ctx_, {i8_, i64_, ptr_}, "fql.tagged");
    for (size_t i = 0; i < plan.sites.size(); ++i)
      site_of_[plan.sites[i]] = static_cast<uint32_t>(i);
    for (size_t i = 0; i < plan.consts.size(); ++i)
      const_of_[plan.consts[i]] = static_cast<uint32_t>(i);
    for (size_t i = 0; i < plan.captures.size(); ++i)
      capture_of_[Pack(plan.captures[i])] = static_cast<uint32_t>(i);
  }

  llvm::Function* Build(const std::string& name) {
    DeclareRuntime();
    auto* fn_type =
        llvm::FunctionType::get(i64_, {ptr_, ptr_, i64_, ptr_, ptr_, ptr_, ptr_}, false);
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
    llvm::Value* elem =
        b_.CreateGEP(i8_, data_, b_.CreateMul(i, b_.getInt64(layout_.size)), "elem");
    TV x = LoadTagged(elem);
    locals_.assign(static_cast<size_t>(plan_.lambda->frame_size), std::nullopt);
    if (reduce) {
      locals_.at(0) = TV{acc_kind, acc_bits, acc_box};
      locals_.at(1) = x;
    } else {
      locals_.at(0) = x;
    }
    TV r = Lower(*plan_.lambda->body, 1);

    TV next_acc{};
    llvm::Value* next_kept = kept;
    switch (plan_.kind) {
      case LoopKind::kMap: WriteOut(b_.CreateGEP(i8_, out_, b_.CreateMul(i, b_.getInt64(layout_.size))), r); break;
      case LoopKind::kForeach: break;
      case LoopKind::kFilter: {
        RequireBool(r, /*site=*/0, /*arg=*/1);
        llvm::BasicBlock* keep = Block("filter.keep");
        llvm::BasicBlock* skip = Block("filter.next");
        llvm::BasicBlock* from = b_.GetInsertBlock();
        b_.CreateCondBr(Truth(r), keep, skip);
        b_.SetInsertPoint(keep);
        WriteOut(b_.CreateGEP(i8_, out_, b_.CreateMul(kept, b_.getInt64(layout_.size))), x);
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
      case LoopKind::kReduce: {
        // A scalar result stays in registers; anything else is kept alive
        // in the accumulator slot (temps are rewritten by the next element).
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
        next_acc = TV{r.kind, r.bits, box};
        break;
      }
    }
    llvm::Value* i_next = b_.CreateAdd(i, b_.getInt64(1), "i.next");
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    llvm::BasicBlock* tick = Block("tick");
    b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateAnd(i_next, b_.getInt64(kTickMask)), b_.getInt64(0)),
                    tick, head, Unlikely());
    b_.SetInsertPoint(tick);
    llvm::Value* rc = b_.CreateCall(tick_, {rt_});
    b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), head, err_, Likely());
    for (llvm::BasicBlock* from : {latch, tick}) {
      i->addIncoming(i_next, from);
      kept->addIncoming(next_kept, from);
      if (reduce) {
        acc_kind->addIncoming(next_acc.kind, from);
        acc_bits->addIncoming(next_acc.bits, from);
        acc_box->addIncoming(next_acc.box, from);
      }
    }

    b_.SetInsertPoint(exit);
    if (reduce) {
      // A scalar accumulator lives only in registers: write it out.
      TV acc{acc_kind, acc_bits, acc_box};
      llvm::BasicBlock* write = Block("acc.write");
      llvm::BasicBlock* ret = Block("return");
      b_.CreateCondBr(IsScalar(acc.kind), write, ret);
      b_.SetInsertPoint(write);
      Check(b_.CreateCall(store_, {rt_, acc_, TaggedArray({acc})}));
      b_.CreateBr(ret);
      b_.SetInsertPoint(ret);
    }
    llvm::Value* written = plan_.kind == LoopKind::kMap      ? size_
                           : plan_.kind == LoopKind::kFilter ? static_cast<llvm::Value*>(kept)
                                                             : b_.getInt64(0);
    b_.CreateRet(written);
    return fn_;
  }

 private:
  static uint64_t Pack(std::pair<int, int> p) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(p.first)) << 32) |
           static_cast<uint32_t>(p.second);
  }

  void DeclareRuntime() {
    auto* site_fn = llvm::FunctionType::get(i32_, {ptr_, i32_, ptr_, i32_, ptr_}, false);
    call_ = mod_.getOrInsertFunction("fql_rt_call", site_fn);
    make_ = mod_.getOrInsertFunction("fql_rt_make", site_fn);
    eval_ = mod_.getOrInsertFunction("fql_rt_eval", site_fn);
    not_bool_ = mod_.getOrInsertFunction(
        "fql_rt_not_bool", llvm::FunctionType::get(i32_, {ptr_, i32_, i32_, ptr_}, false));
    tick_ = mod_.getOrInsertFunction("fql_rt_tick", llvm::FunctionType::get(i32_, {ptr_}, false));
    store_ = mod_.getOrInsertFunction("fql_rt_store", llvm::FunctionType::get(i32_, {ptr_, ptr_, ptr_}, false));
  }

  llvm::BasicBlock* Block(const char* name) { return llvm::BasicBlock::Create(ctx_, name, fn_); }
  llvm::MDNode* Likely() { return llvm::MDBuilder(ctx_).createBranchWeights(2000, 1); }
  llvm::MDNode* Unlikely() { return llvm::MDBuilder(ctx_).createBranchWeights(1, 2000); }

  // Continues on a fresh block when `rc` is 0; otherwise returns an error.
  void Check(llvm::Value* rc) {
    llvm::BasicBlock* ok = Block("ok");
    b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), ok, err_, Likely());
    b_.SetInsertPoint(ok);
  }

  llvm::Value* Field(llvm::Value* value_ptr, size_t offset, llvm::Type* type) {
    llvm::Value* p = b_.CreateConstGEP1_64(i8_, value_ptr, offset);
    return b_.CreateLoad(type, b_.CreateBitCast(p, type->getPointerTo()));
  }

  TV LoadTagged(llvm::Value* value_ptr) {
    return TV{Field(value_ptr, layout_.kind_offset, i8_),
              Field(value_ptr, layout_.payload_offset, i64_), value_ptr};
  }

  llvm::Value* Null() { return llvm::ConstantPointerNull::get(ptr_); }
  TV Scalar(ValueKind k, llvm::Value* bits) { return TV{b_.getInt8(K(k)), bits, Null()}; }
  TV BoolTV(llvm::Value* i1) { return Scalar(ValueKind::kBool, b_.CreateZExt(i1, i64_)); }
  llvm::Value* Is(const TV& v, ValueKind k) { return b_.CreateICmpEQ(v.kind, b_.getInt8(K(k))); }
  llvm::Value* IsScalar(llvm::Value* kind) {
    return b_.CreateICmpULE(kind, b_.getInt8(K(ValueKind::kDouble)));
  }
  llvm::Value* Truth(const TV& v) { return b_.CreateTrunc(v.bits, i1_); }
  llvm::Value* AsDouble(llvm::Value* bits) { return b_.CreateBitCast(bits, f64_); }

  // An array of Tagged for a runtime call, in an entry-block alloca.
  llvm::Value* TaggedArray(const std::vector<TV>& vals) {
    llvm::IRBuilder<> eb(entry_, entry_->begin());
    llvm::AllocaInst* arr = eb.CreateAlloca(
        tagged_, b_.getInt32(static_cast<uint32_t>(std::max<size_t>(1, vals.size()))));
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
  void WriteOut(llvm::Value* dst, const TV& v) {
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

  llvm::Value* Temp(uint32_t site) {
    return b_.CreateConstGEP1_64(i8_, temps_, static_cast<uint64_t>(site) * layout_.size);
  }

  // Calls a site entry point (call, make or eval); its result is read back
  // from the site's temp.
  TV RuntimeCall(llvm::FunctionCallee fn, uint32_t site, const std::vector<TV>& args) {
    llvm::Value* out = Temp(site);
    Check(b_.CreateCall(fn, {rt_, b_.getInt32(site), TaggedArray(args),
                             b_.getInt32(static_cast<uint32_t>(args.size())), out}));
    return LoadTagged(out);
  }

  // Fails at argument `arg` of site `site` unless `v` is a bool.
  void RequireBool(const TV& v, uint32_t site, uint32_t arg) {
    llvm::BasicBlock* ok = Block("bool.ok");
    llvm::BasicBlock* bad = Block("bool.bad");
    b_.CreateCondBr(Is(v, ValueKind::kBool), ok, bad, Likely());
    b_.SetInsertPoint(bad);
    b_.CreateCall(not_bool_, {rt_, b_.getInt32(site), b_.getInt32(arg), TaggedArray({v})});
    b_.CreateBr(err_);
    b_.SetInsertPoint(ok);
  }

  using Incoming = std::vector<std::pair<llvm::BasicBlock*, TV>>;

  // Ends the current block with a jump to `merge`, recording `v`.
  void Arrive(Incoming* in, llvm::BasicBlock* merge, const TV& v) {
    in->emplace_back(b_.GetInsertBlock(), v);
    b_.CreateBr(merge);
  }

  TV Merge(llvm::BasicBlock* merge, const Incoming& in) {
    b_.SetInsertPoint(merge);
    llvm::PHINode* k = b_.CreatePHI(i8_, in.size());
    llvm::PHINode* bits = b_.CreatePHI(i64_, in.size());
    llvm::PHINode* box = b_.CreatePHI(ptr_, in.size());
    for (const auto& [from, v] : in) {
      k->addIncoming(v.kind, from);
      bits->addIncoming(v.bits, from);
      box->addIncoming(v.box, from);
    }
    return TV{k, bits, box};
  }

  // The slow path of an inline operation: the builtin itself, through the
  // runtime; then the merge of every path's value.
  TV SlowPathAndMerge(llvm::BasicBlock* slow, llvm::BasicBlock* merge, Incoming* in, uint32_t site,
                      const std::vector<TV>& args) {
    b_.SetInsertPoint(slow);
    Arrive(in, merge, RuntimeCall(call_, site, args));
    return Merge(merge, *in);
  }

  TV Lower(const BoundNode& n, int depth) {
    switch (n.kind) {
      case BoundKind::kConstant: {
        const Value& v = n.Cast<BoundConstant>().value;
        llvm::Value* p =
            b_.CreateLoad(ptr_, b_.CreateConstGEP1_64(ptr_, inputs_, const_of_.at(&v)));
        llvm::Value* bits = v.is_null() ? b_.getInt64(0) : Field(p, layout_.payload_offset, i64_);
        return TV{b_.getInt8(K(v.kind())), bits, p};
      }
      case BoundKind::kVar: {
        const auto& v = n.Cast<BoundVar>();
        if (v.hops == 0) {
          const auto& local = locals_.at(static_cast<size_t>(v.slot));
          return local ? *local : Scalar(ValueKind::kNull, b_.getInt64(0));
        }
        uint32_t idx =
            static_cast<uint32_t>(plan_.consts.size()) + capture_of_.at(Pack({v.hops, v.slot}));
        return LoadTagged(b_.CreateLoad(ptr_, b_.CreateConstGEP1_64(ptr_, inputs_, idx)));
      }
      case BoundKind::kLet: {
        const auto& l = n.Cast<BoundLet>();
        auto saved = locals_;
        for (size_t i = 0; i < l.values.size(); ++i) {
          TV v = Lower(*l.values[i], depth + 1);
          locals_.at(static_cast<size_t>(l.slots[i])) = v;
        }
        TV out = Lower(*l.body, depth + 1);
        locals_ = std::move(saved);
        return out;
      }
      case BoundKind::kArray:
      case BoundKind::kObject: {
        const auto& parts = n.kind == BoundKind::kArray ? n.Cast<frontend::BoundArray>().elems
                                                        : n.Cast<frontend::BoundObject>().values;
        std::vector<TV> vals;
        for (const auto& p : parts) vals.push_back(Lower(*p, depth + 1));
        return RuntimeCall(make_, site_of_.at(&n), vals);
      }
      case BoundKind::kCall:
        return LowerCall(n.Cast<BoundCall>(), depth);
      case BoundKind::kLambda:
        break;  // PlanLoop refuses these
    }
    FQL_CHECK(false);
    return TV{};
  }

  TV LowerCall(const BoundCall& c, int depth) {
    uint32_t site = site_of_.at(&c);
    switch (Classify(c, *plan_.implemented)) {
      case LowerAs::kEval: {
        std::vector<TV> frame;
        for (const auto& l : locals_)
          frame.push_back(l ? *l : Scalar(ValueKind::kNull, b_.getInt64(0)));
        return RuntimeCall(eval_, site, frame);
      }
      case LowerAs::kCall: {
        std::vector<TV> args;
        for (const auto& a : c.args) args.push_back(Lower(*a, depth + 1));
        return RuntimeCall(call_, site, args);
      }
      case LowerAs::kInline:
        break;
    }
    BuiltinId id = c.builtin->id;
    if (id == BuiltinId::kIf) return LowerIf(c, site, depth);
    if (id == BuiltinId::kAnd || id == BuiltinId::kOr)
      return LowerShortCircuit(c, site, depth, id == BuiltinId::kOr);
    std::vector<TV> args;
    for (const auto& a : c.args) args.push_back(Lower(*a, depth + 1));
    switch (id) {
      case BuiltinId::kNot:
        return LowerNot(site, args);
      case BuiltinId::kEquals:
        return LowerEquals(site, args);
      case BuiltinId::kLT:
      case BuiltinId::kLTE:
      case BuiltinId::kGT:
      case BuiltinId::kGTE:
        return LowerCompare(id, site, args);
      default:
        return LowerArith(id, site, args);
    }
  }

  TV LowerIf(const BoundCall& c, uint32_t site, int depth) {
    TV cond = Lower(*c.args[0], depth + 1);
    RequireBool(cond, site, 0);
    llvm::BasicBlock* then_bb = Block("if.then");
    llvm::BasicBlock* else_bb = Block("if.else");
    llvm::BasicBlock* merge = Block("if.done");
    b_.CreateCondBr(Truth(cond), then_bb, else_bb);
    Incoming in;
    b_.SetInsertPoint(then_bb);
    Arrive(&in, merge, Lower(*c.args[1], depth + 1));
    b_.SetInsertPoint(else_bb);
    Arrive(&in, merge, Lower(*c.args[2], depth + 1));
    return Merge(merge, in);
  }

  // And/Or with two or more arguments: evaluate in order, stop at the
  // first deciding value; each must be a bool.
  TV LowerShortCircuit(const BoundCall& c, uint32_t site, int depth, bool stop_on) {
    llvm::BasicBlock* merge = Block("logic.done");
    Incoming in;
    for (size_t i = 0; i < c.args.size(); ++i) {
      TV v = Lower(*c.args[i], depth + 1);
      RequireBool(v, site, static_cast<uint32_t>(i));
      if (i + 1 == c.args.size()) {
        Arrive(&in, merge, BoolTV(Truth(v)));
        break;
      }
      llvm::BasicBlock* next = Block("logic.next");
      llvm::BasicBlock* decided = Block("logic.decided");
      b_.CreateCondBr(b_.CreateICmpEQ(Truth(v), b_.getInt1(stop_on)), decided, next);
      b_.SetInsertPoint(decided);
      Arrive(&in, merge, BoolTV(b_.getInt1(stop_on)));
      b_.SetInsertPoint(next);
    }
    return Merge(merge, in);
  }

  TV LowerNot(uint32_t site, const std::vector<TV>& args) {
    llvm::BasicBlock* fast = Block("not.fast");
    llvm::BasicBlock* slow = Block("not.slow");
    llvm::BasicBlock* merge = Block("not.done");
    Incoming in;
    b_.CreateCondBr(Is(args[0], ValueKind::kBool), fast, slow, Likely());
    b_.SetInsertPoint(fast);
    Arrive(&in, merge, BoolTV(b_.CreateNot(Truth(args[0]))));
    return SlowPathAndMerge(slow, merge, &in, site, args);
  }

  // Equals of two values: scalars compare inline (different kinds are never
  // equal; doubles by ==), everything else through the builtin.
  TV LowerEquals(uint32_t site, const std::vector<TV>& args) {
    const TV& a = args[0];
    const TV& c = args[1];
    llvm::BasicBlock* scalars = Block("eq.scalars");
    llvm::BasicBlock* same = Block("eq.same");
    llvm::BasicBlock* dbl = Block("eq.double");
    llvm::BasicBlock* other = Block("eq.bits");
    llvm::BasicBlock* slow = Block("eq.slow");
    llvm::BasicBlock* merge = Block("eq.done");
    Incoming in;
    b_.CreateCondBr(b_.CreateAnd(IsScalar(a.kind), IsScalar(c.kind)), scalars, slow, Likely());
    b_.SetInsertPoint(scalars);
    llvm::BasicBlock* differ = Block("eq.differ");
    b_.CreateCondBr(b_.CreateICmpEQ(a.kind, c.kind), same, differ);
    b_.SetInsertPoint(differ);
    Arrive(&in, merge, BoolTV(b_.getInt1(false)));
    b_.SetInsertPoint(same);
    b_.CreateCondBr(Is(a, ValueKind::kDouble), dbl, other);
    b_.SetInsertPoint(dbl);
    Arrive(&in, merge, BoolTV(b_.CreateFCmpOEQ(AsDouble(a.bits), AsDouble(c.bits))));
    b_.SetInsertPoint(other);
    // Null equals null; a bool lives in bit 0; a long in all 64 bits.
    llvm::Value* is_bool = Is(a, ValueKind::kBool);
    llvm::Value* mask = b_.CreateSelect(is_bool, b_.getInt64(1), b_.getInt64(~0ULL));
    llvm::Value* eq = b_.CreateICmpEQ(b_.CreateAnd(a.bits, mask), b_.CreateAnd(c.bits, mask));
    Arrive(&in, merge, BoolTV(b_.CreateOr(Is(a, ValueKind::kNull), eq)));
    return SlowPathAndMerge(slow, merge, &in, site, args);
  }

  // LT/LTE/GT/GTE of two longs or two doubles inline; mixed numbers and
  // every other kind through the builtin (CompareByValue decides those).
  TV LowerCompare(BuiltinId id, uint32_t site, const std::vector<TV>& args) {
    const TV& a = args[0];
    const TV& c = args[1];
    llvm::CmpInst::Predicate ip, fp;
    switch (id) {
      case BuiltinId::kLT:
        ip = llvm::CmpInst::ICMP_SLT;
        fp = llvm::CmpInst::FCMP_OLT;
        break;
      case BuiltinId::kLTE:
        ip = llvm::CmpInst::ICMP_SLE;
        fp = llvm::CmpInst::FCMP_OLE;
        break;
      case BuiltinId::kGT:
        ip = llvm::CmpInst::ICMP_SGT;
        fp = llvm::CmpInst::FCMP_OGT;
        break;
      default:
        ip = llvm::CmpInst::ICMP_SGE;
        fp = llvm::CmpInst::FCMP_OGE;
        break;
    }
    llvm::BasicBlock* longs = Block("cmp.long");
    llvm::BasicBlock* check = Block("cmp.check");
    llvm::BasicBlock* dbl = Block("cmp.double");
    llvm::BasicBlock* ordered = Block("cmp.ordered");
    llvm::BasicBlock* slow = Block("cmp.slow");
    llvm::BasicBlock* merge = Block("cmp.done");
    Incoming in;
    b_.CreateCondBr(b_.CreateAnd(Is(a, ValueKind::kLong), Is(c, ValueKind::kLong)), longs, check,
                    Likely());
    b_.SetInsertPoint(longs);
    Arrive(&in, merge, BoolTV(b_.CreateICmp(ip, a.bits, c.bits)));
    b_.SetInsertPoint(check);
    b_.CreateCondBr(b_.CreateAnd(Is(a, ValueKind::kDouble), Is(c, ValueKind::kDouble)), dbl, slow);
    b_.SetInsertPoint(dbl);
    llvm::Value* da = AsDouble(a.bits);
    llvm::Value* dc = AsDouble(c.bits);
    b_.CreateCondBr(b_.CreateFCmpORD(da, dc), ordered, slow);
    b_.SetInsertPoint(ordered);
    Arrive(&in, merge, BoolTV(b_.CreateFCmp(fp, da, dc)));
    return SlowPathAndMerge(slow, merge, &in, site, args);
  }

  // Add/Subtract/Multiply/Divide/Modulo of two numbers: longs with overflow
  // checks, doubles when either is one; anything that would fail (overflow,
  // division by zero, a non-finite result, a non-number) takes the slow
  // path, where the builtin itself produces the error.
  TV LowerArith(BuiltinId id, uint32_t site, const std::vector<TV>& args) {
    const TV& a = args[0];
    const TV& c = args[1];
    llvm::BasicBlock* longs = Block("arith.long");
    llvm::BasicBlock* check = Block("arith.check");
    llvm::BasicBlock* dbl = Block("arith.double");
    llvm::BasicBlock* slow = Block("arith.slow");
    llvm::BasicBlock* merge = Block("arith.done");
    Incoming in;
    llvm::Value* a_long = Is(a, ValueKind::kLong);
    llvm::Value* c_long = Is(c, ValueKind::kLong);
    b_.CreateCondBr(b_.CreateAnd(a_long, c_long), longs, check, Likely());

    b_.SetInsertPoint(longs);
    llvm::Value* r = nullptr;
    auto guard = [&](llvm::Value* bad) {
      llvm::BasicBlock* ok = Block("arith.ok");
      b_.CreateCondBr(bad, slow, ok, Unlikely());
      b_.SetInsertPoint(ok);
    };
    if (id == BuiltinId::kAdd || id == BuiltinId::kSubtract || id == BuiltinId::kMultiply) {
      llvm::Intrinsic::ID op = id == BuiltinId::kAdd        ? llvm::Intrinsic::sadd_with_overflow
                               : id == BuiltinId::kSubtract ? llvm::Intrinsic::ssub_with_overflow
                                                            : llvm::Intrinsic::smul_with_overflow;
      llvm::Value* res =
          b_.CreateCall(llvm::Intrinsic::getDeclaration(&mod_, op, {i64_}), {a.bits, c.bits});
      guard(b_.CreateExtractValue(res, 1));
      r = b_.CreateExtractValue(res, 0);
    } else if (id == BuiltinId::kDivide) {
      llvm::Value* min_by_minus_one = b_.CreateAnd(b_.CreateICmpEQ(a.bits, b_.getInt64(INT64_MIN)),
                                                   b_.CreateICmpEQ(c.bits, b_.getInt64(-1)));
      guard(b_.CreateOr(b_.CreateICmpEQ(c.bits, b_.getInt64(0)), min_by_minus_one));
      r = b_.CreateSDiv(a.bits, c.bits);
    } else {
      guard(b_.CreateICmpEQ(c.bits, b_.getInt64(0)));
      // x % -1 is 0 (and INT64_MIN % -1 would trap in hardware).
      llvm::Value* minus_one = b_.CreateICmpEQ(c.bits, b_.getInt64(-1));
      llvm::Value* divisor = b_.CreateSelect(minus_one, b_.getInt64(1), c.bits);
      r = b_.CreateSelect(minus_one, b_.getInt64(0), b_.CreateSRem(a.bits, divisor));
    }
    Arrive(&in, merge, Scalar(ValueKind::kLong, r));

    b_.SetInsertPoint(check);
    llvm::Value* a_num = b_.CreateOr(a_long, Is(a, ValueKind::kDouble));
    llvm::Value* c_num = b_.CreateOr(c_long, Is(c, ValueKind::kDouble));
    b_.CreateCondBr(b_.CreateAnd(a_num, c_num), dbl, slow);

    b_.SetInsertPoint(dbl);
    llvm::Value* da = b_.CreateSelect(a_long, b_.CreateSIToFP(a.bits, f64_), AsDouble(a.bits));
    llvm::Value* dc = b_.CreateSelect(c_long, b_.CreateSIToFP(c.bits, f64_), AsDouble(c.bits));
    llvm::Value* d = nullptr;
    switch (id) {
      case BuiltinId::kAdd:
        d = b_.CreateFAdd(da, dc);
        break;
      case BuiltinId::kSubtract:
        d = b_.CreateFSub(da, dc);
        break;
      case BuiltinId::kMultiply:
        d = b_.CreateFMul(da, dc);
        break;
      case BuiltinId::kDivide:
        guard(b_.CreateFCmpOEQ(dc, llvm::ConstantFP::get(f64_, 0.0)));
        d = b_.CreateFDiv(da, dc);
        break;
      default:
        guard(b_.CreateFCmpOEQ(dc, llvm::ConstantFP::get(f64_, 0.0)));
        d = b_.CreateFRem(da, dc);
        break;
    }
    llvm::Value* magnitude = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, d);
    guard(b_.CreateNot(b_.CreateFCmpOLT(magnitude, llvm::ConstantFP::getInfinity(f64_))));
    Arrive(&in, merge, Scalar(ValueKind::kDouble, b_.CreateBitCast(d, i64_)));

    return SlowPathAndMerge(slow, merge, &in, site, args);
  }

  const LoopPlan& plan_;
  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  llvm::IRBuilder<> b_;
  Value::Layout layout_;
  llvm::Type *i1_, *i8_, *i32_, *i64_, *f64_;
  llvm::PointerType* ptr_;
  llvm::StructType* tagged_;
  std::unordered_map<const BoundNode*, uint32_t> site_of_;
  std::unordered_map<const Value*, uint32_t> const_of_;
  std::unordered_map<uint64_t, uint32_t> capture_of_;
  llvm::FunctionCallee call_, make_, eval_, not_bool_, tick_, store_;
  llvm::Function* fn_ = nullptr;
  llvm::Value *rt_ = nullptr, *data_ = nullptr, *size_ = nullptr, *inputs_ = nullptr,
              *temps_ = nullptr, *acc_ = nullptr, *out_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  llvm::BasicBlock* err_ = nullptr;
  std::vector<std::optional<TV>> locals_;
};

}  // namespace

llvm::Function* EmitLoop(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod,
                         const std::string& name) {
  return CodeGen(plan, ctx, mod, Value::GetLayout()).Build(name);
}

const char* const kEntryPointNames[kNumEntryPoints] = {
    "fql_rt_call", "fql_rt_make", "fql_rt_eval",       "fql_rt_not_bool",
    "fql_rt_tick", "fql_rt_store"};

}  // namespace fqldb::jit::internal
