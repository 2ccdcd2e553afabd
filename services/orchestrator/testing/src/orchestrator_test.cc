#include "blend/orchestrator/testing/orchestrator_test.h"

#include "blend/journey/testing/seed_campaign.h"
#include "nlohmann/json.hpp"

namespace blend::orchestrator::testing {

blend::v1::Campaign SeedCampaign(const std::string& id, int wait_seconds) {
  // ordered_json: the stored definition keeps the file's state order (statistics list states in
  // document order).
  const nlohmann::ordered_json document =
      nlohmann::ordered_json::parse(journey::testing::SeedCampaignDocument());
  nlohmann::ordered_json definition = document.at("definition");
  definition["States"]["WaitForPaymentOrTimeout"]["Seconds"] = wait_seconds;
  blend::v1::Campaign c;
  c.set_campaign_id(id);
  c.set_definition_json(definition.dump());
  c.set_policies_json(document.at("policies").dump());
  auto& aliases = *c.mutable_resource_aliases();
  for (const auto& [arn, resource] : document.at("resourceAliases").items()) {
    aliases[arn] = resource.get<std::string>();
  }
  return c;
}

blend::v1::StartJourneyRequest StartRequest(const std::string& campaign, const std::string& key,
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

Child::Child(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  auto process = test_support::ChildProcess::Spawn("blend-orchestrator", std::move(argv));
  EXPECT_TRUE(process.ok()) << process.status();
  if (process.ok()) process_ = std::move(*process);
}

void Child::Kill(int signal) {
  if (process_ == nullptr) return;
  process_->Signal(signal);
  if (!process_->WaitExit(absl::Seconds(60))) process_->Kill();
}

void OrchestratorTest::SetUp() {
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

void OrchestratorTest::TearDown() {
  for (auto& c : consumers_) (void)c->Close();
  for (auto& o : orchestrators_) o->Shutdown();
}

OrchestratorConfig OrchestratorTest::Config() {
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

Orchestrator& OrchestratorTest::StartOrchestrator(OrchestratorConfig cfg) {
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

std::vector<std::string> OrchestratorTest::ChildArgs(int port, const std::string& outbox_poll) {
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

void OrchestratorTest::Connect(int port) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(
      channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(60)));
  journeys_ = blend::v1::JourneyService::NewStub(channel);
  touches_ = blend::v1::TouchService::NewStub(channel);
}

bus::Consumer& OrchestratorTest::Subscribe(const std::vector<std::string>& topics) {
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

std::vector<blend::v1::TouchCommand> OrchestratorTest::ReadTouches(bus::Consumer& consumer,
                                                                   size_t count,
                                                                   absl::Duration timeout) {
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

void OrchestratorTest::PublishDisposition(const blend::v1::TouchCommand& touch,
                                          blend::v1::TouchOutcome outcome,
                                          const std::string& message_id, bool wait) {
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
    ASSERT_TRUE(
        producer_
            ->Produce(
                {Topic("blend.dispositions"), touch.journey_id(), env.SerializeAsString(), {}},
                [](absl::Status s, const bus::DeliveryReport&) { EXPECT_TRUE(s.ok()) << s; })
            .ok());
    return;
  }
  ASSERT_TRUE(
      producer_
          ->ProduceSync(Topic("blend.dispositions"), touch.journey_id(), env.SerializeAsString())
          .ok());
}

blend::v1::Journey OrchestratorTest::GetJourney(const std::string& id) {
  grpc::ClientContext ctx;
  blend::v1::GetJourneyRequest req;
  req.set_journey_id(id);
  blend::v1::Journey j;
  grpc::Status s = journeys_->GetJourney(&ctx, req, &j);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return j;
}

std::string OrchestratorTest::PutSeedCampaign(const std::string& id) {
  grpc::ClientContext ctx;
  blend::v1::PutCampaignRequest req;
  *req.mutable_campaign() = SeedCampaign(id);
  blend::v1::PutCampaignResponse resp;
  grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return id;
}

std::string OrchestratorTest::PutCampaignWithPolicies(const std::string& id,
                                                      const std::string& policies_json) {
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

std::string OrchestratorTest::Start(const blend::v1::StartJourneyRequest& req) {
  grpc::ClientContext ctx;
  blend::v1::StartJourneyResponse resp;
  grpc::Status s = journeys_->StartJourney(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.journey_id();
}

blend::v1::ClaimTouchResponse OrchestratorTest::Claim(const std::string& touch_id) {
  grpc::ClientContext ctx;
  blend::v1::ClaimTouchRequest req;
  req.set_touch_id(touch_id);
  req.set_worker_id("test-worker");
  blend::v1::ClaimTouchResponse resp;
  grpc::Status s = touches_->ClaimTouch(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

blend::v1::SendCustomerEventResponse OrchestratorTest::SendEvent(const std::string& customer,
                                                                 const std::string& type,
                                                                 const std::string& event_id) {
  grpc::ClientContext ctx;
  blend::v1::SendCustomerEventRequest req;
  req.mutable_event()->set_event_id(event_id);
  req.mutable_event()->set_customer_id(customer);
  req.mutable_event()->set_type(type);
  (*req.mutable_event()->mutable_attributes()->mutable_fields())["paymentStatus"].set_string_value(
      "PAID");
  blend::v1::SendCustomerEventResponse resp;
  grpc::Status s = journeys_->SendCustomerEvent(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

blend::v1::TouchCommand OrchestratorTest::StoredTouch(const std::string& touch_id) {
  pqxx::connection c(db_->url());
  pqxx::nontransaction tx(c);
  pqxx::result r =
      tx.exec_params("SELECT encode(command, 'base64') FROM touches WHERE touch_id = $1", touch_id);
  blend::v1::TouchCommand cmd;
  EXPECT_FALSE(r.empty()) << "no touch " << touch_id;
  if (r.empty()) return cmd;
  std::string bytes;
  EXPECT_TRUE(absl::Base64Unescape(r[0][0].as<std::string>(), &bytes));
  EXPECT_TRUE(cmd.ParseFromString(bytes));
  return cmd;
}

int64_t OrchestratorTest::Count(const std::string& sql) {
  pqxx::connection c(db_->url());
  pqxx::nontransaction tx(c);
  return tx.exec(sql)[0][0].as<int64_t>();
}

std::string OrchestratorTest::OutboxState() {
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

double OrchestratorTest::MetricValue(const std::string& name,
                                     const std::map<std::string, std::string>& labels) {
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

int OrchestratorTest::CountHistory(const blend::v1::Journey& j, const std::string& kind) {
  int n = 0;
  for (const auto& h : j.history()) n += h.kind() == kind;
  return n;
}

}  // namespace blend::orchestrator::testing
