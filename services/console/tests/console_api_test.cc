#include "blend/console/console_api.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "route_dispatch.h"

namespace blend::console {
namespace {

using testing::Dispatch;

// Records what the API asked and answers canned messages.
class FakeOrchestrator final : public OrchestratorApi {
 public:
  v1::ListJourneysRequest last_list;
  v1::PauseCampaignRequest last_pause;
  v1::ResumeCampaignRequest last_resume;
  v1::ValidateCampaignRequest last_validate;
  v1::Journey journey;
  absl::Status fail = absl::OkStatus();

  absl::StatusOr<v1::ListCampaignsResponse> ListCampaigns(
      const v1::ListCampaignsRequest&) override {
    if (!fail.ok()) return fail;
    v1::ListCampaignsResponse r;
    r.add_campaigns()->set_campaign_id("c1");
    return r;
  }
  absl::StatusOr<v1::CampaignStats> GetCampaignStats(
      const v1::GetCampaignStatsRequest& req) override {
    v1::CampaignStats s;
    s.set_campaign_id(req.campaign_id());
    auto* st = s.add_states();
    st->set_state_name("Sms");
    st->set_current(0);
    st->set_entered(3);
    return s;
  }
  absl::StatusOr<v1::CampaignPause> PauseCampaign(const v1::PauseCampaignRequest& req) override {
    last_pause = req;
    v1::CampaignPause p;
    p.set_campaign_id(req.campaign_id());
    p.set_paused(true);
    return p;
  }
  absl::StatusOr<v1::CampaignPause> ResumeCampaign(const v1::ResumeCampaignRequest& req) override {
    last_resume = req;
    v1::CampaignPause p;
    p.set_campaign_id(req.campaign_id());
    return p;
  }
  absl::StatusOr<v1::Campaign> GetCampaign(const v1::GetCampaignRequest&) override {
    return absl::NotFoundError("no campaign nope");
  }
  absl::StatusOr<v1::ValidateCampaignResponse> ValidateCampaign(
      const v1::ValidateCampaignRequest& req) override {
    last_validate = req;
    v1::ValidateCampaignResponse r;
    r.add_problems()->set_pointer("/States/A/Next");
    return r;
  }
  absl::StatusOr<v1::ListJourneysResponse> ListJourneys(
      const v1::ListJourneysRequest& req) override {
    last_list = req;
    return v1::ListJourneysResponse();
  }
  absl::StatusOr<v1::Journey> GetJourney(const v1::GetJourneyRequest&) override { return journey; }
  absl::StatusOr<v1::Consent> GetConsent(const v1::GetConsentRequest& req) override {
    v1::Consent c;
    c.set_customer_id(req.customer_id());
    c.set_address("+14155550199");
    return c;
  }
  absl::StatusOr<v1::Engagement> GetEngagement(const v1::GetEngagementRequest&) override {
    return v1::Engagement();
  }
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  ConsoleApiTest()
      : auth_(OperatorAuth::FromTokens(
            {{Sha256Hex("reader"), {.name = "rita", .read = true}},
             {Sha256Hex("boss"), {.name = "olga", .read = true, .operate = true, .pii = true}}})),
        api_(orch_, *auth_, registry_),
        routes_(api_.Routes()) {}

  http::Response Call(std::string method, std::string path, std::string token,
                      std::string body = "", std::multimap<std::string, std::string> params = {}) {
    http::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body = std::move(body);
    req.params = std::move(params);
    if (!token.empty()) req.headers.emplace("authorization", "Bearer " + token);
    return Dispatch(routes_, req);
  }

  FakeOrchestrator orch_;
  prometheus::Registry registry_;
  std::unique_ptr<OperatorAuth> auth_;
  ConsoleApi api_;
  std::vector<http::Route> routes_;
};

TEST_F(ConsoleApiTest, AnswersProtobufJsonWithZeroCounts) {
  http::Response r = Call("GET", "/api/campaigns/c1/stats", "reader");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  v1::CampaignStats stats;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &stats).ok()) << r.body;
  EXPECT_EQ(stats.campaign_id(), "c1");
  EXPECT_NE(r.body.find("\"current\":\"0\""), std::string::npos) << r.body;
}

TEST_F(ConsoleApiTest, RefusesWithoutAToken) {
  EXPECT_EQ(Call("GET", "/api/campaigns", "").status, 401);
  EXPECT_EQ(Call("GET", "/api/campaigns", "forged").status, 401);
  EXPECT_EQ(Call("GET", "/api/campaigns", "reader").status, 200);
}

TEST_F(ConsoleApiTest, PauseNeedsOperateAReasonAndGoesOnTheOperatorsBehalf) {
  EXPECT_EQ(Call("POST", "/api/campaigns/c1/pause", "reader", R"({"reason":"x"})").status, 403);
  EXPECT_EQ(Call("POST", "/api/campaigns/c1/pause", "boss", R"({"reason":""})").status, 400);
  EXPECT_EQ(Call("POST", "/api/campaigns/c1/pause", "boss", "not json").status, 400);
  http::Response r = Call("POST", "/api/campaigns/c1/pause", "boss",
                          R"({"reason":"wrong template","onBehalfOf":"someone-else"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(orch_.last_pause.campaign_id(), "c1");
  EXPECT_EQ(orch_.last_pause.reason(), "wrong template");
  EXPECT_EQ(orch_.last_pause.on_behalf_of(), "olga");
  EXPECT_NE(r.body.find("\"paused\":true"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/campaigns/c1/resume", "boss", R"({"reason":"fixed"})").status, 200);
  EXPECT_EQ(orch_.last_resume.on_behalf_of(), "olga");
  EXPECT_EQ(orch_.last_resume.reason(), "fixed");
}

TEST_F(ConsoleApiTest, PersonalDataMaskedWithoutThePiiScope) {
  orch_.journey.set_journey_id("j1");
  (*orch_.journey.mutable_state()->mutable_fields())["phone"].set_string_value("+14155550199");
  EXPECT_EQ(Call("GET", "/api/journeys/j1", "reader").body.find("4155550199"), std::string::npos);
  EXPECT_NE(Call("GET", "/api/journeys/j1", "boss").body.find("+14155550199"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/customers/k1/consent", "reader").body.find("5550199"),
            std::string::npos);
}

TEST_F(ConsoleApiTest, JourneyFiltersReachTheOrchestrator) {
  http::Response r = Call("GET", "/api/journeys", "reader", "",
                          {{"campaignId", "c1"},
                           {"stateName", "Sms"},
                           {"status", "JOURNEY_STATUS_RUNNING"},
                           {"pageSize", "50"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(orch_.last_list.campaign_id(), "c1");
  EXPECT_EQ(orch_.last_list.state_name(), "Sms");
  EXPECT_EQ(orch_.last_list.status(), v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(orch_.last_list.page_size(), 50);
  EXPECT_EQ(Call("GET", "/api/journeys", "reader", "", {{"status", "bogus"}}).status, 400);
}

TEST_F(ConsoleApiTest, ErrorsCarryTheirCode) {
  http::Response r = Call("GET", "/api/campaigns/nope", "reader");
  EXPECT_EQ(r.status, 404);
  google::protobuf::Struct error;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &error).ok());
  EXPECT_EQ(error.fields().at("code").string_value(), "NOT_FOUND");
  orch_.fail = absl::UnauthenticatedError("bad token");
  EXPECT_EQ(Call("GET", "/api/campaigns", "reader").status, 502)
      << "the console's own credential failing is not the operator's";
}

TEST_F(ConsoleApiTest, LintPointsIntoTheDocument) {
  http::Response r = Call("POST", "/api/lint", "reader",
                          R"({"campaignId":"c1","definition":{"StartAt":"A","States":{}}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(orch_.last_validate.campaign().campaign_id(), "c1");
  EXPECT_NE(r.body.find("\"/definition/States/A/Next\""), std::string::npos) << r.body;
}

TEST_F(ConsoleApiTest, SessionNamesTheOperatorAndScopes) {
  http::Response r = Call("GET", "/api/session", "boss");
  EXPECT_NE(r.body.find("\"olga\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"pii\""), std::string::npos) << r.body;
}

}  // namespace
}  // namespace blend::console
