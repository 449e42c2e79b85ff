// Drives LLVMFuzzerTestOneInput: under AFL++'s compilers in persistent mode
// (shared-memory test cases), otherwise from the files named on the command
// line, or stdin, so that a crashing input can be replayed in any build.
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

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();

int main() {
  __AFL_INIT();
  unsigned char* buf = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(10000)) {
    int len = __AFL_FUZZ_TESTCASE_LEN;
    LLVMFuzzerTestOneInput(buf, static_cast<size_t>(len));
  }
  return 0;
}
#else
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
#endif
