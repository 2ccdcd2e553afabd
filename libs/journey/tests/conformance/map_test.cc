// Conformance: the Map state (inline mode) of the Amazon States Language specification and
// AWS's additions (ItemSelector, ItemProcessor, tolerated failures). Each case carries the
// sentence it checks. Iterations are child runs like Parallel branches, so every test also
// round-trips the journey state through JSON after each trigger (the harness does).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../interpreter_harness.h"

namespace blend::journey {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using json = nlohmann::json;
using namespace blend::journey::testing;

std::vector<ValidationProblem> Problems(const std::string& definition) {
  std::vector<ValidationProblem> problems;
  EXPECT_FALSE(ParseCampaign(definition, "", {}, &problems).ok());
  return problems;
}

TEST(MapConformance, OneIterationPerItemResultsInOrder) {
  // Spec: "The Map State's output is an array containing one element for each element of the
  // input array, in the same order" (paraphrase); "ItemsPath ... identifying where in the
  // effective input the array field is found."
  JourneyHarness h(Campaign(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.debts",
    "ItemProcessor":{"StartAt":"Double","States":{
      "Double":{"Type":"Pass","Parameters":{"id.$":"$.id","twice.$":"States.MathAdd($.amount, $.amount)"},"End":true}}},
    "ResultPath":"$.results","End":true}}})J"));
  Finish f = FinishOf(
      h.Start(kNoon, json::parse(R"({"debts":[{"id":"a","amount":1},{"id":"b","amount":20}]})")));
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output["results"], json::parse(R"([{"id":"a","twice":2},{"id":"b","twice":40}])"));
}

TEST(MapConformance, ItemSelectorSeesTheInputAndTheContextItem) {
  // AWS: "ItemSelector ... $$.Map.Item.Index ... $$.Map.Item.Value"; the older name of
  // ItemSelector is Parameters and of ItemProcessor is Iterator.
  for (const char* names : {R"("ItemSelector")", R"("Parameters")"}) {
    std::string def = absl::StrCat(
        R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs",)J", names,
        R"J(:{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","who.$":"$.who","tags":[{"n.$":"$$.Map.Item.Index"}]},
      "Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J");
    JourneyHarness h(Campaign(def));
    Finish f = FinishOf(h.Start(kNoon, json::parse(R"({"xs":["p","q"],"who":"Ana"})")));
    EXPECT_EQ(f.output, json::parse(R"([{"i":0,"v":"p","who":"Ana","tags":[{"n":0}]},
                                        {"i":1,"v":"q","who":"Ana","tags":[{"n":1}]}])"))
        << names;
  }
}

TEST(MapConformance, EachIterationTouchIsARealTouchAndMaxConcurrencyBoundsThem) {
  // Spec: "The MaxConcurrency field's value is an integer that provides an upper bound on how
  // many invocations of the Iterator may run in parallel."
  JourneyHarness h(Campaign(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.debts",
    "MaxConcurrency":2,
    "ItemSelector":{"debt.$":"$$.Map.Item.Value"},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Sms","States":{
      "Sms":{"Type":"Task","Resource":"blend:sms","ResultSelector":{"o.$":"$.outcome"},"End":true}}},
    "ResultSelector":{"count.$":"States.ArrayLength($)","all.$":"$"},"OutputPath":"$.count","End":true}}})J"));
  auto effects = h.Start(kNoon, json::parse(R"({"debts":["d1","d2","d3"]})"));
  auto touches = Only<EmitTouch>(effects);
  ASSERT_THAT(touches, SizeIs(2)) << "MaxConcurrency 2: the third waits";
  EXPECT_EQ(touches[0].parameters, json::parse(R"({"debt":"d1"})"));
  EXPECT_EQ(touches[1].parameters, json::parse(R"({"debt":"d2"})"));
  EXPECT_NE(touches[0].touch_id, touches[1].touch_id);
  // Iteration runs are stored like Parallel branches: the parent waits on "branches".
  EXPECT_EQ(h.state().runs.size(), 3u);
  auto more = Only<EmitTouch>(h.Apply(Ok(touches[1].touch_id, {{"outcome", "SENT"}}), kNoon));
  ASSERT_THAT(more, SizeIs(1));
  EXPECT_EQ(more[0].parameters, json::parse(R"({"debt":"d3"})"));
  // A repeated disposition for a finished iteration is ignored: exactly one touch per debt.
  EXPECT_THAT(HistoryKinds(h.Apply(Ok(touches[1].touch_id, {{"outcome", "SENT"}}), kNoon)),
              ElementsAre("TriggerIgnored:"));
  EXPECT_THAT(Only<Finish>(h.Apply(Ok(touches[0].touch_id, {{"outcome", "SENT"}}), kNoon)),
              SizeIs(0));
  Finish f = FinishOf(h.Apply(Ok(more[0].touch_id, {{"outcome", "FAILED"}}), kNoon));
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output, 3);
}

TEST(MapConformance, EmptyArrayGivesAnEmptyResult) {
  JourneyHarness h(Campaign(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J"));
  EXPECT_EQ(FinishOf(h.Start(kNoon, json::array())).output, json::array());
}

TEST(MapConformance, ItemsPathNotAnArrayIsARuntimeError) {
  JourneyHarness h(Campaign(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.x",
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J"));
  Finish f = FinishOf(h.Start(kNoon, json{{"x", 1}}));
  EXPECT_EQ(f.error, "States.Runtime");
}

constexpr char kFailingIteration[] = R"J({"StartAt":"M","States":{"M":{"Type":"Map",%s
    "ItemProcessor":{"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":0,"Next":"Ok"}],"Default":"Bad"},
      "Ok":{"Type":"Pass","End":true},
      "Bad":{"Type":"Fail","Error":"Item.Bad","Cause":"not positive"}}},
    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
  "Caught":{"Type":"Pass","End":true}}})J";

std::string Failing(const std::string& extra) {
  std::string def = kFailingIteration;
  def.replace(def.find("%s"), 2, extra);
  return def;
}

TEST(MapConformance, AFailedIterationFailsTheMapAndCatchHandlesIt) {
  // Spec, Map: "If any iteration fails, ... the Map State fails" (paraphrase; Catch applies as
  // to any state that can fail).
  JourneyHarness h(Campaign(Failing(R"("ItemsPath":"$.xs",)")));
  auto effects = h.Start(kNoon, json::parse(R"({"xs":[1,-1,2]})"));
  Finish f = FinishOf(effects);
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);  // caught
  EXPECT_EQ(f.output,
            json::parse(R"({"xs":[1,-1,2],"error":{"Error":"Item.Bad","Cause":"not positive"}})"));
  EXPECT_THAT(HistoryKinds(effects), ::testing::Contains("ErrorCaught:M"));
}

TEST(MapConformance, ToleratedFailuresLetTheMapSucceed) {
  // AWS: "ToleratedFailureCount ... ToleratedFailurePercentage: the Map Run fails when the
  // failures exceed the threshold" with States.ExceedToleratedFailureThreshold.
  JourneyHarness ok(Campaign(Failing(R"("ToleratedFailureCount":1,"ItemsPath":"$.xs",)")));
  Finish f = FinishOf(ok.Start(kNoon, json::parse(R"({"xs":[1,-1,2]})")));
  EXPECT_EQ(f.status, JourneyStatus::kSucceeded);
  EXPECT_EQ(f.output, json::parse(R"([1,{"Error":"Item.Bad","Cause":"not positive"},2])"));

  JourneyHarness over(Campaign(Failing(R"("ToleratedFailurePercentage":30,"ItemsPath":"$.xs",)")));
  f = FinishOf(over.Start(kNoon, json::parse(R"({"xs":[1,-1,2]})")));
  EXPECT_EQ(f.output["error"]["Error"], "States.ExceedToleratedFailureThreshold");
}

TEST(MapConformance, RetryRunsTheWholeMapAgain) {
  JourneyHarness h(Campaign(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}},
    "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":5,"MaxAttempts":1}],"End":true}}})J"));
  auto timers = Only<SetTimer>(h.Start(kNoon, json::parse("[1]")));
  ASSERT_THAT(timers, SizeIs(1));
  EXPECT_EQ(h.state().runs.size(), 1u) << "the failed iteration's run is gone";
  Finish f = FinishOf(h.Apply(TimerFiredTrigger{timers[0].timer_id}, timers[0].at));
  EXPECT_EQ(f.error, "E");
}

TEST(MapConformance, DistributedModeAndUnknownFieldsAreRefusedNamingTheField) {
  const std::string processor =
      R"("ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})";
  for (const char* field :
       {R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject"})",
        R"("ResultWriter":{"Resource":"arn:aws:states:::s3:putObject"})",
        R"("ItemBatcher":{"MaxItemsPerBatch":10})", R"("MaxConcurrencyPath":"$.n")"}) {
    auto problems = Problems(absl::StrCat(R"({"StartAt":"M","States":{"M":{"Type":"Map",)", field,
                                          ",", processor, R"(,"End":true}}})"));
    ASSERT_EQ(problems.size(), 1u) << field;
    std::string name = std::string(field).substr(1, std::string(field).find('"', 1) - 1);
    EXPECT_EQ(problems[0].pointer, "/States/M/" + name);
  }
  auto problems = Problems(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].pointer, "/States/M/ItemProcessor/ProcessorConfig/ExecutionType");
  EXPECT_THAT(problems[1].message, HasSubstr("inline"));
  // The processor's own states are validated like any machine.
  problems = Problems(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nope"}}},"End":true}}})J");
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].pointer, "/States/M/Iterator/States/P/Next");
  EXPECT_FALSE(Problems(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true}}})").empty());
}

}  // namespace
}  // namespace blend::journey
