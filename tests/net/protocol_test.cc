// The client protocol's frames: round trips, and every malformed request or
// reply is an error, never a crash.
#include "net/protocol.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace fqldb::net {
namespace {

TEST(ProtocolTest, RequestsAndRepliesRoundTrip) {
  Request req;
  req.id = "r-1";
  req.options.format = executor::OutputFormat::kJson;
  req.options.database = "app/eu";
  req.options.timeout = std::chrono::milliseconds(2500);
  req.options.stop_on_error = true;
  req.options.explain = true;
  req.text = "Add(1, 2)\nConcat(['a', 'b'])";
  std::string id;
  Result<Request> back = DecodeRequest(EncodeRequest(req), &id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(id, "r-1");
  EXPECT_EQ(back->text, req.text);
  EXPECT_EQ(back->options.format, executor::OutputFormat::kJson);
  EXPECT_EQ(back->options.database, "app/eu");
  EXPECT_EQ(back->options.timeout.count(), 2500);
  EXPECT_TRUE(back->options.stop_on_error);
  EXPECT_TRUE(back->options.explain);

  Reply result;
  result.id = "r-1";
  result.index = 7;
  result.ok = false;
  result.rendered = "error: ...";
  result.explain = "report";
  Result<Reply> r = DecodeReply(EncodeReply(result));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ReplyKind::kResult);
  EXPECT_EQ(r->index, 7u);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->rendered, "error: ...");
  EXPECT_EQ(r->explain, "report");

  Reply done;
  done.id = "r-1";
  done.kind = ReplyKind::kDone;
  done.queries = 3;
  done.failed = 1;
  r = DecodeReply(EncodeReply(done));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ReplyKind::kDone);
  EXPECT_EQ(r->queries, 3u);
  EXPECT_EQ(r->failed, 1u);

  std::string cancelled;
  EXPECT_TRUE(IsCancel(EncodeCancel("r-9"), &cancelled));
  EXPECT_EQ(cancelled, "r-9");
  EXPECT_FALSE(IsCancel({"fqldb/1", "r-9", "cancel", "extra"}, &cancelled));
  EXPECT_FALSE(IsCancel({"fqldb/2", "r-9", "cancel"}, &cancelled));

  Reply error;
  error.id = "r-1";
  error.kind = ReplyKind::kError;
  error.code = ErrorCode::kInvalidSyntax;
  error.rendered = "error: invalid syntax: ...";
  r = DecodeReply(EncodeReply(error));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ReplyKind::kError);
  EXPECT_EQ(r->code, ErrorCode::kInvalidSyntax);
}

TEST(ProtocolTest, MalformedRequestsSayWhatIsWrong) {
  struct Case {
    std::vector<std::string> frames;
    std::string want;     // in the description
    std::string want_id;  // recovered for the error reply
  };
  std::vector<Case> cases = {
      {{}, "first frame", ""},
      {{"hello"}, "first frame", ""},
      {{"fqldb/2", "x", "", "1"}, "first frame", "x"},
      {{"fqldb/1"}, "4 frames", ""},
      {{"fqldb/1", "id7", ""}, "4 frames", "id7"},
      {{"fqldb/1", "", "", "1"}, "1 to 255 bytes", ""},
      {{"fqldb/1", std::string(256, 'x'), "", "1"}, "1 to 255 bytes", ""},
      {{"fqldb/1", "a", "format=xml", "1"}, "format must be fql or json", "a"},
      {{"fqldb/1", "a", "timeout_ms=0", "1"}, "timeout_ms", "a"},
      {{"fqldb/1", "a", "timeout_ms=99999999999999999999", "1"}, "timeout_ms", "a"},
      {{"fqldb/1", "a", "timeout_ms=12x", "1"}, "timeout_ms", "a"},
      {{"fqldb/1", "a", "stop_on_error=yes", "1"}, "stop_on_error", "a"},
      {{"fqldb/1", "a", "format=fql\nnonsense", "1"}, "line 2: expected key=value", "a"},
      {{"fqldb/1", "a", std::string("\x01\xff=1", 4), "1"},
       "unknown option '?"
       "?'",
       "a"},
      {{"fqldb/1", "a", "database=", "1"}, "database needs a name", "a"},
  };
  for (const Case& c : cases) {
    std::string id = "stale";
    Result<Request> r = DecodeRequest(c.frames, &id);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().description().find(c.want), std::string::npos)
        << r.status().description() << " (wanted " << c.want << ")";
    EXPECT_EQ(id, c.want_id) << c.want;
  }
  // Options may be empty, and lines may end in \r\n.
  std::string id;
  Result<Request> ok =
      DecodeRequest({"fqldb/1", "a", "format=json\r\n\r\nexplain=false\r\n", "1"}, &id);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->options.format, executor::OutputFormat::kJson);
}

TEST(ProtocolTest, MalformedRepliesAreErrors) {
  std::vector<std::vector<std::string>> bad = {
      {},
      {"fqldb/1", "id"},
      {"fqldb/1", "id", "result", "x", "ok", "", ""},
      {"fqldb/1", "id", "result", "1", "maybe", "", ""},
      {"fqldb/1", "id", "result", "1", "ok", ""},
      {"fqldb/1", "id", "done", "1"},
      {"fqldb/1", "id", "done", "-1", "0"},
      {"fqldb/1", "id", "shrug", "1", "0"},
      {"fqldb/0", "id", "done", "1", "0"},
  };
  for (const auto& frames : bad) EXPECT_FALSE(DecodeReply(frames).ok()) << frames.size();
  // An error code this build does not know still decodes (as internal).
  Result<Reply> r = DecodeReply({"fqldb/1", "id", "error", "novel code", "text"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->code, ErrorCode::kInternal);
}

// Random frames (from valid ones, mutated) never crash either decoder.
TEST(ProtocolTest, RandomFramesNeverCrashTheDecoders) {
  std::mt19937 rng(7);
  Request seed;
  seed.id = "id";
  seed.text = "Add(1, 2)";
  std::vector<std::string> base = EncodeRequest(seed);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::string> f = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:
          f.push_back(std::string(rng() % 8, static_cast<char>(rng())));
          break;
        case 1:
          if (!f.empty()) f.erase(f.begin() + static_cast<long>(rng() % f.size()));
          break;
        default:
          if (!f.empty()) {
            std::string& s = f[rng() % f.size()];
            if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng());
            s.push_back(static_cast<char>(rng()));
          }
      }
    }
    std::string id;
    decoded += DecodeRequest(f, &id).ok();
    (void)DecodeReply(f);
  }
  EXPECT_GT(decoded, 0) << "some mutations (of the text) still decode";
}

}  // namespace
}  // namespace fqldb::net
