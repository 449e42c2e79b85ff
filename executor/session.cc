#include "executor/session.h"

#include "common/text.h"
#include "common/time_codec.h"
#include "common/value_printer.h"
#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"
#include "executor/database.h"
#include "executor/explain.h"
#include "executor/interpreter.h"

namespace fqldb::executor {

Session::Session(SessionOptions options) : options_(options) {}

ScriptSummary Session::RunScript(std::string_view text,
                                 const std::function<bool(const QueryOutcome&)>& on_query) {
  ScriptSummary summary;
  frontend::ParseResult parsed = frontend::ParseScript(text);
  if (!parsed.ok()) {
    summary.syntax_errors = std::move(parsed.errors);
    return summary;
  }
  for (size_t i = 0; i < parsed.script->queries.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    QueryOutcome outcome;
    outcome.index = i;
    auto bound = frontend::Bind(*parsed.script->queries[i]);
    if (!bound.ok()) {
      outcome.result = bound.status();
    } else {
      RunOptions run;
      run.now = NowTimestamp();
      run.timeout = options_.timeout;
      run.cancel = options_.cancel;
      run.jit = options_.jit;
      ExplainLog log;
      jit::JitStats before;
      if (options_.explain) {
        run.explain = &log;
        before = JitStatistics();
      }
      outcome.result = options_.database ? options_.database->Execute(*bound, {}, run, options_.db)
                                         : Run(*bound, {}, run);
      if (options_.explain) {
        jit::JitStats after = JitStatistics();
        outcome.explain = RenderExplain(**bound, log, std::chrono::steady_clock::now() - start,
                                        after.compiles - before.compiles,
                                        after.compile_ms_total - before.compile_ms_total);
      }
    }
    outcome.elapsed = std::chrono::steady_clock::now() - start;
    ++summary.queries;
    if (!outcome.result.ok()) ++summary.failed;
    if (!on_query(outcome)) break;
  }
  return summary;
}

std::string FormatValue(const Value& v, OutputFormat format) {
  return format == OutputFormat::kJson ? ToWireJson(v) : ToFql(v);
}

namespace {

std::string PositionJson(const std::vector<PathElem>& position) {
  std::string out = "[";
  for (size_t i = 0; i < position.size(); ++i) {
    if (i) out += ",";
    if (const auto* s = std::get_if<std::string>(&position[i])) {
      AppendJsonString(*s, &out);
    } else {
      out += std::to_string(std::get<int64_t>(position[i]));
    }
  }
  return out + "]";
}

std::string ErrorJson(const Status& e) {
  std::string out = "{\"code\":";
  AppendJsonString(ErrorCodeName(e.code()), &out);
  out += ",\"description\":";
  AppendJsonString(e.description(), &out);
  out += ",\"position\":" + PositionJson(e.position());
  if (e.has_source_pos()) {
    out += ",\"line\":" + std::to_string(e.source_pos().line);
    out += ",\"column\":" + std::to_string(e.source_pos().column);
  }
  if (!e.cause().empty()) {
    out += ",\"cause\":[";
    for (size_t i = 0; i < e.cause().size(); ++i) out += (i ? "," : "") + ErrorJson(e.cause()[i]);
    out += "]";
  }
  return out + "}";
}

// The causes of a call error, indented under it. Their line:col point into
// the stored function's source, not the query, so no caret is drawn.
// A recursive function can nest causes deeply; the first few tell the story.
void AppendCauses(const Status& e, int depth, std::string* out) {
  constexpr int kMaxShown = 8;
  if (depth > kMaxShown && !e.cause().empty()) {
    int more = 0;
    for (const Status* c = &e; !c->cause().empty(); c = &c->cause().front()) ++more;
    *out += "\n" + std::string(2 * static_cast<size_t>(depth), ' ') + "... " + std::to_string(more) +
            " more nested cause(s)";
    return;
  }
  for (const Status& c : e.cause()) {
    *out += "\n" + std::string(2 * static_cast<size_t>(depth), ' ') + "caused by: " +
            ErrorCodeName(c.code()) + ": " + c.description();
    if (c.has_source_pos()) {
      *out += " at " + std::to_string(c.source_pos().line) + ":" + std::to_string(c.source_pos().column) +
              " of the function's body";
    }
    if (!c.position().empty()) *out += " (position " + PositionJson(c.position()) + ")";
    AppendCauses(c, depth + 1, out);
  }
}

}  // namespace

std::string FormatResult(const Result<Value>& result, OutputFormat format, std::string_view text) {
  return result.ok() ? FormatValue(*result, format) : FormatError(result.status(), format, text);
}

std::string FormatError(const Status& error, OutputFormat format, std::string_view text) {
  return FormatErrors({error}, format, text);
}

std::string FormatErrors(const std::vector<Status>& errors, OutputFormat format,
                         std::string_view text) {
  std::string out;
  if (format == OutputFormat::kJson) {
    out = "{\"errors\":[";
    for (size_t i = 0; i < errors.size(); ++i) out += (i ? "," : "") + ErrorJson(errors[i]);
    return out + "]}";
  }
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) out += "\n";
    out += frontend::RenderDiagnostic(errors[i], text);
    if (!errors[i].position().empty()) {
      size_t nl = out.find('\n', out.rfind("error: "));
      std::string pos = " (position " + PositionJson(errors[i].position()) + ")";
      if (nl == std::string::npos) {
        out += pos;
      } else {
        out.insert(nl, pos);
      }
    }
    AppendCauses(errors[i], 1, &out);
  }
  return out;
}

}  // namespace fqldb::executor
