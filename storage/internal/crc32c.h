#pragma once

#include <cstdint>
#include <string_view>

namespace fqldb::storage::internal {

// Returns the CRC-32C (Castagnoli) of `data`. Pass an earlier result as `init` to extend it:
// Crc32c(b, Crc32c(a)) == Crc32c(a + b). Pure and thread-safe. Uses the CPU's CRC32
// instruction (SSE4.2) where there is one, about ten times faster than the table.
uint32_t Crc32c(std::string_view data, uint32_t init = 0);

// The same, by table lookup only (what Crc32c does on a CPU without SSE4.2).
uint32_t Crc32cPortable(std::string_view data, uint32_t init = 0);

// Whether Crc32c uses the CPU's instruction here.
bool Crc32cHasInstruction();

}  // namespace fqldb::storage::internal
