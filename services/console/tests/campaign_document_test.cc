#include "blend/console/campaign_document.h"

#include <gtest/gtest.h>

namespace blend::console {
namespace {

TEST(CampaignDocument, SplitsAWholeDocument) {
  LintDocument d = CampaignFromDocument(R"({"campaignId": "c1",
    "definition": {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}},
    "policies": {"quietHours": {"start": "21:00"}},
    "resourceAliases": {"arn:aws:lambda:sms": "blend:sms"}})");
  EXPECT_EQ(d.definition_pointer, "/definition");
  EXPECT_EQ(d.campaign.campaign_id(), "c1");
  EXPECT_EQ(d.campaign.definition_json(), R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})");
  EXPECT_EQ(d.campaign.policies_json(), R"({"quietHours":{"start":"21:00"}})");
  EXPECT_EQ(d.campaign.resource_aliases().at("arn:aws:lambda:sms"), "blend:sms");
}

TEST(CampaignDocument, BareDefinitionAndNonJsonPassWhole) {
  std::string bare = R"({"StartAt": "A", "States": {}})";
  EXPECT_EQ(CampaignFromDocument(bare).definition_pointer, "");
  EXPECT_EQ(CampaignFromDocument(bare).campaign.definition_json(), bare);
  EXPECT_EQ(CampaignFromDocument("{not json").campaign.definition_json(), "{not json");
}

TEST(CampaignDocument, PointersPointIntoTheDocument) {
  LintDocument d = CampaignFromDocument(R"({"definition": {"StartAt": "A", "States": {}}})");
  v1::ValidateCampaignResponse r;
  r.add_problems()->set_pointer("/States/A/Next");
  r.add_problems()->set_pointer("/policies/quietHours");
  r.add_problems()->set_pointer("/resourceAliases/x");
  r.add_problems()->set_pointer("");
  PointIntoDocument(d, r);
  EXPECT_EQ(r.problems(0).pointer(), "/definition/States/A/Next");
  EXPECT_EQ(r.problems(1).pointer(), "/policies/quietHours");
  EXPECT_EQ(r.problems(2).pointer(), "/resourceAliases/x");
  EXPECT_EQ(r.problems(3).pointer(), "/definition");

  LintDocument bare = CampaignFromDocument(R"({"StartAt": "A", "States": {}})");
  v1::ValidateCampaignResponse r2;
  r2.add_problems()->set_pointer("/States/A");
  PointIntoDocument(bare, r2);
  EXPECT_EQ(r2.problems(0).pointer(), "/States/A");
}

}  // namespace
}  // namespace blend::console
