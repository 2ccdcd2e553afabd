#pragma once

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace blend {

// Turns SIGTERM and SIGINT into a notification that the composition root waits on, so a
// service drains in-flight work and exits cleanly (Kubernetes sends SIGTERM before SIGKILL).
// Install() once from main(), before starting threads. Thread-safe afterwards.
class ShutdownSignal {
 public:
  static void Install();
  // Blocks until a signal arrives (or RequestForTest was called).
  static void Wait();
  // True once a signal arrived; also waits up to `timeout` for it.
  static bool WaitFor(absl::Duration timeout);
  static bool Requested();
  static void Request();
};

}  // namespace blend
