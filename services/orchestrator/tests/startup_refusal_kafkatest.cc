// The attack test "a token without TLS on a non-loopback address refuses to start", on the real
// binaries: the orchestrator with API tokens on 0.0.0.0 and no TLS, and an sms-worker sending
// its service token to a routable orchestrator address without TLS, each exit non-zero at once
// with an error naming the flag to set, before they listen or connect to anything (the
// PostgreSQL and Kafka addresses given point at a closed port, so nothing is needed).

#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "blend/common/testing/child_process.h"

namespace {

using ::testing::HasSubstr;
namespace test_support = blend::test_support;

struct Outcome {
  bool exited = false;  // false: still running at the deadline (then SIGKILLed)
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

// Runs `bin args...`, collecting its output, for at most `timeout`; never leaves it running.
Outcome RunBinary(const std::string& bin, const std::vector<std::string>& args,
                  absl::Duration timeout = absl::Seconds(20)) {
  std::vector<std::string> argv = {bin};
  argv.insert(argv.end(), args.begin(), args.end());
  test_support::RunResult r =
      test_support::RunToExit(argv, std::filesystem::temp_directory_path().string(), timeout);
  return {r.exited, r.exit_code, r.out + r.err};
}

#ifdef BLEND_ORCHESTRATOR_BIN
TEST(StartupRefusalTest, OrchestratorWithTokensOnAllInterfacesWithoutTlsExits) {
  // "blend-demo : <sha256 of 'demo-token'> : *" is a valid inline token entry.
  Outcome out = RunBinary(
      BLEND_ORCHESTRATOR_BIN,
      {"--grpc-addr=0.0.0.0:0", "--metrics-addr=127.0.0.1:0",
       "--api-tokens=blend-demo : "
       "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c : *",
       "--pg-url=postgresql://postgres@127.0.0.1:1/blend", "--kafka-brokers=127.0.0.1:1"});
  ASSERT_TRUE(out.exited) << "still running (listening?) after 20 s:\n" << out.output;
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_THAT(out.output, HasSubstr("refusing to start: bearer tokens (--api-tokens-file / "
                                    "--api-tokens) would cross 0.0.0.0:0 in plaintext"));
  EXPECT_THAT(out.output, HasSubstr("set --tls-cert-file and --tls-key-file (TLS)"));
}

TEST(StartupRefusalTest, OrchestratorWithTokensOnLoopbackGetsPastTheCheck) {
  // The same tokens on loopback pass the rule; it then fails on the closed PostgreSQL port,
  // which shows the refusal above came from the rule, not from the missing database.
  Outcome out = RunBinary(
      BLEND_ORCHESTRATOR_BIN,
      {"--grpc-addr=127.0.0.1:0", "--metrics-addr=127.0.0.1:0",
       "--api-tokens=blend-demo : "
       "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c : *",
       "--pg-url=postgresql://postgres@127.0.0.1:1/blend", "--kafka-brokers=127.0.0.1:1"});
  ASSERT_TRUE(out.exited) << out.output;
  EXPECT_NE(out.exit_code, 0);
  EXPECT_THAT(out.output, ::testing::Not(HasSubstr("refusing to start")));
}
#endif

#ifdef BLEND_SMS_WORKER_BIN
TEST(StartupRefusalTest, WorkerSendingItsTokenOffLoopbackWithoutTlsExits) {
  Outcome out =
      RunBinary(BLEND_SMS_WORKER_BIN,
                {"--orchestrator-addr=10.20.30.40:7400", "--orchestrator-token=worker-secret",
                 "--metrics-addr=127.0.0.1:0", "--pg-url=postgresql://postgres@127.0.0.1:1/blend",
                 "--kafka-brokers=127.0.0.1:1"});
  ASSERT_TRUE(out.exited) << out.output;
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_THAT(out.output, HasSubstr("bearer tokens (--orchestrator-token) would cross "
                                    "10.20.30.40:7400 in plaintext"));
  EXPECT_THAT(out.output, HasSubstr("--orchestrator-ca-file"));
  EXPECT_THAT(out.output, ::testing::Not(HasSubstr("worker-secret")));
}
#endif

}  // namespace
