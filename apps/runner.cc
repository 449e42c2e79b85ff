#include "apps/runner.h"

#include <optional>

#include "net/client.h"

namespace fqldb::apps {

namespace {

class LocalRunner : public ScriptRunner {
 public:
  LocalRunner(const CliOptions& options, const std::atomic<bool>* cancel)
      : session_([&] {
          executor::SessionOptions so = SessionOptionsFor(options);
          so.cancel = cancel;
          return so;
        }()) {}

  RunnerSummary Run(std::string_view text, executor::OutputFormat format, bool explain,
                    const std::function<bool(const RunnerOutcome&)>& on_query) override {
    session_.set_explain(explain);
    RunnerSummary out;
    executor::ScriptSummary s = session_.RunScript(text, [&](const executor::QueryOutcome& q) {
      RunnerOutcome o;
      o.ok = q.result.ok();
      o.rendered = executor::FormatResult(q.result, format, text);
      o.explain = q.explain;
      o.elapsed = q.elapsed;
      return on_query(o);
    });
    out.failed = s.failed;
    if (!s.syntax_errors.empty()) {
      out.request_failed = true;
      out.request_error = executor::FormatErrors(s.syntax_errors, format, text);
    }
    return out;
  }

 private:
  executor::Session session_;
};

class RemoteRunner : public ScriptRunner {
 public:
  RemoteRunner(std::unique_ptr<net::Client> client, const CliOptions& options,
               const std::atomic<bool>* cancel)
      : client_(std::move(client)), options_(options), cancel_(cancel) {}

  RunnerSummary Run(std::string_view text, executor::OutputFormat format, bool explain,
                    const std::function<bool(const RunnerOutcome&)>& on_query) override {
    net::RequestOptions ro;
    ro.format = format;
    ro.database = options_.database;
    ro.timeout = std::chrono::milliseconds(options_.timeout_ms);
    ro.stop_on_error = options_.stop_on_error;
    ro.explain = explain;
    RunnerSummary out;
    auto since = std::chrono::steady_clock::now();
    bool stopped = false;
    bool last_failed = false;
    std::optional<std::string> node_error;  // rendered by the node
    Result<net::Client::Summary> s = client_->Run(
        text, ro,
        [&](const net::Reply& r) {
          if (r.kind == net::ReplyKind::kError) {
            node_error = r.rendered;
            return;
          }
          auto now = std::chrono::steady_clock::now();
          RunnerOutcome o{r.ok, r.rendered, r.explain, now - since};
          since = now;
          if (!r.ok) ++out.failed;
          last_failed = !r.ok;
          if (!stopped) stopped = !on_query(o);
        },
        cancel_);
    // A cancel whose query already answered "cancelled" was reported by it,
    // as embedded; only a cancel the node did not confirm is reported here.
    bool reported = s.status().code() == ErrorCode::kCancelled && last_failed;
    if (!s.ok() && !reported) {
      out.request_failed = true;
      out.request_error = node_error ? *node_error : executor::FormatError(s.status(), format, "");
    }
    return out;
  }

 private:
  std::unique_ptr<net::Client> client_;
  CliOptions options_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

std::unique_ptr<ScriptRunner> MakeLocalRunner(const CliOptions& options,
                                              const std::atomic<bool>* cancel) {
  return std::make_unique<LocalRunner>(options, cancel);
}

Result<std::unique_ptr<ScriptRunner>> MakeRemoteRunner(const CliOptions& options,
                                                       const std::atomic<bool>* cancel) {
  FQL_ASSIGN_OR_RETURN(auto client, net::Client::Connect(options.connect));
  return std::unique_ptr<ScriptRunner>(new RemoteRunner(std::move(client), options, cancel));
}

}  // namespace fqldb::apps
