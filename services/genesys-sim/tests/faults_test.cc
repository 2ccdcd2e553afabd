#include "blend/genesys_sim/faults.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;
using testing::SimTest;

TEST(FaultInjectorTest, ErrorRatioFailsAnExactShareInAFixedPattern) {
  FakeClock clock;
  FaultConfig config;
  config.error_ratio = 0.25;
  FaultInjector faults(clock, config);
  std::vector<int> failed;
  for (int i = 1; i <= 100; ++i) {
    if (faults.Decide("/api/v2/x").error_status == 503) failed.push_back(i);
  }
  ASSERT_EQ(failed.size(), 25u);
  EXPECT_EQ(failed[0], 4);
  EXPECT_EQ(failed[1], 8);
  EXPECT_EQ(faults.Counts().at("error_5xx"), 25);
}

TEST(FaultInjectorTest, AdminPathsAndOtherPrefixesAreNeverFaulted) {
  FakeClock clock;
  FaultConfig config;
  config.error_ratio = 1;
  config.path_prefix = "/api/v2/conversations";
  FaultInjector faults(clock, config);
  EXPECT_EQ(faults.Decide("/sim/audit").error_status, 0);
  EXPECT_EQ(faults.Decide("/api/v2/outbound/dnclists/x").error_status, 0);
  EXPECT_EQ(faults.Decide("/api/v2/conversations/messages/agentless").error_status, 503);
}

TEST(FaultInjectorTest, MethodFilterFaultsOnlyThatMethod) {
  FakeClock clock;
  FaultConfig config;
  config.error_ratio = 1;
  config.path_prefix = "/api/v2/outbound/contactlists/";
  config.method = "DELETE";
  FaultInjector faults(clock, config);
  const std::string contact = "/api/v2/outbound/contactlists/l/contacts/c";
  EXPECT_EQ(faults.Decide(contact, "GET").error_status, 0);
  EXPECT_EQ(faults.Decide(contact, "PUT").error_status, 0);
  EXPECT_EQ(faults.Decide(contact, "DELETE").error_status, 503);
}

TEST(FaultInjectorTest, StormLastsItsDurationWithShrinkingRetryAfter) {
  FakeClock clock;
  FaultInjector faults(clock, FaultConfig{});
  FaultConfig storm;
  storm.storm_429_for = absl::Seconds(30);
  faults.Set(storm);
  EXPECT_EQ(faults.Decide("/api/v2/x").retry_after_seconds, 30);
  clock.Advance(absl::Seconds(10));
  FaultDecision d = faults.Decide("/api/v2/x");
  EXPECT_TRUE(d.storm_429);
  EXPECT_EQ(d.retry_after_seconds, 20);
  clock.Advance(absl::Seconds(20));
  EXPECT_FALSE(faults.Decide("/api/v2/x").storm_429);
}

TEST(FaultInjectorTest, LatencyRatioDelaysAnExactShare) {
  FakeClock clock;
  FaultConfig config;
  config.latency = absl::Seconds(2);
  config.latency_ratio = 0.1;
  FaultInjector faults(clock, config);
  std::vector<int> delayed;
  for (int i = 1; i <= 100; ++i) {
    FaultDecision d = faults.Decide("/api/v2/x");
    if (d.latency > absl::ZeroDuration()) {
      delayed.push_back(i);
      EXPECT_EQ(d.latency, absl::Seconds(2));
      EXPECT_EQ(d.Kinds(), "latency");
    } else {
      EXPECT_EQ(d.Kinds(), "");
    }
  }
  ASSERT_EQ(delayed.size(), 10u);
  EXPECT_EQ(delayed[0], 10);
  EXPECT_EQ(faults.Counts().at("latency"), 10);
}

TEST(FaultInjectorTest, AcceptedDropOnlyHitsRequestsThatWouldOtherwiseSucceed) {
  FakeClock clock;
  FaultConfig config;
  config.error_ratio = 0.5;
  config.accepted_drop_ratio = 0.5;
  FaultInjector faults(clock, config);
  std::vector<int> lost_answers;
  for (int i = 1; i <= 100; ++i) {
    FaultDecision d = faults.Decide("/api/v2/x");
    EXPECT_FALSE(d.drop_after_handling && d.error_status != 0) << "request " << i;
    if (d.drop_after_handling) {
      lost_answers.push_back(i);
      EXPECT_EQ(d.Kinds(), "accepted_drop");
    }
  }
  // Even requests fail with 503; every second odd one is handled and loses its answer.
  ASSERT_EQ(lost_answers.size(), 25u);
  EXPECT_EQ(lost_answers[0], 3);
  EXPECT_EQ(lost_answers[1], 7);
  EXPECT_EQ(faults.Counts().at("accepted_drop"), 25);
  EXPECT_EQ(faults.Counts().at("error_5xx"), 50);
}

class FaultApiTest : public SimTest {};

TEST_F(FaultApiTest, AcceptedDropPerformsTheRequestThenLosesTheAnswer) {
  token_ = Token();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"acceptedDropRatio": 1})").status, 200);
  json sms = {{"fromAddress", "+18005550199"},
              {"toAddress", "+13175550100"},
              {"toAddressMessengerType", "sms"},
              {"textBody", "hi blend-touch-id:t-1"}};
  HttpResponse r = Api("POST", "/api/v2/conversations/messages/agentless", sms.dump());
  EXPECT_TRUE(r.drop);
  // The SMS went out: Genesys accepted it, only the answer is lost.
  json sent = Json(Call("GET", "/sim/messages/sms"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["touchId"], "t-1");
  json audit = Json(Call("GET", "/sim/audit", "", {{"operation", "sms.send"}}));
  ASSERT_EQ(audit["entries"].size(), 1u);
  EXPECT_EQ(audit["entries"][0]["status"], 200);
  EXPECT_EQ(audit["entries"][0]["fault"], "accepted_drop");
  EXPECT_EQ(audit["entries"][0]["touchId"], "t-1");
  EXPECT_EQ(Json(Call("GET", "/sim/faults"))["injected"]["accepted_drop"], 1);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_faults_injected_total",
                                 {{"kind", "accepted_drop"}}),
            1);
}

TEST_F(FaultApiTest, ErrorRatioThroughAdminApiAnswers503WithGenesysBody) {
  token_ = Token();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"errorRatio": 0.5})").status, 200);
  int errors = 0;
  for (int i = 0; i < 10; ++i) {
    HttpResponse r = Api("GET", "/api/v2/outbound/dnclists/demo-dnc");
    if (r.status == 503) {
      ++errors;
      EXPECT_EQ(Json(r)["code"], "service.unavailable");
    }
  }
  EXPECT_EQ(errors, 5);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_faults_injected_total",
                                 {{"kind", "error_5xx"}}),
            5);
  ASSERT_EQ(Call("DELETE", "/sim/faults").status, 200);
  EXPECT_EQ(Api("GET", "/api/v2/outbound/dnclists/demo-dnc").status, 200);
}

TEST_F(FaultApiTest, StormAnswers429WithoutConsumingTheBudget) {
  token_ = Token();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"storm429For": "45s"})").status, 200);
  HttpResponse r = Api("GET", "/api/v2/outbound/dnclists/demo-dnc");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After"), "45");
  EXPECT_EQ(Json(r)["code"], "too.many.requests.retry.after");
  clock_.Advance(absl::Seconds(45));
  HttpResponse after = Api("GET", "/api/v2/outbound/dnclists/demo-dnc");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.Header("inin-ratelimit-count"), "1");
}

TEST_F(FaultApiTest, DropAndLatencyAreHandedToTheServerAndAudited) {
  token_ = Token();
  ASSERT_EQ(Call("PUT", "/sim/faults", R"({"dropRatio": 1, "latency": "250ms"})").status, 200);
  HttpResponse r = Api("POST", "/api/v2/conversations/messages/agentless", "{}");
  EXPECT_TRUE(r.drop);
  EXPECT_EQ(r.delay, absl::Milliseconds(250));
  AuditFilter f;
  f.operation = "unknown";
  ASSERT_EQ(sim_->audit().Query(f).size(), 1u);
  EXPECT_EQ(sim_->audit().Query(f)[0].status, 0);
  EXPECT_EQ(sim_->audit().Query(f)[0].fault, "latency,drop");
}

TEST_F(FaultApiTest, InvalidFaultSettingsAreRejected) {
  HttpResponse r = Call("PUT", "/sim/faults", R"({"errorRatio": 2})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Call("PUT", "/sim/faults", R"({"errorStatus": 404})").status, 400);
  EXPECT_EQ(Call("PUT", "/sim/faults", R"({"latencyRatio": -0.1})").status, 400);
  EXPECT_EQ(Call("PUT", "/sim/faults", R"({"acceptedDropRatio": 1.5})").status, 400);
}

}  // namespace
}  // namespace blend::genesys_sim
