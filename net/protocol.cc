#include "net/protocol.h"

#include <charconv>

namespace fqldb::net {

namespace {

Status Bad(std::string what) { return Status(ErrorCode::kInvalidArgument, std::move(what)); }

bool ParseCount(std::string_view s, size_t* out) {
  if (s.empty() || s.size() > 19) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseBool(std::string_view s, bool* out) {
  if (s != "true" && s != "false") return false;
  *out = s == "true";
  return true;
}

// The code whose wire name is `name`; kInternal for names this build lacks.
ErrorCode CodeNamed(std::string_view name) {
  for (int c = static_cast<int>(ErrorCode::kOk); c <= static_cast<int>(ErrorCode::kIo); ++c) {
    if (name == ErrorCodeName(static_cast<ErrorCode>(c))) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::kInternal;
}

}  // namespace

std::string EncodeOptions(const RequestOptions& o) {
  std::string out = o.format == executor::OutputFormat::kJson ? "format=json\n" : "format=fql\n";
  if (!o.database.empty()) out += "database=" + o.database + "\n";
  out += "timeout_ms=" + std::to_string(o.timeout.count()) + "\n";
  if (o.stop_on_error) out += "stop_on_error=true\n";
  if (o.explain) out += "explain=true\n";
  return out;
}

Result<RequestOptions> DecodeOptions(std::string_view text) {
  RequestOptions o;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    auto bad = [&](const std::string& why) {
      return Bad("options line " + std::to_string(line_no) + ": " + why);
    };
    if (eq == std::string_view::npos) return bad("expected key=value");
    std::string_view key = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    if (key == "format") {
      if (value == "fql") {
        o.format = executor::OutputFormat::kFql;
      } else if (value == "json") {
        o.format = executor::OutputFormat::kJson;
      } else {
        return bad("format must be fql or json");
      }
    } else if (key == "database") {
      if (value.empty()) return bad("database needs a name");
      o.database = std::string(value);
    } else if (key == "timeout_ms") {
      size_t ms = 0;
      if (!ParseCount(value, &ms) || ms == 0 || ms > static_cast<size_t>(kMaxTimeoutMs)) {
        return bad("timeout_ms must be a number of milliseconds from 1 to 86400000");
      }
      o.timeout = std::chrono::milliseconds(ms);
    } else if (key == "stop_on_error") {
      if (!ParseBool(value, &o.stop_on_error)) return bad("stop_on_error must be true or false");
    } else if (key == "explain") {
      if (!ParseBool(value, &o.explain)) return bad("explain must be true or false");
    } else {
      // Shown as text: the key may hold any bytes.
      std::string shown(key.substr(0, 40));
      for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
      }
      return bad("unknown option '" + shown + "'");
    }
  }
  return o;
}

std::vector<std::string> EncodeRequest(const Request& r) {
  return {std::string(kProtocol), r.id, EncodeOptions(r.options), r.text};
}

Result<Request> DecodeRequest(const std::vector<std::string>& frames, std::string* id) {
  id->clear();
  if (frames.size() >= 2 && !frames[1].empty() && frames[1].size() <= kMaxRequestIdBytes) {
    *id = frames[1];  // echoed in the error reply, whatever else is wrong
  }
  if (frames.empty() || frames[0] != kProtocol) {
    return Bad("not an fqldb/1 request: the first frame must be \"fqldb/1\"");
  }
  if (frames.size() != 4) {
    return Bad("an fqldb/1 request has 4 frames (protocol, id, options, text), not " +
               std::to_string(frames.size()));
  }
  if (frames[1].empty() || frames[1].size() > kMaxRequestIdBytes) {
    return Bad("a request id has 1 to 255 bytes");
  }
  Request r;
  r.id = frames[1];
  FQL_ASSIGN_OR_RETURN(r.options, DecodeOptions(frames[2]));
  r.text = frames[3];
  return r;
}

std::vector<std::string> EncodeCancel(const std::string& id) {
  return {std::string(kProtocol), id, "cancel"};
}

bool IsCancel(const std::vector<std::string>& frames, std::string* id) {
  if (frames.size() != 3 || frames[0] != kProtocol || frames[2] != "cancel") return false;
  *id = frames[1];
  return true;
}

std::vector<std::string> EncodeReply(const Reply& r) {
  std::vector<std::string> f = {std::string(kProtocol), r.id};
  switch (r.kind) {
    case ReplyKind::kResult:
      f.insert(f.end(),
               {"result", std::to_string(r.index), r.ok ? "ok" : "error", r.rendered, r.explain});
      break;
    case ReplyKind::kDone:
      f.insert(f.end(), {"done", std::to_string(r.queries), std::to_string(r.failed)});
      break;
    case ReplyKind::kError:
      f.insert(f.end(), {"error", ErrorCodeName(r.code), r.rendered});
      break;
  }
  return f;
}

Result<Reply> DecodeReply(const std::vector<std::string>& f) {
  if (f.size() < 3 || f[0] != kProtocol) return Bad("not an fqldb/1 reply");
  Reply r;
  r.id = f[1];
  if (f[2] == "result" && f.size() == 7 && ParseCount(f[3], &r.index) &&
      (f[4] == "ok" || f[4] == "error")) {
    r.kind = ReplyKind::kResult;
    r.ok = f[4] == "ok";
    r.rendered = f[5];
    r.explain = f[6];
    return r;
  }
  if (f[2] == "done" && f.size() == 5 && ParseCount(f[3], &r.queries) &&
      ParseCount(f[4], &r.failed)) {
    r.kind = ReplyKind::kDone;
    return r;
  }
  if (f[2] == "error" && f.size() == 5) {
    r.kind = ReplyKind::kError;
    r.code = CodeNamed(f[3]);
    r.ok = false;
    r.rendered = f[4];
    return r;
  }
  return Bad("malformed fqldb/1 reply");
}

}  // namespace fqldb::net
