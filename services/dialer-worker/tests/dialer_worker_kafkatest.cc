// dialer-worker against the real genesys-sim, PostgreSQL and Kafka: priority insertion, call
// outcomes through the signed webhook, inbound STOP, the DNC mirror / write-back, and
// withdrawals (WithdrawTouch) of queued contacts.

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <thread>

#include <httplib.h>
#include <pqxx/pqxx>
#include "absl/strings/match.h"

#include "blend/common/testing/child_process.h"
#include "blend/common/testing/ports.h"
#include "blend/dialer_worker/dnc_sync.h"
#include "blend/dialer_worker/voice_sender.h"
#include "blend/dialer_worker/voice_withdrawer.h"
#include "blend/dialer_worker/webhook.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys_sim/testing/workers_test.h"
#include "blend/genesys_sim/webhooks.h"
#include "blend/quota/quota_governor.h"
#include "blend/quota/quota_store.h"
#include "blend/store/migrations.h"
#include "blend/worker/worker_loop.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace blend::workers_test {
namespace {

using dialer_worker::DncSync;
using dialer_worker::WebhookHandler;
using dialer_worker::WebhookServer;

class DialerWorkerTest : public WorkersTest {
 protected:
  void StartDialer(absl::Duration genesys_timeout = absl::Seconds(10),
                   absl::Duration dial_delay = absl::Milliseconds(300)) {
    genesys_sim::SimConfig config = genesys_sim::DemoConfig();
    config.dialer.dial_delay = dial_delay;
    config.webhooks.initial_backoff = absl::Milliseconds(200);
    StartSim(config);
    worker::WorkerRuntimeConfig runtime = RuntimeConfig(v1::CHANNEL_VOICE, 300);
    runtime.genesys.request_timeout = genesys_timeout;
    worker::WorkerRuntime& rt = StartReplica(
        std::move(runtime),
        [](worker::WorkerRuntime& r) {
          return std::make_unique<dialer_worker::VoiceSender>(r.genesys(),
                                                              dialer_worker::VoiceSenderOptions{});
        },
        [this](worker::WorkerRuntime& r) -> std::unique_ptr<worker::WithdrawHandler> {
          // The withdrawals' own lane, as main.cc builds it.
          lane_store_ = std::make_unique<quota::PgQuotaStore>(r.pool());
          lane_ = std::make_unique<quota::QuotaGovernor>(
              *lane_store_, r.clock(), r.config().quota_name + ":withdrawals",
              // Roomy: the 5xx test retries GET + DELETE a few times within a second.
              quota::QuotaConfig{.requests_per_minute = 600, .burst = 16});
          return std::make_unique<dialer_worker::VoiceWithdrawer>(
              r.ledger(), r.genesys(), *lane_, &r.quota(), r.clock(),
              dialer_worker::VoiceWithdrawerOptions{
                  .worker_id = r.config().worker_id,
                  .delete_attempts = 10,  // the 5xx test expects DELETE retried, not uncallable
                  .backoff = {.initial = absl::Milliseconds(200),
                              .max = absl::Seconds(1),
                              .max_attempts = 20}},
              [] { return 1.0; });
        });
    dialer_worker::DncSyncOptions dnc;
    dnc.interval = absl::Hours(1);  // the tests drive it
    sync_ = std::make_unique<DncSync>(rt.pool(), rt.genesys(), rt.quota(), rt.clock(), dnc);
    dialer_worker::WebhookOptions options;
    options.dispositions_topic = rt.Topic("blend.dispositions");
    options.customer_events_topic = rt.Topic("blend.customer-events");
    handler_ = std::make_unique<WebhookHandler>(rt.pool(), rt.producer(), rt.genesys(), rt.quota(),
                                                rt.ledger(), sync_.get(), rt.clock(), options);
    auto server = WebhookServer::Start(*handler_, "127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    std::string base = "http://127.0.0.1:" + std::to_string(server_->port());
    nlohmann::json hooks = {{"postContactUrls", {base + "/webhooks/genesys/post-contact"}},
                            {"inboundSmsUrls", {base + "/webhooks/genesys/inbound-sms"}}};
    ASSERT_EQ(sim_->Admin("PUT", "/sim/webhooks", hooks.dump()).status, 200);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (sync_) sync_->Stop();
    StopReplicas();
    lane_.reset();
    lane_store_.reset();
    handler_.reset();
    sync_.reset();
    WorkersTest::TearDown();
  }
  v1::TouchCommand VoiceTouch(const std::string& id, const std::string& phone) {
    v1::TouchCommand t = SmsTouch(id, phone);
    t.set_channel(v1::CHANNEL_VOICE);
    return t;
  }
  bool OnSimDnc(const std::string& number) {
    auto list = sim_->sim().outbound().GetDncList("demo-dnc");
    if (!list.ok()) return false;
    for (const auto& e : list->entries) {
      if (e.phone_number == number) return true;
    }
    return false;
  }
  int64_t Count(const std::string& sql) {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    int64_t n = tx.exec(sql)[0][0].as<int64_t>();
    tx.commit();
    return n;
  }

  // A WithdrawTouch envelope on the voice topic, keyed by journey id like the orchestrator's.
  void PublishWithdraw(const v1::TouchCommand& touch) {
    v1::Envelope envelope;
    envelope.set_message_id("withdraw-" + touch.touch_id());
    envelope.set_schema_version(1);
    v1::WithdrawTouch* w = envelope.mutable_withdraw();
    w->set_touch_id(touch.touch_id());
    w->set_journey_id(touch.journey_id());
    w->set_channel(v1::CHANNEL_VOICE);
    w->set_contact_list_id("demo-contacts");
    w->set_contact_id(genesys::ContactIdForTouch(touch.touch_id()));
    w->set_reason("payment received");
    *w->mutable_requested_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    ASSERT_TRUE(producer_
                    ->ProduceSync(Topic("blend.touch.voice"), touch.journey_id(),
                                  envelope.SerializeAsString())
                    .ok());
  }
  // Requests of `operation` on the touch's contact, with `status` (0: any).
  int Audited(const std::string& operation, const std::string& touch_id, int status = 0) {
    genesys_sim::AuditFilter f;
    f.operation = operation;
    f.contact_id = genesys::ContactIdForTouch(touch_id);
    if (status != 0) f.status = status;
    return static_cast<int>(sim_->sim().audit().Query(f).size());
  }
  bool InSimList(const std::string& touch_id) {
    return sim_->sim()
        .outbound()
        .GetContact("demo-contacts", genesys::ContactIdForTouch(touch_id))
        .ok();
  }
  int PostContactEvents() {
    int n = 0;
    for (const auto& d : sim_->sim().dispatcher().Deliveries()) n += d.kind == "postContact";
    return n;
  }

  std::unique_ptr<quota::PgQuotaStore> lane_store_;
  std::unique_ptr<quota::QuotaGovernor> lane_;
  std::unique_ptr<DncSync> sync_;
  std::unique_ptr<WebhookHandler> handler_;
  std::unique_ptr<WebhookServer> server_;
};

std::vector<v1::Disposition> Of(const std::vector<v1::Envelope>& all, const std::string& touch) {
  std::vector<v1::Disposition> out;
  for (const auto& e : all) {
    if (e.disposition().touch_id() == touch) out.push_back(e.disposition());
  }
  return out;
}

TEST_F(DialerWorkerTest, CallOutcomeWebhookCompletesTheVoiceTouchWithItsWrapupCode) {
  StartDialer();
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  Publish(VoiceTouch("v-answered", "+12125550140"));  // demo rule: ends in 0 -> agent wrap-up
  Publish(VoiceTouch("v-noanswer", "+12125550144"));  // ends in 4 -> ININ-OUTBOUND-NO-ANSWER
  auto all = dispositions.WaitFor(4, absl::Seconds(40));
  ASSERT_EQ(all.size(), 4u);

  auto answered = Of(all, "v-answered");
  ASSERT_EQ(answered.size(), 2u);
  EXPECT_EQ(answered[0].outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_FALSE(answered[0].provider_ids().at("contactId").empty());
  EXPECT_EQ(answered[1].outcome(), v1::TOUCH_OUTCOME_CALL_COMPLETED);
  EXPECT_EQ(answered[1].journey_id(), "j-v-answered");
  EXPECT_EQ(answered[1].call().wrapup_code(), "demo-wrapup-promise-to-pay");
  EXPECT_TRUE(answered[1].call().answered());
  EXPECT_FALSE(answered[1].call().conversation_id().empty());
  EXPECT_EQ(answered[1].provider_ids().at("contactId"), answered[0].provider_ids().at("contactId"));

  auto missed = Of(all, "v-noanswer");
  ASSERT_EQ(missed.size(), 2u);
  EXPECT_EQ(missed[1].outcome(), v1::TOUCH_OUTCOME_CALL_COMPLETED);
  EXPECT_EQ(missed[1].call().wrapup_code(), "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_FALSE(missed[1].call().answered());
  EXPECT_EQ(sim_->Sent("contacts.add", "v-answered"), 1);

  // A redelivered event is applied zero more times; a forged one is refused.
  std::string body;
  for (const auto& d : sim_->sim().dispatcher().Deliveries()) {
    if (d.kind == "postContact") body = d.body;
  }
  ASSERT_FALSE(body.empty());
  std::string signature = "sha256=" + genesys_sim::HmacSha256Hex("demo-signing-secret", body);
  EXPECT_EQ(handler_->PostContact(body, signature).message, "duplicate");
  EXPECT_EQ(handler_->PostContact(body, "sha256=00").status, 401);
  EXPECT_EQ(dispositions.WaitFor(5, absl::Seconds(2)).size(), 4u);
}

// Sends only the request headers on a fresh connection and returns everything the server
// answers until it closes the connection ("" when it kept waiting for the body for 5 s).
std::string AnswerToHeaders(int port, const std::string& headers) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, headers.data(), headers.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(headers.size())) {
    char buf[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) {
        out.clear();  // still waiting for the body: not refused
        break;
      }
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

// The attack: a 10 MB webhook body. It is refused from its headers alone (413, the connection
// closed) — never read, never HMAC'd; and without a well-formed signature header a request is
// refused (401) before its body is read, whatever its size.
TEST_F(DialerWorkerTest, TenMegabyteWebhookIsRefusedWithoutBeingRead) {
  StartSim(genesys_sim::DemoConfig());
  StartDialer();
  const std::string signature = "sha256=" + std::string(64, 'a');
  std::string big = AnswerToHeaders(server_->port(),
                                    "POST /webhooks/genesys/post-contact HTTP/1.1\r\nHost: x\r\n"
                                    "X-Blend-Signature: " +
                                        signature + "\r\nContent-Length: 10485760\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big;
  std::string unsigned_request = AnswerToHeaders(
      server_->port(),
      "POST /webhooks/genesys/inbound-sms HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
  EXPECT_EQ(unsigned_request.rfind("HTTP/1.1 401", 0), 0u) << unsigned_request;
}

TEST_F(DialerWorkerTest, LostInsertionAnswerIsRetriedUnderTheSameContactAndTheTouchIsSent) {
  StartDialer(/*genesys_timeout=*/absl::Milliseconds(500));
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  // Genesys stores the contact but its answer comes after the client gave up.
  genesys_sim::FaultConfig slow;
  slow.latency = absl::Seconds(2);
  slow.path_prefix = "/api/v2/outbound/contactlists/demo-contacts/contacts";
  sim_->sim().faults().Set(slow);
  Publish(VoiceTouch("v-lost", "+12125550144"));
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (sim_->Sent("contacts.add", "v-lost") == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(sim_->Sent("contacts.add", "v-lost"), 1);
  sim_->sim().faults().Set(genesys_sim::FaultConfig{});  // the retry's answer arrives

  auto got = Of(dispositions.WaitFor(2, absl::Seconds(40)), "v-lost");
  ASSERT_EQ(got.size(), 2u);
  // The stored contact may be dialled (and its outcome reported) while the sender still
  // retries: the two dispositions can come in either order.
  if (got[0].outcome() != v1::TOUCH_OUTCOME_SENT) std::swap(got[0], got[1]);
  EXPECT_EQ(got[0].outcome(), v1::TOUCH_OUTCOME_SENT) << got[0].reason();
  EXPECT_EQ(got[0].provider_ids().at("contactId"), genesys::ContactIdForTouch("v-lost"));
  EXPECT_EQ(got[1].outcome(), v1::TOUCH_OUTCOME_CALL_COMPLETED);
  EXPECT_EQ(got[1].provider_ids().at("contactId"), genesys::ContactIdForTouch("v-lost"));
  EXPECT_EQ(sim_->Sent("contacts.add", "v-lost"), 2);  // the same contact, upserted
  int stored = 0, dialled = 0;
  auto contacts = sim_->sim().outbound().ListContacts("demo-contacts");
  ASSERT_TRUE(contacts.ok()) << contacts.status();
  for (const auto& c : *contacts) {
    stored += c.data.count("touchId") && c.data.at("touchId") == "v-lost";
  }
  for (const auto& call : sim_->sim().RecentCalls()) {
    dialled += call.contact_id == genesys::ContactIdForTouch("v-lost");
  }
  EXPECT_EQ(stored, 1);
  EXPECT_EQ(dialled, 1);
}

TEST_F(DialerWorkerTest, GenesysDialTimeScrubBecomesDncActive) {
  StartDialer();
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  // On the Genesys DNC list, but not (yet) in Blend's mirror: the claim is granted.
  ASSERT_TRUE(
      sim_->sim().outbound().AddDncNumbers("demo-dnc", {"+12125550150"}, std::nullopt).ok());
  Publish(VoiceTouch("v-scrubbed", "+12125550150"));
  auto all = dispositions.WaitFor(2, absl::Seconds(40));
  auto got = Of(all, "v-scrubbed");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].outcome(), v1::TOUCH_OUTCOME_DNC_ACTIVE);
  EXPECT_EQ(got[1].call().wrapup_code(), "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST");
  for (const auto& call : sim_->sim().RecentCalls()) {
    if (call.phone_number == "+12125550150") {
      EXPECT_EQ(call.wrapup_code, "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST") << "no call was placed";
    }
  }
}

TEST_F(DialerWorkerTest, DncMirrorFollowsTheGenesysListAndOptOutsAreWrittenBack) {
  StartDialer();
  ASSERT_TRUE(
      sim_->sim().outbound().AddDncNumbers("demo-dnc", {"+12125550170"}, std::nullopt).ok());
  ASSERT_TRUE(sync_->Mirror().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE channel = 2 AND kind = 'dnc' AND "
                  "source = 'genesys_dnc_mirror' AND address = '+12125550170'"),
            1);
  ASSERT_TRUE(sim_->sim().outbound().RemoveDncNumbers("demo-dnc", {"+12125550170"}).ok());
  absl::SleepFor(absl::Milliseconds(1100));  // the stale cut-off has one-second resolution
  ASSERT_TRUE(sync_->Mirror().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE address = '+12125550170' AND "
                  "removed_at IS NULL"),
            0);
  // The removal is recorded on the consent record, not deleted.
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE address = '+12125550170' AND "
                  "removed_by = 'genesys_dnc_mirror'"),
            1);

  // An opt-out Blend learned elsewhere goes to the Genesys internal list, once.
  Count(
      "INSERT INTO suppressions (channel, address, kind, source, recorded_at) VALUES "
      "(1, '+12125550171', 'opt_out', 'customer-event', now()) RETURNING 1");
  ASSERT_TRUE(sync_->SyncOnce().ok());
  EXPECT_TRUE(OnSimDnc("+12125550171"));
  EXPECT_EQ(Count("SELECT count(*) FROM dialer_dnc_pushes WHERE address = '+12125550171'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE channel = 2 AND kind = 'dnc' AND "
                  "address = '+12125550171'"),
            1);
  genesys_sim::AuditFilter f;
  f.operation = "dnc.add";
  size_t adds = sim_->sim().audit().Query(f).size();
  ASSERT_TRUE(sync_->SyncOnce().ok());
  EXPECT_EQ(sim_->sim().audit().Query(f).size(), adds);
}

TEST_F(DialerWorkerTest, InboundStopBecomesAnOptOutEventAndAGenesysDncEntry) {
  StartDialer();
  Collector events(brokers_, {Topic("blend.customer-events")});
  Count(
      "INSERT INTO campaigns (campaign_id, version, definition_json, created_at) VALUES "
      "('c', 1, '{}', now()) RETURNING 1");
  Count(
      "INSERT INTO journeys (journey_id, campaign_id, campaign_version, client_key, input_hash, "
      "customer_id, customer, status, state, started_at, updated_at) VALUES ('j-42', 'c', 1, "
      "'k', 'h', 'cust-42', '{\"customer_id\":\"cust-42\",\"phone_e164\":\"+12125550160\"}', 1, "
      "'{}', now(), now()) RETURNING 1");
  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        R"({"fromAddress":"+12125550161","textBody":"when is it due?"})")
                .status,
            200);
  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        R"({"fromAddress":"+12125550160","textBody":" Stop "})")
                .status,
            200);
  auto got = events.WaitFor(1, absl::Seconds(20));
  ASSERT_EQ(got.size(), 1u);
  const v1::CustomerEvent& e = got[0].customer_event();
  EXPECT_EQ(e.customer_id(), "cust-42");
  EXPECT_EQ(e.type(), "opt_out");
  EXPECT_EQ(e.opt_out().channel(), v1::CHANNEL_SMS);
  EXPECT_EQ(e.opt_out().address(), "+12125550160");
  EXPECT_EQ(e.opt_out().keyword(), "STOP");
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!OnSimDnc("+12125550160") && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(OnSimDnc("+12125550160"));
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE channel = 2 AND kind = 'dnc' AND "
                  "address = '+12125550160'"),
            1);
  EXPECT_EQ(events.WaitFor(2, absl::Seconds(2)).size(), 1u) << "only the opt-out is an event";
}

// Phones send what the customer's carrier has: a national number; people type punctuation.
// Both still reach the customer whose journey holds the E.164 number.
TEST_F(DialerWorkerTest, InboundStopFromANationalNumberWithPunctuationFindsTheCustomer) {
  StartDialer();
  Collector events(brokers_, {Topic("blend.customer-events")});
  Count(
      "INSERT INTO campaigns (campaign_id, version, definition_json, created_at) VALUES "
      "('c', 1, '{}', now()) RETURNING 1");
  Count(
      "INSERT INTO journeys (journey_id, campaign_id, campaign_version, client_key, input_hash, "
      "customer_id, customer, status, state, started_at, updated_at) VALUES ('j-44', 'c', 1, "
      "'k', 'h', 'cust-44', '{\"customer_id\":\"cust-44\",\"phone_e164\":\"+12125550163\"}', 1, "
      "'{}', now(), now()) RETURNING 1");
  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        R"({"fromAddress":"(212) 555-0163","textBody":"\"Opt-Out!\""})")
                .status,
            200);
  auto got = events.WaitFor(1, absl::Seconds(20));
  ASSERT_EQ(got.size(), 1u);
  const v1::CustomerEvent& e = got[0].customer_event();
  EXPECT_EQ(e.customer_id(), "cust-44");
  EXPECT_EQ(e.type(), "opt_out");
  EXPECT_EQ(e.opt_out().address(), "+12125550163");
  EXPECT_EQ(e.opt_out().keyword(), "OPT OUT");
}

TEST_F(DialerWorkerTest, InboundReplyOfAKnownNumberBecomesAnSmsReplyEvent) {
  StartDialer();
  Collector events(brokers_, {Topic("blend.customer-events")});
  Count(
      "INSERT INTO campaigns (campaign_id, version, definition_json, created_at) VALUES "
      "('c', 1, '{}', now()) RETURNING 1");
  Count(
      "INSERT INTO journeys (journey_id, campaign_id, campaign_version, client_key, input_hash, "
      "customer_id, customer, status, state, started_at, updated_at) VALUES ('j-43', 'c', 1, "
      "'k', 'h', 'cust-43', '{\"customer_id\":\"cust-43\",\"phone_e164\":\"+12125550162\"}', 1, "
      "'{}', now(), now()) RETURNING 1");
  ASSERT_EQ(sim_->Admin("POST", "/sim/inbound-sms",
                        R"({"fromAddress":"+12125550162","textBody":"I will pay on Friday"})")
                .status,
            200);
  auto got = events.WaitFor(1, absl::Seconds(20));
  ASSERT_EQ(got.size(), 1u);
  const v1::CustomerEvent& e = got[0].customer_event();
  EXPECT_EQ(e.customer_id(), "cust-43");
  EXPECT_EQ(e.type(), "sms.reply");
  EXPECT_TRUE(e.attributes().fields().empty()) << "the text is personal data";
  EXPECT_FALSE(e.has_opt_out());
}

#ifdef BLEND_DIALER_WORKER_BIN
// SIGTERM while Genesys hangs (the host is gone: connections are accepted, nothing answers)
// and a DNC write-back and an inbound-STOP webhook wait on it: the real binary exits within
// its shutdown bound (--dnc-shutdown-timeout, 2 s here), not after the Genesys request
// timeout (25 s here; it took 24 s before the bound existed), and the write-back stays
// pending in PostgreSQL for the next start.
TEST_F(DialerWorkerTest, BinaryStopsWithinItsBoundWhileGenesysHangsAndTheWriteBackStaysPending) {
  auto migrations = store::BlendMigrations();
  ASSERT_TRUE(migrations.ok());
  ASSERT_TRUE(store::Migrate(*pool_, *migrations).ok());
  Count(
      "INSERT INTO suppressions (channel, address, kind, source, recorded_at) VALUES "
      "(1, '+12125550181', 'opt_out', 'customer-event', now()) RETURNING 1");
  SilentServer genesys;
  const int http_port = test_support::FreeLoopbackPort();
  std::vector<std::string> args = {
      BLEND_DIALER_WORKER_BIN,
      "--kafka-brokers=" + brokers_,
      "--pg-url=" + db_->url(),
      "--orchestrator-addr=" + touch_service_->address(),
      "--genesys-api-url=" + genesys.url(),
      "--genesys-timeout=25s",
      "--dnc-shutdown-timeout=2s",
      "--topic-prefix=" + prefix_,
      "--group-id=" + prefix_ + "blend-dialer-worker",  // the test's own group (RuntimeConfig)
      "--metrics-addr=127.0.0.1:" + std::to_string(test_support::FreeLoopbackPort()),
      "--http-addr=127.0.0.1:" + std::to_string(http_port),
      "--log-level=warn",
      "--kafka-session-timeout=6s"};
  auto dialer = test_support::ChildProcess::Spawn("blend-dialer-worker", args);
  ASSERT_TRUE(dialer.ok()) << dialer.status();
  // The first DNC round's request is hanging...
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (genesys.accepted() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_GT(genesys.accepted(), 0) << "the dialer never called Genesys";
  // ...and so is an inbound STOP, whose number the webhook writes to the DNC list at once.
  std::string body = R"({"messageId":"m-1","fromAddress":"+12125550182","textBody":"STOP"})";
  std::thread webhook([&] {
    httplib::Client c("127.0.0.1", http_port);
    c.set_read_timeout(60, 0);
    c.Post("/webhooks/genesys/inbound-sms",
           {{"X-Blend-Signature",
             "sha256=" + genesys_sim::HmacSha256Hex("demo-signing-secret", body)}},
           body, "application/json");
  });
  absl::SleepFor(absl::Seconds(1));

  absl::Time sent = absl::Now();
  absl::StatusOr<int> code = (*dialer)->Terminate(absl::Seconds(40));
  absl::Duration took = absl::Now() - sent;
  webhook.join();
  EXPECT_GE(took, absl::Seconds(2)) << "the final flush had its time";
  EXPECT_LT(took, absl::Seconds(7)) << "exit " << took << " after SIGTERM";
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM dialer_dnc_pushes"), 0);

  // The next start writes the pending number back.
  StartDialer();
  ASSERT_TRUE(sync_->PushPending().ok());
  EXPECT_TRUE(OnSimDnc("+12125550181"));
}
#endif

TEST_F(DialerWorkerTest, WithdrawAfterTheInsertRemovesTheQueuedContact) {
  StartDialer(absl::Seconds(10), /*dial_delay=*/absl::Seconds(30));
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  v1::TouchCommand touch = VoiceTouch("v-withdrawn", "+12125550140");
  Publish(touch);
  auto sent = dispositions.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
  ASSERT_TRUE(InSimList("v-withdrawn"));

  PublishWithdraw(touch);
  auto withdrawn = [](const v1::Envelope& e) {
    return e.disposition().outcome() == v1::TOUCH_OUTCOME_WITHDRAWN;
  };
  auto all = dispositions.WaitUntil(
      [&](const std::vector<v1::Envelope>& got) {
        return std::any_of(got.begin(), got.end(), withdrawn);
      },
      absl::Seconds(30));
  // Delivery is at least once: a consumer-group rebalance (a member of the shared group joining
  // or leaving) can hand the touch record out again, and the worker republishes the SENT on its
  // ledger without a second insert. Anything but one WITHDRAWN must be that SENT.
  ASSERT_EQ(std::count_if(all.begin(), all.end(), withdrawn), 1) << all.size();
  for (const v1::Envelope& e : all) {
    EXPECT_EQ(e.disposition().touch_id(), "v-withdrawn");
    if (withdrawn(e)) {
      EXPECT_EQ(e.disposition().reason(), "removed from the contact list");
      EXPECT_EQ(e.disposition().journey_id(), touch.journey_id());
    } else {
      EXPECT_EQ(e.disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
    }
  }
  EXPECT_EQ(Audited("contacts.add", "v-withdrawn"), 1) << "one insert, whatever the redeliveries";
  EXPECT_EQ(Audited("contacts.delete", "v-withdrawn", 204), 1);
  EXPECT_FALSE(InSimList("v-withdrawn")) << "the contact left the list and the dial queue";
}

TEST_F(DialerWorkerTest, WithdrawBeforeItsTouchCommandKeepsTheInsertAwayFromGenesys) {
  StartDialer(absl::Seconds(10), /*dial_delay=*/absl::Milliseconds(300));
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  v1::TouchCommand touch = VoiceTouch("v-overtaken", "+12125550140");
  PublishWithdraw(touch);  // same journey key: same partition, consumed first
  Publish(touch);
  auto all = dispositions.WaitFor(2, absl::Seconds(30));
  ASSERT_EQ(all.size(), 2u);
  for (const auto& e : all) {
    EXPECT_EQ(e.disposition().touch_id(), "v-overtaken");
    EXPECT_EQ(e.disposition().outcome(), v1::TOUCH_OUTCOME_WITHDRAWN) << "never SENT";
    EXPECT_TRUE(absl::StrContains(e.disposition().reason(), "never inserted"));
  }
  EXPECT_EQ(Audited("contacts.add", "v-overtaken"), 0) << "the insert never reached Genesys";
  EXPECT_EQ(Audited("contacts.delete", "v-overtaken"), 0);
  EXPECT_EQ(touch_service_->service().claims("v-overtaken"), 0);
  EXPECT_FALSE(InSimList("v-overtaken"));
}

TEST_F(DialerWorkerTest, WithdrawRetriesADeleteAnsweredWith5xxUntilTheContactIsGone) {
  StartDialer(absl::Seconds(10), /*dial_delay=*/absl::Seconds(6));
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  v1::TouchCommand touch = VoiceTouch("v-retried", "+12125550140");
  Publish(touch);
  ASSERT_EQ(dispositions.WaitFor(1, absl::Seconds(30)).size(), 1u);
  const absl::Time inserted = absl::Now();
  nlohmann::json faults = {{"errorRatio", 1},
                           {"errorStatus", 503},
                           {"method", "DELETE"},
                           {"pathPrefix", "/api/v2/outbound/contactlists/"}};
  ASSERT_EQ(sim_->Admin("PUT", "/sim/faults", faults.dump()).status, 200);
  PublishWithdraw(touch);
  auto injected = [&] {
    auto j = nlohmann::json::parse(sim_->Admin("GET", "/sim/faults").body, nullptr, false);
    return j.is_object() ? j["injected"].value("error_5xx", 0) : 0;
  };
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (injected() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_GE(injected(), 2) << "the DELETE answered 503 is retried";
  ASSERT_EQ(sim_->Admin("DELETE", "/sim/faults").status, 200);

  auto all = dispositions.WaitFor(2, absl::Seconds(20));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].disposition().outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_EQ(all[1].disposition().reason(), "removed from the contact list");
  EXPECT_EQ(Audited("contacts.delete", "v-retried", 204), 1);
  EXPECT_EQ(Audited("contacts.update", "v-retried"), 0) << "no fallback needed";
  EXPECT_FALSE(InSimList("v-retried"));
  // Past the moment the dialer would have dialled it: never dialled.
  absl::SleepFor(std::max(absl::ZeroDuration(), inserted + absl::Seconds(7) - absl::Now()));
  EXPECT_EQ(PostContactEvents(), 0);
  EXPECT_EQ(dispositions.WaitFor(3, absl::Seconds(1)).size(), 2u) << "no call outcome";
}

}  // namespace
}  // namespace blend::workers_test
