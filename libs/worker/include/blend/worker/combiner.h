#pragma once

// Group commit for calls made from many threads at once: each Submit() waits for its own
// answer, and whichever caller finds no batch running runs one for every request queued so
// far (up to `max_batch`), so K concurrent ledger writes or claims cost one round trip, not K.
// Under no concurrency a batch is one request: nothing waits for company.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace blend::worker {

template <typename Request, typename Result>
class Combiner {
 public:
  // Gets the requests of one batch and returns one result per request, in order.
  using BatchFn = std::function<std::vector<Result>(const std::vector<Request>&)>;

  Combiner(BatchFn run, size_t max_batch) : run_(std::move(run)), max_batch_(max_batch) {}

  // Thread-safe. Blocks until the batch holding `request` has run.
  Result Submit(Request request) {
    Slot slot{std::move(request), std::nullopt};
    absl::MutexLock lock(&mu_);
    queue_.push_back(&slot);
    while (!slot.result) {
      if (running_) {
        changed_.Wait(&mu_);
        continue;
      }
      running_ = true;
      const size_t n = std::min(queue_.size(), max_batch_);
      std::vector<Slot*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      std::vector<Request> requests;
      requests.reserve(n);
      for (Slot* s : batch) requests.push_back(s->request);
      mu_.Unlock();
      std::vector<Result> results = run_(requests);
      mu_.Lock();
      for (size_t i = 0; i < batch.size(); ++i) batch[i]->result.emplace(std::move(results[i]));
      running_ = false;
      ++batches_;
      changed_.SignalAll();
    }
    return *std::move(slot.result);
  }

  // Requests waiting for a batch to take them (for tests).
  size_t queued() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

  // Batches run so far (for tests and logs).
  int64_t batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

 private:
  struct Slot {
    Request request;
    std::optional<Result> result;
  };
  BatchFn run_;
  const size_t max_batch_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  std::vector<Slot*> queue_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace blend::worker
