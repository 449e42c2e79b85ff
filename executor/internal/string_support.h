#pragma once

// Helpers shared by the string, regex and Format builtins. Positions and
// lengths count Unicode code points, as Fauna's Java implementation did.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "common/value.h"
#include "executor/internal/call_context.h"
#include "executor/interpreter.h"

namespace fqldb::executor::internal {

inline constexpr size_t kNpos = std::string_view::npos;

enum class CaseMapping { kLower, kUpper, kTitle };

// Maps case with ICU's full mappings in the root locale (defined with the
// string builtins, the one place that includes ICU).
std::string MapCase(std::string_view s, CaseMapping mapping);

inline Status BadArg(const CallContext& ctx, size_t i, std::string message) {
  return ctx.ArgError(i, ErrorCode::kInvalidArgument, std::move(message));
}

inline Status TooLong(const CallContext& ctx) {
  return ctx.CallError(
      ErrorCode::kInvalidArgument,
      "Result would be longer than " + std::to_string(kMaxStringBytes) + " bytes.");
}

inline Status TooManyElements(const CallContext& ctx) {
  return ctx.CallError(
      ErrorCode::kInvalidArgument,
      "Result would have more than " + std::to_string(kMaxArrayElems) + " elements.");
}

// Returns the byte offset just past the code point that starts at `pos`.
inline size_t NextCodePoint(std::string_view s, size_t pos) {
  ++pos;
  while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) ++pos;
  return pos;
}

// Reads optional integer argument `i`, or returns `fallback` when it is absent.
inline Result<int64_t> OptLong(const CallContext& ctx, size_t i, int64_t fallback) {
  if (!ctx.Has(i)) return fallback;
  return ctx.Long(i);
}

// Does what ForEachMatch does for a literal `find`. An empty `find` matches
// at every code point boundary, both ends included.
template <typename Fn>
inline Status ForEachLiteral(std::string_view s, std::string_view find, Fn fn) {
  for (size_t from = 0; from <= s.size();) {
    size_t at = s.find(find, from);
    if (at == kNpos) return Status::Ok();
    FQL_ASSIGN_OR_RETURN(bool more, fn(at, at + find.size()));
    if (!more) return Status::Ok();
    from = find.empty() ? NextCodePoint(s, at) : at + find.size();
  }
  return Status::Ok();
}

// Cuts a string around separator matches with Java's String.split(limit)
// rules: limit > 0 caps the number of pieces (the last holds the rest),
// limit == 0 drops trailing empty pieces, limit < 0 keeps everything. A
// zero-width match at the very start never yields a leading empty piece.
class Splitter {
 public:
  Splitter(std::string_view s, int64_t limit) : s_(s), limit_(limit) {}

  Result<bool> Cut(const CallContext& ctx, size_t start, size_t end) {
    if (limit_ > 0 && static_cast<int64_t>(pieces_.size()) + 1 >= limit_) return false;
    if (start == 0 && end == 0) return true;
    if (pieces_.size() >= kMaxArrayElems) return TooManyElements(ctx);
    pieces_.push_back(Value::String(std::string(s_.substr(index_, start - index_))));
    index_ = end;
    return true;
  }

  Array Finish() {
    if (pieces_.empty()) return Array{Value::String(std::string(s_))};
    pieces_.push_back(Value::String(std::string(s_.substr(index_))));
    while (limit_ == 0 && !pieces_.empty() && pieces_.back().str().empty()) pieces_.pop_back();
    return std::move(pieces_);
  }

 private:
  std::string_view s_;
  int64_t limit_;
  size_t index_ = 0;
  Array pieces_;
};

}  // namespace fqldb::executor::internal
