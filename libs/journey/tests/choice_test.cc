#include "blend/journey/choice.h"

#include <gtest/gtest.h>

namespace blend::journey {
namespace {

using json = nlohmann::json;

const json kChoiceInput = json::parse(R"({
  "s":"beta","n":5,"f":2.5,"b":true,"nul":null,
  "ts":"2026-11-26T18:00:00Z","tsOffset":"2026-11-26T20:00:00+02:00",
  "other":{"s":"beta","n":7,"b":true,"ts":"2026-11-27T00:00:00Z"},
  "file":"report*.csv","path":"a\\b"})");
const json kChoiceContext = json::parse(R"({"State":{"Name":"Pick","RetryCount":1}})");

struct RuleCase {
  std::string rule;  // JSON of a nested rule (no Next)
  bool expected;
};

class ChoiceRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ChoiceRuleTest, Matches) {
  std::vector<ValidationProblem> problems;
  auto rule = ChoiceRule::Compile(json::parse(GetParam().rule), "/r", false, problems);
  ASSERT_TRUE(rule.has_value()) << GetParam().rule << " "
                                << (problems.empty() ? "" : problems[0].message);
  EXPECT_EQ(rule->Matches(kChoiceInput, &kChoiceContext), GetParam().expected) << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Strings, ChoiceRuleTest,
    ::testing::Values(
        RuleCase{R"({"Variable":"$.s","StringEquals":"beta"})", true},
        RuleCase{R"({"Variable":"$.s","StringEquals":"Beta"})", false},
        RuleCase{R"({"Variable":"$.s","StringLessThan":"gamma"})", true},
        RuleCase{R"({"Variable":"$.s","StringLessThan":"alpha"})", false},
        RuleCase{R"({"Variable":"$.s","StringGreaterThan":"alpha"})", true},
        RuleCase{R"({"Variable":"$.s","StringGreaterThan":"beta"})", false},
        RuleCase{R"({"Variable":"$.s","StringLessThanEquals":"beta"})", true},
        RuleCase{R"({"Variable":"$.s","StringLessThanEquals":"alpha"})", false},
        RuleCase{R"({"Variable":"$.s","StringGreaterThanEquals":"beta"})", true},
        RuleCase{R"({"Variable":"$.s","StringGreaterThanEquals":"gamma"})", false},
        RuleCase{R"({"Variable":"$.s","StringEqualsPath":"$.other.s"})", true},
        RuleCase{R"({"Variable":"$.s","StringLessThanPath":"$.other.s"})", false},
        RuleCase{R"({"Variable":"$.s","StringGreaterThanPath":"$.file"})", false},
        RuleCase{R"({"Variable":"$.s","StringLessThanEqualsPath":"$.other.s"})", true},
        RuleCase{R"({"Variable":"$.s","StringGreaterThanEqualsPath":"$.other.s"})", true},
        RuleCase{R"({"Variable":"$.n","StringEquals":"5"})", false},
        RuleCase{R"({"Variable":"$.missing","StringEquals":"beta"})", false},
        RuleCase{R"({"Variable":"$.s","StringEqualsPath":"$.missing"})", false},
        RuleCase{R"({"Variable":"$.file","StringMatches":"report*.csv"})", true},
        RuleCase{R"({"Variable":"$.file","StringMatches":"report\\*.csv"})", true},
        RuleCase{R"({"Variable":"$.s","StringMatches":"b*"})", true},
        RuleCase{R"({"Variable":"$.s","StringMatches":"*ta"})", true},
        RuleCase{R"({"Variable":"$.s","StringMatches":"*"})", true},
        RuleCase{R"({"Variable":"$.s","StringMatches":"b*z"})", false},
        RuleCase{R"({"Variable":"$.s","StringMatches":"beta\\*"})", false},
        RuleCase{R"({"Variable":"$.s","StringMatches":"b**a"})", true},
        RuleCase{R"({"Variable":"$$.State.Name","StringEquals":"Pick"})", true}));

INSTANTIATE_TEST_SUITE_P(
    Numbers, ChoiceRuleTest,
    ::testing::Values(RuleCase{R"({"Variable":"$.n","NumericEquals":5})", true},
                      RuleCase{R"({"Variable":"$.n","NumericEquals":5.0})", true},
                      RuleCase{R"({"Variable":"$.n","NumericEquals":6})", false},
                      RuleCase{R"({"Variable":"$.n","NumericLessThan":6})", true},
                      RuleCase{R"({"Variable":"$.n","NumericLessThan":5})", false},
                      RuleCase{R"({"Variable":"$.n","NumericGreaterThan":4.5})", true},
                      RuleCase{R"({"Variable":"$.n","NumericGreaterThan":5})", false},
                      RuleCase{R"({"Variable":"$.n","NumericLessThanEquals":5})", true},
                      RuleCase{R"({"Variable":"$.f","NumericLessThanEquals":2})", false},
                      RuleCase{R"({"Variable":"$.f","NumericGreaterThanEquals":2.5})", true},
                      RuleCase{R"({"Variable":"$.n","NumericGreaterThanEquals":-1})", true},
                      RuleCase{R"({"Variable":"$.n","NumericEqualsPath":"$.other.n"})", false},
                      RuleCase{R"({"Variable":"$.n","NumericLessThanPath":"$.other.n"})", true},
                      RuleCase{R"({"Variable":"$.n","NumericGreaterThanPath":"$.f"})", true},
                      RuleCase{R"({"Variable":"$.n","NumericLessThanEqualsPath":"$.n"})", true},
                      RuleCase{R"({"Variable":"$.n","NumericGreaterThanEqualsPath":"$.other.n"})",
                               false},
                      RuleCase{R"({"Variable":"$.s","NumericEquals":5})", false},
                      RuleCase{R"({"Variable":"$$.State.RetryCount","NumericEquals":1})", true}));

INSTANTIATE_TEST_SUITE_P(
    BooleansAndTimestamps, ChoiceRuleTest,
    ::testing::Values(
        RuleCase{R"({"Variable":"$.b","BooleanEquals":true})", true},
        RuleCase{R"({"Variable":"$.b","BooleanEquals":false})", false},
        RuleCase{R"({"Variable":"$.b","BooleanEqualsPath":"$.other.b"})", true},
        RuleCase{R"({"Variable":"$.s","BooleanEquals":true})", false},
        RuleCase{R"({"Variable":"$.ts","TimestampEquals":"2026-11-26T18:00:00Z"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampEqualsPath":"$.tsOffset"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampLessThan":"2026-11-26T18:00:01Z"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampLessThan":"2026-11-26T18:00:00Z"})", false},
        RuleCase{R"({"Variable":"$.ts","TimestampGreaterThan":"2026-11-26T17:59:59.5Z"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampLessThanEquals":"2026-11-26T18:00:00Z"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampGreaterThanEquals":"2026-11-27T00:00:00Z"})",
                 false},
        RuleCase{R"({"Variable":"$.ts","TimestampLessThanPath":"$.other.ts"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampGreaterThanPath":"$.other.ts"})", false},
        RuleCase{R"({"Variable":"$.ts","TimestampLessThanEqualsPath":"$.tsOffset"})", true},
        RuleCase{R"({"Variable":"$.ts","TimestampGreaterThanEqualsPath":"$.tsOffset"})", true},
        RuleCase{R"({"Variable":"$.s","TimestampEquals":"2026-11-26T18:00:00Z"})", false}));

INSTANTIATE_TEST_SUITE_P(
    TypeTests, ChoiceRuleTest,
    ::testing::Values(RuleCase{R"({"Variable":"$.s","IsPresent":true})", true},
                      RuleCase{R"({"Variable":"$.missing","IsPresent":true})", false},
                      RuleCase{R"({"Variable":"$.missing","IsPresent":false})", true},
                      RuleCase{R"({"Variable":"$.nul","IsPresent":true})", true},
                      RuleCase{R"({"Variable":"$.nul","IsNull":true})", true},
                      RuleCase{R"({"Variable":"$.s","IsNull":true})", false},
                      RuleCase{R"({"Variable":"$.missing","IsNull":false})", true},
                      RuleCase{R"({"Variable":"$.n","IsNumeric":true})", true},
                      RuleCase{R"({"Variable":"$.s","IsNumeric":false})", true},
                      RuleCase{R"({"Variable":"$.s","IsString":true})", true},
                      RuleCase{R"({"Variable":"$.n","IsString":true})", false},
                      RuleCase{R"({"Variable":"$.b","IsBoolean":true})", true},
                      RuleCase{R"({"Variable":"$.s","IsBoolean":true})", false},
                      RuleCase{R"({"Variable":"$.ts","IsTimestamp":true})", true},
                      RuleCase{R"({"Variable":"$.s","IsTimestamp":true})", false},
                      RuleCase{R"({"Variable":"$.n","IsTimestamp":false})", true}));

INSTANTIATE_TEST_SUITE_P(
    Combinators, ChoiceRuleTest,
    ::testing::Values(
        RuleCase{
            R"({"And":[{"Variable":"$.s","StringEquals":"beta"},{"Variable":"$.n","NumericEquals":5}]})",
            true},
        RuleCase{
            R"({"And":[{"Variable":"$.s","StringEquals":"beta"},{"Variable":"$.n","NumericEquals":6}]})",
            false},
        RuleCase{
            R"({"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.n","NumericEquals":5}]})",
            true},
        RuleCase{
            R"({"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.n","NumericEquals":6}]})",
            false},
        RuleCase{R"({"Not":{"Variable":"$.s","StringEquals":"x"}})", true},
        RuleCase{R"({"Not":{"Variable":"$.s","StringEquals":"beta"}})", false},
        RuleCase{
            R"({"Not":{"And":[{"Variable":"$.b","BooleanEquals":true},{"Not":{"Variable":"$.missing","IsPresent":true}}]}})",
            false}));

struct BadRule {
  std::string rule;
  std::string pointer;  // of the first problem
};

class ChoiceRuleProblemTest : public ::testing::TestWithParam<BadRule> {};

TEST_P(ChoiceRuleProblemTest, ReportsPointer) {
  std::vector<ValidationProblem> problems;
  auto rule = ChoiceRule::Compile(json::parse(GetParam().rule), "/Choices/0", true, problems);
  EXPECT_FALSE(rule.has_value());
  ASSERT_FALSE(problems.empty()) << GetParam().rule;
  EXPECT_EQ(problems[0].pointer, GetParam().pointer) << problems[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    All, ChoiceRuleProblemTest,
    ::testing::Values(
        BadRule{R"({"Variable":"$.s","StringEquals":5,"Next":"A"})", "/Choices/0/StringEquals"},
        BadRule{R"({"Variable":"$.s","NumericEquals":"5","Next":"A"})", "/Choices/0/NumericEquals"},
        BadRule{R"({"Variable":"$.s","BooleanEquals":"true","Next":"A"})",
                "/Choices/0/BooleanEquals"},
        BadRule{R"({"Variable":"$.s","TimestampEquals":"yesterday","Next":"A"})",
                "/Choices/0/TimestampEquals"},
        BadRule{R"({"Variable":"$.s","IsPresent":1,"Next":"A"})", "/Choices/0/IsPresent"},
        BadRule{R"({"Variable":"$.s","StringEqualsPath":"s","Next":"A"})",
                "/Choices/0/StringEqualsPath"},
        BadRule{R"({"Variable":"s","StringEquals":"x","Next":"A"})", "/Choices/0/Variable"},
        BadRule{R"({"Variable":"$.s","StringEquals":"x"})", "/Choices/0"},
        BadRule{R"({"Variable":"$.s","StringEqual":"x","Next":"A"})", "/Choices/0/StringEqual"},
        BadRule{R"({"Variable":"$.s","StringEquals":"x","NumericEquals":1,"Next":"A"})",
                "/Choices/0/StringEquals"},
        BadRule{R"({"StringEquals":"x","Next":"A"})", "/Choices/0"},
        BadRule{R"({"Variable":"$.s","Next":"A"})", "/Choices/0"},
        BadRule{R"({"And":[],"Next":"A"})", "/Choices/0/And"},
        BadRule{R"({"And":[{"Variable":"$.s","StringEquals":"x","Next":"B"}],"Next":"A"})",
                "/Choices/0/And/0/Next"},
        BadRule{R"({"Not":{"Variable":"$.s","StringEquals":1},"Next":"A"})",
                "/Choices/0/Not/StringEquals"},
        BadRule{
            R"({"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$..s","StringEquals":"x"}],"Next":"A"})",
            "/Choices/0/Or/1/Variable"}));

TEST(ParseTimestampTest, AcceptsRfc3339AndRejectsOthers) {
  EXPECT_TRUE(ParseTimestamp("2026-11-26T18:00:00Z"));
  EXPECT_TRUE(ParseTimestamp("2026-11-26T18:00:00.123Z"));
  EXPECT_TRUE(ParseTimestamp("2026-11-26T18:00:00-05:00"));
  EXPECT_FALSE(ParseTimestamp("2026-11-26 18:00:00Z"));
  EXPECT_FALSE(ParseTimestamp("2026-11-26"));
  EXPECT_FALSE(ParseTimestamp("2026-11-26T18:00:00"));
  EXPECT_EQ(*ParseTimestamp("2026-11-26T20:00:00+02:00"), *ParseTimestamp("2026-11-26T18:00:00Z"));
}

}  // namespace
}  // namespace blend::journey
