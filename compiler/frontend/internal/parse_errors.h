#pragma once

#include <string>
#include <vector>

#include "antlr4-runtime.h"
#include "common/status.h"

namespace fqldb::frontend::internal {

// Collects ANTLR lexer and parser errors as Status values with line:col,
// rewriting ANTLR's messages into short ones ("unexpected ','"). This is the
// one place ANTLR errors become ours (STYLE rule 4).
class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  // After this many errors the parse is cancelled (error recovery on
  // garbage can otherwise report one error per token).
  static constexpr size_t kMaxErrors = 50;

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t column, const std::string& msg, std::exception_ptr e) override;

  std::vector<Status>& errors() { return errors_; }

 private:
  std::vector<Status> errors_;
};

}  // namespace fqldb::frontend::internal
