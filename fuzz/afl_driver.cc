// Feeds LLVMFuzzerTestOneInput from the files named on the command line, or
// from stdin. AFL++ runs it through its fork server with `@@` (classic
// afl-g++ instrumentation has no persistent mode); the same binary replays
// a crashing input in any build.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunText(const std::string& text) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    RunText(ss.str());
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    RunText(ss.str());
  }
  return 0;
}
