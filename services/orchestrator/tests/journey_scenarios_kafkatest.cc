// The DNC and claim-fence scenarios end to end: the real orchestrator (in-process, on
// a FakeClock so a 24-hour wait passes at once), the three workers (in-process replicas),
// genesys-sim, PostgreSQL and Kafka.

#include <map>
#include <tuple>

#include <pqxx/pqxx>

#include "blend/bus/dead_letter.h"

#include "blend/dialer_worker/dnc_sync.h"
#include "blend/dialer_worker/voice_sender.h"
#include "blend/dialer_worker/webhook.h"
#include "blend/email_worker/email_sender.h"
#include "blend/genesys_sim/testing/workers_test.h"
#include "blend/orchestrator/orchestrator.h"
#include "blend/sms_worker/sms_sender.h"
#include "blend/v1/journey_service.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace blend::workers_test {
namespace {

// SMS, a day's wait, then a call; a blocked channel (opt-out, DNC) branches to email only.
constexpr char kDefinition[] = R"json({
  "StartAt": "Sms",
  "States": {
    "Sms": {"Type": "Task", "Resource": "blend:sms",
            "Parameters": {"text": "Invoice {{invoice}} is 30 days overdue.", "invoice.$": "$.invoice"},
            "ResultPath": "$.sms", "Next": "Wait",
            "Catch": [{"ErrorEquals": ["Blend.OptedOut", "Blend.DncActive"], "ResultPath": "$.blocked", "Next": "Email"}]},
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Voice"},
    "Voice": {"Type": "Task", "Resource": "blend:voice", "Parameters": {"invoice.$": "$.invoice"},
              "ResultPath": "$.voice", "Next": "Done",
              "Catch": [{"ErrorEquals": ["Blend.DncActive", "Blend.OptedOut"], "ResultPath": "$.blocked", "Next": "Email"}]},
    "Email": {"Type": "Task", "Resource": "blend:email",
              "Parameters": {"subject": "Invoice {{invoice}}", "text": "Please pay invoice {{invoice}}.", "invoice.$": "$.invoice"},
              "ResultPath": "$.email", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

// Two SMS a day apart; an opted-out customer gets the second message by email instead.
constexpr char kReminderDefinition[] = R"json({
  "StartAt": "Sms",
  "States": {
    "Sms": {"Type": "Task", "Resource": "blend:sms",
            "Parameters": {"text": "Invoice {{invoice}} is overdue.", "invoice.$": "$.invoice"},
            "ResultPath": "$.sms", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "SecondSms"},
    "SecondSms": {"Type": "Task", "Resource": "blend:sms",
                  "Parameters": {"text": "Reminder: invoice {{invoice}}.", "invoice.$": "$.invoice"},
                  "ResultPath": "$.sms2", "Next": "Done",
                  "Catch": [{"ErrorEquals": ["Blend.OptedOut"], "ResultPath": "$.blocked", "Next": "Email"}]},
    "Email": {"Type": "Task", "Resource": "blend:email",
              "Parameters": {"subject": "Invoice {{invoice}}", "text": "Please pay invoice {{invoice}}.", "invoice.$": "$.invoice"},
              "ResultPath": "$.email", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
})json";

// optOutScope "channel": these scenarios take the email path after an SMS STOP (with the
// default "all" the STOP would block the email too).
constexpr char kPolicies[] = R"json({
  "exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}],
  "optOutScope": "channel",
  "quietHours": {"sms": null, "voice": null, "email": null},
  "genesys": {"contactListId": "demo-contacts", "dncListId": "demo-dnc",
              "smsFromNumber": "+18005550199", "emailFromAddress": "collections@demo.example.com",
              "oauthClient": "demo-client"}
})json";

// Texts only between 12:00 and 13:00: a journey started at the fixture's 10:00 New York time
// emits its SMS touch (stored, in the outbox) that is not published before noon.
constexpr char kNoonSmsPolicies[] = R"json({
  "quietHours": {"sms": {"from": "12:00", "until": "13:00"}, "voice": null, "email": null},
  "genesys": {"smsFromNumber": "+18005550199", "oauthClient": "demo-client"}
})json";

class JourneyScenarioTest : public WorkersTest {
 protected:
  void SetUp() override {
    WorkersTest::SetUp();
    clock_.Set(absl::FromUnixSeconds(1767625200));  // 2026-01-05T15:00Z
  }
  void TearDown() override {
    if (webhook_server_) webhook_server_->Stop();
    if (sync_) sync_->Stop();  // its thread uses the dialer replica's pool and client
    StopReplicas();
    webhook_.reset();
    sync_.reset();
    if (orchestrator_) orchestrator_->Shutdown();
    WorkersTest::TearDown();
  }

  void StartOrchestrator() {
    orchestrator::OrchestratorConfig cfg;
    cfg.grpc_addr = "127.0.0.1:0";
    cfg.pg_url = db_->url();
    cfg.kafka_brokers = brokers_;
    cfg.topic_prefix = prefix_;
    cfg.consumer_group = prefix_ + "orchestrator";
    cfg.kafka_session_timeout = absl::Seconds(6);
    cfg.timer_poll = absl::Milliseconds(20);
    auto o = orchestrator::Orchestrator::Create(std::move(cfg), clock_,
                                                std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(o.ok()) << o.status();
    orchestrator_ = std::move(*o);
    orchestrator_->Start();
    orchestrator_addr_ = "127.0.0.1:" + std::to_string(orchestrator_->grpc_port());
    journeys_ = v1::JourneyService::NewStub(
        grpc::CreateChannel(orchestrator_addr_, grpc::InsecureChannelCredentials()));
    for (auto [id, definition, policies] :
         {std::tuple{"collections", kDefinition, kPolicies},
          std::tuple{"reminders", kReminderDefinition, kPolicies},
          std::tuple{"noon-texts", kReminderDefinition, kNoonSmsPolicies}}) {
      grpc::ClientContext ctx;
      v1::PutCampaignRequest req;
      req.mutable_campaign()->set_campaign_id(id);
      req.mutable_campaign()->set_definition_json(definition);
      req.mutable_campaign()->set_policies_json(policies);
      v1::PutCampaignResponse resp;
      grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  worker::WorkerRuntimeConfig Config(v1::Channel channel) {
    worker::WorkerRuntimeConfig c = RuntimeConfig(channel, 600);
    c.orchestrator_addr = orchestrator_addr_;
    return c;
  }

  void StartSmsWorker() {
    StartReplica(Config(v1::CHANNEL_SMS), [](worker::WorkerRuntime& rt) {
      return std::make_unique<sms_worker::SmsSender>(rt.genesys(), sms_worker::SmsSenderOptions{});
    });
  }

  void StartEmailWorker() {
    StartReplica(Config(v1::CHANNEL_EMAIL), [this](worker::WorkerRuntime& rt) {
      return std::make_unique<email_worker::EmailSender>(rt.genesys(), tokens_,
                                                         email_worker::EmailSenderOptions{});
    });
  }

  void StartDialer() {
    worker::WorkerRuntime& rt =
        StartReplica(Config(v1::CHANNEL_VOICE), [](worker::WorkerRuntime& r) {
          return std::make_unique<dialer_worker::VoiceSender>(r.genesys(),
                                                              dialer_worker::VoiceSenderOptions{});
        });
    dialer_worker::DncSyncOptions dnc;
    dnc.interval = absl::Seconds(1);
    sync_ = std::make_unique<dialer_worker::DncSync>(rt.pool(), rt.genesys(), rt.quota(),
                                                     rt.clock(), dnc);
    dialer_worker::WebhookOptions options;
    options.dispositions_topic = rt.Topic("blend.dispositions");
    options.customer_events_topic = rt.Topic("blend.customer-events");
    webhook_ = std::make_unique<dialer_worker::WebhookHandler>(
        rt.pool(), rt.producer(), rt.genesys(), rt.quota(), rt.ledger(), sync_.get(), rt.clock(),
        options);
    auto server = dialer_worker::WebhookServer::Start(*webhook_, "127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    webhook_server_ = std::move(*server);
    std::string base = "http://127.0.0.1:" + std::to_string(webhook_server_->port());
    nlohmann::json hooks = {{"postContactUrls", {base + "/webhooks/genesys/post-contact"}},
                            {"inboundSmsUrls", {base + "/webhooks/genesys/inbound-sms"}}};
    ASSERT_EQ(sim_->Admin("PUT", "/sim/webhooks", hooks.dump()).status, 200);
  }

  std::string StartJourney(const std::string& customer, const std::string& phone,
                           const std::string& campaign = "collections") {
    grpc::ClientContext ctx;
    v1::StartJourneyRequest req;
    req.set_campaign_id(campaign);
    req.set_client_key("key-" + customer);
    req.mutable_customer()->set_customer_id(customer);
    req.mutable_customer()->set_phone_e164(phone);
    req.mutable_customer()->set_email(customer + "@customer.example");
    req.mutable_customer()->set_time_zone("America/New_York");
    (*req.mutable_input()->mutable_fields())["invoice"].set_string_value("INV-" + customer);
    v1::StartJourneyResponse resp;
    grpc::Status s = journeys_->StartJourney(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.journey_id();
  }

  v1::Journey GetJourney(const std::string& id) {
    grpc::ClientContext ctx;
    v1::GetJourneyRequest req;
    req.set_journey_id(id);
    v1::Journey j;
    grpc::Status s = journeys_->GetJourney(&ctx, req, &j);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return j;
  }

  template <typename Pred>
  bool WaitUntil(Pred pred, absl::Duration timeout = absl::Seconds(30)) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (pred()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return pred();
  }

  int Operations(const std::string& operation) {
    genesys_sim::AuditFilter f;
    f.operation = operation;
    f.status = 200;
    return static_cast<int>(sim_->sim().audit().Query(f).size());
  }

  FakeClock clock_;
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;
  std::string orchestrator_addr_;
  std::unique_ptr<v1::JourneyService::Stub> journeys_;
  email_worker::UnsubscribeTokens tokens_{Secret("test-key")};
  std::unique_ptr<dialer_worker::DncSync> sync_;
  std::unique_ptr<dialer_worker::WebhookHandler> webhook_;
  std::unique_ptr<dialer_worker::WebhookServer> webhook_server_;
};

// The seed's race: the customer replies STOP to the SMS; a day later the journey reaches the
// voice step. No insertion happens, the number is on the Genesys DNC list, and the journey
// takes its blocked path (email only).
TEST_F(JourneyScenarioTest, StopReplyBlocksTheLaterCallAndTheJourneyFallsBackToEmail) {
  StartSim(genesys_sim::DemoConfig());
  StartOrchestrator();
  StartSmsWorker();
  StartDialer();
  StartEmailWorker();
  const std::string phone = "+12125550190";
  std::string id = StartJourney("cust-race", phone);
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).current_state() == "Wait"; }))
      << GetJourney(id).DebugString();
  EXPECT_EQ(Operations("sms.send"), 1);

  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        nlohmann::json{{"fromAddress", phone}, {"textBody", "STOP"}}.dump())
                .status,
            200);
  pqxx::connection db(db_->url());
  auto suppressed = [&](int channel, const char* kind) {
    pqxx::nontransaction tx(db);
    return tx.exec_params(
                 "SELECT count(*) FROM suppressions WHERE channel = $1 AND address = $2 "
                 "AND kind = $3",
                 channel, phone, kind)[0][0]
               .as<int>() == 1;
  };
  ASSERT_TRUE(WaitUntil([&] { return suppressed(1, "opt_out"); })) << "opt-out not applied";
  ASSERT_TRUE(WaitUntil([&] { return suppressed(2, "dnc"); })) << "DNC not mirrored";

  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).status() == v1::JOURNEY_STATUS_SUCCEEDED; }))
      << GetJourney(id).DebugString();
  EXPECT_EQ(Operations("contacts.add"), 0) << "the call must never be placed";
  EXPECT_EQ(Operations("email.send"), 1);
  auto list = sim_->sim().outbound().GetDncList("demo-dnc");
  ASSERT_TRUE(list.ok());
  bool on_list = false;
  for (const auto& e : list->entries) on_list |= e.phone_number == phone;
  EXPECT_TRUE(on_list) << "Genesys's own scrub must agree";
  std::string history = GetJourney(id).DebugString();
  EXPECT_NE(history.find("Email"), std::string::npos);
}

// A payment that commits while the touch command waits in Kafka stops it at the claim.
TEST_F(JourneyScenarioTest, PaymentAfterTheTouchWasQueuedStopsItAtTheClaim) {
  StartSim(genesys_sim::DemoConfig());
  StartOrchestrator();
  Collector touches(brokers_, {Topic("blend.touch.sms")});
  std::string id = StartJourney("cust-paid", "+12125550191");
  ASSERT_EQ(touches.WaitFor(1, absl::Seconds(20)).size(), 1u) << "touch not queued";
  {
    grpc::ClientContext ctx;
    v1::SendCustomerEventRequest req;
    req.mutable_event()->set_event_id("pay-1");
    req.mutable_event()->set_customer_id("cust-paid");
    req.mutable_event()->set_type("payment.received");
    v1::SendCustomerEventResponse resp;
    ASSERT_TRUE(journeys_->SendCustomerEvent(&ctx, req, &resp).ok());
  }
  EXPECT_EQ(GetJourney(id).status(), v1::JOURNEY_STATUS_SUCCEEDED);
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  StartSmsWorker();
  auto got = dispositions.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].disposition().outcome(), v1::TOUCH_OUTCOME_SKIPPED);
  EXPECT_NE(got[0].disposition().reason().find("SUCCEEDED"), std::string::npos);
  EXPECT_EQ(Operations("sms.send"), 0);
}

// A number put on the Genesys DNC list after the journey started: Blend's mirror catches it
// before the insertion; the journey sees DNC_ACTIVE and takes its blocked path.
TEST_F(JourneyScenarioTest, NumberAddedToGenesysDncAfterStartIsNeverCalled) {
  StartSim(genesys_sim::DemoConfig());
  StartOrchestrator();
  StartSmsWorker();
  StartDialer();
  StartEmailWorker();
  const std::string phone = "+12125550192";
  std::string id = StartJourney("cust-dnc", phone);
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).current_state() == "Wait"; }));
  ASSERT_TRUE(sim_->sim().outbound().AddDncNumbers("demo-dnc", {phone}, std::nullopt).ok());
  sync_->Start();  // the scheduled mirror (every second here)
  pqxx::connection db(db_->url());
  ASSERT_TRUE(WaitUntil([&] {
    pqxx::nontransaction tx(db);
    return tx.exec_params(
                 "SELECT count(*) FROM suppressions WHERE channel = 2 AND address = $1 "
                 "AND source = 'genesys_dnc_mirror'",
                 phone)[0][0]
               .as<int>() == 1;
  }));
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).status() == v1::JOURNEY_STATUS_SUCCEEDED; }))
      << GetJourney(id).DebugString();
  EXPECT_EQ(Operations("contacts.add"), 0);
  EXPECT_EQ(Operations("email.send"), 1);
  EXPECT_NE(GetJourney(id).DebugString().find("Blend.DncActive"), std::string::npos);
}

// The same number, but the mirror has not run yet: the contact is inserted, Genesys's own
// dial-time scrub refuses to dial it, and the journey still sees DNC_ACTIVE.
TEST_F(JourneyScenarioTest, GenesysScrubCatchesWhatTheMirrorHasNotSeenYet) {
  genesys_sim::SimConfig config = genesys_sim::DemoConfig();
  config.dialer.dial_delay = absl::Milliseconds(300);
  StartSim(config);
  StartOrchestrator();
  StartSmsWorker();
  StartDialer();  // DncSync not started: Blend does not know the number yet
  StartEmailWorker();
  const std::string phone = "+12125550194";
  std::string id = StartJourney("cust-scrub", phone);
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).current_state() == "Wait"; }));
  ASSERT_TRUE(sim_->sim().outbound().AddDncNumbers("demo-dnc", {phone}, std::nullopt).ok());
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).status() == v1::JOURNEY_STATUS_SUCCEEDED; }))
      << GetJourney(id).DebugString();
  EXPECT_EQ(Operations("contacts.add"), 1);
  bool dialled = false;
  for (const auto& call : sim_->sim().RecentCalls()) {
    if (call.phone_number == phone) {
      EXPECT_EQ(call.wrapup_code, "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST");
      dialled |= call.wrapup_code != "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST";
    }
  }
  EXPECT_FALSE(dialled) << "no call may be placed";
  EXPECT_EQ(Operations("email.send"), 1);
  EXPECT_NE(GetJourney(id).DebugString().find("Blend.DncActive"), std::string::npos);
}

// Inbound STOP after the second SMS was queued: its claim is refused (OPTED_OUT), nothing is
// sent, and the journey takes its Blend.OptedOut path.
TEST_F(JourneyScenarioTest, InboundStopRefusesTheQueuedSmsAndTheJourneyTakesItsOptedOutPath) {
  StartSim(genesys_sim::DemoConfig());
  StartOrchestrator();
  StartSmsWorker();  // replica 0
  StartDialer();     // replica 1: the inbound-SMS webhook
  StartEmailWorker();
  const std::string phone = "+12125550193";
  std::string id = StartJourney("cust-stop", phone, "reminders");
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).current_state() == "Wait"; }));
  StopReplica(0);  // the second SMS will wait in Kafka
  Collector touches(brokers_, {Topic("blend.touch.sms")});
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_EQ(touches.WaitFor(2, absl::Seconds(20)).size(), 2u) << "second SMS not queued";

  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        nlohmann::json{{"fromAddress", phone}, {"textBody", "stop"}}.dump())
                .status,
            200);
  pqxx::connection db(db_->url());
  ASSERT_TRUE(WaitUntil([&] {
    pqxx::nontransaction tx(db);
    return tx.exec_params(
                 "SELECT count(*) FROM suppressions WHERE channel = 1 AND address = $1 "
                 "AND kind = 'opt_out'",
                 phone)[0][0]
               .as<int>() == 1;
  })) << "opt-out not applied";
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  StartSmsWorker();
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).status() == v1::JOURNEY_STATUS_SUCCEEDED; }))
      << GetJourney(id).DebugString();
  EXPECT_EQ(Operations("sms.send"), 1) << "only the first SMS went out";
  EXPECT_EQ(Operations("email.send"), 1);
  bool refused = false;
  for (const auto& e : dispositions.WaitFor(3, absl::Seconds(5))) {
    refused |= e.disposition().outcome() == v1::TOUCH_OUTCOME_OPTED_OUT;
  }
  EXPECT_TRUE(refused) << "the queued SMS is refused at its claim";
}

}  // namespace
}  // namespace blend::workers_test

namespace blend::workers_test {
namespace {

std::string Header(const bus::Message& m, std::string_view name) {
  for (const bus::Header& h : m.headers) {
    if (h.key == name) return h.value;
  }
  return "";
}

// The forged-touch attack: whoever can produce to blend.touch.sms cannot text anyone. A
// touch id Blend never emitted, and a real touch id with another recipient and text, are
// refused at the claim (DECISION_NOT_ISSUED) and dead-lettered with the reason; genesys-sim
// receives nothing, and the real touch, untouched by the forgery, goes out later exactly as
// the orchestrator stored it.
TEST_F(JourneyScenarioTest, ForgedTouchOnTheTopicSendsNothingAndIsDeadLettered) {
  StartSim(genesys_sim::DemoConfig());
  StartOrchestrator();
  const std::string phone = "+12125550197";
  const std::string attacker = "+12125550666";
  std::string id = StartJourney("cust-forged", phone, "noon-texts");
  std::string real_touch;
  ASSERT_TRUE(WaitUntil([&] {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    pqxx::result r = tx.exec_params(
        "SELECT touch_id FROM touches WHERE journey_id = $1 AND status = 'pending'", id);
    if (r.empty()) return false;
    real_touch = r[0][0].as<std::string>();
    return true;
  })) << "the journey's SMS touch was not stored";

  // Two forgeries, written straight to the topic with a recipient and a text of their own.
  v1::TouchCommand unknown = SmsTouch(id + "/00000000000000000000000000000000", attacker);
  unknown.set_journey_id(id);
  Publish(unknown);
  v1::TouchCommand altered = SmsTouch(real_touch, attacker);
  altered.set_journey_id(id);
  altered.set_campaign_id("noon-texts");
  (*altered.mutable_parameters()->mutable_fields())["text"].set_string_value(
      "Pay now at evil.example");
  Publish(altered);

  Collector dlq(brokers_, {Topic("blend.touch.sms.dlq")});
  StartSmsWorker();
  dlq.WaitFor(2, absl::Seconds(30));
  std::vector<bus::Message> letters = dlq.raw();
  ASSERT_EQ(letters.size(), 2u) << "both forgeries are dead-lettered";
  std::map<std::string, std::string> reason_of;
  for (const auto& m : letters) {
    v1::Envelope e;
    ASSERT_TRUE(e.ParseFromString(m.payload));
    reason_of[e.touch().touch_id()] = Header(m, bus::kDlqReason);
  }
  EXPECT_NE(reason_of[unknown.touch_id()].find("unknown touch"), std::string::npos)
      << reason_of[unknown.touch_id()];
  EXPECT_NE(reason_of[real_touch].find("customer"), std::string::npos) << reason_of[real_touch];
  EXPECT_NE(reason_of[real_touch].find("parameters"), std::string::npos) << reason_of[real_touch];
  EXPECT_EQ(reason_of[real_touch].find(attacker), std::string::npos)
      << "the reason names fields, not the forged values";
  EXPECT_EQ(Operations("sms.send"), 0) << "nothing reached genesys-sim";
  {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    EXPECT_EQ(tx.exec_params("SELECT status FROM touches WHERE touch_id = $1", real_touch)[0][0]
                  .as<std::string>(),
              "pending")
        << "the forgery neither claimed nor refused the real touch";
  }

  // Noon: the real touch is published, claimed and sent as stored.
  clock_.Advance(absl::Hours(2) + absl::Minutes(1));
  ASSERT_TRUE(WaitUntil([&] { return Operations("sms.send") == 1; }))
      << GetJourney(id).DebugString();
  genesys_sim::AuditFilter to_attacker;
  to_attacker.to_address = attacker;
  EXPECT_TRUE(sim_->sim().audit().Query(to_attacker).empty());
  genesys_sim::AuditFilter sent;
  sent.operation = "sms.send";
  sent.status = 200;
  auto real = sim_->sim().audit().Query(sent);
  ASSERT_EQ(real.size(), 1u);
  EXPECT_EQ(real[0].to_address, phone);
  EXPECT_EQ(real[0].touch_id, real_touch);
  EXPECT_TRUE(WaitUntil([&] { return GetJourney(id).current_state() == "Wait"; }))
      << GetJourney(id).DebugString();
}

}  // namespace
}  // namespace blend::workers_test
