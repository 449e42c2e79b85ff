#include "common/status.h"

#include <cstdio>
#include <cstdlib>

namespace fqldb {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kInvalidExpression: return "invalid expression";
    case ErrorCode::kInvalidType: return "invalid type";
    case ErrorCode::kValueNotFound: return "value not found";
    case ErrorCode::kInstanceNotFound: return "instance not found";
    case ErrorCode::kInstanceAlreadyExists: return "instance already exists";
    case ErrorCode::kInstanceNotUnique: return "instance not unique";
    case ErrorCode::kInvalidRef: return "invalid ref";
    case ErrorCode::kValidationFailed: return "validation failed";
    case ErrorCode::kCallError: return "call error";
    case ErrorCode::kContendedTransaction: return "contended transaction";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kTransactionAborted: return "transaction aborted";
    case ErrorCode::kStackOverflow: return "stack overflow";
    case ErrorCode::kInvalidSyntax: return "invalid syntax";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kTimeout: return "time out";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal server error";
    case ErrorCode::kIo: return "io error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s = std::string(ErrorCodeName(code())) + ": " + description();
  if (has_source_pos()) {
    s += " at " + std::to_string(source_pos().line) + ":" + std::to_string(source_pos().column);
  }
  return s;
}

namespace internal_check {
void Fail(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "fqldb: internal check failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace internal_check

}  // namespace fqldb
