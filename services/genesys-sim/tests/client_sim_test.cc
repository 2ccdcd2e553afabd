// GenesysClient against the real simulator (services/genesys-sim) in-process on a loopback
// port: the client and the simulator must agree on paths, bodies, headers and errors.

#include <memory>

#include "blend/common/clock.h"
#include "blend/genesys/client.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys/curl_transport.h"
#include "blend/genesys/metrics.h"
#include "blend/genesys/testing/request_metrics.h"
#include "blend/genesys_sim/http_server.h"
#include "blend/genesys_sim/sim.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace blend::genesys {
namespace {

using ::testing::Contains;

class ClientSimTest : public ::testing::Test {
 protected:
  void Start(genesys_sim::SimConfig config) {
    auto sim = genesys_sim::GenesysSim::Create(std::move(config), sim_clock_,
                                               std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto server = genesys_sim::SimHttpServer::Start(*sim_, "127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    transport_ = CurlTransport::Create().value();
    GenesysClientConfig client_config;
    client_config.api_base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    client_config.client_id = "demo-client";
    client_config.client_secret = Secret("demo-secret");
    client_config.request_timeout = absl::Seconds(2);
    client_ = GenesysClient::Create(client_config, *transport_, client_clock_, &observer_).value();
  }
  void SetUp() override { Start(genesys_sim::DemoConfig()); }
  void TearDown() override { StopAll(); }
  // Closes the client's keep-alive connections first: the server's stop otherwise waits for
  // them to time out (5 s).
  void StopAll() {
    client_.reset();
    transport_.reset();
    if (server_) server_->Stop();
  }

  double Requests(const std::string& endpoint, const std::string& status) {
    return RequestsTotal(registry_, endpoint, status);
  }

  prometheus::Registry registry_;
  PrometheusRequestObserver observer_{registry_};
  FakeClock sim_clock_;
  FakeClock client_clock_;
  std::unique_ptr<genesys_sim::GenesysSim> sim_;
  std::unique_ptr<genesys_sim::SimHttpServer> server_;
  std::unique_ptr<CurlTransport> transport_;
  std::unique_ptr<GenesysClient> client_;
};

TEST_F(ClientSimTest, AgentlessSmsAndEmailAreAccepted) {
  auto sms = client_->SendAgentlessSms({"+18005550199", "(201) 555-0124", "Invoice due"});
  ASSERT_TRUE(sms.ok()) << sms.status();
  EXPECT_FALSE(sms->message_id.empty());
  EXPECT_FALSE(sms->conversation_id.empty());

  AgentlessEmailRequest email;
  email.from = {"collections@demo.example.com", "Collections"};
  email.to = {"jane@example.com", "Jane"};
  email.subject = "Invoice";
  email.text_body = "Please pay";
  auto sent = client_->SendAgentlessEmail(email);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_FALSE(sent->id.empty());
}

TEST_F(ClientSimTest, InsertedContactIsDialledAndCallRecordsShowTheOutcome) {
  ContactInsertion insertion{"demo-contacts", TouchId("touch-7"), "+12015550124"};
  auto contact = client_->InsertContact(insertion);
  ASSERT_TRUE(contact.ok()) << contact.status();
  ASSERT_FALSE(contact->id.empty());
  EXPECT_EQ(contact->data.at("touchId"), "touch-7");

  sim_clock_.Advance(absl::Seconds(6));  // past the dial delay
  sim_->Tick();
  auto read = client_->GetContact("demo-contacts", contact->id);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->call_records.count("phone"), 1u);
  EXPECT_EQ(read->call_records.at("phone").last_result, "ININ-OUTBOUND-NO-ANSWER");
}

// The dialer's insertion: the contact id derived from the touch, doNotQueue.
ContactInsertion DialerInsertion(const std::string& touch, const std::string& phone) {
  ContactInsertion insertion{"demo-contacts", TouchId(touch), phone};
  insertion.contact_id = ContactIdForTouch(touch);
  insertion.do_not_queue = true;
  return insertion;
}

TEST_F(ClientSimTest, InsertionUnderAKnownIdIsAnUpsertDialledOnce) {
  ContactInsertion insertion = DialerInsertion("j-1/Call/1", "+12015550124");
  auto first = client_->InsertContact(insertion);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id, ContactIdForTouch("j-1/Call/1"));
  auto again = client_->InsertContact(insertion);  // a retry after a lost answer
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(sim_->outbound().ListContacts("demo-contacts")->size(), 1u);
  sim_clock_.Advance(absl::Seconds(6));
  sim_->Tick();
  sim_->Tick();
  EXPECT_EQ(sim_->RecentCalls().size(), 1u);
  // Once dialled, a late retry neither re-queues nor re-dials it.
  ASSERT_TRUE(client_->InsertContact(insertion).ok());
  sim_clock_.Advance(absl::Seconds(6));
  sim_->Tick();
  EXPECT_EQ(sim_->RecentCalls().size(), 1u);
}

TEST_F(ClientSimTest, DeletedContactIsNeverDialledAndDeletingAgainIsDone) {
  auto contact = client_->InsertContact(DialerInsertion("j-2/Call/1", "+12015550124"));
  ASSERT_TRUE(contact.ok()) << contact.status();
  auto removed = client_->DeleteContact("demo-contacts", contact->id);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->http_status, 204);
  EXPECT_EQ(client_->GetContact("demo-contacts", contact->id).status().code(),
            absl::StatusCode::kNotFound);
  auto twice = client_->DeleteContact("demo-contacts", contact->id);
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->http_status, 404);
  sim_clock_.Advance(absl::Seconds(6));
  sim_->Tick();
  EXPECT_TRUE(sim_->RecentCalls().empty());
  genesys_sim::AuditFilter filter;
  filter.operation = "contacts.delete";
  auto audit = sim_->audit().Query(filter);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].touch_id, "j-2/Call/1");
  EXPECT_EQ(audit[0].contact_id, contact->id);
  EXPECT_EQ(audit[0].status, 204);
  EXPECT_EQ(audit[1].status, 404);
}

TEST_F(ClientSimTest, UncallableContactIsSkippedWithoutACallAndARetriedInsertKeepsItSo) {
  ContactInsertion insertion = DialerInsertion("j-3/Call/1", "+12015550124");
  insertion.extra_data = {{"customerId", "c-3"}};
  ASSERT_TRUE(client_->InsertContact(insertion).ok());
  auto withdrawn = client_->SetContactCallable("demo-contacts", insertion.contact_id, false);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->callable, false);
  EXPECT_EQ(withdrawn->data.at("customerId"), "c-3");  // the PUT kept the data
  // The dialer's retry of the insertion (its first answer was lost) comes after the withdrawal.
  ASSERT_TRUE(client_->InsertContact(insertion).ok());
  auto read = client_->GetContact("demo-contacts", insertion.contact_id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->callable, false);
  sim_clock_.Advance(absl::Seconds(6));
  sim_->Tick();
  auto calls = sim_->RecentCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED");
  EXPECT_TRUE(calls[0].conversation_id.empty());  // no call placed
  genesys_sim::AuditFilter filter;
  filter.operation = "contacts.update";
  auto audit = sim_->audit().Query(filter);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].touch_id, "j-3/Call/1");
  EXPECT_EQ(audit[0].contact_id, insertion.contact_id);
  // Already uncallable: one GET, no second PUT.
  ASSERT_TRUE(client_->SetContactCallable("demo-contacts", insertion.contact_id, false).ok());
  EXPECT_EQ(sim_->audit().Query(filter).size(), 1u);
  EXPECT_EQ(client_->SetContactCallable("demo-contacts", "nope", false).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ClientSimTest, NumbersAddedToDncListComeBackInTheExport) {
  auto added = client_->AddNumbersToDncList("demo-dnc", {"(201) 555-0126", "+12015550127"});
  ASSERT_TRUE(added.ok()) << added.status();
  DncExportPolicy policy;
  policy.sleep = [&](absl::Duration d) {
    sim_clock_.Advance(d);
    client_clock_.Advance(d);
  };
  auto file = client_->ExportDncList("demo-dnc", policy);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, Contains("+12015550126"));
  EXPECT_THAT(file->numbers, Contains("+12015550127"));
}

TEST_F(ClientSimTest, TokenExpiredAtTheSimulatorIsRefreshedOnce) {
  ASSERT_TRUE(client_->SendAgentlessSms({"+18005550199", "+12015550124", "one"}).ok());
  sim_clock_.Advance(absl::Hours(25));  // the simulator's token expired; our clock disagrees
  auto again = client_->SendAgentlessSms({"+18005550199", "+12015550124", "two"});
  EXPECT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Requests("agentless_sms", "401"), 1);
  EXPECT_EQ(Requests("agentless_sms", "200"), 2);
  EXPECT_EQ(Requests("oauth_token", "200"), 2);
}

TEST_F(ClientSimTest, RateLimitIsResourceExhaustedWithRetryAfter) {
  genesys_sim::SimConfig config = genesys_sim::DemoConfig();
  config.requests_per_minute = 2;
  StopAll();
  Start(config);
  absl::Status last;
  for (int i = 0; i < 5 && last.ok(); ++i) {
    last = client_->SendAgentlessSms({"+18005550199", "+12015550124", "hi"}).status();
  }
  ASSERT_EQ(last.code(), absl::StatusCode::kResourceExhausted) << last;
  auto err = GetGenesysError(last);
  ASSERT_TRUE(err.has_value());
  ASSERT_TRUE(err->retry_after.has_value());
  EXPECT_GT(*err->retry_after, absl::ZeroDuration());
  EXPECT_EQ(err->code, "too.many.requests.retry.after");
  EXPECT_EQ(err->rate_limit.allowed, 2);
}

TEST_F(ClientSimTest, InjectedServerErrorsAreUnavailable) {
  genesys_sim::FaultConfig faults;
  faults.error_ratio = 1.0;
  faults.path_prefix = "/api/v2/";
  sim_->faults().Set(faults);
  auto result = client_->SendAgentlessSms({"+18005550199", "+12015550124", "hi"});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
}

}  // namespace
}  // namespace blend::genesys
