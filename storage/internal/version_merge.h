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
  // Every key under the scan shares its first `common` bytes (the prefix).
  VersionMerge(std::vector<std::unique_ptr<VisibleIterator>> its,
               std::vector<std::pair<std::string, Version>> own, bool reverse, size_t common)
      : its_(std::move(its)), own_(std::move(own)), reverse_(reverse), common_(common) {
    heads_.resize(its_.size());
    for (size_t i = 0; i < its_.size(); ++i) Refresh(i);
  }

  // Moves to the next visible version: false at the end or on an error
  // (see status()). key() and version() are valid until the next call.
  bool Advance() {
    if (pending_ != kNone) {
      its_[pending_]->Next();  // only now: its key and version were lent out
      Refresh(pending_);
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
        if (best == kNone || Less(i, best)) best = i;
      }
      bool own_first = own_pos_ < own_.size() &&
                       (best == kNone || !Before(its_[best]->key(), own_[own_pos_].first));
      if (best == kNone && !own_first) return false;
      if (own_first) {
        const auto& [key, version] = own_[own_pos_++];
        if (best != kNone && its_[best]->key() == key) {
          its_[best]->Next();
          Refresh(best);
        }
        if (version.action() == Action::kDelete) continue;
        key_ = key;
        version_ = &version;
      } else {
        key_ = its_[best]->key();
        version_ = &its_[best]->version();
        pending_ = best;
      }
      return true;
    }
    return false;
  }
  std::string_view key() const { return key_; }
  const Version& version() const { return *version_; }
  const Status& status() const { return status_; }

 private:
  static constexpr size_t kNone = ~size_t{0};
  bool Before(std::string_view a, std::string_view b) const { return reverse_ ? a > b : a < b; }
  // Keys compare by the 8 bytes after the shared prefix (as one integer),
  // and in full only when those are equal: most steps of the merge cost a
  // few integer compares instead of string compares.
  void Refresh(size_t i) {
    uint64_t h = 0;
    if (its_[i]->Valid()) {
      std::string_view k = its_[i]->key();
      for (size_t b = 0; b < 8; ++b) {
        size_t at = common_ + b;
        h = (h << 8) | (at < k.size() ? static_cast<uint8_t>(k[at]) : 0u);
      }
    }
    heads_[i] = h;
  }
  bool Less(size_t i, size_t j) const {
    if (heads_[i] != heads_[j]) return reverse_ ? heads_[i] > heads_[j] : heads_[i] < heads_[j];
    return Before(its_[i]->key(), its_[j]->key());
  }

  std::vector<std::unique_ptr<VisibleIterator>> its_;
  std::vector<std::pair<std::string, Version>> own_;
  size_t own_pos_ = 0;
  bool reverse_;
  size_t common_;
  std::vector<uint64_t> heads_;
  size_t pending_ = kNone;  // the iterator to step past once its entry is used
  std::string_view key_;
  const Version* version_ = nullptr;
  Status status_;
};

}  // namespace fqldb::storage::internal
