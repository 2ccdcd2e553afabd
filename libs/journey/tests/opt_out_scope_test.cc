// The optOutScope policy is parsed with the other campaign policies (the orchestrator applies
// it when it turns the consent record into suppression facts).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/journey/campaign.h"

namespace blend::journey {
namespace {

constexpr char kDefinition[] =
    R"({"StartAt":"Sms","States":{"Sms":{"Type":"Task","Resource":"blend:sms","End":true}}})";

TEST(OptOutScopeTest, DefaultsToAll) {
  auto c = ParseCampaign(kDefinition, "", {}, nullptr, "camp-1");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->policies().opt_out_scope, OptOutScope::kAll);
}

TEST(OptOutScopeTest, ParsesChannelAndAll) {
  auto channel = ParseCampaign(kDefinition, R"({"optOutScope":"channel"})", {}, nullptr, "c");
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ((*channel)->policies().opt_out_scope, OptOutScope::kChannel);
  auto all = ParseCampaign(kDefinition, R"({"optOutScope":"all"})", {}, nullptr, "c");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ((*all)->policies().opt_out_scope, OptOutScope::kAll);
}

TEST(OptOutScopeTest, RejectsAnythingElseWithAProblem) {
  std::vector<ValidationProblem> problems;
  auto c = ParseCampaign(kDefinition, R"({"optOutScope":"sms"})", {}, &problems, "c");
  EXPECT_FALSE(c.ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].pointer, ::testing::HasSubstr("optOutScope"));
  EXPECT_THAT(problems[0].message, ::testing::HasSubstr("\"channel\""));
}

}  // namespace
}  // namespace blend::journey
