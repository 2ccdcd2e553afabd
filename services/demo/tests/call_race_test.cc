#include "blend/demo/call_race.h"

#include <gtest/gtest.h>

#include "blend/common/testing/times.h"

namespace blend::demo {
namespace {

using test_support::At;

// "15:00:02.5" on the test day.
absl::Time T(const std::string& hms) { return At("2026-01-06T" + hms + "Z"); }

AuditEntry Contact(const char* op, const char* contact, const char* touch, const char* when,
                   int status = 200) {
  AuditEntry e{T(when), op, status, {}, "", "", "", {contact}, ""};
  if (*touch) e.touch_ids = {touch};
  return e;
}

AuditEntry PreCall(const char* contact, const char* outcome, const char* when) {
  return AuditEntry{T(when), "precall.evaluate", 200, {}, "", "", "", {contact}, outcome};
}

Call Dial(const char* contact, const char* phone, const char* when,
          const char* wrapup = "ININ-OUTBOUND-NO-ANSWER") {
  return Call{phone, T(when), wrapup, contact};
}

// Customer a (journey ja, +12125550104) has a call touch ja/Call/4 inserted as contact k-a
// at 15:00:00; Genesys would dial it two seconds later.
CallRaceInputs Base() {
  CallRaceInputs in;
  in.customer_of_journey = {{"ja", "a"}, {"jb", "b"}};
  in.customer_of_phone = {{"+12125550104", "a"}, {"+12125550113", "b"}};
  in.audit = {Contact("contacts.add", "k-a", "ja/Call/4", "15:00:00")};
  return in;
}

TEST(CallRaceTest, ACallDialledBeforeThePaymentWhoseOutcomeWasPendingIsInProgressNotAfter) {
  CallRaceInputs in = Base();
  in.calls = {Dial("k-a", "+12125550104", "15:00:02")};
  in.paid_at = {{"a", T("15:00:02.5")}};
  in.touch_done_at = {{"ja/Call/4", T("15:00:03")}};  // Blend heard of the call after the payment
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.calls_in_progress_at_payment, 1);
  EXPECT_EQ(r.payments_with_contact_queued, 0);  // it had left the queue
  EXPECT_TRUE(r.violations.empty());
}

TEST(CallRaceTest, AFinishedCallBeforeThePaymentIsNeitherInProgressNorAfter) {
  CallRaceInputs in = Base();
  in.calls = {Dial("k-a", "+12125550104", "15:00:02")};
  in.paid_at = {{"a", T("15:00:10")}};
  in.touch_done_at = {{"ja/Call/4", T("15:00:02.1")}};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.calls_in_progress_at_payment, 0);
}

TEST(CallRaceTest, ACallWhoseOutcomeBlendNeverRecordedCountsAsInProgress) {
  CallRaceInputs in = Base();
  in.calls = {Dial("k-a", "+12125550104", "15:00:02")};
  in.paid_at = {{"a", T("15:00:10")}};
  in.touch_done_at = {{"ja/Call/4", std::nullopt}};
  EXPECT_EQ(ComputeCallRace(in).calls_in_progress_at_payment, 1);
}

TEST(CallRaceTest, ACallDialledAfterThePaymentIsAViolation) {
  CallRaceInputs in = Base();
  in.calls = {Dial("k-a", "+12125550104", "15:00:02")};
  in.paid_at = {{"a", T("15:00:01")}};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_payment, 1);
  EXPECT_EQ(r.calls_in_progress_at_payment, 0);
  EXPECT_EQ(r.payments_with_contact_queued, 1);
  EXPECT_EQ(r.withdrawn, 0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_NE(r.violations[0].find(
                "call after payment: a (contact k-a, touch ja/Call/4) dialled at 15:00:02.000, "
                "payment committed at 15:00:01.000"),
            std::string::npos)
      << r.violations[0];
}

// The simulator audits a pre-call evaluation when it began. A check that began before the
// payment committed read Blend before it, so the call it let through was decided before the
// payment: in progress, not after it. A check that began after the commit had to see it.
TEST(CallRaceTest, ACallWhoseDialTimeCheckBeganBeforeThePaymentIsInProgressNotAfter) {
  CallRaceInputs in = Base();
  in.audit.push_back(PreCall("k-a", "dial", "15:00:00.9"));
  in.calls = {Dial("k-a", "+12125550104", "15:00:01.5")};
  in.paid_at = {{"a", T("15:00:01")}};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.calls_in_progress_at_payment, 1);
  EXPECT_TRUE(r.violations.empty());
}

TEST(CallRaceTest, ACallWhoseDialTimeCheckBeganAfterTheOptOutIsAViolation) {
  CallRaceInputs in = Base();
  // An earlier evaluation before the opt-out does not excuse the one that let the call through.
  in.audit.push_back(PreCall("k-a", "error-skip", "15:00:00.5"));
  in.audit.push_back(PreCall("k-a", "dial", "15:00:01.1"));
  in.calls = {Dial("k-a", "+12125550104", "15:00:01.2")};
  in.opted_out_at = {{"a", T("15:00:01")}};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_opt_out, 1);
  EXPECT_EQ(r.calls_in_progress_at_payment, 0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_NE(r.violations[0].find("call after opt-out: a"), std::string::npos) << r.violations[0];
}

TEST(CallRaceTest, ARemovalBeforeTheDialMeansNoCallAndMeasuresTheLatency) {
  CallRaceInputs in = Base();
  in.paid_at = {{"a", T("15:00:01")}};
  in.audit.push_back(Contact("contacts.delete", "k-a", "ja/Call/4", "15:00:01.2"));
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.withdrawn, 1);
  EXPECT_EQ(r.payments_with_contact_queued, 1);
  EXPECT_EQ(r.withdraw_latency_ms.count, 1u);
  EXPECT_EQ(r.withdraw_latency_ms.p50, 200);
  EXPECT_EQ(r.withdraw_latency_ms.p99, 200);
}

// The dialer may make the contact uncallable instead of deleting it; the removal's own entry
// may lack the touch id (then the insertion's maps the contact to its customer).
TEST(CallRaceTest, AnUncallableUpdateIsAWithdrawalAndAFailedOneIsNot) {
  CallRaceInputs in = Base();
  in.paid_at = {{"a", T("15:00:01")}};
  in.audit.push_back(Contact("contacts.update", "k-a", "", "15:00:01.050", 500));
  in.audit.push_back(Contact("contacts.update", "k-a", "", "15:00:01.300"));
  // Genesys still reaches the contact at dial time and skips it: no call.
  in.calls = {Dial("k-a", "+12125550104", "15:00:02", "ININ-OUTBOUND-CONTACT-UNCALLABLE-SKIPPED")};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.withdrawn, 1);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.withdraw_latency_ms.p50, 300);
}

TEST(CallRaceTest, DialTimeSkipsAreCountedAndPlaceNoCall) {
  CallRaceInputs in = Base();
  in.paid_at = {{"a", T("15:00:01")}};
  in.audit.push_back(PreCall("k-a", "skip", "15:00:02"));
  in.audit.push_back(PreCall("k-x", "error-skip", "15:00:02"));
  in.audit.push_back(PreCall("k-y", "dial", "15:00:02"));
  in.calls = {Dial("k-a", "+12125550104", "15:00:02", "ININ-OUTBOUND-RULE-SKIPPED")};
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.precall_evaluations, 3);
  EXPECT_EQ(r.precall_skipped, 1);
  EXPECT_EQ(r.precall_error_skipped, 1);
  EXPECT_EQ(r.calls_after_payment, 0);
  EXPECT_EQ(r.payments_with_contact_queued, 1);
  EXPECT_EQ(r.withdrawn, 0);
}

TEST(CallRaceTest, CallsAfterAnOptOutAreViolationsAndOnesRingingAtItAreInProgress) {
  CallRaceInputs in = Base();
  in.audit.push_back(Contact("contacts.add", "k-b", "jb/Call/4", "15:00:00"));
  in.audit.push_back(Contact("contacts.add", "k-b2", "jb/Call/9", "15:00:20"));
  in.opted_out_at = {{"b", T("15:00:02.2")}};
  in.calls = {Dial("k-b", "+12125550113", "15:00:02"),    // ringing at the STOP
              Dial("k-b2", "+12125550113", "15:00:22")};  // after it
  CallRace r = ComputeCallRace(in);
  EXPECT_EQ(r.calls_after_opt_out, 1);
  EXPECT_EQ(r.calls_in_progress_at_payment, 1);
  EXPECT_EQ(r.calls_after_payment, 0);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_NE(r.violations[0].find("call after opt-out: b (contact k-b2, touch jb/Call/9)"),
            std::string::npos)
      << r.violations[0];
}

// A call the simulator made for a contact Blend's audit never showed (e.g. the audit's head
// was trimmed) is still attributed to its customer by the number.
TEST(CallRaceTest, AnUnknownContactIsMatchedByItsNumber) {
  CallRaceInputs in = Base();
  in.paid_at = {{"b", T("15:00:01")}};
  in.calls = {Dial("k-unknown", "+12125550113", "15:00:05")};
  EXPECT_EQ(ComputeCallRace(in).calls_after_payment, 1);
}

TEST(CallRaceTest, PercentilesAreNearestRank) {
  EXPECT_EQ(Percentiles({}).count, 0u);
  EXPECT_EQ(Percentiles({}).p50, 0);
  LatencyPercentiles five = Percentiles({50, 10, 30, 20, 40});
  EXPECT_EQ(five.p50, 30);
  EXPECT_EQ(five.p99, 50);
  EXPECT_EQ(five.count, 5u);
  std::vector<int64_t> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  LatencyPercentiles h = Percentiles(hundred);
  EXPECT_EQ(h.p50, 50);
  EXPECT_EQ(h.p99, 99);
  EXPECT_EQ(Percentiles({7}).p99, 7);
}

}  // namespace
}  // namespace blend::demo
