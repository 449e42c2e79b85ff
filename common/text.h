#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fqldb {

// UTF-8 and base64 helpers shared by the front end, the builtins and the
// printers. All functions are pure and thread-safe.

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
size_t FindInvalidUtf8(std::string_view s);

// Decodes valid UTF-8 into code points.
std::vector<char32_t> DecodeUtf8(std::string_view s);
// Appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string* out);
std::string EncodeUtf8(const std::vector<char32_t>& cps);
// Counts code points in valid UTF-8.
size_t CountCodePoints(std::string_view s);
// Returns the byte offset of code point number `index` (or s.size()).
size_t CodePointOffset(std::string_view s, size_t index);

std::string Base64Encode(std::string_view raw);
// Accepts standard and URL-safe alphabets, with or without padding.
bool Base64Decode(std::string_view text, std::string* raw);

// Appends `s` between `quote` characters, escaping the quote, backslash and
// control characters (\n, \t, ..., \u0001). With '"' this is a JSON string.
void AppendQuoted(std::string_view s, char quote, std::string* out);

// Appends `s` as a JSON string literal (with quotes) to `out`.
inline void AppendJsonString(std::string_view s, std::string* out) { AppendQuoted(s, '"', out); }

}  // namespace fqldb
