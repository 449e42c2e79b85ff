#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/internal/partition.h"

namespace fqldb::storage::internal {

// One write of a transaction: a version of a logical key in a partition.
// A `write.ts` of 0 means "at the commit ts".
struct PartitionWrite {
  uint32_t partition = 0;
  VersionWrite write;
};

// The commit log payload of one transaction: its writes, little-endian and
// length-prefixed. DecodeWrites checks every length (kIo when the bytes are
// not an encoding EncodeWrites made).
std::string EncodeWrites(const std::vector<PartitionWrite>& writes);
Result<std::vector<PartitionWrite>> DecodeWrites(std::string_view payload);

}  // namespace fqldb::storage::internal
