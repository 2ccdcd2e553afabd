#include "blend/email_worker/unsubscribe_publisher.h"

#include <deque>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "blend/worker/customer_events.h"
#include "fake_unsubscribe_store.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::email_worker {
namespace {

using testing::FakeUnsubscribeStore;

v1::CustomerEvent Unsubscribe(const std::string& customer, const Clock& clock) {
  return worker::MakeOptOutEvent("email-unsubscribe:" + customer + ":t-1", customer,
                                 v1::CHANNEL_EMAIL, customer + "@example.com", "UNSUBSCRIBE",
                                 clock);
}

// Kafka as the publisher sees it: answers from a script (OK when it runs out), records every
// event it was given.
class FakeKafka {
 public:
  PublishEventsFn fn() {
    return [this](const std::vector<v1::CustomerEvent>& events) {
      std::vector<absl::Status> acks;
      for (const auto& e : events) {
        published.push_back(e);
        absl::Status ack;
        if (!script.empty()) {
          ack = script.front();
          script.pop_front();
        }
        acks.push_back(ack);
      }
      if (on_publish) on_publish();
      return acks;
    };
  }
  std::deque<absl::Status> script;
  std::vector<v1::CustomerEvent> published;
  std::function<void()> on_publish;
};

const absl::Status kDown = absl::UnavailableError("Kafka unreachable");

UnsubscribePublisherOptions Options() {
  UnsubscribePublisherOptions o;
  o.retry_initial = absl::Seconds(1);
  o.retry_max = absl::Seconds(8);
  o.lease = absl::Minutes(2);
  return o;
}

TEST(UnsubscribePublisherTest, AnAcknowledgedUnsubscribeIsMarkedDeliveredAndNotPublishedAgain) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  v1::CustomerEvent event = Unsubscribe("c-1", clock);
  ASSERT_TRUE(*store.Record(event, clock.Now()));
  auto pass = publisher.PublishOnce();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->delivered, 1);
  ASSERT_EQ(kafka.published.size(), 1u);
  EXPECT_EQ(kafka.published[0].SerializeAsString(), event.SerializeAsString());
  EXPECT_EQ(store.row(event.event_id()).delivered_at, clock.Now());
  EXPECT_EQ(*store.CountPending(), 0);
  clock.Advance(absl::Hours(1));
  ASSERT_TRUE(publisher.PublishOnce().ok());
  EXPECT_EQ(kafka.published.size(), 1u);
}

TEST(UnsubscribePublisherTest, AFailedPublishIsRetriedWithGrowingDelaysUntilAcknowledged) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  kafka.script = {kDown, kDown, kDown};
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  v1::CustomerEvent event = Unsubscribe("c-1", clock);
  ASSERT_TRUE(*store.Record(event, clock.Now()));

  EXPECT_EQ(publisher.PublishOnce()->failed, 1);  // attempt 1 fails: due again in 1 s
  EXPECT_EQ(store.row(event.event_id()).attempts, 1);
  EXPECT_EQ(store.row(event.event_id()).last_error, "Kafka unreachable");
  EXPECT_EQ(publisher.PublishOnce()->failed, 0) << "not due yet";
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(publisher.PublishOnce()->failed, 1);  // attempt 2 fails: due again in 2 s
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(publisher.PublishOnce()->failed, 0) << "not due yet";
  EXPECT_EQ(kafka.published.size(), 2u);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(publisher.PublishOnce()->failed, 1);  // attempt 3 fails: due again in 4 s
  clock.Advance(absl::Seconds(4));
  auto pass = publisher.PublishOnce();  // Kafka is back
  EXPECT_EQ(pass->delivered, 1);
  ASSERT_EQ(kafka.published.size(), 4u);
  for (const auto& e : kafka.published) {
    EXPECT_EQ(e.SerializeAsString(), event.SerializeAsString()) << "the same event every time";
  }
  EXPECT_EQ(*store.CountPending(), 0);
}

TEST(UnsubscribePublisherTest, RetryDelayDoublesUpToTheMaximum) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  EXPECT_EQ(publisher.RetryDelay(1), absl::Seconds(1));
  EXPECT_EQ(publisher.RetryDelay(2), absl::Seconds(2));
  EXPECT_EQ(publisher.RetryDelay(4), absl::Seconds(8));
  EXPECT_EQ(publisher.RetryDelay(5), absl::Seconds(8));
  EXPECT_EQ(publisher.RetryDelay(1000), absl::Seconds(8));
}

TEST(UnsubscribePublisherTest, OnlyTheAcknowledgedOnesOfABatchAreMarkedDelivered) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  kafka.script = {absl::OkStatus(), kDown};
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  ASSERT_TRUE(*store.Record(Unsubscribe("c-1", clock), clock.Now()));
  clock.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(*store.Record(Unsubscribe("c-2", clock), clock.Now()));
  auto pass = publisher.PublishOnce();
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(pass->failed, 1);
  EXPECT_TRUE(store.row("email-unsubscribe:c-1:t-1").delivered_at.has_value());
  EXPECT_FALSE(store.row("email-unsubscribe:c-2:t-1").delivered_at.has_value());
  EXPECT_EQ(*store.CountPending(), 1);
}

TEST(UnsubscribePublisherTest, AMarkLostAfterTheAckRepublishesTheSameEventAfterTheLease) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  v1::CustomerEvent event = Unsubscribe("c-1", clock);
  ASSERT_TRUE(*store.Record(event, clock.Now()));
  store.fail_mark_delivered = absl::UnavailableError("PostgreSQL went away");
  EXPECT_EQ(publisher.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  store.fail_mark_delivered = absl::OkStatus();
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(publisher.PublishOnce()->delivered, 0) << "leased";
  EXPECT_EQ(kafka.published.size(), 1u);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(publisher.PublishOnce()->delivered, 1);
  ASSERT_EQ(kafka.published.size(), 2u);
  // At least once; the orchestrator applies each event id once.
  EXPECT_EQ(kafka.published[1].event_id(), event.event_id());
  EXPECT_EQ(kafka.published[1].SerializeAsString(), event.SerializeAsString());
}

TEST(UnsubscribePublisherTest, AStoreFailureIsReturnedAndNothingIsPublished) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options());
  ASSERT_TRUE(*store.Record(Unsubscribe("c-1", clock), clock.Now()));
  store.fail_lease = absl::UnavailableError("PostgreSQL down");
  EXPECT_EQ(publisher.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(kafka.published.empty());
}

TEST(UnsubscribePublisherTest, MetricsCountPendingAndDelivered) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  kafka.script = {kDown};
  auto registry = std::make_shared<prometheus::Registry>();
  UnsubscribePublisher publisher(store, kafka.fn(), clock, Options(), registry.get());
  ASSERT_TRUE(*store.Record(Unsubscribe("c-1", clock), clock.Now()));
  ASSERT_TRUE(publisher.PublishOnce().ok());
  std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("blend_email_unsubscribes_pending 1"), std::string::npos) << text;
  EXPECT_NE(text.find("blend_email_unsubscribe_publish_failures_total 1"), std::string::npos);
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(publisher.PublishOnce().ok());
  text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("blend_email_unsubscribes_pending 0"), std::string::npos) << text;
  EXPECT_NE(text.find("blend_email_unsubscribes_delivered_total 1"), std::string::npos);
}

TEST(UnsubscribePublisherTest, AWakeRunsAPassOnTheThread) {
  FakeClock clock;
  FakeUnsubscribeStore store;
  FakeKafka kafka;
  absl::Notification published;
  kafka.on_publish = [&] {
    if (!published.HasBeenNotified()) published.Notify();
  };
  UnsubscribePublisherOptions o = Options();
  o.poll_interval = absl::Hours(1);  // only Wake() can start the second pass
  UnsubscribePublisher publisher(store, kafka.fn(), clock, o);
  publisher.Start();
  for (int i = 0; i < 5000 && store.lease_calls() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));  // until the first pass (nothing to do) ran
  }
  ASSERT_EQ(store.lease_calls(), 1);
  ASSERT_TRUE(*store.Record(Unsubscribe("c-1", clock), clock.Now()));
  publisher.Wake();
  EXPECT_TRUE(published.WaitForNotificationWithTimeout(absl::Seconds(10)));
  publisher.Stop();
  EXPECT_EQ(*store.CountPending(), 0);
}

}  // namespace
}  // namespace blend::email_worker
