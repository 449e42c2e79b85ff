// Language-core benchmarks (issue 2). Prints a Markdown table for
// docs/benchmarks.md. Not a test: nothing here asserts a time.
//   1. parse + bind time per typical query (median over many runs, µs);
//   2. interpreter throughput for Reduce over 1,000,000 longs against two
//      hand-written C++ loops measured in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "common/time_codec.h"
#include "compiler/frontend/binder.h"
#include "executor/interpreter.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

using fqldb::bench::Median;

struct Typical {
  const char* name;
  const char* text;
};

const Typical kQueries[] = {
    {"arithmetic", "Add(1, Multiply(2, 3), Divide(10, 2))"},
    {"let + if", "Let({x: 10, y: 20}, If(GT(x, y), Concat(['x']), Concat(['y'])))"},
    {"map lambda", "Map([1, 2, 3, 4, 5], x => Multiply(x, 2))"},
    {"object select",
     "Select(['data', 'name'], {ref: 1, data: {name: 'Ada', tags: ['a', 'b']}}, null)"},
    {"document-style update",
     "Let({doc: {data: {stock: 5, price: 9.99}}}, If(GT(Select(['data', 'stock'], Var('doc')), 0), "
     "Merge(Select('data', Var('doc')), {stock: Subtract(Select(['data', 'stock'], Var('doc')), "
     "1)}), "
     "Abort('out of stock')))"},
    {"string pipeline", "Map(SplitStr('a,b,c,d', ','), s => UpperCase(Concat([s, '!'])))"},
    {"nested refs", "Get(Ref(Collection('orders'), '1'))"},
    {"three queries", "Get(Ref(Collection('a'), '1'))\nExists(Index('b'))\nAdd(1, 2)"},
};

void BenchParseBind() {
  std::printf("| query | parse + bind, median µs |\n|---|---:|\n");
  for (const Typical& q : kQueries) {
    std::vector<double> samples;
    for (int i = 0; i < 2000; ++i) {
      auto start = Clock::now();
      auto parsed = fqldb::frontend::ParseScript(q.text);
      if (!parsed.ok()) {
        std::printf("| %s | parse failed |\n", q.name);
        return;
      }
      for (const auto& query : parsed.script->queries) {
        auto bound = fqldb::frontend::Bind(*query);
        if (!bound.ok()) {
          std::printf("| %s | bind failed: %s |\n", q.name, bound.status().ToString().c_str());
          return;
        }
      }
      auto end = Clock::now();
      samples.push_back(Micros(end - start));
    }
    std::printf("| %s | %.1f |\n", q.name, Median(samples));
  }
}

// Sums with overflow checks, as the interpreter's Add does.
__attribute__((noinline)) int64_t CheckedSum(const int64_t* xs, size_t n, bool* overflow) {
  int64_t acc = 0;
  for (size_t i = 0; i < n; ++i) *overflow |= __builtin_add_overflow(acc, xs[i], &acc);
  return acc;
}

__attribute__((noinline)) int64_t SumValues(const fqldb::Array& xs) {
  int64_t acc = 0;
  for (const fqldb::Value& v : xs) {
    if (!v.is_long()) return -1;
    acc += v.as_long();
  }
  return acc;
}

void BenchReduce() {
  constexpr int kN = 1000000;
  constexpr int kRuns = 7;
  std::vector<int64_t> raw(kN);
  fqldb::Array values;
  values.reserve(kN);
  for (int i = 0; i < kN; ++i) {
    raw[i] = i;
    values.push_back(fqldb::Value::Long(i));
  }
  fqldb::Value arr = fqldb::Value::MakeArray(std::move(values));
  fqldb::frontend::BindOptions opts;
  opts.params = {"arr"};
  auto parsed = fqldb::frontend::ParseScript("Reduce((acc, x) => Add(acc, x), 0, arr)");
  auto bound = fqldb::frontend::Bind(*parsed.script->queries.at(0), opts);
  fqldb::executor::RunOptions run;
  run.now = fqldb::NowTimestamp();

  std::vector<double> interp, loop, value_loop;
  int64_t expect = static_cast<int64_t>(kN) * (kN - 1) / 2;
  for (int r = 0; r < kRuns; ++r) {
    auto t0 = Clock::now();
    auto result = fqldb::executor::Run(*bound, {arr}, run);
    auto t1 = Clock::now();
    if (!result.ok() || result->as_long() != expect) {
      std::printf("Reduce returned a wrong result\n");
      return;
    }
    interp.push_back(Micros(t1 - t0));
    bool overflow = false;
    auto t2 = Clock::now();
    int64_t s = CheckedSum(raw.data(), raw.size(), &overflow);
    auto t3 = Clock::now();
    int64_t sv = SumValues(arr.array());
    auto t4 = Clock::now();
    if (s != expect || sv != expect || overflow) std::printf("loop mismatch\n");
    loop.push_back(Micros(t3 - t2));
    value_loop.push_back(Micros(t4 - t3));
  }
  double mi = Median(interp), ml = Median(loop), mv = Median(value_loop);
  std::printf("\n| Reduce over 1,000,000 longs (median of %d) | ms | M elements/s | interpreter ÷ this |\n",
              kRuns);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| interpreter: `Reduce((acc, x) => Add(acc, x), 0, arr)` | %.2f | %.1f | %.1f |\n", mi / 1000,
              kN / mi, 1.0);
  std::printf("| C++ loop over `int64_t[]` with overflow checks | %.3f | %.1f | %.0f |\n", ml / 1000,
              kN / ml, mi / ml);
  std::printf("| C++ loop over the same `fqldb::Value` array | %.3f | %.1f | %.0f |\n", mv / 1000, kN / mv,
              mi / mv);
}

}  // namespace

int main() {
  std::printf("## Language core (issue 2)\n\n");
  BenchParseBind();
  BenchReduce();
  return 0;
}
