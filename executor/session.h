#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "executor/interpreter.h"

namespace fqldb::executor {

enum class OutputFormat { kFql, kJson };

// The outcome of one query of a script.
struct QueryOutcome {
  size_t index = 0;  // 0-based position in the script
  Result<Value> result = Value();
  std::chrono::nanoseconds elapsed{0};
  // With SessionOptions::explain: the report (executor/explain.h) of a
  // query that bound; empty otherwise.
  std::string explain;
};

struct ScriptSummary {
  std::vector<Status> syntax_errors;  // non-empty: nothing ran
  size_t queries = 0;                 // queries run
  size_t failed = 0;                  // queries that failed
};

class Database;

struct SessionOptions {
  std::chrono::milliseconds timeout{60000};  // per query
  const std::atomic<bool>* cancel = nullptr;  // see RunOptions::cancel
  // Where queries read and write; without one, storage functions fail with
  // kUnsupported. Not owned.
  Database* database = nullptr;
  uint64_t db = 0;  // the (child) database queries run in
  JitMode jit = JitMode::kAuto;  // see RunOptions::jit
  // Report how each query ran (QueryOutcome::explain). The queries still
  // run and commit as usual.
  bool explain = false;
};

// Runs FQL scripts: parses the whole text, then binds and evaluates each
// top-level expression as its own query, in order. Syntax errors stop the
// script before anything runs. Not thread-safe; use one Session per thread.
class Session {
 public:
  explicit Session(SessionOptions options = {});

  // Runs `text`, calling `on_query` after each query; returning false from it
  // stops the script. Never throws.
  ScriptSummary RunScript(std::string_view text,
                          const std::function<bool(const QueryOutcome&)>& on_query);
  void set_explain(bool on) { options_.explain = on; }
  bool explain() const { return options_.explain; }

 private:
  SessionOptions options_;
};

// Renders a value on one line in the chosen format.
std::string FormatValue(const Value& v, OutputFormat format);

// Renders one query's outcome: its value, or its error (as FormatError).
std::string FormatResult(const Result<Value>& result, OutputFormat format, std::string_view text);

// Renders an error. kJson: one line
// {"errors":[{"code":..,"description":..,"position":[..],"line":N,"column":N}]};
// kFql: "error: <code>: <description> at L:C" plus the source line and a caret.
std::string FormatError(const Status& error, OutputFormat format, std::string_view text);

// Renders several errors (e.g. every syntax error of a script) the same way;
// in kJson they share one {"errors": [...]} line.
std::string FormatErrors(const std::vector<Status>& errors, OutputFormat format,
                         std::string_view text);

}  // namespace fqldb::executor
