#include "blend/common/testing/env.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/time/clock.h"

namespace blend::test_support {

std::string RequireEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: this test needs the real PostgreSQL and Kafka. Run "
                  << "`scripts/cluster up`, then `set -a; . .local/cluster.env; set +a`.";
    return "";
  }
  return v;
}

bool Eventually(const std::function<bool()>& pred, absl::Duration timeout,
                absl::Duration interval) {
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    if (pred()) return true;
    absl::SleepFor(interval);
  }
  return pred();
}

}  // namespace blend::test_support
