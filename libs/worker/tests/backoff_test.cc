#include "blend/worker/backoff.h"

#include <gtest/gtest.h>

namespace blend::worker {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithFullJitterAndACap) {
  BackoffPolicy p{.initial = absl::Milliseconds(100),
                  .max = absl::Seconds(1),
                  .multiplier = 2,
                  .max_attempts = 4};
  EXPECT_EQ(p.Delay(1, 1.0), absl::Milliseconds(100));
  EXPECT_EQ(p.Delay(2, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(p.Delay(3, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(p.Delay(10, 1.0), absl::Seconds(1));
  EXPECT_EQ(p.Delay(2, 0.0), absl::ZeroDuration());
  EXPECT_TRUE(p.ShouldRetry(3));
  EXPECT_FALSE(p.ShouldRetry(4));
}

}  // namespace
}  // namespace blend::worker
