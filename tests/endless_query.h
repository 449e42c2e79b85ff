#pragma once

// A pure FQL query that cannot finish: each of 40 levels doubles the work
// (2^40 evaluations), so it runs until it is cancelled or times out.
#include <string>

namespace fqldb::testing_support {

inline std::string EndlessQuery() {
  std::string nest = "1";
  for (int i = 0; i < 40; ++i)
    nest = "Reduce((a, x) => Add(a, x), 0, Map([1, 2], y => " + nest + "))";
  return nest;
}

}  // namespace fqldb::testing_support
