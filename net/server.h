#pragma once

// A node's client endpoint: serves the client protocol (net/protocol.h) on
// a ZeroMQ ROUTER socket, running each request's queries on an embedded
// Database with a pool of worker threads.
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "executor/interpreter.h"

namespace fqldb::executor {
class Database;
}

namespace fqldb::net {

struct ServerOptions {
  // Where to listen, e.g. "tcp://127.0.0.1:0" (port 0: any free port).
  std::string listen;
  // Requests run at once; more wait in a queue.
  int workers = 4;
  // Requests waiting beyond these are answered "unavailable: node busy";
  // so is one that waited in the queue longer than its own timeout.
  size_t max_queued = 1024;
  size_t max_queued_bytes = size_t{256} << 20;
  // Larger request messages drop the client's connection (ZeroMQ's limit).
  int64_t max_message_bytes = int64_t{16} << 20;
  executor::JitMode jit = executor::JitMode::kAuto;
};

// Thread-safe to Stop from any thread. A request's queries run as in
// `fqldb run`: each is one transaction, with the request's timeout; a
// request's results stream back as each query finishes.
class Server {
 public:
  // Binds options.listen and starts serving `db` (not owned; it must
  // outlive the server). Errors: kUnavailable when the endpoint cannot be
  // bound (in use, bad address), kInvalidArgument for bad options.
  static Result<std::unique_ptr<Server>> Start(executor::Database* db,
                                               const ServerOptions& options);
  ~Server();  // Stops.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound endpoint, with the port ZeroMQ chose for port 0.
  const std::string& endpoint() const;

  // Stops taking requests: the queries running are cancelled (they answer
  // "cancelled", and their requests end there), requests still queued are
  // answered "unavailable: node stopping", and the threads are joined.
  // Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fqldb::net
