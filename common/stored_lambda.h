#pragma once

#include <string>
#include <utility>

#include "common/value.h"

namespace fqldb {

// A lambda read back from storage (a stored function's body): its FQL
// source and wire form, without a bound tree. The executor binds the source
// the first time the lambda is applied. Immutable; safe to share.
class StoredLambda : public QueryBody {
 public:
  StoredLambda(std::string fql, std::string wire_json, int arity)
      : fql_(std::move(fql)), wire_json_(std::move(wire_json)), arity_(arity) {}

  std::string ToFql() const override { return fql_; }
  std::string ToWireJson() const override { return wire_json_; }
  int arity() const override { return arity_; }
  static const void* Tag() {
    static const char kTag = 0;
    return &kTag;
  }
  const void* type_tag() const override { return Tag(); }
  // It captured nothing, so it keeps only itself alive.
  uint32_t depth() const override { return 1; }
  const std::string& fql() const { return fql_; }

 private:
  std::string fql_;
  std::string wire_json_;
  int arity_;
};

}  // namespace fqldb
