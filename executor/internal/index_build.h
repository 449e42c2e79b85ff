#pragma once

// Building an index over documents already stored: at once, inside
// CreateIndex's transaction (small collections, unique indexes, or
// `active: true`), or in the background, in chunks of documents that are
// each their own transaction (Fauna's `active: false` until it is built).
//
// Why a background build is correct while writers keep writing:
// - CreateIndex commits the index document (inactive) at ts C. A writer
//   reads the list of its collection's indexes (a conflict range), so every
//   write that commits after C either saw the index and maintained its
//   entries, or conflicted with C and retried.
// - Each chunk reads its documents (each key noted for conflicts, the range
//   not) at a snapshot after C and adds the entries that are not there yet.
//   A write to one of them before the chunk commits makes it retry;
//   documents created meanwhile were indexed by their own writes.
// - When every source collection has been read, one last transaction sets
//   `active: true`. Reads of an inactive index are refused, never partial.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "executor/internal/storage_context.h"

namespace fqldb::storage {
struct IndexDef;
}  // namespace fqldb::storage

namespace fqldb::executor::internal {

// CreateIndex builds at once when its sources hold at most this many
// documents (Fauna's limit).
inline constexpr uint64_t kSyncIndexBuildLimit = 128;
// Documents a background build indexes per transaction (fewer while
// writers keep conflicting with it).
inline constexpr size_t kIndexBuildChunk = 1000;
// The field of an index document that says why its background build failed
// (a document it could not index); such an index stays inactive.
inline constexpr const char* kIndexBuildError = "build_error";

// Whether a stored index document is active (built).
bool IndexActive(const Value& body);

// `body` with field `name` set to `value` (replaced in place, or added last).
Value WithField(const Value& body, const std::string& name, Value value);

// Adds the entries of `def` for every document of its sources, in the
// current transaction (noting the collections for conflicts).
Status BuildIndexNow(StorageContext& sc, const storage::IndexDef& def);

// The documents in the sources of `def`, counting no further than `limit`.
// Notes nothing for conflicts.
Result<uint64_t> CountSourceDocs(StorageContext& sc, const storage::IndexDef& def, uint64_t limit);

// An index to build in the background: its database, name and uid (a
// deleted and re-created index has another uid; its build stops).
struct IndexBuildJob {
  uint64_t db = 0;
  std::string name;
  uint64_t uid = 0;
};

// Runs background index builds on one thread, one index at a time.
// Thread-safe. Stops (between chunks) when destroyed; an unfinished build
// stays inactive and is resumed by the next Resume(). A build that fails on
// a document records why (kIndexBuildError) and is not resumed.
class IndexBuilder {
 public:
  // Runs `fn` as one transaction in database `db`, retrying conflicts a
  // bounded number of times.
  using Transact =
      std::function<Status(uint64_t db, const std::function<Status(StorageContext&)>& fn)>;
  explicit IndexBuilder(Transact transact);
  ~IndexBuilder();
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  // Queues a build.
  void Start(IndexBuildJob job);
  // Queues every inactive index of every database (after opening).
  Status Resume();
  // Blocks until no build is queued or running, calling `progress` (if
  // set) with indexed() about once a second meanwhile. Returns the first
  // error a build stopped on since the last call (that index then stays
  // inactive).
  Status WaitIdle(const std::function<void(uint64_t indexed)>& progress = nullptr);
  // Documents indexed by background builds since this builder started.
  uint64_t indexed() const;

 private:
  void Loop();
  // Runs one job to its end (or until stopped).
  Status Build(const IndexBuildJob& job);
  // Indexes the next `chunk` documents of `job`; sets *done when the index
  // is active (or gone).
  Status Chunk(StorageContext& sc, const IndexBuildJob& job, size_t chunk, size_t* source,
               std::string* after, bool* done, uint64_t* indexed);
  void RecordFailure(const IndexBuildJob& job, const Status& why);
  Status FindInactive(uint64_t db, std::vector<IndexBuildJob>* out);

  Transact transact_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<IndexBuildJob> queue_;
  bool running_ = false;
  bool stop_ = false;
  Status error_;
  uint64_t indexed_ = 0;
  std::thread thread_;
};

}  // namespace fqldb::executor::internal
