// Every builtin that needs no stored data has an implementation, so the
// catalog and the library cannot drift apart.
#include <gtest/gtest.h>

#include "compiler/frontend/builtin_catalog.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {
namespace {

TEST(BuiltinCoverageTest, EveryPureBuiltinIsImplemented) {
  for (const frontend::BuiltinInfo& b : frontend::AllBuiltins()) {
    bool needs_impl = !b.has(frontend::kStorage) && !b.has(frontend::kSpecial);
    EXPECT_EQ(FindImpl(b.id) != nullptr, needs_impl) << b.name;
  }
}

}  // namespace
}  // namespace fqldb::executor::internal
