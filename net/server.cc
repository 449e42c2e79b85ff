#include "net/server.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "executor/database.h"
#include "executor/session.h"
#include "net/internal/zmq_util.h"
#include "net/protocol.h"

namespace fqldb::net {

namespace {

struct Job {
  std::string identity;  // the ROUTER's routing frame for the client
  Request request;
  std::chrono::steady_clock::time_point queued;
  size_t bytes = 0;  // the request's size, counted against max_queued_bytes
  // Set by the client's cancel message or by Stop; the running query
  // polls it.
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
};

using JobKey = std::pair<std::string, std::string>;  // client identity, request id

}  // namespace

struct Server::Impl {
  executor::Database* db = nullptr;
  ServerOptions options;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t replies{ctx, zmq::socket_type::pull};  // workers' replies, to forward
  std::string replies_endpoint;
  std::string endpoint;
  std::atomic<bool> stopping{false};  // workers: cancel and finish
  std::atomic<bool> io_done{false};   // the io thread: stop (after the workers)
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;    // guarded by mu
  size_t queued_bytes = 0;  // guarded by mu
  std::map<JobKey, std::shared_ptr<std::atomic<bool>>> live;  // queued or running; guarded by mu
  std::thread io;
  std::vector<std::thread> workers;
  std::once_flag stopped;

  void IoLoop();
  void Work();
  void Serve(zmq::socket_t& out, const Job& job);
  void Send(zmq::socket_t& out, const std::string& identity, const Reply& reply);
  // An `error` reply to `job`, rendered in its format.
  void Refuse(zmq::socket_t& out, const Job& job, const Status& why);
  // Why a job just popped must not run, if it must not.
  std::optional<Status> WhyNotRun(const Job& job) const;
  // Forgets a finished job (unless its id has been reused since).
  void Finished(const Job& job) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = live.find(JobKey{job.identity, job.request.id});
    if (it != live.end() && it->second == job.cancel) live.erase(it);
  }
};

void Server::Impl::Refuse(zmq::socket_t& out, const Job& job, const Status& why) {
  Reply r;
  r.id = job.request.id;
  r.kind = ReplyKind::kError;
  r.code = why.code();
  r.rendered = executor::FormatError(why, job.request.options.format, "");
  Send(out, job.identity, r);
}

std::optional<Status> Server::Impl::WhyNotRun(const Job& job) const {
  // Stop sets every queued job's flag, so a set flag is the client's cancel
  // or the node stopping.
  if (job.cancel->load()) {
    return stopping.load()
               ? Status(ErrorCode::kUnavailable, "node stopping; the request did not run.")
               : Status(ErrorCode::kCancelled, "Cancelled by the client before it ran.");
  }
  // A request that waited longer than its timeout is not started: its
  // client may have given up (it waits twice the timeout for a first
  // reply), and a write it no longer waits for must not commit.
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - job.queued);
  if (waited > job.request.options.timeout) {
    return Status(ErrorCode::kUnavailable,
                  "node busy: the request waited " + std::to_string(waited.count()) +
                      " ms for a worker, past its timeout; it did not run.");
  }
  return std::nullopt;
}

void Server::Impl::Send(zmq::socket_t& out, const std::string& identity, const Reply& reply) {
  std::vector<std::string> frames = EncodeReply(reply);
  frames.insert(frames.begin(), identity);
  internal::SendFrames(out, frames);
}

void Server::Impl::IoLoop() {
  // Runs until the workers have been joined, so that their last replies
  // (cancelled queries, refused jobs) still reach the clients.
  while (!io_done.load()) {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {replies.handle(), 0, ZMQ_POLLIN, 0}};
    if (!internal::Poll(items, 2, std::chrono::milliseconds(100))) continue;
    if (items[1].revents & ZMQ_POLLIN) {
      std::vector<std::string> frames;
      // A reply for a client that has gone is dropped by the ROUTER.
      if (internal::RecvFrames(replies, &frames)) internal::SendFrames(router, frames);
    }
    if (items[0].revents & ZMQ_POLLIN) {
      std::vector<std::string> frames;
      if (!internal::RecvFrames(router, &frames) || frames.empty()) continue;
      std::string identity = std::move(frames.front());
      frames.erase(frames.begin());
      std::string id;
      if (IsCancel(frames, &id)) {
        std::lock_guard<std::mutex> lock(mu);
        auto it = live.find(JobKey{identity, id});
        if (it != live.end()) it->second->store(true);
        continue;  // a cancel has no reply of its own
      }
      Result<Request> request = DecodeRequest(frames, &id);
      Reply refusal;
      refusal.kind = ReplyKind::kError;
      refusal.id = id;
      if (!request.ok()) {
        refusal.code = request.status().code();
        refusal.rendered =
            executor::FormatError(request.status(), executor::OutputFormat::kFql, "");
        Send(router, identity, refusal);
        continue;
      }
      Job job{std::move(identity), std::move(request).value(), std::chrono::steady_clock::now(), 0};
      job.bytes = job.request.text.size() + job.request.id.size() + 64;
      std::unique_lock<std::mutex> lock(mu);
      if (stopping.load() || queue.size() >= options.max_queued ||
          queued_bytes + job.bytes > options.max_queued_bytes) {
        lock.unlock();
        Refuse(
            router, job,
            Status(ErrorCode::kUnavailable,
                   stopping.load() ? "node stopping."
                                   : "node busy: too many requests are waiting; try again later."));
        continue;
      }
      JobKey key{job.identity, job.request.id};
      if (live.count(key) != 0) {
        // A cancel names its request by id: two in flight would be ambiguous.
        lock.unlock();
        Refuse(router, job,
               Status(ErrorCode::kInvalidArgument,
                      "a request with this id is still queued or running on this connection; "
                      "use a new id for each request in flight."));
        continue;
      }
      queued_bytes += job.bytes;
      live[std::move(key)] = job.cancel;
      queue.push_back(std::move(job));
      lock.unlock();
      cv.notify_one();
    }
  }
  // The workers are joined: forward what they sent last. A non-blocking
  // read can miss a message ZeroMQ has not yet handed over, so poll until
  // the pipe stays quiet.
  std::vector<std::string> frames;
  zmq::pollitem_t last{replies.handle(), 0, ZMQ_POLLIN, 0};
  while (internal::Poll(&last, 1, std::chrono::milliseconds(100))) {
    while (internal::RecvFrames(replies, &frames)) internal::SendFrames(router, frames);
  }
}

void Server::Impl::Serve(zmq::socket_t& out, const Job& job) {
  const Request& req = job.request;
  const executor::OutputFormat format = req.options.format;
  Reply fail;
  fail.id = req.id;
  fail.kind = ReplyKind::kError;
  executor::SessionOptions so;
  so.timeout = req.options.timeout;
  so.cancel = job.cancel.get();
  so.database = db;
  so.explain = req.options.explain;
  so.jit = options.jit;
  if (!req.options.database.empty()) {
    Result<uint64_t> uid = db->ResolveDatabase(req.options.database);
    if (!uid.ok()) {
      fail.code = uid.status().code();
      fail.rendered = executor::FormatError(uid.status(), format, "");
      Send(out, job.identity, fail);
      return;
    }
    so.db = *uid;
  }
  executor::Session session(so);
  executor::ScriptSummary summary =
      session.RunScript(req.text, [&](const executor::QueryOutcome& q) {
        Reply r;
        r.id = req.id;
        r.kind = ReplyKind::kResult;
        r.index = q.index;
        r.ok = q.result.ok();
        r.rendered = executor::FormatResult(q.result, format, req.text);
        r.explain = q.explain;
        Send(out, job.identity, r);
        if (job.cancel->load()) return false;  // cancelled, or the node stops: no more queries
        return r.ok || !req.options.stop_on_error;
      });
  if (!summary.syntax_errors.empty()) {
    fail.code = ErrorCode::kInvalidSyntax;
    fail.rendered = executor::FormatErrors(summary.syntax_errors, format, req.text);
    Send(out, job.identity, fail);
    return;
  }
  Reply done;
  done.id = req.id;
  done.kind = ReplyKind::kDone;
  done.queries = summary.queries;
  done.failed = summary.failed;
  Send(out, job.identity, done);
}

void Server::Impl::Work() {
  zmq::socket_t out(ctx, zmq::socket_type::push);
  // Its last replies may still be in the pipe when the worker ends: let
  // them through (the io thread reads until after the workers are joined).
  out.set(zmq::sockopt::linger, 1000);
  out.connect(replies_endpoint);
  while (true) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return stopping.load() || !queue.empty(); });
    if (queue.empty()) return;  // stopping, and nothing left to answer
    Job job = std::move(queue.front());
    queue.pop_front();
    queued_bytes -= job.bytes;
    lock.unlock();
    std::optional<Status> refusal = WhyNotRun(job);
    if (refusal) {
      Refuse(out, job, *refusal);
    } else {
      Serve(out, job);
    }
    Finished(job);
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

const std::string& Server::endpoint() const { return impl_->endpoint; }

Result<std::unique_ptr<Server>> Server::Start(executor::Database* db,
                                              const ServerOptions& options) {
  if (db == nullptr || options.workers < 1 || options.workers > 256 || options.max_queued == 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "a node needs a database, 1 to 256 workers and a queue");
  }
  auto impl = std::make_unique<Impl>();
  impl->db = db;
  impl->options = options;
  Status bound = internal::Guard("cannot listen on " + options.listen, [&] {
    impl->router.set(zmq::sockopt::linger, 0);
    impl->router.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
    // No limit on replies waiting for a slow client: at the default limit
    // (1,000 messages) a ROUTER drops the rest, and the client would miss
    // results. What waits is bounded by what that client asked for.
    impl->router.set(zmq::sockopt::sndhwm, 0);
    impl->router.bind(options.listen);
    impl->endpoint = impl->router.get(zmq::sockopt::last_endpoint);
    impl->replies_endpoint = "inproc://fqldb-replies";
    impl->replies.set(zmq::sockopt::linger, 0);
    impl->replies.bind(impl->replies_endpoint);
  });
  FQL_RETURN_IF_ERROR(bound);
  Impl* self = impl.get();
  for (int i = 0; i < options.workers; ++i) impl->workers.emplace_back([self] { self->Work(); });
  impl->io = std::thread([self] { self->IoLoop(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Stop() {
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->stopping.store(true);
      for (auto& [key, cancel] : impl_->live) cancel->store(true);
    }
    impl_->cv.notify_all();
    for (std::thread& w : impl_->workers) w.join();
    impl_->io_done.store(true);
    impl_->io.join();
    // Give the last replies up to a second to reach their clients when
    // the sockets close (the io thread, their only user, has ended).
    internal::Guard("linger", [&] { impl_->router.set(zmq::sockopt::linger, 1000); });
  });
}

}  // namespace fqldb::net
