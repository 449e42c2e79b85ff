// Drives the real fqldb binary the way a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/endless_query.h"

namespace {

namespace fs = std::filesystem;

struct Outcome {
  std::string out;
  int status = -1;  // exit status, or -1 if killed by a signal
};

// Runs fqldb with `args`, feeding `input` on stdin; stderr is merged into
// out unless `merge_stderr` is false (then it is dropped).
Outcome Fqldb(const std::string& args, const std::string& input = "", bool merge_stderr = true) {
  fs::path dir = fs::path(::testing::TempDir());
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path in = dir / (std::string("stdin-") + info->name() + ".txt");
  std::ofstream(in, std::ios::binary) << input;
  std::string cmd = std::string("timeout 60 ") + FQLDB_BINARY + " " + args + " < '" + in.string() +
                    (merge_stderr ? "' 2>&1" : "' 2>/dev/null");
  Outcome o;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
  int st = pclose(p);
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

// A fresh data directory per test: a directory is locked by one process,
// and ctest runs tests in parallel.
std::string DataArg() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) / (std::string("cli-data-") + info->name());
  fs::remove_all(dir);
  return "--data '" + dir.string() + "'";
}

fs::path WriteScript(const std::string& name, const std::string& text) {
  fs::path p = fs::path(::testing::TempDir()) / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

size_t CountLines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(CliTest, VersionAndHelpExitZero) {
  Outcome v = Fqldb("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("fqldb "), std::string::npos);
  EXPECT_NE(v.out.find("LLVM 14"), std::string::npos);
  Outcome h = Fqldb("run --help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("usage: fqldb"), std::string::npos);
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Fqldb("").status, 2);
  EXPECT_EQ(Fqldb("frobnicate").status, 2);
  EXPECT_EQ(Fqldb("run " + DataArg()).status, 2);
  EXPECT_EQ(Fqldb("run --format xml -").status, 2);
  EXPECT_EQ(Fqldb("run --row-cache lots -").status, 2);
  EXPECT_EQ(Fqldb("run " + DataArg() + " --row-cache 0 -", "Add(1, 2)\n").status, 0);
  Outcome o = Fqldb("shell --bogus");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("unknown option '--bogus'"), std::string::npos);
}

TEST(CliTest, RunPrintsOneResultPerQueryAndContinuesAfterFailure) {
  fs::path f = WriteScript("continue.fql", "Add(1, 2)\nDivide(1, 0); Concat(['a', 'b'])\n");
  Outcome o = Fqldb("run " + DataArg() + " '" + f.string() + "'");
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.out.rfind("3\n", 0), 0u) << o.out;
  EXPECT_NE(o.out.find("error: invalid argument: Illegal division by zero. at 2:1"), std::string::npos);
  EXPECT_NE(o.out.find("'ab'"), std::string::npos) << "the script must go on after a failure";
}

TEST(CliTest, StopOnErrorStopsAtFirstFailure) {
  fs::path f = WriteScript("stop.fql", "Add(1, 2)\nDivide(1, 0)\nConcat(['a', 'b'])\n");
  Outcome o = Fqldb("run --stop-on-error " + DataArg() + " '" + f.string() + "'");
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.out.find("'ab'"), std::string::npos) << o.out;
}

TEST(CliTest, JsonFormatPrintsExactlyOneLinePerQuery) {
  std::string script = "Add(1, 2)\n[1, 2.0]\nAdd(1, 'x')\n{ '@ref': 1 }\nTime('1970-01-01T00:00:00Z')\n";
  Outcome o = Fqldb("run --format json " + DataArg() + " -", script);
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(CountLines(o.out), 5u) << o.out;
  EXPECT_NE(o.out.find("[1,2.0]\n"), std::string::npos);
  EXPECT_NE(o.out.find("{\"errors\":[{\"code\":\"invalid argument\",\"description\":\"Number expected, "
                       "String provided.\",\"position\":[\"add\",1],\"line\":3,\"column\":8}]}"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("{\"@obj\":{\"@ref\":1}}"), std::string::npos);
  EXPECT_NE(o.out.find("{\"@ts\":\"1970-01-01T00:00:00Z\"}"), std::string::npos);
}

TEST(CliTest, SyntaxErrorsAreAllReportedAndNothingRuns) {
  Outcome o = Fqldb("run " + DataArg() + " -", "Add(1, 2)\nAdd(1,,2)\n[1, 2\n");
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.out.find("3\n"), std::string::npos) << "no query may run when the script does not parse";
  EXPECT_NE(o.out.find("at 2:7"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("end of input"), std::string::npos) << o.out;
}

TEST(CliTest, MissingFileIsAnIoError) {
  Outcome o = Fqldb("run " + DataArg() + " /nonexistent/fqldb/script.fql");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("io error: cannot read /nonexistent/fqldb/script.fql"), std::string::npos);
  Outcome dir = Fqldb("run " + DataArg() + " '" + ::testing::TempDir() + "'");
  EXPECT_EQ(dir.status, 1);
  EXPECT_NE(dir.out.find("Is a directory"), std::string::npos) << dir.out;
}

TEST(CliTest, HostileInputGetsErrorsNotCrashes) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  Outcome o = Fqldb("run " + DataArg() + " -", deep);
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("stack overflow"), std::string::npos);

  Outcome bad = Fqldb("run " + DataArg() + " -", "Concat(['a', '\xff\xfe'])");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("invalid UTF-8 byte 0xFF"), std::string::npos) << bad.out;

  std::string huge = "Length('" + std::string(8 << 20, 'x') + "')";
  Outcome big = Fqldb("run " + DataArg() + " -", huge);
  EXPECT_EQ(big.status, 0);
  EXPECT_EQ(big.out, std::to_string(8 << 20) + "\n");

  Outcome lam = Fqldb("run " + DataArg() + " -",
                      "Let({f: Lambda('g', Map([Var('g')], Var('g')))}, Map([Var('f')], Var('f')))");
  EXPECT_EQ(lam.status, 1);
  EXPECT_NE(lam.out.find("stack overflow"), std::string::npos) << lam.out;
}

TEST(CliTest, ExponentialWorkHitsTheTimeLimit) {
  Outcome o =
      Fqldb("run --timeout 300 " + DataArg() + " -", fqldb::testing_support::EndlessQuery());
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("time out"), std::string::npos) << o.out.substr(0, 300);
}

TEST(CliTest, ShellReadsPipedInput) {
  Outcome o = Fqldb("shell " + DataArg(), "Add(1,\n 2)\n:help\nConcat(['x', 'y'])\n:quit\nAdd(40000, 2)\n");
  EXPECT_EQ(o.status, 0);
  EXPECT_NE(o.out.find("3\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(":quit"), std::string::npos) << "help text lists :quit";
  EXPECT_NE(o.out.find("'xy'"), std::string::npos);
  EXPECT_EQ(o.out.find("40002"), std::string::npos) << ":quit must stop reading";
}

TEST(CliTest, ShellPipedFailureExitsOne) {
  Outcome o = Fqldb("shell " + DataArg(), "Divide(1, 0)\n");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("Illegal division by zero"), std::string::npos);
}

}  // namespace

TEST(CliTest, DataOutlivesTheProcess) {
  std::string data = DataArg();
  fs::path w = WriteScript("persist-w.fql", "CreateCollection({name: 'notes'})\n"
                                            "Create(Ref(Collection('notes'), '1'), {data: {text: 'kept'}})\n");
  ASSERT_EQ(Fqldb("run " + data + " '" + w.string() + "'").status, 0);
  fs::path r = WriteScript("persist-r.fql", "Select(['data', 'text'], Get(Ref(Collection('notes'), '1')))\n");
  Outcome o = Fqldb("run " + data + " '" + r.string() + "'");
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.out, "'kept'\n");
}

TEST(CliTest, DatabaseFlagRunsInsideAChildDatabase) {
  std::string data = DataArg();
  ASSERT_EQ(Fqldb("run " + data + " -", "CreateDatabase({name: 'tenant'})\n").status, 0);
  Outcome in = Fqldb("run " + data + " --database tenant -",
                     "CreateCollection({name: 'inner'})\nPaginate(Collections())\n");
  EXPECT_EQ(in.status, 0) << in.out;
  EXPECT_NE(in.out.find("{ data: [ Collection(\"inner\") ] }"), std::string::npos) << in.out;
  Outcome top = Fqldb("run " + data + " -", "Paginate(Collections())\n");
  EXPECT_EQ(top.out, "{ data: [] }\n") << "the child's schema must not leak into the parent";
  Outcome scoped = Fqldb("run " + data + " -",
                         "Paginate(Collections(Database('tenant')))\n"
                         "Select('name', Get(Select(['data', 0], Paginate(Collections(Database('tenant'))))))\n");
  EXPECT_EQ(scoped.out, "{ data: [ Collection(\"inner\", Database(\"tenant\")) ] }\n'inner'\n")
      << "a scope lists the child's schema from the parent";
  Outcome missing = Fqldb("run " + data + " --database nope -", "1\n");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("Database 'nope' does not exist"), std::string::npos) << missing.out;
}

// A renamed database keeps its collections and documents (they are keyed by
// the database's uid); the old name is gone.
TEST(CliTest, RenamingADatabaseKeepsWhatItHolds) {
  std::string data = DataArg();
  ASSERT_EQ(Fqldb("run " + data + " -", "CreateDatabase({name: 'shop'})\n").status, 0);
  ASSERT_EQ(Fqldb("run " + data + " --database shop -",
                  "CreateCollection({name: 'items'})\nCreate(Ref(Collection('items'), '1'), {data: "
                  "{n: 7}})\n")
                .status,
            0);
  Outcome renamed =
      Fqldb("run " + data + " -", "Select('name', Update(Database('shop'), {name: 'store'}))\n");
  EXPECT_EQ(renamed.out, "'store'\n");
  Outcome read = Fqldb("run " + data + " --database store -",
                       "Select(['data', 'n'], Get(Ref(Collection('items'), '1')))\n");
  EXPECT_EQ(read.out, "7\n");
  Outcome old = Fqldb("run " + data + " --database shop -", "1\n");
  EXPECT_EQ(old.status, 1);
  EXPECT_NE(old.out.find("Database 'shop' does not exist"), std::string::npos) << old.out;
}

// The example a newcomer runs from its README, script by script, on one
// data directory: every query of schema and seed succeeds, and the queries
// show the behaviour the walkthrough promises.
TEST(CliTest, EcommerceExampleRunsAsItsReadmeSays) {
  std::string data = DataArg();
  fs::path dir = fs::path(FQL_EXAMPLES_DIR) / "ecommerce";
  Outcome schema = Fqldb("run --stop-on-error " + data + " '" + (dir / "schema.fql").string() + "'");
  ASSERT_EQ(schema.status, 0) << schema.out;
  Outcome seed = Fqldb("run --stop-on-error " + data + " '" + (dir / "seed.fql").string() + "'");
  ASSERT_EQ(seed.status, 0) << seed.out;
  EXPECT_EQ(seed.out, "100\n200\n2000\n");
  Outcome q = Fqldb("run " + data + " '" + (dir / "queries.fql").string() + "'");
  EXPECT_EQ(q.status, 1) << "two queries fail on purpose";
  for (const char* expected : {
           "caused by: instance not unique",                        // a taken email
           "caused by: transaction aborted: Only 1 left of Analytical Engine manual",
           "[ 'Analytical Engine manual', 1, 2 ]",                  // orders per product
       }) {
    EXPECT_NE(q.out.find(expected), std::string::npos) << expected << "\n" << q.out;
  }
  // After the refused order the stock is still 1; revenue agrees with the
  // orders; and the stock before Ada's order was 3.
  std::istringstream lines(q.out);
  std::vector<std::string> all;
  for (std::string line; std::getline(lines, line);) all.push_back(line);
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(all.back(), "3");
  EXPECT_NE(std::find(all.begin(), all.end(), "1"), all.end()) << q.out;
  bool revenue_agrees = std::any_of(all.begin(), all.end(), [](const std::string& l) {
    int a = -1, b = -2;
    return std::sscanf(l.c_str(), "[ %d, %d ]", &a, &b) == 2 && a == b && a > 0;
  });
  EXPECT_TRUE(revenue_agrees) << q.out;
}

// An index inside a child database is maintained by writes made from the
// parent, even when the parent has a collection of the same name.
TEST(CliTest, WritesFromTheParentMaintainAChildDatabasesIndexes) {
  std::string data = DataArg();
  ASSERT_EQ(Fqldb("run " + data + " -", "CreateDatabase({name: 'app'})\nCreateCollection({name: 'c'})\n").status, 0);
  ASSERT_EQ(Fqldb("run " + data + " --database app -",
                  "CreateCollection({name: 'c'})\n"
                  "CreateIndex({name: 'c_by_k', source: Collection('c'), terms: [{field: ['data', 'k']}]})\n")
                .status,
            0);
  Outcome write = Fqldb("run " + data + " -", "Create(Ref(Collection('c', Database('app')), '1'), {data: {k: 1}})\n"
                                              "Create(Ref(Collection('c', Database('app')), '2'), {data: {k: 1}})\n");
  ASSERT_EQ(write.status, 0) << write.out;
  Outcome read = Fqldb("run " + data + " --database app -", "Count(Match(Index('c_by_k'), 1))\n");
  EXPECT_EQ(read.out, "2\n");
}

TEST(CliTest, ASecondProcessIsRefusedTheDataDirectory) {
  std::string data = DataArg();
  ASSERT_EQ(Fqldb("run " + data + " -", "1\n").status, 0);  // creates the directory
  // The first process holds the directory while it waits for its input.
  std::string holder = std::string("(sleep 2; echo 1) | timeout 60 ") + FQLDB_BINARY + " run " + data +
                       " - > /dev/null 2>&1 &";
  ASSERT_EQ(std::system(holder.c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  Outcome second = Fqldb("run " + data + " -", "1\n");
  EXPECT_EQ(second.status, 1);
  EXPECT_NE(second.out.find("is in use by another fqldb process"), std::string::npos) << second.out;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Fqldb("run " + data + " -", "1\n").status, 0) << "the lock goes with the process";
}

namespace {

size_t Occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

const char kExplainSchema[] =
    "CreateCollection({name: 'orders'})\n"
    "CreateIndex({name: 'by_user', source: Collection('orders'), terms: [{field: ['data', "
    "'user']}]})\n"
    "Foreach([1, 2, 3, 4, 5, 6], i => Create(Collection('orders'), {data: {user: Modulo(i, 2), "
    "total: "
    "Multiply(i, 50)}}))\n";

}  // namespace

TEST(CliTest, ExplainReportsTheSetsReadAndWhatRanCompiled) {
  std::string data = DataArg();
  fs::path schema = WriteScript("explain-schema.fql", kExplainSchema);
  ASSERT_EQ(Fqldb("run " + data + " '" + schema.string() + "'").status, 0);
  fs::path f =
      WriteScript("explain.fql",
                  "Count(Filter(Documents(Collection('orders')), o => GT(Select(['data', 'total'], "
                  "Get(o)), 100)))\n"
                  "Paginate(Match(Index('by_user'), 1))\n"
                  "Map([[1, 2]], x => Map(x, y => Add(y, 1)))\n");
  Outcome on = Fqldb("run --explain --jit always " + data + " '" + f.string() + "'");
  EXPECT_EQ(on.status, 0) << on.out;
  EXPECT_EQ(Occurrences(on.out, "plan:\n"), 3u) << on.out;
  // The scan compiled, with its filter fused, and the report says what it read.
  EXPECT_NE(on.out.find("  1:1     Count\n"), std::string::npos) << on.out;
  EXPECT_NE(on.out.find("· compiled scan: quick tier, compiled now in "), std::string::npos)
      << on.out;
  EXPECT_NE(on.out.find("fuses 1 filter(s)"), std::string::npos) << on.out;
  EXPECT_NE(on.out.find("Documents(Collection(\"orders\")): all 8 partitions"), std::string::npos)
      << on.out;
  EXPECT_NE(on.out.find("\n4\n"), std::string::npos) << "the result still prints: " << on.out;
  // An index read with terms goes to one partition.
  EXPECT_NE(on.out.find("· reads Match(Index(\"by_user\"), [ 1 ]): one partition"),
            std::string::npos)
      << on.out;
  // A loop that does not compile says why, pointing at the query text.
  EXPECT_NE(on.out.find("· interpreted: a nested Lambda at 3:27"), std::string::npos) << on.out;
  EXPECT_NE(on.out.find("JIT compiles while it ran: "), std::string::npos) << on.out;

  Outcome off = Fqldb("run --explain --jit off " + data + " '" + f.string() + "'");
  EXPECT_EQ(off.status, 0) << off.out;
  EXPECT_NE(off.out.find("· interpreted scan: --jit off"), std::string::npos) << off.out;
  EXPECT_NE(off.out.find("· interpreted: --jit off"), std::string::npos) << off.out;
  EXPECT_EQ(off.out.find("compiled scan"), std::string::npos) << off.out;

  // JSON output stays one line per query on stdout; the reports go to stderr.
  Outcome json = Fqldb("run --explain --format json " + data + " '" + f.string() + "'", "", false);
  EXPECT_EQ(json.status, 0);
  EXPECT_EQ(CountLines(json.out), 3u) << json.out;
  EXPECT_EQ(json.out.find("plan:"), std::string::npos) << json.out;
}

TEST(CliTest, ShellExplainsOneQueryOrEveryQuery) {
  std::string data = DataArg();
  fs::path schema = WriteScript("shell-explain-schema.fql", kExplainSchema);
  ASSERT_EQ(Fqldb("run " + data + " '" + schema.string() + "'").status, 0);
  Outcome o = Fqldb("shell " + data,
                    ":explain Count(Documents(\n  Collection('orders')))\n"
                    "Add(1, 2)\n"
                    ":explain on\n"
                    "Count(Match(Index('by_user'), 0))\n"
                    "Add(3, 4)\n"
                    ":explain off\n"
                    "Add(5, 6)\n"
                    ":explain\n");
  EXPECT_EQ(o.status, 0) << o.out;
  // The first query (over two lines), then the two while on: three reports.
  EXPECT_EQ(Occurrences(o.out, "plan:\n"), 3u) << o.out;
  EXPECT_NE(o.out.find("counts per partition without decoding documents"), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("Match(Index(\"by_user\"), [ 0 ]): one partition"), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("6\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("explain on\n"), std::string::npos);
  EXPECT_NE(o.out.find("usage: :explain QUERY, or :explain on|off"), std::string::npos) << o.out;
  size_t off = o.out.find("explain off\n");
  ASSERT_NE(off, std::string::npos);
  EXPECT_EQ(o.out.find("plan:", off), std::string::npos)
      << "reported after :explain off: " << o.out;
  EXPECT_NE(o.out.find("11\n", off), std::string::npos) << o.out;
}

TEST(CliTest, RunFinishesBackgroundIndexBuildsBeforeExiting) {
  std::string data = DataArg();
  // 3,000 documents: CreateIndex answers active: false and builds after it commits.
  fs::path load = WriteScript("index-build-load.fql", R"(CreateCollection({name: "c"})
Let({d: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}, Count(Map(Var("d"), Lambda("a", Map(Var("d"), Lambda("b", Map(Var("d"), Lambda("e", Map([0, 1, 2], Lambda("x", Create(Collection("c"), {data: {x: Var("x")}})))))))))))
Select("active", CreateIndex({name: "by_x", source: Collection("c"), terms: [{field: ["data", "x"]}]}))
)");
  Outcome first = Fqldb("run " + data + " '" + load.string() + "'", "", /*merge_stderr=*/false);
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find("false\n"), std::string::npos) << first.out;
  // The first process built the index before it exited: the next reads it at once.
  Outcome next = Fqldb("run " + data + " -",
                       R"(Select("active", Get(Index("by_x"))) Count(Match(Index("by_x"), 2)))");
  EXPECT_EQ(next.status, 0) << next.out;
  EXPECT_EQ(next.out, "true\n1000\n");
}
