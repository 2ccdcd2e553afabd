#pragma once

// The environment an integration test runs in: the PostgreSQL and Kafka of `scripts/cluster
// up`. A missing variable FAILS the test (never skips it): a skipped integration test looks
// like a passing one.

#include <functional>
#include <string>

#include "absl/time/time.h"

namespace blend::test_support {

// The value of `name`; adds a test failure naming the fix and returns "" when it is unset.
std::string RequireEnv(const char* name);

// Polls `pred` every `interval` until it holds (true) or `timeout` passes (false).
bool Eventually(const std::function<bool()>& pred, absl::Duration timeout = absl::Seconds(30),
                absl::Duration interval = absl::Milliseconds(50));

}  // namespace blend::test_support
