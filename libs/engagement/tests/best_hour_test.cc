#include "blend/engagement/best_hour.h"

#include "blend/common/testing/times.h"
#include "gtest/gtest.h"

namespace blend::engagement {
namespace {

using test_support::At;
using test_support::Utc;
using test_support::Zone;

TEST(NextLocalHourTest, InsideTheHourIsNow) {
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(Utc(NextLocalHour(18, ny, At("2026-11-24T23:40:00Z"))), "2026-11-24T23:40:00+00:00");
}

TEST(NextLocalHourTest, LaterTodayOrTomorrow) {
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(Utc(NextLocalHour(18, ny, At("2026-11-24T15:00:00Z"))), "2026-11-24T23:00:00+00:00");
  EXPECT_EQ(Utc(NextLocalHour(9, ny, At("2026-11-24T15:00:00Z"))), "2026-11-25T14:00:00+00:00");
}

TEST(NextLocalHourTest, SameLocalHourAcrossSpringForward) {
  const absl::TimeZone ny = Zone("America/New_York");
  // Saturday 15:00 EST -> 18:00 EST; Sunday 16:00 EDT -> 18:00 EDT (one hour earlier in UTC).
  EXPECT_EQ(Utc(NextLocalHour(18, ny, At("2026-03-07T20:00:00Z"))), "2026-03-07T23:00:00+00:00");
  EXPECT_EQ(Utc(NextLocalHour(18, ny, At("2026-03-08T20:00:00Z"))), "2026-03-08T22:00:00+00:00");
  // From Saturday evening, the next 18:00 is Sunday's, already in EDT.
  EXPECT_EQ(Utc(NextLocalHour(18, ny, At("2026-03-08T00:30:00Z"))), "2026-03-08T22:00:00+00:00");
}

TEST(NextLocalHourTest, SkippedHourStartsWhenTheClocksJump) {
  const absl::TimeZone ny = Zone("America/New_York");
  // 02:00 does not exist on 2026-03-08: the clocks jump from 02:00 EST to 03:00 EDT (07:00Z).
  EXPECT_EQ(Utc(NextLocalHour(2, ny, At("2026-03-08T05:00:00Z"))), "2026-03-08T07:00:00+00:00");
}

TEST(NextLocalHourTest, RepeatedHourUsesItsFirstOccurrence) {
  const absl::TimeZone ny = Zone("America/New_York");
  // 01:00 happens twice on 2026-11-01: first at 01:00 EDT (05:00Z).
  EXPECT_EQ(Utc(NextLocalHour(1, ny, At("2026-11-01T03:00:00Z"))), "2026-11-01T05:00:00+00:00");
}

TEST(DeferToBestHourTest, DefersWithinMaxDelayAndWindow) {
  const absl::TimeZone ny = Zone("America/New_York");
  const std::vector<absl::TimeZone> zones = {ny};
  policy::DailyWindow window;  // 08:00-21:00
  auto at = DeferToBestHour(18, ny, window, zones, BestHourPolicy{absl::Hours(12)},
                            At("2026-11-24T15:00:00Z"));
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(Utc(*at), "2026-11-24T23:00:00+00:00");
}

TEST(DeferToBestHourTest, TooFarAwayIsNotDeferred) {
  const absl::TimeZone ny = Zone("America/New_York");
  const std::vector<absl::TimeZone> zones = {ny};
  EXPECT_FALSE(DeferToBestHour(18, ny, std::nullopt, zones, BestHourPolicy{absl::Hours(2)},
                               At("2026-11-24T15:00:00Z"))
                   .has_value());
}

TEST(DeferToBestHourTest, BestHourOutsideTheWindowInAnyZoneIsNotUsed) {
  const absl::TimeZone ny = Zone("America/New_York");
  const std::vector<absl::TimeZone> zones = {ny, Zone("America/Los_Angeles")};
  policy::DailyWindow window;  // 08:00-21:00
  // 08:00 in New York is 05:00 in Los Angeles: outside the window there.
  EXPECT_FALSE(DeferToBestHour(8, ny, window, zones, BestHourPolicy{absl::Hours(24)},
                               At("2026-11-24T15:00:00Z"))
                   .has_value());
  // 22:00 is outside the window in New York itself.
  EXPECT_FALSE(DeferToBestHour(22, ny, window, {ny}, BestHourPolicy{absl::Hours(24)},
                               At("2026-11-24T15:00:00Z"))
                   .has_value());
  EXPECT_FALSE(DeferToBestHour(24, ny, std::nullopt, {ny}, BestHourPolicy{absl::Hours(24)},
                               At("2026-11-24T15:00:00Z"))
                   .has_value());
}

}  // namespace
}  // namespace blend::engagement
