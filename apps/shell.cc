// `fqldb shell`: an interactive FQL prompt with libedit line editing,
// persistent history, multi-line input and tab completion of function names.
#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "apps/cli.h"
#include "apps/runner.h"
#include "compiler/frontend/builtin_catalog.h"

namespace fqldb::apps {

namespace {

// Set by SIGINT: Ctrl-C discards the input being typed, or cancels the
// running query, instead of quitting.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void OnInterrupt(int /*sig*/) { g_interrupted.store(true); }

void InstallInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the pending read returns and the line is dropped
  sigaction(SIGINT, &sa, nullptr);
}

const char kHelp[] =
    "Type an FQL expression and press Enter; input continues until brackets,\n"
    "strings and comments are closed. Several expressions on one input run as\n"
    "separate queries. Tab completes function names.\n"
    "\n"
    "  :help            this help\n"
    "  :format fql|json switch the output format\n"
    "  :explain QUERY   run QUERY and report how: the sets it read (partitions,\n"
    "                   index ranges), which loops ran compiled and why not\n"
    "  :explain on|off  report every query (like --explain)\n"
    "  :quit            leave (Ctrl-D works too)\n"
    "\n"
    "Ctrl-C discards the input being typed, or cancels the running query.\n"
    "\n"
    "Example: Map([1, 2, 3], x => Multiply(x, 10))\n";

}  // namespace

bool InputComplete(const std::string& text) {
  int depth = 0;
  char quote = 0;
  bool line_comment = false, block_comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (line_comment) {
      line_comment = c != '\n';
    } else if (block_comment) {
      if (c == '*' && next == '/') {
        block_comment = false;
        ++i;
      }
    } else if (quote) {
      if (c == '\\') {
        ++i;
      } else if (c == quote || c == '\n') {
        quote = 0;  // an unterminated string ends at the line; the parser reports it
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '/' && next == '/') {
      line_comment = true;
    } else if (c == '/' && next == '*') {
      block_comment = true;
      ++i;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    }
  }
  return depth <= 0 && !block_comment;
}

namespace {

// libedit completion: candidate function names for the word being typed.
char* CompletionGenerator(const char* text, int state) {
  static size_t index;
  static size_t len;
  if (state == 0) {
    index = 0;
    len = std::strlen(text);
  }
  const auto& all = frontend::AllBuiltins();
  while (index < all.size()) {
    const char* name = all[index++].name;
    if (std::strncmp(name, text, len) == 0) return strdup(name);
  }
  return nullptr;
}

char** Complete(const char* text, int /*start*/, int /*end*/) {
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, CompletionGenerator);
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + "/.fqldb_history" : std::string();
}

}  // namespace

executor::SessionOptions SessionOptionsFor(const CliOptions& options) {
  executor::SessionOptions so;
  so.timeout = std::chrono::milliseconds(options.timeout_ms);
  so.database = options.db_handle;
  so.db = options.db_uid;
  so.jit = options.jit;
  so.explain = options.explain;
  return so;
}

namespace {

class Shell {
 public:
  Shell(const CliOptions& options, bool interactive, std::unique_ptr<ScriptRunner> runner)
      : options_(options),
        interactive_(interactive),
        runner_(std::move(runner)),
        explain_all_(options.explain) {}

  int Run() {
    if (interactive_) {
      InstallInterruptHandler();
      rl_attempted_completion_function = Complete;
      history_path_ = HistoryPath();
      if (!history_path_.empty()) read_history(history_path_.c_str());
      std::cout << "fqldb shell (FQL v4) on "
                << (options_.connect.empty() ? options_.data_dir
                                             : "the node at " + options_.connect)
                << (options_.database.empty() ? "" : ", database " + options_.database)
                << ". Type :help for help.\n";
    }
    std::string buffer;
    std::string line;
    while (true) {
      g_interrupted.store(false);
      bool got = ReadLine(buffer.empty() ? "fql> " : "...> ", &line);
      if (g_interrupted.load()) {
        std::cout << "^C (input discarded)\n";
        buffer.clear();
        continue;
      }
      if (!got) break;
      if (buffer.empty()) {
        std::string query;
        if (ExplainOnce(line, &query)) {
          line = query;
          explain_next_ = true;
        } else if (HandleCommand(line)) {
          if (quit_) break;
          continue;
        }
      }
      buffer += line;
      buffer += "\n";
      if (!InputComplete(buffer)) continue;
      if (buffer.find_first_not_of(" \t\r\n") != std::string::npos) Submit(buffer);
      buffer.clear();
    }
    if (!buffer.empty() && buffer.find_first_not_of(" \t\r\n") != std::string::npos) Submit(buffer);
    if (interactive_ && !history_path_.empty()) history_truncate_file(history_path_.c_str(), 5000);
    return any_failed_ && !interactive_ ? 1 : 0;
  }

 private:
  bool ReadLine(const char* prompt, std::string* line) {
    if (!interactive_) return static_cast<bool>(std::getline(std::cin, *line));
    char* raw = readline(prompt);
    if (!raw) {
      std::cout << "\n";
      return false;
    }
    *line = raw;
    std::free(raw);
    if (line->find_first_not_of(" \t") != std::string::npos) {
      add_history(line->c_str());
      // Written per line so that a killed shell keeps its history.
      if (!history_path_.empty()) write_history(history_path_.c_str());
    }
    return true;
  }

  // ":explain QUERY": true with the query's first line in `*query`.
  static bool ExplainOnce(const std::string& line, std::string* query) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line.compare(b, 9, ":explain ") != 0) return false;
    std::string rest = line.substr(b + 9);
    size_t f = rest.find_first_not_of(" \t");
    if (f == std::string::npos) return false;
    std::string word = rest.substr(f);
    while (!word.empty() && (word.back() == ' ' || word.back() == '\r')) word.pop_back();
    if (word == "on" || word == "off") return false;  // a command
    *query = rest;
    return true;
  }

  // Handles ":help", ":quit" and friends; returns false for FQL input.
  bool HandleCommand(const std::string& line) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] != ':') return false;
    std::string cmd = line.substr(b);
    while (!cmd.empty() && (cmd.back() == ' ' || cmd.back() == '\r')) cmd.pop_back();
    if (cmd == ":quit" || cmd == ":q" || cmd == ":exit") {
      quit_ = true;
    } else if (cmd == ":help" || cmd == ":h") {
      std::cout << kHelp;
    } else if (cmd == ":format fql") {
      options_.format = executor::OutputFormat::kFql;
    } else if (cmd == ":format json") {
      options_.format = executor::OutputFormat::kJson;
    } else if (cmd == ":explain on" || cmd == ":explain off") {
      explain_all_ = cmd == ":explain on";
      std::cout << "explain " << (explain_all_ ? "on" : "off") << "\n";
    } else if (cmd == ":explain") {
      std::cout << "usage: :explain QUERY, or :explain on|off\n";
    } else {
      std::cout << "unknown command " << cmd << " (try :help)\n";
    }
    return true;
  }

  void Submit(const std::string& text) {
    g_interrupted.store(false);
    bool explain = explain_all_ || explain_next_;
    explain_next_ = false;
    RunnerSummary summary =
        runner_->Run(text, options_.format, explain, [&](const RunnerOutcome& q) {
          if (!q.explain.empty()) std::cout << q.explain << "\n";
          std::cout << q.rendered << "\n";
          any_failed_ = any_failed_ || !q.ok;
          if (interactive_) {
            double ms = std::chrono::duration<double, std::milli>(q.elapsed).count();
            std::printf("\x1b[2m(%.3f ms)\x1b[0m\n", ms);
            std::fflush(stdout);
          }
          std::cout.flush();
          return true;
        });
    if (summary.request_failed) {
      std::cout << summary.request_error << "\n";
      any_failed_ = true;
    }
    std::cout.flush();
  }

  CliOptions options_;
  bool interactive_;
  std::unique_ptr<ScriptRunner> runner_;
  std::string history_path_;
  bool quit_ = false;
  bool any_failed_ = false;
  bool explain_all_ = false;   // :explain on, or --explain
  bool explain_next_ = false;  // :explain QUERY
};

}  // namespace

int RunShell(const CliOptions& options) {
  std::unique_ptr<ScriptRunner> runner;
  if (options.connect.empty()) {
    runner = MakeLocalRunner(options, &g_interrupted);
  } else {
    auto remote = MakeRemoteRunner(options, &g_interrupted);
    if (!remote.ok()) {
      std::cerr << "fqldb: " << remote.status().description() << "\n";
      return 2;
    }
    runner = std::move(remote).value();
  }
  Shell shell(options, ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO), std::move(runner));
  return shell.Run();
}

}  // namespace fqldb::apps
