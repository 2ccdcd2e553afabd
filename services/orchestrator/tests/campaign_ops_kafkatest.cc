// CampaignService and the ListJourneys filters on the real PostgreSQL and Kafka: pausing a
// campaign holds its touches (none reaches the touch topic, a queued one is DEFERRED at the
// claim), timers keep running, resuming emits them again; the statistics equal counts taken
// straight from the database; the filters return the right journeys; the scope of each token.

#include <set>

#include "blend/orchestrator/auth.h"
#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/v1/campaign_service.grpc.pb.h"

namespace blend::orchestrator::testing {
namespace {

using blend::v1::ClaimTouchResponse;

class CampaignOpsTest : public OrchestratorTest {
 protected:
  Orchestrator& Boot(OrchestratorConfig cfg) {
    Orchestrator& o = StartOrchestrator(std::move(cfg));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", o.grpc_port()),
                                   grpc::InsecureChannelCredentials());
    campaigns_ = blend::v1::CampaignService::NewStub(channel_);
    return o;
  }
  Orchestrator& Boot() { return Boot(Config()); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  grpc::Status Pause(const std::string& id, const std::string& reason, const std::string& behalf,
                     blend::v1::CampaignPause* out = nullptr, const std::string& token = "") {
    blend::v1::PauseCampaignRequest req;
    req.set_campaign_id(id);
    req.set_reason(reason);
    req.set_on_behalf_of(behalf);
    blend::v1::CampaignPause p;
    grpc::Status s = campaigns_->PauseCampaign(Ctx(token).get(), req, &p);
    if (out) *out = p;
    return s;
  }

  grpc::Status Resume(const std::string& id, const std::string& reason, const std::string& behalf,
                      blend::v1::CampaignPause* out = nullptr, const std::string& token = "") {
    blend::v1::ResumeCampaignRequest req;
    req.set_campaign_id(id);
    req.set_reason(reason);
    req.set_on_behalf_of(behalf);
    blend::v1::CampaignPause p;
    grpc::Status s = campaigns_->ResumeCampaign(Ctx(token).get(), req, &p);
    if (out) *out = p;
    return s;
  }

  blend::v1::CampaignStats Stats(const std::string& id, int version = 0) {
    blend::v1::GetCampaignStatsRequest req;
    req.set_campaign_id(id);
    req.set_version(version);
    blend::v1::CampaignStats s;
    grpc::Status st = campaigns_->GetCampaignStats(Ctx().get(), req, &s);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return s;
  }

  std::set<std::string> List(blend::v1::ListJourneysRequest req, grpc::Status* status = nullptr) {
    std::set<std::string> ids;
    blend::v1::ListJourneysResponse resp;
    grpc::Status s = journeys_->ListJourneys(Ctx().get(), req, &resp);
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& j : resp.journeys()) ids.insert(j.journey_id());
    return ids;
  }

  void Cancel(const std::string& id) {
    blend::v1::CancelJourneyRequest req;
    req.set_journey_id(id);
    req.set_reason("test");
    blend::v1::Journey j;
    grpc::Status s = journeys_->CancelJourney(Ctx().get(), req, &j);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The touch of `journey` on the bus, claimed and reported with `outcome`.
  void ClaimAndReport(const blend::v1::TouchCommand& touch, blend::v1::TouchOutcome outcome) {
    ASSERT_EQ(Claim(touch.touch_id()).decision(), ClaimTouchResponse::DECISION_GRANTED);
    PublishDisposition(touch, outcome, "d-" + touch.touch_id());
  }

  std::string State(const std::string& journey) { return GetJourney(journey).current_state(); }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<blend::v1::CampaignService::Stub> campaigns_;
};

std::map<std::string, blend::v1::TouchCommand> ByJourney(
    const std::vector<blend::v1::TouchCommand>& touches) {
  std::map<std::string, blend::v1::TouchCommand> out;
  for (const auto& t : touches) out[t.journey_id()] = t;
  return out;
}

TEST_F(CampaignOpsTest, PauseHoldsTouchesTimersRunAndResumeEmitsThemAgain) {
  Boot();
  PutSeedCampaign("camp-p");
  PutSeedCampaign("camp-q");
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  // W will wait on its 24 h timer through the pause; A's touch is on Kafka when the pause comes.
  const std::string w = Start(StartRequest("camp-p", "k-w", "cust-w"));
  const std::string a = Start(StartRequest("camp-p", "k-a", "cust-a"));
  auto first = ByJourney(ReadTouches(sms, 2));
  ASSERT_EQ(first.size(), 2u);
  ClaimAndReport(first[w], blend::v1::TOUCH_OUTCOME_SENT);
  ASSERT_TRUE(WaitUntil([&] { return State(w) == "WaitForPaymentOrTimeout"; }));

  blend::v1::CampaignPause pause;
  ASSERT_TRUE(Pause("camp-p", "complaints about the texts", "alice", &pause).ok());
  EXPECT_TRUE(pause.paused());
  EXPECT_EQ(pause.changed_by(), "anonymous on behalf of alice");
  EXPECT_EQ(pause.reason(), "complaints about the texts");
  EXPECT_EQ(MetricValue("blend_campaign_paused", {{"campaign", "camp-p"}}), 1);

  // The queued touch: DEFERRED at the claim, with the pause as the reason.
  ClaimTouchResponse held = Claim(first[a].touch_id());
  EXPECT_EQ(held.decision(), ClaimTouchResponse::DECISION_DEFERRED);
  EXPECT_EQ(held.reason(), "campaign paused");
  // A journey started now: its touch is held, no outbox row is written for it.
  const std::string b = Start(StartRequest("camp-p", "k-b", "cust-b"));
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE journey_id = '" + b +
                  "' AND status = 'deferred' AND reason = 'campaign paused'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE msg_key = '" + b + "'"), 0);
  EXPECT_EQ(State(b), "SendInitialSMS");
  // Timers keep running: W's wait ends and it waits at its voice Task, whose touch is held.
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return State(w) == "InjectToVoiceDialer"; })) << State(w);
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE journey_id = '" + w +
                  "' AND channel = 2 AND status = 'deferred' AND reason = 'campaign paused'"),
            1);
  // Another campaign's touch goes out meanwhile; nothing of the paused one came with it.
  const std::string c = Start(StartRequest("camp-q", "k-c", "cust-c"));
  auto during = ReadTouches(sms, 1);
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(during[0].journey_id(), c);
  EXPECT_TRUE(ReadTouches(sms, 1, absl::Seconds(2)).empty());
  EXPECT_TRUE(ReadTouches(voice, 1, absl::Seconds(1)).empty());

  // Idempotent: a second pause keeps the first one's record.
  blend::v1::CampaignPause again;
  ASSERT_TRUE(Pause("camp-p", "another reason", "carol", &again).ok());
  EXPECT_EQ(again.reason(), "complaints about the texts");
  EXPECT_EQ(again.changed_by(), "anonymous on behalf of alice");
  EXPECT_EQ(again.changed_at().seconds(), pause.changed_at().seconds());
  // A reason is required; an unknown campaign is NOT_FOUND.
  EXPECT_EQ(Pause("camp-p", "", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Resume("camp-p", " ", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Pause("no-such-campaign", "why", "").error_code(), grpc::StatusCode::NOT_FOUND);

  // Resume: the deferred and the held touches are emitted again, same ids, and granted.
  blend::v1::CampaignPause resumed;
  ASSERT_TRUE(Resume("camp-p", "template fixed", "bob", &resumed).ok());
  EXPECT_FALSE(resumed.paused());
  EXPECT_EQ(resumed.changed_by(), "anonymous on behalf of bob");
  auto after = ByJourney(ReadTouches(sms, 2));
  ASSERT_EQ(after.size(), 2u);
  ASSERT_TRUE(after.contains(a) && after.contains(b));
  EXPECT_EQ(after[a].touch_id(), first[a].touch_id());
  EXPECT_EQ(after[a].attempt(), 2) << "the deferral's next attempt, like any deferral";
  EXPECT_EQ(after[b].attempt(), 1) << "never emitted before";
  for (const auto& [j, t] : after) {
    EXPECT_EQ(Claim(t.touch_id()).decision(), ClaimTouchResponse::DECISION_GRANTED) << j;
  }
  auto calls = ReadTouches(voice, 1);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].journey_id(), w);
  EXPECT_EQ(Claim(calls[0].touch_id()).decision(), ClaimTouchResponse::DECISION_GRANTED);
  EXPECT_EQ(MetricValue("blend_campaign_paused", {{"campaign", "camp-p"}}), 0);
  EXPECT_EQ(MetricValue("blend_campaign_touches_released_total"), 3);
  EXPECT_EQ(MetricValue("blend_campaign_pause_changes_total", {{"action", "pause"}}), 1);

  // Recorded with who and why, in order.
  pqxx::connection conn(db_->url());
  pqxx::nontransaction tx(conn);
  pqxx::result log = tx.exec(
      "SELECT action, changed_by, reason FROM campaign_pause_log WHERE campaign_id = 'camp-p' "
      "ORDER BY id");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0][0].as<std::string>(), "pause");
  EXPECT_EQ(log[0][1].as<std::string>(), "anonymous on behalf of alice");
  EXPECT_EQ(log[0][2].as<std::string>(), "complaints about the texts");
  EXPECT_EQ(log[1][0].as<std::string>(), "resume");
  EXPECT_EQ(log[1][1].as<std::string>(), "anonymous on behalf of bob");
  EXPECT_EQ(log[1][2].as<std::string>(), "template fixed");
  blend::v1::CampaignPause shown = Stats("camp-p").pause();
  EXPECT_FALSE(shown.paused());
  EXPECT_EQ(shown.reason(), "template fixed");
  // A second resume changes nothing and releases nothing more.
  ASSERT_TRUE(Resume("camp-p", "again", "").ok());
  EXPECT_TRUE(ReadTouches(sms, 1, absl::Seconds(1)).empty());
}

TEST_F(CampaignOpsTest, StatisticsEqualCountsTakenFromTheDatabase) {
  Boot();
  PutSeedCampaign("camp-s");
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  std::vector<std::string> j;
  for (int i = 0; i < 5; ++i) {
    j.push_back(Start(StartRequest("camp-s", absl::StrCat("k", i), absl::StrCat("cust-s", i))));
  }
  auto touches = ByJourney(ReadTouches(sms, 5));
  ASSERT_EQ(touches.size(), 5u);
  ClaimAndReport(touches[j[0]], blend::v1::TOUCH_OUTCOME_SENT);    // waits
  ClaimAndReport(touches[j[1]], blend::v1::TOUCH_OUTCOME_SENT);    // then pays
  Cancel(j[2]);                                                    // touch cancelled
  ClaimAndReport(touches[j[3]], blend::v1::TOUCH_OUTCOME_FAILED);  // journey fails
  // j[4]: its touch is still pending.
  ASSERT_TRUE(WaitUntil([&] { return State(j[1]) == "WaitForPaymentOrTimeout"; }));
  EXPECT_EQ(SendEvent("cust-s1", "payment.received", "pay-1").journeys_matched(), 1);
  ASSERT_TRUE(WaitUntil([&] {
    return State(j[0]) == "WaitForPaymentOrTimeout" &&
           GetJourney(j[3]).status() == blend::v1::JOURNEY_STATUS_FAILED;
  }));

  blend::v1::CampaignStats s = Stats("camp-s");
  EXPECT_EQ(s.campaign_id(), "camp-s");
  EXPECT_EQ(s.version(), 1);
  const std::string of_campaign =
      "journey_id IN (SELECT journey_id FROM journeys WHERE "
      "campaign_id = 'camp-s')";
  ASSERT_EQ(s.states_size(), 7);  // every state of the seed definition
  for (const auto& st : s.states()) {
    SCOPED_TRACE(st.state_name());
    EXPECT_EQ(st.current(), Count("SELECT count(*) FROM journeys WHERE campaign_id = 'camp-s' "
                                  "AND status = 1 AND current_state = '" +
                                  st.state_name() + "'"));
    EXPECT_EQ(st.entered(),
              Count("SELECT count(DISTINCT journey_id) FROM journey_history WHERE kind = "
                    "'StateEntered' AND state_name = '" +
                    st.state_name() + "' AND " + of_campaign));
  }
  EXPECT_EQ(s.states(0).state_name(), "SendInitialSMS");
  EXPECT_EQ(s.states(0).entered(), 5);
  EXPECT_EQ(s.states(0).current(), 1);  // j[4]
  for (const auto& st : s.statuses()) {
    EXPECT_EQ(st.journeys(), Count(absl::StrCat("SELECT count(*) FROM journeys WHERE campaign_id "
                                                "= 'camp-s' AND status = ",
                                                st.status())))
        << st.status();
  }
  std::map<std::pair<int, int>, int64_t> by;
  int64_t total = 0;
  for (const auto& t : s.touches()) {
    by[{t.channel(), t.outcome()}] = t.touches();
    total += t.touches();
  }
  EXPECT_EQ(total, Count("SELECT count(*) FROM touches WHERE " + of_campaign));
  EXPECT_EQ((by[{blend::v1::CHANNEL_SMS, blend::v1::TOUCH_OUTCOME_SENT}]), 2);
  EXPECT_EQ((by[{blend::v1::CHANNEL_SMS, blend::v1::TOUCH_OUTCOME_FAILED}]), 1);
  EXPECT_EQ((by[{blend::v1::CHANNEL_SMS, blend::v1::TOUCH_OUTCOME_SKIPPED}]), 1);
  EXPECT_EQ((by[{blend::v1::CHANNEL_SMS, blend::v1::TOUCH_OUTCOME_UNSPECIFIED}]), 1);
  EXPECT_EQ(s.conversions(), Count("SELECT count(DISTINCT journey_id) FROM journey_history "
                                   "WHERE kind = 'ExitEventReceived' AND " +
                                   of_campaign));
  EXPECT_EQ(s.conversions(), 1);
  EXPECT_FALSE(s.pause().paused());
  EXPECT_FALSE(s.pause().has_changed_at()) << "never paused";

  blend::v1::ListCampaignsResponse list;
  ASSERT_TRUE(campaigns_->ListCampaigns(Ctx().get(), {}, &list).ok());
  ASSERT_EQ(list.campaigns_size(), 1);
  const auto& summary = list.campaigns(0);
  EXPECT_EQ(summary.campaign_id(), "camp-s");
  EXPECT_EQ(summary.latest_version(), 1);
  EXPECT_EQ(summary.journeys_running(), 2);
  EXPECT_EQ(summary.journeys_finished(), 3);
  EXPECT_EQ(summary.conversions(), 1);
  int64_t today = 0;
  for (const auto& t : summary.touches_today()) today += t.touches();
  EXPECT_EQ(today, 5);
  // Asking for an unknown version is NOT_FOUND.
  blend::v1::GetCampaignStatsRequest bad;
  bad.set_campaign_id("camp-s");
  bad.set_version(9);
  blend::v1::CampaignStats none;
  EXPECT_EQ(campaigns_->GetCampaignStats(Ctx().get(), bad, &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(CampaignOpsTest, ListJourneysFiltersByCampaignVersionStateAndStatusWithPaging) {
  Boot();
  PutSeedCampaign("camp-l");
  std::vector<std::string> l;
  for (int i = 0; i < 3; ++i) {
    l.push_back(Start(StartRequest("camp-l", absl::StrCat("l", i),
                                   i == 0 ? "shared" : absl::StrCat("cust-l", i))));
  }
  PutSeedCampaign("camp-l");  // version 2
  for (int i = 3; i < 5; ++i) {
    l.push_back(Start(StartRequest("camp-l", absl::StrCat("l", i), "cust-l")));
  }
  PutSeedCampaign("camp-m");
  const std::string m = Start(StartRequest("camp-m", "m0", "shared"));
  Cancel(l[1]);

  blend::v1::ListJourneysRequest req;
  req.set_campaign_id("camp-l");
  EXPECT_EQ(List(req), std::set<std::string>(l.begin(), l.end()));
  req.set_campaign_version(2);
  EXPECT_EQ(List(req), (std::set<std::string>{l[3], l[4]}));
  req.set_campaign_version(0);
  req.set_status(blend::v1::JOURNEY_STATUS_CANCELLED);
  EXPECT_EQ(List(req), (std::set<std::string>{l[1]}));
  req.set_status(blend::v1::JOURNEY_STATUS_RUNNING);
  req.set_state_name("SendInitialSMS");
  EXPECT_EQ(List(req), (std::set<std::string>{l[0], l[2], l[3], l[4]}));
  req.set_state_name("WaitForPaymentOrTimeout");
  EXPECT_TRUE(List(req).empty());

  blend::v1::ListJourneysRequest by_customer;
  by_customer.set_customer_id("shared");
  EXPECT_EQ(List(by_customer), (std::set<std::string>{l[0], m}));
  by_customer.set_campaign_id("camp-m");
  EXPECT_EQ(List(by_customer), (std::set<std::string>{m}));

  // Paging: every journey once, in pages of two.
  blend::v1::ListJourneysRequest page;
  page.set_campaign_id("camp-l");
  page.set_page_size(2);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    blend::v1::ListJourneysResponse resp;
    ASSERT_TRUE(journeys_->ListJourneys(Ctx().get(), page, &resp).ok());
    for (const auto& j : resp.journeys()) seen.push_back(j.journey_id());
    if (resp.next_page_token().empty()) break;
    page.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
            std::set<std::string>(l.begin(), l.end()));

  grpc::Status status;
  List(blend::v1::ListJourneysRequest(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CampaignOpsTest, EachTokenSeesAndPausesOnlyItsCampaigns) {
  OrchestratorConfig cfg = Config();
  cfg.auth.inline_tokens =
      Secret("crm:" + Sha256Hex("crm-token") + ":*;eu:" + Sha256Hex("eu-token") +
             ":dunning-eu;workers:" + Sha256Hex("worker-token") + ":service");
  Boot(cfg);
  for (const char* id : {"dunning-eu", "dunning-us"}) {
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign(id);
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_->PutCampaign(Ctx("crm-token").get(), req, &resp).ok());
  }
  auto list = [&](const std::string& token, grpc::Status* s) {
    blend::v1::ListCampaignsResponse resp;
    *s = campaigns_->ListCampaigns(Ctx(token).get(), {}, &resp);
    std::vector<std::string> ids;
    for (const auto& c : resp.campaigns()) ids.push_back(c.campaign_id());
    return ids;
  };
  grpc::Status s;
  EXPECT_EQ(list("crm-token", &s), (std::vector<std::string>{"dunning-eu", "dunning-us"}));
  EXPECT_EQ(list("eu-token", &s), (std::vector<std::string>{"dunning-eu"}));
  list("worker-token", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  list("", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_EQ(Pause("dunning-us", "why", "", nullptr, "eu-token").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Pause("dunning-eu", "why", "", nullptr, "worker-token").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  blend::v1::CampaignPause p;
  ASSERT_TRUE(Pause("dunning-eu", "audit", "", &p, "eu-token").ok());
  EXPECT_EQ(p.changed_by(), "eu");
  EXPECT_EQ(Resume("dunning-us", "why", "", nullptr, "eu-token").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  blend::v1::GetCampaignStatsRequest stats;
  stats.set_campaign_id("dunning-us");
  blend::v1::CampaignStats out;
  EXPECT_EQ(campaigns_->GetCampaignStats(Ctx("eu-token").get(), stats, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  blend::v1::ListJourneysRequest journeys;
  journeys.set_campaign_id("dunning-us");
  blend::v1::ListJourneysResponse resp;
  EXPECT_EQ(journeys_->ListJourneys(Ctx("eu-token").get(), journeys, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  journeys.set_campaign_id("dunning-eu");
  EXPECT_TRUE(journeys_->ListJourneys(Ctx("eu-token").get(), journeys, &resp).ok());
}

}  // namespace
}  // namespace blend::orchestrator::testing
