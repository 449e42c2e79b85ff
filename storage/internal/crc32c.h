#pragma once

#include <cstdint>
#include <string_view>

namespace fqldb::storage::internal {

// Returns the CRC-32C (Castagnoli) of `data`. Pass an earlier result as `init` to extend it:
// Crc32c(b, Crc32c(a)) == Crc32c(a + b). Pure and thread-safe.
uint32_t Crc32c(std::string_view data, uint32_t init = 0);

}  // namespace fqldb::storage::internal
