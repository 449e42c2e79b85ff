#pragma once

// The one place zmq::error_t becomes a Status, and multipart helpers.
// net only.
#include <chrono>
#include <functional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/status.h"

namespace fqldb::net::internal {

// Runs `fn`; a zmq::error_t it throws becomes kUnavailable "<what>: <zmq's
// message>".
Status Guard(const std::string& what, const std::function<void()>& fn);

// Receives one whole multipart message without blocking. False when none
// was waiting or the socket failed (a closed context).
bool RecvFrames(zmq::socket_t& s, std::vector<std::string>* frames);

// Sends a multipart message; false when ZeroMQ refused it (EAGAIN with a
// send timeout, a closed context). ROUTER sockets drop messages for peers
// that have gone, silently.
bool SendFrames(zmq::socket_t& s, const std::vector<std::string>& frames);

// Polls; false on timeout or error (EINTR included).
bool Poll(zmq::pollitem_t* items, size_t n, std::chrono::milliseconds timeout);

}  // namespace fqldb::net::internal
