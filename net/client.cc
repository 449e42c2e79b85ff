#include "net/client.h"

#include <optional>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "net/internal/zmq_util.h"

namespace fqldb::net {

struct Client::Impl {
  std::string endpoint;
  ClientOptions options;
  zmq::context_t ctx{1};
  std::optional<zmq::socket_t> socket;
  uint64_t next_id = 1;

  // A fresh DEALER: pending messages of the old one are dropped (linger 0).
  Status Reset() {
    socket.reset();
    return internal::Guard("cannot connect to " + endpoint, [&] {
      socket.emplace(ctx, zmq::socket_type::dealer);
      socket->set(zmq::sockopt::linger, 0);
      // Queue requests only on a live connection, so that a node that is
      // down fails the send instead of taking the request later.
      socket->set(zmq::sockopt::immediate, 1);
      socket->set(zmq::sockopt::sndtimeo, static_cast<int>(options.connect_timeout.count()));
      socket->connect(endpoint);
    });
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

const std::string& Client::endpoint() const { return impl_->endpoint; }

Result<std::unique_ptr<Client>> Client::Connect(const std::string& endpoint,
                                                ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->options = options;
  Status st = impl->Reset();
  if (!st.ok()) return Status(ErrorCode::kInvalidArgument, st.description());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<Client::Summary> Client::Run(std::string_view text, const RequestOptions& options,
                                    const std::function<void(const Reply&)>& on_result,
                                    const std::atomic<bool>* cancel) {
  Impl& c = *impl_;
  if (!c.socket) FQL_RETURN_IF_ERROR(c.Reset());
  Request req;
  req.id = "c" + std::to_string(c.next_id++);
  req.options = options;
  req.text = std::string(text);
  auto give_up = [&](Status why) -> Status {
    c.socket.reset();  // the next Run connects afresh
    return why;
  };
  if (!internal::SendFrames(*c.socket, EncodeRequest(req))) {
    return give_up(Status(ErrorCode::kUnavailable,
                          "cannot reach the node at " + c.endpoint + " within " +
                              std::to_string(c.options.connect_timeout.count()) + " ms."));
  }
  // Before the first reply the request may wait in the node's queue, up to
  // its timeout (the node refuses it after that), then run its first query.
  auto quiet_limit = 2 * options.timeout + c.options.grace;
  auto last = std::chrono::steady_clock::now();
  size_t next_index = 0;
  const Status cancelled(ErrorCode::kCancelled, "Cancelled.");
  std::optional<std::chrono::steady_clock::time_point> cancel_sent;
  while (true) {
    if (cancel && cancel->load() && !cancel_sent) {
      // Ask the node to stop the request, then wait a little for its end,
      // so that the connection is left with nothing in flight.
      if (!internal::SendFrames(*c.socket, EncodeCancel(req.id))) return give_up(cancelled);
      cancel_sent = std::chrono::steady_clock::now();
    }
    if (cancel_sent && std::chrono::steady_clock::now() - *cancel_sent > c.options.grace) {
      return give_up(cancelled);
    }
    zmq::pollitem_t item{c.socket->handle(), 0, ZMQ_POLLIN, 0};
    if (!internal::Poll(&item, 1, std::chrono::milliseconds(50))) {
      if (std::chrono::steady_clock::now() - last > quiet_limit) {
        return give_up(
            Status(ErrorCode::kUnavailable, "no reply from the node at " + c.endpoint + " within " +
                                                std::to_string(quiet_limit.count()) + " ms."));
      }
      continue;
    }
    std::vector<std::string> frames;
    if (!internal::RecvFrames(*c.socket, &frames)) continue;
    Result<Reply> reply = DecodeReply(frames);
    if (!reply.ok() || reply->id != req.id) continue;  // a stale or foreign reply
    last = std::chrono::steady_clock::now();
    quiet_limit = options.timeout + c.options.grace;
    switch (reply->kind) {
      case ReplyKind::kResult:
        if (reply->index != next_index++) {
          return give_up(Status(ErrorCode::kInternal,
                                "the node at " + c.endpoint + " sent results out of order."));
        }
        on_result(*reply);
        break;
      case ReplyKind::kDone:
        if (cancel_sent) return cancelled;
        return Summary{reply->queries, reply->failed};
      case ReplyKind::kError:
        if (cancel_sent) return cancelled;
        on_result(*reply);
        return Status(reply->code, reply->rendered);
    }
  }
}

}  // namespace fqldb::net
