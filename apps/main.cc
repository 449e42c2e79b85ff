// The fqldb binary: `fqldb shell` and `fqldb run FILE...`.
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/cli.h"
#include "apps/runner.h"
#include "compiler/jit/jit_engine.h"

namespace fqldb::apps {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

const char kUsage[] =
    "usage: fqldb <command> [options]\n"
    "\n"
    "commands:\n"
    "  shell               interactive FQL shell on an embedded database\n"
    "  run FILE...         run FQL scripts ('-' reads stdin); each top-level\n"
    "                      expression is its own query, one result per line\n"
    "  node                serve the data directory to clients over ZeroMQ\n"
    "                      (the client protocol is in the README)\n"
    "\n"
    "options:\n"
    "  --data DIR          data directory (default ./fqldb-data)\n"
    "  --connect ENDPOINT  shell, run: send queries to the node at ENDPOINT\n"
    "                      (e.g. tcp://127.0.0.1:7000) instead of opening --data\n"
    "  --listen ENDPOINT   node: where to listen (default tcp://127.0.0.1:7000;\n"
    "                      port 0 picks a free port, printed at start)\n"
    "  --workers N         node: requests run at once (default 4)\n"
    "  --database NAME     run inside the child database NAME (a/b for nested)\n"
    "  --durability MODE   sync (default): a write returns once it is on disk;\n"
    "                      async: once the OS has it (survives a crash of\n"
    "                      fqldb, not of the machine)\n"
    "  --partitions N      partitions of a new data directory (default 8)\n"
    "  --row-cache MB      memory for cached documents, which repeated reads of\n"
    "                      a document serve without LevelDB (default 64; 0: off)\n"
    "  --format fql|json   print FQL literals (default) or Fauna wire JSON\n"
    "  --jit MODE          auto (default): compile Map/Filter/Reduce/Foreach loops\n"
    "                      with LLVM when they are large or run often; always:\n"
    "                      compile every loop that can be; off: interpret only\n"
    "  --explain           before each result, report how the query ran: the\n"
    "                      sets it read (partitions, index ranges) and which\n"
    "                      loops ran compiled, with compile times (to stderr\n"
    "                      with --format json); queries still run and commit\n"
    "  --stop-on-error     run: stop at the first failing query\n"
    "  --timeout MS        per-query time limit in milliseconds (default 60000)\n"
    "  --help              show this help\n"
    "  --version           show the version\n"
    "\n"
    "exit status: 0 all queries succeeded, 1 a query failed, 2 usage error\n";

void PrintVersion() {
  std::cout << "fqldb " << FQLDB_VERSION << " (FQL v4; " << jit::LlvmVersion() << ")\n";
}

int Usage(const std::string& problem) {
  std::cerr << "fqldb: " << problem << "\n\n" << kUsage;
  return kExitUsage;
}

// Parses options after the command; returns an exit status on error, or -1.
int ParseOptions(int argc, char** argv, int start, bool allow_files, CliOptions* out) {
  for (int i = start; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--data") {
      if (!value(&out->data_dir)) return Usage("--data needs a directory");
    } else if (a == "--connect") {
      if (!value(&out->connect) || out->connect.empty())
        return Usage("--connect needs an endpoint");
    } else if (a == "--listen") {
      if (!value(&out->listen) || out->listen.empty()) return Usage("--listen needs an endpoint");
    } else if (a == "--workers") {
      char* end = nullptr;
      if (!value(&v)) return Usage("--workers needs a number");
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 256)
        return Usage("--workers must be from 1 to 256");
      out->workers = static_cast<int>(n);
    } else if (a == "--database") {
      if (!value(&out->database) || out->database.empty()) return Usage("--database needs a name");
    } else if (a == "--durability") {
      if (!value(&v) || (v != "sync" && v != "async")) return Usage("--durability must be sync or async");
      out->sync = v == "sync";
    } else if (a == "--partitions") {
      char* end = nullptr;
      if (!value(&v)) return Usage("--partitions needs a number");
      unsigned long p = std::strtoul(v.c_str(), &end, 10);
      if (*end != '\0' || p == 0 || p > 1024 || (p & (p - 1)) != 0) {
        return Usage("--partitions must be a power of two from 1 to 1024");
      }
      out->partitions = static_cast<uint32_t>(p);
    } else if (a == "--row-cache") {
      char* end = nullptr;
      if (!value(&v)) return Usage("--row-cache needs a size in MB");
      unsigned long mb = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || mb > (1ul << 20)) {
        return Usage("--row-cache must be a size in MB from 0 to 1048576");
      }
      out->row_cache_bytes = static_cast<size_t>(mb) << 20;
    } else if (a == "--format") {
      if (!value(&v)) return Usage("--format needs fql or json");
      if (v == "fql") {
        out->format = executor::OutputFormat::kFql;
      } else if (v == "json") {
        out->format = executor::OutputFormat::kJson;
      } else {
        return Usage("--format must be fql or json, not '" + v + "'");
      }
    } else if (a == "--jit") {
      if (!value(&v)) return Usage("--jit needs off, auto or always");
      if (v == "off") {
        out->jit = executor::JitMode::kOff;
      } else if (v == "auto") {
        out->jit = executor::JitMode::kAuto;
      } else if (v == "always") {
        out->jit = executor::JitMode::kAlways;
      } else {
        return Usage("--jit must be off, auto or always, not '" + v + "'");
      }
    } else if (a == "--explain") {
      out->explain = true;
    } else if (a == "--stop-on-error") {
      out->stop_on_error = true;
    } else if (a == "--timeout") {
      char* end = nullptr;
      if (!value(&v)) return Usage("--timeout needs milliseconds");
      errno = 0;
      out->timeout_ms = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE || out->timeout_ms <= 0 || out->timeout_ms > 86400000) {
        return Usage("--timeout must be a number of milliseconds from 1 to 86400000 (a day)");
      }
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--version") {
      PrintVersion();
      return 0;
    } else if (allow_files && (a == "-" || a.rfind("--", 0) != 0)) {
      out->files.push_back(a);
    } else {
      return Usage("unknown option '" + a + "'");
    }
  }
  return -1;
}

// Creates the data directory (and parents) if missing.
bool EnsureDataDir(const std::string& dir) {
  std::string path;
  std::stringstream ss(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') path = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    path += part + "/";
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      std::cerr << "fqldb: cannot create data directory " << dir << ": " << std::strerror(errno) << "\n";
      return false;
    }
  }
  return true;
}

// Reads a script; on failure returns false with errno describing why.
bool ReadInput(const std::string& file, std::string* text) {
  struct stat st {};
  if (file != "-" && ::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    return false;
  }
  if (file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    *text = ss.str();
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return !in.bad();
}

int RunFiles(const CliOptions& options) {
  if (options.files.empty()) return Usage("run needs at least one FILE (or '-' for stdin)");
  std::unique_ptr<ScriptRunner> runner;
  if (options.connect.empty()) {
    runner = MakeLocalRunner(options, nullptr);
  } else {
    auto remote = MakeRemoteRunner(options, nullptr);
    if (!remote.ok()) return Usage(remote.status().description());
    runner = std::move(remote).value();
  }
  bool any_failed = false;
  for (const std::string& file : options.files) {
    std::string text;
    if (!ReadInput(file, &text)) {
      Status st(ErrorCode::kIo, "cannot read " + file + ": " + std::strerror(errno));
      std::cout << executor::FormatError(st, options.format, "") << std::endl;
      any_failed = true;
      if (options.stop_on_error) return kExitFailure;
      continue;
    }
    bool stop = false;
    RunnerSummary summary =
        runner->Run(text, options.format, options.explain, [&](const RunnerOutcome& q) {
          if (!q.explain.empty()) {
            // JSON output stays one parseable line per query: the report goes aside.
            (options.format == executor::OutputFormat::kJson ? std::cerr : std::cout)
                << q.explain << "\n";
          }
          std::cout << q.rendered << "\n";
          std::cout.flush();
          stop = !q.ok && options.stop_on_error;
          return !stop;
        });
    if (summary.request_failed) {
      std::cout << summary.request_error << std::endl;
      any_failed = true;
      if (options.stop_on_error) return kExitFailure;
    }
    any_failed = any_failed || summary.failed > 0;
    if (stop) return kExitFailure;
  }
  return any_failed ? kExitFailure : 0;
}

}  // namespace

int Main(int argc, char** argv) {
  if (argc < 2) return Usage("missing command");
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    PrintVersion();
    return 0;
  }
  CliOptions options;
  if (cmd != "shell" && cmd != "run" && cmd != "node")
    return Usage("unknown command '" + cmd + "'");
  int rc = ParseOptions(argc, argv, 2, cmd == "run", &options);
  if (rc >= 0) return rc;
  if (!options.connect.empty()) {
    // The node owns the data; nothing is opened here.
    if (cmd == "node") return Usage("--connect is for shell and run, not node");
    return cmd == "shell" ? RunShell(options) : RunFiles(options);
  }
  if (cmd == "node") BlockStopSignals();  // before any thread starts
  if (!EnsureDataDir(options.data_dir)) return kExitFailure;
  executor::DatabaseOptions dbo;
  dbo.sync = options.sync;
  dbo.partitions = options.partitions;
  dbo.row_cache_bytes = options.row_cache_bytes;
  auto db = executor::Database::Open(options.data_dir, dbo);
  if (!db.ok()) {
    std::cerr << "fqldb: " << db.status().ToString() << "\n";
    return kExitFailure;
  }
  options.db_handle = db->get();
  if (!options.database.empty()) {
    if (cmd == "node")
      return Usage("--database is per request for a node (the client's --database)");
    auto uid = (*db)->ResolveDatabase(options.database);
    if (!uid.ok()) {
      std::cerr << "fqldb: " << uid.status().ToString() << "\n";
      return kExitFailure;
    }
    options.db_uid = *uid;
  }
  if (cmd == "node") return RunNode(options);
  int code = cmd == "shell" ? RunShell(options) : RunFiles(options);
  // Indexes created over large collections build after their query commits;
  // finish them before exiting, and say so while it takes time.
  std::signal(SIGINT, SIG_DFL);  // the shell's handler only flags its own work
  bool told = false;
  Status built = (*db)->WaitForIndexBuilds([&](uint64_t indexed) {
    if (!told) {
      std::cerr << "fqldb: finishing background index builds before exiting (Ctrl-C stops "
                   "them; they resume at the next open)\n";
      told = true;
    }
    std::cerr << "fqldb: " << indexed << " documents indexed\n";
  });
  // A build that stopped was reported as it stopped; the queries' outcome
  // decides the exit status.
  (void)built;
  return code;
}

}  // namespace fqldb::apps

int main(int argc, char** argv) { return fqldb::apps::Main(argc, argv); }
