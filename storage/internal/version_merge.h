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
// The partitions meet in a tournament (loser) tree: each step costs
// log2(partitions) key comparisons, not one per partition.
class VersionMerge {
 public:
  VersionMerge(std::vector<std::unique_ptr<VisibleIterator>> its,
               std::vector<std::pair<std::string, Version>> own, bool reverse)
      : its_(std::move(its)), own_(std::move(own)), reverse_(reverse) {}

  // Moves to the next visible version: false at the end or on an error
  // (see status()). key() and version() are valid until the next call.
  bool Advance() {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) Checked(i);
      if (!status_.ok()) return false;
      Build();
    } else if (lent_) {
      Step(winner_);  // only now: its key and version were lent out
      lent_ = false;
    }
    while (status_.ok()) {
      size_t best = winner_ != kNone && its_[winner_]->Valid() ? winner_ : kNone;
      bool own_first = own_pos_ < own_.size() &&
                       (best == kNone || !Before(its_[best]->key(), own_[own_pos_].first));
      if (best == kNone && !own_first) return false;
      if (own_first) {
        const auto& [key, version] = own_[own_pos_++];
        if (best != kNone && its_[best]->key() == key) Step(best);
        if (version.action() == Action::kDelete) continue;
        key_ = key;
        version_ = version;
      } else {
        key_ = its_[best]->key();
        version_ = its_[best]->version();
        lent_ = true;
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
  // Whether source a's key comes before b's; exhausted sources come last,
  // and equal keys (which partitions never share) in source order.
  bool Wins(size_t a, size_t b) const {
    bool va = a < its_.size() && its_[a]->Valid(), vb = b < its_.size() && its_[b]->Valid();
    if (!va || !vb) return va || (!vb && a < b);
    std::string_view ka = its_[a]->key(), kb = its_[b]->key();
    return ka == kb ? a < b : Before(ka, kb);
  }
  // Records an exhausted source's error, if it had one.
  void Checked(size_t i) {
    if (!its_[i]->Valid() && status_.ok()) status_ = its_[i]->status();
  }
  // Leaves are sources 0..leaves_-1 (past its_.size(): always exhausted);
  // node i > 0 holds the loser of the match played there.
  void Build() {
    leaves_ = 1;
    while (leaves_ < its_.size()) leaves_ *= 2;
    losers_.assign(leaves_, kNone);
    winner_ = its_.empty() ? kNone : Play(1);
  }
  size_t Play(size_t node) {
    if (node >= leaves_) return node - leaves_;
    size_t a = Play(2 * node), b = Play(2 * node + 1);
    bool a_wins = Wins(a, b);
    losers_[node] = a_wins ? b : a;
    return a_wins ? a : b;
  }
  // Moves source i on and replays its path to the root.
  void Step(size_t i) {
    its_[i]->Next();
    Checked(i);
    size_t w = i;
    for (size_t node = (i + leaves_) / 2; node >= 1; node /= 2) {
      if (Wins(losers_[node], w)) std::swap(losers_[node], w);
    }
    winner_ = w;
  }

  std::vector<std::unique_ptr<VisibleIterator>> its_;
  std::vector<std::pair<std::string, Version>> own_;
  size_t own_pos_ = 0;
  bool reverse_;
  bool started_ = false;
  size_t leaves_ = 1;
  std::vector<size_t> losers_;
  size_t winner_ = kNone;
  bool lent_ = false;  // the winner's entry is out: step past it at the next Advance
  std::string_view key_;
  VersionView version_;
  Status status_;
};

}  // namespace fqldb::storage::internal
