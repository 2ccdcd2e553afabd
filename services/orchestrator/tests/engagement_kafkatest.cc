// Engagement profiles in the orchestrator, against the real PostgreSQL and Kafka:
// updates applied once under redelivery, conversions and their metrics, historical import
// idempotence, and a Choice routing on blend:facts' engagement object.

#include <sstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/v1/engagement_service.grpc.pb.h"
#ifdef BLEND_HAVE_BLENDCTL_ENGAGEMENT
#include "blend/blendctl/engagement_commands.h"
#include "blend/blendctl/exit_codes.h"
#endif

namespace blend::orchestrator::testing {
namespace {

using nlohmann::json;

constexpr char kRouteDefinition[] = R"json({
  "StartAt": "Facts",
  "States": {
    "Facts": {"Type": "Task", "Resource": "blend:facts", "Next": "Route"},
    "Route": {"Type": "Choice",
              "Choices": [{"Variable": "$.engagement.bestChannel", "StringEquals": "email",
                           "Next": "Email"}],
              "Default": "Sms"},
    "Email": {"Type": "Task", "Resource": "blend:email", "End": true},
    "Sms": {"Type": "Task", "Resource": "blend:sms", "End": true}
  }
})json";

class EngagementTest : public OrchestratorTest {
 protected:
  void Connect() {
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", orchestrators_.back()->grpc_port()),
                            grpc::InsecureChannelCredentials());
    engagement_ = blend::v1::EngagementService::NewStub(channel);
  }

  std::string Text(const std::string& sql) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    return tx.exec(sql)[0][0].as<std::string>();
  }

  // The profile's facts object; null when the customer has none.
  json Facts(const std::string& customer) {
    grpc::ClientContext ctx;
    blend::v1::GetEngagementRequest req;
    req.set_customer_id(customer);
    blend::v1::Engagement e;
    grpc::Status s = engagement_->GetEngagement(&ctx, req, &e);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return json();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return json::parse(e.facts_json());
  }

  blend::v1::ImportInteractionsResponse Import(
      const std::vector<blend::v1::ImportInteractionRequest>& rows) {
    grpc::ClientContext ctx;
    blend::v1::ImportInteractionsResponse resp;
    auto writer = engagement_->ImportInteractions(&ctx, &resp);
    for (const auto& r : rows) EXPECT_TRUE(writer->Write(r));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static blend::v1::ImportInteractionRequest Row(const std::string& key,
                                                 const std::string& customer,
                                                 blend::v1::Channel channel,
                                                 const std::string& outcome, absl::Time at) {
    blend::v1::ImportInteractionRequest r;
    r.set_row_key(key);
    r.set_customer_id(customer);
    r.set_channel(channel);
    r.set_outcome(outcome);
    *r.mutable_occurred_at() = ToProto(at);
    r.set_time_zone("Europe/London");
    return r;
  }

  std::unique_ptr<blend::v1::EngagementService::Stub> engagement_;
};

TEST_F(EngagementTest, RedeliveredDispositionsAndEventsCountOnce) {
  StartOrchestrator();
  Connect();
  const std::string campaign = PutSeedCampaign("eng-seed");
  const std::string journey = Start(StartRequest(campaign, "k1", "cust-1"));
  blend::v1::TouchCommand touch;
  touch.set_touch_id(Text("SELECT touch_id FROM touches WHERE journey_id = '" + journey + "'"));
  touch.set_journey_id(journey);
  touch.set_channel(blend::v1::CHANNEL_SMS);

  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_SENT, "sms-d1");
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_SENT, "sms-d1");  // Kafka redelivery
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_SENT, "sms-d2");  // worker republish
  ASSERT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM processed_messages WHERE message_id IN "
               "('sms-d1', 'sms-d2')") == 2;
  }));
  json facts = Facts("cust-1");
  ASSERT_FALSE(facts.is_null());
  EXPECT_EQ(facts["sms"]["sent"], 1);
  EXPECT_EQ(facts["sms"]["lastOutcome"], "SENT");

  clock_.Advance(absl::Hours(2));  // 17:00 in London
  EXPECT_FALSE(SendEvent("cust-1", "sms.reply", "reply-1").duplicate());
  EXPECT_TRUE(SendEvent("cust-1", "sms.reply", "reply-1").duplicate());
  facts = Facts("cust-1");
  EXPECT_EQ(facts["sms"]["positive"], 1);
  EXPECT_EQ(facts["bestHourLocal"], 17);
  EXPECT_EQ(facts["bestChannel"], "sms");

  clock_.Advance(absl::Hours(1));
  SendEvent("cust-1", "payment.received", "pay-1");
  SendEvent("cust-1", "payment.received", "pay-1");
  facts = Facts("cust-1");
  EXPECT_EQ(facts["conversions"], 1);
  EXPECT_EQ(facts["sms"]["conversions"], 1);
  EXPECT_EQ(MetricValue("blend_conversions_total", {{"channel", "sms"}, {"campaign", campaign}}),
            1);
  EXPECT_EQ(MetricValue("blend_time_to_conversion_seconds", {{"channel", "sms"}}), 1);
}

TEST_F(EngagementTest, ConversionOutsideWindowIsUnattributed) {
  OrchestratorConfig cfg = Config();
  cfg.engagement.attribution_window = absl::Hours(1);
  StartOrchestrator(cfg);
  Connect();
  const std::string campaign = PutSeedCampaign("eng-window");
  const std::string journey = Start(StartRequest(campaign, "k1", "cust-w"));
  blend::v1::TouchCommand touch;
  touch.set_touch_id(Text("SELECT touch_id FROM touches WHERE journey_id = '" + journey + "'"));
  touch.set_journey_id(journey);
  touch.set_channel(blend::v1::CHANNEL_SMS);
  PublishDisposition(touch, blend::v1::TOUCH_OUTCOME_SENT, "w-d1");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM processed_messages WHERE message_id = 'w-d1'") == 1;
  }));
  clock_.Advance(absl::Hours(1) + absl::Seconds(1));
  SendEvent("cust-w", "payment.received", "pay-w");
  json facts = Facts("cust-w");
  EXPECT_EQ(facts["conversions"], 1);
  EXPECT_EQ(facts["sms"]["conversions"], 0);
  EXPECT_EQ(MetricValue("blend_conversions_total", {{"channel", "none"}, {"campaign", "none"}}), 1);
}

TEST_F(EngagementTest, ImportIsIdempotentByRowKey) {
  StartOrchestrator();
  Connect();
  const absl::Time t = TestStart() - absl::Hours(24 * 30);
  std::vector<blend::v1::ImportInteractionRequest> rows = {
      Row("crm-1", "cust-i", blend::v1::CHANNEL_EMAIL, "sent", t),
      Row("crm-2", "cust-i", blend::v1::CHANNEL_EMAIL, "clicked", t + absl::Hours(2)),
      Row("crm-3", "cust-i", blend::v1::CHANNEL_VOICE, "no_answer", t + absl::Hours(3)),
      Row("crm-4", "cust-j", blend::v1::CHANNEL_SMS, "teleported", t)};
  rows[1].set_converted(true);
  auto first = Import(rows);
  EXPECT_EQ(first.received(), 4);
  EXPECT_EQ(first.applied(), 3);
  EXPECT_EQ(first.rejected(), 1);
  ASSERT_EQ(first.errors_size(), 1);
  EXPECT_EQ(first.errors(0).row_key(), "crm-4");
  const std::string profile_before =
      Text("SELECT profile::text FROM engagement_profiles WHERE customer_id = 'cust-i'");

  auto second = Import(rows);
  EXPECT_EQ(second.applied(), 0);
  EXPECT_EQ(second.duplicates(), 3);
  EXPECT_EQ(Text("SELECT profile::text FROM engagement_profiles WHERE customer_id = 'cust-i'"),
            profile_before);
  json facts = Facts("cust-i");
  EXPECT_EQ(facts["email"]["sent"], 2);
  EXPECT_EQ(facts["email"]["positive"], 1);
  EXPECT_EQ(facts["email"]["conversions"], 1);
  EXPECT_EQ(facts["voice"]["lastOutcome"], "NO_ANSWER");
  EXPECT_EQ(facts["bestChannel"], "email");
  EXPECT_TRUE(Facts("cust-j").is_null());
}

TEST_F(EngagementTest, ChoiceRoutesFirstTouchByBestChannel) {
  StartOrchestrator();
  Connect();
  grpc::ClientContext ctx;
  blend::v1::PutCampaignRequest put;
  put.mutable_campaign()->set_campaign_id("eng-route");
  put.mutable_campaign()->set_definition_json(kRouteDefinition);
  // A customer without history has no $.engagement: fall to Default instead of States.Runtime.
  put.mutable_campaign()->set_policies_json(R"({"choiceOnMissingVariable": "default"})");
  blend::v1::PutCampaignResponse put_resp;
  ASSERT_TRUE(journeys_->PutCampaign(&ctx, put, &put_resp).ok());
  const absl::Time t = TestStart() - absl::Hours(24 * 7);
  Import({Row("h-1", "cust-email", blend::v1::CHANNEL_EMAIL, "sent", t),
          Row("h-2", "cust-email", blend::v1::CHANNEL_EMAIL, "replied", t + absl::Hours(1))});

  const std::string by_email = Start(StartRequest("eng-route", "k1", "cust-email"));
  const std::string by_default = Start(StartRequest("eng-route", "k2", "cust-new"));
  EXPECT_EQ(Count("SELECT channel FROM touches WHERE journey_id = '" + by_email + "'"),
            blend::v1::CHANNEL_EMAIL);
  EXPECT_EQ(Count("SELECT channel FROM touches WHERE journey_id = '" + by_default + "'"),
            blend::v1::CHANNEL_SMS);
}

#ifdef BLEND_HAVE_BLENDCTL_ENGAGEMENT
// `blendctl engagement import --csv` and `blendctl customer engagement ID` against the server.
TEST_F(EngagementTest, BlendctlImportsCsvTwiceAndPrintsTheProfile) {
  StartOrchestrator();
  Connect();
  blendctl::ImportOptions options;
  options.csv_path = BLENDCTL_TESTDATA "/interactions.csv";
  options.progress_every = 2;
  std::ostringstream out, err;
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(blendctl::RunEngagementImport(options, *engagement_, ctx, out, err),
              blendctl::kExitInvalid)
        << "two lines of the file are invalid";
  }
  EXPECT_THAT(out.str(), ::testing::HasSubstr("4 rows sent, 4 applied, 0 already imported, "
                                              "2 rejected"));
  EXPECT_THAT(err.str(), ::testing::HasSubstr("sent 2 rows"));
  std::ostringstream again;
  {
    grpc::ClientContext ctx;
    blendctl::RunEngagementImport(options, *engagement_, ctx, again, err);
  }
  EXPECT_THAT(again.str(), ::testing::HasSubstr("4 rows sent, 0 applied, 4 already imported"));

  std::ostringstream table, none;
  {
    grpc::ClientContext ctx;
    ASSERT_EQ(blendctl::RunCustomerEngagement("cust-a", false, *engagement_, ctx, table, err),
              blendctl::kExitOk);
  }
  EXPECT_THAT(table.str(), ::testing::HasSubstr("best channel: email   best local hour: 17"));
  grpc::ClientContext ctx;
  EXPECT_EQ(blendctl::RunCustomerEngagement("nobody", false, *engagement_, ctx, none, err),
            blendctl::kExitNotFound);
}
#endif

}  // namespace
}  // namespace blend::orchestrator::testing
