#pragma once

// The merge of several partitions' visible versions and a transaction's
// own writes into one ordered stream (Transaction's scans). storage only.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/internal/partition.h"

namespace fqldb::storage::internal {

// Merges the visible keys of several partitions and the transaction's own
// writes into one ordered stream of (key, version), without copying either.
class VersionMerge {
 public:
  VersionMerge(std::vector<std::unique_ptr<VisibleIterator>> its,
               std::vector<std::pair<std::string, Version>> own, bool reverse)
      : its_(std::move(its)), own_(std::move(own)), reverse_(reverse) {}

  // Moves to the next visible version: false at the end or on an error
  // (see status()). key() and version() are valid until the next call.
  bool Advance() {
    if (pending_ != kNone) {
      its_[pending_]->Next();  // only now: its key and version were lent out
      pending_ = kNone;
    }
    while (status_.ok()) {
      size_t best = kNone;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (!its_[i]->Valid()) {
          Status st = its_[i]->status();
          if (!st.ok()) {
            status_ = st;
            return false;
          }
          continue;
        }
        if (best == kNone || Before(its_[i]->key(), its_[best]->key())) best = i;
      }
      bool own_first = own_pos_ < own_.size() &&
                       (best == kNone || !Before(its_[best]->key(), own_[own_pos_].first));
      if (best == kNone && !own_first) return false;
      if (own_first) {
        const auto& [key, version] = own_[own_pos_++];
        if (best != kNone && its_[best]->key() == key) its_[best]->Next();
        if (version.action() == Action::kDelete) continue;
        key_ = key;
        version_ = version;
      } else {
        key_ = its_[best]->key();
        version_ = its_[best]->version();
        pending_ = best;
      }
      return true;
    }
    return false;
  }
  std::string_view key() const { return key_; }
  VersionView version() const { return version_; }
  const Status& status() const { return status_; }

 private:
  static constexpr size_t kNone = ~size_t{0};
  bool Before(std::string_view a, std::string_view b) const { return reverse_ ? a > b : a < b; }

  std::vector<std::unique_ptr<VisibleIterator>> its_;
  std::vector<std::pair<std::string, Version>> own_;
  size_t own_pos_ = 0;
  bool reverse_;
  size_t pending_ = kNone;  // the iterator to step past once its entry is used
  std::string_view key_;
  VersionView version_;
  Status status_;
};

}  // namespace fqldb::storage::internal
