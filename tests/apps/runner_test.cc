// The shell's and run's query runners: embedded and through a real node
// they report a query the user cancelled the same way, once.
#include "apps/runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/endless_query.h"
#include "tests/node_process.h"
#include "tests/scratch_dir.h"

namespace fqldb::apps {
namespace {

using testing_support::EndlessQuery;

TEST(RunnerTest, ACancelledQueryIsReportedOnceEmbeddedAndThroughANode) {
  testing_support::ScratchDir dir("fql_runner");
  std::string why;
  auto node = testing_support::NodeProcess::Start(FQLDB_BINARY, dir.path() + "/data", {}, &why);
  ASSERT_TRUE(node) << why;
  CliOptions options;
  options.connect = node->endpoint();
  std::atomic<bool> cancel{false};
  auto remote = MakeRemoteRunner(options, &cancel);
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  auto local = MakeLocalRunner(CliOptions{}, &cancel);  // no database: pure queries only
  for (ScriptRunner* runner : {local.get(), remote->get()}) {
    cancel.store(false);
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      cancel.store(true);
    });
    std::vector<std::string> printed;
    RunnerSummary s = runner->Run(EndlessQuery() + "\nAdd(1, 1)", executor::OutputFormat::kFql,
                                  false, [&](const RunnerOutcome& o) {
                                    printed.push_back(o.rendered);
                                    return true;
                                  });
    canceller.join();
    const char* which = runner == local.get() ? "embedded" : "through a node";
    ASSERT_FALSE(printed.empty()) << which;
    EXPECT_NE(printed[0].find("cancelled"), std::string::npos) << which << ": " << printed[0];
    EXPECT_EQ(s.failed, 1u) << which;
    EXPECT_FALSE(s.request_failed) << which << ": " << s.request_error;
  }
}

}  // namespace
}  // namespace fqldb::apps
