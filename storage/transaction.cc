#include "storage/transaction.h"

#include <algorithm>
#include <set>

#include "storage/doc_codec.h"
#include "storage/internal/entry_extractor.h"
#include "storage/internal/fixed_width.h"
#include "storage/internal/txn_keys.h"
#include "storage/internal/version_merge.h"
#include "storage/key_codec.h"

namespace fqldb::storage {

using internal::DecodeDocRecord;
using internal::DocKey;
using internal::DocValue;
using internal::Hash;
using internal::IndexedDoc;
using internal::kDocTag;
using internal::kDocValueHeader;
using internal::kIndexTag;
using internal::Prefix;
using internal::PutBigEndian64;
using internal::StoredBody;
using internal::Successor;
using internal::Version;
using internal::VisibleIterator;

bool IndexReadsTs(const IndexDef& def) {
  auto reads_ts = [](const IndexField& f) {
    return !f.path.empty() && f.path[0].is_string() && f.path[0].str() == "ts";
  };
  return std::any_of(def.terms.begin(), def.terms.end(), reads_ts) ||
         std::any_of(def.values.begin(), def.values.end(), reads_ts);
}

namespace {

using internal::VersionMerge;

// The merged stream as set entries.
class MergeCursor : public EntryCursor {
 public:
  using Decoder =
      std::function<Status(std::string_view key, internal::VersionView v, SetEntry* out)>;

  // `writes`: when set, the merge is of the document versions of
  // `txn` read at `at`, which stored() lends until `txn` writes a document
  // (the merge holds its writes as they were when it opened).
  MergeCursor(VersionMerge merge, Decoder decode, const Transaction* writes = nullptr,
              std::optional<uint64_t> at = {})
      : merge_(std::move(merge)),
        decode_(std::move(decode)),
        txn_(writes),
        doc_writes_(writes ? writes->doc_writes() : 0),
        at_(at) {
    Advance();
  }

  bool Valid() const override { return valid_; }
  const SetEntry& entry() const override { return entry_; }
  void Next() override { Advance(); }
  Status status() const override { return status_.ok() ? merge_.status() : status_; }
  std::optional<StoredVersion> stored() const override {
    if (txn_ == nullptr || !valid_ || txn_->doc_writes() != doc_writes_) return std::nullopt;
    internal::VersionView v = merge_.version();
    if (v.action() == Action::kDelete || v.value.size() < kDocValueHeader) return std::nullopt;
    return StoredVersion{v.ts, StoredBody(v.value), at_};
  }

 private:
  void Advance() {
    valid_ = false;
    if (!status_.ok() || !merge_.Advance()) return;
    status_ = decode_(merge_.key(), merge_.version(), &entry_);
    valid_ = status_.ok();
  }

  VersionMerge merge_;
  Decoder decode_;
  const Transaction* txn_;
  uint64_t doc_writes_;
  std::optional<uint64_t> at_;
  bool valid_ = false;
  SetEntry entry_;
  Status status_;
};

}  // namespace

const Value& SetEntry::ref() const {
  if (!encoded_ref_.empty()) {
    Result<Value> r = DecodeDocument(encoded_ref_);
    FQL_CHECK(r.ok());  // set_encoded_ref takes only checked bytes
    ref_ = std::move(*r);
    encoded_ref_.clear();
  }
  return ref_;
}

void AppendRefCollection(uint64_t coll, std::string* out) { PutBigEndian64(coll, out); }

Result<std::string> EncodeOrderPrefix(const IndexDef* def, const Array& prefix) {
  std::string out;
  size_t nvalues = def ? def->values.size() : 0;
  for (size_t i = 0; i < prefix.size() && i <= nvalues; ++i) {
    if (i == nvalues) {
      // The ref part: its id (a prefix that covers the collection suffix).
      if (prefix[i].kind() != ValueKind::kRef) {
        return Status(ErrorCode::kInvalidArgument, "A cursor ends with a Ref.");
      }
      EncodeRefId(prefix[i].ref_id(), &out);
      break;
    }
    std::string part;
    FQL_RETURN_IF_ERROR(EncodeKey(prefix[i], &part));
    if (i < nvalues && def->values[i].reverse) {
      for (char& c : part) c = static_cast<char>(~static_cast<uint8_t>(c));
    }
    out += part;
  }
  return out;
}

std::string OrderPrefixSuccessor(std::string prefix) { return Successor(std::move(prefix)); }

Transaction::Transaction(Engine& engine, uint64_t read_ts, uint64_t provisional_ts)
    : engine_(engine), read_ts_(read_ts), provisional_ts_(provisional_ts) {
  request_.read_ts = read_ts;
}

uint32_t Transaction::DocPartition(const DocAddress& addr) const {
  std::string bytes = Prefix(kDocTag, addr.db, addr.coll) + addr.id;
  return static_cast<uint32_t>(Hash(bytes) & (engine_.partitions() - 1));
}

Result<std::optional<DocRecord>> Transaction::Read(const DocAddress& addr,
                                                   std::optional<uint64_t> at) {
  std::string key = DocKey(addr);
  bool snapshot = !at || *at >= read_ts_;
  if (const std::vector<DocRecord>* edited = EditedHistory(key)) {
    // This transaction rewrote the document's history: read its own copy.
    // (Nothing else may write the document afterwards in this transaction.)
    uint64_t upto = snapshot ? read_ts_ : *at;
    for (auto r = edited->rbegin(); r != edited->rend(); ++r) {
      if (r->ts <= upto) return std::optional<DocRecord>(*r);
    }
    return std::optional<DocRecord>();
  }
  FQL_ASSIGN_OR_RETURN(std::optional<Version> v, VisibleVersion(addr, key, at));
  if (!v) return std::optional<DocRecord>();
  FQL_ASSIGN_OR_RETURN(DocRecord r, DecodeDocRecord(v->ts, v->value));
  return std::optional<DocRecord>(std::move(r));
}

Result<std::optional<Version>> Transaction::VisibleVersion(const DocAddress& addr,
                                                           const std::string& key,
                                                           std::optional<uint64_t> at) {
  bool snapshot = !at || *at >= read_ts_;
  if (snapshot) {
    if (auto own = writes_.find(key); own != writes_.end()) {
      return std::optional<Version>(Version{provisional_ts_, own->second.value});
    }
    request_.read_keys.push_back(key);
  }
  return engine_.partition(DocPartition(addr)).Latest(key, snapshot ? read_ts_ : *at);
}

Result<std::optional<std::pair<uint64_t, std::string>>> Transaction::ReadStored(
    const DocAddress& addr, std::optional<uint64_t> at) {
  using Stored = std::optional<std::pair<uint64_t, std::string>>;
  std::string key = DocKey(addr);
  if (EditedHistory(key) != nullptr) {
    return Status(ErrorCode::kUnsupported, "this transaction edited the document's history");
  }
  FQL_ASSIGN_OR_RETURN(std::optional<Version> v, VisibleVersion(addr, key, at));
  if (!v || v->action() == Action::kDelete || v->value.size() < kDocValueHeader) return Stored();
  return Stored(std::make_pair(v->ts, std::string(StoredBody(v->value))));
}

Result<std::vector<DocRecord>> Transaction::History(const DocAddress& addr,
                                                    std::optional<uint64_t> at) {
  std::string key = DocKey(addr);
  bool snapshot = !at || *at >= read_ts_;
  if (const std::vector<DocRecord>* edited = EditedHistory(key)) {
    uint64_t upto = snapshot ? read_ts_ : *at;
    std::vector<DocRecord> out;
    for (const DocRecord& r : *edited) {
      if (r.ts <= upto) out.push_back(r);
    }
    return out;
  }
  const auto& part = engine_.partition(DocPartition(addr));
  FQL_ASSIGN_OR_RETURN(std::vector<Version> versions, part.History(key, snapshot ? read_ts_ : *at));
  std::vector<DocRecord> out;
  for (const Version& v : versions) {
    FQL_ASSIGN_OR_RETURN(DocRecord r, DecodeDocRecord(v.ts, v.value));
    out.push_back(std::move(r));
  }
  if (snapshot) {
    request_.read_keys.push_back(key);
    auto own = writes_.find(key);
    if (own != writes_.end()) {
      FQL_ASSIGN_OR_RETURN(DocRecord r, DecodeDocRecord(provisional_ts_, own->second.value));
      out.push_back(std::move(r));
    }
  }
  return out;
}

Status Transaction::Write(const DocAddress& addr, const Value& ref, Action action, uint64_t uid,
                          const Value& body, std::span<const IndexDef* const> indexes) {
  FQL_ASSIGN_OR_RETURN(std::optional<DocRecord> old, Read(addr));
  return Write(addr, ref, action, uid, body, indexes, old);
}

Status Transaction::Write(const DocAddress& addr, const Value& ref, Action action, uint64_t uid,
                          const Value& body, std::span<const IndexDef* const> indexes,
                          const std::optional<DocRecord>& old) {
  std::string key = DocKey(addr);
  if (edited_.count(key)) {
    return Status(ErrorCode::kInvalidArgument,
                  "A document whose history this transaction edited cannot also be written in it.");
  }
  std::optional<Value> old_doc, new_doc;
  if (old && old->action != Action::kDelete) old_doc = IndexedDoc(ref, old->ts, old->body);
  if (action != Action::kDelete) new_doc = IndexedDoc(ref, provisional_ts_, body);
  for (const IndexDef* def : indexes) {
    if (IndexReadsTs(*def)) {
      // The first write of a document in this transaction starts from the
      // committed version (an index made later in it has no entries for
      // it yet); later writes only change where it ends.
      Defer(*def, addr, ref, writes_.count(key) ? std::nullopt : old, action, body);
      // Reads later in this transaction see the entries at the provisional
      // ts (an own earlier write's entries are replaced, as old_doc has it).
      FQL_RETURN_IF_ERROR(PutEntries(*def, ref, addr, old_doc ? &*old_doc : nullptr,
                                     new_doc ? &*new_doc : nullptr, /*check_unique=*/true,
                                     &provisional_entries_));
      continue;
    }
    FQL_RETURN_IF_ERROR(
        PutEntries(*def, ref, addr, old_doc ? &*old_doc : nullptr, new_doc ? &*new_doc : nullptr));
  }
  std::string encoded;
  if (action != Action::kDelete) FQL_RETURN_IF_ERROR(EncodeDocument(body, &encoded));
  writes_[key] = Buffered{DocPartition(addr), DocValue(action, uid, encoded)};
  ++doc_writes_;
  if (addr.coll <= static_cast<uint64_t>(NativeColl::kDatabases)) request_.schema_change = true;
  return Status::Ok();
}

void Transaction::NoteDocRead(const DocAddress& addr) {
  request_.read_keys.push_back(DocKey(addr));
}

void Transaction::NoteCollectionRead(uint64_t db, uint64_t coll) {
  std::string prefix = Prefix(kDocTag, db, coll);
  std::string end = Successor(prefix);
  request_.read_ranges.push_back(internal::KeyRange{std::move(prefix), std::move(end)});
}

void Transaction::Defer(const IndexDef& def, const DocAddress& addr, const Value& ref,
                        const std::optional<DocRecord>& committed, Action action,
                        const Value& body) {
  std::string key = DocKey(addr);
  PutBigEndian64(def.uid, &key);
  auto it = deferred_.find(key);
  if (it == deferred_.end()) {
    Deferred d;
    d.addr = addr;
    d.ref = ref;
    d.committed = committed;
    d.def = def;
    it = deferred_.emplace(std::move(key), std::move(d)).first;
  }
  it->second.action = action;
  it->second.body = body;
}

Status Transaction::FinalizeEntries(uint64_t ts, std::vector<internal::PartitionWrite>* out) {
  // PutEntries buffers into writes_; collect what it adds on its own.
  Buffer kept;
  kept.swap(writes_);
  Status st;
  for (const auto& [key, d] : deferred_) {
    std::optional<Value> old_doc, new_doc;
    if (d.committed && d.committed->action != Action::kDelete) {
      old_doc = IndexedDoc(d.ref, d.committed->ts, d.committed->body);
    }
    if (d.action != Action::kDelete) new_doc = IndexedDoc(d.ref, ts, d.body);
    st = PutEntries(d.def, d.ref, d.addr, old_doc ? &*old_doc : nullptr,
                    new_doc ? &*new_doc : nullptr,
                    /*check_unique=*/false);
    if (!st.ok()) break;
  }
  for (auto& [key, b] : writes_) {
    internal::PartitionWrite w;
    w.partition = b.partition;
    w.write.key = key;
    w.write.value = std::move(b.value);
    out->push_back(std::move(w));
  }
  writes_.swap(kept);
  return st;
}

Status Transaction::IndexExisting(const IndexDef& def, const DocAddress& addr, const Value& ref,
                                  const DocRecord& record, bool only_missing) {
  if (record.action == Action::kDelete) return Status::Ok();
  Value doc = IndexedDoc(ref, record.ts, record.body);
  if (IndexReadsTs(def) && writes_.count(DocKey(addr))) {
    // Written in this transaction: its ts is not known yet. Its reads see
    // the entries at the provisional ts (record.ts).
    Defer(def, addr, ref, std::nullopt, record.action, record.body);
    return PutEntries(def, ref, addr, nullptr, &doc, /*check_unique=*/true, &provisional_entries_);
  }
  if (!only_missing) return PutEntries(def, ref, addr, nullptr, &doc);
  Buffer entries;
  FQL_RETURN_IF_ERROR(PutEntries(def, ref, addr, nullptr, &doc, /*check_unique=*/false, &entries));
  for (auto& [key, b] : entries) {
    FQL_ASSIGN_OR_RETURN(std::optional<Version> have,
                         engine_.partition(b.partition).Latest(key, read_ts_));
    if (!have || have->action() == Action::kDelete) writes_[key] = std::move(b);
  }
  return Status::Ok();
}

Status Transaction::PutEntries(const IndexDef& def, const Value& ref, const DocAddress& addr,
                               const Value* old_doc, const Value* new_doc, bool check_unique,
                               Buffer* into) {
  Buffer& out = into != nullptr ? *into : writes_;
  std::vector<internal::IndexEntryKey> old_entries, new_entries;
  if (old_doc) {
    FQL_ASSIGN_OR_RETURN(old_entries, internal::ExtractEntries(def, ref, addr.coll, *old_doc));
  }
  if (new_doc) {
    FQL_ASSIGN_OR_RETURN(new_entries, internal::ExtractEntries(def, ref, addr.coll, *new_doc));
  }
  std::set<std::string> old_keys, new_keys;  // terms_key + order_key
  for (const auto& e : old_entries) old_keys.insert(e.terms_key + e.order_key);
  for (const auto& e : new_entries) new_keys.insert(e.terms_key + e.order_key);
  std::string prefix = Prefix(kIndexTag, def.db, def.uid);
  auto partition_of = [&](const internal::IndexEntryKey& e) {
    return EntryPartition(def, addr, e.terms_key);
  };
  for (const auto& e : old_entries) {
    if (new_keys.count(e.terms_key + e.order_key)) continue;
    std::string value(1, static_cast<char>(Action::kDelete));
    value += e.payload;
    out[prefix + e.terms_key + e.order_key] = Buffered{partition_of(e), std::move(value)};
  }
  for (const auto& e : new_entries) {
    if (old_keys.count(e.terms_key + e.order_key)) continue;
    if (def.unique && check_unique)
      FQL_RETURN_IF_ERROR(CheckUnique(def, e.terms, e.values_key, ref));
    std::string value(1, static_cast<char>(Action::kCreate));
    value += e.payload;
    out[prefix + e.terms_key + e.order_key] = Buffered{partition_of(e), std::move(value)};
  }
  return Status::Ok();
}

uint32_t Transaction::EntryPartition(const IndexDef& def, const DocAddress& addr,
                                     const std::string& terms_key) const {
  if (def.terms.empty()) return DocPartition(addr);
  return static_cast<uint32_t>(Hash(Prefix(kIndexTag, def.db, def.uid) + terms_key) &
                               (engine_.partitions() - 1));
}

Status Transaction::CheckUnique(const IndexDef& def, const Array& terms,
                                const std::string& values_key, const Value& ref) {
  ScanBounds bounds;
  bounds.start = values_key;
  bounds.stop = Successor(values_key);
  FQL_ASSIGN_OR_RETURN(auto cursor, ScanIndex(def, terms, bounds));
  for (; cursor->Valid(); cursor->Next()) {
    if (!Equals(cursor->entry().ref(), ref)) {
      return Status(ErrorCode::kInstanceNotUnique, "document is not unique.");
    }
  }
  return cursor->status();
}

std::unique_ptr<EntryCursor> Transaction::Scan(std::vector<uint32_t> parts, std::string prefix,
                                               const ScanBounds& bounds, std::optional<uint64_t> at,
                                               MergeDecoder decode) {
  return std::make_unique<MergeCursor>(Merge(parts, prefix, bounds, at), std::move(decode));
}

internal::VersionMerge Transaction::Merge(const std::vector<uint32_t>& parts, const std::string& prefix,
                                const ScanBounds& bounds, std::optional<uint64_t> at) {
  bool snapshot = !at || *at >= read_ts_;
  uint64_t ts = snapshot ? read_ts_ : *at;
  std::string begin = prefix + bounds.start;
  std::string end = bounds.stop.empty() ? Successor(prefix) : prefix + bounds.stop;
  std::vector<std::unique_ptr<VisibleIterator>> its;
  for (uint32_t p : parts) its.push_back(engine_.partition(p).Scan(begin, end, ts, bounds.reverse));
  if (snapshot && bounds.note_range) request_.read_ranges.push_back(internal::KeyRange{begin, end});
  std::vector<std::pair<std::string, Version>> own;
  for (OwnVersion& o : Own(begin, end, snapshot, ts)) {
    own.emplace_back(std::move(o.key), std::move(o.version));
  }
  if (bounds.reverse) std::reverse(own.begin(), own.end());
  return VersionMerge(std::move(its), std::move(own), bounds.reverse);
}

std::unique_ptr<EntryCursor> Transaction::ScanCollection(const Value& coll_ref, uint64_t db,
                                                         uint64_t coll, const ScanBounds& bounds,
                                                         std::optional<uint64_t> at) {
  std::string prefix = Prefix(kDocTag, db, coll);
  size_t skip = prefix.size();
  return std::make_unique<MergeCursor>(
      Merge(AllPartitions(), prefix, bounds, at),
      [coll_ref, skip, coll](std::string_view key, internal::VersionView v,
                             SetEntry* out) -> Status {
        std::string_view rest = key.substr(skip);
        FQL_ASSIGN_OR_RETURN(std::string id, DecodeRefId(&rest));
        out->set_ref(Value::Ref(std::move(id), coll_ref));
        out->values.clear();
        out->ts = v.ts;
        out->order_key.assign(key.substr(skip));
        AppendRefCollection(coll, &out->order_key);
        return Status::Ok();
      },
      this, at);
}

Result<uint64_t> Transaction::CountCollection(uint64_t db, uint64_t coll,
                                              std::optional<uint64_t> at,
                                              const std::function<Status()>& check) {
  bool snapshot = !at || *at >= read_ts_;
  uint64_t ts = snapshot ? read_ts_ : *at;
  std::string begin = Prefix(kDocTag, db, coll);
  std::string end = Successor(begin);
  uint64_t n = 0;
  for (uint32_t p : AllPartitions()) {
    auto it = engine_.partition(p).Scan(begin, end, ts, /*reverse=*/false);
    for (; it->Valid(); it->Next()) {
      if ((++n & 4095) == 0) FQL_RETURN_IF_ERROR(check());
    }
    FQL_RETURN_IF_ERROR(it->status());
  }
  if (snapshot) request_.read_ranges.push_back(internal::KeyRange{begin, end});
  // What this transaction changed replaces what storage holds for it.
  for (const OwnVersion& o : Own(begin, end, snapshot, ts)) {
    FQL_ASSIGN_OR_RETURN(std::optional<Version> stored,
                         engine_.partition(o.partition).Latest(o.key, ts));
    bool was = stored && stored->action() != Action::kDelete;
    bool is = o.version.action() != Action::kDelete;
    // Never below zero, even if a concurrent past-ts history edit changed
    // what Latest sees after the scan counted.
    if (is && !was) ++n;
    if (was && !is && n > 0) --n;
  }
  return n;
}

std::vector<Transaction::OwnVersion> Transaction::Own(std::string_view begin, std::string_view end,
                                                      bool snapshot, uint64_t ts) const {
  std::vector<OwnVersion> out;
  // Where two sources hold a key, the first wins: an edited history, then
  // entries at the provisional ts, then writes. (A CreateIndex over `ts`
  // built in this transaction writes an entry of a document that the
  // transaction then updates, which replaces that entry provisionally.)
  for (auto it = edited_keys_.lower_bound(begin); it != edited_keys_.end() && it->first < end;
       ++it) {
    Version v{ts, std::string()};  // no version at or before ts: hidden
    for (const Version& e : it->second.versions) {
      if (e.ts <= ts) v = e;
    }
    out.push_back(OwnVersion{it->first, std::move(v), it->second.partition});
  }
  if (snapshot) {
    for (const Buffer* buffer : {&provisional_entries_, &writes_}) {
      for (auto it = buffer->lower_bound(begin); it != buffer->end() && it->first < end; ++it) {
        out.push_back(OwnVersion{it->first, Version{provisional_ts_, it->second.value},
                                 it->second.partition});
      }
    }
  }
  auto by_key = [](const OwnVersion& a, const OwnVersion& b) { return a.key < b.key; };
  std::stable_sort(out.begin(), out.end(), by_key);
  out.erase(std::unique(out.begin(), out.end(),
                        [](const OwnVersion& a, const OwnVersion& b) { return a.key == b.key; }),
            out.end());
  return out;
}

std::vector<uint32_t> Transaction::AllPartitions() const {
  std::vector<uint32_t> parts(engine_.partitions());
  for (uint32_t i = 0; i < parts.size(); ++i) parts[i] = i;
  return parts;
}

Status Transaction::IndexRange(const IndexDef& def, const Array& terms,
                               std::vector<uint32_t>* parts, std::string* prefix) const {
  *prefix = Prefix(kIndexTag, def.db, def.uid);
  std::string terms_key;
  FQL_RETURN_IF_ERROR(EncodeKey(Value::MakeArray(terms), &terms_key));
  if (def.terms.empty()) {
    *parts = AllPartitions();
  } else {
    *parts = {static_cast<uint32_t>(Hash(*prefix + terms_key) & (engine_.partitions() - 1))};
  }
  *prefix += terms_key;
  return Status::Ok();
}

Result<std::unique_ptr<EntryCursor>> Transaction::ScanIndex(const IndexDef& def, const Array& terms,
                                                            const ScanBounds& bounds,
                                                            std::optional<uint64_t> at) {
  std::vector<uint32_t> parts;
  std::string prefix;
  FQL_RETURN_IF_ERROR(IndexRange(def, terms, &parts, &prefix));
  size_t skip = prefix.size();
  return Scan(std::move(parts), std::move(prefix), bounds, at,
              [skip](std::string_view key, internal::VersionView v, SetEntry* out) -> Status {
                return internal::DecodeEntry(key.substr(skip), v, out);
              });
}

Result<uint64_t> Transaction::Commit() {
  if (!deferred_.empty()) {
    request_.finalize = [this](uint64_t ts, std::vector<internal::PartitionWrite>* out) {
      return FinalizeEntries(ts, out);
    };
  }
  request_.writes = history_writes_;
  for (auto& [key, w] : writes_) {
    PartitionWrite pw;
    pw.partition = w.partition;
    pw.write.key = key;
    pw.write.value = w.value;
    request_.writes.push_back(std::move(pw));
  }
  Result<uint64_t> ts = engine_.Commit(request_);
  request_.finalize = nullptr;  // it points at this transaction
  return ts;
}

}  // namespace fqldb::storage
