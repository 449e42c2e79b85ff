// The regular expression builtins: ContainsStrRegex, FindStrRegex,
// ReplaceStrRegex, SplitStrRegex and RegexEscape. Fauna used java.util.regex;
// PCRE2 accepts its syntax (\Q..\E, lookaround, backreferences, named groups)
// and, unlike RE2, that whole syntax; every match runs under PCRE2's match,
// depth and heap limits so that a hostile pattern cannot hang a node.
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

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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

constexpr size_t kMaxPatternBytes = 64u << 10;
constexpr uint32_t kMatchLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;
constexpr uint32_t kHeapLimitKib = 64u << 10;  // 64 MiB.
constexpr int64_t kDefaultNumResults = 1024;

// PCRE2: compiled patterns with bounded matching.

struct Pcre2Free {
  void operator()(pcre2_code* p) const { pcre2_code_free(p); }
  void operator()(pcre2_compile_context* p) const { pcre2_compile_context_free(p); }
  void operator()(pcre2_match_context* p) const { pcre2_match_context_free(p); }
  void operator()(pcre2_match_data* p) const { pcre2_match_data_free(p); }
};
template <typename T>
using Pcre2Ptr = std::unique_ptr<T, Pcre2Free>;

std::string Pcre2Message(int code) {
  PCRE2_UCHAR buf[256];
  int n = pcre2_get_error_message(code, buf, sizeof(buf));
  if (n < 0) return "error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

// Rewrites Java's \uhhhh escapes, which PCRE2 lacks, as \x{hhhh}. Text
// quoted with \Q...\E stays as it is.
std::string TranslateJavaEscapes(std::string_view p) {
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  for (size_t i = 0; i < p.size();) {
    std::string_view rest = p.substr(i);
    if (rest.size() >= 6 && rest.starts_with("\\u") &&
        std::all_of(rest.begin() + 2, rest.begin() + 6, is_hex)) {
      out.append("\\x{").append(rest.substr(2, 4)).append("}");
      i += 6;
      continue;
    }
    // Copies an escape pair whole, so that "\\u0041" stays a backslash and text.
    size_t n = rest[0] == '\\' && rest.size() > 1 ? 2 : 1;
    if (rest.starts_with("\\Q")) {
      size_t quote_end = rest.find("\\E", 2);
      n = quote_end == kNpos ? rest.size() : quote_end + 2;
    }
    out.append(rest.substr(0, n));
    i += n;
  }
  return out;
}

// A pattern compiled with Java-like options (UTF, Unicode properties, any
// Unicode line terminator, \uhhhh escapes) and its match state. Move-only;
// each builtin call owns its own, so it needs no locking.
class Regex {
 public:
  // Compiles the string argument `arg`; errors point at that argument.
  static Result<Regex> Compile(const CallContext& ctx, size_t arg);

  // Looks for a match at or after byte `from`, which must start a code point.
  Result<bool> Find(const CallContext& ctx, std::string_view subject, size_t from);

  size_t start(uint32_t g = 0) const { return Ovector()[2 * g]; }
  size_t end(uint32_t g = 0) const { return Ovector()[2 * g + 1]; }
  bool matched(uint32_t g) const { return start(g) != PCRE2_UNSET && start(g) <= end(g); }
  uint32_t group_count() const {
    uint32_t n = 0;
    pcre2_pattern_info(code_.get(), PCRE2_INFO_CAPTURECOUNT, &n);
    return n;
  }
  // Returns the number of the group called `name`, or a negative number.
  int GroupNumber(const std::string& name) const {
    return pcre2_substring_number_from_name(code_.get(),
                                            reinterpret_cast<PCRE2_SPTR>(name.c_str()));
  }

 private:
  const PCRE2_SIZE* Ovector() const { return pcre2_get_ovector_pointer(data_.get()); }

  Pcre2Ptr<pcre2_code> code_;
  Pcre2Ptr<pcre2_match_data> data_;
  Pcre2Ptr<pcre2_match_context> mctx_;
  size_t arg_ = 1;
  const char* checked_subject_ = nullptr;  // The subject PCRE2 has already UTF-checked.
};

Result<Regex> Regex::Compile(const CallContext& ctx, size_t arg) {
  FQL_ASSIGN_OR_RETURN(const std::string* pattern, ctx.String(arg));
  if (pattern->size() > kMaxPatternBytes) {
    return BadArg(ctx, arg, "Regular expression is longer than 65536 bytes.");
  }
  Pcre2Ptr<pcre2_compile_context> cctx(pcre2_compile_context_create(nullptr));
  Regex re;
  re.mctx_.reset(pcre2_match_context_create(nullptr));
  if (!cctx || !re.mctx_) return ctx.CallError(ErrorCode::kInternal, "Out of memory.");
  pcre2_set_newline(cctx.get(), PCRE2_NEWLINE_ANY);
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
  const std::string source = TranslateJavaEscapes(*pattern);
  int err = 0;
  PCRE2_SIZE offset = 0;
  re.code_.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), options,
                               &err, &offset, cctx.get()));
  if (!re.code_) {
    size_t at = CountCodePoints(std::string_view(source).substr(0, offset));
    return BadArg(ctx, arg,
                  "Invalid regular expression: " + Pcre2Message(err) + " at offset " +
                      std::to_string(at) + ".");
  }
  re.data_.reset(pcre2_match_data_create_from_pattern(re.code_.get(), nullptr));
  if (!re.data_) return ctx.CallError(ErrorCode::kInternal, "Out of memory.");
  pcre2_set_match_limit(re.mctx_.get(), kMatchLimit);
  pcre2_set_depth_limit(re.mctx_.get(), kDepthLimit);
  pcre2_set_heap_limit(re.mctx_.get(), kHeapLimitKib);
  re.arg_ = arg;
  return re;
}

Result<bool> Regex::Find(const CallContext& ctx, std::string_view subject, size_t from) {
  // Validating the UTF-8 once per subject keeps repeated searches linear.
  uint32_t opts = subject.data() == checked_subject_ ? PCRE2_NO_UTF_CHECK : 0;
  int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                       from, opts, data_.get(), mctx_.get());
  checked_subject_ = subject.data();
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
    return BadArg(ctx, arg_,
                  "Regular expression is too expensive to match (backtracking limit reached).");
  }
  if (rc < 0) return BadArg(ctx, arg_, "Regular expression failed: " + Pcre2Message(rc) + ".");
  return true;
}

// Calls `fn(start, end)` (byte offsets) for successive non-overlapping matches
// from byte `from`, the way Java's Matcher.find() walks: after an empty match
// the search resumes one code point later. `fn` returns false to stop.
template <typename Fn>
Status ForEachMatch(const CallContext& ctx, Regex& re, std::string_view s, size_t from, Fn fn) {
  for (size_t n = 1; from <= s.size(); ++n) {
    if ((n & 63) == 0) FQL_RETURN_IF_ERROR(ctx.CheckDeadline());
    FQL_ASSIGN_OR_RETURN(bool found, re.Find(ctx, s, from));
    if (!found) return Status::Ok();
    size_t start = re.start();
    size_t end = std::max(start, re.end());
    FQL_ASSIGN_OR_RETURN(bool more, fn(start, end));
    if (!more) return Status::Ok();
    from = end == start ? NextCodePoint(s, end) : end;
  }
  return Status::Ok();
}

// One piece of a Java replacement string: literal text, then a group (or -1).
struct ReplacePart {
  std::string literal;
  int group = -1;
};

// Parses the group reference after a '$' at `*i`: `$n` (taking more digits
// while such a group exists, as Java does) or `${name}`. Returns -1 and sets
// `*why` when the reference is invalid.
int ParseGroupRef(const Regex& re, std::string_view r, size_t* i, std::string* why) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto fail = [why](std::string message) {
    *why = std::move(message);
    return -1;
  };
  if (*i >= r.size()) return fail("group index is missing");
  if (r[*i] == '{') {
    size_t j = *i + 1;
    while (j < r.size() && std::isalnum(static_cast<unsigned char>(r[j]))) ++j;
    std::string name(r.substr(*i + 1, j - *i - 1));
    if (j >= r.size() || r[j] != '}') return fail("named capturing group is missing trailing '}'");
    if (name.empty()) return fail("named capturing group has 0 length name");
    if (is_digit(name[0])) return fail("capturing group name {" + name + "} starts with digit");
    int g = re.GroupNumber(name);
    if (g < 0) return fail("No group with name {" + name + "}");
    *i = j + 1;
    return g;
  }
  if (!is_digit(r[*i])) return fail("Illegal group reference");
  int64_t g = r[(*i)++] - '0';
  if (g > re.group_count()) return fail("No group " + std::to_string(g));
  for (; *i < r.size() && is_digit(r[*i]) && g * 10 + (r[*i] - '0') <= re.group_count(); ++*i) {
    g = g * 10 + (r[*i] - '0');
  }
  return static_cast<int>(g);
}

// Parses Java replacement syntax: `$1`, `${name}`, and `\x` for a literal x.
Result<std::vector<ReplacePart>> ParseReplacement(const CallContext& ctx, const Regex& re,
                                                  std::string_view r) {
  std::vector<ReplacePart> parts(1);
  std::string why;
  for (size_t i = 0; i < r.size() && why.empty();) {
    char c = r[i++];
    if (c == '\\' && i == r.size()) {
      why = "character to be escaped is missing";
    } else if (c == '\\') {
      parts.back().literal += r[i++];
    } else if (c != '$') {
      parts.back().literal += c;
    } else {
      parts.back().group = ParseGroupRef(re, r, &i, &why);
      parts.emplace_back();
    }
  }
  if (!why.empty()) return BadArg(ctx, 2, "Invalid replacement string: " + why + ".");
  return parts;
}


// The builtins.

Result<Value> ContainsStrRegex(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(Regex re, Regex::Compile(ctx, 1));
  FQL_ASSIGN_OR_RETURN(bool found, re.Find(ctx, *s, 0));
  return Value::Bool(found);
}

Result<Value> FindStrRegex(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(Regex re, Regex::Compile(ctx, 1));
  FQL_ASSIGN_OR_RETURN(int64_t start, OptLong(ctx, 2, 0));
  FQL_ASSIGN_OR_RETURN(int64_t limit, OptLong(ctx, 3, kDefaultNumResults));
  if (limit < 0) return BadArg(ctx, 3, "num_results must not be negative.");
  // A negative start means 0; like Java's find(start), a start past the end finds nothing.
  size_t from = static_cast<size_t>(std::max<int64_t>(start, 0));
  if (limit == 0 || from > CountCodePoints(*s)) return Value::MakeArray({});
  // Matches come in order, so their code point indexes are counted incrementally.
  size_t seen_bytes = 0, seen_cps = 0;
  auto cp_index = [&](size_t byte) {
    seen_cps += CountCodePoints(std::string_view(*s).substr(seen_bytes, byte - seen_bytes));
    seen_bytes = byte;
    return static_cast<int64_t>(seen_cps);
  };
  Array out;
  auto on_match = [&](size_t b, size_t e) -> Result<bool> {
    if (out.size() >= kMaxArrayElems) return TooManyElements(ctx);
    int64_t first = cp_index(b);
    int64_t last = e == b ? first : cp_index(e) - 1;  // Fauna's end is inclusive.
    Fields match;
    match.emplace_back("start", Value::Long(first));
    match.emplace_back("end", Value::Long(last));
    match.emplace_back("data", Value::String(s->substr(b, e - b)));
    out.push_back(Value::MakeObject(std::move(match)));
    return static_cast<int64_t>(out.size()) < limit;
  };
  FQL_RETURN_IF_ERROR(ForEachMatch(ctx, re, *s, CodePointOffset(*s, from), on_match));
  return MakeArrayChecked(ctx, std::move(out));
}

// Quotes like Java's Pattern.quote: \Q...\E, with each \E inside spliced out.
Result<Value> RegexEscape(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  std::string out = "\\Q";
  size_t pos = 0;
  for (size_t at; (at = s->find("\\E", pos)) != kNpos; pos = at + 2) {
    out.append(*s, pos, at - pos);
    out += "\\E\\\\E\\Q";
  }
  out.append(*s, pos);
  out += "\\E";
  return MakeStringChecked(ctx, std::move(out));
}

Result<Value> ReplaceStrRegex(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(Regex re, Regex::Compile(ctx, 1));
  FQL_ASSIGN_OR_RETURN(const std::string* repl, ctx.String(2));
  bool first = false;
  if (ctx.Has(3)) {
    FQL_ASSIGN_OR_RETURN(first, ctx.Bool(3));
  }
  // Like Java, a bad replacement is reported only once something matches.
  Result<std::vector<ReplacePart>> parts = ParseReplacement(ctx, re, *repl);
  std::string out;
  size_t last = 0;
  auto replace_one = [&](size_t b, size_t e) -> Result<bool> {
    if (!parts.ok()) return parts.status();
    out.append(*s, last, b - last);
    for (const ReplacePart& part : *parts) {
      out += part.literal;
      uint32_t g = static_cast<uint32_t>(part.group);
      if (part.group >= 0 && re.matched(g)) out.append(*s, re.start(g), re.end(g) - re.start(g));
    }
    last = e;
    if (out.size() > kMaxStringBytes) return TooLong(ctx);
    return !first;
  };
  FQL_RETURN_IF_ERROR(ForEachMatch(ctx, re, *s, 0, replace_one));
  out.append(*s, last);
  return MakeStringChecked(ctx, std::move(out));
}

Result<Value> SplitStrRegex(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* s, ctx.String(0));
  FQL_ASSIGN_OR_RETURN(Regex re, Regex::Compile(ctx, 1));
  FQL_ASSIGN_OR_RETURN(int64_t limit, OptLong(ctx, 2, -1));
  Splitter splitter(*s, limit);
  auto cut = [&](size_t b, size_t e) { return splitter.Cut(ctx, b, e); };
  FQL_RETURN_IF_ERROR(ForEachMatch(ctx, re, *s, 0, cut));
  return MakeArrayChecked(ctx, splitter.Finish());
}

}  // namespace

void RegisterRegexBuiltins(BuiltinTable& t) {
  t.Add(BuiltinId::kContainsStrRegex, &ContainsStrRegex);
  t.Add(BuiltinId::kFindStrRegex, &FindStrRegex);
  t.Add(BuiltinId::kRegexEscape, &RegexEscape);
  t.Add(BuiltinId::kReplaceStrRegex, &ReplaceStrRegex);
  t.Add(BuiltinId::kSplitStrRegex, &SplitStrRegex);
}

}  // namespace fqldb::executor::internal
