#pragma once

// The cursors set plans compose: entries held in memory, set algebra over
// ordered streams, filtering, and refs rewritten into a child database.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "executor/internal/call_context.h"
#include "storage/transaction.h"

namespace fqldb::executor::internal {

using CursorPtr = std::unique_ptr<storage::EntryCursor>;

inline bool InBounds(const std::string& key, const storage::ScanBounds& b) {
  return key >= b.start && (b.stop.empty() || key < b.stop);
}

// A cursor over entries held in memory, already in ascending order.
class VectorCursor : public storage::EntryCursor {
 public:
  VectorCursor(std::vector<storage::SetEntry> all, const storage::ScanBounds& b) {
    for (storage::SetEntry& e : all) {
      if (InBounds(e.order_key, b)) entries_.push_back(std::move(e));
    }
    if (b.reverse) std::reverse(entries_.begin(), entries_.end());
  }
  bool Valid() const override { return pos_ < entries_.size(); }
  const storage::SetEntry& entry() const override { return entries_[pos_]; }
  void Next() override { ++pos_; }
  Status status() const override { return Status::Ok(); }

 private:
  std::vector<storage::SetEntry> entries_;
  size_t pos_ = 0;
};

// Union, intersection and difference of ordered streams, in one pass.
class AlgebraCursor : public storage::EntryCursor {
 public:
  AlgebraCursor(SetOp op, std::vector<CursorPtr> inputs, bool reverse)
      : op_(op), in_(std::move(inputs)), reverse_(reverse) {
    Advance();
  }
  bool Valid() const override { return valid_; }
  const storage::SetEntry& entry() const override { return entry_; }
  void Next() override { Advance(); }
  Status status() const override { return status_; }

 private:
  bool Before(const std::string& a, const std::string& b) const { return reverse_ ? a > b : a < b; }

  bool Failed() {
    for (auto& c : in_) {
      if (!c->Valid() && !c->status().ok()) {
        status_ = c->status();
        return true;
      }
    }
    return false;
  }

  void Advance() {
    valid_ = false;
    while (!Failed()) {
      if (op_ == SetOp::kDifference) {
        if (!in_[0]->Valid()) return;
        const std::string& k = in_[0]->entry().order_key;
        bool removed = false;
        for (size_t i = 1; i < in_.size(); ++i) {
          while (in_[i]->Valid() && Before(in_[i]->entry().order_key, k)) in_[i]->Next();
          removed = removed || (in_[i]->Valid() && in_[i]->entry().order_key == k);
        }
        if (Failed()) return;
        if (!removed) {
          entry_ = in_[0]->entry();
          valid_ = true;
        }
        in_[0]->Next();
        if (valid_) return;
        continue;
      }
      const std::string* first = nullptr;
      size_t live = 0;
      for (auto& c : in_) {
        if (!c->Valid()) continue;
        ++live;
        if (first == nullptr || Before(c->entry().order_key, *first)) first = &c->entry().order_key;
      }
      if (first == nullptr || (op_ == SetOp::kIntersection && live < in_.size())) return;
      std::string k = *first;
      size_t equal = 0;
      for (auto& c : in_) {
        if (c->Valid() && c->entry().order_key == k) {
          if (equal++ == 0) entry_ = c->entry();
          c->Next();
        }
      }
      if (op_ == SetOp::kUnion || equal == in_.size()) {
        valid_ = true;
        return;
      }
    }
  }

  SetOp op_;
  std::vector<CursorPtr> in_;
  bool reverse_;
  bool valid_ = false;
  storage::SetEntry entry_;
  Status status_;
};

// Skips entries whose values repeat the previous entry's (Distinct), or
// for which a lambda is not true (Filter).
class FilterCursor : public storage::EntryCursor {
 public:
  // Whether to keep the entry `in` is on.
  using Keep = std::function<Result<bool>(const storage::EntryCursor& in)>;
  FilterCursor(CursorPtr in, Keep keep) : in_(std::move(in)), keep_(std::move(keep)) { Find(); }
  bool Valid() const override { return in_->Valid() && status_.ok(); }
  const storage::SetEntry& entry() const override { return in_->entry(); }
  void Next() override {
    in_->Next();
    Find();
  }
  Status status() const override { return status_.ok() ? in_->status() : status_; }
  std::optional<StoredVersion> stored() const override { return in_->stored(); }

 private:
  void Find() {
    for (; in_->Valid(); in_->Next()) {
      Result<bool> keep = keep_(*in_);
      if (!keep.ok()) {
        status_ = keep.status();
        return;
      }
      if (*keep) return;
    }
  }
  CursorPtr in_;
  Keep keep_;
  Status status_;
};

// Schema documents of a child database: their refs carry the database,
// as Collection("x", Database("app")) does.
class ScopedRefCursor : public storage::EntryCursor {
 public:
  ScopedRefCursor(CursorPtr in, Value scope) : in_(std::move(in)), scope_(std::move(scope)) { Fill(); }
  static Value Scoped(const Value& ref, const Value& scope) {
    return Value::Ref(ref.ref_id(), *ref.ref_collection(), scope);
  }
  bool Valid() const override { return in_->Valid(); }
  const storage::SetEntry& entry() const override { return entry_; }
  void Next() override {
    in_->Next();
    Fill();
  }
  Status status() const override { return in_->status(); }

 private:
  void Fill() {
    if (!in_->Valid()) return;
    entry_ = in_->entry();
    entry_.set_ref(Scoped(entry_.ref(), scope_));
  }
  CursorPtr in_;
  Value scope_;
  storage::SetEntry entry_;
};

}  // namespace fqldb::executor::internal
