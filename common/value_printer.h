#pragma once

#include <string>

#include "common/value.h"

namespace fqldb {

// Renders a value as an FQL literal, the way Fauna's shell printed results:
// `{ ref: Ref(Collection("users"), "1"), ts: 1, data: { name: 'Ada' } }`.
// Doubles always show a fraction or exponent (`2.0`) so they never look like longs.
std::string ToFql(const Value& v);

// Renders a value in Fauna's v4 wire JSON (@ref, @ts, @date, @bytes, @set,
// @obj, @query) on one line.
std::string ToWireJson(const Value& v);

// Formats a double the way both renderings do: "2.0", "0.1", "1.0e+21".
std::string FormatDouble(double d);

// Renders a string as a double-quoted FQL string literal, escaping as needed.
std::string QuoteFqlString(const std::string& s);

// True when `key` can be printed as a bare object key (an identifier).
bool IsBareKey(const std::string& key);

}  // namespace fqldb
