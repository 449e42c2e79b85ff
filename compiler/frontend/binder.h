#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compiler/frontend/bound_tree.h"
#include "compiler/frontend/parser.h"

namespace fqldb::frontend {

struct BindOptions {
  // Names visible to the query as variables, bound by the caller at run time
  // (slots 0..n-1 of the root frame, in this order).
  std::vector<std::string> params;
};

// Binds one parsed top-level query: resolves each function against the
// builtin catalog, checks arity, resolves Var and bare identifiers to frame
// slots, and turns Let/Lambda/arrows into scoped nodes. Nothing runs.
// Errors (kInvalidExpression with line:col): unknown function (with a
// "did you mean"), wrong number of arguments, unbound variable, malformed
// Let/Lambda/Var; kUnsupported for functions that need stored data.
// Thread-safe; the result is immutable.
Result<std::shared_ptr<const BoundQuery>> Bind(const AstNode& query, const BindOptions& options = {});

}  // namespace fqldb::frontend
