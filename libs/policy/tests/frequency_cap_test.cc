#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blend/common/testing/times.h"
#include "blend/policy/policy.h"
#include "gtest/gtest.h"

namespace blend::policy {
namespace {

using ::blend::test_support::At;
using ::blend::test_support::Utc;

const absl::Time kT = At("2026-01-15T12:00:00Z");
constexpr absl::Duration kOneDay = absl::Hours(24);

struct CapCase {
  std::string name;
  FrequencyCap cap;
  std::vector<absl::Duration> past;  // relative to kT
  absl::Duration want;               // relative to kT
};

class NextTimeUnderCapTest : public ::testing::TestWithParam<CapCase> {};

// Independent check of the contract: adding a touch at `s` keeps <= max in every window
// [x, x + w) -- scanned over all window starts at a fine step.
bool UnderCapEverywhere(const FrequencyCap& cap, const std::vector<absl::Time>& past,
                        absl::Time s) {
  for (absl::Time x = s - cap.window + absl::Minutes(1); x <= s; x += absl::Minutes(1)) {
    int n = 1;
    for (absl::Time p : past) n += (p >= x && p < x + cap.window) ? 1 : 0;
    if (n > cap.max_touches) return false;
  }
  return true;
}

TEST_P(NextTimeUnderCapTest, EarliestInstantUnderCap) {
  const CapCase& c = GetParam();
  std::vector<absl::Time> past;
  for (absl::Duration d : c.past) past.push_back(kT + d);
  const absl::Time got = NextTimeUnderCap(c.cap, past, kT);
  EXPECT_EQ(Utc(got), Utc(kT + c.want));
  if (CapEnabled(c.cap)) {
    EXPECT_TRUE(UnderCapEverywhere(c.cap, past, got));
    if (got > kT) {
      EXPECT_FALSE(UnderCapEverywhere(c.cap, past, got - absl::Minutes(1)));
    }
  }
}

const FrequencyCap kThreePerDay{3, kOneDay, false};
const FrequencyCap kOnePerDay{1, kOneDay, false};
const FrequencyCap kTwoPerDay{2, kOneDay, false};
const FrequencyCap kSevenPerWeek{7, 7 * kOneDay, false};  // Regulation F call frequency

INSTANTIATE_TEST_SUITE_P(
    Table, NextTimeUnderCapTest,
    ::testing::Values(
        CapCase{"Disabled", FrequencyCap{}, {-absl::Hours(1), -absl::Hours(2)}, {}},
        CapCase{"DisabledByZeroWindow",
                FrequencyCap{1, absl::ZeroDuration(), false},
                {-absl::Hours(1)},
                {}},
        CapCase{"NoHistory", kOnePerDay, {}, {}},
        CapCase{"UnderCap", kThreePerDay, {-absl::Hours(5), -absl::Hours(1)}, {}},
        CapCase{"AtCapWaitsForOldestToExpire",
                kThreePerDay,
                {-absl::Hours(23), -absl::Hours(22), -absl::Hours(1)},
                absl::Hours(1)},
        // Window edges: a touch exactly one window ago no longer counts (half-open).
        CapCase{"TouchExactlyOneWindowAgo", kOnePerDay, {-kOneDay}, {}},
        CapCase{"TouchOneSecondInsideWindow",
                kOnePerDay,
                {-kOneDay + absl::Seconds(1)},
                absl::Seconds(1)},
        CapCase{"TouchAtSameInstant", kOnePerDay, {absl::ZeroDuration()}, kOneDay},
        CapCase{"UnsortedHistory",
                kThreePerDay,
                {-absl::Hours(1), -absl::Hours(23), -absl::Hours(22)},
                absl::Hours(1)},
        CapCase{"DuplicateTimes",
                kTwoPerDay,
                {-absl::Hours(3), -absl::Hours(3)},
                kOneDay - absl::Hours(3)},
        // Scheduled touches after t count as well.
        CapCase{"FutureTouchBlocks", kOnePerDay, {absl::Hours(1)}, absl::Hours(25)},
        CapCase{"FutureTouchExactlyOneWindowAhead", kOnePerDay, {kOneDay}, {}},
        CapCase{
            "TouchesOneWindowApartBothSides", kTwoPerDay, {-absl::Hours(12), absl::Hours(12)}, {}},
        CapCase{"TouchesCloserThanOneWindow",
                kTwoPerDay,
                {-absl::Hours(12), absl::Hours(11)},
                absl::Hours(12)},
        CapCase{"OldHistoryIgnored", kOnePerDay, {-absl::Hours(24 * 30)}, {}},
        // Seven calls in seven days, one a day at 10:00 from day -6: the next call may go
        // when the first leaves the window, 7 days after it.
        CapCase{"SevenCallsInSevenDays",
                kSevenPerWeek,
                {-6 * kOneDay - absl::Hours(2), -5 * kOneDay - absl::Hours(2),
                 -4 * kOneDay - absl::Hours(2), -3 * kOneDay - absl::Hours(2),
                 -2 * kOneDay - absl::Hours(2), -kOneDay - absl::Hours(2), -absl::Hours(2)},
                kOneDay - absl::Hours(2)},
        CapCase{"SixCallsInSevenDays",
                kSevenPerWeek,
                {-6 * kOneDay, -5 * kOneDay, -4 * kOneDay, -3 * kOneDay, -2 * kOneDay, -kOneDay},
                {}}),
    [](const ::testing::TestParamInfo<CapCase>& info) { return info.param.name; });

TEST(CapEnabledTest, NeedsPositiveMaxAndWindow) {
  EXPECT_FALSE(CapEnabled(FrequencyCap{}));
  EXPECT_FALSE(CapEnabled(FrequencyCap{0, kOneDay, false}));
  EXPECT_FALSE(CapEnabled(FrequencyCap{3, absl::ZeroDuration(), false}));
  EXPECT_TRUE(CapEnabled(FrequencyCap{3, kOneDay, false}));
}

}  // namespace
}  // namespace blend::policy
