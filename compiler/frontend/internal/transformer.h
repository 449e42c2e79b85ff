#pragma once

#include <vector>

#include "FQLParser.h"
#include "common/status.h"
#include "compiler/frontend/parser.h"

namespace fqldb::frontend::internal {

// Turns a parse tree that parsed without errors into the AST: one function
// per grammar alternative, each returning the node it builds. Literal errors
// (bad escapes, out-of-range numbers) are collected in errors().
class Transformer {
 public:
  std::unique_ptr<Script> TransformScript(grammar::FQLParser::ScriptContext* ctx);
  std::vector<Status>& errors() { return errors_; }

 private:
  AstPtr TransformExpr(grammar::FQLParser::ExprContext* ctx);
  AstPtr TransformArrow(grammar::FQLParser::ArrowContext* ctx);
  AstPtr TransformCall(grammar::FQLParser::CallContext* ctx);
  AstPtr TransformArray(grammar::FQLParser::ArrayLitContext* ctx);
  AstPtr TransformObject(grammar::FQLParser::ObjectLitContext* ctx);
  AstPtr TransformInt(grammar::FQLParser::IntLitContext* ctx);
  AstPtr TransformFloat(grammar::FQLParser::FloatLitContext* ctx);
  AstPtr TransformString(antlr4::tree::TerminalNode* tok);
  std::string TransformKey(grammar::FQLParser::KeyContext* ctx);

  // Decodes a quoted string token's escapes; records an error and returns "" on a bad one.
  std::string Unquote(antlr4::Token* tok);
  void Error(antlr4::Token* tok, std::string message);

  std::vector<Status> errors_;
};

SourcePos PosOf(antlr4::Token* tok);

}  // namespace fqldb::frontend::internal
