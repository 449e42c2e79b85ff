#pragma once

// Helpers the benchmarks share. Header-only; benchmarks exit on any failure
// (a benchmark that measured an error would print a meaningless figure).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "compiler/frontend/binder.h"
#include "compiler/frontend/parser.h"

namespace fqldb::bench {

// Parses and binds one query with named parameters, or exits.
inline std::shared_ptr<const frontend::BoundQuery> CompileQuery(const std::string& text,
                                                                std::vector<std::string> params = {}) {
  auto parsed = frontend::ParseScript(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "parse: %s\n", parsed.errors[0].ToString().c_str());
    std::exit(1);
  }
  frontend::BindOptions opts;
  opts.params = std::move(params);
  auto bound = frontend::Bind(*parsed.script->queries[0], opts);
  if (!bound.ok()) {
    std::fprintf(stderr, "bind: %s\n", bound.status().ToString().c_str());
    std::exit(1);
  }
  return *bound;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace fqldb::bench
