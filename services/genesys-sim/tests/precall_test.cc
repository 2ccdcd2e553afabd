// The pre-call rule against a tiny rule service on loopback: what the simulator sends just
// before a dial, and how the answer (or its absence) decides the dial.

#include "blend/genesys_sim/precall.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/escaping.h"
#include "absl/synchronization/notification.h"
#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

// Answers POST /rules/precall with `status` and `body`, recording each request; with
// `hold` set, waits (at most 5 s) until the test releases it.
class RuleService {
 public:
  RuleService() {
    server_.Post("/rules/precall", [this](const httplib::Request& req, httplib::Response& res) {
      bool hold;
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back(req);
        hold = hold_;
        res.status = status_;
        res.set_content(body_, "application/json");
      }
      if (hold) release_.WaitForNotificationWithTimeout(absl::Seconds(5));
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost and the loop would never end.
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~RuleService() {
    Release();
    server_.stop();
    thread_.join();
  }
  void Answer(int status, std::string body) {
    absl::MutexLock lock(&mu_);
    status_ = status;
    body_ = std::move(body);
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  std::vector<httplib::Request> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/rules/precall"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<httplib::Request> requests_;
  int status_ = 200;
  std::string body_ = R"({"skip": false})";
  bool hold_ = false;
  absl::Notification release_;
};

class PreCallTest : public testing::SimTest {
 protected:
  void SetUp() override {
    BuildWith([](PreCallConfig&) {});
  }
  template <typename F>
  void BuildWith(F change) {
    SimConfig config = DemoConfig();
    config.webhooks.post_contact_urls = {"http://127.0.0.1:9/events"};
    config.precall.url = rules_.url();
    config.precall.user = "blend";
    config.precall.password = Secret("s3cret");
    change(config.precall);
    Build(config);
    token_.clear();
  }
  std::string Insert(const std::string& touch_id, const std::string& phone = "+13175550104") {
    HttpResponse r = AddContact(phone, /*priority=*/true, touch_id);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r)[0]["id"];
  }
  std::vector<CallOutcome> DialAll() {
    clock_.Advance(absl::Seconds(5));
    sim_->Tick();
    return sim_->RecentCalls();
  }
  std::vector<AuditEntry> Evaluations() {
    AuditFilter f;
    f.operation = "precall.evaluate";
    return sim_->audit().Query(f);
  }

  RuleService rules_;
};

TEST_F(PreCallTest, SkipAnswerMeansNoCallWithTheRuleSkippedWrapup) {
  rules_.Answer(200, R"({"skip": true})");
  std::string id = Insert("j-1/Call/1");
  auto calls = DialAll();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, kRuleSkippedWrapup);
  EXPECT_TRUE(calls[0].conversation_id.empty());
  json event = json::parse(sender_->posts().at(0).body)["detail"]["eventBody"];
  EXPECT_EQ(event["wrapupCode"], "ININ-OUTBOUND-RULE-SKIPPED");
  EXPECT_FALSE(event.contains("conversationId"));
  json contact = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id));
  EXPECT_EQ(contact["callRecords"]["phone"]["lastResult"], "ININ-OUTBOUND-RULE-SKIPPED");

  // What a web-services data action with Basic Auth credentials sends.
  auto requests = rules_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].get_header_value("Authorization"),
            "Basic " + absl::Base64Escape("blend:s3cret"));
  EXPECT_EQ(requests[0].get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(requests[0].body),
            json({{"phone", "+13175550104"}, {"touchId", "j-1/Call/1"}, {"contactId", id}}));

  auto audit = Evaluations();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].outcome, "skip");
  EXPECT_EQ(audit[0].status, 200);
  EXPECT_EQ(audit[0].touch_id, "j-1/Call/1");
  EXPECT_EQ(audit[0].contact_id, id);
  EXPECT_EQ(audit[0].path, "/rules/precall");
  EXPECT_EQ(audit[0].time, clock_.Now());
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_precall_evaluations_total",
                                 {{"outcome", "skip"}}),
            1);
}

TEST_F(PreCallTest, DialAnswerDialsAsUsual) {
  rules_.Answer(200, R"({"skip": "false", "reason": "still owed"})");
  Insert("j-2/Call/1");
  auto calls = DialAll();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_FALSE(calls[0].conversation_id.empty());
  ASSERT_EQ(Evaluations().size(), 1u);
  EXPECT_EQ(Evaluations()[0].outcome, "dial");
}

TEST_F(PreCallTest, FailedEvaluationSkipsByDefault) {
  rules_.Answer(500, R"({"message": "boom"})");
  Insert("j-3/Call/1");
  auto calls = DialAll();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, kRuleErrorSkippedWrapup);
  EXPECT_TRUE(calls[0].conversation_id.empty());
  ASSERT_EQ(Evaluations().size(), 1u);
  EXPECT_EQ(Evaluations()[0].outcome, "error-skip");
  EXPECT_EQ(Evaluations()[0].status, 500);
}

TEST_F(PreCallTest, FailedEvaluationDialsWhenTheDefaultIsAllow) {
  BuildWith([](PreCallConfig& c) { c.skip_on_error = false; });
  rules_.Answer(200, R"({"verdict": "maybe"})");  // no usable `skip`
  Insert("j-4/Call/1");
  auto calls = DialAll();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, "ININ-OUTBOUND-NO-ANSWER");
  ASSERT_EQ(Evaluations().size(), 1u);
  EXPECT_EQ(Evaluations()[0].outcome, "error-dial");
}

TEST_F(PreCallTest, TimeoutFollowsTheDefault) {
  BuildWith([](PreCallConfig& c) { c.timeout = absl::Milliseconds(200); });
  rules_.Hold();
  Insert("j-5/Call/1");
  auto calls = DialAll();
  rules_.Release();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].wrapup_code, kRuleErrorSkippedWrapup);
  ASSERT_EQ(Evaluations().size(), 1u);
  EXPECT_EQ(Evaluations()[0].outcome, "error-skip");
  EXPECT_EQ(Evaluations()[0].status, 0);  // no answer
}

TEST_F(PreCallTest, NoCredentialsNoAuthorizationHeader) {
  BuildWith([](PreCallConfig& c) { c.user.clear(); });
  Insert("j-6/Call/1");
  DialAll();
  ASSERT_EQ(rules_.requests().size(), 1u);
  EXPECT_FALSE(rules_.requests()[0].has_header("Authorization"));
}

TEST_F(PreCallTest, ContactsThatCannotBeDialledAnywayAreNotEvaluated) {
  ASSERT_EQ(
      Api("POST", "/api/v2/outbound/dnclists/demo-dnc/phonenumbers", R"(["+13175550100"])").status,
      200);
  Insert("j-7/Call/1", "+13175550100");  // on the DNC list
  std::string id = Insert("j-8/Call/1");
  json contact = Json(Api("GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id));
  contact["callable"] = false;
  ASSERT_EQ(Api("PUT", "/api/v2/outbound/contactlists/demo-contacts/contacts/" + id, contact.dump())
                .status,
            200);
  auto calls = DialAll();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(rules_.requests().empty());
  EXPECT_TRUE(Evaluations().empty());
}

// A PreCallTransport that lets the test act while the simulator waits for the rule.
class ScriptedTransport final : public PreCallTransport {
 public:
  explicit ScriptedTransport(std::function<void()> during) : during_(std::move(during)) {}
  absl::StatusOr<PreCallReply> Post(const std::string&, const std::string&, const HeaderList&,
                                    absl::Duration) override {
    during_();
    return PreCallReply{200, R"({"skip": false})"};
  }

 private:
  std::function<void()> during_;
};

class PreCallRaceTest : public testing::SimTest {
 protected:
  void BuildScripted(std::function<void()> during) {
    SimConfig config = DemoConfig();
    config.precall.url = "http://127.0.0.1:9/rules";
    auto sender = std::make_unique<testing::RecordingSender>();
    sender_ = sender.get();
    auto sim = GenesysSim::Create(config, clock_, registry_, std::move(sender),
                                  std::make_unique<ScriptedTransport>(std::move(during)));
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = std::move(*sim);
  }
};

TEST_F(PreCallRaceTest, ContactWithdrawnWhileTheRuleIsAskedIsNotDialled) {
  std::string deleted, uncallable;
  const std::string base = "/api/v2/outbound/contactlists/demo-contacts/contacts/";
  BuildScripted([&] {
    // The API keeps serving while the rule is evaluated (no lock is held meanwhile).
    if (!deleted.empty()) {
      EXPECT_EQ(Api("DELETE", base + deleted).status, 204);
    }
    if (!uncallable.empty()) {
      json c = Json(Api("GET", base + uncallable));
      c["callable"] = false;
      EXPECT_EQ(Api("PUT", base + uncallable, c.dump()).status, 200);
    }
    deleted.clear();
    uncallable.clear();
  });
  deleted = Json(AddContact("+13175550104", true, "t-del"))[0]["id"];
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  EXPECT_TRUE(sim_->RecentCalls().empty());  // removed: no call, no outcome

  uncallable = Json(AddContact("+13175550105", true, "t-unc"))[0]["id"];
  clock_.Advance(absl::Seconds(5));
  sim_->Tick();
  ASSERT_EQ(sim_->RecentCalls().size(), 1u);
  EXPECT_EQ(sim_->RecentCalls()[0].wrapup_code, "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED");
}

TEST(PreCallConfigTest, FileSectionAndValidation) {
  auto c = ParseConfigJson(R"({"preCall": {"url": "http://127.0.0.1:7490/precall",
      "timeout": "750ms", "default": "allow", "user": "genesys", "password": "pw"}})",
                           DemoConfig());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->precall.url, "http://127.0.0.1:7490/precall");
  EXPECT_EQ(c->precall.timeout, absl::Milliseconds(750));
  EXPECT_FALSE(c->precall.skip_on_error);
  EXPECT_EQ(c->precall.user, "genesys");
  EXPECT_EQ(c->precall.password.Reveal(), "pw");
  EXPECT_TRUE(ValidateConfig(*c).ok());
  EXPECT_TRUE(DemoConfig().precall.url.empty());
  EXPECT_TRUE(DemoConfig().precall.skip_on_error);
  EXPECT_FALSE(ParseConfigJson(R"({"preCall": {"default": "maybe"}})", DemoConfig()).ok());
  auto ftp = ParseConfigJson(R"({"preCall": {"url": "ftp://x"}})", DemoConfig());
  ASSERT_TRUE(ftp.ok());
  EXPECT_FALSE(ValidateConfig(*ftp).ok());
  auto zero = ParseConfigJson(R"({"preCall": {"url": "http://x/", "timeout": 0}})", DemoConfig());
  ASSERT_TRUE(zero.ok());
  EXPECT_FALSE(ValidateConfig(*zero).ok());
}

}  // namespace
}  // namespace blend::genesys_sim
