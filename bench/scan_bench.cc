// Compiled scans (issue 4): queries that read every document of a
// collection, run compiled (JIT), interpreted, and as a hand-written C++
// loop over the same LevelDB data, in one run. Prints a Markdown table for
// docs/benchmarks.md. Not a test: nothing here asserts a time.
//
//   fql_bench_scan [DOCS] [DIR]     (default 1,000,000 documents in a temp dir)
//   FQL_BENCH_JIT_ONLY=1 skips the interpreter (for profiling the compiled scans).
//   FQL_BENCH_KEEP=1 keeps DIR afterwards, and reuses the documents a
//   previous run left there (for profiling without the 25 s load).
//   FQL_BENCH_ONLY=N runs only the Nth query, compiled, and no hand loop (for perf).
//
// The hand-written loop is what a C++ programmer would write against the
// stored data: each partition's LevelDB in key order,
// the newest version of each document, its `data.total` read with the
// stored-document reader (storage/doc_codec.h). Partition by partition,
// unmerged: the loop sees documents in no particular order, which Count and
// a sum of longs allow (fqldb's Count and Sum scans do the same; Reduce
// follows ref order, as FQL defines the set).
//
// The hand loop reads a byte-for-byte copy of the partitions (fqldb holds
// the originals' locks), and its rounds alternate with the compiled ones,
// so that both see the same machine: these VMs' speed drifts by up to 1.7x
// over a minute. The table gives the median of the per-round ratios.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "common/time_codec.h"
#include "common/value_printer.h"
#include "executor/database.h"
#include "executor/interpreter.h"
#include "storage/doc_codec.h"
#include "storage/engine.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using fqldb::Value;
using fqldb::bench::CompileQuery;
using fqldb::bench::Median;
using fqldb::executor::JitMode;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Value Must(fqldb::Result<Value> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "query failed: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

struct Query {
  const char* label;
  const char* fql;
};

const Query kQueries[] = {
    {"Count(Filter(Documents(orders), o => GT(Select([data, total], Get(o)), 100)))",
     "Count(Filter(Documents(Collection('orders')), Lambda('o', GT(Select(['data', 'total'], "
     "Get(Var('o'))), 100))))"},
    {"Reduce((acc, o) => Add(acc, Select([data, total], Get(o))), 0, Documents(orders))",
     "Reduce((acc, o) => Add(acc, Select(['data', 'total'], Get(o))), 0, "
     "Documents(Collection('orders')))"},
    {"Sum(Map(Documents(orders), o => Select([data, total], Get(o))))",
     "Sum(Map(Documents(Collection('orders')), o => Select(['data', 'total'], Get(o))))"},
    // An index range: a third of the orders, each document read by its ref.
    {"Count(Filter(Match(orders_by_status, 'open'), o => GT(Select([data, total], Get(o)), 100)))",
     "Count(Filter(Match(Index('orders_by_status'), 'open'), o => GT(Select(['data', 'total'], "
     "Get(o)), 100)))"},
    // A page of a selective filter: one order in 5,000 is c42's, so the page
    // of 20 tests the first 100,000 documents, entry by entry (FilterCursor).
    {"Paginate(Filter(Documents(orders), o => Equals(Select([data, customer], Get(o)), 'c42')), "
     "{size: 20})",
     "Paginate(Filter(Documents(Collection('orders')), o => Equals(Select(['data', 'customer'], "
     "Get(o)), 'c42')), {size: 20})"},
};
constexpr int kQueryCount = sizeof(kQueries) / sizeof(kQueries[0]);
constexpr int kHandQueries = 3;  // the hand loop computes the first three's answers

// The hand-written loop: Count of totals above 100 and their sum, over
// every partition of the data directory `dir`.
struct HandResult {
  int64_t above = 0;
  int64_t sum = 0;
};

__attribute__((noinline)) HandResult HandScan(const std::vector<leveldb::DB*>& parts) {
  HandResult r;
  const std::string prefix = std::string("D") + std::string(8, '\0');  // documents of database 0
  for (leveldb::DB* db : parts) {
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    std::string last;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      leveldb::Slice k = it->key();
      if (k.size() < 25 || std::string_view(k.data(), 9) != prefix) break;
      // key: 'D', database, collection (8 bytes each), id, then the
      // inverted version ts (8 bytes): the newest version comes first.
      std::string_view logical(k.data(), k.size() - 8);
      if (logical == last) continue;
      last.assign(logical);
      if (static_cast<uint8_t>(k.data()[16]) <= 4 &&
          std::string_view(k.data() + 9, 7) == std::string(7, '\0'))
        continue;  // schema collections (uids 1..4)
      leveldb::Slice v = it->value();
      if (v.size() < 9 || v[0] == 2) continue;  // a delete
      auto doc = fqldb::storage::DocView::Of(std::string_view(v.data() + 9, v.size() - 9));
      if (!doc.ok()) std::abort();
      auto data = doc->Field("data");
      auto total = data ? data->Field("total") : std::nullopt;
      if (!total || total->kind() != fqldb::ValueKind::kLong) std::abort();
      int64_t t = total->as_long();
      r.above += t > 100;
      if (__builtin_add_overflow(r.sum, t, &r.sum)) std::abort();
    }
  }
  return r;
}

// Creates the orders collection, its status index and `docs` orders.
template <typename Exec>
void Load(Exec& exec, int docs) {
  exec(CompileQuery("CreateCollection({name: 'orders'})"), {}, JitMode::kOff);
  exec(CompileQuery("CreateIndex({name: 'orders_by_status', source: Collection('orders'), terms: "
                    "[{field: ['data', 'status']}]})"),
       {}, JitMode::kOff);
  // Orders with a total (0..249), a status, a customer and two items.
  auto load = CompileQuery(
      "Foreach(ids, Lambda('i', Create(Ref(Collection('orders'), i), {data: {total: Modulo(i, "
      "250), "
      "status: If(Equals(Modulo(i, 3), 0), 'open', 'shipped'), customer: Concat(['c', "
      "ToString(Modulo(i, 5000))]), items: [{sku: Modulo(i, 97), qty: Modulo(i, 4)}, {sku: "
      "Modulo(i, 89), qty: 1}]}})))",
      {"ids"});
  auto start = Clock::now();
  for (int i = 0; i < docs;) {
    fqldb::Array ids;
    for (int k = 0; k < 1000 && i < docs; ++k, ++i) ids.push_back(Value::Long(i + 1));
    exec(load, {Value::MakeArray(std::move(ids))}, JitMode::kOff);
    if (i % 100000 == 0) std::fprintf(stderr, "\rloaded %d of %d documents", i, docs);
  }
  std::fprintf(stderr, "\rloaded %d documents in %.1f s\n", docs, Ms(Clock::now() - start) / 1e3);
}

// Copies the partitions of `root` (compacted, settled) to `copy` and opens
// the copies as the hand loop's LevelDBs.
std::vector<leveldb::DB*> OpenHandCopy(const fs::path& root, const fs::path& copy) {
  fs::remove_all(copy);
  std::vector<leveldb::DB*> parts;
  for (int p = 0;; ++p) {
    char name[32];
    std::snprintf(name, sizeof(name), "part-%03d", p);
    if (!fs::exists(root / name)) break;
    fs::create_directories(copy / name);
    for (const auto& f : fs::directory_iterator(root / name)) {
      if (f.path().filename() != "LOCK") fs::copy_file(f.path(), copy / name / f.path().filename());
    }
    leveldb::Options o;
    o.block_cache = leveldb::NewLRUCache(8u << 20);  // what each fqldb partition has
    leveldb::DB* db = nullptr;
    if (!leveldb::DB::Open(o, (copy / name).string(), &db).ok()) std::exit(1);
    parts.push_back(db);
  }
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  // As in jit_bench.cc: keep freed memory in the process, so that large
  // results are not faulted in page by page on every run (about 15 µs per
  // fault on these VMs). FQL_BENCH_DEFAULT_MALLOC=1 keeps glibc's defaults.
  if (std::getenv("FQL_BENCH_DEFAULT_MALLOC") == nullptr) {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
  }
  int docs = argc > 1 ? std::atoi(argv[1]) : 1000000;
  fs::path root = argc > 2
                      ? fs::path(argv[2])
                      : fs::temp_directory_path() / ("fql-scan-bench-" + std::to_string(getpid()));
  const bool keep = std::getenv("FQL_BENCH_KEEP") != nullptr;
  const bool reuse = keep && fs::exists(root / "part-000");
  if (!reuse) fs::remove_all(root);
  fs::create_directories(root);
  std::vector<double> jit_ms[kQueryCount], interp_ms[kQueryCount], compile_ms(kQueryCount);
  std::vector<double> hand_ms[kQueryCount], ratios[kQueryCount];
  Value results[kQueryCount];
  HandResult hand;
  std::vector<leveldb::DB*> parts;
  {
    fqldb::executor::DatabaseOptions dbo;
    dbo.sync = false;
    auto db = fqldb::executor::Database::Open(root.string(), dbo);
    if (!db.ok()) std::exit(1);
    fqldb::executor::RunOptions run;
    run.now = fqldb::NowTimestamp();
    run.timeout = std::chrono::minutes(10);
    auto exec = [&](const std::shared_ptr<const fqldb::frontend::BoundQuery>& q,
                    std::vector<Value> params, JitMode mode) {
      run.jit = mode;
      return Must((*db)->Execute(q, params, run));
    };
    if (!reuse) Load(exec, docs);
    (*db)->engine().CompactAll();  // read settled stores, as the hand loop will
    const int only = std::getenv("FQL_BENCH_ONLY") ? std::atoi(std::getenv("FQL_BENCH_ONLY")) : 0;
    if (only == 0) {
      parts = OpenHandCopy(root, root / "hand-copy");
      for (int round = 0; round < 2; ++round) hand = HandScan(parts);  // warms its caches
    }
    for (int q = 0; q < kQueryCount; ++q) {
      if (only != 0 && q + 1 != only) continue;
      auto bound = CompileQuery(kQueries[q].fql);
      double before = fqldb::executor::JitStatistics().compile_ms_total;
      results[q] = exec(bound, {}, JitMode::kAlways);  // compiles the shape
      compile_ms[q] = fqldb::executor::JitStatistics().compile_ms_total - before;
      fqldb::executor::WaitForJitUpgrades();  // time the optimised tier
      // The compiled rounds first, then the interpreted ones: the
      // interpreter's million Gets would otherwise leave the block caches
      // and the heap in a different state before every compiled round.
      for (int round = 0; round < 5; ++round) {
        auto t0 = Clock::now();
        Value got = exec(bound, {}, JitMode::kAlways);
        jit_ms[q].push_back(Ms(Clock::now() - t0));
        if (ToFql(got) != ToFql(results[q])) std::exit(2);
        if (q < kHandQueries && only == 0) {
          t0 = Clock::now();
          hand = HandScan(parts);
          hand_ms[q].push_back(Ms(Clock::now() - t0));
          ratios[q].push_back(jit_ms[q].back() / hand_ms[q].back());
        }
        std::fprintf(stderr, "\rquery %d compiled round %d", q + 1, round + 1);
      }
      for (int round = 0; round < 3 && only == 0 && std::getenv("FQL_BENCH_JIT_ONLY") == nullptr;
           ++round) {
        auto t0 = Clock::now();
        Value got = exec(bound, {}, JitMode::kOff);
        interp_ms[q].push_back(Ms(Clock::now() - t0));
        if (ToFql(got) != ToFql(results[q])) std::exit(3);
        std::fprintf(stderr, "\rquery %d interpreted round %d", q + 1, round + 1);
      }
    }
    std::fprintf(stderr, "\n");
    if (only != 0) {
      std::printf("query %d compiled: median %.1f ms\n", only, Median(jit_ms[only - 1]));
      db->reset();
      if (!keep) fs::remove_all(root);
      return 0;
    }
  }

  if (hand.above != results[0].as_long() || hand.sum != results[1].as_long() ||
      hand.sum != results[2].as_long()) {
    std::fprintf(stderr, "hand loop disagrees: %lld %lld\n", static_cast<long long>(hand.above),
                 static_cast<long long>(hand.sum));
    std::exit(4);
  }

  std::printf(
      "| query (%d documents) | JIT | interpreter | hand-written loop | JIT vs interpreter | JIT ÷ "
      "hand loop (median of rounds) | compile |\n",
      docs);
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (int q = 0; q < kQueryCount; ++q) {
    double j = Median(jit_ms[q]), in = interp_ms[q].empty() ? 0 : Median(interp_ms[q]);
    if (q < kHandQueries) {
      std::printf("| `%s` | %.0f ms | %.0f ms | %.0f ms | %.1f× | %.2f | %.1f ms |\n",
                  kQueries[q].label, j, in, Median(hand_ms[q]), in / j, Median(ratios[q]),
                  compile_ms[q]);
    } else {
      std::printf("| `%s` | %.0f ms | %.0f ms | — | %.1f× | — | %.1f ms |\n", kQueries[q].label, j,
                  in, in / j, compile_ms[q]);
    }
  }
  for (leveldb::DB* db : parts) delete db;
  fs::remove_all(root / "hand-copy");
  if (!keep) fs::remove_all(root);
  return 0;
}
