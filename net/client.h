#pragma once

// The C++ client library for the client protocol (net/protocol.h): sends
// FQL text to a node and streams back each query's rendered result.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "net/protocol.h"

namespace fqldb::net {

struct ClientOptions {
  // How long to wait for the node to accept a request (the connection to
  // come up) before the request fails as unavailable.
  std::chrono::milliseconds connect_timeout{5000};
  // Added to the request's per-query timeout: how long the client waits
  // between two replies before it gives up on the node.
  std::chrono::milliseconds grace{5000};
};

// One connection to a node. Not thread-safe: use one Client per thread.
class Client {
 public:
  struct Summary {
    size_t queries = 0;
    size_t failed = 0;
  };

  // Prepares a connection to `endpoint` (e.g. "tcp://127.0.0.1:7000").
  // ZeroMQ connects in the background, so a node that is down shows on the
  // first Run. Errors: kInvalidArgument for an endpoint ZeroMQ rejects.
  static Result<std::unique_ptr<Client>> Connect(const std::string& endpoint,
                                                 ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& endpoint() const;

  // Sends `text` (one or more queries) and calls `on_result` with each
  // query's result as it arrives, in order (and with the node's error
  // reply, if the request failed there). Returns the counts; the
  // request's error (its code, with the node's rendering as description:
  // a syntax error, an unknown database, a busy node); kUnavailable naming
  // the endpoint when the node does not accept the request within
  // connect_timeout, sends no first reply within twice the query timeout
  // plus grace (the node refuses requests that waited in its queue past
  // their timeout, so one given up on this way never runs later), or goes
  // quiet between replies for longer than the timeout plus grace; kCancelled when `*cancel` becomes
  // true (the node is sent a cancel: its running query answers "cancelled",
  // and that result still reaches on_result if it comes within grace).
  // After an unavailable request, or a cancel the node did not confirm
  // within grace, the connection is made afresh, so a request the node
  // never took is dropped rather than run later.
  Result<Summary> Run(std::string_view text, const RequestOptions& options,
                      const std::function<void(const Reply&)>& on_result,
                      const std::atomic<bool>* cancel = nullptr);

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fqldb::net
