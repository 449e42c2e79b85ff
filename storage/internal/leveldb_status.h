#pragma once

#include <leveldb/status.h>

#include <string_view>

#include "common/status.h"

namespace fqldb::storage::internal {

// The one place a leveldb::Status becomes ours: kIo, naming what failed.
inline Status FromLevelDb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Status(ErrorCode::kIo, std::string(what) + ": " + s.ToString());
}

}  // namespace fqldb::storage::internal
