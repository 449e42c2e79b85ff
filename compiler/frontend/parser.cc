#include "compiler/frontend/parser.h"

#include "FQLLexer.h"
#include "FQLParser.h"
#include "common/text.h"
#include "compiler/frontend/internal/parse_errors.h"
#include "compiler/frontend/internal/transformer.h"

namespace fqldb::frontend {

namespace {

using grammar::FQLLexer;

SourcePos PosOfOffset(std::string_view text, size_t offset) {
  SourcePos pos{1, 1};
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      line_start = i + 1;
    }
  }
  pos.column = static_cast<int>(CountCodePoints(text.substr(line_start, offset - line_start))) + 1;
  return pos;
}

Status ErrorAt(ErrorCode code, std::string message, SourcePos pos) {
  Status st(code, std::move(message));
  st.AtSource(pos);
  return st;
}

// Reports stray characters and unterminated strings and comments before
// the parser sees the tokens.
void ScanTokens(const std::vector<antlr4::Token*>& tokens, std::vector<Status>* errors) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    antlr4::Token* t = tokens[i];
    SourcePos pos = internal::PosOf(t);
    if (t->getType() == FQLLexer::UNTERMINATED_STRING) {
      errors->push_back(ErrorAt(ErrorCode::kInvalidSyntax, "unterminated string literal", pos));
    } else if (t->getType() == FQLLexer::UNEXPECTED_CHAR) {
      bool comment = t->getText() == "/" && i + 1 < tokens.size() && tokens[i + 1]->getText() == "*";
      if (comment) {
        errors->push_back(ErrorAt(ErrorCode::kInvalidSyntax, "unterminated /* comment", pos));
        return;
      }
      errors->push_back(ErrorAt(ErrorCode::kInvalidSyntax, "unexpected character '" + t->getText() + "'", pos));
    }
    if (errors->size() >= internal::ErrorCollector::kMaxErrors) return;
  }
}

}  // namespace

ParseResult ParseScript(std::string_view text) {
  ParseResult result;
  if (text.size() > kMaxQueryBytes) {
    result.errors.push_back(ErrorAt(ErrorCode::kInvalidArgument,
                                    "query text is " + std::to_string(text.size()) +
                                        " bytes; the limit is " + std::to_string(kMaxQueryBytes),
                                    SourcePos{1, 1}));
    return result;
  }
  size_t bad = FindInvalidUtf8(text);
  if (bad != std::string_view::npos) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
    result.errors.push_back(ErrorAt(ErrorCode::kInvalidSyntax,
                                    std::string("invalid UTF-8 byte ") + hex + " in query text",
                                    PosOfOffset(text, bad)));
    return result;
  }
  antlr4::ANTLRInputStream input(std::string(text.data(), text.size()));
  FQLLexer lexer(&input);
  internal::ErrorCollector listener;
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  ScanTokens(tokens.getTokens(), &result.errors);
  if (!result.errors.empty()) return result;

  grammar::FQLParser parser(&tokens);
  parser.max_nesting_ = kMaxNesting;
  parser.removeErrorListeners();
  grammar::FQLParser::ScriptContext* tree = nullptr;
  // Two stages (ANTLR's advice for speed): SLL prediction, which bails at
  // the first syntax error, is exact for every text it accepts and several
  // times faster on nested calls; a text it rejects is parsed again with
  // full LL and the reporting listener, so errors read as they always did.
  auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    tree = parser.script();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (tree == nullptr && parser.too_deep_at_ == nullptr) {
    tokens.seek(0);
    parser.reset();
    parser.nesting_ = 0;
    sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    parser.addErrorListener(&listener);
    try {
      tree = parser.script();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
  }
  if (tree == nullptr) {
    // Thrown by the nesting guard in FQL.g4 or by the error cap in ErrorCollector.
    if (parser.too_deep_at_) {
      listener.errors().push_back(ErrorAt(
          ErrorCode::kStackOverflow,
          "query nests more than " + std::to_string(kMaxNesting) +
              " levels of expressions (brackets, calls and lambdas); flatten it or split it",
          internal::PosOf(parser.too_deep_at_)));
    }
  }
  if (!listener.errors().empty() || !tree) {
    result.errors = std::move(listener.errors());
    return result;
  }
  internal::Transformer transformer;
  result.script = transformer.TransformScript(tree);
  if (!transformer.errors().empty()) {
    result.script.reset();
    result.errors = std::move(transformer.errors());
  }
  return result;
}

std::string RenderDiagnostic(const Status& error, std::string_view text) {
  std::string out = "error: " + std::string(ErrorCodeName(error.code())) + ": " + error.description();
  if (!error.has_source_pos()) return out;
  SourcePos pos = error.source_pos();
  out += " at " + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  size_t start = 0;
  for (int line = 1; line < pos.line && start < text.size(); ++line) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return out;
    start = nl + 1;
  }
  size_t end = text.find('\n', start);
  std::string_view line = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > 200) return out;  // a caret under a huge line helps nobody
  out += "\n  " + std::string(line) + "\n  ";
  size_t offset = CodePointOffset(line, static_cast<size_t>(pos.column - 1));
  for (size_t i = 0; i < offset && i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    out += line[i] == '\t' ? '\t' : ' ';
  }
  out += "^";
  return out;
}

}  // namespace fqldb::frontend
