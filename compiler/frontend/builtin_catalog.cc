#include "compiler/frontend/builtin_catalog.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "common/status.h"

namespace fqldb::frontend {

const std::vector<BuiltinInfo>& AllBuiltins() {
  static const std::vector<BuiltinInfo> kAll = {
#define FQL_BUILTIN(name, min, max, flags, ...) \
  {BuiltinId::k##name, #name, {__VA_ARGS__}, min, max, static_cast<uint32_t>(flags)},
#include "compiler/frontend/builtin_list.inc"
#undef FQL_BUILTIN
  };
  return kAll;
}

const char* BuiltinInfo::KeyForArg(size_t i) const {
  if (has(kVarargs) || i >= keys.size()) return keys.empty() ? "" : keys.back();
  return keys[i];
}

const BuiltinInfo& GetBuiltin(BuiltinId id) {
  const auto& all = AllBuiltins();
  FQL_CHECK(static_cast<size_t>(id) < all.size());
  return all[static_cast<size_t>(id)];
}

const BuiltinInfo* FindBuiltin(std::string_view name) {
  static const auto* kIndex = [] {
    auto* m = new std::unordered_map<std::string_view, const BuiltinInfo*>();
    for (const BuiltinInfo& b : AllBuiltins()) (*m)[b.name] = &b;
    return m;
  }();
  auto it = kIndex->find(name);
  return it == kIndex->end() ? nullptr : it->second;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::vector<std::string> SuggestBuiltins(std::string_view name) {
  if (name.size() > 64) return {};
  std::vector<std::pair<size_t, std::string>> scored;
  size_t limit = std::max<size_t>(2, name.size() / 3);
  for (const BuiltinInfo& b : AllBuiltins()) {
    size_t d = EditDistance(name, b.name);
    if (d <= limit) scored.emplace_back(d, b.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace fqldb::frontend
