#include "blend/common/testing/child_process.h"
#include "blend/common/testing/env.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace blend::test_support {
namespace {

std::string TempDir() { return std::filesystem::temp_directory_path().string(); }

TEST(RunToExitTest, CapturesOutputErrorAndExitCode) {
  RunResult r = RunToExit({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, TempDir());
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(RunToExitTest, PassesExtraEnvironment) {
  RunResult r = RunToExit({"/bin/sh", "-c", "printf %s \"$BLEND_CHILD_TEST\""}, TempDir(),
                          absl::Seconds(30), {"BLEND_CHILD_TEST=yes"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "yes");
}

TEST(RunToExitTest, KillsAProgramThatOutlivesTheTimeout) {
  RunResult r = RunToExit({"/bin/sh", "-c", "exec sleep 30"}, TempDir(), absl::Milliseconds(200));
  EXPECT_FALSE(r.exited);
}

TEST(ChildProcessTest, TerminateReportsTheSignalThatEndedTheChild) {
  auto child = ChildProcess::Spawn("sleeper", {"/bin/sh", "-c", "exec sleep 30"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE((*child)->Running());
  absl::StatusOr<int> code = (*child)->Terminate(absl::Seconds(10));
  EXPECT_EQ(code.status().code(), absl::StatusCode::kAborted) << code.status();
  EXPECT_FALSE((*child)->Running());
}

TEST(ChildProcessTest, TerminateReturnsTheExitCodeOfAChildThatHandlesSigterm) {
  const std::string log = TempDir() + "/child-trap-test-" + std::to_string(getpid()) + ".log";
  std::filesystem::remove(log);
  auto child = ChildProcess::Spawn(
      "trapper", {"/bin/sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done"},
      LogTo(log));
  ASSERT_TRUE(child.ok()) << child.status();
  // SIGTERM before the trap is set would end the shell by the signal.
  ASSERT_TRUE(Eventually([&] { return (*child)->LogTail(1) == "ready\n"; }));
  absl::StatusOr<int> code = (*child)->Terminate(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  std::filesystem::remove(log);
}

// A child that ignores SIGTERM is killed after the grace, and its log says where it was stuck
// (gdb's backtrace; or why there is none, where gdb cannot attach).
TEST(ChildProcessTest, TerminateAppendsTheThreadStacksOfAChildThatIgnoresSigterm) {
  const std::string log = TempDir() + "/child-stuck-test-" + std::to_string(getpid()) + ".log";
  std::filesystem::remove(log);
  auto child = ChildProcess::Spawn(
      "stuck", {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
      LogTo(log));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(Eventually([&] { return (*child)->LogTail(1) == "ready\n"; }));
  absl::StatusOr<int> code = (*child)->Terminate(absl::Milliseconds(300));
  EXPECT_EQ(code.status().code(), absl::StatusCode::kDeadlineExceeded) << code.status();
  EXPECT_NE(code.status().message().find("thread stacks at the end of " + log), std::string::npos)
      << code.status();
  EXPECT_FALSE((*child)->Running());
  const std::string tail = (*child)->LogTail(200);
  EXPECT_NE(tail.find("stuck did not exit on SIGTERM; its threads:"), std::string::npos) << tail;
  EXPECT_TRUE(tail.find("#0 ") != std::string::npos ||
              tail.find("(no thread stacks: ") != std::string::npos)
      << tail;
  std::filesystem::remove(log);
}

TEST(ChildProcessTest, LogTailKeepsTheLastLines) {
  const std::string log = TempDir() + "/child-process-test-" + std::to_string(getpid()) + ".log";
  std::filesystem::remove(log);
  auto child =
      ChildProcess::Spawn("printer", {"/bin/sh", "-c", "printf 'a\\nb\\nc\\n'"}, LogTo(log));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE((*child)->WaitExit(absl::Seconds(10)).has_value());
  EXPECT_EQ((*child)->LogTail(2), "b\nc\n");
  std::filesystem::remove(log);
}

TEST(ChildProcessTest, AMissingProgramExits127) {
  RunResult r = RunToExit({"/nonexistent/blend-binary"}, TempDir());
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 127);
}

}  // namespace
}  // namespace blend::test_support
