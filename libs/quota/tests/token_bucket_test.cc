#include "blend/quota/token_bucket.h"

#include <deque>

#include <gtest/gtest.h>

namespace blend::quota {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(TokenBucketTest, StartsFullAndGrantsUpToCapacity) {
  QuotaConfig config{.requests_per_minute = 120, .burst = 4};
  BucketState s = NewBucket(config, kT0);
  TakeResult r = Take(config, s, 10, kT0);
  EXPECT_EQ(r.granted, 4);
  TakeResult again = Take(config, r.state, 1, kT0);
  EXPECT_EQ(again.granted, 0);
  EXPECT_GT(again.retry_at, kT0);
}

TEST(TokenBucketTest, RetryAtIsWhenTheNextTokenArrives) {
  QuotaConfig config{.requests_per_minute = 62, .burst = 2, .lease_ttl = absl::ZeroDuration()};
  // rate = (62 - 2) / 60 s = 1 token per second
  EXPECT_DOUBLE_EQ(config.refill_per_second(), 1.0);
  TakeResult r = Take(config, NewBucket(config, kT0), 2, kT0);
  TakeResult none = Take(config, r.state, 1, kT0);
  EXPECT_EQ(none.retry_at, kT0 + absl::Seconds(1));
  EXPECT_EQ(Take(config, none.state, 1, kT0 + absl::Seconds(1)).granted, 1);
}

TEST(TokenBucketTest, ClockGoingBackwardsAddsNothing) {
  QuotaConfig config{.requests_per_minute = 120, .burst = 1};
  TakeResult r = Take(config, NewBucket(config, kT0), 1, kT0);
  TakeResult earlier = Take(config, r.state, 1, kT0 - absl::Seconds(30));
  EXPECT_EQ(earlier.granted, 0);
  EXPECT_EQ(earlier.state.updated_at, kT0);
}

TEST(TokenBucketTest, PauseBlocksUntilItEndsAndNeverShortens) {
  QuotaConfig config{.requests_per_minute = 600, .burst = 5};
  BucketState s = Pause(NewBucket(config, kT0), kT0 + absl::Seconds(30), kT0);
  s = Pause(s, kT0 + absl::Seconds(10), kT0 + absl::Seconds(1));  // shorter pause: ignored
  TakeResult during = Take(config, s, 1, kT0 + absl::Seconds(29));
  EXPECT_EQ(during.granted, 0);
  EXPECT_EQ(during.retry_at, kT0 + absl::Seconds(30));
  EXPECT_EQ(Take(config, during.state, 1, kT0 + absl::Seconds(30)).granted, 1);
}

// The guarantee the workers rely on: a greedy client that takes every token the moment it
// appears, and holds each for up to lease_ttl, never puts more than Q requests in any 60 s
// window, and still uses almost all of Q.
class WindowGuaranteeTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(WindowGuaranteeTest, NeverMoreThanQuotaInAnySixtySeconds) {
  auto [rpm, burst] = GetParam();
  QuotaConfig config{.requests_per_minute = rpm, .burst = burst, .lease_ttl = absl::Seconds(1)};
  BucketState s = NewBucket(config, kT0);
  std::vector<absl::Time> sends;
  const absl::Duration step = absl::Milliseconds(10);
  for (absl::Time t = kT0; t < kT0 + absl::Minutes(5); t += step) {
    TakeResult r = Take(config, s, burst, t);
    s = r.state;
    // Worst case for the window: each leased token is used as late as its lease allows.
    for (int i = 0; i < r.granted; ++i) sends.push_back(t + config.lease_ttl);
  }
  std::sort(sends.begin(), sends.end());
  size_t max_in_window = 0;
  std::deque<absl::Time> window;
  for (absl::Time t : sends) {
    window.push_back(t);
    while (window.front() <= t - absl::Minutes(1)) window.pop_front();
    max_in_window = std::max(max_in_window, window.size());
  }
  EXPECT_LE(max_in_window, static_cast<size_t>(rpm));
  // Steady state: at least 95 % of the quota over the last four minutes.
  double per_minute = (sends.size() - burst) / 5.0;
  EXPECT_GE(per_minute, 0.95 * rpm) << "sent " << sends.size();
}

INSTANTIATE_TEST_SUITE_P(Quotas, WindowGuaranteeTest,
                         ::testing::Values(std::make_tuple(120, 2), std::make_tuple(300, 5),
                                           std::make_tuple(3000, 20), std::make_tuple(60, 1)));

}  // namespace
}  // namespace blend::quota
