// The client protocol's cost, each figure against a baseline measured in
// the same run:
//   - a request round trip through a node (Client::Run of "1") against a raw
//     ZeroMQ DEALER/ROUTER round trip of the same size, p50 and p99;
//   - Get by ref through a node against the same Get embedded;
//   - Create throughput with 4 concurrent clients through a node against 4
//     threads embedded (async durability on both).
// The node is in this process (net::Server on tcp://127.0.0.1), so that the
// figures show the protocol and not process start-up.
// Usage: fql_bench_net [docs]   (default 20000)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bench/bench_support.h"
#include "executor/database.h"
#include "net/client.h"
#include "net/server.h"

namespace {

namespace fs = std::filesystem;
using fqldb::Value;
using fqldb::bench::CompileQuery;
using Clock = std::chrono::steady_clock;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void Row(const char* label, double base, double ours, const char* unit) {
  std::printf("| %s | %.1f %s | %.1f %s | %.2fx |\n", label, base, unit, ours, unit, ours / base);
}

template <typename T>
T Must(fqldb::Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "bench: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

// Round trips of a raw DEALER -> ROUTER echo, one at a time.
std::vector<double> RawRoundTrips(int n, size_t bytes) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:0");
  std::string ep = router.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    router.set(zmq::sockopt::rcvtimeo, 100);
    while (!stop.load()) {
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(router, std::back_inserter(parts))) continue;
      zmq::send_multipart(router, parts);
    }
  });
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(ep);
  std::string payload(bytes, 'x');
  std::vector<double> out;
  for (int i = 0; i < n + 100; ++i) {
    auto start = Clock::now();
    std::vector<zmq::const_buffer> req = {zmq::buffer(payload)};
    zmq::send_multipart(dealer, req);
    std::vector<zmq::message_t> reply;
    (void)zmq::recv_multipart(dealer, std::back_inserter(reply));
    if (i >= 100) out.push_back(Us(Clock::now() - start));
  }
  stop.store(true);
  echo.join();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int docs = argc > 1 ? std::atoi(argv[1]) : 20000;
  fs::path root = fs::temp_directory_path() / ("fql-bench-net-" + std::to_string(getpid()));
  fs::remove_all(root);
  fqldb::executor::DatabaseOptions dbo;
  dbo.sync = false;
  auto db = Must(fqldb::executor::Database::Open(root.string(), dbo));
  fqldb::net::ServerOptions so;
  so.listen = "tcp://127.0.0.1:0";
  so.workers = 4;
  auto server = Must(fqldb::net::Server::Start(db.get(), so));
  auto client = Must(fqldb::net::Client::Connect(server->endpoint()));
  fqldb::net::RequestOptions ro;
  auto run = [&](fqldb::net::Client& c, const std::string& text) {
    auto s = Must(c.Run(text, ro, [](const fqldb::net::Reply&) {}));
    if (s.failed != 0) {
      std::fprintf(stderr, "bench: a query failed: %s\n", text.c_str());
      std::exit(1);
    }
  };
  std::printf("| operation | baseline | through a node | ratio |\n|---|---:|---:|---:|\n");

  // 1. Round trips: the request and reply of "1" are about 60 bytes each.
  const int trips = 5000;
  std::vector<double> raw = RawRoundTrips(trips, 60);
  std::vector<double> ours;
  for (int i = 0; i < trips + 100; ++i) {
    auto start = Clock::now();
    run(*client, "1");
    if (i >= 100) ours.push_back(Us(Clock::now() - start));
  }
  Row("round trip p50 (raw ZeroMQ echo vs a query of `1`)", Percentile(raw, 0.5),
      Percentile(ours, 0.5), "µs");
  Row("round trip p99", Percentile(raw, 0.99), Percentile(ours, 0.99), "µs");

  // 2. Get by ref, embedded against through the node.
  run(*client, "CreateCollection({name: 'bench'})");
  for (int i = 0; i < docs;) {
    std::string q = "Foreach([";
    for (int k = 0; k < 500 && i < docs; ++k, ++i) q += (k ? "," : "") + std::to_string(i);
    q += "], i => Create(Ref(Collection('bench'), ToString(i)), {data: {i: i, s: 'payload'}}))";
    run(*client, q);
  }
  std::mt19937 rng(1);
  auto get = CompileQuery("Get(Ref(Collection('bench'), id))", {"id"});
  const int gets = 5000;
  std::vector<double> embedded, remote;
  for (int i = 0; i < gets; ++i) {
    std::string id = std::to_string(rng() % docs);
    auto start = Clock::now();
    Must(db->Execute(get, {Value::String(id)}, {}));
    embedded.push_back(Us(Clock::now() - start));
  }
  for (int i = 0; i < gets; ++i) {
    std::string q = "Get(Ref(Collection('bench'), '" + std::to_string(rng() % docs) + "'))";
    auto start = Clock::now();
    run(*client, q);
    remote.push_back(Us(Clock::now() - start));
  }
  Row("Get by ref p50 (embedded Execute vs a request)", Percentile(embedded, 0.5),
      Percentile(remote, 0.5), "µs");

  // 3. Create throughput, 4 writers each way.
  constexpr int kWriters = 4, kEach = 1000;
  auto creates = CompileQuery("Create(Collection('bench'), {data: {i: 1}})");
  auto throughput = [&](auto&& write) {
    auto start = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < kWriters; ++t) ts.emplace_back([&, t] { write(t); });
    for (auto& t : ts) t.join();
    return kWriters * kEach / std::chrono::duration<double>(Clock::now() - start).count();
  };
  double emb = throughput([&](int) {
    for (int i = 0; i < kEach; ++i) Must(db->Execute(creates, {}, {}));
  });
  double net = throughput([&](int) {
    auto c = Must(fqldb::net::Client::Connect(server->endpoint()));
    for (int i = 0; i < kEach; ++i) run(*c, "Create(Collection('bench'), {data: {i: 1}})");
  });
  std::printf("| Create, %d writers (async durability) | %.0f /s embedded | %.0f /s | %.2fx |\n",
              kWriters, emb, net, net / emb);
  server->Stop();
  server.reset();
  db.reset();
  fs::remove_all(root);
  return 0;
}
