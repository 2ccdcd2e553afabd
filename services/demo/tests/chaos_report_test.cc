#include "blend/demo/chaos_report.h"

#include <gtest/gtest.h>

#include "blend/common/testing/times.h"

namespace blend::demo {
namespace {

using test_support::At;

constexpr char kNow[] = "2026-01-06T15:10:00Z";  // 10:10 in New York

DemoCustomer ChaosCustomer(const std::string& id, const std::string& phone) {
  DemoCustomer c;
  c.customer_id = id;
  c.phone_e164 = phone;
  c.time_zone = "America/New_York";
  return c;
}

DbJourney Journey(const std::string& id, const std::string& status,
                  const std::string& state = "Done") {
  return {id, "c" + id.substr(1), status, state, "", "", {"LookUpCustomer", "Sms"}};
}

DbTouch Touch(const std::string& id, const std::string& status, const std::string& reason = "") {
  DbTouch t;
  t.touch_id = id;
  t.journey_id = id.substr(0, id.find('/'));
  t.channel = id.find("Call") != std::string::npos ? "voice" : "sms";
  t.status = status;
  t.reason = reason;
  t.created_at = At("2026-01-06T15:00:00Z");
  return t;
}

AuditEntry Audit(const std::string& op, const std::string& touch, const char* when, int status,
                 const std::string& fault = "") {
  return AuditEntry{At(when), op, status, {touch}, "", fault, "/api/v2/x", {}, ""};
}

LedgerRow Ledger(const std::string& touch, const std::string& worker, const std::string& reason,
                 const char* started, const char* finished) {
  LedgerRow l;
  l.touch_id = touch;
  l.channel = touch.find("Call") != std::string::npos ? "voice" : "sms";
  l.state = "done";
  l.worker_id = worker;
  l.outcome = "TOUCH_OUTCOME_UNKNOWN";
  l.reason = reason;
  l.started_at = At(started);
  l.finished_at = At(finished);
  return l;
}

FaultEvent Fault(const char* when, const char* event, const char* target, const char* detail = "") {
  return {At(when), event, target, detail};
}

// Two customers whose journeys finished cleanly, a timer wait and a quiet-hours deferral.
ChaosInputs Clean() {
  ChaosInputs in;
  in.now = At(kNow);
  in.demo.end = in.now;
  in.demo.windows = CallingWindows("{}");
  for (const char* id : {"1", "2", "3", "4"}) {
    in.demo.customers.push_back(
        ChaosCustomer(std::string("c") + id, std::string("+1212555010") + id));
    in.demo.journey_of_customer[std::string("c") + id] = std::string("j") + id;
  }
  in.journeys = {Journey("j1", "SUCCEEDED"), Journey("j2", "SUCCEEDED"),
                 Journey("j3", "RUNNING", "DayToPay"), Journey("j4", "RUNNING", "Sms")};
  in.timers = {{"j3", At("2026-01-06T15:10:30Z")}};
  DbTouch deferred = Touch("j4/Sms/1", "deferred", "quiet_hours");
  deferred.not_before = At("2026-01-07T13:00:00Z");
  in.touches = {Touch("j1/Sms/1", "done", "TOUCH_OUTCOME_SENT"),
                Touch("j2/Sms/1", "done", "TOUCH_OUTCOME_SENT"),
                Touch("j3/Sms/1", "done", "TOUCH_OUTCOME_SENT"), deferred};
  in.demo.audit = {Audit("sms.send", "j1/Sms/1", "2026-01-06T15:00:01Z", 200),
                   Audit("sms.send", "j2/Sms/1", "2026-01-06T15:00:02Z", 503, "error_5xx"),
                   Audit("sms.send", "j2/Sms/1", "2026-01-06T15:00:04Z", 200),
                   Audit("sms.send", "j3/Sms/1", "2026-01-06T15:00:05Z", 200, "latency")};
  in.faults = {Fault("2026-01-06T15:00:00Z", "kill", "orchestrator-1", "pid=10"),
               Fault("2026-01-06T15:00:02Z", "ready", "orchestrator-1"),
               Fault("2026-01-06T15:00:03Z", "kill", "kafka"),
               Fault("2026-01-06T15:00:13Z", "ready", "kafka"),
               Fault("2026-01-06T15:00:20Z", "stop", "postgresql"),
               Fault("2026-01-06T15:00:24Z", "ready", "postgresql"),
               Fault("2026-01-06T15:00:30Z", "storm", "genesys-sim", "30s")};
  in.sim_injected = {{"error_5xx", 1}, {"latency", 1}};
  return in;
}

TEST(ChaosReportTest, ACleanRunHoldsEveryInvariantAndSaysWhyJourneysStillWait) {
  ChaosReport r = ComputeChaosReport(Clean());
  EXPECT_TRUE(r.lost.empty());
  EXPECT_TRUE(r.stuck.empty());
  EXPECT_TRUE(r.failed.empty());
  EXPECT_TRUE(r.unknown.empty());
  EXPECT_EQ(r.waiting, (std::map<std::string, int>{{"quiet_hours", 1}, {"timer", 1}}));
  EXPECT_EQ(r.demo.duplicate_touches, 0);
  EXPECT_EQ(r.demo.succeeded, 2);
  EXPECT_EQ(r.demo.still_running, 2);
  EXPECT_TRUE(r.Clean());
  EXPECT_EQ(r.faults_by_kind, (std::map<std::string, int64_t>{{"kafka_sigkill", 1},
                                                              {"postgresql_immediate_stop", 1},
                                                              {"sigkill", 1},
                                                              {"sim_error_5xx", 1},
                                                              {"sim_latency", 1},
                                                              {"sim_storm_429_windows", 1}}));
  EXPECT_EQ(r.faults_by_service,
            (std::map<std::string, int64_t>{
                {"genesys-sim", 2}, {"kafka", 1}, {"orchestrator-1", 1}, {"postgresql", 1}}));
  EXPECT_DOUBLE_EQ(r.recovery.max, 2);
  EXPECT_DOUBLE_EQ(r.infra_recovery.max, 10);

  nlohmann::json j = r.ToJson();
  for (const char* key :
       {"faults", "lost_journeys", "stuck_journeys", "failed_journeys", "duplicate_touches",
        "unknown_touches", "touches_after_payment", "touches_after_opt_out",
        "touches_outside_quiet_hours", "recovery_seconds"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["faults"]["by_service"]["orchestrator-1"], 1);
  EXPECT_EQ(j["recovery_seconds"]["p50"], 2.0);
  EXPECT_EQ(j["recovery_seconds"]["max"], 2.0);
  EXPECT_EQ(j["clean"], true);
}

TEST(ChaosReportTest, StuckJourneysAreListedWithTheirEvidence) {
  ChaosInputs in = Clean();
  in.journeys.push_back(Journey("j5", "RUNNING", "Sms"));       // claimed, no disposition
  in.journeys.push_back(Journey("j6", "RUNNING", "Call"));      // contact inserted, no outcome
  in.journeys.push_back(Journey("j7", "RUNNING", "Sms"));       // pending for ten minutes
  in.journeys.push_back(Journey("j8", "RUNNING", "DayToPay"));  // timer long overdue
  in.journeys.push_back(Journey("j9", "RUNNING", "Call"));      // nothing to wait for
  in.journeys.push_back(Journey("j10", "RUNNING", "Sms"));      // touch due a moment ago
  in.journeys.push_back(Journey("j11", "RUNNING", "Call"));     // claimed 30 s ago: in flight
  DbTouch claimed = Touch("j5/Sms/1", "claimed");
  claimed.claimed_at = At("2026-01-06T15:01:00Z");
  claimed.claimed_by = "sms-worker-77";
  DbTouch sent = Touch("j6/Call/3", "sent", "contact inserted");
  sent.claimed_at = At("2026-01-06T15:02:00Z");
  DbTouch fresh = Touch("j10/Sms/1", "pending");
  fresh.created_at = At("2026-01-06T15:09:55Z");
  DbTouch in_flight = Touch("j11/Call/3", "claimed");
  in_flight.claimed_at = At("2026-01-06T15:09:30Z");
  in.touches.insert(in.touches.end(),
                    {claimed, sent, Touch("j7/Sms/1", "pending"),
                     Touch("j9/Call/3", "done", "TOUCH_OUTCOME_CALL_COMPLETED"), fresh, in_flight});
  in.timers.push_back({"j8", At("2026-01-06T15:05:00Z")});
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.stuck.size(), 5u);
  std::map<std::string, std::string> why;
  for (const Finding& f : r.stuck) why[f.id] = f.detail;
  EXPECT_EQ(why["j5"],
            "c5 in Sms: touch j5/Sms/1 claimed at 15:01:00.000 by sms-worker-77, no disposition");
  EXPECT_EQ(
      why["j6"],
      "c6 in Call: touch j6/Call/3 (contact inserted) claimed at 15:02:00.000, no call outcome");
  EXPECT_EQ(why["j7"], "c7 in Sms: touch j7/Sms/1 pending since 15:00:00.000, never claimed");
  EXPECT_EQ(why["j8"], "c8 in DayToPay: timer due at 15:05:00.000 never fired");
  EXPECT_EQ(why["j9"], "c9 in Call: running with no timer and no open touch");
  EXPECT_EQ(r.waiting["touch_due"], 1);
  EXPECT_EQ(r.waiting["in_flight"], 1);
  EXPECT_FALSE(r.Clean());
  EXPECT_EQ(r.ToJson()["stuck_journeys"], 5);
}

TEST(ChaosReportTest, CountsAreCompleteWhileTheJsonListsAreCapped) {
  ChaosInputs in = Clean();
  for (int i = 0; i < 250; ++i)
    in.journeys.push_back(Journey("x" + std::to_string(i), "RUNNING", "Call"));
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.stuck.size(), 250u);
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["stuck_journeys"], 250);
  EXPECT_EQ(j["stuck_journey_list"].size(), 200u);
}

TEST(ChaosReportTest, LostAndFailedJourneysBreakTheRun) {
  ChaosInputs in = Clean();
  in.not_started = {"c9"};
  in.demo.journey_of_customer["c5"] = "j5";  // acknowledged, yet not in the database
  in.journeys[1].status = "FAILED";
  in.journeys[1].current_state = "";  // a finished journey: its last state entered is named
  in.journeys[1].error = "Blend.TouchUnknown";
  in.journeys[1].cause = "no answer from Genesys";
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.lost.size(), 2u);
  EXPECT_EQ(r.lost[0].id, "c9");
  EXPECT_EQ(r.lost[1].id, "j5");
  EXPECT_EQ(r.lost[1].detail, "started for c5 but not in the database");
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].detail, "c2: FAILED in Sms: Blend.TouchUnknown (no answer from Genesys)");
  EXPECT_FALSE(r.Clean());
  EXPECT_EQ(r.ToJson()["failed_journeys"], 1);
  EXPECT_EQ(r.ToJson()["lost_journeys"], 2);
}

TEST(ChaosReportTest, EveryUnknownTouchGetsTheFaultThatPutItInDoubt) {
  ChaosInputs in = Clean();
  in.sim_injected = {{"accepted_drop", 1}, {"drop", 1}};
  // j1's SMS: Genesys handled it, the answer was dropped.
  in.demo.audit.push_back(
      Audit("sms.send", "j1/Sms/9", "2026-01-06T15:03:00Z", 200, "accepted_drop"));
  // j2's call: the connection dropped before the simulator handled it.
  in.demo.audit.push_back(Audit("unknown", "j2/Call/3", "2026-01-06T15:03:00Z", 0, "latency,drop"));
  in.ledger = {Ledger("j1/Sms/9", "sms-worker-100", "no answer from Genesys: network",
                      "2026-01-06T15:03:00Z", "2026-01-06T15:03:00Z"),
               Ledger("j2/Call/3", "dialer-worker-200", "no answer from Genesys: network",
                      "2026-01-06T15:03:00Z", "2026-01-06T15:03:00Z"),
               // j3's SMS: its worker (pid 300) was killed during the request.
               Ledger("j3/Sms/9", "sms-worker-300",
                      "a previous attempt was interrupted during the Genesys request",
                      "2026-01-06T15:04:00Z", "2026-01-06T15:04:15Z"),
               // j4's SMS: interrupted, but the only kill in that window hit another replica.
               Ledger("j4/Sms/9", "sms-worker-400",
                      "a previous attempt was interrupted during the Genesys request",
                      "2026-01-06T15:05:00Z", "2026-01-06T15:05:15Z")};
  in.faults.push_back(Fault("2026-01-06T15:04:01Z", "kill", "sms-worker-2", "pid=300"));
  in.faults.push_back(Fault("2026-01-06T15:05:01Z", "kill", "sms-worker-1", "pid=999"));
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.unknown.size(), 4u);
  std::map<std::string, UnknownTouch> by_touch;
  for (const UnknownTouch& u : r.unknown) by_touch[u.touch_id] = u;
  EXPECT_EQ(by_touch["j1/Sms/9"].cause, "accepted_drop");
  EXPECT_EQ(by_touch["j1/Sms/9"].detail,
            "genesys-sim handled sms.send at 15:03:00.000 (status 200) and dropped the answer");
  EXPECT_EQ(by_touch["j2/Call/3"].cause, "drop");
  EXPECT_EQ(by_touch["j2/Call/3"].channel, "voice");
  EXPECT_EQ(by_touch["j3/Sms/9"].cause, "worker_killed");
  EXPECT_EQ(
      by_touch["j3/Sms/9"].detail,
      "sms-worker-2 (sms-worker-300) killed at 15:04:01.000 during the Genesys request it began at "
      "15:04:00.000");
  EXPECT_EQ(by_touch["j4/Sms/9"].cause, "unexplained");
  EXPECT_EQ(r.unknown_unexplained, 1);
  // 1 lost answer + 1 dropped connection + 2 killed workers + the PostgreSQL stop, which can
  // leave one request in doubt on each of the 2 worker replicas seen.
  EXPECT_EQ(r.unknown_bound, 6);
  EXPECT_FALSE(r.Clean());

  in.ledger.pop_back();
  r = ComputeChaosReport(in);
  EXPECT_EQ(r.unknown_unexplained, 0);
  EXPECT_TRUE(r.Clean());
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["unknown_touches"], 3);
  EXPECT_EQ(j["unknown_by_cause"]["worker_killed"], 1);
  EXPECT_EQ(j["unknown_touch_list"].size(), 3u);
}

TEST(ChaosReportTest, EachWorkerFaultCanLeaveAsManyInDoubtAsTheWorkersRunAtOnce) {
  ChaosInputs in = Clean();  // PostgreSQL stopped at 15:00:20
  in.faults.push_back(Fault("2026-01-06T15:00:00Z", "start", "sms-worker-1", "pid=100"));
  in.faults.push_back(Fault("2026-01-06T15:04:01Z", "kill", "sms-worker-1", "pid=100"));
  in.worker_in_flight = 4;  // the workers' --max-in-flight
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.unknown_bound, 4 + 4) << "one kill and one PostgreSQL stop, one replica, K = 4";
}

TEST(ChaosReportTest, AnAnswerThatCameWhilePostgresWasDownIsExplainedByTheStop) {
  ChaosInputs in = Clean();  // PostgreSQL stopped at 15:00:20
  in.ledger = {Ledger("j1/Sms/9", "sms-worker-100",
                      "a previous attempt was interrupted during the Genesys request",
                      "2026-01-06T15:00:19.900Z", "2026-01-06T15:00:26Z"),
               // Interrupted long after the stop, with no kill: nothing explains it.
               Ledger("j2/Sms/9", "sms-worker-100",
                      "a previous attempt was interrupted during the Genesys request",
                      "2026-01-06T15:03:00Z", "2026-01-06T15:03:10Z")};
  in.faults.push_back(Fault("2026-01-06T15:00:00Z", "start", "sms-worker-1", "pid=100"));
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.unknown.size(), 2u);
  EXPECT_EQ(r.unknown[0].cause, "postgresql_stopped");
  EXPECT_EQ(r.unknown[0].detail,
            "PostgreSQL stopped at 15:00:20.000 while sms-worker-100 waited for the answer to the "
            "request it began at "
            "15:00:19.900: the answer could not be recorded");
  EXPECT_EQ(r.unknown[1].cause, "unexplained");
  EXPECT_EQ(r.unknown[1].detail,
            "sms-worker-100: a previous attempt was interrupted during the Genesys request");
  EXPECT_EQ(r.unknown_bound, 1);  // one worker replica seen, one stop
  EXPECT_FALSE(r.Clean());
}

TEST(ChaosReportTest, TouchesHeldUntilLaterAreQuietHoursWhenTheWindowIsClosedNow) {
  ChaosInputs in = Clean();
  // c4 lives in Tokyo (00:10 there): its SMS, emitted for 08:00 local, waits for quiet hours;
  // c3's (New York, 10:10) waits for another reason.
  in.demo.customers[3].phone_e164 = "+81312345678";
  in.demo.customers[3].time_zone = "Asia/Tokyo";
  in.touches[3].status = "pending";
  in.touches[3].reason = "";
  DbTouch later = Touch("j3/Sms/9", "pending");
  later.not_before = At("2026-01-06T18:00:00Z");
  in.touches.push_back(later);
  in.timers.clear();
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.waiting, (std::map<std::string, int>{{"quiet_hours", 1}, {"scheduled", 1}}));
  EXPECT_TRUE(r.stuck.empty());
}

TEST(ChaosReportTest, MoreUnknownTouchesThanTheFaultsCouldCauseBreakTheRun) {
  ChaosInputs in = Clean();
  in.sim_injected = {{"accepted_drop", 1}};
  // Two UNKNOWNs blamed on one lost answer (the orchestrator's table lists the second).
  in.demo.audit.push_back(
      Audit("sms.send", "j1/Sms/9", "2026-01-06T15:03:00Z", 200, "accepted_drop"));
  in.demo.audit.push_back(
      Audit("sms.send", "j2/Sms/9", "2026-01-06T15:03:00Z", 200, "accepted_drop"));
  in.touches.push_back(Touch("j1/Sms/9", "done", "TOUCH_OUTCOME_UNKNOWN"));
  in.touches.push_back(Touch("j2/Sms/9", "done", "TOUCH_OUTCOME_UNKNOWN"));
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.unknown.size(), 2u);
  EXPECT_EQ(r.unknown_unexplained, 0);
  EXPECT_EQ(r.unknown_bound, 1);
  EXPECT_FALSE(r.Clean());
}

TEST(ChaosReportTest, DemoInvariantsFromTheAuditBreakTheRun) {
  ChaosInputs in = Clean();
  in.demo.audit.push_back(
      Audit("sms.send", "j1/Sms/1", "2026-01-06T15:00:09Z", 200, "accepted_drop"));
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.demo.duplicate_touches, 1);
  EXPECT_FALSE(r.Clean());
  EXPECT_EQ(r.ToJson()["duplicate_touches"], 1);
}

TEST(ChaosReportTest, ATouchAfterThePaymentBreaksTheFenceUnlessItsClaimCameFirstAndItWasInFlight) {
  ChaosInputs in = Clean();
  // c1 paid at 15:05:00; three of its touches reached Genesys just after.
  in.demo.payments = {{"c1", {At("2026-01-06T15:05:00Z"), 1}}};
  DbTouch in_flight = Touch("j1/Call/3", "done", "TOUCH_OUTCOME_CALL_COMPLETED");
  in_flight.claimed_at = At("2026-01-06T15:04:59.990Z");
  DbTouch retried = Touch("j1/Sms/7", "done", "TOUCH_OUTCOME_SENT");
  retried.claimed_at = At("2026-01-06T15:04:58Z");
  DbTouch late_claim = Touch("j1/Sms/8", "done", "TOUCH_OUTCOME_SENT");
  late_claim.claimed_at = At("2026-01-06T15:05:01Z");
  in.touches.insert(in.touches.end(), {in_flight, retried, late_claim});
  in.demo.audit.push_back(Audit("contacts.add", "j1/Call/3", "2026-01-06T15:05:00.005Z", 200));
  in.demo.audit.push_back(
      Audit("sms.send", "j1/Sms/7", "2026-01-06T15:04:58.100Z", 503, "error_5xx"));
  in.demo.audit.push_back(Audit("sms.send", "j1/Sms/7", "2026-01-06T15:05:02Z", 200));
  in.demo.audit.push_back(Audit("sms.send", "j1/Sms/8", "2026-01-06T15:05:01.010Z", 200));
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.in_flight_at_payment.size(), 1u);
  EXPECT_EQ(r.in_flight_at_payment[0].id, "j1/Call/3");
  EXPECT_EQ(
      r.in_flight_at_payment[0].detail,
      "c1: claimed at 15:04:59.990, payment committed at 15:05:00.000, accepted at 15:05:00.005");
  EXPECT_EQ(r.demo.touches_after_payment, 2);
  EXPECT_EQ(r.demo.violations,
            (std::vector<std::string>{
                "touch after payment: j1/Sms/8 (c1) payment committed at 15:05:00.000, accepted "
                "at 15:05:01.010, claimed after it, at 15:05:01.000",
                "touch after payment: j1/Sms/7 (c1) payment committed at 15:05:00.000, accepted "
                "at 15:05:02.000, claimed before it, at 15:04:58.000, and sent again after 1 "
                "failed request(s) (503)"}));
  EXPECT_FALSE(r.Clean());
  EXPECT_EQ(r.ToJson()["touches_after_payment"], 2);
  EXPECT_EQ(r.ToJson()["touches_in_flight_at_payment"], 1);
}

TEST(ChaosReportTest, StormRateLimitsAreInjectedNotViolations) {
  ChaosInputs in = Clean();
  in.demo.audit.push_back(Audit("sms.send", "j1/Sms/1", "2026-01-06T15:00:30Z", 429, "storm_429"));
  ChaosReport r = ComputeChaosReport(in);
  EXPECT_EQ(r.demo.rate_limited_responses, 0);
  in.demo.audit.push_back(Audit("sms.send", "j1/Sms/1", "2026-01-06T15:00:31Z", 429));
  EXPECT_EQ(ComputeChaosReport(in).demo.rate_limited_responses, 1);
}

TEST(ChaosReportTest, StartUpsThatGaveUpAreToldApartFromExits) {
  ChaosInputs in = Clean();
  in.faults.push_back(
      Fault("2026-01-06T15:01:00Z", "exit", "sms-worker-1", "pid=5 status=1 during start-up"));
  in.faults.push_back(Fault("2026-01-06T15:02:00Z", "exit", "email-worker-2", "pid=6 status=134"));
  ChaosReport r = ComputeChaosReport(in);
  ASSERT_EQ(r.failed_starts.size(), 1u);
  EXPECT_EQ(r.failed_starts[0].id, "sms-worker-1");
  ASSERT_EQ(r.unexpected_exits.size(), 1u);
  EXPECT_EQ(r.unexpected_exits[0].detail, "exited on its own at 15:02:00.000 pid=6 status=134");
  // A worker that died while serving may have left a request in doubt, one that never started
  // had none; and the PostgreSQL stop one on each of the two worker replicas seen.
  EXPECT_EQ(r.unknown_bound, 1 + 2);
}

TEST(ChaosReportTest, WorkerServiceNamesFollowTheChannel) {
  EXPECT_EQ(WorkerServiceOf("sms"), "sms-worker");
  EXPECT_EQ(WorkerServiceOf("voice"), "dialer-worker");
  EXPECT_EQ(WorkerServiceOf("email"), "email-worker");
}

}  // namespace
}  // namespace blend::demo
