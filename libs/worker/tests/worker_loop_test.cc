#include "blend/worker/worker_loop.h"

#include <gtest/gtest.h>

#include "blend/quota/quota_store.h"
#include "fakes.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::worker {
namespace {

bus::Message TouchMessage(const std::string& id, int32_t partition, int64_t offset) {
  v1::Envelope envelope;
  envelope.mutable_touch()->set_touch_id(id);
  envelope.mutable_touch()->set_journey_id("j-" + id);
  envelope.mutable_touch()->set_channel(v1::CHANNEL_SMS);
  bus::Message m;
  m.topic = "blend.touch.sms";
  m.partition = partition;
  m.offset = offset;
  m.payload = envelope.SerializeAsString();
  return m;
}

bus::Message WithdrawMessage(const std::string& id, int32_t partition, int64_t offset) {
  v1::Envelope envelope;
  envelope.mutable_withdraw()->set_touch_id(id);
  envelope.mutable_withdraw()->set_journey_id("j-" + id);
  envelope.mutable_withdraw()->set_channel(v1::CHANNEL_VOICE);
  bus::Message m;
  m.topic = "blend.touch.voice";
  m.partition = partition;
  m.offset = offset;
  m.payload = envelope.SerializeAsString();
  return m;
}

class WorkerLoopTest : public ::testing::Test {
 protected:
  WorkerLoopTest()
      // One token a minute: the first touch goes at once, the second is held for quota.
      : quota_(quota_store_, clock_, "q", {.requests_per_minute = 1, .burst = 1}),
        processor_(ledger_, claimer_, quota_, sender_, clock_,
                   {.worker_id = "w1", .channel = v1::CHANNEL_SMS, .backoff = {}},
                   [] { return 0.5; }),
        loop_(queue_, processor_, clock_,
              {.dispositions_topic = "dispositions",
               .stall_after = absl::Seconds(60),
               .lag_interval = absl::Seconds(5)},
              &registry_) {}

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  FakeClock clock_;
  InMemoryTouchLedger ledger_;
  FakeClaimer claimer_;
  FakeSender sender_;
  quota::InMemoryQuotaStore quota_store_;
  quota::QuotaGovernor quota_;
  TouchProcessor processor_;
  FakeTouchQueue queue_;
  prometheus::Registry registry_;
  WorkerLoop loop_;
};

TEST_F(WorkerLoopTest, SendsPublishesAndCommitsEachTouch) {
  queue_.incoming.push_back(TouchMessage("t1", 0, 10));
  loop_.Step();
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"t1"});
  ASSERT_EQ(queue_.published.size(), 1u);
  EXPECT_EQ(queue_.published[0].topic, "dispositions");
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{10});
}

TEST_F(WorkerLoopTest, HeldTouchWhosePartitionWasRevokedIsDroppedNotProcessed) {
  queue_.incoming.push_back(TouchMessage("t1", 0, 10));
  queue_.incoming.push_back(TouchMessage("t2", 1, 20));
  loop_.Step();  // t1 sent
  loop_.Step();  // t2 waits for quota: held in memory, the partitions keep flowing
  ASSERT_FALSE(queue_.paused) << "a quota wait must not pause (librdkafka drops its prefetch)";
  ASSERT_EQ(sender_.sent.size(), 1u);
  ASSERT_EQ(loop_.held(), 1u);

  queue_.revoked.insert(1);  // a rebalance gave partition 1 to another replica
  clock_.Advance(absl::Minutes(2));
  loop_.Step();
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"t1"}) << "the new owner sends t2, not us";
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{10});
  EXPECT_EQ(queue_.published.size(), 1u);
  EXPECT_FALSE(queue_.paused) << "the other partitions must flow again";
  EXPECT_NE(Metrics().find("blend_worker_revoked_dropped_total 1"), std::string::npos) << Metrics();
}

TEST_F(WorkerLoopTest, HeldTouchOfAPartitionStillOwnedIsProcessedWhenItsTimeComes) {
  queue_.incoming.push_back(TouchMessage("t1", 0, 10));
  queue_.incoming.push_back(TouchMessage("t2", 1, 20));
  loop_.Step();
  loop_.Step();
  clock_.Advance(absl::Minutes(2));
  loop_.Step();
  EXPECT_EQ(sender_.sent, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(queue_.committed, (std::vector<int64_t>{10, 20}));
}

TEST_F(WorkerLoopTest, StallWatchdogFiresWhenRecordsWaitAndNoneArrivesAndClearsOnDelivery) {
  queue_.lag = 7;
  queue_.paused = true;           // e.g. a pause librdkafka kept across a rebalance
  for (int i = 0; i < 12; ++i) {  // 0 s to 55 s
    loop_.Step();
    clock_.Advance(absl::Seconds(5));
  }
  EXPECT_FALSE(loop_.stalled());
  loop_.Step();  // 60 s
  EXPECT_TRUE(loop_.stalled());
  EXPECT_NE(Metrics().find("blend_worker_stalled 1"), std::string::npos) << Metrics();

  queue_.paused = false;
  queue_.incoming.push_back(TouchMessage("t1", 0, 10));
  loop_.Step();
  EXPECT_FALSE(loop_.stalled());
  EXPECT_NE(Metrics().find("blend_worker_stalled 0"), std::string::npos) << Metrics();
}

TEST_F(WorkerLoopTest, NoStallWithoutWaitingRecordsOrWhileATouchIsHeldOnPurpose) {
  for (int i = 0; i < 30; ++i) {  // idle, nothing waiting
    loop_.Step();
    clock_.Advance(absl::Seconds(5));
  }
  EXPECT_FALSE(loop_.stalled());

  queue_.incoming.push_back(TouchMessage("t1", 0, 10));
  queue_.incoming.push_back(TouchMessage("t2", 0, 11));
  loop_.Step();
  loop_.Step();  // t2 held for quota (a minute)
  queue_.lag = 100;
  for (int i = 0; i < 11; ++i) {
    clock_.Advance(absl::Seconds(5));
    loop_.Step();
  }
  EXPECT_FALSE(loop_.stalled()) << "a quota wait is not a stall";
}

TEST_F(WorkerLoopTest, MalformedMessageIsDeadLetteredAndCommitted) {
  bus::Message junk;
  junk.topic = "blend.touch.sms";
  junk.offset = 5;
  junk.payload = "not a protobuf";
  queue_.incoming.push_back(junk);
  loop_.Step();
  ASSERT_EQ(queue_.dead_letters.size(), 1u);
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{5});
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(WorkerLoopTest, TouchTheOrchestratorNeverIssuedIsDeadLetteredWithTheReason) {
  claimer_.decision = v1::ClaimTouchResponse::DECISION_NOT_ISSUED;
  claimer_.reason = "the message differs from the stored touch in customer.phone_e164";
  queue_.incoming.push_back(TouchMessage("t1", 0, 8));
  loop_.Step();
  ASSERT_EQ(queue_.dead_letters.size(), 1u);
  EXPECT_EQ(queue_.dead_letters[0].first, 8);
  EXPECT_NE(queue_.dead_letters[0].second.find("customer.phone_e164"), std::string::npos)
      << queue_.dead_letters[0].second;
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{8});
  EXPECT_TRUE(queue_.published.empty()) << "no disposition for a touch that is not Blend's";
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_NE(Metrics().find("blend_worker_dead_lettered_total 1"), std::string::npos) << Metrics();
}

TEST_F(WorkerLoopTest, WithdrawalWithoutAHandlerIsDeadLetteredWithItsReason) {
  queue_.incoming.push_back(WithdrawMessage("t1", 0, 7));
  loop_.Step();
  ASSERT_EQ(queue_.dead_letters.size(), 1u);
  EXPECT_NE(queue_.dead_letters[0].second.find("does not withdraw"), std::string::npos)
      << queue_.dead_letters[0].second;
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{7});
  EXPECT_TRUE(sender_.sent.empty());
}

class WithdrawLoopTest : public WorkerLoopTest {
 protected:
  WithdrawLoopTest()
      : withdraw_loop_(queue_, processor_, clock_,
                       {.dispositions_topic = "dispositions", .withdrawals = &withdrawer_}) {}
  FakeWithdrawHandler withdrawer_;
  WorkerLoop withdraw_loop_;
};

TEST_F(WithdrawLoopTest, WithdrawalGoesToTheHandlerAndItsDispositionIsPublished) {
  queue_.incoming.push_back(WithdrawMessage("t1", 0, 7));
  withdraw_loop_.Step();
  EXPECT_EQ(withdrawer_.withdrawn, std::vector<std::string>{"t1"});
  EXPECT_TRUE(sender_.sent.empty());
  ASSERT_EQ(queue_.published.size(), 1u);
  v1::Envelope published;
  ASSERT_TRUE(published.ParseFromString(queue_.published[0].payload));
  EXPECT_EQ(published.disposition().outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_EQ(queue_.published[0].key, "j-t1");
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{7});
}

TEST_F(WithdrawLoopTest, WithdrawalToRetryIsHeldLikeATouchAndRetriedAtItsTime) {
  withdrawer_.results.push_back(
      ProcessResult{ProcessResult::Kind::kRetryAt, {}, clock_.Now() + absl::Seconds(2), "5xx"});
  queue_.incoming.push_back(WithdrawMessage("t1", 0, 7));
  bus::Message touch = TouchMessage("t2", 0, 8);
  touch.topic = "blend.touch.voice";  // the withdrawal's partition
  queue_.incoming.push_back(touch);
  withdraw_loop_.Step();
  EXPECT_FALSE(queue_.paused) << "the withdrawal waits in memory";
  EXPECT_TRUE(queue_.committed.empty());
  withdraw_loop_.Step();  // not its time yet; t2 (another journey) goes meanwhile
  EXPECT_EQ(withdrawer_.withdrawn.size(), 1u);
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"t2"});
  EXPECT_TRUE(queue_.committed.empty()) << "offset 8 is done, but 7 before it is not";
  clock_.Advance(absl::Seconds(2));
  withdraw_loop_.Step();
  EXPECT_EQ(withdrawer_.withdrawn, (std::vector<std::string>{"t1", "t1"}));
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{8}) << "both done: the watermark moves to 8";
}

TEST_F(WithdrawLoopTest, TooLateWithdrawalIsCommittedWithoutADisposition) {
  withdrawer_.results.push_back(
      ProcessResult{ProcessResult::Kind::kDrop, {}, clock_.Now(), "too late"});
  queue_.incoming.push_back(WithdrawMessage("t1", 0, 7));
  withdraw_loop_.Step();
  EXPECT_TRUE(queue_.published.empty());
  EXPECT_EQ(queue_.committed, std::vector<int64_t>{7});
}

}  // namespace
}  // namespace blend::worker
