#include "compiler/jit/jit_engine.h"

#include <gtest/gtest.h>

namespace fqldb::jit {
namespace {

TEST(JitEngineTest, CompilesAndRunsNativeAdd) {
  auto r = CompileAndRunAdd(40, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 42);
  auto n = CompileAndRunAdd(-7, 3);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, -4);
}

TEST(JitEngineTest, ReportsLlvm14) { EXPECT_EQ(LlvmVersion().rfind("LLVM 14", 0), 0u); }

}  // namespace
}  // namespace fqldb::jit
