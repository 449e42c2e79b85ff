#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fqldb {

// Fauna's v4 error codes. Each has a fixed wire string (see ErrorCodeName).
enum class ErrorCode {
  kOk,
  kInvalidArgument,      // "invalid argument"
  kInvalidExpression,    // "invalid expression"
  kInvalidType,          // "invalid type"
  kValueNotFound,        // "value not found"
  kInstanceNotFound,     // "instance not found"
  kInstanceAlreadyExists,  // "instance already exists"
  kInstanceNotUnique,    // "instance not unique": a unique index would hold a duplicate
  kInvalidRef,           // "invalid ref": a ref to schema that does not exist
  kValidationFailed,     // "validation failed": bad schema or document parameters
  kCallError,            // "call error": an error inside a user-defined function
  kContendedTransaction,  // "contended transaction": conflicts outlasted the retries
  kUnavailable,          // "unavailable": storage or a node cannot serve the request
  kTransactionAborted,   // "transaction aborted"
  kStackOverflow,        // "stack overflow"
  kInvalidSyntax,        // "invalid syntax": text that does not parse
  kUnsupported,          // "unsupported": a real FQL function this build cannot run yet
  kTimeout,              // "time out": the query ran past its deadline
  kCancelled,            // "cancelled": the user interrupted the query
  kInternal,             // "internal server error"
  kIo,                   // "io error": files the CLI could not read
};

// Returns Fauna's wire string for `code`, e.g. "invalid argument".
const char* ErrorCodeName(ErrorCode code);

// One step of Fauna's error position path: a wire key or an array index.
using PathElem = std::variant<std::string, int64_t>;

// A position in query text. Lines and columns are 1-based; 0 means unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
};

// The outcome of a fallible operation: OK, or a Fauna error code with a
// description, the position path in the query and the line:col it points at.
// Cheap to copy when OK. Not thread-safe to mutate; safe to share const.
class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string description)
      : rep_(std::make_unique<Rep>(Rep{code, std::move(description), {}, {}, nullptr})) {}
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr || rep_->code == ErrorCode::kOk; }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  const std::string& description() const { return rep_ ? rep_->description : Empty().description; }
  const std::vector<PathElem>& position() const { return rep_ ? rep_->position : Empty().position; }
  const SourcePos& source_pos() const { return rep_ ? rep_->source_pos : Empty().source_pos; }
  bool has_source_pos() const { return source_pos().line > 0; }

  // Sets where the error happened, unless an inner frame already did.
  Status& AtSource(SourcePos pos) {
    if (!has_source_pos()) Mutable().source_pos = pos;
    return *this;
  }
  Status& WithPosition(std::vector<PathElem> position) {
    Mutable().position = std::move(position);
    return *this;
  }
  // The errors that caused this one (a `call error` holds the error raised
  // inside the function). Their positions are in the function's own text.
  Status& WithCause(std::vector<Status> cause) {
    Mutable().cause = std::make_shared<const std::vector<Status>>(std::move(cause));
    return *this;
  }
  const std::vector<Status>& cause() const {
    static const std::vector<Status> kNone;
    return rep_ && rep_->cause ? *rep_->cause : kNone;
  }

  // Renders "code: description at line:col".
  std::string ToString() const;

 private:
  // Only errors carry one: an OK status is a null pointer, so making,
  // moving and dropping the OK results of hot paths costs next to nothing.
  struct Rep {
    ErrorCode code = ErrorCode::kOk;
    std::string description;
    std::vector<PathElem> position;
    SourcePos source_pos;
    std::shared_ptr<const std::vector<Status>> cause;
  };
  static const Rep& Empty() {
    static const Rep kEmpty;
    return kEmpty;
  }
  Rep& Mutable() {
    if (!rep_) rep_ = std::make_unique<Rep>();
    return *rep_;
  }
  std::unique_ptr<Rep> rep_;
};

// Either a value or a non-OK Status (Arrow's Result<T>).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  Status& mutable_status() { return std::get<1>(v_); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  Status status_move() && { return std::get<1>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fqldb

#define FQL_CONCAT_INNER(a, b) a##b
#define FQL_CONCAT(a, b) FQL_CONCAT_INNER(a, b)

#define FQL_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::fqldb::Status _fql_st = (expr);        \
    if (!_fql_st.ok()) return _fql_st;       \
  } while (0)

#define FQL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status_move(); \
  lhs = std::move(tmp).value()

#define FQL_ASSIGN_OR_RETURN(lhs, expr) \
  FQL_ASSIGN_OR_RETURN_IMPL(FQL_CONCAT(_fql_res_, __LINE__), lhs, expr)

// Programmer errors only; never for user input.
#define FQL_CHECK(cond)                                                        \
  do {                                                                         \
    if (!(cond)) ::fqldb::internal_check::Fail(#cond, __FILE__, __LINE__);     \
  } while (0)

namespace fqldb::internal_check {
[[noreturn]] void Fail(const char* cond, const char* file, int line);
}  // namespace fqldb::internal_check
