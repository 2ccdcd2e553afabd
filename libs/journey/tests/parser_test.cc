#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "blend/journey/campaign.h"
#include "blend/journey/testing/seed_campaign.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> InvalidCorpus() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fs::path(BLEND_JOURNEY_TESTDATA) / "invalid")) {
    std::string f = e.path().filename().string();
    if (f.ends_with(".json") && !f.ends_with(".expected.json"))
      names.push_back(f.substr(0, f.size() - 5));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Describe(const std::vector<ValidationProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  '" + p.pointer + "': " + p.message + "\n";
  return out;
}

class InvalidCorpusTest : public ::testing::TestWithParam<std::string> {};

// Every file of tests/data/invalid/ is rejected with exactly the problems its
// .expected.json lists (pointer + a fragment of the message), all reported at once.
TEST_P(InvalidCorpusTest, ReportsEveryExpectedProblem) {
  fs::path dir = fs::path(BLEND_JOURNEY_TESTDATA) / "invalid";
  std::vector<ValidationProblem> problems;
  auto campaign = ParseCampaignDocument(ReadFile(dir / (GetParam() + ".json")), &problems);
  ASSERT_FALSE(campaign.ok());
  EXPECT_EQ(campaign.status().code(), absl::StatusCode::kInvalidArgument);
  json expected = json::parse(ReadFile(dir / (GetParam() + ".expected.json")));
  for (const json& e : expected) {
    std::string pointer = e["pointer"], fragment = e["contains"];
    bool found = false;
    for (const ValidationProblem& p : problems) {
      found = found || (p.pointer == pointer && p.message.find(fragment) != std::string::npos);
    }
    EXPECT_TRUE(found) << "expected '" << pointer << "' containing '" << fragment << "' in:\n"
                       << Describe(problems);
  }
  EXPECT_EQ(problems.size(), expected.size()) << Describe(problems);
}

INSTANTIATE_TEST_SUITE_P(Corpus, InvalidCorpusTest, ::testing::ValuesIn(InvalidCorpus()));

TEST(ParseCampaignTest, SeedCampaignDocumentParses) {
  auto c = ParseCampaignDocument(blend::journey::testing::SeedCampaignDocument());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->campaign_id(), "seed-collections");
  EXPECT_EQ((*c)->state_count(), 7u);
  const CampaignPolicies& p = (*c)->policies();
  ASSERT_EQ(p.exit_events.size(), 1u);
  EXPECT_EQ(p.exit_events[0].event_type, "payment.received");
  EXPECT_EQ(p.frequency_caps.at(Channel::kVoice).max_touches, 7);
  EXPECT_EQ(p.frequency_caps.at(Channel::kVoice).window, absl::Hours(24 * 7));
  EXPECT_EQ(p.genesys.contact_list_id, "demo-contacts");
  EXPECT_EQ(p.quiet_hours.at(Channel::kSms).until, absl::Hours(21));
}

TEST(ParseCampaignTest, ThreePiecesGiveRelativeDefinitionPointers) {
  std::string def = R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"x:y"}}})";
  std::vector<ValidationProblem> problems;
  auto c = ParseCampaign(def, R"({"quietHours":{"sms":{"from":"09:00","until":"08:00"}}})",
                         {{"x:z", "blend:sms"}}, &problems);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(problems,
              ::testing::UnorderedElementsAre(
                  ::testing::Field(&ValidationProblem::pointer, "/States/A"),
                  ::testing::Field(&ValidationProblem::pointer, "/States/A/Resource"),
                  ::testing::Field(&ValidationProblem::pointer, "/policies/quietHours/sms")));
  EXPECT_THAT(std::string(c.status().message()), ::testing::HasSubstr("3 problem(s)"));
}

TEST(ParseCampaignTest, AliasesMakeForeignResourcesValid) {
  std::string def =
      R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:sms","End":true}}})";
  EXPECT_FALSE(ParseCampaign(def, "", {}).ok());
  EXPECT_TRUE(ParseCampaign(def, "", {{"arn:sms", "blend:sms"}}).ok());
}

TEST(ParseCampaignTest, DefaultPoliciesHaveTcpaQuietHoursForSmsAndVoiceOnly) {
  auto c = ParseCampaign(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})", "", {});
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& q = (*c)->policies().quiet_hours;
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.at(Channel::kVoice).from, absl::Hours(8));
  EXPECT_EQ(q.count(Channel::kEmail), 0u);
  EXPECT_EQ((*c)->policies().max_transitions_per_trigger, 1000);
}

TEST(ParseCampaignTest, NullQuietHoursSwitchAChannelOff) {
  auto c =
      ParseCampaign(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})",
                    R"({"quietHours":{"sms":null,"email":{"from":"07:00","until":"22:00"}}})", {});
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& q = (*c)->policies().quiet_hours;
  EXPECT_EQ(q.count(Channel::kSms), 0u);
  EXPECT_EQ(q.at(Channel::kEmail).from, absl::Hours(7));
}

TEST(ParseCampaignTest, LoopThroughAWaitIsAllowed) {
  std::string def = R"({"StartAt":"Check","States":{
    "Check":{"Type":"Task","Resource":"blend:facts","Next":"Paid?"},
    "Paid?":{"Type":"Choice","Choices":[{"Variable":"$.paymentStatus","StringEquals":"PAID","Next":"Done"}],"Default":"Later"},
    "Later":{"Type":"Wait","Seconds":3600,"Next":"Check"},
    "Done":{"Type":"Succeed"}}})";
  auto c = ParseCampaign(def, "", {});
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST(ParseCampaignTest, AllStateTypesAndFieldsParse) {
  std::string def = R"J({"Comment":"all","StartAt":"P","TimeoutSeconds":3600,"States":{
    "P":{"Type":"Pass","Result":{"a":1},"ResultPath":"$.r","Next":"Par"},
    "Par":{"Type":"Parallel","Branches":[
        {"StartAt":"S","States":{"S":{"Type":"Task","Resource":"blend:sms","TimeoutSeconds":60,"End":true}}},
        {"StartAt":"E","States":{"E":{"Type":"Task","Resource":"blend:email","Parameters":{"subject.$":"States.Format('Hi {}', $.name)"},"End":true}}}],
      "ResultSelector":{"sms.$":"$[0]"},"ResultPath":"$.touches","Retry":[{"ErrorEquals":["Blend.Busy"],"IntervalSeconds":5,"MaxAttempts":2,"BackoffRate":1.5,"MaxDelaySeconds":60,"JitterStrategy":"FULL"}],
      "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Bad"}],"Next":"W"},
    "W":{"Type":"Wait","SecondsPath":"$.delay","Next":"W2"},
    "W2":{"Type":"Wait","TimestampPath":"$.at","Next":"W3"},
    "W3":{"Type":"Wait","Timestamp":"2026-12-01T09:00:00Z","Next":"Ev"},
    "Ev":{"Type":"Task","Resource":"blend:await-event","Parameters":{"eventType":"reply"},"TimeoutSecondsPath":"$.t","Next":"C"},
    "C":{"Type":"Choice","InputPath":"$","OutputPath":"$","Choices":[{"And":[{"Variable":"$.x","IsPresent":true},{"Not":{"Variable":"$.x","IsNull":true}}],"Next":"Ok"}],"Default":"Bad"},
    "Ok":{"Type":"Succeed","OutputPath":"$.r"},
    "Bad":{"Type":"Fail","ErrorPath":"$.error.Error","CausePath":"$$.State.Name"}}})J";
  std::vector<ValidationProblem> problems;
  auto c = ParseCampaign(def, "", {}, &problems);
  EXPECT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->state_count(), 11u);
}

}  // namespace
}  // namespace blend::journey
