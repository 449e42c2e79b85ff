#pragma once

#include <string>
#include <vector>

#include "executor/database.h"
#include "executor/interpreter.h"
#include "executor/session.h"

namespace fqldb::apps {

// Options shared by `fqldb shell` and `fqldb run`.
struct CliOptions {
  std::string data_dir = "./fqldb-data";
  executor::OutputFormat format = executor::OutputFormat::kFql;
  bool stop_on_error = false;
  long timeout_ms = 60000;
  std::vector<std::string> files;  // `run` only; "-" is stdin
  std::string database;            // child database to run in ("" = top level)
  bool sync = true;                // --durability sync|async
  uint32_t partitions = 8;         // for a new data directory
  size_t row_cache_bytes = size_t{64} << 20;
  executor::JitMode jit = executor::JitMode::kAuto;  // --jit off|auto|always
  bool explain = false;                              // --explain
  std::string connect;  // --connect ENDPOINT: run on a node instead of --data
  std::string listen = "tcp://127.0.0.1:7000";  // `node` only
  int workers = 4;                              // `node` only

  // Filled by Main once the data directory is open.
  executor::Database* db_handle = nullptr;
  uint64_t db_uid = 0;
};

// The session options both commands use.
executor::SessionOptions SessionOptionsFor(const CliOptions& options);

// Runs `fqldb shell`: interactive with libedit on a terminal, line-fed
// otherwise. Returns the process exit status.
int RunShell(const CliOptions& options);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it
// starts afterwards; `fqldb node` calls it before opening the database (which
// starts threads), so that only RunNode's sigwait receives them.
void BlockStopSignals();

// Runs `fqldb node`: serves the client protocol on options.listen until
// SIGINT or SIGTERM (blocked first with BlockStopSignals). Returns the
// process exit status.
int RunNode(const CliOptions& options);

// Returns true when the text's brackets, strings and comments are all closed,
// so the shell can submit it; false means "keep reading lines".
bool InputComplete(const std::string& text);

}  // namespace fqldb::apps
