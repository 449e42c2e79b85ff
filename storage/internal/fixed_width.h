#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fqldb::storage::internal {

// Fixed-width integers in storage formats. Big-endian where bytes must sort
// like the numbers (keys); little-endian in record payloads.

inline void PutBigEndian64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

// Reads 8 bytes; `in` must hold at least that many.
inline uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v;
  std::memcpy(&v, in.data(), sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

inline void PutLittleEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Reads `bytes` bytes; `in` must hold at least that many.
inline uint64_t GetLittleEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  return v;
}

}  // namespace fqldb::storage::internal
