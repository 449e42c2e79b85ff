#include "compiler/frontend/internal/parse_errors.h"

namespace fqldb::frontend::internal {

namespace {

std::string Describe(antlr4::Token* tok) {
  if (!tok) return "input";
  if (tok->getType() == antlr4::Token::EOF) return "end of input";
  std::string t = tok->getText();
  if (t.size() > 40) t = t.substr(0, 37) + "...";
  return "'" + t + "'";
}

}  // namespace

void ErrorCollector::syntaxError(antlr4::Recognizer* /*recognizer*/, antlr4::Token* offending,
                                 size_t line, size_t column, const std::string& msg,
                                 std::exception_ptr /*e*/) {
  std::string text;
  size_t exp = msg.find(" expecting ");
  std::string expecting = exp == std::string::npos ? "" : msg.substr(exp + 11);
  if (msg.rfind("missing ", 0) == 0) {
    size_t at = msg.find(" at ");
    text = "missing " + msg.substr(8, at == std::string::npos ? std::string::npos : at - 8) +
           " before " + Describe(offending);
  } else if (offending) {
    text = "unexpected " + Describe(offending);
    if (!expecting.empty() && expecting.size() <= 40) text += ", expecting " + expecting;
  } else {
    text = msg;
  }
  Status st(ErrorCode::kInvalidSyntax, text);
  st.AtSource(SourcePos{static_cast<int>(line), static_cast<int>(column) + 1});
  errors_.push_back(std::move(st));
  if (errors_.size() >= kMaxErrors) {
    Status stop(ErrorCode::kInvalidSyntax, "too many syntax errors; stopped here");
    stop.AtSource(SourcePos{static_cast<int>(line), static_cast<int>(column) + 1});
    errors_.push_back(std::move(stop));
    throw antlr4::ParseCancellationException("too many errors");
  }
}

}  // namespace fqldb::frontend::internal
