#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "apps/cli.h"
#include "net/server.h"

namespace fqldb::apps {

namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t stop_signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
}

int RunNode(const CliOptions& options) {
  sigset_t stop_signals = StopSignals();
  net::ServerOptions so;
  so.listen = options.listen;
  so.workers = options.workers;
  so.jit = options.jit;
  auto server = net::Server::Start(options.db_handle, so);
  if (!server.ok()) {
    std::cerr << "fqldb: " << server.status().ToString() << "\n";
    return 1;
  }
  // Scripts and tests read the endpoint (with the port chosen) from here.
  std::cout << "fqldb node listening on " << (*server)->endpoint() << " (data " << options.data_dir
            << ")" << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "fqldb: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping (running queries are cancelled)\n";
  (*server)->Stop();
  // The signals stay blocked: a second Ctrl-C while the database closes
  // does not cut the close short.
  return 0;
}

}  // namespace fqldb::apps
