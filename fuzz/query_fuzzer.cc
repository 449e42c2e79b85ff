// libFuzzer target: any bytes through parse, bind and run. Build with
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -DFQL_FUZZ=ON && cmake --build build-fuzz -j2
//   build-fuzz/bin/fql_query_fuzzer -max_total_time=60 tests/queries
// A crash, a sanitizer report or a hang (libFuzzer's -timeout) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/time_codec.h"
#include "compiler/frontend/binder.h"
#include "executor/interpreter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = fqldb::frontend::ParseScript(text);
  if (!parsed.ok()) return 0;
  fqldb::executor::RunOptions run;
  run.now = fqldb::NowTimestamp();
  run.timeout = std::chrono::milliseconds(200);
  for (const auto& q : parsed.script->queries) {
    auto bound = fqldb::frontend::Bind(*q);
    if (bound.ok()) (void)fqldb::executor::Run(*bound, {}, run);
  }
  return 0;
}
