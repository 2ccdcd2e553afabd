// TokenProvider on its own: expiry decisions with a FakeClock and a scripted fetch.

#include "token_provider.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace blend::genesys::internal {
namespace {

// Waits (bounded, so a broken provider fails instead of hanging) until `n` callers are
// blocked on another caller's fetch.
bool AwaitWaiters(const TokenProvider& tokens, int n) {
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (tokens.WaitersForTest() < n) {
    if (absl::Now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class TokenProviderTest : public ::testing::Test {
 protected:
  absl::StatusOr<FetchedToken> Fetch() {
    int n = ++fetches_;
    if (fail_) return absl::UnavailableError("token endpoint down");
    return FetchedToken{absl::StrCat("t", n), lifetime_};
  }

  FakeClock clock_;
  std::atomic<int> fetches_{0};
  bool fail_ = false;
  absl::Duration lifetime_ = absl::Hours(1);
  TokenProvider tokens_{clock_, absl::Minutes(5), [this] { return Fetch(); }};
};

TEST_F(TokenProviderTest, CachesUntilMarginBeforeExpiry) {
  EXPECT_EQ(*tokens_.Get(), "t1");
  clock_.Advance(absl::Minutes(54) + absl::Seconds(59));
  EXPECT_EQ(*tokens_.Get(), "t1");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(*tokens_.Get(), "t2");
  EXPECT_EQ(fetches_.load(), 2);
}

TEST_F(TokenProviderTest, RefreshReplacesOnlyTheRejectedToken) {
  EXPECT_EQ(*tokens_.Get(), "t1");
  EXPECT_EQ(*tokens_.Refresh("t1"), "t2");
  // A second caller that also saw t1 rejected gets t2 without another fetch.
  EXPECT_EQ(*tokens_.Refresh("t1"), "t2");
  EXPECT_EQ(fetches_.load(), 2);
}

TEST_F(TokenProviderTest, FailureIsReturnedAndNextCallTriesAgain) {
  fail_ = true;
  EXPECT_EQ(tokens_.Get().status().code(), absl::StatusCode::kUnavailable);
  fail_ = false;
  EXPECT_EQ(*tokens_.Get(), "t2");
}

TEST(TokenProviderConcurrencyTest, WaitersShareTheFetchInFlight) {
  FakeClock clock;
  absl::Notification release;
  std::atomic<int> fetches{0};
  TokenProvider tokens(clock, absl::Minutes(5), [&]() -> absl::StatusOr<FetchedToken> {
    ++fetches;
    release.WaitForNotification();
    return FetchedToken{"shared", absl::Hours(1)};
  });
  std::vector<std::thread> threads;
  std::vector<std::string> got(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] { got[i] = tokens.Get().value_or("error"); });
  }
  // One thread is fetching (blocked), the five others wait for its result.
  EXPECT_TRUE(AwaitWaiters(tokens, 5));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(fetches.load(), 1);
  for (const auto& token : got) EXPECT_EQ(token, "shared");
}

TEST(TokenProviderConcurrencyTest, WaitersShareTheFetchFailure) {
  FakeClock clock;
  absl::Notification release;
  std::atomic<int> fetches{0};
  TokenProvider tokens(clock, absl::Minutes(5), [&]() -> absl::StatusOr<FetchedToken> {
    ++fetches;
    release.WaitForNotification();
    return absl::UnauthenticatedError("bad secret");
  });
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { failures += !tokens.Get().ok(); });
  }
  EXPECT_TRUE(AwaitWaiters(tokens, 3));
  release.Notify();
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 4);
  EXPECT_EQ(fetches.load(), 1);
}

}  // namespace
}  // namespace blend::genesys::internal
