#include "blend/common/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

extern char** environ;

namespace blend::test_support {
namespace {

int OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(std::string name,
                                                                  std::vector<std::string> argv,
                                                                  ChildOptions options) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to start");
  const std::string err_path =
      options.stderr_path.empty() ? options.stdout_path : options.stderr_path;
  int out_fd = options.stdout_path.empty() ? -1 : OpenForAppend(options.stdout_path);
  int err_fd = err_path.empty() ? -1 : OpenForAppend(err_path);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto close_all = [&] {
    for (int fd : {out_fd, err_fd, null_fd}) {
      if (fd >= 0) close(fd);
    }
  };
  if ((!options.stdout_path.empty() && out_fd < 0) || (!err_path.empty() && err_fd < 0) ||
      null_fd < 0) {
    close_all();
    return absl::InternalError(
        absl::StrCat("cannot open the output of ", name, ": ", strerror(errno)));
  }
  // Everything the child needs is built before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (auto& e : options.extra_env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: if the test process dies (a
  // crash, CTest's timeout kill) the kernel kills its children too.
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    dup2(null_fd, STDIN_FILENO);
    if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execve(args[0], args.data(), envp.data());
    constexpr char kExecFailed[] = "exec of the test's child process failed\n";
    (void)!write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  const int fork_errno = errno;
  close_all();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": ", strerror(fork_errno)));
  }
  return std::unique_ptr<ChildProcess>(
      new ChildProcess(std::move(name), pid, std::move(options.stdout_path)));
}

ChildProcess::~ChildProcess() { Kill(); }

bool ChildProcess::Running() {
  if (wait_status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    wait_status_ = status;
    return false;
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (Running()) kill(pid_, signal);
}

std::optional<int> ChildProcess::WaitExit(absl::Duration timeout) {
  for (absl::Time end = absl::Now() + timeout; Running() && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (Running()) return std::nullopt;
  return wait_status_;
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  wait_status_ = status;
}

absl::StatusOr<int> ChildProcess::Terminate(absl::Duration grace) {
  Signal(SIGTERM);
  if (!WaitExit(grace)) {
    std::string where;
    if (!log_path_.empty()) {
      std::ofstream(log_path_, std::ios::app)
          << "----- " << name_ << " did not exit on SIGTERM; its threads:\n"
          << ThreadStacks();
      where = absl::StrCat(" (thread stacks at the end of ", log_path_, ")");
    }
    Kill();
    return absl::DeadlineExceededError(absl::StrCat(
        name_, " did not exit within ", absl::FormatDuration(grace), " of SIGTERM", where));
  }
  if (WIFSIGNALED(*wait_status_)) {
    return absl::AbortedError(absl::StrCat(name_, " died of signal ", WTERMSIG(*wait_status_)));
  }
  return WEXITSTATUS(*wait_status_);
}

std::string ChildProcess::ThreadStacks() const {
  std::string gdb_path;
  for (absl::string_view dir : absl::StrSplit(absl::NullSafeStringView(getenv("PATH")), ':')) {
    std::string candidate = absl::StrCat(dir, "/gdb");
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) {
      gdb_path = std::move(candidate);
      break;
    }
  }
  if (gdb_path.empty()) return "(no thread stacks: gdb is not on PATH)\n";
  // Ten frames a thread keep the dump short enough to read in a CI log tail (the main
  // thread, printed last, is usually the one that hangs).
  RunResult gdb = RunToExit(
      {gdb_path, "-p", absl::StrCat(pid_), "-batch", "-nx", "-ex", "thread apply all bt 10"},
      std::filesystem::temp_directory_path().string(), absl::Seconds(60));
  if (!gdb.exited || gdb.exit_code != 0) {
    return absl::StrCat("(no thread stacks: gdb ", gdb.exited ? "exited " : "timed out ",
                        gdb.exit_code, ": ", gdb.err, ")\n");
  }
  return gdb.out;
}

std::string ChildProcess::LogTail(int lines) const {
  if (log_path_.empty()) return "";
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) absl::StrAppend(&out, l, "\n");
  return out;
}

RunResult RunToExit(const std::vector<std::string>& argv, const std::string& dir,
                    absl::Duration timeout, std::vector<std::string> extra_env) {
  static int counter = 0;
  const std::string out_path = absl::StrCat(dir, "/run-", getpid(), "-", ++counter, ".out");
  const std::string err_path = out_path + ".err";
  RunResult r;
  ChildOptions options;
  options.stdout_path = out_path;
  options.stderr_path = err_path;
  options.extra_env = std::move(extra_env);
  auto child = ChildProcess::Spawn(argv.empty() ? "" : argv[0], argv, std::move(options));
  if (!child.ok()) {
    r.err = child.status().ToString();
    return r;
  }
  std::optional<int> status = (*child)->WaitExit(timeout);
  if (status) {
    r.exited = true;
    r.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  } else {
    (*child)->Kill();
  }
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

}  // namespace blend::test_support
