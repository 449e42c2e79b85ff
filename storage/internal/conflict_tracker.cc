#include "storage/internal/conflict_tracker.h"

namespace fqldb::storage::internal {

bool ConflictTracker::Check(uint64_t read_ts, const std::vector<std::string>& keys,
                            const std::vector<KeyRange>& ranges) const {
  if (read_ts < floor_ts_) return false;
  for (const std::string& k : keys) {
    auto it = last_write_.find(k);
    if (it != last_write_.end() && it->second > read_ts) return false;
  }
  for (const KeyRange& r : ranges) {
    for (auto it = last_write_.lower_bound(r.begin); it != last_write_.end() && it->first < r.end;
         ++it) {
      if (it->second > read_ts) return false;
    }
  }
  return true;
}

void ConflictTracker::Record(uint64_t ts, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  for (const std::string& k : keys) last_write_[k] = ts;
  commits_.emplace_back(ts, keys);
  remembered_ += keys.size();
  Forget();
}

void ConflictTracker::Forget() {
  while (remembered_ > max_keys_ && commits_.size() > 1) {
    auto& [ts, keys] = commits_.front();
    for (const std::string& k : keys) {
      auto it = last_write_.find(k);
      if (it != last_write_.end() && it->second == ts) last_write_.erase(it);
    }
    remembered_ -= keys.size();
    floor_ts_ = ts;
    commits_.pop_front();
  }
}

}  // namespace fqldb::storage::internal
