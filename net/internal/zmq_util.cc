#include "net/internal/zmq_util.h"

#include <zmq_addon.hpp>

namespace fqldb::net::internal {

Status Guard(const std::string& what, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kUnavailable, what + ": " + e.what());
  }
  return Status::Ok();
}

bool RecvFrames(zmq::socket_t& s, std::vector<std::string>* frames) {
  frames->clear();
  try {
    std::vector<zmq::message_t> parts;
    auto got = zmq::recv_multipart(s, std::back_inserter(parts), zmq::recv_flags::dontwait);
    if (!got) return false;
    frames->reserve(parts.size());
    for (const zmq::message_t& m : parts) frames->emplace_back(m.to_string());
    return true;
  } catch (const zmq::error_t&) {
    return false;
  }
}

bool SendFrames(zmq::socket_t& s, const std::vector<std::string>& frames) {
  try {
    std::vector<zmq::const_buffer> parts;
    parts.reserve(frames.size());
    for (const std::string& f : frames) parts.push_back(zmq::buffer(f));
    return zmq::send_multipart(s, parts).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

bool Poll(zmq::pollitem_t* items, size_t n, std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, n, timeout) > 0;
  } catch (const zmq::error_t&) {
    return false;
  }
}

}  // namespace fqldb::net::internal
