#include "executor/database.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "storage/engine.h"
#include "tests/executor/database_fixture.h"
#include "tests/scratch_dir.h"

namespace fqldb::executor {
namespace {

using namespace testing_db;  // NOLINT: the shared helpers

constexpr int kAccounts = 20;
constexpr const char* kTransfer =
    R"(Let({a: Get(Ref(Collection("accounts"), "$X")), b: Get(Ref(Collection("accounts"), "$Y"))}, )"
    R"(If(GTE(Select(["data", "balance"], Var("a")), $AMT), )"
    R"(Do(Update(Ref(Collection("accounts"), "$X"), )"
    R"({data: {balance: Subtract(Select(["data", "balance"], Var("a")), $AMT)}}), )"
    R"(Update(Ref(Collection("accounts"), "$Y"), )"
    R"({data: {balance: Add(Select(["data", "balance"], Var("b")), $AMT)}})), null)))";
constexpr const char* kBalances =
    R"(Map(Paginate(Documents(Collection("accounts")), {size: 100}), )"
    R"(Lambda("r", Select(["data", "balance"], Get(Var("r"))))))";

TEST_F(DatabaseTest, ConcurrentTransfersKeepEveryAuditedTotal) {
  Must(R"(CreateCollection({name: "accounts"}))");
  for (int i = 0; i < kAccounts; ++i) {
    Must(Fill(R"(Create(Ref(Collection("accounts"), "$I"), {data: {balance: 100}}))", "$I",
              std::to_string(i)));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> transfers{0}, contended{0}, audits{0};
  std::mutex mu;  // guards the two below
  std::vector<int64_t> expected(kAccounts, 100);
  std::vector<std::string> problems;
  auto report = [&](std::string p) {
    std::lock_guard<std::mutex> lock(mu);
    if (problems.size() < 10) problems.push_back(std::move(p));
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 6; ++w) {
    threads.emplace_back([&, w] {
      std::minstd_rand rng(static_cast<unsigned>(w + 1));
      while (!stop.load()) {
        int from = static_cast<int>(rng() % kAccounts);
        int to = (from + 1 + static_cast<int>(rng() % (kAccounts - 1))) % kAccounts;
        int amount = 1 + static_cast<int>(rng() % 60);
        std::string q =
            Fill(Fill(Fill(kTransfer, "$X", std::to_string(from)), "$Y", std::to_string(to)),
                 "$AMT", std::to_string(amount));
        Result<Value> r = Exec(*db_, q);
        if (!r.ok()) {
          if (r.status().code() == ErrorCode::kContendedTransaction) {
            ++contended;
          } else {
            report("transfer failed: " + r.status().ToString());
          }
        } else if (!r->is_null()) {
          ++transfers;
          std::lock_guard<std::mutex> lock(mu);
          expected[static_cast<size_t>(from)] -= amount;
          expected[static_cast<size_t>(to)] += amount;
        }
      }
    });
  }
  threads.emplace_back([&] {
    std::string audit = std::string("Sum(") + kBalances + ")";
    while (!stop.load()) {
      Result<Value> r = Exec(*db_, audit);
      ++audits;
      bool whole = r.ok() && r->is_page() && r->array().size() == 1 && r->array()[0].is_long();
      if (!whole || r->array()[0].as_long() != 100 * kAccounts) report("audit saw " + Show(r));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (std::thread& t : threads) t.join();
  RecordProperty("transfers", transfers.load());
  RecordProperty("contended", contended.load());
  RecordProperty("audits", audits.load());
  for (const std::string& p : problems) ADD_FAILURE() << p;
  EXPECT_GT(transfers.load(), 0);
  EXPECT_GT(audits.load(), 0);

  // The end state is exactly what the acknowledged transfers imply.
  Value balances = Must(kBalances);
  ASSERT_TRUE(balances.is_page());
  ASSERT_EQ(balances.array().size(), static_cast<size_t>(kAccounts));
  int64_t total = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    int64_t b = balances.array()[i].as_long();
    EXPECT_GE(b, 0) << "account " << i;
    EXPECT_EQ(b, expected[i]) << "account " << i;
    total += b;
  }
  EXPECT_EQ(total, 100 * kAccounts);
}

// One crash round: what the writer acknowledged before SIGKILL, and how it ended.
struct CrashRound {
  std::vector<int64_t> acked;
  int status = 0;
  bool started = false;
};

// The child process: opens `dir` and commits pair first, first+1, ... each in
// one query, writing every acknowledged i to `fd`. Ends only through _exit.
[[noreturn]] void RunWriter(const std::string& dir, const Query& query, int64_t first, int fd) {
  auto deadline = Clock::now() + std::chrono::seconds(15);  // in case the parent is gone
  Result<std::unique_ptr<Database>> db = Database::Open(dir, DatabaseOptions{});
  if (!db.ok()) _exit(2);
  for (int64_t i = first; Clock::now() < deadline; ++i) {
    if (!(*db)->Execute(query, {Value::Long(i)}, RunOptions{}, 0).ok()) _exit(3);
    if (::write(fd, &i, sizeof(i)) != static_cast<ssize_t>(sizeof(i))) _exit(4);
  }
  _exit(5);
}

// Starts a writer process at pair `first`, collects its acknowledgements for
// `run_for` after the first one (waiting at most 3 s for it), then kills it.
CrashRound RunAndKill(const std::string& dir, int64_t first,
                      milliseconds run_for) {
  CrashRound round;
  int fds[2];
  if (::pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return round;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    // A fresh process image: LevelDB's background thread does not survive
    // fork, so the writer runs in this test binary re-executed (see
    // CrashTestChild.DISABLED_Writer below), not in the forked copy.
    ::close(fds[0]);
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::setenv("FQL_CRASH_DIR", dir.c_str(), 1);
    ::setenv("FQL_CRASH_FIRST", std::to_string(first).c_str(), 1);
    ::setenv("FQL_CRASH_FD", std::to_string(fds[1]).c_str(), 1);
    const char* argv[] = {"fql_executor_test", "--gtest_filter=CrashTestChild.DISABLED_Writer",
                          "--gtest_also_run_disabled_tests", nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    _exit(6);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    ::close(fds[0]);
    return round;
  }
  std::string pending;
  bool eof = false;
  // Waits up to `until` for acknowledgements; false at the deadline or EOF.
  auto read_until = [&](Clock::time_point until) {
    auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    pollfd p{fds[0], POLLIN, 0};
    if (eof || ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) return false;
    char chunk[4096];
    ssize_t got = ::read(fds[0], chunk, sizeof(chunk));
    if (got <= 0) {
      eof = true;
      return false;
    }
    pending.append(chunk, static_cast<size_t>(got));
    for (; pending.size() >= sizeof(int64_t); pending.erase(0, sizeof(int64_t))) {
      int64_t i;
      std::memcpy(&i, pending.data(), sizeof(i));
      round.acked.push_back(i);
    }
    return true;
  };
  auto start_deadline = Clock::now() + std::chrono::seconds(3);
  while (round.acked.empty() && read_until(start_deadline)) {
  }
  round.started = !round.acked.empty();
  auto end = Clock::now() + run_for;
  while (round.started && Clock::now() < end && !eof) read_until(end);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &round.status, 0);
  while (read_until(Clock::now())) {  // acknowledgements still in the pipe
  }
  ::close(fds[0]);
  return round;
}

// For each stored pair i, which of documents 2i and 2i+1 exist (bit 0, bit 1).
std::map<int64_t, int> StoredPairs(Database& db) {
  Result<Value> page = Exec(db, R"(Paginate(Documents(Collection("c")), {size: 100000}))");
  EXPECT_TRUE(page.ok() && page->is_page()) << Show(page);
  std::map<int64_t, int> pairs;
  if (!page.ok() || !page->is_page()) return pairs;
  for (const Value& ref : page->array()) {
    int64_t id = std::stoll(ref.ref_id());
    pairs[id / 2] |= 1 << (id % 2);
  }
  return pairs;
}

// Each crash-test commit writes documents 2i and 2i+1.
constexpr const char* kPairQuery =
    R"(Do(Create(Ref(Collection("c"), Multiply(2, Var("i"))), {data: {i: Var("i")}}), )"
    R"(Create(Ref(Collection("c"), Add(Multiply(2, Var("i")), 1)), {data: {i: Var("i")}})))";

// The writer of the crash test, run only when RunAndKill re-executes this
// binary with the directory, the first pair and the pipe in the environment.
TEST(CrashTestChild, DISABLED_Writer) {
  const char* dir = std::getenv("FQL_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "run by the crash test only";
  Result<Query> pair = Compile(kPairQuery, {"i"});
  if (!pair.ok()) _exit(7);
  RunWriter(dir, *pair, std::atoll(std::getenv("FQL_CRASH_FIRST")), std::atoi(std::getenv("FQL_CRASH_FD")));
}

TEST_F(DatabaseTest, AcknowledgedCommitsSurviveSigkillWholeOrNotAtAll) {
  Must(R"(CreateCollection({name: "c"}))");
  Result<Query> pair = Compile(kPairQuery, {"i"});
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  db_.reset();  // the child takes the directory's lock
  unsigned seed = std::random_device{}();
  RecordProperty("seed", static_cast<int>(seed));
  std::mt19937 rng(seed);
  auto test_deadline = Clock::now() + std::chrono::seconds(9);
  int64_t stored = 0;  // pairs 0..stored-1 exist
  size_t acked_total = 0;
  for (int r = 0; r < 4; ++r) {
    SCOPED_TRACE("round " + std::to_string(r) + ", seed " + std::to_string(seed));
    ASSERT_LT(Clock::now(), test_deadline) << "the rounds are too slow";
    CrashRound round = RunAndKill(dir_.path(), stored, milliseconds(50 + rng() % 351));
    ASSERT_TRUE(round.started) << "the writer acknowledged nothing; wait status " << round.status;
    EXPECT_TRUE(WIFSIGNALED(round.status) && WTERMSIG(round.status) == SIGKILL)
        << "the writer stopped by itself; wait status " << round.status;
    for (size_t k = 0; k < round.acked.size(); ++k) {
      ASSERT_EQ(round.acked[k], stored + static_cast<int64_t>(k))
          << "acknowledgements out of order";
    }
    ASSERT_NO_FATAL_FAILURE(Reopen());
    std::map<int64_t, int> pairs = StoredPairs(*db_);
    for (const auto& [i, halves] : pairs) EXPECT_EQ(halves, 3) << "pair " << i << " is half there";
    for (int64_t i : round.acked) {
      EXPECT_EQ(pairs.count(i), 1u) << "acknowledged pair " << i << " lost";
    }
    // The writer began pair i+1 only after i was acknowledged, so pairs are a
    // prefix, and only the pair in flight at the kill may exist unacknowledged.
    auto now_stored = static_cast<int64_t>(pairs.size());
    EXPECT_TRUE(pairs.empty() || pairs.rbegin()->first == now_stored - 1) << "pairs have a gap";
    EXPECT_GE(now_stored, stored + static_cast<int64_t>(round.acked.size()));
    EXPECT_LE(now_stored, stored + static_cast<int64_t>(round.acked.size()) + 1);
    acked_total += round.acked.size();
    stored = now_stored;
    db_.reset();
  }
  EXPECT_GE(static_cast<size_t>(stored), acked_total);
}

// Schema is cached across transactions; a write must still see an index
// created concurrently, or conflict and retry. Writers create documents
// while another thread creates and drops indexes over the collection; at
// the end every index holds exactly the documents it should.
TEST_F(DatabaseTest, WritesRacingIndexChangesLeaveEveryIndexComplete) {
  Must(R"(CreateCollection({name: "items"}))");
  std::mutex mu;
  std::vector<std::string> errors;
  // Runs a query until it commits: heavy contention may exhaust one
  // Execute's retries, which is not what this test is about.
  auto run = [&](const std::string& fql) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      Result<Value> r = Exec(*db_, fql);
      if (r.ok()) return;
      if (r.status().code() != ErrorCode::kContendedTransaction) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(r.status().ToString());
        return;
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back("still contended: " + fql);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 120; ++i) {
        std::string q = Fill(R"(Create(Ref(Collection("items"), "$I"), {data: {k: $K}}))", "$I",
                             std::to_string(t * 1000 + i));
        run(Fill(q, "$K", std::to_string(i % 4)));
      }
    });
  }
  threads.emplace_back([&] {
    for (int n = 0; n < 30; ++n) {
      std::string name = "by_k_" + std::to_string(n);
      run(Fill(R"(CreateIndex({name: "$N", source: Collection("items"), terms: [{field: ["data", "k"]}]}))", "$N",
               name));
      if (n % 3 == 0) run(Fill(R"(Delete(Index("$N")))", "$N", name));
    }
  });
  for (std::thread& th : threads) th.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  // Indexes made over more than 128 items were built in the background.
  ASSERT_TRUE(db_->WaitForIndexBuilds().ok());
  EXPECT_EQ(Must(R"(Count(Documents(Collection("items"))))").as_long(), 360);
  Value names = Must(R"(Map(Select("data", Paginate(Indexes())), Lambda("i", Select("id", Var("i")))))");
  ASSERT_TRUE(names.is_array());
  EXPECT_EQ(names.array().size(), 20u);
  for (const Value& name : names.array()) {
    for (int k = 0; k < 4; ++k) {
      std::string count = Fill(Fill(R"(Count(Match(Index("$N"), $K)))", "$N", name.str()), "$K", std::to_string(k));
      EXPECT_EQ(Must(count).as_long(), 90) << name.str() << " k=" << k;
    }
  }
}

TEST_F(DatabaseTest, QueryThatFailsMidwayWritesNothing) {
  Must(R"(CreateCollection({name: "c"}))");
  uint64_t read_ts = db_->engine().ReadTs();
  uint64_t commits = db_->engine().stats().commits;
  Result<Value> r = Exec(*db_, R"(Do(Create(Ref(Collection("c"), "900"), {}), Abort("no")))");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTransactionAborted);
  EXPECT_EQ(ToFql(Must(R"(Exists(Ref(Collection("c"), "900")))")), "false");
  EXPECT_EQ(db_->engine().stats().commits, commits);
  EXPECT_EQ(db_->engine().ReadTs(), read_ts);
}

TEST_F(DatabaseTest, ReadsTheVersionOfAnEarlierTs) {
  Must(R"(CreateCollection({name: "c"}))");
  const std::string ref = R"(Ref(Collection("c"), "1"))";
  Value created = Must("Create(" + ref + ", {data: {v: 1}})");
  Value updated = Must("Update(" + ref + ", {data: {v: 2}})");
  int64_t ts1 = TsOf(created), ts2 = TsOf(updated);
  ASSERT_GT(ts1, 0);
  ASSERT_GT(ts2, ts1);
  auto v_at = [&](const std::string& read) {
    return ToFql(Must(R"(Select(["data", "v"], )" + read + ")"));
  };
  std::string t1 = std::to_string(ts1);
  EXPECT_EQ(v_at("At(" + t1 + ", Get(" + ref + "))"), "1");
  EXPECT_EQ(v_at("Get(" + ref + ", " + t1 + ")"), "1");
  EXPECT_EQ(v_at("Get(" + ref + ", " + std::to_string(ts2 - 1) + ")"), "1");
  EXPECT_EQ(v_at("Get(" + ref + ")"), "2");
  EXPECT_EQ(ToFql(Must("Select('ts', At(" + t1 + ", Get(" + ref + ")))")), t1);
  EXPECT_EQ(ToFql(Must("At(" + std::to_string(ts1 - 1) + ", Exists(" + ref + "))")), "false");
}

TEST_F(DatabaseTest, ResultsCarryTheCommitTs) {
  Must(R"(CreateCollection({name: "c"}))");
  Value both =
      Must(R"([Create(Ref(Collection("c"), "1"), {}), Create(Ref(Collection("c"), "2"), {})])");
  ASSERT_TRUE(both.is_array() && both.array().size() == 2u) << ToFql(both);
  int64_t ts = TsOf(both.array()[0]);
  ASSERT_GT(ts, 0);
  EXPECT_EQ(TsOf(both.array()[1]), ts) << "one transaction, one ts";
  EXPECT_EQ(static_cast<uint64_t>(ts), db_->engine().ReadTs()) << "the commit's ts";
  EXPECT_EQ(TsOf(Must(R"(Get(Ref(Collection("c"), "1")))")), ts);
  EXPECT_EQ(ToFql(Must(R"(Select("ts", Get(Ref(Collection("c"), "2"))))")), std::to_string(ts));
}

}  // namespace
}  // namespace fqldb::executor
