#pragma once

#include <string>
#include <vector>

#include "executor/session.h"

namespace fqldb::apps {

// Options shared by `fqldb shell` and `fqldb run`.
struct CliOptions {
  std::string data_dir = "./fqldb-data";
  executor::OutputFormat format = executor::OutputFormat::kFql;
  bool stop_on_error = false;
  long timeout_ms = 60000;
  std::vector<std::string> files;  // `run` only; "-" is stdin
};

// Runs `fqldb shell`: interactive with libedit on a terminal, line-fed
// otherwise. Returns the process exit status.
int RunShell(const CliOptions& options);

// Returns true when the text's brackets, strings and comments are all closed,
// so the shell can submit it; false means "keep reading lines".
bool InputComplete(const std::string& text);

}  // namespace fqldb::apps
