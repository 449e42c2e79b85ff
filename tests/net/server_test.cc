// net::Server in this process (a real Database, real sockets on 127.0.0.1)
// with one worker, so that requests queue: stopping cancels the running
// query and answers the queued ones, and a request that waited past its
// timeout is refused rather than run.
#include "net/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "executor/database.h"
#include "net/client.h"
#include "tests/endless_query.h"
#include "tests/scratch_dir.h"

namespace fqldb::net {
namespace {

using testing_support::EndlessQuery;
using testing_support::ScratchDir;

struct Outcome {
  Status status;
  std::vector<Reply> replies;
};

// Runs `text` on a fresh client in another thread.
std::future<Outcome> RunAsync(const std::string& endpoint, std::string text, RequestOptions o) {
  return std::async(std::launch::async, [=] {
    Outcome out;
    auto c = Client::Connect(endpoint);
    if (!c.ok()) {
      out.status = c.status();
      return out;
    }
    auto s = (*c)->Run(text, o, [&](const Reply& r) { out.replies.push_back(r); });
    out.status = s.ok() ? Status::Ok() : s.status();
    return out;
  });
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = executor::Database::Open(dir_.path(), executor::DatabaseOptions{});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ServerOptions so;
    so.listen = "tcp://127.0.0.1:0";
    so.workers = 1;
    auto s = Server::Start(db_.get(), so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    server_.reset();
    db_.reset();
  }
  ScratchDir dir_{"fql_server"};
  std::unique_ptr<executor::Database> db_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, StopCancelsTheRunningQueryAndAnswersQueuedRequests) {
  RequestOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  auto running = RunAsync(server_->endpoint(), EndlessQuery() + "\nAdd(1, 1)", o);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto queued = RunAsync(server_->endpoint(), "Add(2, 2)", o);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  server_.reset();  // as `fqldb node` does: the last replies must still go out
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ASSERT_EQ(running.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  Outcome r = running.get();
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.replies.size(), 1u) << "the second query does not start";
  EXPECT_NE(r.replies[0].rendered.find("cancelled"), std::string::npos) << r.replies[0].rendered;
  ASSERT_EQ(queued.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  Outcome q = queued.get();
  EXPECT_EQ(q.status.code(), ErrorCode::kUnavailable);
  EXPECT_NE(q.status.description().find("node stopping"), std::string::npos) << q.status.ToString();
}

// A client's cancel stops its query on the node, so that the one worker is
// free at once (not after the query's 60 s timeout).
TEST_F(ServerTest, ACancelStopsTheQueryOnTheNode) {
  auto c = Client::Connect(server_->endpoint());
  ASSERT_TRUE(c.ok());
  RequestOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.store(true);
  });
  std::vector<Reply> replies;
  auto start = std::chrono::steady_clock::now();
  auto s = (*c)->Run(
      EndlessQuery() + "\nAdd(1, 1)", o, [&](const Reply& r) { replies.push_back(r); }, &cancel);
  canceller.join();
  EXPECT_EQ(s.status().code(), ErrorCode::kCancelled);
  ASSERT_EQ(replies.size(), 1u) << "the cancelled query answers; the next does not run";
  EXPECT_NE(replies[0].rendered.find("cancelled"), std::string::npos) << replies[0].rendered;
  // The same connection, and the node's only worker, serve the next request.
  std::vector<Reply> next;
  auto again = (*c)->Run("Add(2, 3)", o, [&](const Reply& r) { next.push_back(r); });
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].rendered, "5");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(ServerTest, ARequestThatWaitedPastItsTimeoutIsRefusedNotRun) {
  ASSERT_TRUE(RunAsync(server_->endpoint(), "CreateCollection({name: 'w'})", {}).get().status.ok());
  RequestOptions slow;
  slow.timeout = std::chrono::milliseconds(1500);
  auto busy = RunAsync(server_->endpoint(), EndlessQuery(), slow);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RequestOptions quick;
  quick.timeout = std::chrono::milliseconds(200);
  Outcome q = RunAsync(server_->endpoint(), "Create(Collection('w'), {})", quick).get();
  EXPECT_EQ(q.status.code(), ErrorCode::kUnavailable);
  EXPECT_NE(q.status.description().find("past its timeout"), std::string::npos)
      << q.status.ToString();
  Outcome b = busy.get();
  ASSERT_EQ(b.replies.size(), 1u);
  EXPECT_NE(b.replies[0].rendered.find("time out"), std::string::npos);
  Outcome count = RunAsync(server_->endpoint(), "Count(Documents(Collection('w')))", {}).get();
  ASSERT_EQ(count.replies.size(), 1u);
  EXPECT_EQ(count.replies[0].rendered, "0") << "the refused Create must not have run";
}

}  // namespace
}  // namespace fqldb::net
