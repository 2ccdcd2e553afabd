#pragma once

// The service binary a contract test starts: SIGKILLed when the test ends before it exits by
// itself. Shared by the contract tests of this folder. Header-only.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace blend::test_support {

class ChildProcess {
 public:
  // args[0] is the binary's path; the child inherits this process's environment.
  explicit ChildProcess(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits up to `timeout` for the child to exit; its wait status, or nullopt.
  std::optional<int> WaitExit(absl::Duration timeout) {
    int wstatus = 0;
    for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
      if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
        pid_ = -1;
        return wstatus;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace blend::test_support
