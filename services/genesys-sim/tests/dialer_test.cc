// The simulated dialer: delay, priority order, DNC scrub, outcome rules, callRecords, events.

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

class DialerTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimConfig config = DemoConfig();
    config.webhooks.post_contact_urls = {"http://127.0.0.1:9/events"};
    Build(config);
  }
  std::string Insert(const std::string& phone, bool priority = false) {
    HttpResponse r = AddContact(phone, priority);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r)[0]["id"];
  }
  // The eventBody of every postContact event posted so far.
  std::vector<json> Events() {
    std::vector<json> out;
    for (const auto& p : sender_->posts())
      out.push_back(json::parse(p.body)["detail"]["eventBody"]);
    return out;
  }
};

TEST_F(DialerTest, DialsOnlyAfterTheConfiguredDelay) {
  Insert("+13175550104");
  clock_.Advance(absl::Seconds(4));
  sim_->Tick();
  EXPECT_TRUE(sim_->RecentCalls().empty());
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  ASSERT_EQ(sim_->RecentCalls().size(), 1u);
  EXPECT_EQ(sim_->outbound().QueuedCount(), 0u);
}

TEST_F(DialerTest, PriorityContactsAreDialledFirst) {
  SimConfig config = DemoConfig();
  config.dialer.dial_interval = absl::Seconds(1);
  Build(config);
  std::string a = Insert("+13175550104");
  std::string b = Insert("+13175550105");
  std::string c = Insert("+13175550106", /*priority=*/true);
  clock_.Advance(absl::Seconds(5));
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    sim_->Tick();
    sim_->Tick();  // paced: a second tick in the same instant dials nothing
    clock_.Advance(absl::Seconds(1));
  }
  for (const CallOutcome& o : sim_->RecentCalls()) order.push_back(o.contact_id);
  EXPECT_EQ(order, (std::vector<std::string>{c, a, b}));
}

TEST_F(DialerTest, NumberOnCampaignDncListIsScrubbedAtDialTime) {
  std::string id = Insert("+13175550100");
  // Added after insertion but before the dial: the scrub is just in time.
  ASSERT_EQ(Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers", R"(["+1 317 555 0100"])")
                .status,
            400);  // not E.164
  ASSERT_EQ(
      Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers", R"(["+13175550100"])").status,
      200);
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(Events().size(), 1u);
  json e = Events()[0];
  EXPECT_EQ(e["wrapupCode"], "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST");
  EXPECT_FALSE(e.contains("conversationId"));
  EXPECT_FALSE(e.contains("callAnalysisDisposition"));
  EXPECT_EQ(e["outboundContactId"], id);
  json contact = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id));
  EXPECT_EQ(contact["callRecords"]["phone"]["lastResult"], "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST");
  EXPECT_EQ(contact["callRecords"]["phone"]["lastAttempt"], "2026-01-01T00:00:05.000Z");
}

TEST_F(DialerTest, ExpiredDncEntryDoesNotScrub) {
  ASSERT_EQ(Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers", R"(["+13175550104"])",
                {{"expirationDateTime", "2026-01-01T00:01Z"}})
                .status,
            200);
  clock_.Advance(absl::Minutes(2));
  Insert("+13175550104");
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0]["wrapupCode"], "ININ-OUTBOUND-NO-ANSWER");
}

struct RuleCase {
  std::string phone;
  std::string wrapup;
  std::string disposition;
  bool agent;
};

class DialerRuleTest : public DialerTest, public ::testing::WithParamInterface<RuleCase> {};

TEST_P(DialerRuleTest, DefaultRulesByLastDigit) {
  const RuleCase& c = GetParam();
  std::string id = Insert(c.phone);
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(Events().size(), 1u);
  json e = Events()[0];
  EXPECT_EQ(e["wrapupCode"], c.wrapup);
  EXPECT_EQ(e["callAnalysisDisposition"], c.disposition);
  EXPECT_EQ(e.contains("agentId"), c.agent);
  EXPECT_EQ(e["isRightPartyContact"], c.agent);
  EXPECT_TRUE(e["conversationId"].is_string());
  EXPECT_EQ(e["outboundContactListId"], "demo-contacts");
  EXPECT_EQ(e["outboundCampaignId"], "demo-campaign");
  EXPECT_EQ(e["eventTime"], 1767225605000);
  EXPECT_EQ(e["voiceAttributes"]["contactPhoneNumber"], c.phone);
  EXPECT_EQ(e["voiceAttributes"]["contactPhoneType"], "CELL");
  json contact = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id));
  EXPECT_EQ(contact["callRecords"]["phone"]["lastResult"], c.wrapup);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_dials_total",
                                 {{"wrapup_code", c.wrapup}}),
            1);
}

INSTANTIATE_TEST_SUITE_P(
    LastDigit, DialerRuleTest,
    ::testing::Values(RuleCase{"+13175550100", "demo-wrapup-promise-to-pay",
                               "disposition.classification.callable.person", true},
                      RuleCase{"+13175550104", "ININ-OUTBOUND-NO-ANSWER",
                               "disposition.classification.callable.noanswer", false},
                      RuleCase{"+13175550106", "ININ-OUTBOUND-BUSY",
                               "disposition.classification.callable.busy", false},
                      RuleCase{"+13175550107", "ININ-OUTBOUND-MACHINE",
                               "disposition.classification.callable.machine", false},
                      RuleCase{"+13175550108", "ININ-OUTBOUND-SIT-UNCALLABLE",
                               "disposition.classification.uncallable.sit", false},
                      RuleCase{"+13175550109", "ININ-OUTBOUND-INVALID-PHONE-NUMBER",
                               "disposition.classification.uncallable.notfound", false}));

TEST_F(DialerTest, ConfiguredRulesOverrideTheDefaults) {
  auto config = ParseConfigJson(R"({"dialer": {"dialDelay": "1s", "outcomeRules": [
      {"numberRegex": "^\\+44", "wrapupCode": "ININ-OUTBOUND-FAX",
       "callAnalysisDisposition": "disposition.classification.callable.fax"},
      {"numberRegex": ".", "wrapupCode": "agent-paid", "agent": true, "rightPartyContact": true}]},
      "webhooks": {"postContactUrls": ["http://127.0.0.1:9/x"]}})",
                                DemoConfig());
  ASSERT_TRUE(config.ok());
  Build(*config);
  Insert("+442079460958");
  Insert("+13175550104");
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  ASSERT_EQ(Events().size(), 2u);
  EXPECT_EQ(Events()[0]["wrapupCode"], "ININ-OUTBOUND-FAX");
  EXPECT_EQ(Events()[1]["wrapupCode"], "agent-paid");
  EXPECT_EQ(Events()[1]["agentId"], "demo-agent");
}

TEST_F(DialerTest, ListWithoutCampaignIsNeverDialled) {
  ASSERT_EQ(Call("PUT", "/sim/contactlists/quiet",
                 R"({"columnNames":["phone"],"phoneColumns":[{"columnName":"phone"}]})")
                .status,
            200);
  json body = json::array({{{"contactListId", "quiet"}, {"data", {{"phone", "+13175550104"}}}}});
  ASSERT_EQ(Api("POST", "/api/v2/outbound/contactlists/quiet/contacts", body.dump()).status, 200);
  clock_.Advance(absl::Minutes(1));
  sim_->Tick();
  EXPECT_TRUE(sim_->RecentCalls().empty());
  // Attaching a campaign through the admin API makes later insertions dialable.
  ASSERT_EQ(Call("PUT", "/sim/campaigns/quiet-campaign", R"({"contactListId":"quiet"})").status,
            200);
  ASSERT_EQ(Api("POST", "/api/v2/outbound/contactlists/quiet/contacts", body.dump()).status, 200);
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  EXPECT_EQ(sim_->RecentCalls().size(), 1u);
}

TEST_F(DialerTest, ReplacingAListThroughTheAdminApiEmptiesItsQueue) {
  Insert("+13175550104");
  Insert("+13175550105");
  ASSERT_EQ(sim_->outbound().QueuedCount(), 2u);
  ASSERT_EQ(Call("PUT", "/sim/contactlists/demo-contacts",
                 R"({"columnNames":["phone"],"phoneColumns":[{"columnName":"phone"}],
                     "contacts":[{"id":"seeded","data":{"phone":"+13175550100"}}]})")
                .status,
            200);
  EXPECT_EQ(sim_->outbound().QueuedCount(), 0u);
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  EXPECT_TRUE(sim_->RecentCalls().empty());  // seeded contacts are not queued either
  json list = Json(Call("GET", "/sim/contactlists/demo-contacts"));
  ASSERT_EQ(list["contacts"].size(), 1u);
  EXPECT_EQ(list["contacts"][0]["id"], "seeded");
}

TEST_F(DialerTest, WebhookUrlsCanBeChangedAtRunTime) {
  ASSERT_EQ(
      Call("PUT", "/sim/webhooks", R"({"postContactUrls": ["http://127.0.0.1:9/new"]})").status,
      200);
  Insert("+13175550104");
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(sender_->posts().size(), 1u);
  EXPECT_EQ(sender_->posts()[0].url, "http://127.0.0.1:9/new");
  json calls = Json(Call("GET", "/sim/calls"));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["wrapupCode"], "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_EQ(Json(Call("GET", "/sim/state"))["dialQueue"], 0);
  EXPECT_EQ(Call("GET", "/sim/nothing").status, 404);
}

TEST_F(DialerTest, ReinsertedContactIsDialledOnce) {
  std::string id = Insert("+13175550104");
  json again = json::array(
      {{{"id", id}, {"contactListId", "demo-contacts"}, {"data", {{"phone", "+13175550104"}}}}});
  ASSERT_EQ(Api("POST", "/api/v2/outbound/contactlists/demo-contacts/contacts", again.dump(),
                {{"priority", "true"}})
                .status,
            200);
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  sim_->Tick();
  EXPECT_EQ(sim_->RecentCalls().size(), 1u);
}

}  // namespace
}  // namespace blend::genesys_sim
