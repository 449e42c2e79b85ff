// LoopJit: one ORC LLJIT with the runtime's entry points defined in it, a
// two-tier compile pipeline and an LRU cache of compiled loops keyed by shape.
//
// Tiers: a query that needs a shape waits only for the quick tier (light IR
// cleanup, then LLVM's fast instruction selection). The same IR goes to a
// background thread that compiles it with the optimising instruction
// selector and swaps it into the cache; later runs of the shape get that.
// The figures behind the split are in docs/benchmarks.md ("JIT compile
// settings").
#include "compiler/jit/loop_jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
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
constexpr size_t kMaxPendingUpgrades = 256;  // beyond this a shape stays quick

// A module of IR ready for code generation.
struct PendingModule {
  std::string key;
  std::string name;  // the loop function's symbol
  std::unique_ptr<llvm::LLVMContext> ctx;
  std::unique_ptr<llvm::Module> mod;
};

}  // namespace

struct LoopJit::Impl {
  ~Impl() { StopWorker(); }

  // One LLJIT per tier, each with its own code generator settings; a
  // tier generates one module at a time.
  struct Tier {
    std::unique_ptr<llvm::orc::LLJIT> jit;
    std::mutex mu;
  };
  Tier tiers[2];  // kQuick, kOptimized
  size_t capacity = 0;
  bool upgrade = true;
  std::atomic<uint64_t> next_name{0};

  mutable std::mutex mu;  // guards everything below
  using Entry = std::pair<std::string, std::shared_ptr<const CompiledLoop>>;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  std::unordered_map<std::string, uint32_t> seen;
  JitStats stats;
  // The background upgrades: modules waiting for the optimising tier.
  std::deque<PendingModule> pending;
  std::condition_variable pending_cv;  // work arrived, or stop
  std::condition_variable idle_cv;     // the queue drained
  bool busy = false;                   // the worker is compiling one
  bool stop = false;
  std::thread worker;

  std::shared_ptr<const CompiledLoop> FindLocked(const std::string& key) {
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    lru.splice(lru.begin(), lru, it->second);
    return it->second->second;
  }
  // Generates machine code for `m` and returns the loop; LLVM's error otherwise.
  Result<std::shared_ptr<const CompiledLoop>> Generate(PendingModule m, JitTier tier,
                                                       std::chrono::steady_clock::time_point start);
  void Insert(const std::string& key, std::shared_ptr<const CompiledLoop> compiled);
  void Enqueue(PendingModule m);
  void WorkerLoop();
  void StopWorker();
};

namespace {

// Live instances, so that process exit stops their workers before LLVM's
// own static objects are destroyed (a worker may be inside LLVM then).
std::mutex live_mu;
std::set<LoopJit::Impl*>* live = nullptr;

void StopLiveWorkers() {
  std::set<LoopJit::Impl*> impls;
  {
    std::lock_guard<std::mutex> lock(live_mu);
    if (live) impls = *live;
  }
  for (LoopJit::Impl* impl : impls) impl->StopWorker();
}

void Register(LoopJit::Impl* impl) {
  std::lock_guard<std::mutex> lock(live_mu);
  if (!live) {
    live = new std::set<LoopJit::Impl*>();
    std::atexit(StopLiveWorkers);
  }
  live->insert(impl);
}

}  // namespace

void LoopJit::Impl::StopWorker() {
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    pending.clear();
  }
  pending_cv.notify_all();
  idle_cv.notify_all();
  if (worker.joinable()) worker.join();
  std::lock_guard<std::mutex> lock(live_mu);
  if (live) live->erase(this);
}

void LoopJit::Impl::Insert(const std::string& key, std::shared_ptr<const CompiledLoop> compiled) {
  // Caller holds mu.
  auto it = index.find(key);
  if (it != index.end()) {
    it->second->second = std::move(compiled);  // a running user keeps the old code alive
    lru.splice(lru.begin(), lru, it->second);
    return;
  }
  lru.emplace_front(key, std::move(compiled));
  index[key] = lru.begin();
  while (lru.size() > capacity) {
    index.erase(lru.back().first);
    lru.pop_back();  // the code goes once its last running user lets go
    ++stats.evictions;
  }
}

void LoopJit::Impl::Enqueue(PendingModule m) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (stop || pending.size() >= kMaxPendingUpgrades) return;
    pending.push_back(std::move(m));
    if (!worker.joinable()) worker = std::thread([this] { WorkerLoop(); });
  }
  pending_cv.notify_one();
}

void LoopJit::Impl::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    if (pending.empty()) idle_cv.notify_all();
    pending_cv.wait(lock, [this] { return stop || !pending.empty(); });
    if (stop) break;
    PendingModule m = std::move(pending.front());
    pending.pop_front();
    if (!index.count(m.key)) continue;  // evicted while it waited
    busy = true;
    lock.unlock();
    std::string key = m.key;
    auto start = std::chrono::steady_clock::now();
    Optimize(*m.mod);
    auto compiled = Generate(std::move(m), JitTier::kOptimized, start);
    lock.lock();
    busy = false;
    if (compiled.ok()) {
      ++stats.upgrades;
      stats.upgrade_ms_total += (*compiled)->compile_ms();
      if (index.count(key)) Insert(key, std::move(*compiled));
    }  // else the quick code stays: it is correct, only slower
  }
  busy = false;
  idle_cv.notify_all();
}

Result<std::shared_ptr<const CompiledLoop>> LoopJit::Impl::Generate(
    PendingModule m, JitTier tier, std::chrono::steady_clock::time_point start) {
  Tier& t = tiers[tier == JitTier::kQuick ? 0 : 1];
  std::lock_guard<std::mutex> compile_lock(t.mu);
  llvm::orc::LLJIT* jit = t.jit.get();
  llvm::orc::ResourceTrackerSP tracker = jit->getMainJITDylib().createResourceTracker();
  if (auto err = jit->addIRModule(
          tracker, llvm::orc::ThreadSafeModule(std::move(m.mod), std::move(m.ctx)))) {
    return FromLlvm(std::move(err));
  }
  auto sym = jit->lookup(m.name);  // generates the machine code
  if (!sym) {
    llvm::consumeError(tracker->remove());
    return FromLlvm(sym.takeError());
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::shared_ptr<void> code(nullptr, [tracker](void*) { llvm::consumeError(tracker->remove()); });
  return std::make_shared<const CompiledLoop>(reinterpret_cast<LoopFn>(sym->getAddress()), ms,
                                              std::move(code), tier);
}

LoopJit::LoopJit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoopJit::~LoopJit() = default;

namespace {

// An LLJIT for the host whose code generator runs at `level`, with the
// runtime entry points defined by name, and libc/libm for what LLVM itself
// may call (fmod for a double remainder, memcpy).
Result<std::unique_ptr<llvm::orc::LLJIT>> MakeJit(const EntryPoints& ep,
                                                  llvm::CodeGenOpt::Level level) {
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return FromLlvm(jtmb.takeError());
  jtmb->setCodeGenOptLevel(level);
  auto created = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!created) return FromLlvm(created.takeError());
  std::unique_ptr<llvm::orc::LLJIT> jit = std::move(*created);
  const void* addrs[internal::kNumEntryPoints] = {
      reinterpret_cast<const void*>(ep.call),      reinterpret_cast<const void*>(ep.make),
      reinterpret_cast<const void*>(ep.eval),      reinterpret_cast<const void*>(ep.not_bool),
      reinterpret_cast<const void*>(ep.tick),      reinterpret_cast<const void*>(ep.store),
      reinterpret_cast<const void*>(ep.next),      reinterpret_cast<const void*>(ep.elem),
      reinterpret_cast<const void*>(ep.doc_read),  reinterpret_cast<const void*>(ep.emit),
      reinterpret_cast<const void*>(ep.doc_probe), reinterpret_cast<const void*>(ep.bind),
      reinterpret_cast<const void*>(ep.keep)};
  llvm::orc::SymbolMap symbols;
  for (size_t i = 0; i < internal::kNumEntryPoints; ++i) {
    if (!addrs[i]) return Status(ErrorCode::kInternal, "JIT entry point missing");
    symbols[jit->mangleAndIntern(internal::kEntryPointNames[i])] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(addrs[i]),
                                 llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  }
  llvm::orc::JITDylib& main = jit->getMainJITDylib();
  if (auto err = main.define(llvm::orc::absoluteSymbols(std::move(symbols))))
    return FromLlvm(std::move(err));
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      jit->getDataLayout().getGlobalPrefix());
  if (!process) return FromLlvm(process.takeError());
  main.addGenerator(std::move(*process));
  return jit;
}

}  // namespace

Result<std::unique_ptr<LoopJit>> LoopJit::Create(const EntryPoints& ep, size_t capacity,
                                                 bool upgrade) {
  InitNativeTarget();
  auto impl = std::make_unique<Impl>();
  impl->capacity = std::max<size_t>(1, capacity);
  impl->upgrade = upgrade;
  // The quick tier selects instructions with FastISel ("None"); the
  // optimised tier at "Less" (loops about 3x faster).
  auto quick = MakeJit(ep, llvm::CodeGenOpt::None);
  if (!quick.ok()) return quick.status();
  auto optimised = MakeJit(ep, llvm::CodeGenOpt::Less);
  if (!optimised.ok()) return optimised.status();
  impl->tiers[0].jit = std::move(*quick);
  impl->tiers[1].jit = std::move(*optimised);
  Register(impl.get());
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

void LoopJit::WaitForUpgrades() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->idle_cv.wait(lock,
                      [this] { return impl_->stop || (impl_->pending.empty() && !impl_->busy); });
}

Result<std::shared_ptr<const CompiledLoop>> LoopJit::Compile(const LoopPlan& plan) {
  if (auto hit = Find(plan.key)) return hit;
  auto start = std::chrono::steady_clock::now();
  // IR for both tiers (building it is cheap next to code generation; the
  // background tier cannot read `plan`, whose tree the query owns).
  auto emit = [&](bool quick) -> Result<PendingModule> {
    PendingModule m;
    m.key = plan.key;
    m.name = "fql_loop_" + std::to_string(impl_->next_name++);
    m.ctx = std::make_unique<llvm::LLVMContext>();
    m.mod = std::make_unique<llvm::Module>(m.name, *m.ctx);
    const llvm::orc::LLJIT& jit = *impl_->tiers[quick ? 0 : 1].jit;
    m.mod->setDataLayout(jit.getDataLayout());
    m.mod->setTargetTriple(jit.getTargetTriple().str());
    internal::EmitLoop(plan, *m.ctx, *m.mod, m.name);
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyModule(*m.mod, &os)) {
      return Status(ErrorCode::kInternal,
                    "JIT produced invalid IR for " + plan.key + ": " + os.str());
    }
    if (quick) Optimize(*m.mod);
    return m;
  };
  auto quick = emit(true);
  if (!quick.ok()) return quick.status();
  // The optimising tier's IR is built here too, while `plan` is alive, and
  // its time (about 0.1 ms) counts in the compile time the query waited.
  std::optional<PendingModule> optimised;
  if (impl_->upgrade) {
    if (auto m = emit(false); m.ok()) optimised = std::move(*m);
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (auto hit = impl_->FindLocked(plan.key)) return hit;  // compiled meanwhile
  }
  auto compiled = impl_->Generate(std::move(*quick), JitTier::kQuick, start);
  if (!compiled.ok()) return compiled.status();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (auto hit = impl_->FindLocked(plan.key)) return hit;  // another thread won the race
    ++impl_->stats.compiles;
    impl_->stats.compile_ms_total += (*compiled)->compile_ms();
    impl_->Insert(plan.key, *compiled);
  }
  if (optimised) impl_->Enqueue(std::move(*optimised));
  return compiled;
}

}  // namespace fqldb::jit
