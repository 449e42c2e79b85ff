#pragma once

// A real `fqldb node` child process on 127.0.0.1 with an ephemeral port,
// for tests. Header-only; every wait has a deadline.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace fqldb::testing_support {

class NodeProcess {
 public:
  // Starts `binary node --data data --listen tcp://127.0.0.1:0 extra...` and
  // waits up to 20 s for the line that names its endpoint. Null (with
  // `*why`) when it did not start.
  static std::unique_ptr<NodeProcess> Start(const std::string& binary, const std::string& data,
                                            std::vector<std::string> extra, std::string* why) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      *why = "pipe failed";
      return nullptr;
    }
    std::vector<std::string> args = {binary, "node",     "--data",
                                     data,   "--listen", "tcp://127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    // Built before fork: the child of a threaded process may only make
    // async-signal-safe calls until it execs.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);  // the copy does not inherit close-on-exec
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    std::unique_ptr<NodeProcess> node(new NodeProcess(pid, out[0]));
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      ssize_t n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    const std::string marker = "listening on ";
    size_t at = line.find(marker);
    if (at == std::string::npos) {
      *why = "no endpoint line from the node: '" + line + "'";
      return nullptr;
    }
    size_t end = line.find(' ', at + marker.size());
    node->endpoint_ = line.substr(at + marker.size(), end - at - marker.size());
    return node;
  }

  ~NodeProcess() { Stop(SIGTERM); }

  const std::string& endpoint() const { return endpoint_; }
  pid_t pid() const { return pid_; }

  // Sends `sig` and waits for the exit (SIGKILL after 20 s). Returns the
  // exit status as waitpid reports it, or -1 if it had already been reaped.
  int Stop(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    close(fd_);
    return status;
  }

 private:
  NodeProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  pid_t pid_;
  int fd_;
  std::string endpoint_;
};

}  // namespace fqldb::testing_support
