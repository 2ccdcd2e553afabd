#include "blend/journey/expression.h"

#include <gtest/gtest.h>

namespace blend::journey {
namespace {

using json = nlohmann::json;

const json kInput = json::parse(
    R"({"name":"Ana","n":3,"f":1.5,"csv":"a,b;;c","obj":{"k":[1,2]},"s":"{\"x\":1}","t":true})");
const json kContext = json::parse(
    R"({"Execution":{"Id":"j-1","StartTime":"2026-11-26T18:00:00Z"},"State":{"Name":"S","RetryCount":2}})");

struct EvalCase {
  std::string expr;
  std::string expected;  // JSON text of the value
};

class ExpressionEvalTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(ExpressionEvalTest, Evaluates) {
  auto e = Expression::Parse(GetParam().expr);
  ASSERT_TRUE(e.ok()) << e.status();
  std::function<std::string()> uuid = [] {
    return std::string("00000000-0000-4000-8000-000000000001");
  };
  auto v = e->Evaluate(EvalContext{kInput, &kContext, &uuid});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, json::parse(GetParam().expected)) << GetParam().expr;
}

INSTANTIATE_TEST_SUITE_P(
    All, ExpressionEvalTest,
    ::testing::Values(
        EvalCase{"$.name", R"("Ana")"}, EvalCase{"$", kInput.dump()}, EvalCase{"$.obj.k[1]", "2"},
        EvalCase{"$$.Execution.Id", R"("j-1")"}, EvalCase{"$$.State.RetryCount", "2"},
        EvalCase{"$$.State.Name", R"("S")"},
        EvalCase{"$$.Execution.StartTime", R"("2026-11-26T18:00:00Z")"},
        EvalCase{"States.Format('Hello {}', $.name)", R"("Hello Ana")"},
        EvalCase{"States.Format('{} has {} items', $.name, $.n)", R"("Ana has 3 items")"},
        EvalCase{"States.Format('flag={}', $.t)", R"("flag=true")"},
        EvalCase{"States.Format('brace \\{\\} {}', 'x')", R"("brace {} x")"},
        EvalCase{"States.Format('it\\'s {}', $$.State.Name)", R"("it's S")"},
        EvalCase{"States.Format('no placeholders')", R"("no placeholders")"},
        EvalCase{"States.StringToJson($.s)", R"({"x":1})"},
        EvalCase{"States.StringToJson('[1,2]')", "[1,2]"},
        EvalCase{"States.JsonToString($.obj)", R"("{\"k\":[1,2]}")"},
        EvalCase{"States.JsonToString($.n)", R"("3")"},
        EvalCase{"States.Array(1, 'two', $.n)", R"([1,"two",3])"}, EvalCase{"States.Array()", "[]"},
        EvalCase{"States.Array(true, false, null)", "[true,false,null]"},
        EvalCase{"States.MathAdd($.n, 4)", "7"}, EvalCase{"States.MathAdd($.n, -10)", "-7"},
        EvalCase{"States.MathAdd($.f, 1)", "2.5"},
        EvalCase{"States.StringSplit($.csv, ',;')", R"(["a","b","c"])"},
        EvalCase{"States.StringSplit('a b', ' ')", R"(["a","b"])"},
        EvalCase{"States.StringSplit('', ',')", "[]"},
        EvalCase{"States.UUID()", R"("00000000-0000-4000-8000-000000000001")"},
        EvalCase{"States.Array(States.MathAdd(1, 2), States.Format('{}', 'x'))", R"([3,"x"])"},
        EvalCase{"States.JsonToString(States.StringSplit('a,b', ','))", R"("[\"a\",\"b\"]")"},
        EvalCase{"States.Format('{}', States.UUID())",
                 R"("00000000-0000-4000-8000-000000000001")"}));

class ExpressionParseErrorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExpressionParseErrorTest, Rejects) {
  EXPECT_FALSE(Expression::Parse(GetParam()).ok()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(All, ExpressionParseErrorTest,
                         ::testing::Values("", "name", "States.Nope(1)", "States.Format(",
                                           "States.Format('x'", "States.Format('unterminated)",
                                           "States.UUID(1)", "States.MathAdd(1)",
                                           "States.StringToJson('a', 'b')", "States.Array(1 2)",
                                           "$.a[*]", "States.Format('x') trailing",
                                           "States.Array(bogus)", "'literal'",
                                           "States.JsonToString()", "States.StringSplit('a')"));

class ExpressionRuntimeErrorTest
    : public ::testing::TestWithParam<std::pair<std::string, absl::StatusCode>> {};

TEST_P(ExpressionRuntimeErrorTest, FailsWithCode) {
  auto e = Expression::Parse(GetParam().first);
  ASSERT_TRUE(e.ok()) << e.status();
  auto v = e->Evaluate(EvalContext{kInput, &kContext, nullptr});
  ASSERT_FALSE(v.ok()) << GetParam().first;
  EXPECT_EQ(v.status().code(), GetParam().second) << v.status();
}

INSTANTIATE_TEST_SUITE_P(
    All, ExpressionRuntimeErrorTest,
    ::testing::Values(
        std::make_pair("$.missing", absl::StatusCode::kNotFound),
        std::make_pair("States.Format('{} {}', $.name)", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.Format('{}', $.name, $.n)", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.Format('{}', $.obj)", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.StringToJson('not json')", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.StringToJson($.n)", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.MathAdd($.name, 1)", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.StringSplit($.n, ',')", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.UUID()", absl::StatusCode::kInvalidArgument),
        std::make_pair("States.Format('{}', $.nothere)", absl::StatusCode::kNotFound)));

TEST(ExpressionTest, ContextUseIsDetected) {
  EXPECT_TRUE(Expression::Parse("$$.State.Name")->uses_context());
  EXPECT_TRUE(Expression::Parse("States.Format('{}', $$.Execution.Id)")->uses_context());
  EXPECT_FALSE(Expression::Parse("States.Format('{}', $.x)")->uses_context());
}

TEST(ExpressionTest, ContextPathWithoutContextFails) {
  auto e = Expression::Parse("$$.Execution.Id");
  auto v = e->Evaluate(EvalContext{kInput, nullptr, nullptr});
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
}

// Objects inside arrays are templates too (the specification: "however deeply nested").
TEST(PayloadTemplateTest, EvaluatesDynamicAndStaticFieldsRecursively) {
  std::vector<ValidationProblem> problems;
  json tmpl = json::parse(R"J({"to.$":"$.name","static":[1,{"a.$":"$.name"}],
      "nested":{"count.$":"States.MathAdd($.n, 1)","plain":"x"},"exec.$":"$$.Execution.Id"})J");
  PayloadTemplate t = PayloadTemplate::Compile(tmpl, "/Parameters", problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_TRUE(t.uses_context());
  auto v = t.Evaluate(EvalContext{kInput, &kContext, nullptr});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, json::parse(R"({"to":"Ana","static":[1,{"a":"Ana"}],
      "nested":{"count":4,"plain":"x"},"exec":"j-1"})"));
}

TEST(PayloadTemplateTest, ReportsEveryBadFieldWithItsPointer) {
  std::vector<ValidationProblem> problems;
  json tmpl = json::parse(R"J({"a.$":5,"b.$":"$..x","n":{"c/d.$":"States.Nope()"}})J");
  PayloadTemplate::Compile(tmpl, "/States/S/Parameters", problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].pointer, "/States/S/Parameters/a.$");
  EXPECT_EQ(problems[1].pointer, "/States/S/Parameters/b.$");
  EXPECT_EQ(problems[2].pointer, "/States/S/Parameters/n/c~1d.$");
}

TEST(PayloadTemplateTest, NonObjectTemplateIsStatic) {
  std::vector<ValidationProblem> problems;
  PayloadTemplate t = PayloadTemplate::Compile(json("plain"), "/p", problems);
  EXPECT_EQ(*t.Evaluate(EvalContext{kInput}), json("plain"));
}

}  // namespace
}  // namespace blend::journey
