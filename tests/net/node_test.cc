// A real `fqldb node` process on 127.0.0.1, driven by net::Client and by a
// raw ZeroMQ socket: results stream in order, bad messages get error
// replies, concurrent clients all commit, a dead node is reported in time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "net/client.h"
#include "net/protocol.h"
#include "tests/endless_query.h"
#include "tests/node_process.h"
#include "tests/scratch_dir.h"

namespace fqldb::net {
namespace {

using testing_support::NodeProcess;
using testing_support::ScratchDir;
using Clock = std::chrono::steady_clock;
using testing_support::EndlessQuery;

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    node_ = NodeProcess::Start(FQLDB_BINARY, dir_.path() + "/data", {}, &why);
    ASSERT_TRUE(node_) << why;
    auto c = Client::Connect(node_->endpoint());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(c).value();
  }

  // Runs `text` and returns each result's rendering.
  std::vector<std::string> Results(const std::string& text, RequestOptions o = {},
                                   Status* st = nullptr) {
    std::vector<std::string> out;
    Result<Client::Summary> s = client_->Run(text, o, [&](const Reply& r) {
      if (r.kind == ReplyKind::kResult) out.push_back(r.rendered);
    });
    if (st) *st = s.ok() ? Status::Ok() : s.status();
    return out;
  }

  // A DEALER of our own on the node, for messages net::Client never sends.
  zmq::socket_t RawDealer() {
    zmq::socket_t s(ctx_, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, 10000);
    s.connect(node_->endpoint());
    return s;
  }
  static void SendRaw(zmq::socket_t& s, const std::vector<std::string>& frames) {
    std::vector<zmq::const_buffer> parts;
    for (const auto& f : frames) parts.push_back(zmq::buffer(f));
    ASSERT_TRUE(zmq::send_multipart(s, parts));
  }
  // The next message's frames; empty after 10 s without one.
  static std::vector<std::string> RecvRaw(zmq::socket_t& s) {
    std::vector<zmq::message_t> reply;
    std::vector<std::string> got;
    if (!zmq::recv_multipart(s, std::back_inserter(reply))) return got;
    for (auto& m : reply) got.push_back(m.to_string());
    return got;
  }

  ScratchDir dir_{"fql_node"};
  zmq::context_t ctx_;
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<Client> client_;
};

TEST_F(NodeTest, StreamsEachQuerysResultInOrder) {
  std::vector<int> order;
  size_t failed_seen = 0;
  Result<Client::Summary> s = client_->Run(
      "CreateCollection({name: 'n'})\nCreate(Ref(Collection('n'), '1'), {data: {v: 1}})\n"
      "Add(1, 'x')\nSelect(['data', 'v'], Get(Ref(Collection('n'), '1')))",
      {}, [&](const Reply& r) {
        order.push_back(static_cast<int>(r.index));
        if (!r.ok) ++failed_seen;
      });
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(s->queries, 4u);
  EXPECT_EQ(s->failed, 1u);
  EXPECT_EQ(failed_seen, 1u);
  RequestOptions json;
  json.format = executor::OutputFormat::kJson;
  EXPECT_EQ(Results("Select(['data'], Get(Ref(Collection('n'), '1')))", json),
            (std::vector<std::string>{"{\"v\":1}"}));
  // A syntax error fails the request before anything runs, with line:col.
  Status st;
  EXPECT_TRUE(Results("Add(1,,2)", {}, &st).empty());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidSyntax);
  EXPECT_NE(st.description().find("at 1:7"), std::string::npos) << st.description();
  // So does an unknown database.
  RequestOptions missing;
  missing.database = "nope";
  Results("1", missing, &st);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidRef);
}

TEST_F(NodeTest, MalformedMessagesGetErrorRepliesAndTheNodeKeepsServing) {
  zmq::socket_t s = RawDealer();
  std::vector<std::vector<std::string>> bad = {
      {"hello"},
      {"fqldb/1"},
      {"fqldb/1", "b1", "format=xml", "1"},
      {"fqldb/2", "b2", "", "1"},
      {std::string("\0\xff\xfe", 3), "", "", "", "", ""},
  };
  for (const auto& frames : bad) {
    SendRaw(s, frames);
    std::vector<std::string> got = RecvRaw(s);
    ASSERT_FALSE(got.empty()) << "no reply within 10 s";
    Result<Reply> r = DecodeReply(got);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->kind, ReplyKind::kError);
    EXPECT_EQ(r->code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r->rendered.find("error: invalid argument"), std::string::npos) << r->rendered;
  }
  EXPECT_EQ(Results("Add(40, 2)"), (std::vector<std::string>{"42"}));
}

// Ids name requests for cancel: a second request with the id of one still
// running is refused, and the first is unaffected.
TEST_F(NodeTest, AnIdStillInFlightCannotBeReused) {
  zmq::socket_t s = RawDealer();
  SendRaw(s, {"fqldb/1", "dup", "timeout_ms=1500", EndlessQuery()});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  SendRaw(s, {"fqldb/1", "dup", "", "Add(1, 1)"});
  std::vector<std::string> kinds;
  bool refused = false;
  while (kinds.empty() || (kinds.back() != "done" && kinds.size() < 4)) {
    std::vector<std::string> got = RecvRaw(s);
    ASSERT_FALSE(got.empty()) << "no reply within 10 s";
    Result<Reply> r = DecodeReply(got);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->id, "dup");
    if (r->kind == ReplyKind::kError) {
      refused = true;
      EXPECT_EQ(r->code, ErrorCode::kInvalidArgument);
      EXPECT_NE(r->rendered.find("still queued or running"), std::string::npos) << r->rendered;
      continue;
    }
    kinds.push_back(got[2]);
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(kinds, (std::vector<std::string>{"result", "done"}))
      << "the first request ends as usual";
}

TEST_F(NodeTest, ConcurrentClientsAllCommit) {
  ASSERT_EQ(Results("CreateCollection({name: 'c'})").size(), 1u);
  constexpr int kClients = 4, kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = Client::Connect(node_->endpoint());
      if (!c.ok()) {
        failures += kEach;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        std::string q = "Create(Ref(Collection('c'), '" + std::to_string(t * 1000 + i) +
                        "'), {data: {t: " + std::to_string(t) + "}})";
        Result<Client::Summary> s = (*c)->Run(q, {}, [](const Reply&) {});
        if (!s.ok() || s->failed != 0) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Results("Count(Documents(Collection('c')))"),
            (std::vector<std::string>{std::to_string(kClients * kEach)}));
}

TEST_F(NodeTest, ADeadNodeIsReportedUnavailableWithinTheDeadline) {
  ClientOptions quick;
  quick.connect_timeout = std::chrono::milliseconds(500);
  quick.grace = std::chrono::milliseconds(500);
  auto c = Client::Connect(node_->endpoint(), quick);
  ASSERT_TRUE(c.ok());
  RequestOptions o;
  o.timeout = std::chrono::milliseconds(1000);
  // A query that runs past its timeout on the node answers "time out".
  Status st;
  std::vector<std::string> out;
  Result<Client::Summary> slow = (*c)->Run("Add(1, 1)\n" + EndlessQuery(), o,
                                           [&](const Reply& r) { out.push_back(r.rendered); });
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[1].find("time out"), std::string::npos) << out[1];
  // Killed mid-query: the client gives up after the timeout and grace.
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    node_->Stop(SIGKILL);
  });
  auto start = Clock::now();
  Result<Client::Summary> dead = (*c)->Run(EndlessQuery(), o, [](const Reply&) {});
  killer.join();
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(dead.status().description().find(node_->endpoint()), std::string::npos);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  // And a new request to the dead node fails within connect_timeout.
  start = Clock::now();
  Result<Client::Summary> again = (*c)->Run("1", o, [](const Reply&) {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace fqldb::net
