// The orchestrator under infrastructure faults, with the real PostgreSQL and Kafka:
//   - a PostgreSQL outage longer than max.poll.interval: the event intake keeps polling Kafka
//     (its partitions paused), stays in its consumer group, and applies the message it holds
//     exactly once when the database is back;
//   - a fatal Kafka error of the producer or of an intake's consumer turns readiness red.

#include <librdkafka/rdkafka.h>

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

// Member ids of a consumer group as its coordinator reports them (rd_kafka_list_groups).
class GroupInspector {
 public:
  explicit GroupInspector(const std::string& brokers) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    EXPECT_NE(rk_, nullptr) << err;
  }
  ~GroupInspector() {
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  // nullopt when the coordinator did not answer.
  std::optional<std::set<std::string>> Members(const std::string& group) {
    const rd_kafka_group_list* list = nullptr;
    if (rk_ == nullptr ||
        rd_kafka_list_groups(rk_, group.c_str(), &list, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::nullopt;
    }
    std::set<std::string> members;
    for (int g = 0; g < list->group_cnt; ++g) {
      for (int m = 0; m < list->groups[g].member_cnt; ++m) {
        members.insert(list->groups[g].members[m].member_id);
      }
    }
    rd_kafka_group_list_destroy(list);
    return members;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
};

class FaultsTest : public OrchestratorTest {
 protected:
  // Refuses new connections to the test database and ends the open ones: PostgreSQL is down
  // for the orchestrator (ALLOW_CONNECTIONS applies to superusers too).
  void CutDatabase() {
    Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS false"));
    Admin(
        absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = '",
                     db_->name(), "'"));
  }
  void RestoreDatabase() {
    Admin(absl::StrCat("ALTER DATABASE ", db_->name(), " ALLOW_CONNECTIONS true"));
  }
  void Admin(const std::string& sql) {
    pqxx::connection c(db_->server_url());
    pqxx::nontransaction tx(c);
    tx.exec(sql);
  }
};

TEST_F(FaultsTest, IntakeKeepsPollingThroughAPostgresOutageAndAppliesTheMessageOnce) {
  OrchestratorConfig cfg = Config();
  cfg.intake_threads = 1;
  // librdkafka's smallest allowed value (it must be >= the 6 s session timeout).
  cfg.kafka_max_poll_interval = absl::Seconds(6);
  StartOrchestrator(cfg);
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-outage"));
  auto touches = ReadTouches(sms, 1);
  ASSERT_THAT(touches, ::testing::SizeIs(1));

  // The intake has joined its group once it applied something.
  GroupInspector groups(brokers_);
  const std::string group = cfg.consumer_group;
  blend::v1::Envelope warm_up;
  warm_up.set_message_id("warm-up");
  warm_up.mutable_customer_event()->set_event_id("warm-up");
  warm_up.mutable_customer_event()->set_customer_id("someone-else");
  warm_up.mutable_customer_event()->set_type("note");
  ASSERT_TRUE(
      producer_
          ->ProduceSync(Topic("blend.customer-events"), "someone-else", warm_up.SerializeAsString())
          .ok());
  ASSERT_TRUE(WaitUntil([&] { return Count("SELECT count(*) FROM processed_messages") == 1; }));
  std::optional<std::set<std::string>> before = groups.Members(group);
  ASSERT_TRUE(before.has_value());
  ASSERT_EQ(before->size(), 1u);

  CutDatabase();
  PublishDisposition(touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-during-outage");
  const std::map<std::string, std::string> dispositions = {{"topic", Topic("blend.dispositions")}};
  ASSERT_TRUE(WaitUntil([&] { return MetricValue("blend_bus_consumed_total", dispositions) == 1; },
                        absl::Seconds(10)));
  // Twice max.poll.interval without PostgreSQL: the member never leaves the group.
  absl::Time outage_end = absl::Now() + absl::Seconds(13);
  while (absl::Now() < outage_end) {
    absl::SleepFor(absl::Milliseconds(500));
    std::optional<std::set<std::string>> now = groups.Members(group);
    ASSERT_TRUE(now.has_value());
    ASSERT_EQ(*now, *before) << "the intake left (or was evicted from) its consumer group";
  }
  RestoreDatabase();

  ASSERT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM processed_messages "
               "WHERE message_id = 'disp-during-outage'") == 1;
  }));
  blend::v1::Journey j = GetJourney(id);
  EXPECT_EQ(j.current_state(), "WaitForPaymentOrTimeout");
  EXPECT_EQ(CountHistory(j, "TaskSucceeded"), 1) << j.DebugString();
  // Kafka handed the message over once: no redelivery after an eviction.
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(MetricValue("blend_bus_consumed_total", dispositions), 1);
  EXPECT_EQ(groups.Members(group), before);
}

TEST_F(FaultsTest, FatalKafkaErrorOfTheProducerOrAnIntakeTurnsReadinessRed) {
  OrchestratorConfig cfg = Config();
  cfg.intake_threads = 2;
  Orchestrator& first = StartOrchestrator(cfg);
  absl::Status ready = first.Ready();
  ASSERT_TRUE(ready.ok()) << ready;
  first.producer().InjectFatalErrorForTesting("test: producer fenced");
  EXPECT_TRUE(WaitUntil([&] { return !first.Ready().ok(); }, absl::Seconds(5)));
  ready = first.Ready();
  EXPECT_EQ(ready.code(), absl::StatusCode::kInternal) << ready;
  EXPECT_THAT(ready.message(), ::testing::HasSubstr("test: producer fenced"));

  Orchestrator& second = StartOrchestrator(cfg);
  ready = second.Ready();
  ASSERT_TRUE(ready.ok()) << ready;
  second.intake(1).InjectFatalErrorForTesting("test: consumer fatal");
  EXPECT_TRUE(WaitUntil([&] { return !second.Ready().ok(); }, absl::Seconds(5)));
  ready = second.Ready();
  EXPECT_EQ(ready.code(), absl::StatusCode::kInternal) << ready;
  EXPECT_THAT(ready.message(), ::testing::HasSubstr("test: consumer fatal"));
}

}  // namespace
}  // namespace blend::orchestrator::testing
