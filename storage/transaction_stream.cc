// Transaction's undecoded document streams (compiled scans read them) and
// the size estimate their tiering looks at.
#include <algorithm>
#include <functional>

#include "storage/internal/txn_keys.h"
#include "storage/internal/version_merge.h"
#include "storage/key_codec.h"
#include "storage/transaction.h"

namespace fqldb::storage {

using internal::kDocTag;
using internal::Prefix;
using internal::StoredBody;
using internal::Successor;
using internal::Version;
using internal::VersionMerge;
using internal::VisibleIterator;

namespace {

// What both streams share: the document under the current key and version.
class DocStreamBase : public DocStream {
 public:
  DocStreamBase(Value coll_ref, size_t skip) : coll_ref_(std::move(coll_ref)), skip_(skip) {}
  bool Valid() const override { return valid_; }
  uint64_t ts() const override { return version().ts; }
  std::string_view body() const override { return StoredBody(version().value); }
  Result<Value> ref() const override {
    std::string_view rest = key().substr(skip_);
    FQL_ASSIGN_OR_RETURN(std::string id, DecodeRefId(&rest));
    return Value::Ref(std::move(id), coll_ref_);
  }
  void Next() override {
    if (valid_) valid_ = Advance();
  }

 protected:
  // Moves to the next document: false at the end or on an error.
  virtual bool Advance() = 0;
  virtual std::string_view key() const = 0;
  virtual internal::VersionView version() const = 0;
  // Derived constructors call this once they are ready.
  void Start() { valid_ = Advance(); }

 private:
  Value coll_ref_;
  size_t skip_;
  bool valid_ = false;
};

// A collection's documents in ref order.
class MergedDocStream : public DocStreamBase {
 public:
  MergedDocStream(VersionMerge merge, Value coll_ref, size_t skip)
      : DocStreamBase(std::move(coll_ref), skip), merge_(std::move(merge)) {
    Start();
  }
  Status status() const override { return merge_.status(); }

 private:
  bool Advance() override { return merge_.Advance(); }
  std::string_view key() const override { return merge_.key(); }
  internal::VersionView version() const override { return merge_.version(); }

  VersionMerge merge_;
};

// A collection's documents partition after partition, then the
// transaction's own writes (which replace what storage holds for their
// keys): no merge, for readers that do not need ref order.
class SequentialDocStream : public DocStreamBase {
 public:
  using OpenPartition = std::function<std::unique_ptr<VisibleIterator>(size_t i)>;
  SequentialDocStream(size_t partitions, OpenPartition open,
                      std::vector<std::pair<std::string, Version>> own, Value coll_ref, size_t skip)
      : DocStreamBase(std::move(coll_ref), skip),
        partitions_(partitions),
        open_(std::move(open)),
        own_(std::move(own)) {
    Start();
  }
  Status status() const override { return status_; }

 private:
  std::string_view key() const override { return key_; }
  internal::VersionView version() const override { return version_; }
  bool Own(std::string_view key) const {
    return std::binary_search(own_.begin(), own_.end(), key,
                              [](const auto& a, const auto& b) { return KeyOf(a) < KeyOf(b); });
  }
  static std::string_view KeyOf(std::string_view k) { return k; }
  static std::string_view KeyOf(const std::pair<std::string, Version>& e) { return e.first; }

  bool Advance() override {
    while (part_ < partitions_) {
      if (!it_) {
        it_ = open_(part_);
      } else if (pending_) {
        it_->Next();
      }
      pending_ = false;
      while (it_->Valid() && !own_.empty() && Own(it_->key())) it_->Next();
      if (it_->Valid()) {
        key_ = it_->key();
        version_ = it_->version();
        pending_ = true;
        return true;
      }
      status_ = it_->status();
      if (!status_.ok()) return false;
      it_.reset();
      ++part_;
    }
    while (own_pos_ < own_.size()) {
      const auto& [key, version] = own_[own_pos_++];
      if (version.action() == Action::kDelete) continue;
      key_ = key;
      version_ = version;
      return true;
    }
    return false;
  }

  size_t partitions_;
  OpenPartition open_;
  std::vector<std::pair<std::string, Version>> own_;  // sorted by key
  size_t part_ = 0;
  std::unique_ptr<VisibleIterator> it_;
  bool pending_ = false;
  size_t own_pos_ = 0;
  std::string_view key_;
  internal::VersionView version_;
  Status status_;
};

}  // namespace

std::unique_ptr<DocStream> Transaction::StreamCollection(const Value& coll_ref, uint64_t db,
                                                         uint64_t coll, std::optional<uint64_t> at,
                                                         bool ordered) {
  std::string prefix = Prefix(kDocTag, db, coll);
  size_t skip = prefix.size();
  if (ordered) {
    return std::make_unique<MergedDocStream>(Merge(AllPartitions(), prefix, ScanBounds{}, at),
                                             coll_ref, skip);
  }
  bool snapshot = !at || *at >= read_ts_;
  uint64_t ts = snapshot ? read_ts_ : *at;
  std::string end = Successor(prefix);
  if (snapshot) request_.read_ranges.push_back(internal::KeyRange{prefix, end});
  std::vector<std::pair<std::string, Version>> own;
  for (OwnVersion& o : Own(prefix, end, snapshot, ts)) {
    own.emplace_back(std::move(o.key), std::move(o.version));
  }
  auto open = [this, prefix, end, ts](size_t p) {
    return engine_.partition(static_cast<uint32_t>(p)).Scan(prefix, end, ts, /*reverse=*/false);
  };
  return std::make_unique<SequentialDocStream>(engine_.partitions(), std::move(open),
                                               std::move(own), coll_ref, skip);
}

uint64_t Transaction::ApproximatePrefixBytes(const std::vector<uint32_t>& parts,
                                             const std::string& prefix) const {
  std::string end = Successor(prefix);
  uint64_t bytes = 0;
  for (uint32_t p : parts) bytes += engine_.partition(p).ApproximateBytes(prefix, end);
  return bytes;
}

uint64_t Transaction::ApproximateCollectionBytes(uint64_t db, uint64_t coll) const {
  return ApproximatePrefixBytes(AllPartitions(), Prefix(kDocTag, db, coll));
}

uint64_t Transaction::ApproximateIndexBytes(const IndexDef& def, const Array& terms) const {
  std::vector<uint32_t> parts;
  std::string prefix;
  if (!IndexRange(def, terms, &parts, &prefix).ok()) return 0;
  return ApproximatePrefixBytes(parts, prefix);
}

}  // namespace fqldb::storage
