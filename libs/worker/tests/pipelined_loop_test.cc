// The worker loop with K touches in flight: the jobs run when the test says so (ManualExecutor),
// so out-of-order completion, crashes and rebalances mid-flight are deterministic.

#include <gtest/gtest.h>

#include "blend/quota/quota_store.h"
#include "blend/worker/worker_loop.h"
#include "fakes.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::worker {
namespace {

bus::Message Record(const std::string& touch_id, const std::string& journey, int32_t partition,
                    int64_t offset) {
  v1::Envelope envelope;
  envelope.mutable_touch()->set_touch_id(touch_id);
  envelope.mutable_touch()->set_journey_id(journey);
  envelope.mutable_touch()->set_channel(v1::CHANNEL_SMS);
  bus::Message m;
  m.topic = "blend.touch.sms";
  m.partition = partition;
  m.offset = offset;
  m.key = journey;
  m.payload = envelope.SerializeAsString();
  return m;
}

std::vector<v1::TouchOutcome> Outcomes(const FakeTouchQueue& queue) {
  std::vector<v1::TouchOutcome> out;
  for (const auto& p : queue.published) {
    v1::Envelope e;
    EXPECT_TRUE(e.ParseFromString(p.payload));
    out.push_back(e.disposition().outcome());
  }
  return out;
}

constexpr int kK = 4;

class PipelinedLoopTest : public ::testing::Test {
 protected:
  explicit PipelinedLoopTest(int queue_capacity = 16, int quota_rpm = 6000)
      : quota_(quota_store_, clock_, "q", {.requests_per_minute = quota_rpm, .burst = quota_rpm}),
        processor_(ledger_, claimer_, quota_, sender_, clock_,
                   {.worker_id = "w1", .channel = v1::CHANNEL_SMS, .backoff = {}},
                   [] { return 0.5; }),
        loop_(queue_, processor_, clock_,
              {.dispositions_topic = "dispositions",
               .max_in_flight = kK,
               .queue_capacity = queue_capacity,
               .executor = &executor_},
              &registry_) {}

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  FakeClock clock_;
  InMemoryTouchLedger ledger_;
  FakeClaimer claimer_;
  CrashingSender sender_;
  quota::InMemoryQuotaStore quota_store_;
  quota::QuotaGovernor quota_;
  TouchProcessor processor_;
  FakeTouchQueue queue_;
  ManualExecutor executor_;
  prometheus::Registry registry_;
  WorkerLoop loop_;
};

TEST_F(PipelinedLoopTest, UpToKTouchesOfDifferentJourneysRunAtOnce) {
  for (int i = 0; i < 6; ++i) {
    queue_.incoming.push_back(Record("t" + std::to_string(i), "j" + std::to_string(i), 0, i));
  }
  loop_.Step();
  EXPECT_EQ(executor_.jobs.size(), static_cast<size_t>(kK));
  EXPECT_EQ(loop_.in_flight(), kK);
  EXPECT_EQ(loop_.held(), 6u);
  executor_.RunAll();
  loop_.Step();  // four finish, the last two start
  EXPECT_EQ(executor_.jobs.size(), 2u);
  executor_.RunAll();
  loop_.Step();
  EXPECT_EQ(sender_.sent.size(), 6u);
  EXPECT_EQ(queue_.committed, (std::vector<int64_t>{3, 5})) << "once per turn, at the watermark";
  EXPECT_EQ(loop_.held(), 0u);
}

TEST_F(PipelinedLoopTest, OneTouchAtATimePerJourneyInRecordOrder) {
  queue_.incoming.push_back(Record("a1", "ja", 0, 0));
  queue_.incoming.push_back(Record("a2", "ja", 0, 1));
  queue_.incoming.push_back(Record("b1", "jb", 0, 2));
  queue_.incoming.push_back(Record("a3", "ja", 0, 3));
  loop_.Step();
  ASSERT_EQ(executor_.jobs.size(), 2u) << "a1 and b1 run; a2 and a3 wait for a1";
  executor_.Run(1);  // b1
  executor_.Run(0);  // a1
  loop_.Step();
  ASSERT_EQ(executor_.jobs.size(), 1u) << "a2 now, a3 still behind it";
  executor_.Run(0);
  loop_.Step();
  ASSERT_EQ(executor_.jobs.size(), 1u);
  executor_.Run(0);
  loop_.Step();
  EXPECT_EQ(sender_.sent, (std::vector<std::string>{"b1", "a1", "a2", "a3"}));
  EXPECT_EQ(queue_.committed.back(), 3);
}

TEST_F(PipelinedLoopTest, OffsetsAreCommittedAtTheContiguousDoneWatermark) {
  queue_.hold_deliveries = true;
  for (int i = 0; i < 3; ++i) {
    queue_.incoming.push_back(Record("t" + std::to_string(i), "j" + std::to_string(i), 0, 10 + i));
  }
  queue_.incoming.push_back(Record("p1", "jp", 1, 70));
  loop_.Step();
  ASSERT_EQ(executor_.jobs.size(), 4u);
  executor_.Run(3);  // p1 (partition 1)
  executor_.Run(2);  // t2: offset 12
  executor_.Run(1);  // t1: offset 11
  loop_.Step();
  ASSERT_EQ(queue_.deliveries.size(), 3u);
  queue_.Deliver();  // p1
  queue_.Deliver();  // t2
  queue_.Deliver();  // t1
  loop_.Step();
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{70}) << "10 is not done: 11 and 12 wait";
  executor_.Run(0);  // t0: offset 10
  loop_.Step();
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{70})
      << "not before the broker has t0's disposition";
  queue_.Deliver();
  loop_.Step();
  EXPECT_EQ(queue_.committed, (std::vector<int64_t>{70, 12})) << "one commit, at the watermark";
}

TEST_F(PipelinedLoopTest, AFailedDispositionPublishIsRetriedFromTheLedgerNotResent) {
  queue_.hold_deliveries = true;
  queue_.incoming.push_back(Record("t0", "j0", 0, 0));
  loop_.Step();
  executor_.RunAll();
  loop_.Step();
  queue_.Deliver(absl::UnavailableError("broker down"));
  loop_.Step();
  EXPECT_TRUE(queue_.committed.empty());
  clock_.Advance(absl::Seconds(1));
  loop_.Step();
  executor_.RunAll();
  loop_.Step();
  queue_.Deliver();
  loop_.Step();
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"t0"}) << "sent once";
  EXPECT_EQ(queue_.published.size(), 2u);
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{0});
}

TEST_F(PipelinedLoopTest, CrashWithKInFlightLeavesAtMostKInDoubtEachReportedUnknown) {
  for (int i = 0; i < 8; ++i) {
    queue_.incoming.push_back(Record("t" + std::to_string(i), "j" + std::to_string(i), 0, i));
    sender_.crash_on.insert("t" + std::to_string(i));
  }
  loop_.Step();
  executor_.RunAll();  // the process dies in the middle of K Genesys requests
  EXPECT_EQ(executor_.crashed, kK);
  EXPECT_TRUE(queue_.committed.empty());

  // The replica comes back: every record from the committed offset (none), same ledger.
  FakeTouchQueue redelivered;
  for (int i = 0; i < 8; ++i) {
    redelivered.incoming.push_back(Record("t" + std::to_string(i), "j" + std::to_string(i), 0, i));
  }
  CrashingSender sender;
  TouchProcessor processor(ledger_, claimer_, quota_, sender, clock_,
                           {.worker_id = "w2",
                            .channel = v1::CHANNEL_SMS,
                            .backoff = {},
                            .in_doubt_after = absl::Seconds(30)},
                           [] { return 0.5; });
  ManualExecutor executor;
  WorkerLoop restarted(redelivered, processor, clock_,
                       {.dispositions_topic = "dispositions",
                        .max_in_flight = kK,
                        .queue_capacity = 16,
                        .executor = &executor});
  clock_.Advance(absl::Seconds(31));  // the "calling" rows are old: their writer is gone
  for (int round = 0; round < 4; ++round) {
    restarted.Step();
    executor.RunAll();
  }
  restarted.Step();
  ASSERT_FALSE(redelivered.committed.empty());
  EXPECT_EQ(redelivered.committed.back(), 7);
  EXPECT_EQ(restarted.held(), 0u);
  int unknown = 0;
  for (v1::TouchOutcome o : Outcomes(redelivered)) unknown += o == v1::TOUCH_OUTCOME_UNKNOWN;
  EXPECT_EQ(unknown, kK) << "exactly the touches that were with Genesys, never more than K";
  EXPECT_EQ(sender.sent.size(), 8u - kK) << "an in-doubt touch is never resent";
  for (const std::string& id : sender.sent) {
    EXPECT_GE(std::stoi(id.substr(1)), kK) << id << " was in doubt and must not go again";
  }
}

TEST_F(PipelinedLoopTest, RevokeDropsWaitingRecordsAndLetsInFlightOnesFinishWithoutCommit) {
  queue_.incoming.push_back(Record("a0", "ja", 0, 0));
  queue_.incoming.push_back(Record("b0", "jb", 1, 0));
  queue_.incoming.push_back(Record("b1", "jb", 1, 1));  // waits behind b0 (same journey)
  loop_.Step();
  ASSERT_EQ(executor_.jobs.size(), 2u);

  queue_.revoked.insert(1);  // a rebalance gives partition 1 to another replica
  loop_.Step();
  EXPECT_EQ(loop_.held(), 2u) << "b1 dropped at once; b0 is in flight and finishes";
  executor_.RunAll();
  loop_.Step();
  EXPECT_EQ(sender_.sent, (std::vector<std::string>{"a0", "b0"})) << "b1 is the new owner's";
  EXPECT_EQ(queue_.published.size(), 2u) << "b0's request went: its disposition is published";
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{0}) << "only partition 0 is committed";
  EXPECT_EQ(loop_.held(), 0u);
  EXPECT_NE(Metrics().find("blend_worker_revoked_dropped_total 1"), std::string::npos) << Metrics();
}

TEST_F(PipelinedLoopTest, StopFinishesWhatIsInFlightAndCommitsIt) {
  ThreadPoolExecutor pool(1);  // one thread: the fakes are not thread-safe
  WorkerLoop loop(queue_, processor_, clock_,
                  {.dispositions_topic = "dispositions", .max_in_flight = 2, .executor = &pool});
  queue_.incoming.push_back(Record("t0", "j0", 0, 0));
  queue_.incoming.push_back(Record("t1", "j1", 0, 1));
  loop.Step();
  loop.Stop();
  loop.Run();  // returns once both finished
  EXPECT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(queue_.committed.back(), 1);
}

TEST_F(PipelinedLoopTest, CommitsAtMostOncePerIntervalAndAtOnceOnStop) {
  WorkerLoop loop(queue_, processor_, clock_,
                  {.dispositions_topic = "dispositions", .commit_interval = absl::Seconds(1)});
  queue_.incoming.push_back(Record("t0", "j0", 0, 0));
  loop.Step();
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{0}) << "the first commit goes at once";
  queue_.incoming.push_back(Record("t1", "j1", 0, 1));
  loop.Step();
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{0}) << "within the interval";
  clock_.Advance(absl::Seconds(1));
  loop.Step();
  EXPECT_EQ(queue_.committed, (std::vector<int64_t>{0, 1}));
  queue_.incoming.push_back(Record("t2", "j2", 0, 2));
  loop.Step();
  loop.Stop();
  loop.Run();
  EXPECT_EQ(queue_.committed, (std::vector<int64_t>{0, 1, 2})) << "stop commits what is done";
}

class SmallQueueTest : public PipelinedLoopTest {
 protected:
  SmallQueueTest() : PipelinedLoopTest(/*queue_capacity=*/6) {}
};

TEST_F(SmallQueueTest, PartitionsPauseOnlyWhenTheQueueIsFullAndResumeAtHalf) {
  for (int i = 0; i < 20; ++i)
    queue_.incoming.push_back(Record("t" + std::to_string(i), "j", 0, i));
  loop_.Step();
  EXPECT_EQ(loop_.held(), 6u) << "no more records in memory than the capacity";
  EXPECT_TRUE(queue_.paused);
  for (int i = 0; i < 2; ++i) {
    executor_.RunAll();
    loop_.Step();
  }
  EXPECT_TRUE(queue_.paused) << "4 held: above half";
  executor_.RunAll();
  loop_.Step();
  EXPECT_FALSE(queue_.paused) << "3 held: resumed";
}

class QuotaLoopTest : public PipelinedLoopTest {
 protected:
  QuotaLoopTest() : PipelinedLoopTest(/*queue_capacity=*/16, /*quota_rpm=*/2) {}
};

TEST_F(QuotaLoopTest, QuotaDenialHoldsTouchesInMemoryWithoutPausing) {
  for (int i = 0; i < 5; ++i) {
    queue_.incoming.push_back(Record("t" + std::to_string(i), "j" + std::to_string(i), 0, i));
  }
  loop_.Step();
  executor_.RunAll();
  loop_.Step();
  EXPECT_EQ(sender_.sent.size(), 2u) << "the burst of two";
  EXPECT_FALSE(queue_.paused) << "a quota wait must not pause (librdkafka drops its prefetch)";
  const size_t jobs = executor_.jobs.size();
  loop_.Step();
  EXPECT_EQ(executor_.jobs.size(), jobs) << "nothing starts before the quota's time";
  clock_.Advance(absl::Minutes(2));
  for (int i = 0; i < 6; ++i) {
    executor_.RunAll();
    loop_.Step();
    clock_.Advance(absl::Seconds(30));
  }
  EXPECT_EQ(sender_.sent.size(), 5u);
  EXPECT_FALSE(queue_.paused);
  EXPECT_EQ(queue_.committed.back(), 4);
}

}  // namespace
}  // namespace blend::worker
