#pragma once

// Where the worker loop runs each touch's processing: on K threads in production
// (ThreadPoolExecutor), on the loop's own thread when none is given, and when a test says so
// in the unit tests (tests/fakes.h), which makes out-of-order completion deterministic.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace blend::worker {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `job` once, some time later, on some thread.
  virtual void Submit(std::function<void()> job) = 0;
};

// `threads` workers taking jobs in submission order. The destructor lets queued jobs finish.
class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(int threads);
  ~ThreadPoolExecutor() override;
  void Submit(std::function<void()> job) override;

 private:
  void Work();
  bool HasJobOrStopping() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace blend::worker
