// Transaction's history: reading every version of a set's members (for
// Events) and editing a document's past (Insert/Remove).
#include <algorithm>
#include <map>

#include "storage/internal/entry_extractor.h"
#include "storage/internal/txn_keys.h"
#include "storage/transaction.h"

namespace fqldb::storage {

using internal::DecodeDocRecord;
using internal::DocKey;
using internal::DocValue;
using internal::IndexedDoc;
using internal::kDocTag;
using internal::kIndexTag;
using internal::Prefix;
using internal::Successor;
using internal::Version;

namespace {

// The index entry versions a document's history implies: at each version,
// the entries that appear (added) and disappear (removed), by physical
// position (entry key, ts) -> stored value. Also the entries of the newest
// version.
struct DerivedVersion {
  std::string value;      // Action byte, then the payload
  std::string terms_key;  // where it is partitioned
};
struct DerivedEntries {
  std::map<std::pair<std::string, uint64_t>, DerivedVersion> versions;
  std::map<std::string, internal::IndexEntryKey> current;
};

Result<DerivedEntries> DeriveEntries(const IndexDef& def, const Value& ref, const DocAddress& addr,
                                     const std::vector<DocRecord>& history) {
  DerivedEntries out;
  std::map<std::string, internal::IndexEntryKey> prev;
  for (const DocRecord& r : history) {
    std::map<std::string, internal::IndexEntryKey> cur;
    if (r.action != Action::kDelete) {
      FQL_ASSIGN_OR_RETURN(auto entries, internal::ExtractEntries(def, ref, addr.coll,
                                                                  IndexedDoc(ref, r.ts, r.body)));
      for (auto& e : entries) cur.emplace(e.terms_key + e.order_key, std::move(e));
    }
    for (const auto& [k, e] : prev) {
      if (cur.count(k)) continue;
      out.versions[{k, r.ts}] = {std::string(1, static_cast<char>(Action::kDelete)) + e.payload,
                                 e.terms_key};
    }
    for (const auto& [k, e] : cur) {
      if (prev.count(k)) continue;
      out.versions[{k, r.ts}] = {std::string(1, static_cast<char>(Action::kCreate)) + e.payload,
                                 e.terms_key};
    }
    prev = std::move(cur);
  }
  out.current = std::move(prev);
  return out;
}

}  // namespace

Status Transaction::EditHistory(const DocAddress& addr, const Value& ref, uint64_t ts,
                                const std::optional<DocRecord>& version,
                                std::span<const IndexDef* const> indexes) {
  std::string key = DocKey(addr);
  if (writes_.count(key) || edited_.count(key)) {
    return Status(
        ErrorCode::kInvalidArgument,
        "The history of a document written or edited earlier in the same transaction cannot be "
        "edited.");
  }
  if (ts == 0 || ts > read_ts_) {
    return Status(
        ErrorCode::kInvalidArgument,
        "A history edit's ts must be in the past (at or before " + std::to_string(read_ts_) + ").");
  }
  FQL_ASSIGN_OR_RETURN(std::vector<DocRecord> before, History(addr));
  std::vector<DocRecord> after;
  for (const DocRecord& r : before) {
    if (r.ts != ts) after.push_back(r);
  }
  if (version) {
    DocRecord v = *version;
    v.ts = ts;
    after.insert(std::upper_bound(after.begin(), after.end(), ts,
                                  [](uint64_t t, const DocRecord& r) { return t < r.ts; }),
                 std::move(v));
  }
  uint32_t doc_part = DocPartition(addr);
  auto put = [&](uint32_t part, const std::string& k, uint64_t at, std::string value, bool erase) {
    internal::PartitionWrite w;
    w.partition = part;
    w.write.key = k;
    w.write.ts = at;
    w.write.value = std::move(value);
    w.write.erase = erase;
    history_writes_.push_back(std::move(w));
  };
  if (version) {
    std::string encoded;
    if (version->action != Action::kDelete)
      FQL_RETURN_IF_ERROR(EncodeDocument(version->body, &encoded));
    put(doc_part, key, ts, DocValue(version->action, version->uid, encoded), false);
  } else {
    put(doc_part, key, ts, std::string(), true);
  }
  for (const IndexDef* def : indexes) {
    FQL_ASSIGN_OR_RETURN(DerivedEntries old_entries, DeriveEntries(*def, ref, addr, before));
    FQL_ASSIGN_OR_RETURN(DerivedEntries new_entries, DeriveEntries(*def, ref, addr, after));
    std::string prefix = Prefix(kIndexTag, def->db, def->uid);
    // Every entry key the document ever had, with where it is partitioned.
    // The stored versions of those keys are compared with the new history's,
    // rather than with the old history's: an index built over existing
    // documents added their entries at the build's ts, not at theirs.
    std::map<std::string, std::string> keys;
    for (const auto* derived : {&old_entries, &new_entries}) {
      for (const auto& [pos, v] : derived->versions) keys.emplace(pos.first, v.terms_key);
    }
    for (const auto& [entry_key, terms_key] : keys) {
      uint32_t part = EntryPartition(*def, addr, terms_key);
      FQL_ASSIGN_OR_RETURN(std::vector<Version> stored,
                           engine_.partition(part).History(prefix + entry_key, read_ts_));
      std::map<uint64_t, std::string> have;
      for (Version& v : stored) have.emplace(v.ts, std::move(v.value));
      for (const auto& [at, value] : have) {
        if (!new_entries.versions.count({entry_key, at}))
          put(part, prefix + entry_key, at, std::string(), true);
      }
      EditedKey& edited = edited_keys_[prefix + entry_key];
      edited.partition = part;
      edited.versions.clear();
      for (auto it = new_entries.versions.lower_bound({entry_key, 0});
           it != new_entries.versions.end() && it->first.first == entry_key; ++it) {
        edited.versions.push_back(Version{it->first.second, it->second.value});
        auto same = have.find(it->first.second);
        if (same != have.end() && same->second == it->second.value) continue;
        put(part, prefix + entry_key, it->first.second, it->second.value, false);
      }
    }
    if (def->unique) {
      for (const auto& [k, e] : new_entries.current) {
        if (!old_entries.current.count(k))
          FQL_RETURN_IF_ERROR(CheckUnique(*def, e.terms, e.values_key, ref));
      }
    }
  }
  EditedKey& doc = edited_keys_[key];
  doc.partition = doc_part;
  for (const DocRecord& r : after) {
    std::string encoded;
    if (r.action != Action::kDelete) FQL_RETURN_IF_ERROR(EncodeDocument(r.body, &encoded));
    doc.versions.push_back(Version{r.ts, DocValue(r.action, r.uid, encoded)});
  }
  edited_.emplace(key, std::move(after));
  return Status::Ok();
}

const std::vector<DocRecord>* Transaction::EditedHistory(std::string_view key) const {
  auto it = edited_.find(key);
  return it == edited_.end() ? nullptr : &it->second;
}

Status Transaction::History(
    const std::vector<uint32_t>& parts, const std::string& prefix, std::optional<uint64_t> at,
    const std::function<Status(std::string_view key, const std::vector<Version>&)>& fn) {
  bool snapshot = !at || *at >= read_ts_;
  uint64_t ts = snapshot ? read_ts_ : *at;
  std::string end = Successor(prefix);
  if (snapshot) request_.read_ranges.push_back(internal::KeyRange{prefix, end});
  // This transaction's writes (at the snapshot), and the keys whose history
  // it edited with their whole edited history up to ts.
  std::map<std::string, Version, std::less<>> own;
  std::map<std::string, std::vector<Version>, std::less<>> edited;
  // (As in Own: an edited history wins, then provisional entries, then
  // writes; emplace keeps the first.)
  for (const Buffer* buffer : {&provisional_entries_, &writes_}) {
    if (!snapshot) break;
    for (auto it = buffer->lower_bound(prefix); it != buffer->end() && it->first < end; ++it) {
      own.emplace(it->first, Version{provisional_ts_, it->second.value});
    }
  }
  for (auto it = edited_keys_.lower_bound(prefix); it != edited_keys_.end() && it->first < end;
       ++it) {
    std::vector<Version>& vs = edited[it->first];
    for (const Version& v : it->second.versions) {
      if (v.ts <= ts) vs.push_back(v);
    }
  }
  // A partition yields each key's versions newest first; collect, flip and
  // add the transaction's own write, or take the edited history instead.
  std::string key;
  std::vector<Version> versions;
  auto flush = [&]() -> Status {
    if (key.empty()) return Status::Ok();
    std::reverse(versions.begin(), versions.end());
    if (auto ed = edited.find(key); ed != edited.end()) {
      versions = std::move(ed->second);
      edited.erase(ed);
      own.erase(key);
    } else if (auto mine = own.find(key); mine != own.end()) {
      versions.push_back(std::move(mine->second));
      own.erase(mine);
    }
    Status st = versions.empty() ? Status::Ok() : fn(key, versions);
    key.clear();
    versions.clear();
    return st;
  };
  for (uint32_t p : parts) {
    FQL_RETURN_IF_ERROR(engine_.partition(p).Versions(
        prefix, end, ts, [&](std::string_view logical, Version v) -> Status {
          if (logical != key) {
            FQL_RETURN_IF_ERROR(flush());
            key.assign(logical);
          }
          versions.push_back(std::move(v));
          return Status::Ok();
        }));
    FQL_RETURN_IF_ERROR(flush());
  }
  // Keys only this transaction wrote, or gave versions by editing history.
  for (auto& [k, v] : own) {
    if (!edited.count(k)) FQL_RETURN_IF_ERROR(fn(k, {v}));
  }
  for (auto& [k, vs] : edited) {
    if (!vs.empty()) FQL_RETURN_IF_ERROR(fn(k, vs));
  }
  return Status::Ok();
}

Status Transaction::CollectionHistory(
    const Value& coll_ref, uint64_t db, uint64_t coll, std::optional<uint64_t> at,
    const std::function<Status(const Value& ref, const DocRecord& r)>& fn) {
  std::string prefix = Prefix(kDocTag, db, coll);
  return History(AllPartitions(), prefix, at,
                 [&](std::string_view key, const std::vector<Version>& vs) -> Status {
                   std::string_view rest = key.substr(prefix.size());
                   FQL_ASSIGN_OR_RETURN(std::string id, DecodeRefId(&rest));
                   Value ref = Value::Ref(std::move(id), coll_ref);
                   for (const Version& v : vs) {
                     FQL_ASSIGN_OR_RETURN(DocRecord r, DecodeDocRecord(v.ts, v.value));
                     FQL_RETURN_IF_ERROR(fn(ref, r));
                   }
                   return Status::Ok();
                 });
}

Status Transaction::IndexHistory(const IndexDef& def, const Array& terms,
                                 std::optional<uint64_t> at,
                                 const std::function<Status(const SetEntry& e, Action a)>& fn) {
  std::vector<uint32_t> parts;
  std::string prefix;
  FQL_RETURN_IF_ERROR(IndexRange(def, terms, &parts, &prefix));
  return History(parts, prefix, at,
                 [&](std::string_view key, const std::vector<Version>& vs) -> Status {
                   SetEntry e;
                   for (const Version& v : vs) {
                     FQL_RETURN_IF_ERROR(internal::DecodeEntry(key.substr(prefix.size()), v, &e));
                     FQL_RETURN_IF_ERROR(
                         fn(e, v.action() == Action::kDelete ? Action::kDelete : Action::kCreate));
                   }
                   return Status::Ok();
                 });
}

}  // namespace fqldb::storage
