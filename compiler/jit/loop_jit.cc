// LoopJit: one ORC LLJIT with the runtime's entry points defined in it, a
// compile pipeline (IR, light cleanup passes, machine code) and an LRU cache of
// compiled loops keyed by shape.
#include "compiler/jit/loop_jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Support/raw_ostream.h>

#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <unordered_map>

#include "compiler/jit/internal/llvm_support.h"
#include "compiler/jit/internal/loop_codegen.h"

namespace fqldb::jit {

using internal::FromLlvm;
using internal::InitNativeTarget;

namespace {

// A light cleanup (common subexpressions, instruction combining, CFG
// simplification) before instruction selection. LLVM's O2 pipeline made no
// measurable difference to these loops at twice the compile time; see
// docs/benchmarks.md ("JIT compile settings").
void Optimize(llvm::Module& mod) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::EarlyCSEPass());
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(mod, mam);
}

constexpr uint32_t kSeenLimit = 4096;  // shapes whose interpreted runs are counted

}  // namespace

struct LoopJit::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  size_t capacity = 0;
  std::atomic<uint64_t> next_name{0};

  std::mutex compile_mu;  // one compile at a time (no duplicate work for one shape)
  mutable std::mutex mu;  // guards everything below
  using Entry = std::pair<std::string, std::shared_ptr<const CompiledLoop>>;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  std::unordered_map<std::string, uint32_t> seen;
  JitStats stats;

  std::shared_ptr<const CompiledLoop> FindLocked(const std::string& key) {
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    lru.splice(lru.begin(), lru, it->second);
    return it->second->second;
  }
};

LoopJit::LoopJit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoopJit::~LoopJit() = default;

Result<std::unique_ptr<LoopJit>> LoopJit::Create(const EntryPoints& ep, size_t capacity) {
  InitNativeTarget();
  auto impl = std::make_unique<Impl>();
  impl->capacity = std::max<size_t>(1, capacity);
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return FromLlvm(jtmb.takeError());
  // Instruction selection at "Less": "None" (fast isel) compiles twice as
  // fast but its loops ran about 2.7x slower.
  jtmb->setCodeGenOptLevel(llvm::CodeGenOpt::Less);
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) return FromLlvm(jit.takeError());
  impl->jit = std::move(*jit);

  // The runtime entry points, by name, and libc/libm for what LLVM itself
  // may call (fmod for a double remainder, memcpy).
  const void* addrs[internal::kNumEntryPoints] = {
      reinterpret_cast<const void*>(ep.call),     reinterpret_cast<const void*>(ep.make),
      reinterpret_cast<const void*>(ep.eval),     reinterpret_cast<const void*>(ep.not_bool),
      reinterpret_cast<const void*>(ep.tick),     reinterpret_cast<const void*>(ep.store),
      reinterpret_cast<const void*>(ep.next),     reinterpret_cast<const void*>(ep.elem),
      reinterpret_cast<const void*>(ep.doc_read), reinterpret_cast<const void*>(ep.emit)};
  llvm::orc::SymbolMap symbols;
  for (size_t i = 0; i < internal::kNumEntryPoints; ++i) {
    if (!addrs[i]) return Status(ErrorCode::kInternal, "JIT entry point missing");
    symbols[impl->jit->mangleAndIntern(internal::kEntryPointNames[i])] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(addrs[i]),
                                 llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  }
  llvm::orc::JITDylib& main = impl->jit->getMainJITDylib();
  if (auto err = main.define(llvm::orc::absoluteSymbols(std::move(symbols))))
    return FromLlvm(std::move(err));
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      impl->jit->getDataLayout().getGlobalPrefix());
  if (!process) return FromLlvm(process.takeError());
  main.addGenerator(std::move(*process));
  return std::unique_ptr<LoopJit>(new LoopJit(std::move(impl)));
}

std::shared_ptr<const CompiledLoop> LoopJit::Find(const std::string& key) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto found = impl_->FindLocked(key);
  if (found) ++impl_->stats.hits;
  return found;
}

uint32_t LoopJit::NoteInterpreted(const std::string& key) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->seen.size() >= kSeenLimit && !impl_->seen.count(key)) impl_->seen.clear();
  return ++impl_->seen[key];
}

JitStats LoopJit::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

Result<std::shared_ptr<const CompiledLoop>> LoopJit::Compile(const LoopPlan& plan) {
  if (auto hit = Find(plan.key)) return hit;
  std::lock_guard<std::mutex> compile_lock(impl_->compile_mu);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (auto hit = impl_->FindLocked(plan.key)) return hit;  // compiled while we waited
  }
  auto start = std::chrono::steady_clock::now();
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::string name = "fql_loop_" + std::to_string(impl_->next_name++);
  auto mod = std::make_unique<llvm::Module>(name, *ctx);
  mod->setDataLayout(impl_->jit->getDataLayout());
  mod->setTargetTriple(impl_->jit->getTargetTriple().str());
  internal::EmitLoop(plan, *ctx, *mod, name);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*mod, &os)) {
    return Status(ErrorCode::kInternal,
                  "JIT produced invalid IR for " + plan.key + ": " + os.str());
  }
  Optimize(*mod);

  llvm::orc::ResourceTrackerSP tracker = impl_->jit->getMainJITDylib().createResourceTracker();
  if (auto err = impl_->jit->addIRModule(
          tracker, llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx)))) {
    return FromLlvm(std::move(err));
  }
  auto sym = impl_->jit->lookup(name);  // generates the machine code
  if (!sym) {
    llvm::consumeError(tracker->remove());
    return FromLlvm(sym.takeError());
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::shared_ptr<void> code(nullptr, [tracker](void*) { llvm::consumeError(tracker->remove()); });
  auto compiled = std::make_shared<const CompiledLoop>(reinterpret_cast<LoopFn>(sym->getAddress()),
                                                       ms, std::move(code));

  std::lock_guard<std::mutex> lock(impl_->mu);
  ++impl_->stats.compiles;
  impl_->stats.compile_ms_total += ms;
  impl_->lru.emplace_front(plan.key, compiled);
  impl_->index[plan.key] = impl_->lru.begin();
  while (impl_->lru.size() > impl_->capacity) {
    impl_->index.erase(impl_->lru.back().first);
    impl_->lru.pop_back();  // the code goes once its last running user lets go
    ++impl_->stats.evictions;
  }
  return compiled;
}

}  // namespace fqldb::jit
