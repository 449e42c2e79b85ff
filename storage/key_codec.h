#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/value.h"

namespace fqldb::storage {

// An order-preserving binary encoding of FQL values, for LevelDB keys:
// memcmp order of two encodings equals Compare() order of the values, and
// equal encodings mean Equals() values (-0.0 and 0.0 encode alike). Encodings
// are self-delimiting, so tuples are concatenations. All functions are pure
// and thread-safe.

// Appends the encoding of `v` to `out`. Keys hold what indexes hold:
// numbers, bytes, strings, refs, timestamps, dates, booleans, null, and
// arrays of those. Errors: kInvalidArgument for objects, sets, lambdas and
// pages, and for values nested deeper than 64 levels.
Status EncodeKey(const Value& v, std::string* out);

// Decodes one value from the front of `*in` and advances it. Errors:
// kInternal when the bytes are not an encoding EncodeKey produced.
Result<Value> DecodeKey(std::string_view* in);

// The leading part of a ref's encoding: the tag and the id, which order
// refs by id (numeric ids by value first). Storage keys documents by it.
void EncodeRefId(std::string_view id, std::string* out);
// Reads what EncodeRefId wrote from the front of `*in`. Errors: kInternal.
Result<std::string> DecodeRefId(std::string_view* in);

// A uint64 as 8 big-endian bytes, which sort like the numbers (ts, uids).
void EncodeUint64(uint64_t v, std::string* out);
// Reads 8 bytes that EncodeUint64 wrote; `in` must hold at least 8.
uint64_t DecodeUint64(std::string_view in);

}  // namespace fqldb::storage
