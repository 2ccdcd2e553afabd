#pragma once

// Progress of a bulk load (start-many): counters updated by the loader threads, and a
// reporter thread that redraws a bar on a terminal (every 200 ms) or prints a plain line
// (every 2 s) when stderr is a file or pipe. Counters are atomics: safe from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace blend::blendctl {

struct ProgressSnapshot {
  int64_t rows = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  absl::Duration elapsed;
  double fraction = -1;  // of the input consumed, 0..1; negative when unknown
};

// "[#####-----]  50%  1000 rows  250 rows/s  accepted 990  rejected 10" (bar=true), or
// (rows = read from the file; rows/s = answered rows, accepted + rejected, per second)
// "start-many: 1000 rows, 250 rows/s, accepted 990, rejected 10, 50% of the file".
std::string FormatProgressLine(const ProgressSnapshot& snapshot, bool bar);

struct ProgressCounters {
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> duplicates{0};  // accepted, but an existing journey (same key + input)
  std::atomic<int64_t> rejected{0};
};

class ProgressReporter {
 public:
  // `fraction` reports how much of the input is consumed (may return a negative: unknown).
  ProgressReporter(const ProgressCounters& counters, std::function<double()> fraction,
                   std::ostream& err, bool tty);
  ~ProgressReporter();  // Stop()s

  // Ends the reporter thread; on a terminal, ends the bar's line. Idempotent.
  void Stop();

 private:
  void Run();
  ProgressSnapshot Snapshot() const;

  const ProgressCounters& counters_;
  std::function<double()> fraction_;
  std::ostream& err_;
  bool tty_;
  absl::Time start_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace blend::blendctl
