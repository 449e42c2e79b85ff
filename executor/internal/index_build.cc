#include "executor/internal/index_build.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "storage/key_codec.h"
#include "storage/transaction.h"

namespace fqldb::executor::internal {

using storage::Action;
using storage::DocAddress;
using storage::NativeColl;

bool IndexActive(const Value& body) {
  const Value* active = body.is_object() ? body.Find("active") : nullptr;
  return active == nullptr || !active->is_bool() || active->as_bool();
}

Value WithField(const Value& body, const std::string& name, Value value) {
  Fields f = body.fields();
  auto it = std::find_if(f.begin(), f.end(), [&](const Field& x) { return x.first == name; });
  if (it != f.end()) {
    it->second = std::move(value);
  } else {
    f.emplace_back(name, std::move(value));
  }
  return Value::MakeObject(std::move(f));
}

namespace {

// Calls fn(ref, addr, record) for the live documents of source `i` of
// `def` from `bounds` on, until fn returns false.
template <typename Fn>
Status ForEachDoc(StorageContext& sc, const storage::IndexDef& def, size_t i,
                  const storage::ScanBounds& bounds, Fn fn) {
  auto cursor = sc.txn().ScanCollection(def.source_refs[i], def.db, def.sources[i], bounds);
  for (; cursor->Valid(); cursor->Next()) {
    DocAddress addr{def.db, def.sources[i], cursor->entry().ref().ref_id()};
    FQL_ASSIGN_OR_RETURN(auto rec, sc.txn().Read(addr));
    if (!rec || rec->action == Action::kDelete) continue;
    FQL_ASSIGN_OR_RETURN(bool more, fn(cursor->entry().ref(), addr, *rec));
    if (!more) break;
  }
  return cursor->status();
}

}  // namespace

Status BuildIndexNow(StorageContext& sc, const storage::IndexDef& def) {
  for (size_t i = 0; i < def.sources.size(); ++i) {
    FQL_RETURN_IF_ERROR(ForEachDoc(sc, def, i, {},
                                   [&](const Value& ref, const DocAddress& addr,
                                       const storage::DocRecord& rec) -> Result<bool> {
                                     FQL_RETURN_IF_ERROR(
                                         sc.txn().IndexExisting(def, addr, ref, rec));
                                     return true;
                                   }));
  }
  return Status::Ok();
}

Result<uint64_t> CountSourceDocs(StorageContext& sc, const storage::IndexDef& def, uint64_t limit) {
  storage::ScanBounds bounds;
  bounds.note_range = false;
  uint64_t n = 0;
  for (size_t i = 0; i < def.sources.size() && n < limit; ++i) {
    auto cursor = sc.txn().ScanCollection(def.source_refs[i], def.db, def.sources[i], bounds);
    for (; cursor->Valid() && n < limit; cursor->Next()) ++n;
    FQL_RETURN_IF_ERROR(cursor->status());
  }
  return n;
}

IndexBuilder::IndexBuilder(Transact transact) : transact_(std::move(transact)) {}

IndexBuilder::~IndexBuilder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IndexBuilder::Start(IndexBuildJob job) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(job));
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.notify_all();
}

Status IndexBuilder::Resume() {
  std::vector<IndexBuildJob> jobs;
  FQL_RETURN_IF_ERROR(FindInactive(storage::kRootDb, &jobs));
  for (IndexBuildJob& j : jobs) Start(std::move(j));
  return Status::Ok();
}

Status IndexBuilder::FindInactive(uint64_t db, std::vector<IndexBuildJob>* out) {
  std::vector<uint64_t> children;
  std::vector<IndexBuildJob> found;
  FQL_RETURN_IF_ERROR(transact_(db, [&](StorageContext& sc) -> Status {
    children.clear();  // from an attempt that conflicted
    found.clear();
    for (NativeColl kind : {NativeColl::kIndexes, NativeColl::kDatabases}) {
      auto cursor = sc.txn().ScanCollection(NativeRefOf(kind, std::nullopt), db,
                                            static_cast<uint64_t>(kind), {});
      for (; cursor->Valid(); cursor->Next()) {
        std::string name = cursor->entry().ref().ref_id();
        FQL_ASSIGN_OR_RETURN(auto rec,
                             sc.txn().Read(DocAddress{db, static_cast<uint64_t>(kind), name}));
        if (!rec || rec->action == Action::kDelete) continue;
        if (kind == NativeColl::kDatabases) {
          children.push_back(rec->uid);
        } else if (!IndexActive(rec->body) && rec->body.Find(kIndexBuildError) == nullptr) {
          found.push_back(IndexBuildJob{db, name, rec->uid});
        }
      }
      FQL_RETURN_IF_ERROR(cursor->status());
    }
    return Status::Ok();
  }));
  out->insert(out->end(), found.begin(), found.end());
  for (uint64_t child : children) FQL_RETURN_IF_ERROR(FindInactive(child, out));
  return Status::Ok();
}

Status IndexBuilder::WaitIdle(const std::function<void(uint64_t indexed)>& progress) {
  std::unique_lock<std::mutex> lock(mu_);
  auto idle = [&] { return (queue_.empty() && !running_) || stop_; };
  while (!cv_.wait_for(lock, std::chrono::seconds(1), idle)) {
    if (!progress) continue;
    uint64_t n = indexed_;
    lock.unlock();
    progress(n);
    lock.lock();
  }
  Status st = error_;
  error_ = Status::Ok();
  return st;
}

uint64_t IndexBuilder::indexed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return indexed_;
}

void IndexBuilder::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    IndexBuildJob job = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    Status st = Build(job);
    lock.lock();
    running_ = false;
    if (!st.ok()) {
      std::fprintf(stderr, "fqldb: the build of index '%s' stopped: %s\n", job.name.c_str(),
                   st.ToString().c_str());
      if (error_.ok()) error_ = st;
    }
    cv_.notify_all();
  }
  cv_.notify_all();
}

namespace {

// Errors that a later attempt may not meet again (the disk, a node, a
// deadline): the build stops and is resumed at the next open. Any other
// error comes from the documents or the definition and would recur.
bool Transient(const Status& st) {
  switch (st.code()) {
    case ErrorCode::kIo:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kTimeout:
    case ErrorCode::kCancelled:
    case ErrorCode::kContendedTransaction:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status IndexBuilder::Build(const IndexBuildJob& job) {
  size_t source = 0;
  std::string after;
  size_t chunk = kIndexBuildChunk;
  bool done = false;
  while (!done) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return Status::Ok();  // resumed at the next open
    }
    // What one attempt would move on to; kept only when it commits.
    size_t next_source = 0;
    std::string next_after;
    uint64_t indexed = 0;
    bool finished = false;
    Status st = transact_(job.db, [&](StorageContext& sc) -> Status {
      next_source = source;
      next_after = after;
      indexed = 0;
      return Chunk(sc, job, chunk, &next_source, &next_after, &finished, &indexed);
    });
    if (st.code() == ErrorCode::kContendedTransaction) {
      // A document of this chunk keeps changing: take fewer at a time, down
      // to one, which conflicts only with writes to that document.
      chunk = std::max<size_t>(1, chunk / 2);
      continue;
    }
    if (!st.ok()) {
      if (!Transient(st)) RecordFailure(job, st);
      return st;
    }
    chunk = std::min(kIndexBuildChunk, chunk * 2);
    done = finished;  // only once the activation committed
    source = next_source;
    after = std::move(next_after);
    std::lock_guard<std::mutex> lock(mu_);
    indexed_ += indexed;
  }
  return Status::Ok();
}

void IndexBuilder::RecordFailure(const IndexBuildJob& job, const Status& why) {
  // Kept in the index document, so that reads of the index say why it is
  // not active and later opens do not build it again.
  Status st = transact_(job.db, [&](StorageContext& sc) -> Status {
    DocAddress addr{job.db, static_cast<uint64_t>(NativeColl::kIndexes), job.name};
    FQL_ASSIGN_OR_RETURN(auto index, sc.txn().Read(addr));
    if (!index || index->action == Action::kDelete || index->uid != job.uid) return Status::Ok();
    Value body = WithField(index->body, kIndexBuildError, Value::String(why.description()));
    Value ref = Value::Ref(job.name, NativeRefOf(NativeColl::kIndexes, std::nullopt));
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref));
    return sc.WriteDoc(r, ref, Action::kUpdate, job.uid, body, index).status();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "fqldb: cannot record why index '%s' was not built: %s\n",
                 job.name.c_str(), st.ToString().c_str());
  }
}

Status IndexBuilder::Chunk(StorageContext& sc, const IndexBuildJob& job, size_t chunk,
                           size_t* source, std::string* after, bool* done, uint64_t* indexed) {
  *done = false;
  DocAddress index_addr{job.db, static_cast<uint64_t>(NativeColl::kIndexes), job.name};
  FQL_ASSIGN_OR_RETURN(auto index, sc.txn().Read(index_addr));
  if (!index || index->action == Action::kDelete || index->uid != job.uid ||
      IndexActive(index->body)) {
    *done = true;  // deleted, replaced by another index of that name, or built
    return Status::Ok();
  }
  FQL_ASSIGN_OR_RETURN(auto def, sc.ParseIndex(job.db, job.uid, index->body));
  size_t sources = def->sources.size();
  while (*source < sources && *indexed < chunk) {
    storage::ScanBounds bounds;
    bounds.start = *after;
    bounds.note_range = false;
    bool full = false;
    FQL_RETURN_IF_ERROR(ForEachDoc(sc, *def, *source, bounds,
                                   [&](const Value& ref, const DocAddress& addr,
                                       const storage::DocRecord& rec) -> Result<bool> {
                                     FQL_RETURN_IF_ERROR(sc.txn().IndexExisting(
                                         *def, addr, ref, rec, /*only_missing=*/true));
                                     // The next chunk starts just after this document's key.
                                     after->clear();
                                     storage::EncodeRefId(addr.id, after);
                                     after->push_back('\0');
                                     full = ++*indexed >= chunk;
                                     return !full;
                                   }));
    if (!full) {
      ++*source;
      after->clear();
    }
  }
  if (*source < sources) return Status::Ok();
  Value ref = Value::Ref(job.name, NativeRefOf(NativeColl::kIndexes, std::nullopt));
  FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref));
  Value active = WithField(index->body, "active", Value::Bool(true));
  FQL_RETURN_IF_ERROR(sc.WriteDoc(r, ref, Action::kUpdate, job.uid, active, index).status());
  *done = true;
  return Status::Ok();
}

}  // namespace fqldb::executor::internal
