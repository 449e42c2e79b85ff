// Lowers expressions of a lambda body to LLVM IR: constants, variables, Let,
// literals, calls (inline fast paths, runtime calls, interpreter subtrees)
// and a scan's reads of stored fields.
#include <llvm/IR/Intrinsics.h>

#include "compiler/jit/internal/codegen.h"

namespace fqldb::jit::internal {

using frontend::BoundCall;
using frontend::BoundConstant;
using frontend::BoundKind;
using frontend::BoundLet;
using frontend::BoundNode;
using frontend::BoundVar;
using frontend::BuiltinId;

// Ends the current block with a jump to `merge`, recording `v`.
void CodeGen::Arrive(Incoming* in, llvm::BasicBlock* merge, const TV& v) {
  in->emplace_back(b_.GetInsertBlock(), v);
  b_.CreateBr(merge);
}

TV CodeGen::Merge(llvm::BasicBlock* merge, const Incoming& in) {
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
TV CodeGen::SlowPathAndMerge(llvm::BasicBlock* slow, llvm::BasicBlock* merge, Incoming* in,
                             uint32_t site, const std::vector<TV>& args) {
  b_.SetInsertPoint(slow);
  Arrive(in, merge, RuntimeCall(call_, site, args));
  return Merge(merge, *in);
}

TV CodeGen::Lower(const BoundNode& n, int depth) {
  switch (n.kind) {
    case BoundKind::kConstant: {
      const Value& v = n.Cast<BoundConstant>().value;
      llvm::Value* p = b_.CreateLoad(ptr_, b_.CreateConstGEP1_64(ptr_, inputs_, const_of_.at(&v)));
      llvm::Value* bits = v.is_null() ? b_.getInt64(0) : Field(p, layout_.payload_offset, i64_);
      return TV{b_.getInt8(K(v.kind())), bits, p};
    }
    case BoundKind::kVar: {
      const auto& v = n.Cast<BoundVar>();
      if (v.hops != 0) return Captured(v.hops, v.slot);
      if (v.slot == scan_param_) return ScanElement();
      if (int site = lazy_.at(static_cast<size_t>(v.slot)); site >= 0) {
        return LowerDocRead(static_cast<uint32_t>(site));
      }
      return Local(static_cast<size_t>(v.slot));
    }
    case BoundKind::kLet: {
      const auto& l = n.Cast<BoundLet>();
      auto saved = locals_;
      auto saved_lazy = lazy_;
      for (size_t i = 0; i < l.values.size(); ++i) {
        auto slot = static_cast<size_t>(l.slots[i]);
        const BoundNode& value = *l.values[i];
        if (value.kind == BoundKind::kCall &&
            value.Cast<BoundCall>().builtin->id == BuiltinId::kGet &&
            plan_.doc_site.at(site_of_.at(&value))) {
          // Get(x) of the scanned document: bound without reading it (uses
          // read it, or just their fields), once the runtime has said it
          // cannot fail, as the interpreter's Get would not here.
          uint32_t site = site_of_.at(&value);
          llvm::Value* rc = b_.CreateCall(doc_probe_, {rt_, DocRef(site)});
          llvm::BasicBlock* ok = Block("probe.ok");
          llvm::BasicBlock* other = Block("probe.other");
          llvm::BasicBlock* give_up = Block("probe.give_up");
          b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), ok, other, Likely());
          b_.SetInsertPoint(other);
          b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(1)), give_up, err_);
          b_.SetInsertPoint(give_up);
          b_.CreateRet(b_.getInt64(-2));
          b_.SetInsertPoint(ok);
          lazy_.at(slot) = static_cast<int>(site);
          locals_.at(slot) = std::nullopt;
          continue;
        }
        TV v = Lower(value, depth + 1);
        lazy_.at(slot) = -1;
        locals_.at(slot) = v;
      }
      TV out = Lower(*l.body, depth + 1);
      locals_ = std::move(saved);
      lazy_ = std::move(saved_lazy);
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

TV CodeGen::Captured(int hops, int slot) {
  uint32_t idx =
      static_cast<uint32_t>(plan_.consts.size()) + capture_of_.at(Pack(lambda_, hops, slot));
  return LoadTagged(b_.CreateLoad(ptr_, b_.CreateConstGEP1_64(ptr_, inputs_, idx)));
}

std::vector<TV> CodeGen::Frame(const BoundNode& subtree) {
  std::vector<TV> frame;
  for (size_t i = 0; i < locals_.size(); ++i) {
    if (static_cast<int>(i) == scan_param_) {
      frame.push_back(ScanElement());
    } else if (lazy_[i] >= 0 && UsesSlot(subtree, static_cast<int>(i))) {
      frame.push_back(LowerDocRead(static_cast<uint32_t>(lazy_[i])));
    } else {
      frame.push_back(Local(i));
    }
  }
  return frame;
}

llvm::Value* CodeGen::DocRef(uint32_t site) {
  int slot = plan_.doc_ref_slot.at(site);
  if (slot < 0) return Null();
  return TaggedArray({Local(static_cast<size_t>(slot))});
}

// Built where it is used (rarely: most scans read only fields), so that
// nothing has to dominate every use.
TV CodeGen::ScanElement() {
  llvm::Value* out = Temp(static_cast<uint32_t>(plan_.elem_temp()));
  Check(b_.CreateCall(elem_, {rt_, out}));
  return LoadTagged(out);
}

TV CodeGen::LowerDocRead(uint32_t site) {
  llvm::Value* tagged = TaggedSlots(1, "doc.value");
  llvm::Value* rc = b_.CreateCall(doc_read_, {rt_, b_.getInt32(site), DocRef(site),
                                              b_.CreateBitCast(tagged, ptr_), Temp(site)});
  llvm::BasicBlock* fast = Block("doc.fast");
  llvm::BasicBlock* check = Block("doc.check");
  llvm::BasicBlock* slow = Block("doc.slow");
  llvm::BasicBlock* merge = Block("doc.done");
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(0)), fast, check, Likely());
  b_.SetInsertPoint(check);
  b_.CreateCondBr(b_.CreateICmpEQ(rc, b_.getInt32(1)), slow, err_, Likely());
  Incoming in;
  b_.SetInsertPoint(fast);
  Arrive(&in, merge, LoadTaggedStruct(tagged));
  // The interpreter evaluates the whole site: its Get reads the same
  // version, and a missing field fails (or takes the default) as usual.
  b_.SetInsertPoint(slow);
  Arrive(&in, merge, RuntimeCall(eval_, site, Frame(*plan_.sites[site])));
  return Merge(merge, in);
}

TV CodeGen::LowerCall(const BoundCall& c, int depth) {
  uint32_t site = site_of_.at(&c);
  if (plan_.doc_site.at(site)) return LowerDocRead(site);
  switch (Classify(c, *plan_.implemented)) {
    case LowerAs::kEval:
      return RuntimeCall(eval_, site, Frame(c));
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

TV CodeGen::LowerIf(const BoundCall& c, uint32_t site, int depth) {
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
TV CodeGen::LowerShortCircuit(const BoundCall& c, uint32_t site, int depth, bool stop_on) {
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

TV CodeGen::LowerNot(uint32_t site, const std::vector<TV>& args) {
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
TV CodeGen::LowerEquals(uint32_t site, const std::vector<TV>& args) {
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
TV CodeGen::LowerCompare(BuiltinId id, uint32_t site, const std::vector<TV>& args) {
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
TV CodeGen::LowerArith(BuiltinId id, uint32_t site, const std::vector<TV>& args) {
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

}  // namespace fqldb::jit::internal
