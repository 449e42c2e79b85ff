// JIT benchmarks (issue 4). Prints Markdown tables for docs/benchmarks.md;
// every compiled figure is set against the interpreter and a hand-written
// C++ loop measured in the same run. Not a test: nothing here asserts a time.
//   1. Reduce, Filter and Map over 1,000,000 longs in memory;
//   2. compile latency of 20 typical loop shapes, and the cost of a run
//      whose shape is already compiled (cache hit).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/time_codec.h"
#include "bench/bench_support.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/interpreter.h"

namespace {

using Clock = std::chrono::steady_clock;
using fqldb::Value;
using fqldb::executor::JitMode;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

using fqldb::bench::CompileQuery;
using fqldb::bench::Median;

Value RunQuery(const std::shared_ptr<const fqldb::frontend::BoundQuery>& q, const std::vector<Value>& params,
               JitMode mode) {
  fqldb::executor::RunOptions run;
  run.now = fqldb::NowTimestamp();
  run.jit = mode;
  auto r = fqldb::executor::Run(q, params, run);
  if (!r.ok()) {
    std::fprintf(stderr, "query failed: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

// The hand-written loops: what a C++ programmer would write over the same
// fqldb::Value array, with the same checks (kind tests, overflow).
__attribute__((noinline)) int64_t HandReduce(const fqldb::Array& xs) {
  int64_t acc = 0;
  for (const Value& v : xs) {
    if (!v.is_long() || __builtin_add_overflow(acc, v.as_long(), &acc)) std::abort();
  }
  return acc;
}

__attribute__((noinline)) fqldb::Array HandFilter(const fqldb::Array& xs) {
  fqldb::Array out;
  for (const Value& v : xs) {
    if (!v.is_long()) std::abort();
    if (v.as_long() % 3 == 0) out.push_back(v);
  }
  return out;
}

// The same, by a programmer who knows the output cannot outgrow the input.
__attribute__((noinline)) fqldb::Array HandFilterReserved(const fqldb::Array& xs) {
  fqldb::Array out;
  out.reserve(xs.size());
  for (const Value& v : xs) {
    if (!v.is_long()) std::abort();
    if (v.as_long() % 3 == 0) out.push_back(v);
  }
  return out;
}

__attribute__((noinline)) fqldb::Array HandMap(const fqldb::Array& xs) {
  fqldb::Array out;
  out.reserve(xs.size());
  for (const Value& v : xs) {
    int64_t r;
    if (!v.is_long() || __builtin_mul_overflow(v.as_long(), 2, &r)) std::abort();
    out.push_back(Value::Long(r));
  }
  return out;
}

struct ArrayCase {
  const char* name;
  const char* fql;
  // Runs the hand-written loop; returns a checksum to compare.
  int64_t (*hand)(const fqldb::Array&);
  int64_t (*check)(const Value&);
};

int64_t SizeOf(const Value& v) { return static_cast<int64_t>(v.array().size()); }

void BenchArrays() {
  constexpr int kN = 1000000;
  constexpr int kRuns = 7;
  fqldb::Array values;
  values.reserve(kN);
  for (int i = 0; i < kN; ++i) values.push_back(Value::Long(i));
  Value arr = Value::MakeArray(values);

  const ArrayCase cases[] = {
      {"Reduce", "Reduce((acc, x) => Add(acc, x), 0, arr)",
       [](const fqldb::Array& a) { return HandReduce(a); },
       [](const Value& v) { return v.as_long(); }},
      {"Filter", "Filter(arr, x => Equals(Modulo(x, 3), 0))",
       [](const fqldb::Array& a) { return static_cast<int64_t>(HandFilter(a).size()); }, &SizeOf},
      {"Filter (the hand loop reserves)", "Filter(arr, x => Equals(Modulo(x, 3), 0))",
       [](const fqldb::Array& a) { return static_cast<int64_t>(HandFilterReserved(a).size()); },
       &SizeOf},
      {"Map", "Map(arr, x => Multiply(x, 2))",
       [](const fqldb::Array& a) { return static_cast<int64_t>(HandMap(a).size()); }, &SizeOf},
  };
  std::printf("\n| over 1,000,000 longs (median of %d) | interpreter ms | JIT ms | hand-written C++ ms | "
              "JIT speed-up over interpreter | JIT ÷ hand-written |\n",
              kRuns);
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  // FQL_BENCH_ONLY=Reduce|Filter|Map: that case alone, compiled only, 200
  // times (for perf), and no table.
  const char* only = std::getenv("FQL_BENCH_ONLY");
  for (const ArrayCase& c : cases) {
    if (only != nullptr && std::string(only) != c.name) continue;
    auto q = CompileQuery(c.fql, {"arr"});
    if (only != nullptr) {
      for (int r = 0; r < 200; ++r) RunQuery(q, {arr}, JitMode::kAlways);
      continue;
    }
    RunQuery(q, {arr}, JitMode::kAlways);  // compile once, outside the timing
    fqldb::executor::WaitForJitUpgrades();  // and time the optimised tier
    std::vector<double> interp, jit, hand;
    for (int r = 0; r < kRuns; ++r) {
      auto t0 = Clock::now();
      Value a = RunQuery(q, {arr}, JitMode::kOff);
      auto t1 = Clock::now();
      Value b = RunQuery(q, {arr}, JitMode::kAlways);
      auto t2 = Clock::now();
      int64_t h = c.hand(values);
      auto t3 = Clock::now();
      if (c.check(a) != c.check(b) || c.check(b) != h) {
        std::printf("%s: results differ\n", c.name);
        std::exit(1);
      }
      interp.push_back(Micros(t1 - t0));
      jit.push_back(Micros(t2 - t1));
      hand.push_back(Micros(t3 - t2));
    }
    double mi = Median(interp), mj = Median(jit), mh = Median(hand);
    const char* note =
        std::string(c.name).find("reserves") != std::string::npos ? ", the hand loop reserves" : "";
    std::printf("| `%s`%s | %.2f | %.2f | %.2f | %.1f× | %.2f |\n", c.fql, note, mi / 1000,
                mj / 1000, mh / 1000, mi / mj, mj / mh);
  }
}

// Twenty typical loop bodies, each a new shape (so each compiles once).
const char* const kShapes[] = {
    "Map(arr, x => Add(x, 1))",
    "Map(arr, x => Multiply(x, 2.5))",
    "Filter(arr, x => GT(x, 10))",
    "Filter(arr, x => LT(Modulo(x, 2), 1))",
    "Reduce((a, x) => Subtract(a, x), 0, arr)",
    "Reduce((a, x) => If(GT(x, a), x, a), 0, arr)",
    "Map(arr, x => [x, Multiply(x, x)])",
    "Map(arr, x => {v: x, neg: Subtract(0, x)})",
    "Map(arr, x => If(LT(x, 5), 'low', 'high'))",
    "Filter(arr, x => And(GTE(x, 2), LTE(x, 8)))",
    "Filter(arr, x => Or(Equals(x, 1), Equals(x, 7)))",
    "Map(arr, x => Concat([ToString(x), '!']))",
    "Reduce((a, x) => Concat([a, ToString(x)]), '', arr)",
    "Map(arr, x => Let({y: Multiply(x, 3)}, Add(y, 1)))",
    "Map(arr, x => Divide(Add(x, 1), 2))",
    "Filter(arr, x => Not(Equals(x, 3)))",
    "Map(arr, x => Select(['a'], {a: x}, 0))",
    "Foreach(arr, x => Add(x, 1))",
    "Reduce((a, x) => Add(a, Multiply(x, x)), 0, arr)",
    "Map(arr, x => Abs(Subtract(x, 5)))",
};

void BenchCompile() {
  Value small = Value::MakeArray({Value::Long(1), Value::Long(2), Value::Long(3), Value::Long(4), Value::Long(5),
                                  Value::Long(6), Value::Long(7), Value::Long(8), Value::Long(9), Value::Long(10)});
  std::vector<double> compile_ms, upgrade_ms;
  std::vector<double> hit_us, interp_us;
  for (const char* text : kShapes) {
    auto q = CompileQuery(text, {"arr"});
    double before = fqldb::executor::JitStatistics().compile_ms_total;
    uint64_t compiles = fqldb::executor::JitStatistics().compiles;
    RunQuery(q, {small}, JitMode::kAlways);
    if (fqldb::executor::JitStatistics().compiles != compiles + 1) {
      std::printf("%s did not compile\n", text);
      std::exit(1);
    }
    compile_ms.push_back(fqldb::executor::JitStatistics().compile_ms_total - before);
    double upgrade_before = fqldb::executor::JitStatistics().upgrade_ms_total;
    fqldb::executor::WaitForJitUpgrades();
    upgrade_ms.push_back(fqldb::executor::JitStatistics().upgrade_ms_total - upgrade_before);
    // A whole run of the query whose shape is now cached, against the
    // interpreter on the same 10 elements.
    std::vector<double> hit, off;
    for (int i = 0; i < 2000; ++i) {
      auto t0 = Clock::now();
      RunQuery(q, {small}, JitMode::kAlways);
      auto t1 = Clock::now();
      RunQuery(q, {small}, JitMode::kOff);
      auto t2 = Clock::now();
      hit.push_back(Micros(t1 - t0));
      off.push_back(Micros(t2 - t1));
    }
    hit_us.push_back(Median(hit));
    interp_us.push_back(Median(off));
  }
  std::printf("\n| compile latency, %zu typical loop shapes | median | max |\n|---|---:|---:|\n",
              compile_ms.size());
  std::printf(
      "| quick tier: IR, cleanup passes, fast isel (the query waits) | %.2f ms | %.2f ms |\n",
      Median(compile_ms), *std::max_element(compile_ms.begin(), compile_ms.end()));
  std::printf("| optimised tier, in the background | %.2f ms | %.2f ms |\n", Median(upgrade_ms),
              *std::max_element(upgrade_ms.begin(), upgrade_ms.end()));
  std::printf("| whole query, shape cached, 10 elements | %.2f µs | %.2f µs |\n", Median(hit_us),
              *std::max_element(hit_us.begin(), hit_us.end()));
  std::printf("| the same query interpreted | %.2f µs | %.2f µs |\n", Median(interp_us),
              *std::max_element(interp_us.begin(), interp_us.end()));
}

}  // namespace

int main() {
  // Map and Filter build 1,000,000-element (40 MB) results. glibc returns
  // blocks that large to the kernel on free, so every run would pay ~10,000
  // fresh page faults (about 15 µs each on these VMs), the same for all three
  // contestants, and the table would measure the kernel. Keep freed memory
  // instead, as a long-running server does; FQL_BENCH_DEFAULT_MALLOC=1 skips
  // this to see the difference.
  if (!std::getenv("FQL_BENCH_DEFAULT_MALLOC")) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  std::printf("## JIT (issue 4)\n");
  BenchArrays();
  if (std::getenv("FQL_BENCH_ONLY")) return 0;
  BenchCompile();
  return 0;
}
