#pragma once

// Shared fixture of the orchestrator integration tests: a fresh PostgreSQL database
// (BLEND_PG_URL) and unique Kafka topic names / group ids (BLEND_KAFKA_BROKERS) per test, an
// in-process Orchestrator on a FakeClock, gRPC stubs, and helpers to read touch commands and
// publish dispositions / customer events. Missing variables FAIL the test (never skip).

#include "blend/common/testing/ports.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/bus/consumer.h"
#include "blend/bus/producer.h"
#include "blend/bus/topics.h"
#include "blend/common/clock.h"
#include "blend/common/ids.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/orchestrator.h"
#include "blend/store/testing/test_database.h"
#include "blend/v1/journey_service.grpc.pb.h"
#include "blend/v1/touch_service.grpc.pb.h"

namespace blend::orchestrator::testing {

// The seed's definition (corrected EndCampaign), with a 24 h wait.
inline constexpr char kSeedDefinition[] = R"json({
  "StartAt": "SendInitialSMS",
  "States": {
    "SendInitialSMS": { "Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysAgentlessSMS", "Next": "WaitForPaymentOrTimeout" },
    "WaitForPaymentOrTimeout": { "Type": "Wait", "Seconds": 86400, "Next": "CheckPaymentStatus" },
    "CheckPaymentStatus": { "Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:CheckCRMForPayment", "Next": "PaymentChoice" },
    "PaymentChoice": { "Type": "Choice", "Choices": [ { "Variable": "$.paymentStatus", "StringEquals": "PAID", "Next": "CampaignSuccess" } ], "Default": "InjectToVoiceDialer" },
    "InjectToVoiceDialer": { "Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert", "Next": "EndCampaign" },
    "CampaignSuccess": { "Type": "Succeed" },
    "EndCampaign": { "Type": "Pass", "End": true }
  }
})json";

inline constexpr char kSeedPolicies[] =
    R"json({"choiceOnMissingVariable": "default",
            "exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}],
            "genesys": {"contactListId": "demo-contacts", "smsFromNumber": "+18005550199"}})json";

inline blend::v1::Campaign SeedCampaign(const std::string& id) {
  blend::v1::Campaign c;
  c.set_campaign_id(id);
  c.set_definition_json(kSeedDefinition);
  c.set_policies_json(kSeedPolicies);
  auto& a = *c.mutable_resource_aliases();
  a["arn:aws:lambda:REGION:ACCOUNT:function:GenesysAgentlessSMS"] = "blend:sms";
  a["arn:aws:lambda:REGION:ACCOUNT:function:CheckCRMForPayment"] = "blend:facts";
  a["arn:aws:lambda:REGION:ACCOUNT:function:GenesysOutboundContactListInsert"] = "blend:voice";
  return c;
}

// 15:00 UTC on a Monday: inside the 08:00-21:00 window in London (the test phone's zone).
inline absl::Time TestStart() { return absl::FromUnixSeconds(1767625200); }  // 2026-01-05T15:00Z

inline blend::v1::StartJourneyRequest StartRequest(const std::string& campaign,
                                                   const std::string& key,
                                                   const std::string& customer) {
  blend::v1::StartJourneyRequest r;
  r.set_campaign_id(campaign);
  r.set_client_key(key);
  r.mutable_customer()->set_customer_id(customer);
  r.mutable_customer()->set_phone_e164("+442079460958");
  r.mutable_customer()->set_email(customer + "@example.com");
  r.mutable_customer()->set_time_zone("Europe/London");
  (*r.mutable_input()->mutable_fields())["invoice"].set_string_value("INV-" + key);
  return r;
}

inline std::string RequireEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: these tests need the real PostgreSQL and Kafka. Run "
                  << "`scripts/cluster up && source .local/cluster.env` first.";
    return "";
  }
  return v;
}

template <typename Pred>
bool WaitUntil(Pred pred, absl::Duration timeout = absl::Seconds(30)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return pred();
}

inline int FreePort() { return blend::test_support::FreeLoopbackPort(); }

#ifdef BLEND_ORCHESTRATOR_BIN
// A blend-orchestrator child process (BLEND_ORCHESTRATOR_BIN), SIGKILLed on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      std::string bin = BLEND_ORCHESTRATOR_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Child() { Kill(SIGKILL); }
  void Kill(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};
#endif  // BLEND_ORCHESTRATOR_BIN

class OrchestratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = RequireEnv("BLEND_KAFKA_BROKERS");
    ASSERT_FALSE(brokers_.empty());
    auto db = store::testing::TestDatabase::CreateFromEnv();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    prefix_ = absl::StrCat("t", NewUuid().substr(0, 8), ".");
    clock_.Set(TestStart());
    bus::ProducerConfig pc;
    pc.brokers = brokers_;
    auto producer = bus::Producer::Create(pc);
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
  }

  void TearDown() override {
    for (auto& c : consumers_) (void)c->Close();
    for (auto& o : orchestrators_) o->Shutdown();
  }

  OrchestratorConfig Config() {
    OrchestratorConfig cfg;
    cfg.grpc_addr = "127.0.0.1:0";
    cfg.pg_url = db_->url();
    cfg.pg_pool_size = 8;
    cfg.kafka_brokers = brokers_;
    cfg.topic_prefix = prefix_;
    cfg.consumer_group = prefix_ + "orchestrator";
    cfg.kafka_session_timeout = absl::Seconds(6);
    cfg.timer_poll = absl::Milliseconds(20);
    cfg.gauge_interval = absl::Milliseconds(50);
    return cfg;
  }

  Orchestrator& StartOrchestrator(OrchestratorConfig cfg) {
    registry_ = std::make_shared<prometheus::Registry>();
    auto o = Orchestrator::Create(std::move(cfg), clock_, registry_);
    EXPECT_TRUE(o.ok()) << o.status();
    if (!o.ok()) std::abort();
    (*o)->Start();
    orchestrators_.push_back(std::move(*o));
    Orchestrator& orch = *orchestrators_.back();
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", orch.grpc_port()),
                                       grpc::InsecureChannelCredentials());
    journeys_ = blend::v1::JourneyService::NewStub(channel);
    touches_ = blend::v1::TouchService::NewStub(channel);
    return orch;
  }

  Orchestrator& StartOrchestrator() { return StartOrchestrator(Config()); }

  // Flags for a blend-orchestrator child on this test's database and topics.
  std::vector<std::string> ChildArgs(int port, const std::string& outbox_poll = "20ms") {
    return {"--grpc-addr=127.0.0.1:" + std::to_string(port),
            "--metrics-addr=127.0.0.1:0",
            "--pg-url=" + db_->url(),
            "--kafka-brokers=" + brokers_,
            "--topic-prefix=" + prefix_,
            "--consumer-group=" + prefix_ + "orchestrator",
            "--outbox-poll=" + outbox_poll,
            "--timer-poll=50ms",
            "--log-level=warn"};
  }

  // Points journeys_ / touches_ at a child's port once it accepts connections.
  void Connect(int port) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::seconds(60)));
    journeys_ = blend::v1::JourneyService::NewStub(channel);
    touches_ = blend::v1::TouchService::NewStub(channel);
  }

  std::string Topic(const std::string& name) { return prefix_ + name; }

  bus::Consumer& Subscribe(const std::vector<std::string>& topics) {
    bus::ConsumerConfig cc;
    cc.brokers = brokers_;
    cc.group_id = prefix_ + "reader-" + NewUuid().substr(0, 6);
    for (const auto& t : topics) cc.topics.push_back(Topic(t));
    // Create the topics first: a consumer that joins before its topic exists only notices it
    // at the next metadata refresh (minutes), and the test would read nothing.
    absl::Status created = bus::EnsureTopics(brokers_, cc.topics, 4);
    EXPECT_TRUE(created.ok()) << created;
    cc.session_timeout = absl::Seconds(6);
    cc.heartbeat_interval = absl::Milliseconds(500);
    auto c = bus::Consumer::Create(cc);
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) std::abort();
    consumers_.push_back(std::move(*c));
    return *consumers_.back();
  }

  // Reads envelopes from `consumer` until `count` touch commands arrived or the timeout.
  std::vector<blend::v1::TouchCommand> ReadTouches(bus::Consumer& consumer, size_t count,
                                                   absl::Duration timeout = absl::Seconds(30)) {
    std::vector<blend::v1::TouchCommand> out;
    absl::Time deadline = absl::Now() + timeout;
    while (out.size() < count && absl::Now() < deadline) {
      auto m = consumer.Poll(absl::Milliseconds(200));
      if (!m) continue;
      blend::v1::Envelope env;
      EXPECT_TRUE(env.ParseFromString(m->payload));
      if (env.has_touch()) out.push_back(env.touch());
    }
    return out;
  }

  void PublishDisposition(const blend::v1::TouchCommand& touch, blend::v1::TouchOutcome outcome,
                          const std::string& message_id, bool wait = true) {
    blend::v1::Envelope env;
    env.set_message_id(message_id);
    env.set_schema_version(1);
    auto* d = env.mutable_disposition();
    d->set_touch_id(touch.touch_id());
    d->set_journey_id(touch.journey_id());
    d->set_channel(touch.channel());
    d->set_outcome(outcome);
    if (outcome == blend::v1::TOUCH_OUTCOME_CALL_COMPLETED) {
      d->mutable_call()->set_wrapup_code("ININ-OUTBOUND-NO-ANSWER");
    }
    if (!wait) {
      ASSERT_TRUE(producer_
                      ->Produce({Topic("blend.dispositions"), touch.journey_id(),
                                 env.SerializeAsString(), {}},
                                [](absl::Status s, const bus::DeliveryReport&) {
                                  EXPECT_TRUE(s.ok()) << s;
                                })
                      .ok());
      return;
    }
    ASSERT_TRUE(producer_->ProduceSync(Topic("blend.dispositions"), touch.journey_id(),
                                       env.SerializeAsString())
                    .ok());
  }

  blend::v1::Journey GetJourney(const std::string& id) {
    grpc::ClientContext ctx;
    blend::v1::GetJourneyRequest req;
    req.set_journey_id(id);
    blend::v1::Journey j;
    grpc::Status s = journeys_->GetJourney(&ctx, req, &j);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return j;
  }

  std::string PutSeedCampaign(const std::string& id) {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign(id);
    blend::v1::PutCampaignResponse resp;
    grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return id;
  }

  std::string PutCampaignWithPolicies(const std::string& id, const std::string& policies_json) {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign(id);
    // The seed tests $.paymentStatus, absent until a payment: keep Default on a missing
    // variable (AWS would fail the Choice with States.Runtime) unless the test says otherwise.
    std::string policies = policies_json;
    if (policies.find("choiceOnMissingVariable") == std::string::npos) {
      const size_t brace = policies.find('{');
      const bool empty = policies.find_first_not_of(" \t\n", brace + 1) == policies.find('}');
      policies = brace == std::string::npos || empty
                     ? std::string(R"({"choiceOnMissingVariable": "default"})")
                     : policies.insert(brace + 1, R"("choiceOnMissingVariable": "default", )");
    }
    req.mutable_campaign()->set_policies_json(policies);
    blend::v1::PutCampaignResponse resp;
    grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return id;
  }

  std::string Start(const blend::v1::StartJourneyRequest& req) {
    grpc::ClientContext ctx;
    blend::v1::StartJourneyResponse resp;
    grpc::Status s = journeys_->StartJourney(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.journey_id();
  }

  blend::v1::ClaimTouchResponse Claim(const std::string& touch_id) {
    grpc::ClientContext ctx;
    blend::v1::ClaimTouchRequest req;
    req.set_touch_id(touch_id);
    req.set_worker_id("test-worker");
    blend::v1::ClaimTouchResponse resp;
    grpc::Status s = touches_->ClaimTouch(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  blend::v1::SendCustomerEventResponse SendEvent(const std::string& customer,
                                                 const std::string& type,
                                                 const std::string& event_id) {
    grpc::ClientContext ctx;
    blend::v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id(event_id);
    req.mutable_event()->set_customer_id(customer);
    req.mutable_event()->set_type(type);
    (*req.mutable_event()->mutable_attributes()->mutable_fields())["paymentStatus"]
        .set_string_value("PAID");
    blend::v1::SendCustomerEventResponse resp;
    grpc::Status s = journeys_->SendCustomerEvent(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // The touch as the orchestrator stored it at emission (what ClaimTouch hands a worker); the
  // bus copy only names it.
  blend::v1::TouchCommand StoredTouch(const std::string& touch_id) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT encode(command, 'base64') FROM touches WHERE touch_id = $1", touch_id);
    blend::v1::TouchCommand cmd;
    EXPECT_FALSE(r.empty()) << "no touch " << touch_id;
    if (r.empty()) return cmd;
    std::string bytes;
    EXPECT_TRUE(absl::Base64Unescape(r[0][0].as<std::string>(), &bytes));
    EXPECT_TRUE(cmd.ParseFromString(bytes));
    return cmd;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    return tx.exec(sql)[0][0].as<int64_t>();
  }

  // What is left in the outbox, grouped by attempts, lease and last error: a failure message.
  std::string OutboxState() {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    std::string out = "outbox rows left (attempts | leased by | last error | rows):";
    for (const auto& row : tx.exec("SELECT attempts, leased_by, last_error, count(*) FROM outbox "
                                   "GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 20")) {
      absl::StrAppend(&out, "\n  ", row[0].as<int>(), " | ", row[1].as<std::string>(), " | ",
                      row[2].as<std::string>(), " | ", row[3].as<int64_t>());
    }
    return out;
  }

  // Value of a counter (or sample count of a histogram) with exactly these labels; -1 if absent.
  double MetricValue(const std::string& name,
                     const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& l : m.label) have[l.name] = l.value;
        if (have != labels) continue;
        if (family.type == prometheus::MetricType::Histogram) {
          return static_cast<double>(m.histogram.sample_count);
        }
        if (family.type == prometheus::MetricType::Gauge) return m.gauge.value;
        return m.counter.value;
      }
    }
    return -1;
  }

  int CountHistory(const blend::v1::Journey& j, const std::string& kind) {
    int n = 0;
    for (const auto& h : j.history()) n += h.kind() == kind;
    return n;
  }

  std::string brokers_;
  std::string prefix_;
  FakeClock clock_;
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<bus::Producer> producer_;
  std::vector<std::unique_ptr<bus::Consumer>> consumers_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::unique_ptr<Orchestrator>> orchestrators_;
  std::unique_ptr<blend::v1::JourneyService::Stub> journeys_;
  std::unique_ptr<blend::v1::TouchService::Stub> touches_;
};

}  // namespace blend::orchestrator::testing
