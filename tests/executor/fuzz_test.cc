// A deterministic mutation fuzzer that runs in every test run: it corrupts
// the golden query files byte by byte and token by token and pushes each
// result through parse, bind and run. Any crash or hang fails the suite;
// every error it produces must carry a Fauna code, and syntax and binding
// errors must carry a line:col. (fuzz/ has the coverage-guided libFuzzer twin.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "executor/interpreter.h"

namespace fqldb::executor {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> SeedLines() {
  std::vector<std::string> seeds;
  for (const auto& e : fs::directory_iterator(fs::path(FQL_QUERIES_DIR))) {
    if (e.path().extension() != ".fql") continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.rfind("//", 0) != 0) seeds.push_back(line);
    }
  }
  return seeds;
}

const char* const kFragments[] = {"(", ")", "[", "]", "{", "}", ",", ":", "=>", "'", "\"", "\\",
                                  "/*", "//", "\n", "-", ".", "e9", "x", "Var('x')", "null",
                                  "9223372036854775807", "\xff", "\xc3", "\u00e9", "Lambda(",
                                  "Map([1,2], ", "Let({a: ", "1.0e308", "Add(", ";"};

std::string Mutate(const std::string& seed, std::mt19937& rng) {
  std::string s = seed;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < edits; ++k) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 4) {
      case 0:
        if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 3);
        break;
      case 1: s.insert(pos, kFragments[rng() % std::size(kFragments)]); break;
      case 2: s.insert(pos, 1, static_cast<char>(rng() % 256)); break;
      default:
        if (!s.empty()) s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 8));
        break;
    }
  }
  return s;
}

void RunOne(const std::string& text) {
  auto parsed = frontend::ParseScript(text);
  if (!parsed.ok()) {
    for (const Status& e : parsed.errors) {
      ASSERT_TRUE(e.has_source_pos()) << "syntax error without line:col for: " << text;
      ASSERT_NE(e.code(), ErrorCode::kOk);
    }
    return;
  }
  RunOptions run;
  run.now = NowTimestamp();
  run.timeout = std::chrono::milliseconds(500);
  for (const auto& q : parsed.script->queries) {
    auto bound = frontend::Bind(*q);
    if (!bound.ok()) {
      ASSERT_TRUE(bound.status().has_source_pos()) << "bind error without line:col for: " << text;
      continue;
    }
    auto r = Run(*bound, {}, run);
    if (!r.ok()) {
      ASSERT_NE(r.status().code(), ErrorCode::kInternal) << text;
    }
  }
}

TEST(FuzzTest, MutatedGoldenQueriesNeverCrash) {
  std::vector<std::string> seeds = SeedLines();
  ASSERT_GT(seeds.size(), 100u);
  std::mt19937 rng(20261124);
  for (int i = 0; i < 100000; ++i) {
    RunOne(Mutate(seeds[rng() % seeds.size()], rng));
    if (HasFatalFailure()) return;
  }
}

// What a run printed: its value, or its error with line:col and path.
std::string Outcome(const Result<Value>& r) {
  if (r.ok()) return ToFql(*r);
  std::string out = r.status().ToString() + " @" + std::to_string(r.status().source_pos().line) +
                    ":" + std::to_string(r.status().source_pos().column);
  for (const PathElem& p : r.status().position()) {
    out += std::holds_alternative<std::string>(p) ? "/" + std::get<std::string>(p)
                                                  : "/" + std::to_string(std::get<int64_t>(p));
  }
  return out;
}

// The same mutations run interpreted and with every loop compiled (odd
// lambdas, destructuring, errors in odd places) must print the same.
TEST(FuzzTest, MutatedQueriesAgreeCompiledAndInterpreted) {
  std::vector<std::string> seeds;
  for (const std::string& s : SeedLines()) {
    for (const char* loop : {"Map(", "Filter(", "Reduce(", "Foreach("}) {
      if (s.find(loop) != std::string::npos) {
        seeds.push_back(s);
        break;
      }
    }
  }
  ASSERT_GT(seeds.size(), 50u);
  std::mt19937 rng(7);
  RunOptions run;
  run.now = NowTimestamp();
  run.timeout = std::chrono::seconds(2);
  int compared = 0, failures = 0;
  jit::JitStats before = JitStatistics();
  for (int i = 0; i < 60000 && failures < 5; ++i) {
    std::string text = Mutate(seeds[rng() % seeds.size()], rng);
    if (text.find("NewId") != std::string::npos) continue;  // differs run to run
    auto parsed = frontend::ParseScript(text);
    if (!parsed.ok()) continue;
    for (const auto& q : parsed.script->queries) {
      auto bound = frontend::Bind(*q);
      if (!bound.ok()) continue;
      run.jit = JitMode::kOff;
      Result<Value> off = executor::Run(*bound, {}, run);
      run.jit = JitMode::kAlways;
      Result<Value> on = executor::Run(*bound, {}, run);
      bool timed_out = (!off.ok() && off.status().code() == ErrorCode::kTimeout) ||
                       (!on.ok() && on.status().code() == ErrorCode::kTimeout);
      if (timed_out) continue;
      ++compared;
      if (Outcome(off) != Outcome(on)) {
        ++failures;
        ADD_FAILURE() << text << "\n  interpreted: " << Outcome(off)
                      << "\n  compiled:    " << Outcome(on);
      }
    }
  }
  EXPECT_GT(compared, 1500);
  jit::JitStats after = JitStatistics();
  EXPECT_GT(after.compiles + after.hits, before.compiles + before.hits + 500)
      << "too few of the mutated queries ran a compiled loop";
}

TEST(FuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    RunOne(s);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace fqldb::executor
