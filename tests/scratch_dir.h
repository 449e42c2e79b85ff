#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace fqldb::testing_support {

// A fresh directory under the gtest temp dir, removed with its contents at
// the end. `prefix` names it, for finding leftovers.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "fql") : path_(::testing::TempDir() + prefix + "_XXXXXX") {
    if (::mkdtemp(path_.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << path_;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace fqldb::testing_support
