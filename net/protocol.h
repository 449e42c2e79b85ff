#pragma once

// The client protocol, version 1: the frames a client and a node exchange
// over ZeroMQ (the README's "Client protocol" section is the reference for
// other languages). Pure data and codecs: no sockets, no ZeroMQ headers.
//
// A client sends, on a DEALER socket to a node's ROUTER, one multipart
// message per request:
//   "fqldb/1" | request id | options | FQL text
// The node answers with one message per query of the text, in order, then
// one final message:
//   "fqldb/1" | id | "result" | index | "ok" or "error" | rendered | explain
//   "fqldb/1" | id | "done" | queries run | queries failed
//   "fqldb/1" | id | "error" | Fauna error code | rendered     (final)
// "error" is the whole request failing before any query ran: frames that do
// not parse, an unknown database, a syntax error, a busy node.
// While a request is queued or running, the client may send
//   "fqldb/1" | id | "cancel"
// on the same connection: the running query answers "cancelled" and the
// request ends with "done"; a queued one ends with an "error" (cancelled).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "executor/session.h"

namespace fqldb::net {

inline constexpr std::string_view kProtocol = "fqldb/1";
inline constexpr size_t kMaxRequestIdBytes = 255;
inline constexpr long kMaxTimeoutMs = 86400000;  // a day, as the CLI's --timeout

// How the node runs a request and renders its results. On the wire, the
// options frame holds "key=value" lines (any of them may be left out):
//   format=fql|json  database=NAME (a/b nested)  timeout_ms=N
//   stop_on_error=true|false  explain=true|false
struct RequestOptions {
  executor::OutputFormat format = executor::OutputFormat::kFql;
  std::string database;                      // "" = the node's top-level database
  std::chrono::milliseconds timeout{60000};  // per query
  bool stop_on_error = false;
  bool explain = false;
};

struct Request {
  std::string id;  // 1..kMaxRequestIdBytes bytes, echoed in every reply
  RequestOptions options;
  std::string text;  // one or more FQL queries, as `fqldb run` takes them
};

enum class ReplyKind { kResult, kDone, kError };

struct Reply {
  std::string id;
  ReplyKind kind = ReplyKind::kResult;
  // kResult: the query's 0-based index in the text, whether it succeeded,
  // its rendering (as `fqldb run` prints it) and its explain report.
  size_t index = 0;
  bool ok = true;
  std::string rendered;
  std::string explain;
  // kDone: the counts. kError: the code (and `rendered`).
  size_t queries = 0;
  size_t failed = 0;
  ErrorCode code = ErrorCode::kOk;
};

// Encodes a request's frames (without any routing envelope).
std::vector<std::string> EncodeRequest(const Request& request);

// Decodes a request's frames. Errors: kInvalidArgument saying what is wrong;
// `*id` receives frame 1 whenever it can be an id (1..255 bytes), even when
// other frames are wrong, so that the error can be answered under it.
Result<Request> DecodeRequest(const std::vector<std::string>& frames, std::string* id);

// A cancel message for the request `id`.
std::vector<std::string> EncodeCancel(const std::string& id);

// True when `frames` are a cancel message; `*id` is the request it names.
bool IsCancel(const std::vector<std::string>& frames, std::string* id);

std::vector<std::string> EncodeReply(const Reply& reply);

// Errors: kInvalidArgument for frames that are not a version 1 reply.
Result<Reply> DecodeReply(const std::vector<std::string>& frames);

// Renders options as the options frame's lines.
std::string EncodeOptions(const RequestOptions& options);

// Parses the options frame. Errors: kInvalidArgument naming the bad line.
Result<RequestOptions> DecodeOptions(std::string_view text);

}  // namespace fqldb::net
