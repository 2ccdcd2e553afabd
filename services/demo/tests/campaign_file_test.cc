#include "blend/demo/campaign_file.h"
#include "blend/journey/campaign.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace blend::demo {
namespace {

using nlohmann::json;

TEST(CampaignFileTest, TheShippedCampaignScalesItsDayToTwentySeconds) {
  auto c = LoadCampaignFile(DEMO_CAMPAIGN_FILE, 1.0 / 4320);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->campaign_id, "blended-collections");
  EXPECT_EQ(c->longest_wait_seconds, 20);
  json d = json::parse(c->definition_json);
  EXPECT_EQ(d["States"]["DayToPay"]["Seconds"], 20);
  json p = json::parse(c->policies_json);
  EXPECT_EQ(p["exitEvents"][0]["eventType"], "payment.received");
}

TEST(CampaignFileTest, ShortWaitsNeverDropBelowOneSecondAndOtherWaitsAreLeftAlone) {
  auto c = ScaleCampaign(R"({"campaignId": "x", "definition": {"StartAt": "A", "States": {
      "A": {"Type": "Wait", "Seconds": 60, "Next": "B"},
      "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
      "C": {"Type": "Succeed"}}}})",
                         0.001);
  ASSERT_TRUE(c.ok()) << c.status();
  json d = json::parse(c->definition_json);
  EXPECT_EQ(d["States"]["A"]["Seconds"], 1);
  EXPECT_EQ(d["States"]["B"]["SecondsPath"], "$.s");
  EXPECT_EQ(c->policies_json, "{}");
}

TEST(CampaignFileTest, RejectsDocumentsWithoutIdOrDefinitionAndBadScales) {
  EXPECT_FALSE(ScaleCampaign(R"({"definition": {}})", 1).ok());
  EXPECT_FALSE(ScaleCampaign(R"({"campaignId": "x"})", 1).ok());
  EXPECT_FALSE(ScaleCampaign("not json", 1).ok());
  EXPECT_FALSE(ScaleCampaign(R"({"campaignId": "x", "definition": {}})", 0).ok());
  EXPECT_EQ(LoadCampaignFile("/nonexistent.json", 1).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace blend::demo

namespace blend::demo {
namespace {

// The example the demo registers must pass the orchestrator's own validation once scaled.
TEST(CampaignFileTest, TheScaledExampleIsAValidCampaign) {
  auto c = LoadCampaignFile(DEMO_CAMPAIGN_FILE, 1.0 / 4320);
  ASSERT_TRUE(c.ok()) << c.status();
  auto compiled = journey::ParseCampaign(c->definition_json, c->policies_json, c->resource_aliases);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
}

}  // namespace
}  // namespace blend::demo
