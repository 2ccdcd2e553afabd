// The attack test "a token without TLS on a non-loopback address refuses to start", on the real
// binaries: the orchestrator with API tokens on 0.0.0.0 and no TLS, and an sms-worker sending
// its service token to a routable orchestrator address without TLS, each exit non-zero at once
// with an error naming the flag to set, before they listen or connect to anything (the
// PostgreSQL and Kafka addresses given point at a closed port, so nothing is needed).

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace {

using ::testing::HasSubstr;

struct Outcome {
  bool exited = false;  // false: still running at the deadline (then SIGKILLed)
  int exit_code = -1;
  std::string output;   // stdout + stderr
};

// Runs `bin args...`, collecting its output, for at most `timeout`; never leaves it running.
Outcome RunBinary(const std::string& bin, const std::vector<std::string>& args,
            absl::Duration timeout = absl::Seconds(20)) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string b = bin;
    argv.push_back(b.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(b.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  Outcome out;
  const absl::Time deadline = absl::Now() + timeout;
  char buf[4096];
  for (;;) {
    const int left = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, left) <= 0) break;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed its output (exited)
    out.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      out.exited = true;
      out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (absl::Now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return out;
}

#ifdef BLEND_ORCHESTRATOR_BIN
TEST(StartupRefusalTest, OrchestratorWithTokensOnAllInterfacesWithoutTlsExits) {
  // "blend-demo : <sha256 of 'demo-token'> : *" is a valid inline token entry.
  Outcome out = RunBinary(BLEND_ORCHESTRATOR_BIN,
                    {"--grpc-addr=0.0.0.0:0", "--metrics-addr=127.0.0.1:0",
                     "--api-tokens=blend-demo : "
                     "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c : *",
                     "--pg-url=postgresql://postgres@127.0.0.1:1/blend",
                     "--kafka-brokers=127.0.0.1:1"});
  ASSERT_TRUE(out.exited) << "still running (listening?) after 20 s:\n" << out.output;
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_THAT(out.output, HasSubstr("refusing to start: bearer tokens (--api-tokens-file / "
                                    "--api-tokens) would cross 0.0.0.0:0 in plaintext"));
  EXPECT_THAT(out.output, HasSubstr("set --tls-cert-file and --tls-key-file (TLS)"));
}

TEST(StartupRefusalTest, OrchestratorWithTokensOnLoopbackGetsPastTheCheck) {
  // The same tokens on loopback pass the rule; it then fails on the closed PostgreSQL port,
  // which shows the refusal above came from the rule, not from the missing database.
  Outcome out = RunBinary(BLEND_ORCHESTRATOR_BIN,
                    {"--grpc-addr=127.0.0.1:0", "--metrics-addr=127.0.0.1:0",
                     "--api-tokens=blend-demo : "
                     "7c43ef5ae21d43ce2743f770c68e24def1a43ee2f416d2438410c8af7af2ff2c : *",
                     "--pg-url=postgresql://postgres@127.0.0.1:1/blend",
                     "--kafka-brokers=127.0.0.1:1"});
  ASSERT_TRUE(out.exited) << out.output;
  EXPECT_NE(out.exit_code, 0);
  EXPECT_THAT(out.output, ::testing::Not(HasSubstr("refusing to start")));
}
#endif

#ifdef BLEND_SMS_WORKER_BIN
TEST(StartupRefusalTest, WorkerSendingItsTokenOffLoopbackWithoutTlsExits) {
  Outcome out = RunBinary(BLEND_SMS_WORKER_BIN,
                    {"--orchestrator-addr=10.20.30.40:7400", "--orchestrator-token=worker-secret",
                     "--metrics-addr=127.0.0.1:0",
                     "--pg-url=postgresql://postgres@127.0.0.1:1/blend",
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
