#pragma once

// A service binary (or any program) a test starts as a child process. The child dies with the
// test process (PR_SET_PDEATHSIG), so a crashed or timed-out test leaves nothing running; the
// destructor SIGKILLs a child that is still running.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::test_support {

struct ChildOptions {
  // Where stdout goes; empty: the test's own stdout. Appended to.
  std::string stdout_path;
  // Where stderr goes; empty: stdout_path when that is set, else the test's own stderr.
  std::string stderr_path;
  // Added to the test's environment ("NAME=value").
  std::vector<std::string> extra_env;
};

// stdout and stderr both appended to `path`.
inline ChildOptions LogTo(std::string path) {
  ChildOptions options;
  options.stdout_path = std::move(path);
  return options;
}

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv[1..]. `name` is used in messages.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(std::string name,
                                                             std::vector<std::string> argv,
                                                             ChildOptions options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // False once the child has exited (reaps it).
  bool Running();
  // Sends `signal` (nothing once the child has exited).
  void Signal(int signal);
  // Waits up to `timeout` for the child to exit; its wait status, or nullopt while it runs.
  std::optional<int> WaitExit(absl::Duration timeout);
  // SIGTERM, then waits up to `grace`; the exit code, or kDeadlineExceeded after a SIGKILL,
  // or kAborted when a signal ended it. Before the SIGKILL, the stuck child's thread stacks
  // (ThreadStacks) are appended to its log, so the failure says where it hung.
  absl::StatusOr<int> Terminate(absl::Duration grace);
  // Every thread's backtrace of the running child, taken with gdb; a line saying why not
  // when gdb is missing or fails.
  std::string ThreadStacks() const;
  // SIGKILL and reap.
  void Kill();
  // The last `lines` lines of stdout_path ("" without one).
  std::string LogTail(int lines) const;

 private:
  ChildProcess(std::string name, pid_t pid, std::string log_path)
      : name_(std::move(name)), pid_(pid), log_path_(std::move(log_path)) {}
  std::string name_;
  pid_t pid_;
  std::string log_path_;
  std::optional<int> wait_status_;
};

// What a program that ran to its end did.
struct RunResult {
  bool exited = false;  // false: still running at the deadline (then SIGKILLed)
  int exit_code = -1;   // 128 + signal when a signal ended it
  std::string out;
  std::string err;
};

// Runs argv to its end (at most `timeout`), capturing stdout and stderr in files of `dir`.
RunResult RunToExit(const std::vector<std::string>& argv, const std::string& dir,
                    absl::Duration timeout = absl::Seconds(60),
                    std::vector<std::string> extra_env = {});

}  // namespace blend::test_support
