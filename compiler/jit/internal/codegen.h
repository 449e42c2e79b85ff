#pragma once

// The code generator's state, shared by loop_codegen.cc (the loops: over an
// array, over a scan) and loop_lower.cc (expressions). compiler/jit only.
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compiler/jit/internal/loop_internal.h"

namespace fqldb::jit::internal {

inline uint8_t K(ValueKind k) { return static_cast<uint8_t>(k); }

// One FQL value in generated code.
struct TV {
  llvm::Value* kind;  // i8
  llvm::Value* bits;  // i64
  llvm::Value* box;   // i8*, may be null for scalar kinds
};

class CodeGen {
 public:
  CodeGen(const LoopPlan& plan, llvm::LLVMContext& ctx, llvm::Module& mod, Value::Layout layout);

  // The loop over an array (LoopSource::kArray).
  llvm::Function* Build(const std::string& name);
  // The loop over a scan (LoopSource::kScan).
  llvm::Function* BuildScan(const std::string& name);

 private:
  // --- loop_codegen.cc: the function, runtime calls, values in memory.
  void BeginFunction(const std::string& name);
  void DeclareRuntime();
  llvm::BasicBlock* Block(const char* name) { return llvm::BasicBlock::Create(ctx_, name, fn_); }
  llvm::MDNode* Likely() { return llvm::MDBuilder(ctx_).createBranchWeights(2000, 1); }
  llvm::MDNode* Unlikely() { return llvm::MDBuilder(ctx_).createBranchWeights(1, 2000); }
  // Continues on a fresh block when `rc` is 0; otherwise returns an error.
  void Check(llvm::Value* rc);
  llvm::Value* Field(llvm::Value* value_ptr, size_t offset, llvm::Type* type);
  TV LoadTagged(llvm::Value* value_ptr);
  // A Tagged (in memory a runtime call wrote) as a value.
  TV LoadTaggedStruct(llvm::Value* tagged);
  llvm::Value* Null() { return llvm::ConstantPointerNull::get(ptr_); }
  TV Scalar(ValueKind k, llvm::Value* bits) { return TV{b_.getInt8(K(k)), bits, Null()}; }
  TV BoolTV(llvm::Value* i1) { return Scalar(ValueKind::kBool, b_.CreateZExt(i1, i64_)); }
  llvm::Value* Is(const TV& v, ValueKind k) { return b_.CreateICmpEQ(v.kind, b_.getInt8(K(k))); }
  llvm::Value* IsScalar(llvm::Value* kind) {
    return b_.CreateICmpULE(kind, b_.getInt8(K(ValueKind::kDouble)));
  }
  llvm::Value* Truth(const TV& v) { return b_.CreateTrunc(v.bits, i1_); }
  llvm::Value* AsDouble(llvm::Value* bits) { return b_.CreateBitCast(bits, f64_); }
  // Room for `n` Tagged in an entry-block alloca (so that a loop does not
  // grow the stack).
  llvm::AllocaInst* TaggedSlots(uint32_t n, const char* name = "");
  // An array of Tagged for a runtime call, in an entry-block alloca.
  llvm::Value* TaggedArray(const std::vector<TV>& vals);
  // Writes `v` into the output slot `dst` (a null Value).
  void WriteOut(llvm::Value* dst, const TV& v);
  llvm::Value* Temp(uint32_t site);
  // Calls a site entry point (call, make or eval); the result is read back
  // from the site's temp.
  TV RuntimeCall(llvm::FunctionCallee fn, uint32_t site, const std::vector<TV>& args);
  // Fails at argument `arg` of site `site` unless `v` is a bool.
  void RequireBool(const TV& v, uint32_t site, uint32_t arg);
  // Makes lambda `index` current: a fresh frame of locals. `param`: in a
  // scan, the slot of its element; `elem`: in a loop over an array, the
  // element. A lambda that destructures its element binds its names here.
  void EnterLambda(int index, int param, const TV* elem);
  // Reduce: keeps a boxed accumulator alive in `acc_` (temps are rewritten
  // by the next element); returns the accumulator's new value.
  TV KeepAccumulator(const TV& r);
  // Reduce, at the exit: writes a scalar accumulator (kept in registers) out.
  void WriteAccumulator(const TV& acc);
  // kSum: adds `r` to the running sum and its magnitude; returns both.
  std::pair<llvm::Value*, llvm::Value*> AddToSum(const TV& r, llvm::Value* total,
                                                 llvm::Value* magnitude);

  // --- loop_lower.cc: expressions.
  using Incoming = std::vector<std::pair<llvm::BasicBlock*, TV>>;
  void Arrive(Incoming* in, llvm::BasicBlock* merge, const TV& v);
  TV Merge(llvm::BasicBlock* merge, const Incoming& in);
  TV SlowPathAndMerge(llvm::BasicBlock* slow, llvm::BasicBlock* merge, Incoming* in, uint32_t site,
                      const std::vector<TV>& args);
  TV Lower(const frontend::BoundNode& n, int depth);
  TV LowerCall(const frontend::BoundCall& c, int depth);
  TV LowerIf(const frontend::BoundCall& c, uint32_t site, int depth);
  TV LowerShortCircuit(const frontend::BoundCall& c, uint32_t site, int depth, bool stop_on);
  TV LowerNot(uint32_t site, const std::vector<TV>& args);
  TV LowerEquals(uint32_t site, const std::vector<TV>& args);
  TV LowerCompare(frontend::BuiltinId id, uint32_t site, const std::vector<TV>& args);
  TV LowerArith(frontend::BuiltinId id, uint32_t site, const std::vector<TV>& args);
  // A scan's doc-read site: the stored field, or the interpreter.
  TV LowerDocRead(uint32_t site);
  // doc_read's and doc_probe's `ref` for doc-read site `site`.
  llvm::Value* DocRef(uint32_t site);
  // The current lambda's locals as the interpreter's frame would hold them
  // for evaluating `subtree` (a lazily bound document only if it uses it).
  std::vector<TV> Frame(const frontend::BoundNode& subtree);
  // The element parameter of a scan's lambda (the document's ref).
  TV ScanElement();
  // Local `slot` of the current lambda (null when never bound).
  TV Local(size_t slot) {
    const auto& local = locals_.at(slot);
    return local ? *local : Scalar(ValueKind::kNull, b_.getInt64(0));
  }
  // The captured variable (lambda, hops, slot) from the inputs.
  TV Captured(int hops, int slot);

  static uint64_t Pack(int lambda, int hops, int slot) {
    return (static_cast<uint64_t>(static_cast<uint16_t>(lambda)) << 48) |
           (static_cast<uint64_t>(static_cast<uint16_t>(hops)) << 32) | static_cast<uint32_t>(slot);
  }

  const LoopPlan& plan_;
  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  llvm::IRBuilder<> b_;
  Value::Layout layout_;
  llvm::Type *i1_, *i8_, *i32_, *i64_, *f64_;
  llvm::PointerType* ptr_;
  llvm::StructType* tagged_;
  std::unordered_map<const frontend::BoundNode*, uint32_t> site_of_;
  std::unordered_map<const Value*, uint32_t> const_of_;
  std::unordered_map<uint64_t, uint32_t> capture_of_;
  llvm::FunctionCallee call_, make_, eval_, not_bool_, tick_, store_, next_, elem_, doc_read_,
      emit_, doc_probe_, bind_, keep_;
  llvm::Function* fn_ = nullptr;
  llvm::Value *rt_ = nullptr, *data_ = nullptr, *size_ = nullptr, *inputs_ = nullptr,
              *temps_ = nullptr, *acc_ = nullptr, *out_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  llvm::BasicBlock* err_ = nullptr;
  std::vector<std::optional<TV>> locals_;
  // By slot: the doc-read site (a Get) whose document a Let bound there
  // without reading it (a scan only), or -1.
  std::vector<int> lazy_;
  int lambda_ = 0;       // the lambda being lowered (LoopPlan's numbering)
  int scan_param_ = -1;  // in a scan: the slot of that lambda's element
};

}  // namespace fqldb::jit::internal
