#include "storage/internal/crc32c.h"

#include <array>

namespace fqldb::storage::internal {

namespace {

// The Castagnoli polynomial, bit-reversed (the CRC shifts right, low bit first).
constexpr uint32_t kPolynomial = 0x82F63B78u;

// Entry i is the CRC register after shifting the byte i through it.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t reg = i;
    for (int bit = 0; bit < 8; ++bit) reg = (reg & 1u) ? (reg >> 1) ^ kPolynomial : reg >> 1;
    table[i] = reg;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

uint32_t Crc32c(std::string_view data, uint32_t init) {
  // The register holds the inverted CRC, so undoing the final inversion resumes a computation.
  uint32_t reg = ~init;
  for (char c : data) reg = kTable[(reg ^ static_cast<uint8_t>(c)) & 0xFFu] ^ (reg >> 8);
  return ~reg;
}

}  // namespace fqldb::storage::internal
