#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/blendctl/offline_commands.h"
#include "blend/blendctl/simulator.h"
#include "blend/journey/testing/seed_campaign.h"

namespace blend::blendctl {
namespace {

const std::string kSeedCampaignFile(blend::journey::testing::SeedCampaignPath());

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

std::vector<json> Lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::vector<json> Kind(const std::vector<json>& lines, const std::string& kind) {
  std::vector<json> out;
  for (const json& l : lines) {
    if (l["kind"] == kind) out.push_back(l);
  }
  return out;
}

TEST(SimulateCommandTest, NotPaidJourneyShowsDeferredSmsThenVoice) {
  std::ostringstream out, err;
  SimulateOptions o{kSeedCampaignFile, R"({"invoiceId":"inv-1"})",
                    BLENDCTL_TESTDATA "/seed_not_paid.script.json", true};
  ASSERT_EQ(RunSimulate(o, out, err), 0) << err.str();
  auto lines = Lines(out.str());
  auto touches = Kind(lines, "touch");
  ASSERT_EQ(touches.size(), 2u);
  EXPECT_EQ(touches[0]["channel"], "sms");
  EXPECT_EQ(touches[0]["notBefore"], "2026-11-27T13:00:00Z");  // 08:00 New York
  EXPECT_EQ(touches[0]["deferred"], true);
  EXPECT_EQ(touches[1]["channel"], "voice");
  EXPECT_EQ(touches[1]["at"], "2026-11-28T13:00:00Z");  // 24 h after the SMS went
  EXPECT_EQ(lines.back()["kind"], "final");
  EXPECT_EQ(lines.back()["status"], "SUCCEEDED");
  EXPECT_EQ(lines.back()["output"], json({{"wrapupCode", "NO_ANSWER"}}));
}

TEST(SimulateCommandTest, PaymentMidWaitEndsWithoutVoice) {
  std::ostringstream out, err;
  SimulateOptions o{kSeedCampaignFile, "{}", BLENDCTL_TESTDATA "/seed_paid_mid_wait.script.json",
                    false};
  ASSERT_EQ(RunSimulate(o, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("final status: SUCCEEDED"));
  EXPECT_THAT(out.str(), HasSubstr("timer-cancelled"));
  EXPECT_THAT(out.str(), Not(HasSubstr("voice")));
  EXPECT_THAT(out.str(), HasSubstr("TIME (UTC)"));
}

// An in-doubt SMS (disposition UNKNOWN): the seed journey goes on to its wait and its call
// as if the SMS was sent, and the timeline says the SMS was in doubt.
TEST(SimulateCommandTest, UnknownSmsDispositionGoesOnAsSent) {
  std::ostringstream out, err;
  SimulateOptions o{kSeedCampaignFile, "{}", BLENDCTL_TESTDATA "/seed_sms_unknown.script.json",
                    true};
  ASSERT_EQ(RunSimulate(o, out, err), 0) << err.str();
  auto lines = Lines(out.str());
  auto touches = Kind(lines, "touch");
  ASSERT_EQ(touches.size(), 2u);
  EXPECT_EQ(touches[0]["channel"], "sms");
  EXPECT_EQ(touches[1]["channel"], "voice");
  EXPECT_EQ(touches[1]["at"], "2026-11-27T17:00:00Z");  // after the 24 h wait
  std::vector<json> doubts;
  for (const json& h : Kind(lines, "history")) {
    if (h["event"] == "TouchInDoubt") doubts.push_back(h);
  }
  ASSERT_EQ(doubts.size(), 1u);
  EXPECT_EQ(doubts[0]["state"], "SendInitialSMS");
  EXPECT_EQ(doubts[0]["detail"]["touchId"], touches[0]["touchId"]);
  EXPECT_EQ(doubts[0]["detail"]["onUnknown"], "assume-sent");
  EXPECT_EQ(lines.back()["status"], "SUCCEEDED");

  std::ostringstream table, table_err;
  o.json_lines = false;
  ASSERT_EQ(RunSimulate(o, table, table_err), 0) << table_err.str();
  EXPECT_THAT(table.str(), HasSubstr("TouchInDoubt"));
  EXPECT_THAT(table.str(), HasSubstr("final status: SUCCEEDED"));
}

// The first touch of a journey routed by engagement history, from a profile fixture.
std::string FirstTouchChannel(const std::string& script) {
  std::ostringstream out, err;
  SimulateOptions o{BLENDCTL_TESTDATA "/best_channel_campaign.json", "{}", script, true};
  EXPECT_EQ(RunSimulate(o, out, err), 0) << err.str();
  auto touches = Kind(Lines(out.str()), "touch");
  return touches.empty() ? "" : touches[0]["channel"].get<std::string>();
}

TEST(SimulateCommandTest, ProfileFixtureChoosesTheFirstChannel) {
  EXPECT_EQ(FirstTouchChannel(BLENDCTL_TESTDATA "/profile_prefers_email.script.json"), "email");
  EXPECT_EQ(FirstTouchChannel(BLENDCTL_TESTDATA "/profile_prefers_voice.script.json"), "voice");
  EXPECT_EQ(FirstTouchChannel(""), "sms");  // no history: the Default branch
}

TEST(SimulateCommandTest, NoScriptRunsTimersUntilTheJourneyBlocks) {
  std::ostringstream out, err;
  SimulateOptions o{kSeedCampaignFile, "{}", "", true};
  ASSERT_EQ(RunSimulate(o, out, err), 0) << err.str();
  auto lines = Lines(out.str());
  EXPECT_EQ(lines.back()["status"], "RUNNING");  // waits for the SMS disposition
  EXPECT_EQ(Kind(lines, "touch").size(), 1u);
}

TEST(SimulateCommandTest, InvalidCampaignExitsOne) {
  std::ostringstream out, err;
  SimulateOptions o{JOURNEY_TESTDATA "/invalid/unknown_next.json", "{}", "", false};
  EXPECT_EQ(RunSimulate(o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("/States/A/Next"));
}

TEST(SimulateCommandTest, BadInputJsonExitsOne) {
  std::ostringstream out, err;
  SimulateOptions o{kSeedCampaignFile, "{nope", "", false};
  EXPECT_EQ(RunSimulate(o, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("--input: not valid JSON"));
}

class SimulatorTest : public ::testing::Test {
 protected:
  std::shared_ptr<const journey::CompiledCampaign> Campaign(const std::string& def,
                                                            const std::string& policies = "") {
    auto c = journey::ParseCampaign(def, policies, {});
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }
};

TEST_F(SimulatorTest, ScriptErrorsNameTheStep) {
  auto c = Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})");
  auto r = Simulate(*c, json::object(),
                    json::parse(R"({"steps":[{"at":"+1m"},{"at":"2020-01-01T00:00:00Z"}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("step 1: time goes backwards"));
  r = Simulate(*c, json::object(), json::parse(R"({"steps":[{"bogus":1}]})"));
  EXPECT_FALSE(r.ok());
}

TEST_F(SimulatorTest, WrongJsonTypesInTheScriptAreReportedNotThrown) {
  auto c = Campaign(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})");
  auto r = Simulate(*c, json::object(), json::parse(R"({"journeyId":5})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SimulatorTest, OptOutFactsAndFailedDispositionsDriveCatch) {
  auto c = Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Email"}],"End":true},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})");
  auto r = Simulate(*c, json::object(), json::parse(R"({"facts":{"optedOut":["sms"]},
      "steps":[{"disposition":{"state":"Email","error":"Blend.Bounced","cause":"mailbox full"}}]})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->final_status, "FAILED");
  EXPECT_EQ(r->error, "Blend.Bounced");
}

TEST_F(SimulatorTest, UnknownDispositionFailsTheTaskUnderOnUnknownFail) {
  auto c = Campaign(R"({"StartAt":"Sms","States":{
    "Sms":{"Type":"Task","Resource":"blend:sms","Next":"Email"},
    "Email":{"Type":"Task","Resource":"blend:email","End":true}}})",
                    R"({"onUnknown":"fail"})");
  auto r = Simulate(*c, json::object(), json::parse(R"({"steps":[
      {"disposition":{"state":"Sms","outcome":"UNKNOWN","cause":"timeout"}}]})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->final_status, "FAILED");
  EXPECT_EQ(r->error, "Blend.TouchInDoubt");
  EXPECT_EQ(r->cause, "timeout");
}

TEST_F(SimulatorTest, OnlyUnknownIsGivenAsAnOutcome) {
  auto c = Campaign(
      R"({"StartAt":"Sms","States":{"Sms":{"Type":"Task","Resource":"blend:sms","End":true}}})");
  auto r = Simulate(*c, json::object(), json::parse(R"({"steps":[
      {"disposition":{"state":"Sms","outcome":"FAILED"}}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("step 0: disposition \"outcome\" is only \"UNKNOWN\""));
}

TEST_F(SimulatorTest, FrequencyCapCountsTouchesOfTheSimulatedJourney) {
  auto c = Campaign(
      R"({"StartAt":"A","States":{
    "A":{"Type":"Task","Resource":"blend:voice","Next":"B"},
    "B":{"Type":"Task","Resource":"blend:voice","End":true}}})",
      R"({"quietHours":{"voice":null},"frequencyCaps":{"voice":{"max":1,"windowSeconds":3600}}})");
  auto r = Simulate(*c, json::object(), json::parse(R"({"start":"2026-01-06T15:00:00Z",
      "steps":[{"disposition":{"state":"A"}},{"disposition":{"state":"B"}}]})"));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> not_before;
  for (const auto& e : r->timeline) {
    if (e.record["kind"] == "touch") not_before.push_back(e.record["notBefore"]);
  }
  EXPECT_THAT(not_before, ::testing::ElementsAre("2026-01-06T15:00:00Z", "2026-01-06T16:00:00Z"));
  EXPECT_EQ(r->final_status, "SUCCEEDED");
}

// A Map over a household's debts: one SMS per debt, each answered once; the Map's result is
// the dispositions in item order.
TEST_F(SimulatorTest, MapSendsOneTouchPerItem) {
  auto c = Campaign(R"J({"StartAt":"EachDebt","States":{
    "EachDebt":{"Type":"Map","ItemsPath":"$.debts","MaxConcurrency":2,
      "ItemSelector":{"debtId.$":"$$.Map.Item.Value","n.$":"$$.Map.Item.Index"},
      "ItemProcessor":{"StartAt":"Sms","States":{"Sms":{"Type":"Task","Resource":"blend:sms","End":true}}},
      "ResultSelector":{"sent.$":"States.ArrayLength($)"},"End":true}}})J",
                    R"({"quietHours":{"sms":null}})");
  auto r = Simulate(*c, json::parse(R"({"debts":["d-1","d-2","d-3"]})"), json::parse(R"({"steps":[
      {"disposition":{"state":"Sms","result":{"outcome":"SENT"}}},
      {"disposition":{"state":"Sms","result":{"outcome":"SENT"}}},
      {"disposition":{"state":"Sms","result":{"outcome":"SENT"}}}]})"));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> debts;
  for (const auto& e : r->timeline) {
    if (e.record["kind"] == "touch") debts.push_back(e.record["parameters"]["debtId"]);
  }
  EXPECT_THAT(debts, ::testing::UnorderedElementsAre("d-1", "d-2", "d-3"));
  EXPECT_EQ(r->final_status, "SUCCEEDED");
  EXPECT_EQ(r->output, json({{"sent", 3}}));
}

}  // namespace
}  // namespace blend::blendctl
