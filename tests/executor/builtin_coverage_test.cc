// Every builtin that needs no stored data has an implementation, so the
// catalog and the library cannot drift apart.
#include <gtest/gtest.h>

#include "compiler/frontend/builtin_catalog.h"
#include "executor/internal/call_context.h"

namespace fqldb::executor::internal {
namespace {

TEST(BuiltinCoverageTest, EveryPureBuiltinIsImplemented) {
  for (const frontend::BuiltinInfo& b : frontend::AllBuiltins()) {
    if (b.has(frontend::kStorage)) continue;
    bool needs_impl = !b.has(frontend::kSpecial);
    EXPECT_EQ(FindImpl(b.id) != nullptr, needs_impl) << b.name;
  }
}

TEST(BuiltinCoverageTest, StorageBuiltinsThatShipAreImplemented) {
  for (const char* name : {"Get", "Exists", "Create", "Update", "Replace", "Delete", "At",
                           "CreateCollection", "CreateIndex", "CreateDatabase", "Documents", "Match",
                           "Collections", "Indexes", "Databases", "Paginate", "CreateFunction",
                           "Functions", "Call"}) {
    const frontend::BuiltinInfo* b = frontend::FindBuiltin(name);
    ASSERT_NE(b, nullptr) << name;
    EXPECT_NE(FindImpl(b->id), nullptr) << name;
  }
}

}  // namespace
}  // namespace fqldb::executor::internal
