#include "blend/quota/quota_governor.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::quota {
namespace {

class CountingStore : public QuotaStore {
 public:
  absl::StatusOr<TakeResult> Lease(const std::string& name, const QuotaConfig& config, int wanted,
                                   absl::Time now) override {
    ++leases;
    return inner.Lease(name, config, wanted, now);
  }
  absl::Status PauseUntil(const std::string& name, const QuotaConfig& config, absl::Time until,
                          absl::Time now) override {
    ++pauses;
    return inner.PauseUntil(name, config, until, now);
  }
  absl::Status GiveBack(const std::string& name, const QuotaConfig& config, int count,
                        absl::Time now) override {
    given_back += count;
    return inner.GiveBack(name, config, count, now);
  }
  InMemoryQuotaStore inner;
  int leases = 0;
  int pauses = 0;
  int given_back = 0;
};

TEST(QuotaGovernorTest, LeasesInBatchesAndHandsOutOneTokenPerRequest) {
  FakeClock clock;
  CountingStore store;
  QuotaGovernor governor(store, clock, "demo-client",
                         {.requests_per_minute = 600, .burst = 5, .lease_size = 5});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(governor.TryAcquire()->granted) << i;
  EXPECT_EQ(store.leases, 1);
  auto denied = governor.TryAcquire();
  EXPECT_FALSE(denied->granted);
  EXPECT_GT(denied->retry_at, clock.Now());
  // Asking again before retry_at does not touch the store.
  EXPECT_FALSE(governor.TryAcquire()->granted);
  EXPECT_EQ(store.leases, 2);
  clock.Set(denied->retry_at);
  EXPECT_TRUE(governor.TryAcquire()->granted);
}

TEST(QuotaGovernorTest, TwoReplicasShareOneBucket) {
  FakeClock clock;
  InMemoryQuotaStore store;
  QuotaConfig config{.requests_per_minute = 120, .burst = 2};
  QuotaGovernor a(store, clock, "client", config), b(store, clock, "client", config);
  int granted = 0;
  for (absl::Time end = clock.Now() + absl::Minutes(1); clock.Now() < end;
       clock.Advance(absl::Milliseconds(50))) {
    granted += a.TryAcquire()->granted;
    granted += b.TryAcquire()->granted;
  }
  EXPECT_LE(granted, 120);
  EXPECT_GE(granted, 110);
}

TEST(QuotaGovernorTest, RateLimitPausesEveryReplicaForRetryAfter) {
  FakeClock clock;
  InMemoryQuotaStore store;
  auto registry = std::make_shared<prometheus::Registry>();
  QuotaConfig config{.requests_per_minute = 600, .burst = 5, .lease_size = 5};
  QuotaGovernor a(store, clock, "client", config, registry.get());
  QuotaGovernor b(store, clock, "client", config);
  ASSERT_TRUE(a.TryAcquire()->granted);  // a holds 4 more local tokens
  ASSERT_TRUE(a.OnRateLimited(absl::Seconds(30)).ok());
  auto a_wait = a.TryAcquire();
  EXPECT_FALSE(a_wait->granted);  // local tokens dropped
  EXPECT_EQ(a_wait->retry_at, clock.Now() + absl::Seconds(30));
  auto b_wait = b.TryAcquire();
  EXPECT_FALSE(b_wait->granted);  // paused through the shared store
  EXPECT_EQ(b_wait->retry_at, clock.Now() + absl::Seconds(30));
  clock.Advance(absl::Seconds(30));
  EXPECT_TRUE(b.TryAcquire()->granted);

  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("blend_quota_rate_limited_total{quota=\"client\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("blend_quota_decisions_total{quota=\"client\",result=\"granted\"} 1"),
            std::string::npos)
      << text;
}

// Tokens a replica leased and did not use in time go back to the shared bucket instead of
// being dropped (the shared quota then delivers what it promises).
TEST(QuotaGovernorTest, UnusedLeasedTokensGoBackAfterTheirTtl) {
  FakeClock clock;
  CountingStore store;
  // Refill so slow that only the first five tokens matter in this test.
  QuotaConfig config{
      .requests_per_minute = 6, .burst = 5, .lease_size = 5, .lease_ttl = absl::Seconds(1)};
  QuotaGovernor governor(store, clock, "client", config);
  ASSERT_TRUE(governor.TryAcquire()->granted);  // leases 5, uses 1
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(governor.TryAcquire()->granted) << "the 4 unused tokens must not be lost";
  EXPECT_EQ(store.given_back, 4);
  EXPECT_EQ(store.leases, 2);
}

// A request that does not go after all (the claim was refused) does not spend its token.
TEST(QuotaGovernorTest, ReleasedTokenIsNotSpent) {
  FakeClock clock;
  InMemoryQuotaStore store;
  QuotaConfig config{.requests_per_minute = 6, .burst = 1};
  QuotaGovernor governor(store, clock, "client", config);
  ASSERT_TRUE(governor.TryAcquire()->granted);
  EXPECT_FALSE(governor.TryAcquire()->granted);
  ASSERT_TRUE(governor.Release().ok());
  EXPECT_TRUE(governor.TryAcquire()->granted);
}

// With the defaults three replicas together get the whole rate: the busiest minute (what
// Genesys counts) uses at least 98 % of the quota and never more than it.
TEST(QuotaGovernorTest, ThreeReplicasUseAtLeast98PercentOfTheBusiestMinute) {
  FakeClock clock;
  InMemoryQuotaStore store;
  QuotaConfig config{.requests_per_minute = 900};  // the defaults otherwise
  QuotaGovernor a(store, clock, "client", config), b(store, clock, "client", config),
      c(store, clock, "client", config);
  std::vector<absl::Time> grants;
  const absl::Time start = clock.Now();
  for (; clock.Now() < start + absl::Minutes(5); clock.Advance(absl::Milliseconds(20))) {
    for (QuotaGovernor* g : {&a, &b, &c}) {
      if (g->TryAcquire()->granted) grants.push_back(clock.Now());
    }
  }
  size_t busiest = 0;
  for (size_t i = 0; i < grants.size(); ++i) {  // every 60 s window starting at a grant
    size_t j = i;
    while (j < grants.size() && grants[j] < grants[i] + absl::Minutes(1)) ++j;
    busiest = std::max(busiest, j - i);
  }
  EXPECT_LE(busiest, 900u);
  EXPECT_GE(busiest, 882u);
}

}  // namespace
}  // namespace blend::quota
