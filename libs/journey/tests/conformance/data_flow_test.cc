// Conformance: "Payload Template" and the intrinsic-function lexer of the Amazon States
// Language specification (states-language.net/spec.html), plus the timestamp rules of
// "Choice Rules". Every case carries the sentence of the specification (or of AWS's
// intrinsic-function reference, where the specification is silent) that it checks.

#include <gtest/gtest.h>

#include "blend/journey/choice.h"
#include "blend/journey/expression.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;

// Payload Template

struct TemplateCase {
  const char* spec;  // the sentence checked
  const char* tmpl;
  const char* input;
  const char* expected;
};

class PayloadTemplateConformance : public ::testing::TestWithParam<TemplateCase> {};

TEST_P(PayloadTemplateConformance, Resolves) {
  const TemplateCase& c = GetParam();
  std::vector<ValidationProblem> problems;
  PayloadTemplate t = PayloadTemplate::Compile(json::parse(c.tmpl), "/Parameters", problems);
  ASSERT_TRUE(problems.empty()) << c.spec << ": " << problems[0].message;
  const json input = json::parse(c.input);
  auto out = t.Evaluate(EvalContext{input});
  ASSERT_TRUE(out.ok()) << c.spec << ": " << out.status();
  EXPECT_EQ(*out, json::parse(c.expected)) << c.spec;
}

constexpr char kDeep[] =
    "If any field within the Payload Template (however deeply nested) has a name ending with "
    "the characters \".$\", its value is transformed according to rules below and the field is "
    "renamed to strip the \".$\" suffix.";

INSTANTIATE_TEST_SUITE_P(
    Spec, PayloadTemplateConformance,
    ::testing::Values(
        TemplateCase{kDeep, R"({"a":{"b":{"c.$":"$.x"}}})", R"({"x":1})", R"({"a":{"b":{"c":1}}})"},
        // Objects inside arrays are fields "within the Payload Template" too.
        TemplateCase{kDeep, R"({"list":[{"v.$":"$.x"},{"w":2}]})", R"({"x":"y"})",
                     R"({"list":[{"v":"y"},{"w":2}]})"},
        TemplateCase{kDeep, R"J({"m":[[{"deep.$":"States.Format('n={}', $.n)"}]]})J", R"({"n":7})",
                     R"({"m":[[{"deep":"n=7"}]]})"},
        TemplateCase{kDeep, R"([{"a.$":"$.x"}, 3, "lit.$"])", R"({"x":true})",
                     R"([{"a":true}, 3, "lit.$"])"},
        // Only field names end in ".$": a string element of an array is copied as it is.
        TemplateCase{kDeep, R"({"arr":["$.x", {"k":"$.x"}]})", R"({"x":1})",
                     R"({"arr":["$.x", {"k":"$.x"}]})"}));

// Intrinsic function string literals

struct LexCase {
  const char* spec;
  const char* expr;      // the expression as it stands in the JSON string value, unescaped
  const char* expected;  // JSON text of the value
};

class IntrinsicLexerConformance : public ::testing::TestWithParam<LexCase> {};

TEST_P(IntrinsicLexerConformance, Unescapes) {
  const LexCase& c = GetParam();
  auto e = Expression::Parse(c.expr);
  ASSERT_TRUE(e.ok()) << c.spec << ": " << e.status();
  const json input = json::parse(R"({"who":"Ana"})");
  auto v = e->Evaluate(EvalContext{input});
  ASSERT_TRUE(v.ok()) << c.expr << ": " << v.status();
  EXPECT_EQ(*v, json::parse(c.expected)) << c.expr << " -- " << c.spec;
}

constexpr char kReserved[] =
    "AWS, reserved characters in intrinsic functions: ' { } and \\ must be escaped using a "
    "backslash if you want them to appear in the Value";
constexpr char kFormatBraces[] =
    "States.Format: If necessary, the { and } characters can be escaped respectively as \\{ "
    "and \\}.";

INSTANTIATE_TEST_SUITE_P(
    Spec, IntrinsicLexerConformance,
    ::testing::Values(
        // An escaped backslash is one backslash, in States.Format as everywhere (unescaped once).
        LexCase{kReserved, R"(States.Format('a\\b {}', $.who))", R"("a\\b Ana")"},
        LexCase{kReserved, R"(States.Format('C:\\{}', $.who))", R"("C:\\Ana")"},
        LexCase{kReserved, R"(States.Array('a\\b'))", R"(["a\\b"])"},
        LexCase{kReserved, R"(States.Array('it\'s'))", R"(["it's"])"},
        // \{ and \} are plain braces outside a template too: no backslash is left behind.
        LexCase{kReserved, R"(States.Array('\{\}'))", R"(["{}"])"},
        LexCase{kReserved, R"(States.StringToJson('\{"a":1\}'))", R"({"a":1})"},
        LexCase{kFormatBraces, R"(States.Format('\{\} {}', $.who))", R"("{} Ana")"},
        LexCase{kFormatBraces, R"(States.Format('\{{}\}', $.who))", R"("{Ana}")"},
        // "{}" coming from a path is a placeholder: escapes belong to literals only.
        LexCase{kFormatBraces, R"(States.Format(States.Format('\{\}'), $.who))", R"("Ana")"}));

// Timestamps

constexpr char kTimestamps[] =
    "Timestamps ... MUST conform to RFC3339 profile ISO 8601, with the further restrictions "
    "that an uppercase \"T\" character MUST be used to separate date and time, and an "
    "uppercase \"Z\" character MUST be present in the absence of a numeric time zone offset";

TEST(TimestampConformance, UpperCaseTAndZOnly) {
  EXPECT_TRUE(ParseTimestamp("2016-03-14T01:59:00Z")) << kTimestamps;
  EXPECT_TRUE(ParseTimestamp("2016-03-14T01:59:00.123+02:00")) << kTimestamps;
  EXPECT_FALSE(ParseTimestamp("2016-03-14t01:59:00Z")) << kTimestamps;
  EXPECT_FALSE(ParseTimestamp("2016-03-14T01:59:00z")) << kTimestamps;
  EXPECT_FALSE(ParseTimestamp("2016-03-14 01:59:00Z")) << kTimestamps;
  EXPECT_FALSE(ParseTimestamp("2016-03-14T01:59:00")) << kTimestamps;
  EXPECT_FALSE(ParseTimestamp("2016-03-14T01:59Z")) << kTimestamps;
}

constexpr char kNotBothTimestamps[] =
    "Choice Rules (timestamp operators): a comparison whose values are not both timestamps "
    "does not match (paraphrase of: an operator comparing values of a type other than the one "
    "it names is false)";

TEST(TimestampConformance, ComparisonWithANonTimestampIsFalse) {
  std::vector<ValidationProblem> problems;
  auto eq = ChoiceRule::Compile(
      json::parse(R"({"Variable":"$.t","TimestampEquals":"2016-03-14T01:59:00Z","Next":"X"})"),
      "/r", true, problems);
  auto ge = ChoiceRule::Compile(
      json::parse(R"({"Variable":"$.t","TimestampLessThanEqualsPath":"$.u","Next":"X"})"), "/r",
      true, problems);
  ASSERT_TRUE(eq && ge && problems.empty());
  EXPECT_TRUE(eq->Matches(json::parse(R"({"t":"2016-03-14T01:59:00Z"})"), nullptr));
  EXPECT_FALSE(eq->Matches(json::parse(R"({"t":"2016-03-14t01:59:00z"})"), nullptr))
      << kNotBothTimestamps;
  EXPECT_FALSE(ge->Matches(json::parse(R"({"t":"2016-03-14T01:59:00Z","u":"tomorrow"})"), nullptr))
      << kNotBothTimestamps;
  EXPECT_FALSE(ge->Matches(json::parse(R"({"t":"2016-03-14T01:59:00Z","u":1457920740})"), nullptr))
      << kNotBothTimestamps;
  // A literal that is not a strict timestamp is refused when the definition is checked.
  problems.clear();
  EXPECT_FALSE(ChoiceRule::Compile(
      json::parse(R"({"Variable":"$.t","TimestampEquals":"2016-03-14t01:59:00z","Next":"X"})"),
      "/r", true, problems));
  EXPECT_FALSE(problems.empty()) << kTimestamps;
}

}  // namespace
}  // namespace blend::journey
