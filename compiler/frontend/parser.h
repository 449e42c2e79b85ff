#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/value.h"

namespace fqldb::frontend {

// The AST: a faithful, typed image of the parse tree. Each node owns its
// children and records where it starts in the query text.
enum class AstKind { kLiteral, kArray, kObject, kCall, kIdent, kArrow };

struct AstNode {
  explicit AstNode(AstKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~AstNode() = default;
  AstNode(const AstNode&) = delete;
  AstNode& operator=(const AstNode&) = delete;

  // Downcasts to the node class whose kKind matches; a mismatch is a programmer error.
  template <typename T>
  const T& Cast() const {
    FQL_CHECK(kind == T::kKind);
    return static_cast<const T&>(*this);
  }

  AstKind kind;
  SourcePos pos;
};

using AstPtr = std::unique_ptr<AstNode>;

struct AstLiteral : AstNode {
  static constexpr AstKind kKind = AstKind::kLiteral;
  AstLiteral(SourcePos p, Value v) : AstNode(kKind, p), value(std::move(v)) {}
  Value value;
};

struct AstArray : AstNode {
  static constexpr AstKind kKind = AstKind::kArray;
  explicit AstArray(SourcePos p) : AstNode(kKind, p) {}
  std::vector<AstPtr> elems;
};

struct AstObject : AstNode {
  static constexpr AstKind kKind = AstKind::kObject;
  explicit AstObject(SourcePos p) : AstNode(kKind, p) {}
  std::vector<std::pair<std::string, AstPtr>> fields;
};

// A function call `Name(args...)`; `q.Name(...)` is accepted and recorded as Name.
struct AstCall : AstNode {
  static constexpr AstKind kKind = AstKind::kCall;
  AstCall(SourcePos p, std::string n) : AstNode(kKind, p), name(std::move(n)) {}
  std::string name;
  std::vector<AstPtr> args;
};

// A bare identifier: a variable bound by an arrow lambda or Let.
struct AstIdent : AstNode {
  static constexpr AstKind kKind = AstKind::kIdent;
  AstIdent(SourcePos p, std::string n) : AstNode(kKind, p), name(std::move(n)) {}
  std::string name;
};

// `x => body` (one parameter, bound whole) or `(a, b) => body` (destructuring).
struct AstArrow : AstNode {
  static constexpr AstKind kKind = AstKind::kArrow;
  explicit AstArrow(SourcePos p) : AstNode(kKind, p) {}
  std::vector<std::string> params;
  bool single = false;  // true for `x => ...` and `(x) => ...`
  AstPtr body;
};

// A parsed script: its top-level expressions in order, each one query.
struct Script {
  std::vector<AstPtr> queries;
};

// Limits that keep hostile input from exhausting the stack or memory.
inline constexpr size_t kMaxQueryBytes = 64u << 20;  // 64 MiB of query text
inline constexpr int kMaxNesting = 500;              // brackets and lambdas, nested

// The outcome of parsing: a script, or every syntax error found (each with
// code kInvalidSyntax, a description and a line:col).
struct ParseResult {
  std::unique_ptr<Script> script;
  std::vector<Status> errors;
  bool ok() const { return errors.empty(); }
};

// Parses FQL text. Never throws and never crashes on any input: invalid
// UTF-8, stray characters, unterminated strings, out-of-range numbers and
// nesting deeper than kMaxNesting are reported as errors. Thread-safe.
ParseResult ParseScript(std::string_view text);

// Formats an error with the offending line of `text` and a caret under its
// column:
//   error: invalid syntax: extraneous input ',' at 1:7
//     Add(1,,2)
//           ^
std::string RenderDiagnostic(const Status& error, std::string_view text);

}  // namespace fqldb::frontend
