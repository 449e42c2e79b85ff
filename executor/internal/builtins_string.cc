// String builtins: concatenation, case mapping and normalization (ICU),
// searching, trimming, splitting and replacing literal text, NGram, Repeat,
// Space and SubString. Regexes live in builtins_regex.cc, Format in
// builtins_format.cc.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "common/status.h"
#include "common/text.h"
#include "common/value.h"
#include "common/value_printer.h"
#include "executor/internal/call_context.h"
#include "executor/internal/string_support.h"
#include "executor/interpreter.h"

namespace fqldb::executor::internal {

namespace {

using frontend::BuiltinId;

constexpr std::string_view kWhitespace = " \t\n\r\f\v";

// ICU: case mapping and normalization.

icu::UnicodeString ToIcu(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string FromIcu(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}


// Picks the normalizer that Casefold's optional argument 1 names.
Result<const icu::Normalizer2*> PickNormalizer(const CallContext& ctx) {
  std::string_view name = "NFKCCaseFold";
  if (ctx.Has(1)) {
    FQL_ASSIGN_OR_RETURN(const std::string* given, ctx.String(1));
    name = *given;
  }
  using Getter = const icu::Normalizer2* (*)(UErrorCode&);
  static constexpr std::pair<std::string_view, Getter> kNormalizers[] = {
      {"NFD", &icu::Normalizer2::getNFDInstance},
      {"NFC", &icu::Normalizer2::getNFCInstance},
      {"NFKD", &icu::Normalizer2::getNFKDInstance},
      {"NFKC", &icu::Normalizer2::getNFKCInstance},
      {"NFKCCaseFold", &icu::Normalizer2::getNFKCCasefoldInstance}};
  for (const auto& [known, get] : kNormalizers) {
    if (name != known) continue;
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* norm = get(err);
    if (U_SUCCESS(err) && norm != nullptr) return norm;
    return ctx.CallError(ErrorCode::kInternal, std::string("ICU failed: ") + u_errorName(err));
  }
  return BadArg(ctx, 1, "Normalizer must be one of NFD, NFC, NFKD, NFKC or NFKCCaseFold.");
}


// Appends the n-grams of `s` (lengths min..max in code points), ordered by
// start position and then length; `bytes` counts the text built so far.
Status AppendGrams(const CallContext& ctx, std::string_view s, int64_t min, int64_t max, Array* out,
                   size_t* bytes) {
  std::vector<size_t> offsets;
  for (size_t p = 0; p < s.size(); p = NextCodePoint(s, p)) offsets.push_back(p);
  const size_t n = offsets.size();
  offsets.push_back(s.size());
  for (size_t i = 0; i < n; ++i) {
    for (int64_t len = min; len <= max && static_cast<uint64_t>(len) <= n - i; ++len) {
      size_t b = offsets[i];
      size_t e = offsets[i + static_cast<size_t>(len)];
      *bytes += e - b;
      if (out->size() >= kMaxArrayElems) return TooManyElements(ctx);
      if (*bytes > kMaxStringBytes) return TooLong(ctx);
      out->push_back(Value::String(std::string(s.substr(b, e - b))));
    }
  }
  return Status::Ok();
}

// The builtins.

Result<Value> Concat(CallContext& ctx) {
  std::string_view sep;
  if (ctx.Has(1)) {
    FQL_ASSIGN_OR_RETURN(const std::string* given, ctx.String(1));
    sep = *given;
  }
  const Value& strs = ctx.arg(0);
  if (strs.is_string()) return strs;
  if (!strs.is_array()) return ctx.TypeError(0, "Array");
  size_t total = 0;
  for (size_t j = 0; j < strs.array().size(); ++j) {
    const Value& e = strs.array()[j];
    if (!e.is_string()) return ctx.ElementTypeError(0, j, "String", e);
    total += e.str().size() + sep.size();
    if (total > kMaxStringBytes + sep.size()) return TooLong(ctx);
  }
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < strs.array().size(); ++i) {
    if (i > 0) out += sep;
    out += strs.array()[i].str();
  }
  return MakeStringChecked(ctx, std::move(out));
}

Result<Value> Casefold(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(const icu::Normalizer2* norm, PickNormalizer(ctx));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString out = norm->normalize(ToIcu(*s), err);
  if (U_FAILURE(err)) {
    return ctx.CallError(ErrorCode::kInternal, std::string("ICU failed: ") + u_errorName(err));
  }
  return MakeStringChecked(ctx, FromIcu(out));
}

// The shared shape of ContainsStr, StartsWith and EndsWith.
template <bool (*kTest)(std::string_view, std::string_view)>
Result<Value> StringTest(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(const std::string* search, ctx.String(1));
  return Value::Bool(kTest(*s, *search));
}
bool HasInfix(std::string_view s, std::string_view x) { return s.find(x) != kNpos; }
bool HasPrefix(std::string_view s, std::string_view x) { return s.starts_with(x); }
bool HasSuffix(std::string_view s, std::string_view x) { return s.ends_with(x); }

Result<Value> FindStr(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(const std::string* find, ctx.String(1));
  FQL_ASSIGN_OR_RETURN(int64_t start, OptLong(ctx, 2, 0));
  // Like Java's indexOf, a negative start means 0 and a start past the end finds only "".
  size_t first = std::min(static_cast<size_t>(std::max<int64_t>(start, 0)), CountCodePoints(*s));
  size_t from = CodePointOffset(*s, first);
  size_t at = s->find(*find, from);
  if (at == kNpos) return Value::Long(-1);
  size_t skipped = CountCodePoints(std::string_view(*s).substr(from, at - from));
  return Value::Long(static_cast<int64_t>(first + skipped));
}

Result<Value> Length(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  return Value::Long(static_cast<int64_t>(CountCodePoints(*s)));
}

template <CaseMapping kMapping>
Result<Value> ChangeCase(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  return MakeStringChecked(ctx, MapCase(*s, kMapping));
}

template <bool kLeft, bool kRight>
Result<Value> TrimSides(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  std::string_view v(*s);
  if (kLeft) v.remove_prefix(std::min(v.size(), v.find_first_not_of(kWhitespace)));
  if (kRight) v = v.substr(0, v.find_last_not_of(kWhitespace) + 1);  // npos + 1 == 0.
  return Value::String(std::string(v));
}

Result<Value> NGram(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(int64_t min, OptLong(ctx, 1, 1));
  FQL_ASSIGN_OR_RETURN(int64_t max, OptLong(ctx, 2, 2));
  if (min < 1 || max < min) {
    return ctx.CallError(ErrorCode::kInvalidArgument, "NGram needs 1 <= min <= max, but min is " +
                                                          std::to_string(min) + " and max is " +
                                                          std::to_string(max) + ".");
  }
  const Value& input = ctx.arg(0);
  if (!input.is_string() && !input.is_array()) return ctx.TypeError(0, "String");
  std::span<const Value> strs =
      input.is_string() ? std::span<const Value>(&input, 1) : std::span<const Value>(input.array());
  Array out;
  size_t bytes = 0;
  for (size_t j = 0; j < strs.size(); ++j) {
    if (!strs[j].is_string()) return ctx.ElementTypeError(0, j, "String", strs[j]);
    FQL_RETURN_IF_ERROR(AppendGrams(ctx, strs[j].str(), min, max, &out, &bytes));
  }
  return MakeArrayChecked(ctx, std::move(out));
}

Result<Value> ReplaceStr(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(const std::string* find, ctx.String(1));
  FQL_ASSIGN_OR_RETURN(const std::string* repl, ctx.String(2));
  // Counts the occurrences first, so the final size is checked before building.
  size_t count = 0;
  auto count_one = [&](size_t, size_t) -> Result<bool> {
    ++count;
    return true;
  };
  FQL_RETURN_IF_ERROR(ForEachLiteral(*s, *find, count_one));
  size_t growth = repl->size() > find->size() ? repl->size() - find->size() : 0;
  if (count > 0 && growth > 0 &&
      (growth > kMaxStringBytes / count || s->size() + growth * count > kMaxStringBytes)) {
    return TooLong(ctx);
  }
  std::string out;
  size_t last = 0;
  auto replace_one = [&](size_t b, size_t e) -> Result<bool> {
    out.append(*s, last, b - last);
    out += *repl;
    last = e;
    return true;
  };
  FQL_RETURN_IF_ERROR(ForEachLiteral(*s, *find, replace_one));
  out.append(*s, last);
  return MakeStringChecked(ctx, std::move(out));
}

Result<Value> Repeat(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(int64_t n, OptLong(ctx, 1, 2));
  if (n < 0) return BadArg(ctx, 1, "Number of repetitions must not be negative.");
  if (s->empty()) return Value::String("");
  if (static_cast<uint64_t>(n) > kMaxStringBytes / s->size()) return TooLong(ctx);
  std::string out;
  out.reserve(s->size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out += *s;
  return MakeStringChecked(ctx, std::move(out));
}

Result<Value> Space(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(int64_t n, ctx.Long(0));
  if (n < 0) return BadArg(ctx, 0, "Number of spaces must not be negative.");
  if (static_cast<uint64_t>(n) > kMaxStringBytes) return TooLong(ctx);
  return Value::String(std::string(static_cast<size_t>(n), ' '));
}

Result<Value> SubString(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(int64_t start, OptLong(ctx, 1, 0));
  FQL_ASSIGN_OR_RETURN(int64_t length, OptLong(ctx, 2, INT64_MAX));
  if (length < 0) return BadArg(ctx, 2, "Length must not be negative.");
  // A negative start counts from the end; both ends are clamped to the string.
  const int64_t len = static_cast<int64_t>(CountCodePoints(*s));
  start = std::clamp<int64_t>(start < 0 ? len + start : start, 0, len);
  size_t b = CodePointOffset(*s, static_cast<size_t>(start));
  size_t count = static_cast<size_t>(std::min(length, len - start));
  return Value::String(s->substr(b, CodePointOffset(std::string_view(*s).substr(b), count)));
}

Result<Value> SplitStr(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(const std::string* token, ctx.String(1));
  FQL_ASSIGN_OR_RETURN(int64_t limit, OptLong(ctx, 2, -1));
  if (token->empty()) return BadArg(ctx, 1, "Token must not be empty.");
  Splitter splitter(*s, limit);
  auto cut = [&](size_t b, size_t e) { return splitter.Cut(ctx, b, e); };
  FQL_RETURN_IF_ERROR(ForEachLiteral(*s, *token, cut));
  return MakeArrayChecked(ctx, splitter.Finish());
}


}  // namespace

std::string MapCase(std::string_view s, CaseMapping mapping) {
  icu::UnicodeString u = ToIcu(s);
  const icu::Locale& root = icu::Locale::getRoot();
  if (mapping == CaseMapping::kLower) return FromIcu(u.toLower(root));
  if (mapping == CaseMapping::kUpper) return FromIcu(u.toUpper(root));
  return FromIcu(u.toTitle(nullptr, root));
}

void RegisterStringBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kConcat, &Concat);
  t.Add(BuiltinId::kCasefold, &Casefold);
  t.Add(BuiltinId::kContainsStr, &StringTest<HasInfix>);
  t.Add(BuiltinId::kStartsWith, &StringTest<HasPrefix>);
  t.Add(BuiltinId::kEndsWith, &StringTest<HasSuffix>);
  t.Add(BuiltinId::kFindStr, &FindStr);
  t.Add(BuiltinId::kLength, &Length);
  t.Add(BuiltinId::kLowerCase, &ChangeCase<CaseMapping::kLower>);
  t.Add(BuiltinId::kUpperCase, &ChangeCase<CaseMapping::kUpper>);
  t.Add(BuiltinId::kTitleCase, &ChangeCase<CaseMapping::kTitle>);
  t.Add(BuiltinId::kLTrim, &TrimSides<true, false>);
  t.Add(BuiltinId::kRTrim, &TrimSides<false, true>);
  t.Add(BuiltinId::kTrim, &TrimSides<true, true>);
  t.Add(BuiltinId::kNGram, &NGram);
  t.Add(BuiltinId::kReplaceStr, &ReplaceStr);
  t.Add(BuiltinId::kRepeat, &Repeat);
  t.Add(BuiltinId::kSpace, &Space);
  t.Add(BuiltinId::kSubString, &SubString);
  t.Add(BuiltinId::kSplitStr, &SplitStr);
}

}  // namespace fqldb::executor::internal
