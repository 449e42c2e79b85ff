#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/value.h"

namespace fqldb {

__extension__ typedef __int128 Int128;

// Calendar conversions (proleptic Gregorian, UTC). Thread-safe, pure.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

// Parses ISO-8601 "2019-10-22T16:45:19.223863Z" or with an offset
// ("...+02:00", "...-0400"); a missing time zone is an error.
// Errors: kInvalidArgument naming the text.
Result<Timestamp> ParseTimestamp(std::string_view text);

// Formats as Java's Instant.toString: the fraction in groups of 3 digits and
// omitted when zero, e.g. "1970-01-01T00:00:00Z", "2019-10-22T16:45:19.223863Z".
std::string FormatTimestamp(Timestamp ts);

// Parses "YYYY-MM-DD". Errors: kInvalidArgument.
Result<int64_t> ParseDate(std::string_view text);
std::string FormatDate(int64_t days);

// The current wall-clock time.
Timestamp NowTimestamp();

// Converts to nanoseconds since the epoch; 128 bits cannot overflow, so
// this always succeeds (returns true).
bool TimestampToNanos(Timestamp ts, Int128* out);
// Converts back; errors (kInvalidArgument) outside years -999,999..999,999.
Result<Timestamp> TimestampFromNanos(Int128 nanos);

}  // namespace fqldb
