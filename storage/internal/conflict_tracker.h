#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace fqldb::storage::internal {

// A half-open range [begin, end) of logical keys that a transaction read.
struct KeyRange {
  std::string begin;
  std::string end;
};

// The sequencer's memory of recent writes (FoundationDB's resolver): for
// every logical key written by a recent commit, the newest commit ts. It
// answers "was anything this transaction read written after it read?".
// Memory is bounded: past `max_keys` remembered writes the oldest commits
// are forgotten and the floor rises; a transaction whose read ts is below
// the floor is rejected (it would be retried with a fresh snapshot). Not
// thread-safe; the sequencer serializes calls.
class ConflictTracker {
 public:
  explicit ConflictTracker(size_t max_keys = 1u << 20) : max_keys_(max_keys) {}

  // True when no key in `keys` and no key inside `ranges` was written by a
  // commit with ts > read_ts, and read_ts is not below the floor.
  bool Check(uint64_t read_ts, const std::vector<std::string>& keys,
             const std::vector<KeyRange>& ranges) const;

  // Remembers that commit `ts` (greater than every earlier one) wrote `keys`.
  void Record(uint64_t ts, const std::vector<std::string>& keys);

  // Commits at or below the floor have been forgotten.
  uint64_t floor_ts() const { return floor_ts_; }
  size_t size() const { return last_write_.size(); }

 private:
  void Forget();

  size_t max_keys_;
  uint64_t floor_ts_ = 0;
  std::map<std::string, uint64_t, std::less<>> last_write_;
  // Commits in ts order with the keys they wrote, for forgetting the oldest.
  std::deque<std::pair<uint64_t, std::vector<std::string>>> commits_;
  size_t remembered_ = 0;  // keys held in commits_
};

}  // namespace fqldb::storage::internal
