#include "executor/database.h"

#include <chrono>
#include <random>
#include <thread>

#include "executor/explain.h"
#include "executor/internal/index_build.h"
#include "executor/internal/schema_cache.h"
#include "executor/internal/storage_context.h"
#include "storage/engine.h"
#include "storage/transaction.h"

namespace fqldb::executor {

namespace {

uint64_t NowMicros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

Timestamp FromMicros(uint64_t us) {
  return Timestamp{static_cast<int64_t>(us / 1000000), static_cast<int32_t>((us % 1000000) * 1000)};
}

// Swaps the provisional ts for the commit ts wherever the result holds it:
// the `ts` of documents this transaction wrote, and Now().
Value ReplaceTs(const Value& v, uint64_t from, uint64_t to) {
  switch (v.kind()) {
    case ValueKind::kLong:
      return v.as_long() == static_cast<int64_t>(from) ? Value::Long(static_cast<int64_t>(to)) : v;
    case ValueKind::kTimestamp:
      return v.as_time() == FromMicros(from) ? Value::Time(FromMicros(to)) : v;
    case ValueKind::kArray: {
      Array out;
      out.reserve(v.array().size());
      for (const Value& e : v.array()) out.push_back(ReplaceTs(e, from, to));
      return Value::MakeArray(std::move(out));
    }
    case ValueKind::kObject: {
      Fields out;
      out.reserve(v.fields().size());
      for (const Field& f : v.fields()) out.emplace_back(f.first, ReplaceTs(f.second, from, to));
      return Value::MakeObject(std::move(out));
    }
    case ValueKind::kPage: {
      Array data;
      for (const Value& e : v.array()) data.push_back(ReplaceTs(e, from, to));
      std::optional<Value> before, after;
      if (v.page_before()) before = ReplaceTs(*v.page_before(), from, to);
      if (v.page_after()) after = ReplaceTs(*v.page_after(), from, to);
      return Value::Page(std::move(data), std::move(before), std::move(after));
    }
    default: return v;
  }
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir,
                                                 const DatabaseOptions& options) {
  storage::EngineOptions eo;
  eo.partitions = options.partitions;
  eo.durability = options.sync ? storage::Durability::kSync : storage::Durability::kAsync;
  eo.row_cache_bytes = options.row_cache_bytes;
  std::unique_ptr<Database> db(new Database());
  db->options_ = options;
  FQL_ASSIGN_OR_RETURN(db->engine_, storage::Engine::Open(dir, eo));
  Database* self = db.get();
  db->builder_ = std::make_unique<internal::IndexBuilder>(
      [self](uint64_t in, const std::function<Status(internal::StorageContext&)>& fn) -> Status {
        // One chunk, retried a bounded number of times: the builder takes
        // smaller chunks while writers keep conflicting with it.
        Result<Value> r =
            self->Transact(in, [&](internal::StorageContext& sc, uint64_t) -> Result<Value> {
              FQL_RETURN_IF_ERROR(fn(sc));
              return Value();
            });
        return r.status();
      });
  // Builds an earlier process did not finish.
  FQL_RETURN_IF_ERROR(db->builder_->Resume());
  return db;
}

Database::Database() : schema_cache_(std::make_unique<internal::SchemaCache>()) {}
Database::~Database() = default;

Status Database::WaitForIndexBuilds(const std::function<void(uint64_t indexed)>& progress) {
  return builder_->WaitIdle(progress);
}

uint64_t Database::BackgroundIndexed() const { return builder_->indexed(); }

Result<Value> Database::Execute(const std::shared_ptr<const frontend::BoundQuery>& query,
                                const std::vector<Value>& params, RunOptions options, uint64_t db) {
  return Transact(db, [&](internal::StorageContext& sc, uint64_t provisional) {
    options.storage = &sc;
    options.now = FromMicros(provisional);
    if (options.explain) options.explain->Clear();  // report the attempt that counted
    return Run(query, params, options);
  });
}

Result<Value> Database::Transact(uint64_t db, const TxnBody& body) {
  thread_local std::minstd_rand rng(std::random_device{}());
  Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    uint64_t read_ts = engine_->ReadTs();
    uint64_t provisional = std::max(NowMicros(), read_ts + 1);
    storage::Transaction txn(*engine_, read_ts, provisional);
    internal::StorageContext sc(txn, db, schema_cache_.get(), engine_->SchemaTs());
    Result<Value> result = body(sc, provisional);
    if (!result.ok() || !txn.has_writes()) return result;
    Result<uint64_t> ts = txn.Commit();
    if (ts.ok()) {
      for (const auto& b : sc.index_builds()) builder_->Start({b.db, b.name, b.uid});
      return ReplaceTs(*result, provisional, *ts);
    }
    last = ts.status();
    if (last.code() != ErrorCode::kContendedTransaction) return last;
    // Back off a random, growing while so that the conflicting writers spread out.
    uint64_t cap_us = 50u << std::min(attempt, 10);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % cap_us));
  }
  return Status(ErrorCode::kContendedTransaction,
                "Transaction was aborted due to detection of concurrent modification, " +
                    std::to_string(options_.max_attempts) + " times.");
}

Result<uint64_t> Database::ResolveDatabase(const std::string& path) {
  uint64_t read_ts = engine_->ReadTs();
  storage::Transaction txn(*engine_, read_ts, read_ts + 1);
  uint64_t db = storage::kRootDb;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string name = path.substr(start, slash - start);
    storage::DocAddress addr{db, static_cast<uint64_t>(storage::NativeColl::kDatabases), name};
    Result<std::optional<storage::DocRecord>> rec = txn.Read(addr);
    if (!rec.ok()) return rec.status();
    const std::optional<storage::DocRecord>& found = *rec;
    if (name.empty() || !found.has_value() || found->action == storage::Action::kDelete) {
      return Status(ErrorCode::kInvalidRef, "Database '" + path + "' does not exist.");
    }
    db = found->uid;
    start = slash + 1;
  }
  return db;
}

}  // namespace fqldb::executor
