#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "storage/engine.h"

namespace fqldb::storage {

using internal::Action;
namespace internal {
class VersionMerge;
}

// Schema lives in reserved collections of each database; their ids are
// the schema documents' names.
enum class NativeColl : uint64_t {
  kCollections = 1,
  kIndexes = 2,
  kFunctions = 3,
  kDatabases = 4,
};
inline constexpr uint64_t kRootDb = 0;

// Where a document lives: database uid, collection uid and document id.
struct DocAddress {
  uint64_t db = kRootDb;
  uint64_t coll = 0;
  std::string id;
};

// One stored version of a document. `body` is the document without its ref
// and ts (for user documents `{data: ...}`); null for a delete. `uid` names
// schema documents (the collection, index or database they define).
struct DocRecord {
  uint64_t ts = 0;
  Action action = Action::kCreate;
  uint64_t uid = 0;
  Value body;
};

// One field an index reads from a document: a path into `{ref, ts, data}`
// (strings and array positions), or a binding computed by the executor.
struct IndexField {
  std::vector<Value> path;
  std::function<Result<Value>(const Value& doc)> binding;
  bool reverse = false;
};

// What storage needs to maintain and read an index.
struct IndexDef {
  uint64_t db = kRootDb;
  uint64_t uid = 0;
  std::vector<uint64_t> sources;  // collection uids
  std::vector<IndexField> terms;
  std::vector<IndexField> values;
  bool unique = false;
  // The collections of `sources` as the index document names them.
  std::vector<Value> source_refs = {};
};

// An entry of a set as storage produces it: the index's value tuple (empty
// for collection scans), the document ref, and the bytes that order it
// (values then ref, with reverse fields inverted).
struct SetEntry {
  std::string order_key;
  Array values;
  uint64_t ts = 0;
  // In a set of events (Events): the event object; null otherwise.
  Value event;

  // The document's ref. An index entry keeps it encoded until it is first
  // asked for: a page of index values never builds its 100 refs.
  const Value& ref() const;
  void set_ref(Value r) {
    ref_ = std::move(r);
    encoded_ref_.clear();
  }
  // `bytes` must be a ref that DocView::IsDecodableRef accepted.
  void set_encoded_ref(std::string_view bytes) {
    encoded_ref_.assign(bytes);
    if (!ref_.is_null()) ref_ = Value();
  }

 private:
  mutable Value ref_;
  mutable std::string encoded_ref_;  // non-empty while ref_ is not decoded
};

// A forward or reverse stream of set entries. Not thread-safe.
class EntryCursor {
 public:
  virtual ~EntryCursor() = default;
  virtual bool Valid() const = 0;
  virtual const SetEntry& entry() const = 0;
  virtual void Next() = 0;
  // An error that ended the stream early (Valid() is then false).
  virtual Status status() const = 0;
  // A cursor over a collection's documents (Documents, and what filters
  // it) lends the current document's stored version, valid until Next():
  // its ts and body as Transaction::ReadStored(ref, at) would return them,
  // as long as the transaction has written no document since the cursor
  // opened (nullopt after that).
  struct StoredVersion {
    uint64_t ts = 0;
    std::string_view body;
    std::optional<uint64_t> at;  // the snapshot it was read at
  };
  virtual std::optional<StoredVersion> stored() const { return std::nullopt; }
};

// A collection's visible documents at one snapshot, in ref order and
// undecoded: what ScanCollection yields, for readers that look at a few
// fields of each document (compiled pipelines). Not thread-safe. body()
// is valid until Next().
class DocStream {
 public:
  virtual ~DocStream() = default;
  virtual bool Valid() const = 0;
  virtual uint64_t ts() const = 0;
  // The document's stored body (DocView reads it; empty if the version is
  // malformed, which Transaction::Read reports as kInternal).
  virtual std::string_view body() const = 0;
  // The element a pipeline's lambdas see, built on each call: the
  // document's ref (a stream over index entries with values yields those).
  virtual Result<Value> ref() const = 0;
  // Whether the element is the ref of the document body() and ts() read
  // (false for an index entry with values, or an event).
  virtual bool elem_is_doc() const { return true; }
  // The ref of the document body() and ts() read.
  virtual Result<Value> doc_ref() const { return ref(); }
  virtual void Next() = 0;
  // An error that ended the stream early (Valid() is then false).
  virtual Status status() const = 0;
};

// Which part of a set's order to read: entries whose order key starts at
// `start` (inclusive; empty = the beginning) and ends before `stop`
// (exclusive; empty = the end). Bounds are order-key prefixes built with
// EncodeOrderPrefix.
struct ScanBounds {
  std::string start;
  std::string stop;
  bool reverse = false;
  // False: the scanned range is not noted for conflicts, only the keys read
  // afterwards (a background index build, which need not conflict with
  // documents created meanwhile: their own writes index them).
  bool note_range = true;
};

// Whether an index reads the document's ts. Its entries are made when the
// commit ts is known (by the sequencer): a transaction sees its own entries
// in such an index at its provisional ts, and `unique` cannot be checked on
// it.
bool IndexReadsTs(const IndexDef& def);

// Encodes a cursor or range bound (a prefix of values-then-ref) in the
// order key form of `def` (nullptr for a collection scan: the ref only).
// Errors: kInvalidArgument for values keys cannot hold (objects, lambdas).
Result<std::string> EncodeOrderPrefix(const IndexDef* def, const Array& prefix);
// Appends the collection part of a ref in an order key (after its id):
// order keys end with EncodeRefId(id) then the collection uid.
void AppendRefCollection(uint64_t coll, std::string* out);
// The smallest order key above every key that starts with `prefix`: the
// exclusive end of an inclusive prefix bound.
std::string OrderPrefixSuccessor(std::string prefix);

// One transaction on an Engine: reads at one snapshot, buffers writes (and
// sees them), maintains index entries as documents change, and commits all
// or nothing. Not thread-safe: one thread runs a transaction.
class Transaction {
 public:
  // Reads at `read_ts`. Versions this transaction writes carry
  // `provisional_ts` until commit, when the engine assigns the real ts (the
  // caller substitutes it in what it returns).
  Transaction(Engine& engine, uint64_t read_ts, uint64_t provisional_ts);

  uint64_t read_ts() const { return read_ts_; }
  uint64_t provisional_ts() const { return provisional_ts_; }
  bool has_writes() const { return !writes_.empty() || !history_writes_.empty(); }
  // Whether this transaction edited a document's past (Insert/Remove).
  // Its reads, Read and scans alike, see the edit.
  bool has_history_edits() const { return !edited_.empty(); }
  // How many document writes this transaction has buffered.
  uint64_t doc_writes() const { return doc_writes_; }
  Engine& engine() const { return engine_; }

  // The version of a document visible at `at` (the snapshot when absent; a
  // read at the snapshot sees this transaction's writes). Deletes come back
  // as records with a null body. nullopt: never written by then.
  Result<std::optional<DocRecord>> Read(const DocAddress& addr, std::optional<uint64_t> at = {});
  // What Read sees, undecoded: the live version's ts and stored body (for
  // DocView, as DocStream::body()), or nullopt if the document does not
  // exist at `at` (never written, or deleted). Records the read as Read
  // does. kUnsupported for a document whose history this transaction
  // edited (Read decodes its own copy of those).
  Result<std::optional<std::pair<uint64_t, std::string>>> ReadStored(
      const DocAddress& addr, std::optional<uint64_t> at = {});

  // Every version of a document up to `at`, oldest first (this
  // transaction's own write last).
  Result<std::vector<DocRecord>> History(const DocAddress& addr, std::optional<uint64_t> at = {});

  // Writes a new version of a document (body null for a delete) and
  // updates the entries of `indexes` (those covering its collection).
  // `ref` is the document's ref, as indexes see it. Errors:
  // kInstanceNotUnique when a unique index would hold a duplicate.
  Status Write(const DocAddress& addr, const Value& ref, Action action, uint64_t uid,
               const Value& body, std::span<const IndexDef* const> indexes);
  // The same, given what Read(addr) returned at the snapshot (callers that
  // checked the document first need not read it twice).
  Status Write(const DocAddress& addr, const Value& ref, Action action, uint64_t uid,
               const Value& body, std::span<const IndexDef* const> indexes,
               const std::optional<DocRecord>& old);

  // Adds the entries `def` holds for an existing document (when an index
  // is built over documents already stored). `only_missing`: skips the
  // entries already visible (a background build, which a restart may repeat
  // and whose documents' later writes add their own). Errors: as Write.
  Status IndexExisting(const IndexDef& def, const DocAddress& addr, const Value& ref,
                       const DocRecord& record, bool only_missing = false);

  // The visible documents of a collection, in ref order; their refs name
  // `coll_ref`.
  std::unique_ptr<EntryCursor> ScanCollection(const Value& coll_ref, uint64_t db, uint64_t coll,
                                              const ScanBounds& bounds,
                                              std::optional<uint64_t> at = {});
  // The same documents as ScanCollection with no bounds, undecoded: in ref
  // order, or (`ordered` false, cheaper: no merge across partitions) in no
  // particular order.
  std::unique_ptr<DocStream> StreamCollection(const Value& coll_ref, uint64_t db, uint64_t coll,
                                              std::optional<uint64_t> at, bool ordered);
  // About how many bytes the collection's stored versions take (LevelDB's
  // estimate of its files: recent writes still in memory are not counted).
  uint64_t ApproximateCollectionBytes(uint64_t db, uint64_t coll) const;
  // The same for the entries of an index under `terms` (0 if the terms
  // cannot be encoded).
  uint64_t ApproximateIndexBytes(const IndexDef& def, const Array& terms) const;
  // How many documents of the collection are visible: what ScanCollection
  // with no bounds yields, counted partition by partition without merging
  // or decoding. `check` runs every few thousand keys (a deadline); its
  // error ends the count. Errors: kIo, and check's.
  Result<uint64_t> CountCollection(uint64_t db, uint64_t coll, std::optional<uint64_t> at,
                                   const std::function<Status()>& check);
  // The entries of `def` matching `terms` (empty when the index has none),
  // in index order.
  Result<std::unique_ptr<EntryCursor>> ScanIndex(const IndexDef& def, const Array& terms,
                                                 const ScanBounds& bounds,
                                                 std::optional<uint64_t> at = {});

  // Edits a document's past (Insert/Remove): puts `version` at `ts`
  // (replacing any version there) or, when `version` is nullopt, erases the
  // version at `ts`. The index entries of `indexes` are rewritten to match
  // the new history. `ts` must be at or before the snapshot. This
  // transaction's reads (Read, History, scans) see the edit. Errors: kInvalidArgument for a
  // document this transaction already wrote; kInstanceNotUnique when the
  // edit makes the current version break a unique index.
  Status EditHistory(const DocAddress& addr, const Value& ref, uint64_t ts,
                     const std::optional<DocRecord>& version,
                     std::span<const IndexDef* const> indexes);

  // The whole history of a set's members, for Events: every version
  // (deletes included) up to `at`, with this transaction's own write last.
  // Per key, versions come oldest first; keys come in no useful order.
  // The documents of a collection: `fn(ref, record)`.
  Status CollectionHistory(const Value& coll_ref, uint64_t db, uint64_t coll,
                           std::optional<uint64_t> at,
                           const std::function<Status(const Value& ref, const DocRecord& r)>& fn);
  // The entries of `def` matching `terms`: `fn(entry, action)`, where the
  // action is kCreate for an add and kDelete for a remove.
  Status IndexHistory(const IndexDef& def, const Array& terms, std::optional<uint64_t> at,
                      const std::function<Status(const SetEntry& e, Action a)>& fn);

  // Registers, for conflict checks, a read made without storage (a cached
  // schema document, or a cached scan of a whole collection).
  void NoteDocRead(const DocAddress& addr);
  void NoteCollectionRead(uint64_t db, uint64_t coll);

  // Commits; returns the commit ts (the read ts for a read-only
  // transaction). Errors: kContendedTransaction, kIo.
  Result<uint64_t> Commit();

 private:
  struct Buffered {
    uint32_t partition;
    std::string value;  // Action byte first
  };
  uint32_t DocPartition(const DocAddress& addr) const;
  uint32_t EntryPartition(const IndexDef& def, const DocAddress& addr,
                          const std::string& terms_key) const;
  // Fails with kInstanceNotUnique when another document holds `values_key`
  // under `terms` in the unique index `def`.
  Status CheckUnique(const IndexDef& def, const Array& terms, const std::string& values_key,
                     const Value& ref);
  std::vector<uint32_t> AllPartitions() const;
  // LevelDB's size estimate of the keys under `prefix` in `parts`.
  uint64_t ApproximatePrefixBytes(const std::vector<uint32_t>& parts,
                                  const std::string& prefix) const;
  // The partitions holding the entries of `def` under `terms`, and the key
  // prefix they share.
  Status IndexRange(const IndexDef& def, const Array& terms, std::vector<uint32_t>* parts,
                    std::string* prefix) const;
  using Buffer = std::map<std::string, Buffered, std::less<>>;
  // Buffers the entry changes of a document going from `old_doc` to
  // `new_doc` into `into` (writes_ when null).
  Status PutEntries(const IndexDef& def, const Value& ref, const DocAddress& addr,
                    const Value* old_doc, const Value* new_doc, bool check_unique = true,
                    Buffer* into = nullptr);
  // A key this transaction changes, as a read at `ts` sees it.
  struct OwnVersion {
    std::string key;
    internal::Version version;  // an empty value hides the key
    uint32_t partition;
  };
  // What this transaction changes in [begin, end) for a read at `ts`,
  // sorted by key: its writes and the entries they imply (when `snapshot`),
  // and the keys whose history it edited, as they stand at `ts`.
  std::vector<OwnVersion> Own(std::string_view begin, std::string_view end, bool snapshot,
                              uint64_t ts) const;
  using MergeDecoder =
      std::function<Status(std::string_view key, internal::VersionView v, SetEntry* out)>;
  // Every version under `prefix` in `parts`, grouped per logical key
  // (oldest first, own write last): `fn(key, versions)`.
  Status History(
      const std::vector<uint32_t>& parts, const std::string& prefix, std::optional<uint64_t> at,
      const std::function<Status(std::string_view key, const std::vector<internal::Version>&)>& fn);
  std::unique_ptr<EntryCursor> Scan(std::vector<uint32_t> parts, std::string prefix,
                                    const ScanBounds& bounds, std::optional<uint64_t> at,
                                    MergeDecoder decode);
  // The visible versions under `prefix` within `bounds`, merged in key order
  // with this transaction's writes (and the range noted for conflicts).
  internal::VersionMerge Merge(const std::vector<uint32_t>& parts, const std::string& prefix,
                               const ScanBounds& bounds, std::optional<uint64_t> at);

  Engine& engine_;
  uint64_t read_ts_;
  uint64_t provisional_ts_;
  // This transaction's writes by logical key.
  Buffer writes_;
  // Entries of indexes over `ts` as reads in this transaction see them: at
  // the provisional ts. Never committed: FinalizeEntries computes the real
  // ones from deferred_.
  Buffer provisional_entries_;
  uint64_t doc_writes_ = 0;
  // Index entries that hold the commit ts (indexes over `ts`): computed
  // when the sequencer assigns it. Per document key: the committed version
  // the transaction started from and the version it ends with.
  struct Deferred {
    DocAddress addr;
    Value ref;
    std::optional<DocRecord> committed;
    Action action = Action::kCreate;
    Value body;
    IndexDef def;
  };
  // By document key and index uid.
  std::map<std::string, Deferred, std::less<>> deferred_;
  void Defer(const IndexDef& def, const DocAddress& addr, const Value& ref,
             const std::optional<DocRecord>& committed, Action action, const Value& body);
  Status FinalizeEntries(uint64_t ts, std::vector<internal::PartitionWrite>* out);
  // History edits: versions at explicit past timestamps, and erasures.
  std::vector<internal::PartitionWrite> history_writes_;
  // Documents whose history this transaction edited, with the whole edited
  // history (oldest first), which Read and History serve from.
  std::map<std::string, std::vector<DocRecord>, std::less<>> edited_;
  // Every key whose history this transaction edited (a document's and its
  // index entries'): where it lives and all its versions at the snapshot
  // after the edit, oldest first. Set reads serve these keys from here.
  struct EditedKey {
    uint32_t partition = 0;
    std::vector<internal::Version> versions;
  };
  std::map<std::string, EditedKey, std::less<>> edited_keys_;
  // The edited history of `key` (oldest first), or nullptr.
  const std::vector<DocRecord>* EditedHistory(std::string_view key) const;
  // The version of document `addr` (whose key is `key`) a read at `at`
  // sees: this transaction's own write at the snapshot, else the
  // partition's (the key then noted for conflicts).
  Result<std::optional<internal::Version>> VisibleVersion(const DocAddress& addr,
                                                          const std::string& key,
                                                          std::optional<uint64_t> at);
  CommitRequest request_;
};

}  // namespace fqldb::storage
