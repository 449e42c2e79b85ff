#pragma once

// Where `fqldb shell` and `fqldb run` send their queries: the embedded
// database (a Session) or a node (--connect, through net::Client). Both
// give back each query's result rendered the same way, so the commands
// print the same text either way.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "apps/cli.h"

namespace fqldb::apps {

struct RunnerOutcome {
  bool ok = true;
  std::string rendered;  // as FormatResult renders it
  std::string explain;   // with explain on: the report; else empty
  std::chrono::nanoseconds elapsed{0};
};

struct RunnerSummary {
  size_t failed = 0;
  // Set when the script as a whole failed before any query ran (syntax
  // errors, an unreachable node, an unknown database): already rendered.
  bool request_failed = false;
  std::string request_error;
};

// Not thread-safe.
class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  // Runs each query of `text` in order, rendering in `format`, and calls
  // `on_query` with each outcome; false from it stops the script.
  virtual RunnerSummary Run(std::string_view text, executor::OutputFormat format, bool explain,
                            const std::function<bool(const RunnerOutcome&)>& on_query) = 0;
};

// On the embedded database of `options` (db_handle and db_uid set).
// `cancel` (may be null) interrupts the running query.
std::unique_ptr<ScriptRunner> MakeLocalRunner(const CliOptions& options,
                                              const std::atomic<bool>* cancel);

// On the node at options.connect. Errors: kInvalidArgument for a bad
// endpoint.
Result<std::unique_ptr<ScriptRunner>> MakeRemoteRunner(const CliOptions& options,
                                                       const std::atomic<bool>* cancel);

}  // namespace fqldb::apps
