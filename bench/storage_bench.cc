// Storage benchmarks (issue 3). Prints a Markdown table for
// docs/benchmarks.md; each fqldb figure is set against raw LevelDB doing the
// same amount of work in the same run. Not a test: nothing here asserts a time.
//   usage: fql_bench_storage [documents (default 200000)] [dir (default a temp dir)]
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/database.h"
#include "storage/engine.h"

namespace {

namespace fs = std::filesystem;
using fqldb::Array;
using fqldb::Value;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

using fqldb::bench::CompileQuery;
using fqldb::bench::Median;

Value Must(fqldb::Result<Value> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "query failed: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

constexpr size_t kPartitions = 8;                // fqldb's default
constexpr size_t kDefaultBlockCache = 8u << 20;  // LevelDB's, per partition

// A raw LevelDB; `block_cache` bytes of block cache (0: LevelDB's default).
// The cache must outlive the DB, so it is never freed (once per run).
std::unique_ptr<leveldb::DB> RawDb(const fs::path& dir, size_t block_cache = 0) {
  leveldb::Options o;
  o.create_if_missing = true;
  o.compression = leveldb::kNoCompression;
  if (block_cache > 0) o.block_cache = leveldb::NewLRUCache(block_cache);
  leveldb::DB* db = nullptr;
  if (!leveldb::DB::Open(o, dir.string(), &db).ok()) std::exit(1);
  return std::unique_ptr<leveldb::DB>(db);
}

std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "doc%012llu", static_cast<unsigned long long>(i));
  return buf;
}

const std::string kPayload(80, 'x');

// Runs `per_thread` operations on each of `threads` threads; returns ops/s.
template <typename Fn>
double Throughput(int threads, int per_thread, Fn fn) {
  auto start = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) fn(t, i);
    });
  }
  for (auto& th : ts) th.join();
  return threads * per_thread / Seconds(Clock::now() - start);
}

void Row(const char* what, const char* unit, double raw, double ours, bool higher_is_better) {
  double ratio = higher_is_better ? ours / raw : raw / ours;
  std::printf("| %s | %.1f %s | %.1f %s | %.0f%% |\n", what, raw, unit, ours, unit, ratio * 100);
}

// Five rounds, each timing raw LevelDB and then fqldb (so that drifting
// machine noise hits both alike); reports the median of each side.
void BenchCreates(const fs::path& root, bool sync, int threads, int per_thread) {
  auto raw = RawDb(root / (sync ? "raw-sync" : "raw-async"));
  leveldb::WriteOptions wo;
  wo.sync = sync;
  std::atomic<uint64_t> next{0};
  fqldb::executor::DatabaseOptions dbo;
  dbo.sync = sync;
  auto db =
      fqldb::executor::Database::Open((root / (sync ? "fql-sync" : "fql-async")).string(), dbo);
  if (!db.ok()) std::exit(1);
  Must((*db)->Execute(CompileQuery("CreateCollection({name: 'bench'})"), {}, {}));
  auto create = CompileQuery("Create(Collection('bench'), {data: {i: i, s: s}})", {"i", "s"});
  std::vector<double> raw_ops, ours_ops;
  const int kRounds = 5;
  for (int r = 0; r < kRounds; ++r) {
    raw_ops.push_back(Throughput(threads, per_thread, [&](int, int) {
      leveldb::WriteBatch b;
      b.Put(Key(next++), kPayload);
      raw->Write(wo, &b);
    }));
    ours_ops.push_back(Throughput(threads, per_thread, [&](int t, int i) {
      int64_t n = (static_cast<int64_t>(r) * threads + t) * per_thread + i;
      Must((*db)->Execute(create, {Value::Long(n), Value::String(kPayload)}, {}));
    }));
  }
  char label[128];
  std::snprintf(label, sizeof(label), "Create, %s durability, %d writers (median of %d rounds)",
                sync ? "sync" : "async", threads, kRounds);
  Row(label, "ops/s", Median(raw_ops), Median(ours_ops), true);
  if (sync) {
    std::printf("| (fqldb fdatasyncs for %d commits) | | %llu | |\n",
                kRounds * threads * per_thread,
                static_cast<unsigned long long>((*db)->engine().stats().fsyncs));
  }
}

// Runs `n` operations as one warm-up round and five timed rounds; returns
// the median round's µs per operation (these machines are noisy).
template <typename Fn>
double MedianUs(int n, Fn fn) {
  std::vector<double> rounds;
  for (int r = 0; r < 6; ++r) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) fn();
    if (r > 0) rounds.push_back(Seconds(Clock::now() - start) * 1e6 / n);
  }
  return Median(std::move(rounds));
}

// FQL_BENCH_ONLY=create|create-sync|create-async|get|paginate|count runs one
// part (for profiling).
// FQL_BENCH_REPEAT=N runs N times as many gets and pages.
int Repeat() {
  const char* r = std::getenv("FQL_BENCH_REPEAT");
  return r == nullptr ? 1 : std::max(1, std::atoi(r));
}

bool Wanted(const char* part) {
  const char* only = std::getenv("FQL_BENCH_ONLY");
  return only == nullptr || std::string(only) == part;
}

void BenchReads(const fs::path& root, int docs) {
  // The same documents in raw LevelDB and in fqldb, loaded in large batches.
  // Raw LevelDB gets the block cache memory fqldb's partitions have in all.
  auto raw = RawDb(root / "raw-read", kPartitions * kDefaultBlockCache);
  for (int i = 0; i < docs;) {
    leveldb::WriteBatch b;
    for (int k = 0; k < 1000 && i < docs; ++k, ++i) b.Put(Key(static_cast<uint64_t>(i)), kPayload);
    raw->Write(leveldb::WriteOptions(), &b);
  }
  fqldb::executor::DatabaseOptions dbo;
  dbo.sync = false;
  auto db = fqldb::executor::Database::Open((root / "fql-read").string(), dbo);
  if (!db.ok()) std::exit(1);
  Must((*db)->Execute(CompileQuery("CreateCollection({name: 'bench'})"), {}, {}));
  Must(
      (*db)->Execute(CompileQuery("CreateIndex({name: 'by_group', source: Collection('bench'), "
                             "terms: [{field: ['data', 'g']}], values: [{field: ['data', 'i']}]})"),
                     {}, {}));
  auto load = CompileQuery(
      "Foreach(ids, Lambda('i', Create(Ref(Collection('bench'), i), {data: {i: i, g: Modulo(i, "
      "100), s: s}})))",
      {"ids", "s"});
  auto start = Clock::now();
  for (int i = 0; i < docs;) {
    Array ids;
    for (int k = 0; k < 1000 && i < docs; ++k, ++i) ids.push_back(Value::Long(i + 1));
    Must((*db)->Execute(load, {Value::MakeArray(std::move(ids)), Value::String(kPayload)}, {}));
  }
  std::fprintf(stderr, "loaded %d documents in %.1f s\n", docs, Seconds(Clock::now() - start));
  // Read from settled stores: no background compaction of either side
  // running while the reads are timed.
  raw->CompactRange(nullptr, nullptr);
  (*db)->engine().CompactAll();

  std::mt19937 rng(42);
  if (Wanted("get")) {
    // Two patterns, each measured on both sides in the same way. First
    // reads: every get is of a document not read before (fqldb's row cache
    // cannot help). Rereads: gets of a working set of 20,000 documents,
    // read once before the timed rounds (the row cache holds them).
    const int gets = 20000 * Repeat();
    std::vector<uint64_t> order(static_cast<size_t>(docs));
    for (int i = 0; i < docs; ++i) order[static_cast<size_t>(i)] = static_cast<uint64_t>(i);
    std::shuffle(order.begin(), order.end(), rng);
    std::string out;
    auto get = CompileQuery("Get(Ref(Collection('bench'), id))", {"id"});
    auto fql_get = [&](uint64_t i) {
      Must((*db)->Execute(get, {Value::String(std::to_string(i + 1))}, {}));
    };
    size_t next = 0;  // first reads: raw takes order's first half, fqldb the second
    auto fresh = [&] { return order[next++ % order.size()]; };
    double raw_first =
        MedianUs(gets / 6, [&] { raw->Get(leveldb::ReadOptions(), Key(fresh()), &out); });
    next = order.size() / 2;
    double ours_first = MedianUs(gets / 6, [&] { fql_get(fresh()); });
    Row("Get by ref, first read of each document", "µs", raw_first, ours_first, false);
    const size_t working = std::min<size_t>(20000, order.size());
    for (size_t i = 0; i < working; ++i) {
      raw->Get(leveldb::ReadOptions(), Key(order[i]), &out);
      fql_get(order[i]);
    }
    double raw_again = MedianUs(
        gets, [&] { raw->Get(leveldb::ReadOptions(), Key(order[rng() % working]), &out); });
    double ours_again = MedianUs(gets, [&] { fql_get(order[rng() % working]); });
    Row("Get by ref, rereads of 20,000 documents", "µs", raw_again, ours_again, false);
  }
  if (Wanted("paginate")) {
    const int pages = 2000 * Repeat();
    double raw_us = MedianUs(pages, [&] {
      std::unique_ptr<leveldb::Iterator> it(raw->NewIterator(leveldb::ReadOptions()));
      int n = 0;
      for (it->Seek(Key(rng() % docs)); it->Valid() && n < 100; it->Next()) ++n;
    });
    auto page = CompileQuery("Paginate(Match(Index('by_group'), g), {size: 100})", {"g"});
    double ours_us =
        MedianUs(pages, [&] { Must((*db)->Execute(page, {Value::Long(rng() % 100)}, {})); });
    Row("Paginate(Match(index, term)), 100 entries", "µs", raw_us, ours_us, false);
  }
  if (!Wanted("count")) return;

  start = Clock::now();
  {
    std::unique_ptr<leveldb::Iterator> it(raw->NewIterator(leveldb::ReadOptions()));
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    if (n != docs) std::exit(1);
  }
  double raw_ms = Seconds(Clock::now() - start) * 1e3;
  start = Clock::now();
  Value count = Must((*db)->Execute(CompileQuery("Count(Documents(Collection('bench')))"), {}, {}));
  double ours_ms = Seconds(Clock::now() - start) * 1e3;
  if (count.as_long() != docs) std::exit(1);
  char label[96];
  std::snprintf(label, sizeof(label), "Count(Documents(...)) over %d documents", docs);
  Row(label, "ms", raw_ms, ours_ms, false);
}

}  // namespace

int main(int argc, char** argv) {
  int docs = argc > 1 ? std::atoi(argv[1]) : 200000;
  fs::path root = argc > 2 ? fs::path(argv[2])
                           : fs::temp_directory_path() / ("fql-bench-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  std::printf("| operation | raw LevelDB | fqldb | fqldb as %% of raw |\n|---|---:|---:|---:|\n");
  if (Wanted("create") || Wanted("create-sync")) BenchCreates(root, /*sync=*/true, 8, 250);
  if (Wanted("create") || Wanted("create-async")) BenchCreates(root, /*sync=*/false, 8, 2500);
  if (Wanted("get") || Wanted("paginate") || Wanted("count")) BenchReads(root, docs);
  fs::remove_all(root);
  return 0;
}
