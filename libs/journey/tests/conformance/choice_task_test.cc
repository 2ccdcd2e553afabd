// Conformance: "Choice Rules" on variables that name nothing (AWS: States.Runtime) and Task
// fields Blend cannot honour (HeartbeatSeconds). Each case carries the sentence it checks.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../interpreter_harness.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;
using namespace blend::journey::testing;

constexpr char kChoice[] = R"J({"StartAt":"C","States":{
  "C":{"Type":"Choice","Choices":[{"Variable":"$.status","StringEquals":"PAID","Next":"Paid"}],
       "Default":"Other"},
  "Paid":{"Type":"Succeed"},
  "Other":{"Type":"Pass","Result":"other","End":true}}})J";

constexpr char kMissingFails[] =
    "AWS Step Functions: a Choice rule whose Variable names a path absent from the state's "
    "input fails the execution with States.Runtime (\"An execution failed due to some "
    "exception that it could not process\" - spec, error names)";

Finish RunChoice(const std::string& definition, const std::string& policies, json input) {
  auto c = ParseCampaign(definition, policies, {}, nullptr, "camp");
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return Finish{};
  JourneyHarness h(*c);
  auto f = Only<Finish>(h.Start(kNoon, std::move(input)));
  EXPECT_EQ(f.size(), 1u);
  return f.empty() ? Finish{} : f[0];
}

TEST(ChoiceConformance, MissingVariableFailsWithStatesRuntimeByDefault) {
  Finish f = RunChoice(kChoice, "", json::object());
  EXPECT_EQ(f.status, JourneyStatus::kFailed) << kMissingFails;
  EXPECT_EQ(f.error, "States.Runtime") << kMissingFails;
  // A present variable still chooses as before.
  EXPECT_EQ(RunChoice(kChoice, "", json{{"status", "PAID"}}).status, JourneyStatus::kSucceeded);
  EXPECT_EQ(RunChoice(kChoice, "", json{{"status", "OPEN"}}).output, "other");
}

TEST(ChoiceConformance, MissingPathOperandFailsToo) {
  Finish f = RunChoice(R"J({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericLessThanPath":"$.b","Next":"D"}],
         "Default":"D"},
    "D":{"Type":"Succeed"}}})J",
                       "", json{{"a", 1}});
  EXPECT_EQ(f.error, "States.Runtime") << kMissingFails;
}

TEST(ChoiceConformance, RulesStopAtTheFirstMatchBeforeReachingAMissingVariable) {
  // "the interpreter ... evaluates the Choice Rules in array order" - a later rule on a
  // missing path is never read once an earlier rule matched.
  Finish f = RunChoice(R"J({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":1,"Next":"D"},
                                    {"Variable":"$.nothere","NumericEquals":1,"Next":"D"}]},
    "D":{"Type":"Succeed"}}})J",
                       "", json{{"a", 1}});
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
}

TEST(ChoiceConformance, IsPresentOnAMissingVariableIsNotAnError) {
  Finish f = RunChoice(R"J({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":false,"Next":"D"}]},
    "D":{"Type":"Succeed"}}})J",
                       "", json::object());
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded)
      << "IsPresent: whether a field is present (a missing one is an answer, not an error)";
}

TEST(ChoiceConformance, PolicyDefaultKeepsTheLenientBehaviour) {
  Finish f = RunChoice(kChoice, R"({"choiceOnMissingVariable": "default"})", json::object());
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output, "other");
  std::vector<ValidationProblem> problems;
  EXPECT_FALSE(
      ParseCampaign(kChoice, R"({"choiceOnMissingVariable": "maybe"})", {}, &problems).ok());
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].pointer, "/policies/choiceOnMissingVariable");
}

TEST(TaskConformance, HeartbeatSecondsIsRefusedWithAPointerToTheField) {
  // Spec, Task state: "If the state runs longer than the specified heartbeat interval ... the
  // interpreter fails the state with a States.HeartbeatTimeout Error Name." A touch sends no
  // heartbeats, so Blend refuses the field instead of silently ignoring it.
  for (const char* field : {"\"HeartbeatSeconds\": 60", "\"HeartbeatSecondsPath\": \"$.hb\""}) {
    std::string def =
        absl::StrCat(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"blend:sms",)",
                     field, R"(,"End":true}}})");
    std::vector<ValidationProblem> problems;
    EXPECT_FALSE(ParseCampaign(def, "", {}, &problems).ok()) << field;
    ASSERT_EQ(problems.size(), 1u) << field;
    EXPECT_THAT(problems[0].pointer, ::testing::StartsWith("/States/T/Heartbeat"));
    EXPECT_THAT(problems[0].message, ::testing::HasSubstr("not supported"));
  }
}

}  // namespace
}  // namespace blend::journey
