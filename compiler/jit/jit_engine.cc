#include "compiler/jit/jit_engine.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "compiler/jit/internal/llvm_support.h"

namespace fqldb::jit {

using internal::FromLlvm;
using internal::InitNativeTarget;

Result<int64_t> CompileAndRunAdd(int64_t a, int64_t b) {
  InitNativeTarget();
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) return FromLlvm(jit.takeError());

  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto mod = std::make_unique<llvm::Module>("fql_selftest", *ctx);
  llvm::IRBuilder<> builder(*ctx);
  auto* i64 = builder.getInt64Ty();
  auto* fn_type = llvm::FunctionType::get(i64, {i64, i64}, false);
  auto* fn = llvm::Function::Create(fn_type, llvm::Function::ExternalLinkage, "fql_add", mod.get());
  builder.SetInsertPoint(llvm::BasicBlock::Create(*ctx, "entry", fn));
  builder.CreateRet(builder.CreateAdd(fn->getArg(0), fn->getArg(1)));

  if (auto err = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx)))) {
    return FromLlvm(std::move(err));
  }
  auto sym = (*jit)->lookup("fql_add");
  if (!sym) return FromLlvm(sym.takeError());
  auto* add = reinterpret_cast<int64_t (*)(int64_t, int64_t)>(sym->getAddress());
  return add(a, b);
}

std::string LlvmVersion() { return std::string("LLVM ") + LLVM_VERSION_STRING; }

}  // namespace fqldb::jit
