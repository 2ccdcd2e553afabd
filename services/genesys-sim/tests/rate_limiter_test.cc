#include "blend/genesys_sim/rate_limiter.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

TEST(RateLimiterTest, AllowsExactlyTheBudgetPerWindow) {
  FakeClock clock;
  RateLimiter limiter(clock, 300);
  for (int i = 1; i <= 300; ++i) {
    RateDecision d = limiter.Acquire("client");
    ASSERT_TRUE(d.allowed) << "request " << i;
    EXPECT_EQ(d.count, i);
    EXPECT_EQ(d.limit, 300);
    EXPECT_EQ(d.reset_seconds, 60);
  }
  RateDecision refused = limiter.Acquire("client");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.count, 300);
  EXPECT_EQ(refused.retry_after_seconds, 60);
}

TEST(RateLimiterTest, RetryAfterCountsDownToTheWindowEnd) {
  FakeClock clock;
  RateLimiter limiter(clock, 2);
  ASSERT_TRUE(limiter.Acquire("c").allowed);
  clock.Advance(absl::Seconds(20));
  ASSERT_TRUE(limiter.Acquire("c").allowed);
  clock.Advance(absl::Milliseconds(500));
  RateDecision d = limiter.Acquire("c");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 40);  // 39.5 s rounded up
  EXPECT_EQ(d.reset_seconds, 40);
}

TEST(RateLimiterTest, WindowReopensAfterOneMinute) {
  FakeClock clock;
  RateLimiter limiter(clock, 1);
  ASSERT_TRUE(limiter.Acquire("c").allowed);
  clock.Advance(absl::Seconds(59));
  EXPECT_FALSE(limiter.Acquire("c").allowed);
  clock.Advance(absl::Seconds(1));
  RateDecision d = limiter.Acquire("c");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.count, 1);
}

TEST(RateLimiterTest, RefusedRequestsDoNotConsumeTheNextWindow) {
  FakeClock clock;
  RateLimiter limiter(clock, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Acquire("c").allowed);
  for (int i = 0; i < 50; ++i) ASSERT_FALSE(limiter.Acquire("c").allowed);
  clock.Advance(absl::Minutes(1));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("c").allowed);
  EXPECT_FALSE(limiter.Acquire("c").allowed);
}

TEST(RateLimiterTest, ClientsHaveSeparateBudgets) {
  FakeClock clock;
  RateLimiter limiter(clock, 1);
  EXPECT_TRUE(limiter.Acquire("a").allowed);
  EXPECT_TRUE(limiter.Acquire("b").allowed);
  EXPECT_FALSE(limiter.Acquire("a").allowed);
}

class RateLimitApiTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimConfig config = DemoConfig();
    config.requests_per_minute = 5;
    Build(config);
  }
};

TEST_F(RateLimitApiTest, SixthRequestInAMinuteIs429WithGenesysHeadersAndBody) {
  for (int i = 1; i <= 5; ++i) {
    HttpResponse r = Api("GET", "/api/v2/outbound/dnclists/demo-dnc");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("inin-ratelimit-count"), absl::StrCat(i));
    EXPECT_EQ(r.Header("inin-ratelimit-allowed"), "5");
    EXPECT_EQ(r.Header("inin-ratelimit-reset"), "60");
  }
  clock_.Advance(absl::Seconds(18));
  HttpResponse r = Api("GET", "/api/v2/outbound/dnclists/demo-dnc");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After"), "42");
  EXPECT_EQ(r.Header("inin-ratelimit-count"), "5");
  EXPECT_EQ(r.Header("inin-ratelimit-reset"), "42");
  nlohmann::json body = Json(r);
  EXPECT_EQ(body["code"], "too.many.requests.retry.after");
  EXPECT_EQ(body["status"], 429);
  EXPECT_EQ(body["message"], "Rate limit exceeded the maximum. Retry the request in [42] seconds");
  EXPECT_EQ(body["contextId"], r.Header("ININ-Correlation-Id"));
  EXPECT_TRUE(body["details"].empty());
  EXPECT_TRUE(body["errors"].empty());
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_rate_limited_total",
                                 {{"client_id", "demo-client"}}),
            1);
  clock_.Advance(absl::Seconds(42));
  EXPECT_EQ(Api("GET", "/api/v2/outbound/dnclists/demo-dnc").status, 200);
}

TEST_F(RateLimitApiTest, TokenRequestsAreNotCounted) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(TokenCall("demo-client", "demo-secret").status, 200);
  EXPECT_EQ(Api("GET", "/api/v2/outbound/dnclists/demo-dnc").Header("inin-ratelimit-count"), "1");
}

TEST_F(RateLimitApiTest, AdminApiChangesTheLimit) {
  HttpResponse r = Call("PUT", "/sim/rate-limit", R"({"requestsPerMinute": 1})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Api("GET", "/api/v2/outbound/dnclists/demo-dnc").status, 200);
  EXPECT_EQ(Api("GET", "/api/v2/outbound/dnclists/demo-dnc").status, 429);
}

}  // namespace
}  // namespace blend::genesys_sim
