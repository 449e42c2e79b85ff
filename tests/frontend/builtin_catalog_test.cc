#include "compiler/frontend/builtin_catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace fqldb::frontend {
namespace {

TEST(BuiltinCatalogTest, NamesAreUniqueAndIdsMatchPositions) {
  std::set<std::string> names;
  const auto& all = AllBuiltins();
  ASSERT_EQ(all.size(), static_cast<size_t>(BuiltinId::kNumBuiltins));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(all[i].id), i);
    EXPECT_TRUE(names.insert(all[i].name).second) << all[i].name;
    EXPECT_FALSE(all[i].keys.empty()) << all[i].name;
    EXPECT_TRUE(all[i].max_args < 0 || all[i].max_args >= all[i].min_args) << all[i].name;
  }
}

TEST(BuiltinCatalogTest, FindsByExactName) {
  ASSERT_NE(FindBuiltin("ContainsStrRegex"), nullptr);
  EXPECT_EQ(FindBuiltin("containsstrregex"), nullptr);
  EXPECT_EQ(FindBuiltin("Add")->keys[0], std::string("add"));
}

TEST(BuiltinCatalogTest, SuggestsByEditDistance) {
  auto s = SuggestBuiltins("Concatt");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0], "Concat");
  EXPECT_TRUE(SuggestBuiltins(std::string(100, 'x')).empty());
}

}  // namespace
}  // namespace fqldb::frontend
