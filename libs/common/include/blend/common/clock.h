#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace blend {

// Source of the current time. Injected by reference into everything that needs "now", so
// tests use FakeClock and never sleep through a real wait. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
  // A process-wide instance for main(); libraries take a Clock& instead of calling this.
  static RealClock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'767'225'600))  // 2026-01-01Z
      : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend
