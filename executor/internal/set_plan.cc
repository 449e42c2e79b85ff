#include "executor/internal/set_plan.h"

#include <algorithm>
#include <map>

#include "common/value_printer.h"
#include "executor/internal/interp.h"
#include "executor/internal/jit_filter.h"
#include "executor/internal/set_cursors.h"
#include "executor/interpreter.h"
#include "storage/key_codec.h"

namespace fqldb::executor::internal {

namespace {

using storage::EntryCursor;
using storage::IndexDef;
using storage::NativeColl;
using storage::ScanBounds;
using storage::SetEntry;

Status UndefinedCollection(const Value& coll) {
  return Status(ErrorCode::kInvalidRef, "Ref refers to undefined collection '" + coll.ref_id() + "'");
}

// Events are gathered in memory to be ordered by ts; this bounds them.
template <typename T>
Status CheckEventCount(const std::vector<T>& events) {
  if (events.size() <= kMaxArrayElems) return Status::Ok();
  return Status(ErrorCode::kInvalidArgument, "The set's history holds more than " +
                                                 std::to_string(kMaxArrayElems) + " events.");
}

// A document as an entry of a set of documents: ordered by id, then by
// collection uid.
SetEntry DocEntry(const Value& ref, uint64_t coll, uint64_t ts) {
  SetEntry e;
  e.set_ref(ref);
  e.ts = ts;
  storage::EncodeRefId(ref.ref_id(), &e.order_key);
  storage::AppendRefCollection(coll, &e.order_key);
  return e;
}

// Whether a document version changes its membership in a set of documents
// (updating `*present`): it joins when created (or re-created) and leaves
// when deleted; updates change nothing.
bool MembershipFlips(const storage::DocRecord& r, bool* present) {
  bool now = r.action != storage::Action::kDelete;
  if (now == *present) return false;
  *present = now;
  return true;
}

// A collection's membership changes.
Status CollectionEvents(StorageContext& sc, const Value& coll_ref, uint64_t db, uint64_t coll,
                        std::optional<uint64_t> at, std::vector<SetEvent>* out) {
  std::optional<std::string> doc;  // the document whose versions are arriving
  bool present = false;
  return sc.txn().CollectionHistory(
      coll_ref, db, coll, at, [&](const Value& ref, const storage::DocRecord& r) -> Status {
        if (doc != ref.ref_id()) {
          doc = ref.ref_id();
          present = false;
        }
        if (!MembershipFlips(r, &present)) return Status::Ok();
        out->push_back(SetEvent{r.ts, present, DocEntry(ref, coll, r.ts)});
        return CheckEventCount(*out);
      });
}

std::string Snapshot(StorageContext& sc, std::optional<uint64_t> at) {
  if (at == sc.at()) return "";
  return at ? " at ts " + std::to_string(*at) : " at the latest snapshot";
}

std::string AllPartitions(StorageContext& sc) {
  return "all " + std::to_string(sc.txn().engine().partitions()) + " partitions";
}

class DocumentsSet : public ExecSet {
 public:
  explicit DocumentsSet(Value coll) : coll_(std::move(coll)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at,
                         CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(auto where, Locate(sc, at));
    OpenedSet out;
    out.access = DescribeAccess(ctx, "Documents(" + ToFql(coll_) + ")" + Snapshot(sc, at) + ": " +
                                         AllPartitions(sc) + ", merged in ref order");
    Value coll = coll_;
    StorageContext* s = &sc;
    out.scan = [s, coll, where, at](const ScanBounds& b) -> Result<CursorPtr> {
      return s->txn().ScanCollection(coll, where.first, where.second, b, at);
    };
    out.count = [s, where, at](const std::function<Status()>& check) {
      return s->txn().CountCollection(where.first, where.second, at, check);
    };
    if (at == sc.at()) {
      auto p = std::make_shared<DocPipeline>();
      p->open = [s, coll, where, at](bool ordered) {
        return s->txn().StreamCollection(coll, where.first, where.second, at, ordered);
      };
      p->approximate_bytes = [s, where] {
        return s->txn().ApproximateCollectionBytes(where.first, where.second);
      };
      out.pipeline = std::move(p);
    }
    return out;
  }
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext&,
                 std::vector<SetEvent>* out) const override {
    FQL_ASSIGN_OR_RETURN(auto where, Locate(sc, at));
    return CollectionEvents(sc, coll_, where.first, where.second, at, out);
  }

 private:
  // The database and collection uid the collection ref names at `at`.
  Result<std::pair<uint64_t, uint64_t>> Locate(StorageContext& sc, std::optional<uint64_t> at) const {
    if (coll_.kind() != ValueKind::kRef) return UndefinedCollection(coll_);
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(coll_));
    if (r.schema != NativeColl::kCollections) {
      return Status(ErrorCode::kInvalidArgument, "Collection Ref expected, " + ToFql(coll_) + " provided.");
    }
    FQL_ASSIGN_OR_RETURN(auto rec, sc.txn().Read(r.addr, at));
    if (!rec || rec->action == storage::Action::kDelete) return UndefinedCollection(coll_);
    return std::make_pair(r.addr.db, rec->uid);
  }

  Value coll_;
};

class NativeSet : public ExecSet {
 public:
  NativeSet(NativeColl kind, std::optional<Value> scope) : kind_(kind), scope_(std::move(scope)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at,
                         CallContext& ctx) const override {
    OpenedSet out;
    Value native = NativeRefOf(kind_, std::nullopt);
    out.access = DescribeAccess(ctx, "schema documents " + ToFql(native) + Snapshot(sc, at) + ": " +
                                         AllPartitions(sc) + ", merged in ref order");
    FQL_ASSIGN_OR_RETURN(uint64_t db, Db(sc, at));
    uint64_t uid = static_cast<uint64_t>(kind_);
    StorageContext* s = &sc;
    std::optional<Value> scope = scope_;
    out.scan = [s, native, db, uid, at, scope](const ScanBounds& b) -> Result<CursorPtr> {
      CursorPtr c = s->txn().ScanCollection(native, db, uid, b, at);
      if (!scope) return c;
      return CursorPtr(std::make_unique<ScopedRefCursor>(std::move(c), *scope));
    };
    return out;
  }
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext&,
                 std::vector<SetEvent>* out) const override {
    FQL_ASSIGN_OR_RETURN(uint64_t db, Db(sc, at));
    size_t first = out->size();
    FQL_RETURN_IF_ERROR(
        CollectionEvents(sc, NativeRefOf(kind_, std::nullopt), db, static_cast<uint64_t>(kind_), at, out));
    if (scope_) {
      for (size_t i = first; i < out->size(); ++i)
        (*out)[i].entry.set_ref(ScopedRefCursor::Scoped((*out)[i].entry.ref(), *scope_));
    }
    return Status::Ok();
  }

 private:
  // The database whose schema this set lists: the scope's, or the query's.
  Result<uint64_t> Db(StorageContext& sc, std::optional<uint64_t> at) const {
    std::optional<uint64_t> saved = sc.at();
    sc.set_at(at);
    Result<uint64_t> db = sc.ResolveScope(scope_ ? &*scope_ : nullptr);
    sc.set_at(saved);
    return db;
  }

  NativeColl kind_;
  std::optional<Value> scope_;
};

class MatchSet : public ExecSet {
 public:
  MatchSet(Value index, Array terms) : index_(std::move(index)), terms_(std::move(terms)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at,
                         CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(auto d, Def(sc, at));
    OpenedSet out;
    out.def = d;
    Array terms = Terms(*d);
    bool none = terms.size() != d->terms.size();
    if (ctx.interp().explain()) {
      std::string head = "Match(" + ToFql(index_) +
                         (d->terms.empty() ? "" : ", " + ToFql(Value::MakeArray(terms_))) + ")" +
                         Snapshot(sc, at) + ": ";
      if (none) {
        head += "empty (" + std::to_string(terms_.size()) + " terms for an index of " +
                std::to_string(d->terms.size()) + ")";
      } else if (d->terms.empty()) {
        head += "no terms, so " + AllPartitions(sc) + ", merged by index values";
      } else {
        head += "one partition (hashed from the index and terms), one range of index entries";
      }
      out.access = DescribeAccess(ctx, head);
    }
    StorageContext* s = &sc;
    out.scan = [s, d, terms, none, at](const ScanBounds& b) -> Result<CursorPtr> {
      if (none) return CursorPtr(std::make_unique<VectorCursor>(std::vector<SetEntry>{}, b));
      return s->txn().ScanIndex(*d, terms, b, at);
    };
    if (at == sc.at()) {
      auto p = std::make_shared<DocPipeline>();
      p->open = [s, scan = out.scan](bool) { return StreamEntries(*s, scan(ScanBounds{})); };
      p->approximate_bytes = [s, d, terms, none]() -> uint64_t {
        return none ? 0 : s->txn().ApproximateIndexBytes(*d, terms);
      };
      p->entries = true;
      out.pipeline = std::move(p);
    }
    return out;
  }
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext&,
                 std::vector<SetEvent>* out) const override {
    FQL_ASSIGN_OR_RETURN(auto d, Def(sc, at));
    Array terms = Terms(*d);
    if (terms.size() != d->terms.size()) return Status::Ok();
    return sc.txn().IndexHistory(*d, terms, at, [&](const SetEntry& e, storage::Action a) -> Status {
      out->push_back(SetEvent{e.ts, a != storage::Action::kDelete, e});
      return CheckEventCount(*out);
    });
  }

 private:
  Result<std::shared_ptr<const IndexDef>> Def(StorageContext& sc, std::optional<uint64_t> at) const {
    std::optional<uint64_t> saved = sc.at();
    sc.set_at(at);
    Result<std::shared_ptr<const IndexDef>> def = sc.IndexDefOf(index_);
    sc.set_at(saved);
    return def;
  }
  // An index without terms matches everything; a tuple of the wrong width
  // matches nothing.
  Array Terms(const IndexDef& def) const { return def.terms.empty() ? Array{} : terms_; }

  Value index_;
  Array terms_;
};

class SingletonSet : public ExecSet {
 public:
  explicit SingletonSet(Value ref) : ref_(std::move(ref)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t>,
                         CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref_));
    SetEntry e = DocEntry(ref_, r.addr.coll, 0);
    OpenedSet out;
    out.access = DescribeAccess(ctx, "Singleton(" + ToFql(ref_) + "): one entry, in memory");
    out.scan = [e](const ScanBounds& b) -> Result<CursorPtr> {
      return CursorPtr(std::make_unique<VectorCursor>(std::vector<SetEntry>{e}, b));
    };
    return out;
  }
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext&,
                 std::vector<SetEvent>* out) const override {
    FQL_ASSIGN_OR_RETURN(ResolvedRef r, sc.Resolve(ref_));
    FQL_ASSIGN_OR_RETURN(auto history, sc.txn().History(r.addr, at));
    bool present = false;
    for (const storage::DocRecord& rec : history) {
      if (MembershipFlips(rec, &present)) out->push_back(SetEvent{rec.ts, present, DocEntry(ref_, r.addr.coll, rec.ts)});
    }
    return Status::Ok();
  }

 private:

  Value ref_;
};

class AlgebraSet : public ExecSet {
 public:
  AlgebraSet(SetOp op, std::vector<Value> in) : op_(op), in_values_(std::move(in)) {
    for (const Value& v : in_values_) in_.push_back(std::static_pointer_cast<const ExecSet>(v.set().plan));
  }
  void Sources(const Value&, std::vector<Value>* out) const override {
    for (size_t i = 0; i < in_.size(); ++i) in_[i]->Sources(in_values_[i], out);
  }
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    std::vector<OpenedSet> opened;
    for (const ExecSetPtr& s : in_) {
      FQL_ASSIGN_OR_RETURN(OpenedSet o, s->Open(sc, at, ctx));
      opened.push_back(std::move(o));
    }
    OpenedSet out;
    out.def = opened[0].def;
    if (ctx.interp().explain()) {
      static const char* const kOps[] = {"Union", "Intersection", "Difference"};
      out.access = std::string(kOps[static_cast<int>(op_)]) + " of " +
                   std::to_string(opened.size()) + " sets: their cursors merged in order";
      for (const OpenedSet& o : opened) out.access = DescribeAccess(ctx, out.access, {&o});
    }
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
  // Replays the inputs' changes in ts order, tracking which inputs hold
  // each entry, and reports when the combination's membership flips.
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx,
                 std::vector<SetEvent>* out) const override {
    std::vector<std::pair<size_t, SetEvent>> all;
    for (size_t i = 0; i < in_.size(); ++i) {
      std::vector<SetEvent> evs;
      FQL_RETURN_IF_ERROR(in_[i]->History(sc, at, ctx, &evs));
      for (SetEvent& e : evs) all.emplace_back(i, std::move(e));
      FQL_RETURN_IF_ERROR(CheckEventCount(all));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.second.ts != b.second.ts ? a.second.ts < b.second.ts : a.second.add < b.second.add;
    });
    std::map<std::string, std::vector<bool>> held;
    auto member = [&](const std::vector<bool>& h) {
      switch (op_) {
        case SetOp::kUnion: return std::find(h.begin(), h.end(), true) != h.end();
        case SetOp::kIntersection: return std::find(h.begin(), h.end(), false) == h.end();
        case SetOp::kDifference: return h[0] && std::find(h.begin() + 1, h.end(), true) == h.end();
      }
      return false;
    };
    for (size_t i = 0; i < all.size();) {
      // All changes at one ts apply together.
      size_t j = i;
      std::map<std::string, std::pair<bool, const SetEntry*>> touched;  // key -> membership before
      for (; j < all.size() && all[j].second.ts == all[i].second.ts; ++j) {
        const SetEvent& ev = all[j].second;
        auto& h = held.try_emplace(ev.entry.order_key, std::vector<bool>(in_.size(), false)).first->second;
        touched.try_emplace(ev.entry.order_key, member(h), &ev.entry);
        touched[ev.entry.order_key].second = &ev.entry;
        h[all[j].first] = ev.add;
      }
      for (const auto& [key, before] : touched) {
        bool after = member(held[key]);
        if (after != before.first) out->push_back(SetEvent{all[i].second.ts, after, *before.second});
      }
      i = j;
    }
    return Status::Ok();
  }

 private:
  SetOp op_;
  std::vector<Value> in_values_;
  std::vector<ExecSetPtr> in_;
};

class DistinctNode : public ExecSet {
 public:
  explicit DistinctNode(ExecSetPtr in) : in_(std::move(in)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    OpenedSet out;
    out.def = inner.def;
    out.access = DescribeAccess(ctx, "Distinct: drops repeated values as they stream", {&inner});
    out.scan = [inner](const ScanBounds& b) -> Result<CursorPtr> {
      FQL_ASSIGN_OR_RETURN(CursorPtr c, inner.scan(b));
      auto last = std::make_shared<std::optional<Value>>();
      return CursorPtr(std::make_unique<FilterCursor>(
          std::move(c), [last](const storage::EntryCursor& in) -> Result<bool> {
            Value v = EntryOutput(in.entry());
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
    out.access = DescribeAccess(ctx, "Reverse: reads its input backwards", {&inner});
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
  // Reversing a set does not change when its members came and went.
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx,
                 std::vector<SetEvent>* out) const override {
    return in_->History(sc, at, ctx, out);
  }

 private:
  ExecSetPtr in_;
};

class RangeSet : public ExecSet {
 public:
  RangeSet(ExecSetPtr in, Value from, Value to) : in_(std::move(in)), from_(std::move(from)), to_(std::move(to)) {}
  Result<OpenedSet> Open(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    std::string lo, hi;
    FQL_RETURN_IF_ERROR(Bounds(inner, &lo, &hi));
    OpenedSet out;
    out.def = inner.def;
    out.access = DescribeAccess(ctx, "Range: its bounds narrow the input's scan", {&inner});
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
  // The input's changes to entries inside the range.
  Status History(StorageContext& sc, std::optional<uint64_t> at, CallContext& ctx,
                 std::vector<SetEvent>* out) const override {
    FQL_ASSIGN_OR_RETURN(OpenedSet inner, in_->Open(sc, at, ctx));
    std::string lo, hi;
    FQL_RETURN_IF_ERROR(Bounds(inner, &lo, &hi));
    std::vector<SetEvent> evs;
    FQL_RETURN_IF_ERROR(in_->History(sc, at, ctx, &evs));
    for (SetEvent& e : evs) {
      if (e.entry.order_key >= lo && e.entry.order_key < hi) out->push_back(std::move(e));
    }
    return Status::Ok();
  }

 private:
  // [lo, hi): the order keys from `from_` through every key under `to_`.
  Status Bounds(const OpenedSet& inner, std::string* lo, std::string* hi) const {
    auto prefix = [&](const Value& v) -> Result<std::string> {
      Result<std::string> enc = storage::EncodeOrderPrefix(inner.def.get(), v.is_array() ? v.array() : Array{v});
      if (!enc.ok()) return Status(ErrorCode::kInvalidArgument, "Range bounds must be scalars or arrays of them.");
      return enc;
    };
    FQL_ASSIGN_OR_RETURN(*lo, prefix(from_));
    FQL_ASSIGN_OR_RETURN(*hi, prefix(to_));
    *hi = storage::OrderPrefixSuccessor(*hi);
    return Status::Ok();
  }

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
    out.access = DescribeAccess(ctx, "Filter: applies its lambda to each entry", {&inner});
    Value fn = lambda_;
    CallContext* c = &ctx;
    if (inner.pipeline) {
      auto p = std::make_shared<DocPipeline>(*inner.pipeline);
      p->filters.push_back(fn);
      out.pipeline = std::move(p);
    }
    StorageContext* s = &sc;
    out.scan = [inner, fn, c, s](const ScanBounds& b) -> Result<CursorPtr> {
      FQL_ASSIGN_OR_RETURN(CursorPtr cur, inner.scan(b));
      return CursorPtr(std::make_unique<FilterCursor>(std::move(cur), FilterTest(*c, *s, fn)));
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
    out.access = DescribeAccess(
        ctx,
        std::string("Join: reads its source, then ") +
            (target_.kind() == ValueKind::kRef ? "Match(" + ToFql(target_) + ", value)"
                                               : "the lambda's set") +
            " per source value, gathered and sorted in memory",
        {&src});
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

ExecSetPtr DocumentsPlan(Value coll) { return std::make_shared<DocumentsSet>(std::move(coll)); }
ExecSetPtr NativePlan(NativeColl kind, std::optional<Value> scope) {
  return std::make_shared<NativeSet>(kind, std::move(scope));
}
ExecSetPtr MatchPlan(Value index, Array terms) {
  return std::make_shared<MatchSet>(std::move(index), std::move(terms));
}
ExecSetPtr SingletonPlan(Value ref) { return std::make_shared<SingletonSet>(std::move(ref)); }
ExecSetPtr AlgebraPlan(SetOp op, std::vector<Value> inputs) {
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

}  // namespace fqldb::executor::internal
