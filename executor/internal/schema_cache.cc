#include "executor/internal/schema_cache.h"

namespace fqldb::executor::internal {

namespace {

std::string PairKey(uint64_t a, uint64_t b) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; ++i) {
    k[static_cast<size_t>(i)] = static_cast<char>(a >> (8 * i));
    k[static_cast<size_t>(8 + i)] = static_cast<char>(b >> (8 * i));
  }
  return k;
}

template <typename Map>
void PutBounded(Map& map, std::string key, typename Map::mapped_type value, size_t limit) {
  if (map.size() >= limit) map.clear();
  map.insert_or_assign(std::move(key), std::move(value));
}

}  // namespace

bool SchemaCache::Current(uint64_t epoch) {
  if (epoch == epoch_) return true;
  if (epoch < epoch_) return false;  // an older snapshot's view: neither use nor keep it
  docs_.clear();
  indexes_on_.clear();
  indexes_.clear();
  epoch_ = epoch;
  return true;
}

std::optional<std::optional<storage::DocRecord>> SchemaCache::Doc(uint64_t epoch, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Current(epoch)) return std::nullopt;
  auto it = docs_.find(key);
  if (it == docs_.end()) return std::nullopt;
  return it->second;
}

void SchemaCache::PutDoc(uint64_t epoch, const std::string& key, std::optional<storage::DocRecord> record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Current(epoch)) PutBounded(docs_, key, std::move(record), kMaxEntries);
}

std::shared_ptr<const SchemaCache::Indexes> SchemaCache::IndexesOn(uint64_t epoch, uint64_t db, uint64_t coll) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Current(epoch)) return nullptr;
  auto it = indexes_on_.find(PairKey(db, coll));
  return it == indexes_on_.end() ? nullptr : it->second;
}

void SchemaCache::PutIndexesOn(uint64_t epoch, uint64_t db, uint64_t coll, std::shared_ptr<const Indexes> defs) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Current(epoch)) PutBounded(indexes_on_, PairKey(db, coll), std::move(defs), kMaxEntries);
}

std::shared_ptr<const storage::IndexDef> SchemaCache::Index(uint64_t epoch, uint64_t db, uint64_t uid) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Current(epoch)) return nullptr;
  auto it = indexes_.find(PairKey(db, uid));
  return it == indexes_.end() ? nullptr : it->second;
}

void SchemaCache::PutIndex(uint64_t epoch, std::shared_ptr<const storage::IndexDef> def) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Current(epoch)) return;
  std::string key = PairKey(def->db, def->uid);  // before `def` is moved from
  PutBounded(indexes_, std::move(key), std::move(def), kMaxEntries);
}

}  // namespace fqldb::executor::internal
