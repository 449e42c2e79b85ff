// The fuzz target: any bytes through parse, bind and run. A crash, a
// sanitizer report or a hang is a bug. Built with AFL++ (afl-g++, since
// Debian's ANTLR 4.9 runtime headers do not compile with clang); see
// scripts/fuzz.sh. The entry point has libFuzzer's signature.
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
