// The fuzz target for the client protocol: any bytes, cut into frames,
// through the request, reply and options decoders a node and a client run
// on what arrives from the network. A crash, a sanitizer report or a hang is
// a bug. Input layout: frames separated by the byte 0x00 (so that seeds
// stay readable), at most 16. See scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> frames;
  while (frames.size() < 16) {
    size_t cut = in.find('\0');
    frames.emplace_back(in.substr(0, cut));
    if (cut == std::string_view::npos) break;
    in.remove_prefix(cut + 1);
  }
  std::string id;
  auto request = fqldb::net::DecodeRequest(frames, &id);
  if (request.ok()) {
    // What decodes must encode back to frames that decode the same.
    std::string id2;
    auto again = fqldb::net::DecodeRequest(fqldb::net::EncodeRequest(*request), &id2);
    if (!again.ok() || again->text != request->text || id2 != id) __builtin_trap();
  }
  (void)fqldb::net::DecodeReply(frames);
  for (const std::string& f : frames) (void)fqldb::net::DecodeOptions(f);
  return 0;
}
