// Format: Java's String.format for FQL values (%s %d %f %e %g %x %o %b %c
// %n %%, argument indexes, flags, width and precision).
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

// One specifier: %[index$][flags][width][.precision]conversion.
struct FormatSpec {
  std::string text;    // As written, for messages.
  int64_t index = -1;  // The explicit 1-based index, or -1.
  std::string flags;
  int64_t width = -1;
  int64_t precision = -1;
  char conversion = 0;  // In lower case; `upper` records %S, %X...
  bool upper = false;
  bool Has(char flag) const { return flags.find(flag) != std::string::npos; }
};

// Reads decimal digits at `*pos`, saturating just above kMaxStringBytes.
// Returns -1 when there are none.
int64_t ParseDigits(std::string_view s, size_t* pos) {
  int64_t v = -1;
  for (; *pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9'; ++*pos) {
    v = std::min<int64_t>(std::max<int64_t>(v, 0) * 10 + (s[*pos] - '0'), kMaxStringBytes + 1);
  }
  return v;
}

// Parses the specifier whose '%' is at `*pos` and moves `*pos` past it.
// Returns false (with spec->text set) when no conversion character follows.
bool ParseSpec(std::string_view fmt, size_t* pos, FormatSpec* spec) {
  size_t p = *pos + 1;
  int64_t n = ParseDigits(fmt, &p);
  if (n >= 0 && p < fmt.size() && fmt[p] == '$') {
    spec->index = n;
    ++p;
  } else {
    p = *pos + 1;
  }
  for (; p < fmt.size() && std::string_view("-#+ 0,(<").find(fmt[p]) != kNpos; ++p) {
    spec->flags += fmt[p];
  }
  spec->width = ParseDigits(fmt, &p);
  bool dot = p < fmt.size() && fmt[p] == '.';
  if (dot) {
    ++p;
    spec->precision = ParseDigits(fmt, &p);
  }
  bool ok = p < fmt.size() && (std::isalpha(static_cast<unsigned char>(fmt[p])) || fmt[p] == '%');
  size_t text_end = p < fmt.size() ? NextCodePoint(fmt, p) : fmt.size();  // Keeps UTF-8 whole.
  spec->text = std::string(fmt.substr(*pos, text_end - *pos));
  if (!ok || (dot && spec->precision < 0)) return false;
  spec->upper = fmt[p] >= 'A' && fmt[p] <= 'Z';
  spec->conversion = static_cast<char>(std::tolower(static_cast<unsigned char>(fmt[p])));
  *pos = p + 1;
  return true;
}

// Returns the flags Java allows with `conversion`, or nullopt for an unknown conversion.
std::optional<std::string_view> AllowedFlags(char conversion) {
  static constexpr std::pair<char, std::string_view> kConversions[] = {
      {'s', "-<"},      {'b', "-<"},       {'c', "-<"},     {'%', "-"},
      {'n', ""},        {'d', "-+ 0,(<"},  {'o', "-#0<"},   {'x', "-#0<"},
      {'e', "-#+ 0(<"}, {'f', "-#+ 0,(<"}, {'g', "-+ 0,(<"}};
  for (const auto& [c, flags] : kConversions) {
    if (c == conversion) return flags;
  }
  return std::nullopt;
}

// Pads `s` with spaces to the spec's width, counted in code points.
std::string Justify(std::string s, const FormatSpec& spec) {
  size_t n = CountCodePoints(s);
  if (spec.width < 0 || n >= static_cast<size_t>(spec.width)) return s;
  std::string pad(static_cast<size_t>(spec.width) - n, ' ');
  return spec.Has('-') ? s + pad : pad + s;
}

// Lays out an ASCII number: sign or prefix, '0' padding (only before digits,
// so never for "Infinity"), body and suffix; then applies upper case and width.
std::string LayoutNumber(const FormatSpec& spec, std::string out, const std::string& body,
                         const std::string& suffix) {
  size_t len = out.size() + body.size() + suffix.size();
  if (spec.Has('0') && std::isdigit(static_cast<unsigned char>(body[0])) &&
      static_cast<size_t>(spec.width) > len) {
    out.append(static_cast<size_t>(spec.width) - len, '0');
  }
  out += body + suffix;
  if (spec.upper) {
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return Justify(std::move(out), spec);
}

std::string SignPrefix(const FormatSpec& spec, bool negative) {
  if (negative) return spec.Has('(') ? "(" : "-";
  if (spec.Has('+')) return "+";
  return spec.Has(' ') ? " " : "";
}

std::string GroupThousands(std::string_view digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatInteger(const FormatSpec& spec, int64_t v) {
  const uint64_t bits = static_cast<uint64_t>(v);
  if (spec.conversion == 'd') {
    std::string digits = std::to_string(v < 0 ? 0 - bits : bits);
    if (spec.Has(',')) digits = GroupThousands(digits);
    return LayoutNumber(spec, SignPrefix(spec, v < 0), digits, v < 0 && spec.Has('(') ? ")" : "");
  }
  // Like Java, %x and %o print a negative long as its two's complement.
  int base = spec.conversion == 'x' ? 16 : 8;
  char buf[32];
  std::string digits(buf, std::to_chars(buf, buf + sizeof(buf), bits, base).ptr);
  std::string prefix = !spec.Has('#') ? "" : base == 16 ? "0x" : "0";
  return LayoutNumber(spec, prefix, digits, "");
}

// A non-negative decimal 0.d1d2d3... x 10^exp without trailing zeros; zero
// has no digits. Java's Formatter rounds these shortest digits half up.
struct Decimal {
  std::string digits;
  int64_t exp = 0;
  char DigitAt(int64_t i) const {
    return i >= 0 && i < static_cast<int64_t>(digits.size()) ? digits[static_cast<size_t>(i)] : '0';
  }
};

// Returns the shortest digits that read back as `v` (finite, non-negative).
Decimal ShortestDecimal(double v) {
  Decimal d;
  if (v == 0) return d;
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific).ptr;
  std::string_view s(buf, static_cast<size_t>(end - buf));  // Such as "1.25e+02".
  size_t e = s.find('e');
  for (char c : s.substr(0, e)) {
    if (c != '.') d.digits += c;
  }
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), end, exponent);
  d.exp = exponent + 1;
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// Rounds `d` half up to `n` significant digits; a small n may give zero or a
// single unit of the next power of ten.
void RoundDecimal(Decimal* d, int64_t n) {
  if (n < 0) *d = Decimal();
  if (n < 0 || n >= static_cast<int64_t>(d->digits.size())) return;
  const size_t keep = static_cast<size_t>(n);
  bool up = d->digits[keep] >= '5';
  d->digits.resize(keep);
  size_t i = keep;
  for (; up && i > 0 && d->digits[i - 1] == '9'; --i) d->digits[i - 1] = '0';
  if (up && i == 0) {
    d->digits.insert(d->digits.begin(), '1');
    ++d->exp;
  } else if (up) {
    ++d->digits[i - 1];
  }
  while (!d->digits.empty() && d->digits.back() == '0') d->digits.pop_back();
  if (d->digits.empty()) *d = Decimal();
}

std::string FixedText(const Decimal& d, int64_t frac, bool group, bool force_point) {
  std::string s = d.exp <= 0 ? "0" : "";
  for (int64_t i = 0; i < d.exp; ++i) s += d.DigitAt(i);
  if (group) s = GroupThousands(s);
  if (frac > 0 || force_point) s += '.';
  for (int64_t k = 0; k < frac; ++k) s += d.DigitAt(d.exp + k);
  return s;
}

std::string SciText(const Decimal& d, int64_t frac, bool force_point) {
  std::string s(1, d.DigitAt(0));
  if (frac > 0 || force_point) s += '.';
  for (int64_t k = 1; k <= frac; ++k) s += d.DigitAt(k);
  int64_t x = d.digits.empty() ? 0 : d.exp - 1;
  std::string xs = std::to_string(x < 0 ? -x : x);
  return s + (x < 0 ? "e-" : "e+") + (xs.size() < 2 ? "0" : "") + xs;
}

// Formats |v| (finite) for %e, %f or %g, without sign or padding.
std::string FloatBody(const FormatSpec& spec, double v) {
  Decimal d = ShortestDecimal(v);
  int64_t prec = spec.precision < 0 ? 6 : spec.precision;
  if (spec.conversion == 'f') {
    RoundDecimal(&d, d.exp + prec);
    return FixedText(d, prec, spec.Has(','), spec.Has('#'));
  }
  if (spec.conversion == 'e') {
    RoundDecimal(&d, prec + 1);
    return SciText(d, prec, spec.Has('#'));
  }
  // %g keeps `prec` significant digits and picks the notation by magnitude.
  prec = std::max<int64_t>(prec, 1);
  if (d.digits.empty()) return FixedText(d, prec - 1, false, false);
  RoundDecimal(&d, prec);
  int64_t x = d.exp - 1;
  if (x < -4 || x >= prec) return SciText(d, prec - 1, false);
  return FixedText(d, prec - 1 - x, spec.Has(','), false);
}

std::string FormatFloat(const FormatSpec& spec, double v) {
  if (std::isnan(v)) return Justify(spec.upper ? "NAN" : "NaN", spec);
  bool negative = std::signbit(v);
  std::string body = std::isinf(v) ? "Infinity" : FloatBody(spec, std::fabs(v));
  return LayoutNumber(spec, SignPrefix(spec, negative), body, negative && spec.Has('(') ? ")" : "");
}

// Shows a value for %s: strings as they are, numbers and everything else as
// FQL literals (doubles keep a fraction: 2.0; unlike ToString, huge and tiny
// doubles use C-style exponents, 1.0e+21, not Java's 1.0E21).
std::string ValueText(const Value& v) {
  if (v.is_null()) return "null";
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_long()) return std::to_string(v.as_long());
  if (v.is_double()) return FormatDouble(v.as_double());
  return v.is_string() ? v.str() : ToFql(v);
}

// Applies the precision (code points kept), upper case for %S and the width.
std::string FormatText(const FormatSpec& spec, std::string s) {
  if (spec.precision >= 0) s.resize(CodePointOffset(s, static_cast<size_t>(spec.precision)));
  if (spec.upper) s = MapCase(s, CaseMapping::kUpper);
  return Justify(std::move(s), spec);
}

// Runs one Format call. The values are the arguments after the format
// string, or the elements of a single array argument.
class Formatter {
 public:
  explicit Formatter(const CallContext& ctx) : ctx_(ctx) {
    std::span<const Value> all(ctx.args);
    from_array_ = ctx.size() == 2 && ctx.arg(1).is_array();
    values_ = from_array_ ? std::span<const Value>(ctx.arg(1).array()) : all.subspan(1);
  }

  Result<std::string> Run(std::string_view fmt) {
    std::string out;
    for (size_t pos = 0; pos < fmt.size();) {
      size_t pct = std::min(fmt.find('%', pos), fmt.size());
      out.append(fmt.substr(pos, pct - pos));
      if (pct == fmt.size()) break;
      FormatSpec spec;
      pos = pct;
      if (!ParseSpec(fmt, &pos, &spec)) return SpecError(spec, "has an unknown conversion");
      FQL_RETURN_IF_ERROR(CheckSpec(spec));
      FQL_ASSIGN_OR_RETURN(std::string piece, Convert(spec));
      out += piece;
      if (out.size() > kMaxStringBytes) return TooLong(ctx_);
    }
    return out;
  }

 private:
  Status SpecError(const FormatSpec& spec, const std::string& what) const {
    return BadArg(ctx_, 0, "Format specifier " + spec.text + " " + what + ".");
  }

  // Rejects what Java's Formatter rejects: unknown conversions, flags that do
  // not apply, '-' or '0' without a width, and misplaced precisions.
  Status CheckSpec(const FormatSpec& spec) const {
    std::optional<std::string_view> allowed = AllowedFlags(spec.conversion);
    if (!allowed || (spec.upper && std::string_view("sbcxeg").find(spec.conversion) == kNpos)) {
      return SpecError(spec, "has an unknown conversion");
    }
    for (char f : spec.flags) {
      if (allowed->find(f) == kNpos) return SpecError(spec, std::string("cannot use flag ") + f);
    }
    if ((spec.Has('-') || spec.Has('0')) && spec.width < 0) return SpecError(spec, "needs a width");
    if ((spec.Has('-') && spec.Has('0')) || (spec.Has('+') && spec.Has(' '))) {
      return SpecError(spec, "combines incompatible flags");
    }
    if (spec.precision >= 0 && std::string_view("doxc%n").find(spec.conversion) != kNpos) {
      return SpecError(spec, "does not take a precision");
    }
    if (spec.width >= 0 && spec.conversion == 'n') return SpecError(spec, "does not take a width");
    if (spec.index == 0) return SpecError(spec, "has the invalid argument index 0");
    if (std::max(spec.width, spec.precision) > static_cast<int64_t>(kMaxStringBytes)) {
      return SpecError(spec, "has a width or precision that is too large");
    }
    return Status::Ok();
  }

  // Picks the value for `spec`: explicit (%2$s), previous (%<s) or next in order.
  Result<size_t> ArgIndex(const FormatSpec& spec) {
    int64_t index = last_index_;
    if (!spec.Has('<')) {
      index = spec.index > 0 ? spec.index - 1 : static_cast<int64_t>(next_ordinary_++);
    }
    if (index < 0 || static_cast<size_t>(index) >= values_.size()) {
      return SpecError(spec, "has no matching argument");
    }
    last_index_ = index;
    return static_cast<size_t>(index);
  }

  Status TypeMismatch(const FormatSpec& spec, size_t i, const char* expected) const {
    return BadArg(ctx_, from_array_ ? 1 : 1 + i,
                  "Format specifier " + spec.text + " needs " + expected + ", " +
                      TypeName(values_[i]) + " provided.");
  }

  // Formats %c from a code point or from a one-character string.
  Result<std::string> FormatChar(const FormatSpec& spec, size_t i) const {
    const Value& v = values_[i];
    if (v.is_string() && CountCodePoints(v.str()) == 1) return FormatText(spec, v.str());
    if (!v.is_long()) return TypeMismatch(spec, i, "an Integer code point");
    int64_t cp = v.as_long();
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return SpecError(spec, "got the invalid code point " + std::to_string(cp));
    }
    std::string s;
    AppendUtf8(static_cast<char32_t>(cp), &s);
    return FormatText(spec, std::move(s));
  }

  Result<std::string> Convert(const FormatSpec& spec) {
    const char c = spec.conversion;
    if (c == 'n') return std::string("\n");
    if (c == '%') return Justify("%", spec);
    FQL_ASSIGN_OR_RETURN(size_t i, ArgIndex(spec));
    const Value& v = values_[i];
    // Like Java, a null argument prints "null", except that %b prints false.
    if (c == 'b') {
      return FormatText(spec, v.is_null() || (v.is_bool() && !v.as_bool()) ? "false" : "true");
    }
    if (c == 's' || v.is_null()) return FormatText(spec, ValueText(v));
    if (c == 'c') return FormatChar(spec, i);
    if (c == 'd' || c == 'o' || c == 'x') {
      if (!v.is_long()) return TypeMismatch(spec, i, "an Integer");
      return FormatInteger(spec, v.as_long());
    }
    if (!v.is_number()) return TypeMismatch(spec, i, "a Number");
    return FormatFloat(spec, v.as_number());
  }

  const CallContext& ctx_;
  std::span<const Value> values_;
  bool from_array_ = false;
  size_t next_ordinary_ = 0;
  int64_t last_index_ = -1;
};


Result<Value> Format(CallContext& ctx) {
  FQL_ASSIGN_OR_RETURN(const std::string* fmt, ctx.String(0));
  Formatter formatter(ctx);
  FQL_ASSIGN_OR_RETURN(std::string out, formatter.Run(*fmt));
  return MakeStringChecked(ctx, std::move(out));
}

}  // namespace

void RegisterFormatBuiltins(BuiltinTable& t) { t.Add(BuiltinId::kFormat, &Format); }

}  // namespace fqldb::executor::internal
