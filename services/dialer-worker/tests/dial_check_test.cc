// DialCheckHandler with a fake TouchChecker and a FakeClock: the data action's request, Basic
// auth, the {"skip": ...} answer, honest errors, metrics; and the loopback rule.

#include "blend/dialer_worker/dial_check.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/escaping.h"
#include "blend/common/clock.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace blend::dialer_worker {
namespace {

using nlohmann::json;

class FakeTouchChecker final : public TouchChecker {
 public:
  explicit FakeTouchChecker(FakeClock& clock) : clock_(clock) {}
  absl::StatusOr<v1::CheckTouchResponse> Check(const std::string& touch_id,
                                               absl::Duration deadline) override {
    asked.push_back(touch_id);
    last_deadline = deadline;
    clock_.Advance(took);
    if (!fail.ok()) return fail;
    v1::CheckTouchResponse r;
    auto it = refusals.find(touch_id);
    r.set_allowed(it == refusals.end());
    if (it != refusals.end()) r.set_reason(it->second);
    return r;
  }
  std::map<std::string, std::string> refusals;  // touch id -> reason
  absl::Status fail;
  absl::Duration took = absl::Milliseconds(12);
  std::vector<std::string> asked;
  absl::Duration last_deadline;

 private:
  FakeClock& clock_;
};

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

// Sum of `name`'s samples whose labels include `label`=`value` (counter value or histogram count).
double Sample(prometheus::Registry& registry, const std::string& name, const std::string& label,
              const std::string& value) {
  double sum = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = label.empty();
      for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
      if (!match) continue;
      sum += family.type == prometheus::MetricType::Histogram
                 ? static_cast<double>(m.histogram.sample_count)
                 : m.counter.value;
    }
  }
  return sum;
}

class DialCheckTest : public ::testing::Test {
 protected:
  DialCheckTest() : checker_(clock_) {
    options_.user = "genesys";
    options_.password = Secret("s3cret");
    options_.check_timeout = absl::Milliseconds(800);
  }
  DialCheckHandler& Handler() {
    if (!handler_)
      handler_ = std::make_unique<DialCheckHandler>(checker_, clock_, options_, &registry_);
    return *handler_;
  }
  // What genesys-sim's pre-call rule sends: every column, plus contactId.
  static std::string Request(const std::string& touch_id) {
    return json{{"phone", "+13175550104"},
                {"touchId", touch_id},
                {"customerId", "c-1"},
                {"contactId", "ct-1"}}
        .dump();
  }

  FakeClock clock_;
  FakeTouchChecker checker_;
  DialCheckOptions options_;
  prometheus::Registry registry_;
  std::unique_ptr<DialCheckHandler> handler_;
};

// The dashboard's dial-check panel needs its series before the first check.
TEST_F(DialCheckTest, EveryResultSeriesExistsAtZeroBeforeAnyCheck) {
  Handler();
  for (const char* result : {"allowed", "refused", "error"}) {
    bool found = false;
    for (const auto& family : registry_.Collect()) {
      if (family.name != "blend_dial_checks_total") continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) found = found || (l.name == "result" && l.value == result);
      }
    }
    EXPECT_TRUE(found) << result;
  }
}

TEST_F(DialCheckTest, AllowedTouchAnswersSkipFalse) {
  DialCheckReply r = Handler().Handle(Request("j-1/Call/1"), Basic("genesys", "s3cret"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["skip"], false);
  EXPECT_EQ(checker_.asked, std::vector<std::string>{"j-1/Call/1"});
  EXPECT_EQ(checker_.last_deadline, absl::Milliseconds(800));
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "result", "allowed"), 1);
  EXPECT_EQ(Sample(registry_, "blend_dial_check_seconds", "", ""), 1);
}

TEST_F(DialCheckTest, RefusedTouchAnswersSkipTrueWithTheReason) {
  checker_.refusals["j-2/Call/1"] = "journey finished: SUCCEEDED";
  DialCheckReply r = Handler().Handle(Request("j-2/Call/1"), Basic("genesys", "s3cret"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["skip"], true);
  EXPECT_EQ(body["reason"], "journey finished: SUCCEEDED");
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "result", "refused"), 1);
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "result", "allowed"), 0);
}

TEST_F(DialCheckTest, WrongOrMissingCredentialIs401AndAsksNothing) {
  for (const std::string& auth :
       {std::string(), Basic("genesys", "wrong"), Basic("other", "s3cret"),
        std::string("Bearer s3cret"), Basic("genesys", "s3cret") + "x"}) {
    DialCheckReply r = Handler().Handle(Request("j-1/Call/1"), auth);
    EXPECT_EQ(r.status, 401) << auth;
  }
  EXPECT_TRUE(checker_.asked.empty());
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "", ""), 0);
}

TEST_F(DialCheckTest, RequestWithoutTheTouchIdFieldIs400) {
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), json{{"contactId", "ct-1"}}.dump(),
        json{{"touchId", 42}}.dump(), json{{"touchId", ""}}.dump()}) {
    DialCheckReply r = Handler().Handle(body, Basic("genesys", "s3cret"));
    EXPECT_EQ(r.status, 400) << body;
  }
  EXPECT_TRUE(checker_.asked.empty());
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "result", "error"), 5);
}

TEST_F(DialCheckTest, TheTouchIdFieldFollowsTheConfiguredColumn) {
  options_.touch_id_field = "blendTouch";
  DialCheckReply r =
      Handler().Handle(json{{"blendTouch", "j-3/Call/1"}}.dump(), Basic("genesys", "s3cret"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(checker_.asked, std::vector<std::string>{"j-3/Call/1"});
}

TEST_F(DialCheckTest, OrchestratorFailureIsAnsweredHonestly) {
  checker_.fail = absl::DeadlineExceededError("CheckTouch: Deadline Exceeded");
  DialCheckReply slow = Handler().Handle(Request("j-1/Call/1"), Basic("genesys", "s3cret"));
  EXPECT_EQ(slow.status, 504);
  EXPECT_FALSE(json::parse(slow.body).contains("skip")) << "no verdict on a failure";
  checker_.fail = absl::UnavailableError("CheckTouch: connection refused");
  DialCheckReply down = Handler().Handle(Request("j-1/Call/1"), Basic("genesys", "s3cret"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(Sample(registry_, "blend_dial_checks_total", "result", "error"), 2);
}

TEST_F(DialCheckTest, LatencyIsMeasuredOnTheInjectedClock) {
  checker_.took = absl::Milliseconds(30);
  Handler().Handle(Request("j-1/Call/1"), Basic("genesys", "s3cret"));
  for (const auto& family : registry_.Collect()) {
    if (family.name != "blend_dial_check_seconds") continue;
    ASSERT_EQ(family.metric.size(), 1u);
    EXPECT_DOUBLE_EQ(family.metric[0].histogram.sample_sum, 0.030);
    return;
  }
  FAIL() << "no blend_dial_check_seconds";
}

TEST_F(DialCheckTest, WithoutAUserTheCheckIsOpen) {
  options_.user.clear();
  EXPECT_TRUE(Handler().open());
  EXPECT_EQ(Handler().Handle(Request("j-1/Call/1"), "").status, 200);
}

}  // namespace
}  // namespace blend::dialer_worker
