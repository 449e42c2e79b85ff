#include "storage/internal/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

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

#if defined(__x86_64__)
// The CRC32 instruction shifts bytes through the register exactly as the
// table loop does (same polynomial, same bit order), eight at a time.
__attribute__((target("sse4.2"))) uint32_t HardwareRegister(std::string_view data, uint32_t reg) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t wide = reg;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    wide = _mm_crc32_u64(wide, word);
  }
  reg = static_cast<uint32_t>(wide);
  for (; n > 0; ++p, --n) reg = _mm_crc32_u8(reg, static_cast<uint8_t>(*p));
  return reg;
}

#endif

}  // namespace

bool Crc32cHasInstruction() {
#if defined(__x86_64__)
  static const bool has = [] {
    __builtin_cpu_init();  // may run before the runtime's own initialiser
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

uint32_t Crc32cPortable(std::string_view data, uint32_t init) {
  // The register holds the inverted CRC, so undoing the final inversion resumes a computation.
  uint32_t reg = ~init;
  for (char c : data) reg = kTable[(reg ^ static_cast<uint8_t>(c)) & 0xFFu] ^ (reg >> 8);
  return ~reg;
}

uint32_t Crc32c(std::string_view data, uint32_t init) {
#if defined(__x86_64__)
  if (Crc32cHasInstruction()) return ~HardwareRegister(data, ~init);
#endif
  return Crc32cPortable(data, init);
}

}  // namespace fqldb::storage::internal
