#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "compiler/frontend/bound_tree.h"

namespace fqldb::executor::internal {

struct Frame {
  std::shared_ptr<Frame> parent;
  std::vector<Value> slots;
  uint32_t depth = 0;  // the deepest value stored in `slots` so far
  // Set on the root frame of a stored lambda: the bound tree its code lives
  // in, which lambdas created inside it must keep alive.
  std::shared_ptr<const frontend::BoundQuery> owner;

  // Stores `v` in slot `i`, keeping `depth` up to date.
  void Set(size_t i, Value v) {
    depth = std::max(depth, v.depth());
    slots[i] = std::move(v);
  }
};
using FramePtr = std::shared_ptr<Frame>;

class Interp;
class StorageContext;

// What a builtin sees: its evaluated arguments (eager builtins), the call
// node (for error positions) and the interpreter (to apply lambdas and, for
// lazy builtins, to evaluate arguments). Lives for one call only.
class CallContext {
 public:
  CallContext(Interp& interp, const frontend::BoundCall& call, const FramePtr& env)
      : interp_(interp), call_(call), env_(env) {}

  std::vector<Value> args;
  // True when a varargs builtin got its list as one array argument.
  bool args_from_array = false;

  size_t size() const { return args.size(); }
  // True when optional argument `i` was given and is not null.
  bool Has(size_t i) const { return i < args.size() && !args[i].is_null(); }
  const Value& arg(size_t i) const { return args[i]; }

  // Errors that point at argument `i` (or at the call when i is out of range).
  Status ArgError(size_t i, ErrorCode code, std::string message) const;
  Status CallError(ErrorCode code, std::string message) const;
  // An error about element `j` of array argument `i`: it points at the
  // element itself when the argument is an array literal.
  Status ElementError(size_t i, size_t j, ErrorCode code, std::string message) const;
  // "<expected> expected, <Type> provided." about element `j` of argument `i`.
  Status ElementTypeError(size_t i, size_t j, const char* expected, const Value& elem) const;
  // "<expected> expected, <Type> provided." at argument i.
  Status TypeError(size_t i, const char* expected) const;

  Result<int64_t> Long(size_t i) const;
  Result<double> Number(size_t i) const;
  Result<const std::string*> String(size_t i) const;
  Result<bool> Bool(size_t i) const;
  Result<const Array*> ArrayArg(size_t i) const;

  // Evaluates argument `i` of a lazy builtin.
  Result<Value> Eval(size_t i);
  // Applies a lambda value to `fn_args`; `i` is the argument that held it.
  Result<Value> Apply(size_t i, std::span<const Value> fn_args);
  // Applies a lambda value held elsewhere (in a set being read); errors
  // point at this call.
  Result<Value> ApplyFn(const Value& fn, std::span<const Value> fn_args);
  Timestamp now() const;
  // The query's transaction, or an kUnsupported error when it runs without
  // a database.
  Result<StorageContext*> Storage() const;
  // Fails with kTimeout once the query is past its deadline; builtins that
  // loop over large inputs call it now and then.
  Status CheckDeadline() const;
  const frontend::BoundCall& call() const { return call_; }
  Interp& interp() const { return interp_; }

 private:
  Interp& interp_;
  const frontend::BoundCall& call_;
  const FramePtr& env_;
};

using BuiltinFn = Result<Value> (*)(CallContext& ctx);

// Registration: every builtin area file adds its functions here.
struct BuiltinTable {
  BuiltinFn fns[static_cast<size_t>(frontend::BuiltinId::kNumBuiltins)] = {};
  void Add(frontend::BuiltinId id, BuiltinFn fn) { fns[static_cast<size_t>(id)] = fn; }
};

void RegisterControlBuiltins(BuiltinTable& t);
void RegisterMathBuiltins(BuiltinTable& t);
void RegisterStringBuiltins(BuiltinTable& t);
void RegisterRegexBuiltins(BuiltinTable& t);
void RegisterFormatBuiltins(BuiltinTable& t);
void RegisterCollectionBuiltins(BuiltinTable& t);
void RegisterObjectBuiltins(BuiltinTable& t);
void RegisterTypeBuiltins(BuiltinTable& t);
void RegisterTimeBuiltins(BuiltinTable& t);
void RegisterDocumentBuiltins(BuiltinTable& t);
void RegisterSchemaBuiltins(BuiltinTable& t);
void RegisterSetBuiltins(BuiltinTable& t);

// The implementation of `id`, or nullptr when this build has none.
BuiltinFn FindImpl(frontend::BuiltinId id);

// Set versions of the collection builtins, for set arguments (builtins_set.cc).
enum class SetOp { kUnion, kIntersection, kDifference };
bool AnySetArg(const CallContext& ctx);
Result<Value> SetAlgebra(CallContext& ctx, SetOp op);
Result<Value> DistinctSet(CallContext& ctx);
Result<Value> ReverseSet(CallContext& ctx);
Result<Value> FilterSet(CallContext& ctx);

// Builds an array result, failing if it would exceed kMaxArrayElems.
Result<Value> MakeArrayChecked(const CallContext& ctx, Array elems);
// Builds a string result, failing if it would exceed kMaxStringBytes.
Result<Value> MakeStringChecked(const CallContext& ctx, std::string s);

// A collection argument as an array: arrays as they are, pages by their
// data, sets read whole (the argument is replaced by the array).
Result<const Array*> CollectionArg(CallContext& ctx, size_t i);
// Every value of the set at argument `i`, in set order. Errors: limits,
// the deadline, storage errors.
Result<Array> ReadWholeSet(CallContext& ctx, size_t i);
// How many entries the set at argument `i` holds, counting at most
// `limit`, without building their values (Count, IsEmpty).
Result<int64_t> CountSet(CallContext& ctx, size_t i, int64_t limit = INT64_MAX);
// Wraps `data` like the collection argument `i`: a page keeps its cursors.
Value LikeCollection(const CallContext& ctx, size_t i, Array data);

}  // namespace fqldb::executor::internal
