#include "blend/worker/combiner.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace blend::worker {
namespace {

TEST(Combiner, ALoneCallIsABatchOfOne) {
  std::vector<size_t> sizes;
  Combiner<int, int> c(
      [&](const std::vector<int>& r) {
        sizes.push_back(r.size());
        return std::vector<int>{r[0] * 2};
      },
      8);
  EXPECT_EQ(c.Submit(21), 42);
  EXPECT_EQ(sizes, std::vector<size_t>{1});
}

TEST(Combiner, CallsArrivingWhileABatchRunsGoTogetherInTheNextAndEachGetsItsOwnAnswer) {
  absl::Notification first_started, release_first;
  std::vector<std::vector<int>> batches;
  absl::Mutex mu;
  Combiner<int, int> c(
      [&](const std::vector<int>& r) {
        {
          absl::MutexLock lock(&mu);
          batches.push_back(r);
        }
        if (r == std::vector<int>{0}) {
          first_started.Notify();
          release_first.WaitForNotification();
        }
        std::vector<int> out;
        for (int x : r) out.push_back(x + 100);
        return out;
      },
      3);
  std::vector<int> answers(5, -1);
  std::thread leader([&] { answers[0] = c.Submit(0); });
  first_started.WaitForNotification();
  std::vector<std::thread> followers;
  for (int i = 1; i < 5; ++i) followers.emplace_back([&, i] { answers[i] = c.Submit(i); });
  // Wait until the four followers are queued behind the running batch.
  while (c.queued() < 4) std::this_thread::yield();
  release_first.Notify();
  leader.join();
  for (auto& t : followers) t.join();
  EXPECT_EQ(answers, (std::vector<int>{100, 101, 102, 103, 104}));
  EXPECT_EQ(batches.front(), std::vector<int>{0});
  ASSERT_EQ(batches.size(), 3u) << "four queued calls: one batch of max_batch, then the rest";
  EXPECT_EQ(batches[1].size(), 3u);
  EXPECT_EQ(batches[2].size(), 1u);
  EXPECT_EQ(c.batches(), 3);
}

}  // namespace
}  // namespace blend::worker
