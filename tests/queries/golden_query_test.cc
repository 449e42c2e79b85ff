// Runs every tests/queries/<area>.fql through the real `fqldb run` and
// compares its stdout with <area>.expected. A first line `// format: json`
// selects JSON output. Set FQL_UPDATE_GOLDEN=1 to rewrite the expected files
// (then review the diff: the expected files are the specification).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/node_process.h"

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(FQL_QUERIES_DIR)) {
    if (e.path().extension() == ".fql") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs a command and returns its stdout.
std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

// Masks what differs between runs: commit timestamps (microseconds, 16
// digits) and generated document ids (quoted, 17 to 19 digits).
std::string Normalize(const std::string& out) {
  static const std::regex kTs(R"(\b1[6-9][0-9]{14}\b)");
  static const std::regex kId(R"("[0-9]{17,19}")");
  return std::regex_replace(std::regex_replace(out, kTs, "<ts>"), kId, "\"<id>\"");
}

class GoldenQueryTest : public ::testing::TestWithParam<std::string> {};

// Runs one golden file through `fqldb run` with `--jit mode` and returns its
// normalized output.
std::string RunGolden(const std::string& name, const std::string& jit) {
  fs::path fql = fs::path(FQL_QUERIES_DIR) / (name + ".fql");
  std::string text = ReadFile(fql);
  std::string format = text.rfind("// format: json", 0) == 0 ? "json" : "fql";
  fs::path data = fs::path(::testing::TempDir()) / ("golden-" + name + "-" + jit);
  fs::remove_all(data);  // every run starts from an empty database
  std::string cmd = std::string("timeout 60 ") + FQLDB_BINARY + " run --jit " + jit + " --format " +
                    format + " --data '" + data.string() + "' '" + fql.string() + "' 2>&1";
  std::string out = Normalize(RunCommand(cmd));
  fs::remove_all(data);
  return out;
}

TEST_P(GoldenQueryTest, MatchesExpectedOutput) {
  fs::path expected = fs::path(FQL_QUERIES_DIR) / (GetParam() + ".expected");
  std::string actual = RunGolden(GetParam(), "auto");
  if (std::getenv("FQL_UPDATE_GOLDEN")) {
    std::ofstream(expected, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << expected;
  }
  ASSERT_TRUE(fs::exists(expected)) << "missing " << expected;
  EXPECT_EQ(ReadFile(expected), actual) << "golden output differs for " << GetParam();
}

// The JIT differential: the interpreter alone, and every loop that can be
// compiled compiled, must both print exactly the expected output, errors
// and their positions included.
TEST_P(GoldenQueryTest, SameOutputInterpretedAndCompiled) {
  fs::path expected = fs::path(FQL_QUERIES_DIR) / (GetParam() + ".expected");
  ASSERT_TRUE(fs::exists(expected)) << "missing " << expected;
  std::string want = ReadFile(expected);
  EXPECT_EQ(want, RunGolden(GetParam(), "off")) << "--jit off differs for " << GetParam();
  EXPECT_EQ(want, RunGolden(GetParam(), "always")) << "--jit always differs for " << GetParam();
}

// The same file sent to a `fqldb node` (a real process on 127.0.0.1) with
// `fqldb run --connect` must print exactly the expected output too.
TEST_P(GoldenQueryTest, SameOutputThroughANode) {
  fs::path expected = fs::path(FQL_QUERIES_DIR) / (GetParam() + ".expected");
  ASSERT_TRUE(fs::exists(expected)) << "missing " << expected;
  fs::path fql = fs::path(FQL_QUERIES_DIR) / (GetParam() + ".fql");
  std::string format = ReadFile(fql).rfind("// format: json", 0) == 0 ? "json" : "fql";
  fs::path data = fs::path(::testing::TempDir()) / ("golden-node-" + GetParam());
  fs::remove_all(data);
  std::string why;
  auto node = fqldb::testing_support::NodeProcess::Start(FQLDB_BINARY, data.string(), {}, &why);
  ASSERT_TRUE(node) << why;
  std::string cmd = std::string("timeout 60 ") + FQLDB_BINARY + " run --connect " +
                    node->endpoint() + " --format " + format + " '" + fql.string() + "' 2>&1";
  std::string out = Normalize(RunCommand(cmd));
  node.reset();
  fs::remove_all(data);
  EXPECT_EQ(ReadFile(expected), out) << "output through a node differs for " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Queries, GoldenQueryTest, ::testing::ValuesIn(GoldenFiles()),
                         [](const auto& info) { return info.param; });

}  // namespace
