#pragma once

// Helpers shared by the tests that run queries on a real Database.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/database.h"
#include "tests/scratch_dir.h"

namespace fqldb::executor::testing_db {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Query = std::shared_ptr<const frontend::BoundQuery>;
using std::chrono::milliseconds;

using testing_support::ScratchDir;

// Parses and binds one query; `params` name the values Execute passes.
inline Result<Query> Compile(const std::string& fql, std::vector<std::string> params = {}) {
  frontend::ParseResult parsed = frontend::ParseScript(fql);
  if (!parsed.ok()) return parsed.errors[0];
  if (parsed.script->queries.size() != 1) {
    return Status(ErrorCode::kInvalidArgument, "expected one query in " + fql);
  }
  frontend::BindOptions options;
  options.params = std::move(params);
  return frontend::Bind(*parsed.script->queries[0], options);
}

// Parses, binds and runs one query as one transaction.
inline Result<Value> Exec(Database& db, const std::string& fql) {
  Result<Query> query = Compile(fql);
  if (!query.ok()) return query.status();
  return db.Execute(*query, {}, RunOptions{}, 0);
}

inline std::string Show(const Result<Value>& r) {
  return r.ok() ? ToFql(*r) : r.status().ToString();
}
// The `ts` of a document; -1 for anything else.
inline int64_t TsOf(const Value& doc) {
  const Value* ts = doc.is_object() ? doc.Find("ts") : nullptr;
  return ts && ts->is_long() ? ts->as_long() : -1;
}

// Replaces every `from` in `text` with `to`.
inline std::string Fill(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A database (sync durability) on a fresh directory.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the database, if open, and opens the directory again.
  void Reopen() {
    db_.reset();
    Result<std::unique_ptr<Database>> db = Database::Open(dir_.path(), DatabaseOptions{});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // Runs a query that must succeed; null when it fails.
  Value Must(const std::string& fql) {
    Result<Value> r = Exec(*db_, fql);
    EXPECT_TRUE(r.ok()) << fql << "\n" << r.status().ToString();
    return r.ok() ? *r : Value();
  }

  ScratchDir dir_{"fql_database"};
  std::unique_ptr<Database> db_;
};

}  // namespace fqldb::executor::testing_db
