// The outbox relay's decisions with an in-memory outbox, a scripted Kafka and a FakeClock:
// backoff per row, the attempts cap, dead letters, and the pause during a Kafka outage.
// The SQL side (leases, per-journey order, no lock while publishing) is tested against the
// real PostgreSQL in outbox_kafkatest.cc.

#include "blend/orchestrator/outbox_relay.h"

#include <functional>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/codec.h"
#include "blend/v1/bus.pb.h"
#include "prometheus/registry.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// An outbox in memory with the store's contract: due, unleased rows are leased and counted;
// Finish applies only to rows still leased by the caller with the claimed counter.
class FakeOutbox final : public OutboxStore {
 public:
  struct Row {
    pg::OutboxRow row;
    absl::Time available_at;
    std::string leased_by;
    absl::Time lease_until = absl::InfinitePast();
    std::string last_error;
  };
  struct Dead {
    int32_t attempts;
    std::string reason;
  };

  void Add(int64_t id, const std::string& topic, absl::Time now) {
    rows[id] = {pg::OutboxRow{id, topic, "journey-" + std::to_string(id), "payload", now, 0}, now,
                "", absl::InfinitePast(), ""};
  }

  absl::StatusOr<std::vector<pg::OutboxRow>> Claim(absl::Time now, int limit,
                                                   const std::string& owner,
                                                   absl::Time lease_until) override {
    ++claims;
    std::vector<pg::OutboxRow> out;
    for (auto& [id, r] : rows) {
      if (static_cast<int>(out.size()) == limit) break;
      if (r.available_at > now || r.lease_until > now) continue;
      ++r.row.attempts;
      r.leased_by = owner;
      r.lease_until = lease_until;
      out.push_back(r.row);
    }
    return out;
  }

  absl::Status Finish(const std::string& owner, const OutboxOutcome& outcome,
                      absl::Time /*now*/) override {
    if (!finish_error.ok()) return finish_error;
    for (int64_t id : outcome.sent) rows.erase(id);
    for (const pg::OutboxRelease& r : outcome.released) {
      Row& row = rows.at(r.id);
      if (row.leased_by != owner || row.row.attempts != r.claimed_attempts) continue;
      row.row.attempts = r.attempts;
      row.available_at = r.retry_at;
      row.last_error = r.error;
      row.leased_by.clear();
      row.lease_until = absl::InfinitePast();
    }
    for (const pg::OutboxDeadLetter& d : outcome.dead) {
      if (rows.at(d.id).leased_by != owner) continue;
      dead[d.id] = {d.attempts, d.reason};
      rows.erase(d.id);
    }
    for (const OutboxFollowUp& f : outcome.follow_ups) follow_ups.push_back(f);
    return absl::OkStatus();
  }

  std::map<int64_t, Row> rows;
  std::map<int64_t, Dead> dead;
  std::vector<OutboxFollowUp> follow_ups;
  int claims = 0;
  absl::Status finish_error;
};

// Kafka as a script: `ack` decides each record's outcome; `reachable` answers the probe.
class FakeKafka final : public OutboxPublisher {
 public:
  std::vector<absl::Status> Publish(absl::Span<const bus::OutgoingMessage> messages) override {
    ++publishes;
    std::vector<absl::Status> out;
    for (const auto& m : messages) out.push_back(ack(m));
    return out;
  }
  absl::Status CheckConnection() override {
    ++probes;
    return reachable ? absl::OkStatus() : absl::UnavailableError("all brokers down");
  }

  std::function<absl::Status(const bus::OutgoingMessage&)> ack = [](const bus::OutgoingMessage&) {
    return absl::OkStatus();
  };
  bool reachable = true;
  int publishes = 0;
  int probes = 0;
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  OutboxRelayTest() : metrics_(registry_) {}

  OutboxRelay& Relay(RelayOptions options = {}) {
    auto store = std::make_unique<FakeOutbox>();
    auto kafka = std::make_unique<FakeKafka>();
    outbox_ = store.get();
    kafka_ = kafka.get();
    options.owner = "me";
    relay_ = std::make_unique<OutboxRelay>(std::move(store), std::move(kafka), clock_, &metrics_,
                                           options);
    return *relay_;
  }

  double Counter(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& l : m.label) have[l.name] = l.value;
        if (have == labels) return m.counter.value;
      }
    }
    return 0;
  }

  FakeClock clock_;
  prometheus::Registry registry_;
  Metrics metrics_;
  FakeOutbox* outbox_ = nullptr;
  FakeKafka* kafka_ = nullptr;
  std::unique_ptr<OutboxRelay> relay_;
};

TEST(RetryDelayTest, DoublesFromTheFirstBackoffUpToTheMax) {
  RelayOptions o;
  o.retry_backoff = absl::Seconds(1);
  o.max_retry_backoff = absl::Seconds(5);
  EXPECT_EQ(RetryDelay(o, 1), absl::Seconds(1));
  EXPECT_EQ(RetryDelay(o, 2), absl::Seconds(2));
  EXPECT_EQ(RetryDelay(o, 3), absl::Seconds(4));
  EXPECT_EQ(RetryDelay(o, 4), absl::Seconds(5));
  EXPECT_EQ(RetryDelay(o, 1000), absl::Seconds(5));
}

TEST(ClassifyPublishFailureTest, OnlyARejectedRecordIsPermanent) {
  EXPECT_EQ(ClassifyPublishFailure(absl::InvalidArgumentError("Message size too large")),
            PublishFailure::kPermanent);
  EXPECT_EQ(ClassifyPublishFailure(absl::UnavailableError("timed out")), PublishFailure::kRetry);
  EXPECT_EQ(ClassifyPublishFailure(absl::NotFoundError("unknown topic")), PublishFailure::kRetry);
  EXPECT_EQ(ClassifyPublishFailure(absl::DeadlineExceededError("no report")),
            PublishFailure::kRetry);
  EXPECT_EQ(ClassifyPublishFailure(absl::FailedPreconditionError("fatal")), PublishFailure::kRelay);
  EXPECT_EQ(ClassifyPublishFailure(absl::CancelledError("purged")), PublishFailure::kRelay);
}

TEST_F(OutboxRelayTest, AcknowledgedRowsAreDeleted) {
  OutboxRelay& relay = Relay();
  outbox_->Add(1, "t", clock_.Now());
  outbox_->Add(2, "t", clock_.Now());
  absl::StatusOr<int> n = relay.PublishOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  EXPECT_THAT(outbox_->rows, IsEmpty());
  EXPECT_EQ(kafka_->probes, 0);
}

TEST_F(OutboxRelayTest, FailingRowBacksOffPerAttemptThenIsDeadLettered) {
  RelayOptions o;
  o.max_attempts = 4;
  o.retry_backoff = absl::Seconds(1);
  o.max_retry_backoff = absl::Seconds(3);
  OutboxRelay& relay = Relay(o);
  outbox_->Add(1, "touch", clock_.Now());
  // Kafka answers, but this record keeps failing (its partition has no leader, say).
  kafka_->ack = [](const bus::OutgoingMessage&) { return absl::UnavailableError("no leader"); };

  for (absl::Duration wait : {absl::Seconds(1), absl::Seconds(2), absl::Seconds(3)}) {
    ASSERT_TRUE(relay.PublishOnce().ok());
    const FakeOutbox::Row& row = outbox_->rows.at(1);
    EXPECT_EQ(row.available_at, clock_.Now() + wait);
    EXPECT_EQ(row.last_error, "no leader");
    EXPECT_TRUE(row.leased_by.empty());
    const int publishes = kafka_->publishes;
    clock_.Advance(wait - absl::Milliseconds(1));
    ASSERT_TRUE(relay.PublishOnce().ok());
    EXPECT_EQ(kafka_->publishes, publishes) << "retried before its backoff";
    clock_.Advance(absl::Milliseconds(1));
  }
  absl::StatusOr<int> last = relay.PublishOnce();  // the 4th attempt
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, 0);
  EXPECT_THAT(outbox_->rows, IsEmpty());
  ASSERT_EQ(outbox_->dead.count(1), 1u);
  EXPECT_EQ(outbox_->dead[1].attempts, 4);
  EXPECT_THAT(outbox_->dead[1].reason, HasSubstr("gave up after 4 attempts: no leader"));
  EXPECT_EQ(Counter("blend_outbox_dead_lettered_total", {{"topic", "touch"}}), 1);
  EXPECT_EQ(Counter("blend_outbox_publish_failed_total", {}), 4);
}

TEST_F(OutboxRelayTest, RejectedRecordIsDeadLetteredAtOnceAndTheRestIsSent) {
  OutboxRelay& relay = Relay();
  outbox_->Add(1, "touch", clock_.Now());
  outbox_->Add(2, "touch", clock_.Now());
  kafka_->ack = [](const bus::OutgoingMessage& m) {
    return m.key == "journey-1" ? absl::InvalidArgumentError("Message size too large")
                                : absl::OkStatus();
  };
  absl::StatusOr<int> n = relay.PublishOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_THAT(outbox_->rows, IsEmpty());
  ASSERT_EQ(outbox_->dead.count(1), 1u);
  EXPECT_EQ(outbox_->dead[1].attempts, 1);
  EXPECT_EQ(outbox_->dead[1].reason, "rejected by Kafka: Message size too large");
  EXPECT_EQ(Counter("blend_outbox_dead_lettered_total", {{"topic", "touch"}}), 1);
}

TEST_F(OutboxRelayTest, KafkaOutageChargesNothingAndOnlyProbesWithDoublingPauses) {
  RelayOptions o;
  o.max_attempts = 2;
  o.outage_backoff = absl::Seconds(1);
  o.max_outage_backoff = absl::Seconds(8);
  OutboxRelay& relay = Relay(o);
  outbox_->Add(1, "touch", clock_.Now());
  kafka_->ack = [](const bus::OutgoingMessage&) { return absl::UnavailableError("timed out"); };
  kafka_->reachable = false;

  EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(outbox_->rows.at(1).row.attempts, 0);  // given back
  EXPECT_EQ(outbox_->rows.at(1).available_at, clock_.Now());
  EXPECT_EQ(outbox_->claims, 1);

  // Pauses of 1, 2, 4, 8, 8 s: between them nothing at all, at their end only a probe.
  for (int seconds : {1, 2, 4, 8, 8}) {
    clock_.Advance(absl::Seconds(seconds) - absl::Milliseconds(1));
    absl::StatusOr<int> paused = relay.PublishOnce();
    EXPECT_TRUE(paused.ok() && *paused == 0) << paused.status();
    const int probes = kafka_->probes;
    clock_.Advance(absl::Milliseconds(1));
    EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(kafka_->probes, probes + 1);
  }
  EXPECT_EQ(outbox_->claims, 1);
  EXPECT_EQ(kafka_->publishes, 1);
  EXPECT_THAT(outbox_->dead, IsEmpty());  // far more outage rounds than max_attempts

  // Kafka is back: the row goes out, and the next outage starts again from the first pause.
  kafka_->reachable = true;
  kafka_->ack = [](const bus::OutgoingMessage&) { return absl::OkStatus(); };
  clock_.Advance(absl::Seconds(8));
  absl::StatusOr<int> n = relay.PublishOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  outbox_->Add(2, "touch", clock_.Now());
  kafka_->reachable = false;
  kafka_->ack = [](const bus::OutgoingMessage&) { return absl::UnavailableError("timed out"); };
  EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  clock_.Advance(absl::Seconds(1));
  const int probes = kafka_->probes;
  EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(kafka_->probes, probes + 1);
}

TEST_F(OutboxRelayTest, UnusableProducerIsNotTheRowsFault) {
  RelayOptions o;
  o.max_attempts = 1;
  OutboxRelay& relay = Relay(o);
  outbox_->Add(1, "touch", clock_.Now());
  // The metadata probe still answers, but the producer lost its idempotence state.
  kafka_->ack = [](const bus::OutgoingMessage&) {
    return absl::FailedPreconditionError("fatal error: restart the process");
  };
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);
    clock_.Advance(absl::Minutes(1));
  }
  EXPECT_THAT(outbox_->dead, IsEmpty());
  ASSERT_EQ(outbox_->rows.count(1), 1u);
  EXPECT_EQ(outbox_->rows.at(1).row.attempts, 0);
}

TEST_F(OutboxRelayTest, FailureBesideAnAcknowledgedRowIsChargedWithoutAProbe) {
  OutboxRelay& relay = Relay();
  outbox_->Add(1, "touch", clock_.Now());
  outbox_->Add(2, "touch", clock_.Now());
  kafka_->ack = [](const bus::OutgoingMessage& m) {
    return m.key == "journey-1" ? absl::UnavailableError("no leader") : absl::OkStatus();
  };
  kafka_->reachable = false;  // would be an outage, if anything had been asked
  absl::StatusOr<int> n = relay.PublishOnce();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(kafka_->probes, 0);
  EXPECT_EQ(outbox_->rows.at(1).row.attempts, 1);
  EXPECT_EQ(outbox_->rows.at(1).available_at, clock_.Now() + absl::Seconds(1));
}

TEST_F(OutboxRelayTest, UnrecordedPublicationIsAnErrorAndCountsNoDeadLetter) {
  OutboxRelay& relay = Relay();
  outbox_->Add(1, "touch", clock_.Now());
  kafka_->ack = [](const bus::OutgoingMessage&) {
    return absl::InvalidArgumentError("Message size too large");
  };
  outbox_->finish_error = absl::UnavailableError("connection lost");
  absl::StatusOr<int> n = relay.PublishOnce();
  EXPECT_EQ(n.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(n.status().message(), HasSubstr("connection lost"));
  EXPECT_EQ(Counter("blend_outbox_dead_lettered_total", {{"topic", "touch"}}), 0);
  // Still leased: another round (or replica) takes it once the lease has expired.
  EXPECT_EQ(outbox_->rows.at(1).leased_by, "me");
  EXPECT_THAT(outbox_->dead, IsEmpty());
}

// A touch whose command Kafka never took must not leave its journey waiting for a disposition
// that cannot come: the dead letter is followed, in the same transaction, by a FAILED
// disposition on the dispositions topic, so the journey takes its error path (Blend.TouchFailed).
TEST_F(OutboxRelayTest, DeadLetteredTouchIsReportedFailedToItsJourney) {
  RelayOptions options;
  options.dispositions_topic = "p.blend.dispositions";
  OutboxRelay& relay = Relay(options);
  blend::v1::TouchCommand cmd;
  cmd.set_touch_id("journey-1/Sms/1");
  cmd.set_journey_id("journey-1");
  cmd.set_channel(blend::v1::CHANNEL_SMS);
  cmd.set_attempt(1);
  outbox_->Add(1, "touch", clock_.Now());
  outbox_->rows[1].row.payload = TouchEnvelopeBytes(cmd, clock_.Now());
  outbox_->Add(2, "touch", clock_.Now());  // not an envelope: dead-lettered without follow-up
  kafka_->ack = [](const bus::OutgoingMessage&) {
    return absl::InvalidArgumentError("Message size too large");
  };
  ASSERT_TRUE(relay.PublishOnce().ok());
  ASSERT_EQ(outbox_->dead.size(), 2u);
  ASSERT_EQ(outbox_->follow_ups.size(), 1u);
  const OutboxFollowUp& f = outbox_->follow_ups[0];
  EXPECT_EQ(f.topic, "p.blend.dispositions");
  EXPECT_EQ(f.key, "journey-1");
  blend::v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(f.payload));
  ASSERT_TRUE(env.has_disposition());
  EXPECT_EQ(env.disposition().touch_id(), "journey-1/Sms/1");
  EXPECT_EQ(env.disposition().journey_id(), "journey-1");
  EXPECT_EQ(env.disposition().channel(), blend::v1::CHANNEL_SMS);
  EXPECT_EQ(env.disposition().outcome(), blend::v1::TOUCH_OUTCOME_FAILED);
  EXPECT_THAT(env.disposition().reason(), HasSubstr("Message size too large"));
  EXPECT_FALSE(env.message_id().empty());
}

}  // namespace
}  // namespace blend::orchestrator
