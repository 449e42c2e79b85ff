#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "compiler/frontend/builtin_catalog.h"

namespace fqldb::frontend {

// The bound tree: every function resolved to a catalog entry, every variable
// to a frame slot. Nodes own their children; each knows its parent and the
// wire key it sits under, so an error anywhere can report Fauna's position
// path. Immutable after binding and safe to share across threads.
enum class BoundKind { kConstant, kArray, kObject, kCall, kVar, kLambda, kLet };

struct BoundNode {
  BoundNode(BoundKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~BoundNode() = default;
  BoundNode(const BoundNode&) = delete;
  BoundNode& operator=(const BoundNode&) = delete;

  template <typename T>
  const T& Cast() const {
    FQL_CHECK(kind == T::kKind);
    return static_cast<const T&>(*this);
  }

  BoundKind kind;
  SourcePos pos;
  const BoundNode* parent = nullptr;
  std::vector<PathElem> key;  // path steps from the parent to this node
};

using BoundPtr = std::unique_ptr<BoundNode>;

struct BoundConstant : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kConstant;
  BoundConstant(SourcePos p, Value v) : BoundNode(kKind, p), value(std::move(v)) {}
  Value value;
};

struct BoundArray : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kArray;
  explicit BoundArray(SourcePos p) : BoundNode(kKind, p) {}
  std::vector<BoundPtr> elems;
};

struct BoundObject : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kObject;
  explicit BoundObject(SourcePos p) : BoundNode(kKind, p) {}
  std::vector<std::string> keys;
  std::vector<BoundPtr> values;
};

struct BoundCall : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kCall;
  BoundCall(SourcePos p, const BuiltinInfo* b) : BoundNode(kKind, p), builtin(b) {}
  const BuiltinInfo* builtin;
  std::vector<BoundPtr> args;
};

// A variable read: `hops` frames up the static chain, slot `slot`.
struct BoundVar : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kVar;
  BoundVar(SourcePos p, std::string n, int h, int s)
      : BoundNode(kKind, p), name(std::move(n)), hops(h), slot(s) {}
  std::string name;
  int hops;
  int slot;
};

// A lambda. Its parameters take slots 0..n-1 of a new frame of `frame_size`.
struct BoundLambda : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kLambda;
  explicit BoundLambda(SourcePos p) : BoundNode(kKind, p) {}
  std::vector<std::string> params;
  bool single = false;  // one parameter bound to the whole argument
  int frame_size = 0;
  BoundPtr body;
};

// Let: evaluates values in order into slots of the current frame, then body.
struct BoundLet : BoundNode {
  static constexpr BoundKind kKind = BoundKind::kLet;
  explicit BoundLet(SourcePos p) : BoundNode(kKind, p) {}
  std::vector<std::string> names;
  std::vector<int> slots;
  std::vector<BoundPtr> values;
  BoundPtr body;
};

// One bound top-level query. Its root frame holds the named parameters in
// slots 0..n-1, then the query's own Let bindings.
struct BoundQuery {
  BoundPtr root;
  int frame_size = 0;
  std::vector<std::string> params;
};

// Fauna's position path of a node: wire keys and indexes from the query root.
std::vector<PathElem> PositionOf(const BoundNode& node);

// Renders a bound expression back to FQL source (used to print lambdas).
std::string BoundToFql(const BoundNode& node);

// Renders a bound expression in Fauna's wire JSON (used for @query values).
std::string BoundToWireJson(const BoundNode& node);

}  // namespace fqldb::frontend
