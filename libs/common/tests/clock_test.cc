#include "blend/common/clock.h"

#include <gtest/gtest.h>

namespace blend {
namespace {

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Hours(24));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000 + 86400));
  clock.Set(absl::FromUnixSeconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(5));
}

TEST(RealClockTest, IsCloseToSystemTime) {
  absl::Duration skew = RealClock::Instance().Now() - absl::Now();
  EXPECT_LT(absl::AbsDuration(skew), absl::Seconds(5));
}

}  // namespace
}  // namespace blend
