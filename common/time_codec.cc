#include "common/time_codec.h"

#include <chrono>
#include <cstdio>

namespace fqldb {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Digits(int n, int64_t* out) {
    int64_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return false;
      v = v * 10 + (s_[pos_++] - '0');
    }
    *out = v;
    return true;
  }
  bool Lit(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void Skip() { ++pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool ValidDay(int64_t y, int64_t m, int64_t d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

bool ScanDate(Scanner& sc, int64_t* days) {
  int64_t y, m, d;
  bool neg = sc.Lit('-');
  if (!sc.Digits(4, &y) || !sc.Lit('-') || !sc.Digits(2, &m) || !sc.Lit('-') || !sc.Digits(2, &d)) {
    return false;
  }
  if (neg) y = -y;
  if (!ValidDay(y, m, d)) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

Status BadTime(std::string_view text) {
  return Status(ErrorCode::kInvalidArgument,
                "Cannot parse '" + std::string(text) + "' as a time: expected ISO-8601 such as "
                "2020-01-02T03:04:05Z.");
}

}  // namespace

Result<Timestamp> ParseTimestamp(std::string_view text) {
  Scanner sc(text);
  int64_t days, hh, mm, ss = 0, nanos = 0;
  if (!ScanDate(sc, &days) || !(sc.Lit('T') || sc.Lit('t') || sc.Lit(' '))) return BadTime(text);
  if (!sc.Digits(2, &hh) || !sc.Lit(':') || !sc.Digits(2, &mm)) return BadTime(text);
  if (sc.Lit(':')) {
    if (!sc.Digits(2, &ss)) return BadTime(text);
    if (sc.Lit('.') || sc.Lit(',')) {
      int n = 0;
      while (sc.Peek() >= '0' && sc.Peek() <= '9') {
        if (n < 9) nanos = nanos * 10 + (sc.Peek() - '0');
        ++n;
        sc.Skip();
      }
      if (n == 0) return BadTime(text);
      for (int i = n; i < 9; ++i) nanos *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return BadTime(text);
  int64_t offset = 0;
  if (sc.Lit('Z') || sc.Lit('z')) {
  } else if (sc.Peek() == '+' || sc.Peek() == '-') {
    int sign = sc.Peek() == '-' ? -1 : 1;
    sc.Skip();
    int64_t oh, om = 0;
    if (!sc.Digits(2, &oh)) return BadTime(text);
    if (sc.Lit(':')) {
      if (!sc.Digits(2, &om)) return BadTime(text);
    } else if (!sc.AtEnd()) {
      if (!sc.Digits(2, &om)) return BadTime(text);
    }
    if (oh > 23 || om > 59) return BadTime(text);
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return BadTime(text);
  }
  if (!sc.AtEnd()) return BadTime(text);
  Timestamp ts;
  ts.seconds = days * 86400 + hh * 3600 + mm * 60 + ss - offset;
  ts.nanos = static_cast<int32_t>(nanos);
  return ts;
}

std::string FormatTimestamp(Timestamp ts) {
  int64_t days = ts.seconds / 86400;
  int64_t rem = ts.seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[96];
  int n;
  if (y >= 0 && y <= 9999) {
    n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                      static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                      static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  } else {
    n = std::snprintf(buf, sizeof buf, "%+05lld-%02u-%02uT%02lld:%02lld:%02lld",
                      static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                      static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  }
  std::string out(buf, static_cast<size_t>(n));
  if (ts.nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09d", ts.nanos);
    std::string f(frac);
    if (ts.nanos % 1000000 == 0) {
      f.resize(4);
    } else if (ts.nanos % 1000 == 0) {
      f.resize(7);
    }
    out += f;
  }
  out += "Z";
  return out;
}

Result<int64_t> ParseDate(std::string_view text) {
  Scanner sc(text);
  int64_t days;
  if (!ScanDate(sc, &days) || !sc.AtEnd()) {
    return Status(ErrorCode::kInvalidArgument,
                  "Cannot parse '" + std::string(text) + "' as a date: expected YYYY-MM-DD.");
  }
  return days;
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, (y >= 0 && y <= 9999) ? "%04lld-%02u-%02u" : "%+05lld-%02u-%02u",
                        static_cast<long long>(y), m, d);
  return std::string(buf, static_cast<size_t>(n));
}

Timestamp NowTimestamp() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  Timestamp ts;
  ts.seconds = ns / 1000000000;
  ts.nanos = static_cast<int32_t>(ns % 1000000000);
  return ts;
}

bool TimestampToNanos(Timestamp ts, Int128* out) {
  *out = static_cast<Int128>(ts.seconds) * 1000000000 + ts.nanos;
  return true;
}

Result<Timestamp> TimestampFromNanos(Int128 nanos) {
  // Keep within years -999999..999999 so that formatting stays well defined.
  const Int128 kLimit = static_cast<Int128>(31556952LL * 1000000LL) * 1000000000;
  if (nanos > kLimit || nanos < -kLimit) {
    return Status(ErrorCode::kInvalidArgument, "Time is out of range.");
  }
  Timestamp ts;
  Int128 s = nanos / 1000000000;
  Int128 r = nanos % 1000000000;
  if (r < 0) {
    r += 1000000000;
    --s;
  }
  ts.seconds = static_cast<int64_t>(s);
  ts.nanos = static_cast<int32_t>(r);
  return ts;
}

}  // namespace fqldb
