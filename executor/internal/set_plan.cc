#include "executor/internal/set_plan.h"

#include <algorithm>

#include "common/value_printer.h"
#include "executor/interpreter.h"
#include "storage/key_codec.h"

namespace fqldb::executor::internal {

namespace {

using storage::EntryCursor;
using storage::IndexDef;
using storage::NativeColl;
using storage::ScanBounds;
using storage::SetEntry;
using CursorPtr = std::unique_ptr<EntryCursor>;

Status UndefinedCollection(const Value& coll) {
  return Status(ErrorCode::kInvalidRef, "Ref refers to undefined collection '" + coll.ref_id() + "'");
}

bool InBounds(const std::string& key, const ScanBounds& b) {
  return key >= b.start && (b.stop.empty() || key < b.stop);
}

// A cursor over entries held in memory, already in ascending order.
class VectorCursor : public EntryCursor {
 public:
  VectorCursor(std::vector<SetEntry> all, const ScanBounds& b) {
    for (SetEntry& e : all) {
      if (InBounds(e.order_key, b)) entries_.push_back(std::move(e));
    }
    if (b.reverse) std::reverse(entries_.begin(), entries_.end());
  }
  bool Valid() const override { return pos_ < entries_.size(); }
  const SetEntry& entry() const override { return entries_[pos_]; }
  void Next() override { ++pos_; }
  Status status() const override { return Status::Ok(); }

 private:
  std::vector<SetEntry> entries_;
  size_t pos_ = 0;
};

// Union, intersection and difference of ordered streams, in one pass.
class AlgebraCursor : public EntryCursor {
 public:
  AlgebraCursor(SetOp op, std::vector<CursorPtr> inputs, bool reverse)
      : op_(op), in_(std::move(inputs)), reverse_(reverse) {
    Advance();
  }
  bool Valid() const override { return valid_; }
  const SetEntry& entry() const override { return entry_; }
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
  SetEntry entry_;
  Status status_;
};

// Skips entries whose values repeat the previous entry's (Distinct), or
// for which a lambda is not true (Filter).
class FilterCursor : public EntryCursor {
 public:
  using Keep = std::function<Result<bool>(const SetEntry&)>;
  FilterCursor(CursorPtr in, Keep keep) : in_(std::move(in)), keep_(std::move(keep)) { Find(); }
  bool Valid() const override { return in_->Valid() && status_.ok(); }
  const SetEntry& entry() const override { return in_->entry(); }
  void Next() override {
    in_->Next();
    Find();
  }
  Status status() const override { return status_.ok() ? in_->status() : status_; }

 private:
  void Find() {
    for (; in_->Valid(); in_->Next()) {
      Result<bool> keep = keep_(in_->entry());
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

class DocumentsSet : public ExecSet {
 public:
  explicit DocumentsSet(Value coll) : coll_(std::move(coll)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext&) const override {
    if (coll_.kind() != ValueKind::kRef) return UndefinedCollection(coll_);
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(coll_));
    if (r.schema != NativeColl::kCollections) {
      return Status(ErrorCode::kInvalidArgument, "Collection Ref expected, " + ToFql(coll_) + " provided.");
    }
    FQL_ASSIGN_OR_RETURN(auto rec, sc.txn().Read(r.addr, at));
    if (!rec || rec->action == storage::Action::kDelete) return UndefinedCollection(coll_);
    OpenedSet out;
    uint64_t db = r.addr.db, uid = rec->uid;
    Value coll = coll_;
    StorageContext* s = &sc;
    out.scan = [s, coll, db, uid, at](const ScanBounds& b) -> Result<CursorPtr> {
      return s->txn().ScanCollection(coll, db, uid, b, at);
    };
    return out;
  }

 private:
  Value coll_;
};

class NativeSet : public ExecSet {
 public:
  explicit NativeSet(NativeColl kind) : kind_(kind) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext&) const override {
    OpenedSet out;
    Value native = NativeRefOf(kind_, std::nullopt);
    uint64_t db = sc.db(), uid = static_cast<uint64_t>(kind_);
    StorageContext* s = &sc;
    out.scan = [s, native, db, uid, at](const ScanBounds& b) -> Result<CursorPtr> {
      return s->txn().ScanCollection(native, db, uid, b, at);
    };
    return out;
  }

 private:
  NativeColl kind_;
};

class MatchSet : public ExecSet {
 public:
  MatchSet(Value index, Array terms) : index_(std::move(index)), terms_(std::move(terms)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext&) const override {
    std::optional<uint64_t> saved = sc.at();
    sc.set_at(at);
    Result<std::shared_ptr<const IndexDef>> def = sc.IndexDefOf(index_);
    sc.set_at(saved);
    if (!def.ok()) return def.status();
    OpenedSet out;
    out.def = *def;
    // An index without terms matches everything; a tuple of the wrong
    // width matches nothing.
    Array terms = (*def)->terms.empty() ? Array{} : terms_;
    bool none = terms.size() != (*def)->terms.size();
    auto d = *def;
    StorageContext* s = &sc;
    out.scan = [s, d, terms, none, at](const ScanBounds& b) -> Result<CursorPtr> {
      if (none) return CursorPtr(std::make_unique<VectorCursor>(std::vector<SetEntry>{}, b));
      return s->txn().ScanIndex(*d, terms, b, at);
    };
    return out;
  }

 private:
  Value index_;
  Array terms_;
};

class SingletonSet : public ExecSet {
 public:
  explicit SingletonSet(Value ref) : ref_(std::move(ref)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t>, CallContext&) const override {
    SetEntry e;
    e.ref = ref_;
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref_));
    storage::EncodeRefId(ref_.ref_id(), &e.order_key);
    storage::AppendRefCollection(r.addr.coll, &e.order_key);
    OpenedSet out;
    out.scan = [e](const ScanBounds& b) -> Result<CursorPtr> {
      return CursorPtr(std::make_unique<VectorCursor>(std::vector<SetEntry>{e}, b));
    };
    return out;
  }

 private:
  Value ref_;
};

class AlgebraSet : public ExecSet {
 public:
  AlgebraSet(SetOp op, std::vector<ExecSetPtr> in) : op_(op), in_(std::move(in)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    std::vector<OpenedSet> opened;
    for (const ExecSetPtr& s : in_) {
      FQL_ASSIGN_OR_RETURN(OpenedSet o, s->Open(sc, at, ctx));
      opened.push_back(std::move(o));
    }
    OpenedSet out;
    out.def = opened[0].def;
    SetOp op = op_;
    out.scan = [opened, op](const ScanBounds& b) -> Result<CursorPtr> {
      std::vector<CursorPtr> cursors;
      for (const OpenedSet& o : opened) {
        FQL_ASSIGN_OR_RETURN(CursorPtr c, o.scan(b));
        cursors.push_back(std::move(c));
      }
      return CursorPtr(std::make_unique<AlgebraCursor>(op, std::move(cursors), b.reverse));
    };
    return out;
  }

 private:
  SetOp op_;
  std::vector<ExecSetPtr> in_;
};

class DistinctNode : public ExecSet {
 public:
  explicit DistinctNode(ExecSetPtr in) : in_(std::move(in)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    OpenedSet out;
    out.def = inner.def;
    out.scan = [inner](const ScanBounds& b) -> Result<CursorPtr> {
      FQL_ASSIGN_OR_RETURN(CursorPtr c, inner.scan(b));
      auto last = std::make_shared<std::optional<Value>>();
      return CursorPtr(std::make_unique<FilterCursor>(
          std::move(c), [last](const SetEntry& e) -> Result<bool> {
            Value v = EntryOutput(e);
            if (*last && Equals(**last, v)) return false;
            *last = v;
            return true;
          }));
    };
    return out;
  }

 private:
  ExecSetPtr in_;
};

class ReverseNode : public ExecSet {
 public:
  explicit ReverseNode(ExecSetPtr in) : in_(std::move(in)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    OpenedSet out;
    out.def = inner.def;
    // In reversed order, "from X on" is "up to X" of the input and "before
    // Y" is "after Y"; bounds are prefixes, so both ends cover whole prefixes.
    out.scan = [inner](const ScanBounds& b) -> Result<CursorPtr> {
      ScanBounds flipped;
      flipped.reverse = !b.reverse;
      if (!b.stop.empty()) flipped.start = storage::OrderPrefixSuccessor(b.stop);
      if (!b.start.empty()) flipped.stop = storage::OrderPrefixSuccessor(b.start);
      return inner.scan(flipped);
    };
    return out;
  }

 private:
  ExecSetPtr in_;
};

class RangeSet : public ExecSet {
 public:
  RangeSet(ExecSetPtr in, Value from, Value to) : in_(std::move(in)), from_(std::move(from)), to_(std::move(to)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    auto prefix = [&](const Value& v) -> Result<std::string> {
      Result<std::string> enc = storage::EncodeOrderPrefix(inner.def.get(), v.is_array() ? v.array() : Array{v});
      if (!enc.ok()) return Status(ErrorCode::kInvalidArgument, "Range bounds must be scalars or arrays of them.");
      return enc;
    };
    FQL_ASSIGN_OR_RETURN(std::string lo, prefix(from_));
    FQL_ASSIGN_OR_RETURN(std::string hi, prefix(to_));
    hi = storage::OrderPrefixSuccessor(hi);
    OpenedSet out;
    out.def = inner.def;
    out.scan = [inner, lo, hi](const ScanBounds& b) -> Result<CursorPtr> {
      ScanBounds r = b;
      r.start = std::max(b.start, lo);
      r.stop = b.stop.empty() ? hi : std::min(b.stop, hi);
      if (r.stop <= r.start) r.stop = r.start;
      if (r.stop == r.start) return CursorPtr(std::make_unique<VectorCursor>(std::vector<SetEntry>{}, r));
      return inner.scan(r);
    };
    return out;
  }

 private:
  ExecSetPtr in_;
  Value from_, to_;
};

class FilterNode : public ExecSet {
 public:
  FilterNode(ExecSetPtr in, Value lambda) : in_(std::move(in)), lambda_(std::move(lambda)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    OpenedSet out;
    out.def = inner.def;
    Value fn = lambda_;
    CallContext* c = &ctx;
    out.scan = [inner, fn, c](const ScanBounds& b) -> Result<CursorPtr> {
      FQL_ASSIGN_OR_RETURN(CursorPtr cur, inner.scan(b));
      return CursorPtr(std::make_unique<FilterCursor>(
          std::move(cur), [fn, c](const SetEntry& e) -> Result<bool> {
            Value v = EntryOutput(e);
            FQL_ASSIGN_OR_RETURN(Value keep, c->ApplyFn(fn, {&v, 1}));
            if (!keep.is_bool()) {
              return Status(ErrorCode::kInvalidArgument,
                            std::string("Boolean expected, ") + TypeName(keep) + " provided.");
            }
            return keep.as_bool();
          }));
    };
    return out;
  }

 private:
  ExecSetPtr in_;
  Value lambda_;
};

// Join: the union of Match(index, v) (or lambda(v)) over the source's
// values, gathered and sorted in memory.
class JoinSet : public ExecSet {
 public:
  JoinSet(ExecSetPtr source, Value target) : source_(std::move(source)), target_(std::move(target)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet src, source_->Open(sc, at, ctx));
    FQL_ASSIGN_OR_RETURN(CursorPtr cur, src.scan(ScanBounds{}));
    std::vector<SetEntry> all;
    OpenedSet out;
    for (; cur->Valid(); cur->Next()) {
      Value v = EntryOutput(cur->entry());
      ExecSetPtr target;
      if (target_.kind() == ValueKind::kRef) {
        target = MatchPlan(target_, v.is_array() ? v.array() : Array{v});
      } else {
        FQL_ASSIGN_OR_RETURN(Value set, ctx.ApplyFn(target_, {&v, 1}));
        if (set.kind() != ValueKind::kSet || !set.set().plan) {
          return Status(ErrorCode::kInvalidArgument,
                        std::string("Set expected, ") + TypeName(set) + " provided.");
        }
        target = std::static_pointer_cast<const ExecSet>(set.set().plan);
      }
      FQL_ASSIGN_OR_RETURN(OpenedSet t, target->Open(sc, at, ctx));
      if (!out.def) out.def = t.def;
      FQL_ASSIGN_OR_RETURN(CursorPtr tc, t.scan(ScanBounds{}));
      for (; tc->Valid(); tc->Next()) {
        all.push_back(tc->entry());
        if (all.size() > kMaxArrayElems) {
          return Status(ErrorCode::kInvalidArgument, "A Join produced more than " +
                                                         std::to_string(kMaxArrayElems) + " entries.");
        }
      }
      FQL_RETURN_IF_ERROR(tc->status());
      FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
    }
    FQL_RETURN_IF_ERROR(cur->status());
    std::sort(all.begin(), all.end(), [](const SetEntry& a, const SetEntry& b) { return a.order_key < b.order_key; });
    all.erase(std::unique(all.begin(), all.end(),
                          [](const SetEntry& a, const SetEntry& b) { return a.order_key == b.order_key; }),
              all.end());
    auto shared = std::make_shared<const std::vector<SetEntry>>(std::move(all));
    out.scan = [shared](const ScanBounds& b) -> Result<CursorPtr> {
      return CursorPtr(std::make_unique<VectorCursor>(*shared, b));
    };
    return out;
  }

 private:
  ExecSetPtr source_;
  Value target_;
};

}  // namespace

Value MakeSet(std::string fql, std::string wire, ExecSetPtr plan) {
  return Value::Set(SetDescriptor{std::move(fql), std::move(wire), std::move(plan)});
}

Result<ExecSetPtr> SetArg(const CallContext& ctx, size_t i) {
  const Value& v = ctx.arg(i);
  if (v.kind() != ValueKind::kSet || !v.set().plan) return ctx.TypeError(i, "Set");
  return std::static_pointer_cast<const ExecSet>(v.set().plan);
}

ExecSetPtr DocumentsPlan(Value coll) { return std::make_shared<DocumentsSet>(std::move(coll)); }
ExecSetPtr NativePlan(NativeColl kind) { return std::make_shared<NativeSet>(kind); }
ExecSetPtr MatchPlan(Value index, Array terms) {
  return std::make_shared<MatchSet>(std::move(index), std::move(terms));
}
ExecSetPtr SingletonPlan(Value ref) { return std::make_shared<SingletonSet>(std::move(ref)); }
ExecSetPtr AlgebraPlan(SetOp op, std::vector<ExecSetPtr> inputs) {
  return std::make_shared<AlgebraSet>(op, std::move(inputs));
}
ExecSetPtr DistinctPlan(ExecSetPtr input) { return std::make_shared<DistinctNode>(std::move(input)); }
ExecSetPtr ReversePlan(ExecSetPtr input) { return std::make_shared<ReverseNode>(std::move(input)); }
ExecSetPtr RangePlan(ExecSetPtr input, Value from, Value to) {
  return std::make_shared<RangeSet>(std::move(input), std::move(from), std::move(to));
}
ExecSetPtr FilterPlan(ExecSetPtr input, Value lambda) {
  return std::make_shared<FilterNode>(std::move(input), std::move(lambda));
}
ExecSetPtr JoinPlan(ExecSetPtr source, Value target) {
  return std::make_shared<JoinSet>(std::move(source), std::move(target));
}

Value EntryOutput(const SetEntry& e) {
  if (e.values.empty()) return e.ref;
  if (e.values.size() == 1) return e.values[0];
  return Value::MakeArray(e.values);
}

Value EntryCursorValue(const SetEntry& e) {
  Array c = e.values;
  c.push_back(e.ref);
  return Value::MakeArray(std::move(c));
}

}  // namespace fqldb::executor::internal
