#include "blend/demo/summary.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "blend/common/testing/times.h"

namespace blend::demo {
namespace {

using test_support::At;

AuditEntry Sent(const char* op, const char* touch, const char* when, int status = 200) {
  return AuditEntry{At(when), op, status, {touch}, "", "", "", {}, ""};
}

DemoCustomer Customer(const char* id, const char* phone) {
  DemoCustomer c;
  c.customer_id = id;
  c.phone_e164 = phone;
  c.time_zone = "America/New_York";
  return c;
}

// Three customers in New York (15:00Z = 10:00 local): one pays after the SMS, one replies
// STOP, one is called and emailed.
SummaryInputs Inputs() {
  SummaryInputs in;
  in.customers = {Customer("a", "+12125550104"), Customer("b", "+12125550113"),
                  Customer("c", "+12125550105")};
  in.journey_of_customer = {{"a", "ja"}, {"b", "jb"}, {"c", "jc"}};
  in.journeys = {{"ja", "a", "SUCCEEDED", {"Sms", "DayToPay"}, false},
                 {"jb", "b", "SUCCEEDED", {"Sms", "DayToPay", "Call", "EmailOnly", "Done"}, false},
                 {"jc",
                  "c",
                  "SUCCEEDED",
                  {"Sms", "DayToPay", "Call", "Answered", "NoAnswerEmail", "Done"},
                  false}};
  in.payments = {{"a", {At("2026-01-06T15:00:10Z"), 1}}};
  in.opt_outs = {{"+12125550113", At("2026-01-06T15:00:06Z")}};
  in.audit = {Sent("oauth.token", "", "2026-01-06T15:00:00Z"),
              Sent("sms.send", "ja/Sms/2", "2026-01-06T15:00:01Z"),
              Sent("sms.send", "jb/Sms/2", "2026-01-06T15:00:01Z"),
              Sent("sms.send", "jc/Sms/2", "2026-01-06T15:00:01Z"),
              Sent("sms.send", "jc/Sms/2", "2026-01-06T15:00:01Z", 429),
              Sent("email.send", "jb/EmailOnly/5", "2026-01-06T15:00:25Z"),
              Sent("contacts.add", "jc/Call/4", "2026-01-06T15:00:21Z"),
              Sent("email.send", "jc/NoAnswerEmail/6", "2026-01-06T15:00:30Z")};
  in.windows = CallingWindows(R"({"quietHours": {"email": null}})");
  return in;
}

TEST(SummaryTest, CountsOutcomesAndFindsNoViolationInACleanRun) {
  Summary s = ComputeSummary(Inputs());
  EXPECT_EQ(s.started, 3);
  EXPECT_EQ(s.succeeded, 3);
  EXPECT_EQ(s.paid, 1);
  EXPECT_EQ(s.paid_after_sms, 1);
  EXPECT_EQ(s.conversions_by_first_channel.at("sms"), 1);
  EXPECT_EQ(s.conversions_by_first_channel.at("voice"), 0);
  EXPECT_EQ(s.first_channel.at("sms"), 3);
  EXPECT_EQ(s.first_channel.at("voice"), 0);
  EXPECT_EQ(s.opted_out, 1);
  EXPECT_EQ(s.no_answer_email, 1);
  EXPECT_EQ(s.blocked_by_dnc, 0);  // b's email-only path came from its STOP
  EXPECT_EQ(s.touches.at("sms"), 3);
  EXPECT_EQ(s.touches.at("voice"), 1);
  EXPECT_EQ(s.touches.at("email"), 2);
  EXPECT_EQ(s.rate_limited_responses, 1);
  EXPECT_EQ(s.duplicate_touches, 0);
  EXPECT_EQ(s.touches_after_payment, 0);
  EXPECT_EQ(s.touches_after_opt_out, 0);
  EXPECT_EQ(s.touches_outside_quiet_hours, 0);
  EXPECT_FALSE(s.Clean());  // the 429
}

TEST(SummaryTest, EveryViolationIsCountedFromTheAudit) {
  SummaryInputs in = Inputs();
  in.audit.erase(in.audit.begin() + 4);                                           // drop the 429
  in.audit.push_back(Sent("sms.send", "ja/Sms/2", "2026-01-06T15:00:02Z"));       // duplicate
  in.audit.push_back(Sent("contacts.add", "ja/Call/4", "2026-01-06T15:00:21Z"));  // after payment
  in.audit.push_back(Sent("contacts.add", "jb/Call/4", "2026-01-06T15:00:21Z"));  // after STOP
  in.audit.push_back(Sent("sms.send", "jb/Sms/9", "2026-01-06T15:00:30Z"));       // after STOP
  in.calls = {
      {"+12125550113", At("2026-01-06T15:00:23Z"), "ININ-OUTBOUND-NO-ANSWER", ""},  // placed
      {"+12125550113", At("2026-01-06T15:00:24Z"), "ININ-OUTBOUND-ON-DO-NOT-CALL-LIST",
       ""},  // scrubbed
      {"+12125550104", At("2026-01-06T15:00:25Z"), "ININ-OUTBOUND-NO-ANSWER",
       ""}};                                                                 // a paid at :10
  in.audit.push_back(Sent("sms.send", "jc/Sms/9", "2026-01-07T03:00:00Z"));  // 22:00 in New York
  Summary s = ComputeSummary(in);
  EXPECT_EQ(s.duplicate_touches, 1);
  EXPECT_EQ(s.touches_after_payment, 1);
  ASSERT_EQ(s.after_payment.size(), 1u);
  EXPECT_EQ(s.after_payment[0].touch_id, "ja/Call/4");
  EXPECT_EQ(s.after_payment[0].customer_id, "a");
  EXPECT_EQ(s.touches_after_opt_out, 1);           // the SMS
  EXPECT_EQ(s.calls_after_opt_out, 1);             // the placed call
  EXPECT_EQ(s.inserts_scrubbed_after_opt_out, 1);  // the insert Genesys scrubbed
  EXPECT_EQ(s.calls_dialed, 2);
  EXPECT_EQ(s.calls_after_payment, 1);
  EXPECT_EQ(s.touches_outside_quiet_hours, 1);
  EXPECT_EQ(s.rate_limited_responses, 0);
  EXPECT_FALSE(s.Clean());
  nlohmann::json j = s.ToJson();
  for (const char* key :
       {"started", "succeeded", "failed", "touches", "rate_limited_responses", "duplicate_touches",
        "touches_after_payment", "touches_outside_quiet_hours", "touches_after_opt_out",
        "calls_after_payment", "calls_in_progress_at_payment", "calls_after_opt_out", "withdrawn",
        "withdraw_latency_ms", "precall_skipped"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["touches"]["sms"], 6);
  // Each violation is listed with its touch or customer, for the logs.
  ASSERT_EQ(s.violations.size(), 6u);
  EXPECT_EQ(j["violations"].size(), 6u);
  auto listed = [&](const std::string& text) {
    return std::any_of(s.violations.begin(), s.violations.end(),
                       [&](const std::string& v) { return v.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(listed("duplicate touch ja/Sms/2"));
  EXPECT_TRUE(listed("touch after payment: ja/Call/4 (a) voice at 15:00:21.000"));
  EXPECT_TRUE(listed("SMS after opt-out: jb/Sms/9 (b)"));
  EXPECT_TRUE(listed("call after opt-out: b dialled at 15:00:23.000"));
  EXPECT_TRUE(listed("call after payment: a dialled at 15:00:25.000"));
  EXPECT_TRUE(listed("touch outside the calling window: jc/Sms/9 (c, America/New_York)"));
}

// calls_after_payment and calls_after_opt_out are invariants: either above 0 fails the run
// (exit 1). The payment's instant is its commit in PostgreSQL when known: a call Genesys had
// dialled before that commit was in progress, not after the payment.
TEST(SummaryTest, ACallAfterThePaymentsCommitFailsTheRunOneBeforeItIsInProgress) {
  SummaryInputs in = Inputs();
  in.audit.erase(in.audit.begin() + 4);  // drop the 429: this run is clean but for the call
  AuditEntry insert = Sent("contacts.add", "ja/Call/4", "2026-01-06T15:00:08Z");
  insert.contact_ids = {"k-a"};
  in.audit.push_back(insert);
  in.calls = {{"+12125550104", At("2026-01-06T15:00:11Z"), "ININ-OUTBOUND-NO-ANSWER", "k-a"}};
  Summary s = ComputeSummary(in);  // acknowledged at :10, no commit known
  EXPECT_EQ(s.calls_after_payment, 1);
  EXPECT_FALSE(s.Clean());
  EXPECT_NE(s.ToText().find("calls after a payment       1  VIOLATION"), std::string::npos)
      << s.ToText();
  EXPECT_EQ(s.ToJson()["calls_after_payment"], 1);
  EXPECT_EQ(s.ToJson()["clean"], false);

  in.db.payment_commits = {{"a", At("2026-01-06T15:00:11.500Z")}};
  in.db.touch_done_at = {{"ja/Call/4", std::nullopt}};
  s = ComputeSummary(in);
  EXPECT_EQ(s.calls_after_payment, 0);
  EXPECT_EQ(s.calls_in_progress_at_payment, 1);
  EXPECT_TRUE(s.Clean()) << s.ToText();
  EXPECT_NE(s.ToText().find("calls in progress at payment  1"), std::string::npos) << s.ToText();
}

TEST(SummaryTest, EitherCallInvariantAloneFailsTheRun) {
  Summary clean;
  clean.touches = {{"sms", 0}, {"voice", 0}, {"email", 0}};
  clean.first_channel = clean.conversions_by_first_channel = clean.touches;
  EXPECT_TRUE(clean.Clean());
  Summary paid = clean;
  paid.calls_after_payment = 1;
  EXPECT_FALSE(paid.Clean());
  Summary stopped = clean;
  stopped.calls_after_opt_out = 1;
  EXPECT_FALSE(stopped.Clean());
  Summary informational = clean;  // counted, never a failure
  informational.calls_in_progress_at_payment = 3;
  informational.withdrawn = 5;
  informational.precall_skipped = 2;
  EXPECT_TRUE(informational.Clean());
  nlohmann::json j = informational.ToJson();
  EXPECT_EQ(j["withdrawn"], 5);
  EXPECT_TRUE(j["withdraw_latency_ms"].contains("p50"));
  EXPECT_TRUE(j["withdraw_latency_ms"].contains("p99"));
}

// The dialer repeats an insertion whose answer was lost under the same contact id: Genesys
// updates that contact and places no second call. The duplicate a customer would notice is a
// second call.
TEST(SummaryTest, RepeatedVoiceInsertionIsNoDuplicateButASecondCallIs) {
  SummaryInputs in = Inputs();
  in.audit.push_back(Sent("contacts.add", "jc/Call/4", "2026-01-06T15:00:22Z"));
  in.calls = {{"+12125550105", At("2026-01-06T15:00:24Z"), "ININ-OUTBOUND-NO-ANSWER", ""}};
  Summary once = ComputeSummary(in);
  EXPECT_EQ(once.duplicate_touches, 0);
  EXPECT_EQ(once.touches.at("voice"), 1);

  in.calls.push_back({"+12125550105", At("2026-01-06T15:00:40Z"), "ININ-OUTBOUND-NO-ANSWER", ""});
  Summary twice = ComputeSummary(in);
  EXPECT_EQ(twice.duplicate_touches, 1);
  ASSERT_FALSE(twice.violations.empty());
  EXPECT_NE(twice.violations.back().find("duplicate call: c called 2 times"), std::string::npos)
      << twice.violations.back();
}

TEST(SummaryTest, HeldJourneysAreThoseWaitingForATouchWhileTheWindowIsClosed) {
  SummaryInputs in = Inputs();
  in.journeys[2].status = "RUNNING";
  in.journeys[2].waiting_on_touch = true;
  in.end = At("2026-01-06T15:01:00Z");  // 10:01 in New York: open
  EXPECT_EQ(ComputeSummary(in).held_by_quiet_hours, 0);
  in.end = At("2026-01-07T03:00:00Z");  // 22:00: closed
  Summary s = ComputeSummary(in);
  EXPECT_EQ(s.held_by_quiet_hours, 1);
  EXPECT_EQ(s.still_running, 1);
}

TEST(SummaryTest, CallingWindowsFollowThePolicyDefaults) {
  auto w = CallingWindows("{}");
  EXPECT_EQ(w.count("sms"), 1u);
  EXPECT_EQ(w.count("voice"), 1u);
  EXPECT_EQ(w.count("email"), 0u);
  w = CallingWindows(
      R"({"quietHours": {"sms": null, "voice": {"from": "09:00", "until": "17:00"}}})");
  EXPECT_EQ(w.count("sms"), 0u);
  EXPECT_EQ(w.at("voice").from, absl::Hours(9));
}

}  // namespace
}  // namespace blend::demo
