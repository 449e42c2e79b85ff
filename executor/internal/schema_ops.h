#pragma once

#include <optional>

#include "common/status.h"
#include "common/value.h"
#include "executor/internal/call_context.h"
#include "executor/internal/storage_context.h"

namespace fqldb::executor::internal {

// Shared by the document and schema builtins.

enum class WriteOp { kCreate, kUpdate, kReplace, kDelete };

// Creates, updates, replaces or deletes the schema document `r` names
// (a collection, index, function or database) with Fauna's validation.
// `params` is the argument at `params_arg` (null for deletes).
Result<Value> WriteSchemaDoc(CallContext& ctx, StorageContext& sc, const ResolvedRef& r,
                             const Value& ref, WriteOp op, size_t params_arg);

// A snapshot argument: a Long (microseconds) or a Time.
Result<uint64_t> TsArg(const CallContext& ctx, size_t i);
// The same for a value found inside argument `i` (errors point at it).
Result<uint64_t> TsOf(const CallContext& ctx, size_t i, const Value& v);

// Merges `patch` into `base` the way Update does: objects merge key by
// key, a null removes the key, anything else replaces.
Value DeepMerge(const Value& base, const Value& patch);

// The first document ref of a set (Get and Exists accept sets), or nullopt.
Result<std::optional<Value>> FirstRefOfSet(CallContext& ctx, StorageContext& sc, const Value& set,
                                           std::optional<uint64_t> at);

}  // namespace fqldb::executor::internal
