#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fqldb::frontend {

// Identifies one FQL builtin. Generated from builtin_list.inc.
enum class BuiltinId : uint16_t {
#define FQL_BUILTIN(name, min, max, flags, ...) k##name,
#include "compiler/frontend/builtin_list.inc"
#undef FQL_BUILTIN
  kNumBuiltins
};

// Bit flags describing how a builtin is bound and called.
enum BuiltinFlag : uint32_t {
  kNone = 0,
  kVarargs = 1u << 0,   // a single array argument is the argument list
  kNoScalar = 1u << 1,  // with kVarargs: a single non-array argument is an error
  kLazy = 1u << 2,      // the builtin evaluates its own arguments
  kSpecial = 1u << 3,   // handled by the binder (Let, Var, Lambda)
  kStorage = 1u << 4,   // reads or writes stored data
};

// One catalog entry. Immutable; entries live for the whole program.
struct BuiltinInfo {
  BuiltinId id;
  const char* name;               // FQL name, e.g. "Add"
  std::vector<const char*> keys;  // wire keys; keys[0] is the head key
  int min_args;
  int max_args;  // -1: unbounded
  uint32_t flags;

  bool has(BuiltinFlag f) const { return (flags & f) != 0; }
  // The wire key that names argument `i` (the head key for varargs).
  const char* KeyForArg(size_t i) const;
};

// Looks a builtin up by its FQL name (case-sensitive). Returns nullptr if unknown.
const BuiltinInfo* FindBuiltin(std::string_view name);
const BuiltinInfo& GetBuiltin(BuiltinId id);
const std::vector<BuiltinInfo>& AllBuiltins();

// Returns up to three catalog names close to `name` (case-insensitive edit
// distance), best first, for "did you mean" messages.
std::vector<std::string> SuggestBuiltins(std::string_view name);

}  // namespace fqldb::frontend
