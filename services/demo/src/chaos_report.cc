#include "blend/demo/chaos_report.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "blend/demo/event_times.h"

namespace blend::demo {
namespace {

using nlohmann::json;

constexpr size_t kMaxListed = 200;

// Every finding is kept (the counts are their sizes); the JSON lists the first kMaxListed.
void Add(std::vector<Finding>& list, std::string id, std::string detail) {
  list.push_back({std::move(id), std::move(detail)});
}

bool IsOpen(const DbTouch& t) {
  return t.status == "pending" || t.status == "claimed" || t.status == "sent" ||
         t.status == "deferred";
}

// The demo summary's view of the journeys: a running journey with an open touch waits on it.
std::vector<JourneyRecord> JourneyRecords(const std::vector<DbJourney>& journeys,
                                          const std::vector<DbTouch>& touches) {
  std::set<std::string> open;
  for (const DbTouch& t : touches) {
    if (IsOpen(t)) open.insert(t.journey_id);
  }
  std::vector<JourneyRecord> out;
  for (const DbJourney& j : journeys) {
    out.push_back({j.journey_id, j.customer_id, j.status, j.states_entered,
                   j.status == "RUNNING" && open.contains(j.journey_id)});
  }
  return out;
}

void CountFaults(const ChaosInputs& in, ChaosReport& r) {
  for (const FaultEvent& e : in.faults) {
    if (e.event == "kill") {
      ++r.faults_by_kind[e.target == "kafka" ? "kafka_sigkill" : "sigkill"];
      ++r.faults_by_service[e.target];
    } else if (e.event == "stop") {
      ++r.faults_by_kind["postgresql_immediate_stop"];
      ++r.faults_by_service[e.target];
    } else if (e.event == "storm") {
      ++r.faults_by_kind["sim_storm_429_windows"];
    } else if (e.event == "exit") {
      // scripts/chaos says "during start-up" when the replica had not been ready since its start.
      bool starting = absl::StrContains(e.detail, "start-up");
      Add(starting ? r.failed_starts : r.unexpected_exits, e.target,
          absl::StrCat(starting ? "gave up starting at " : "exited on its own at ",
                       ClockText(e.time), " ", e.detail));
    }
  }
  for (const auto& [kind, n] : in.sim_injected) {
    r.faults_by_kind["sim_" + kind] = n;
    r.faults_by_service["genesys-sim"] += n;
  }
}

void FindLost(const ChaosInputs& in, ChaosReport& r) {
  std::set<std::string> in_db;
  for (const DbJourney& j : in.journeys) in_db.insert(j.journey_id);
  for (const std::string& customer : in.not_started) {
    Add(r.lost, customer, "its start was never acknowledged by the orchestrator");
  }
  for (const auto& [customer, journey] : in.demo.journey_of_customer) {
    if (!in_db.contains(journey)) {
      Add(r.lost, journey, absl::StrCat("started for ", customer, " but not in the database"));
    }
  }
}

void FindFailed(const ChaosInputs& in, ChaosReport& r) {
  for (const DbJourney& j : in.journeys) {
    if (j.status != "FAILED" && j.status != "TIMED_OUT") continue;
    // A finished journey has no current state: name the last one it entered.
    std::string state = !j.current_state.empty()   ? j.current_state
                        : j.states_entered.empty() ? "?"
                                                   : j.states_entered.back();
    Add(r.failed, j.journey_id,
        absl::StrCat(j.customer_id, ": ", j.status, " in ", state, ": ", j.error,
                     j.cause.empty() ? "" : absl::StrCat(" (", j.cause, ")")));
  }
}

// Why a running journey has not finished: a legitimate wait, or stuck (with the evidence).
void ClassifyRunning(const ChaosInputs& in, ChaosReport& r) {
  std::map<std::string, std::vector<const DbTouch*>> open;
  for (const DbTouch& t : in.touches) {
    if (IsOpen(t)) open[t.journey_id].push_back(&t);
  }
  std::map<std::string, absl::Time> next_timer;
  for (const DbTimer& t : in.timers) {
    auto [it, fresh] = next_timer.emplace(t.journey_id, t.due_at);
    if (!fresh) it->second = std::min(it->second, t.due_at);
  }
  std::map<std::string, const DemoCustomer*> customers;
  for (const DemoCustomer& c : in.demo.customers) customers[c.customer_id] = &c;
  for (const DbJourney& j : in.journeys) {
    if (j.status != "RUNNING") continue;
    const std::vector<const DbTouch*>& touches = open[j.journey_id];
    auto with = [&](auto pred) -> const DbTouch* {
      for (const DbTouch* t : touches) {
        if (pred(*t)) return t;
      }
      return nullptr;
    };
    std::string where = absl::StrCat(j.customer_id, " in ", j.current_state, ": ");
    auto claimed_recently = [&](const DbTouch& t) {
      return (t.status == "claimed" || t.status == "sent") && t.claimed_at &&
             *t.claimed_at > in.now - in.in_flight_grace;
    };
    if (with(claimed_recently) != nullptr) {
      ++r.waiting["in_flight"];
    } else if (const DbTouch* t = with([](const DbTouch& t) { return t.status == "claimed"; })) {
      Add(r.stuck, j.journey_id,
          absl::StrCat(where, "touch ", t->touch_id, " claimed at ",
                       t->claimed_at ? ClockText(*t->claimed_at) : "?", " by ", t->claimed_by,
                       ", no disposition"));
    } else if (const DbTouch* t = with([](const DbTouch& t) { return t.status == "sent"; })) {
      Add(r.stuck, j.journey_id,
          absl::StrCat(where, "touch ", t->touch_id, " (contact inserted) claimed at ",
                       t->claimed_at ? ClockText(*t->claimed_at) : "?", ", no call outcome"));
    } else if (const DbTouch* t =
                   with([&](const DbTouch& t) { return t.not_before && *t.not_before > in.now; })) {
      // Held until later (by the interpreter when it emitted the touch, or by the claim fence):
      // quiet hours when the channel's calling window is closed for the customer now.
      auto c = customers.find(j.customer_id);
      auto w = in.demo.windows.find(t->channel);
      bool quiet = absl::StrContains(t->reason, "quiet") ||
                   (c != customers.end() && w != in.demo.windows.end() &&
                    CallingWindowClosed({{w->first, w->second}}, *c->second, in.now));
      ++r.waiting[quiet               ? "quiet_hours"
                  : t->reason.empty() ? "scheduled"
                                      : absl::StrCat("deferred (", t->reason, ")")];
    } else if (const DbTouch* t = with([](const DbTouch&) { return true; })) {
      absl::Time due = t->not_before.value_or(t->created_at);
      if (due > in.now - in.grace) {
        ++r.waiting["touch_due"];
      } else {
        Add(r.stuck, j.journey_id,
            absl::StrCat(where, "touch ", t->touch_id, " ", t->status, " since ", ClockText(due),
                         ", never claimed"));
      }
    } else if (auto timer = next_timer.find(j.journey_id); timer != next_timer.end()) {
      if (timer->second > in.now - in.grace) {
        ++r.waiting["timer"];
      } else {
        Add(r.stuck, j.journey_id,
            absl::StrCat(where, "timer due at ", ClockText(timer->second), " never fired"));
      }
    } else {
      Add(r.stuck, j.journey_id, absl::StrCat(where, "running with no timer and no open touch"));
    }
  }
}

bool IsWorker(const std::string& target) {
  for (const char* channel : {"sms", "voice", "email"}) {
    if (absl::StartsWith(target, WorkerServiceOf(channel) + "-")) return true;
  }
  return false;
}

std::string OutcomeOf(const DbTouch& t) { return t.status == "done" ? t.reason : ""; }

// `fault` lists kinds separated by commas ("latency,drop").
bool HasKind(absl::string_view fault, absl::string_view kind) {
  for (absl::string_view k : absl::StrSplit(fault, ',')) {
    if (k == kind) return true;
  }
  return false;
}

// The injected fault that explains one UNKNOWN touch, or "unexplained".
std::string PidOf(const FaultEvent& e) {
  size_t at = e.detail.find("pid=");
  if (at == std::string::npos) return "";
  std::string pid = e.detail.substr(at + 4);
  return pid.substr(0, pid.find(' '));
}

// The injected fault that explains one UNKNOWN touch, or "unexplained".
void Explain(const ChaosInputs& in, const std::vector<const AuditEntry*>& faulted,
             const LedgerRow* ledger, UnknownTouch& u) {
  // The request itself was faulted: its answer never came.
  for (const char* kind : {"accepted_drop", "drop"}) {
    for (const AuditEntry* e : faulted) {
      if (!HasKind(e->fault, kind)) continue;
      u.cause = kind;
      u.detail =
          std::string_view(kind) == "accepted_drop"
              ? absl::StrCat("genesys-sim handled ", e->operation, " at ", ClockText(e->time),
                             " (status ", e->status, ") and dropped the answer")
              : absl::StrCat("genesys-sim dropped the connection of ", e->path, " at ",
                             ClockText(e->time), " before handling it");
      return;
    }
  }
  const std::string reason = ledger ? ledger->reason : "";
  if (ledger != nullptr && absl::StrContains(reason, "interrupted")) {
    // The worker that began the request never recorded its answer: it died, or PostgreSQL
    // (its ledger) went away while it waited.
    absl::Time from = ledger->started_at - absl::Seconds(1);
    absl::Time until = ledger->finished_at.value_or(in.now) + absl::Seconds(1);
    std::string service = WorkerServiceOf(u.channel) + "-";
    for (const FaultEvent& e : in.faults) {
      if ((e.event != "kill" && e.event != "exit") || !absl::StartsWith(e.target, service))
        continue;
      if (e.time < from || e.time > until) continue;
      // The ledger row names the replica that made the request (<service>-<pid>).
      if (std::string pid = PidOf(e); !pid.empty() && !absl::EndsWith(ledger->worker_id, "-" + pid))
        continue;
      u.cause = e.event == "kill" ? "worker_killed" : "worker_exited";
      u.detail =
          absl::StrCat(e.target, " (", ledger->worker_id, ") ",
                       e.event == "kill" ? "killed" : "exited", " at ", ClockText(e.time),
                       " during the Genesys request it began at ", ClockText(ledger->started_at));
      return;
    }
    for (const FaultEvent& e : in.faults) {
      if (e.event != "stop" || e.target != "postgresql" || e.time < from || e.time > until)
        continue;
      u.cause = "postgresql_stopped";
      u.detail =
          absl::StrCat("PostgreSQL stopped at ", ClockText(e.time), " while ", ledger->worker_id,
                       " waited for the answer to the request it began at ",
                       ClockText(ledger->started_at), ": the answer could not be recorded");
      return;
    }
  }
  if (absl::StrContains(absl::AsciiStrToLower(reason), "timed out") ||
      absl::StrContains(absl::AsciiStrToLower(reason), "timeout")) {
    for (const AuditEntry* e : faulted) {
      if (!HasKind(e->fault, "latency")) continue;
      u.cause = "latency";
      u.detail = absl::StrCat("genesys-sim delayed ", e->operation, " at ", ClockText(e->time),
                              ": ", reason);
      return;
    }
  }
  u.cause = "unexplained";
  u.detail = ledger ? absl::StrCat(ledger->worker_id, ": ", reason) : "no worker ledger row";
}

void ExplainUnknowns(const ChaosInputs& in, ChaosReport& r) {
  std::map<std::string, const LedgerRow*> ledger;
  for (const LedgerRow& l : in.ledger) {
    ledger[l.touch_id] = &l;
    r.ledger_calling += l.state == "calling";
  }
  std::map<std::string, const DbTouch*> touches;
  for (const DbTouch& t : in.touches) touches[t.touch_id] = &t;
  std::set<std::string> unknown;
  for (const LedgerRow& l : in.ledger) {
    if (l.outcome == "TOUCH_OUTCOME_UNKNOWN") unknown.insert(l.touch_id);
  }
  for (const DbTouch& t : in.touches) {
    if (OutcomeOf(t) == "TOUCH_OUTCOME_UNKNOWN") unknown.insert(t.touch_id);
  }
  std::map<std::string, std::vector<const AuditEntry*>> faulted;
  for (const AuditEntry& e : in.demo.audit) {
    if (e.fault.empty()) continue;
    for (const std::string& id : e.touch_ids) faulted[id].push_back(&e);
  }
  for (const std::string& id : unknown) {
    UnknownTouch u;
    u.touch_id = id;
    u.journey_id = id.substr(0, id.find('/'));
    auto l = ledger.find(id);
    auto t = touches.find(id);
    u.channel = l != ledger.end()    ? l->second->channel
                : t != touches.end() ? t->second->channel
                                     : "";
    Explain(in, faulted[id], l != ledger.end() ? l->second : nullptr, u);
    r.unknown_unexplained += u.cause == "unexplained";
    r.unknown.push_back(std::move(u));
  }
  for (const char* kind : {"accepted_drop", "drop"}) {
    if (auto it = in.sim_injected.find(kind); it != in.sim_injected.end())
      r.unknown_bound += it->second;
  }
  // Each worker replica has at most worker_in_flight Genesys requests open: a kill (or an exit
  // while serving) can leave that many in doubt, an immediate stop of PostgreSQL that many per
  // replica.
  std::set<std::string> replicas;
  int64_t worker_faults = 0, pg_stops = 0;
  for (const FaultEvent& e : in.faults) {
    bool worker = IsWorker(e.target);
    if (worker) replicas.insert(e.target);
    if (e.event == "stop" && e.target == "postgresql") ++pg_stops;
    if (!worker ||
        (e.event != "kill" && (e.event != "exit" || absl::StrContains(e.detail, "start-up"))))
      continue;
    ++worker_faults;
  }
  r.unknown_bound += (worker_faults + pg_stops * static_cast<int64_t>(replicas.size())) *
                     std::max<int64_t>(1, in.worker_in_flight);
}

// ComputeSummary counts every touch accepted after the payment. The claim is Blend's fence: a
// touch whose claim was granted before the payment committed and whose first request reached
// Genesys just after was in flight (information). A touch claimed after the payment, never
// claimed, or sent again after a failed attempt once the payment had committed broke it.
void ClassifyAfterPayment(const ChaosInputs& in, ChaosReport& r) {
  std::map<std::string, const DbTouch*> touches;
  for (const DbTouch& t : in.touches) touches[t.touch_id] = &t;
  std::map<std::string, std::vector<const AuditEntry*>> requests;
  for (const AuditEntry& e : in.demo.audit) {
    if (e.operation == "oauth.token") continue;
    for (const std::string& id : e.touch_ids) requests[id].push_back(&e);
  }
  std::erase_if(r.demo.violations,
                [](const std::string& v) { return absl::StartsWith(v, "touch after payment:"); });
  int broken = 0;
  for (const TouchAfterPayment& t : r.demo.after_payment) {
    auto touch = touches.find(t.touch_id);
    std::optional<absl::Time> claimed;
    if (touch != touches.end()) claimed = touch->second->claimed_at;
    int earlier = 0;
    std::vector<std::string> answers;  // of the earlier requests: 429, 503, 0 (dropped), ...
    for (const AuditEntry* e : requests[t.touch_id]) {
      if (e->time >= t.sent) continue;
      ++earlier;
      answers.push_back(absl::StrCat(e->status));
    }
    std::string when = absl::StrCat("payment committed at ", ClockText(t.paid), ", accepted at ",
                                    ClockText(t.sent));
    if (claimed && *claimed < t.paid && earlier == 0) {
      Add(r.in_flight_at_payment, t.touch_id,
          absl::StrCat(t.customer_id, ": claimed at ", ClockText(*claimed), ", ", when));
      continue;
    }
    ++broken;
    std::string why =
        !claimed ? "never claimed"
        : *claimed >= t.paid
            ? absl::StrCat("claimed after it, at ", ClockText(*claimed))
            : absl::StrCat("claimed before it, at ", ClockText(*claimed), ", and sent again after ",
                           earlier, " failed request(s) (", absl::StrJoin(answers, ", "), ")");
    if (r.demo.violations.size() < Summary::kMaxViolationsListed) {
      r.demo.violations.push_back(absl::StrCat("touch after payment: ", t.touch_id, " (",
                                               t.customer_id, ") ", when, ", ", why));
    }
  }
  r.demo.touches_after_payment = broken;
}

json FindingsJson(const std::vector<Finding>& list) {
  json out = json::array();
  for (size_t i = 0; i < list.size() && i < kMaxListed; ++i) {
    out.push_back({{"id", list[i].id}, {"detail", list[i].detail}});
  }
  return out;
}

json RecoveryJson(const Recovery& r) {
  return {
      {"p50", r.p50}, {"max", r.max}, {"count", r.seconds.size()}, {"unrecovered", r.unrecovered}};
}

int RateLimitedOutsideStorm(const std::vector<AuditEntry>& audit) {
  int n = 0;
  for (const AuditEntry& e : audit) n += e.status == 429 && !HasKind(e.fault, "storm_429");
  return n;
}

}  // namespace

std::string WorkerServiceOf(const std::string& channel) {
  if (channel == "voice") return "dialer-worker";
  return channel + "-worker";
}

ChaosReport ComputeChaosReport(const ChaosInputs& in) {
  ChaosReport r;
  SummaryInputs demo = in.demo;
  demo.journeys = JourneyRecords(in.journeys, in.touches);
  r.demo = ComputeSummary(demo);
  // The storm's 429s are injected; the demo's invariant is about the simulator's own limit.
  r.rate_limited_outside_storm = RateLimitedOutsideStorm(in.demo.audit);
  r.demo.rate_limited_responses = r.rate_limited_outside_storm;
  ClassifyAfterPayment(in, r);
  CountFaults(in, r);
  FindLost(in, r);
  FindFailed(in, r);
  ClassifyRunning(in, r);
  ExplainUnknowns(in, r);
  r.recovery = RecoveryTimes(in.faults, /*infrastructure=*/false);
  r.infra_recovery = RecoveryTimes(in.faults, /*infrastructure=*/true);
  return r;
}

bool ChaosReport::Clean() const {
  return lost.empty() && stuck.empty() && failed.empty() && demo.duplicate_touches == 0 &&
         demo.touches_after_payment == 0 && demo.touches_after_opt_out == 0 &&
         demo.calls_after_payment == 0 && demo.calls_after_opt_out == 0 &&
         demo.touches_outside_quiet_hours == 0 && unknown_unexplained == 0 &&
         static_cast<int64_t>(unknown.size()) <= unknown_bound;
}

json ChaosReport::ToJson() const {
  json j = demo.ToJson();
  j.erase("clean");  // the demo's verdict counts injected 429s; the chaos verdict is below
  std::map<std::string, int> by_cause;
  json unknown_list = json::array();
  for (const UnknownTouch& u : unknown) {
    ++by_cause[u.cause];
    if (unknown_list.size() < kMaxListed) {
      unknown_list.push_back({{"touch_id", u.touch_id},
                              {"journey_id", u.journey_id},
                              {"channel", u.channel},
                              {"cause", u.cause},
                              {"detail", u.detail}});
    }
  }
  j["faults"] = {{"by_kind", faults_by_kind}, {"by_service", faults_by_service}};
  j["lost_journeys"] = lost.size();
  j["lost_journey_list"] = FindingsJson(lost);
  j["stuck_journeys"] = stuck.size();
  j["stuck_journey_list"] = FindingsJson(stuck);
  j["waiting_journeys"] = waiting;
  j["failed_journeys"] = failed.size();
  j["failed_journey_list"] = FindingsJson(failed);
  j["unknown_touches"] = unknown.size();
  j["unknown_touch_list"] = unknown_list;
  j["unknown_by_cause"] = by_cause;
  j["unknown_bound"] = unknown_bound;
  j["unknown_unexplained"] = unknown_unexplained;
  j["ledger_calling"] = ledger_calling;
  j["unexpected_exits"] = unexpected_exits.size();
  j["unexpected_exit_list"] = FindingsJson(unexpected_exits);
  j["failed_starts"] = failed_starts.size();
  j["failed_start_list"] = FindingsJson(failed_starts);
  j["touches_in_flight_at_payment"] = in_flight_at_payment.size();
  j["touches_in_flight_at_payment_list"] = FindingsJson(in_flight_at_payment);
  j["rate_limited_outside_storm"] = rate_limited_outside_storm;
  j["recovery_seconds"] = RecoveryJson(recovery);
  j["infra_recovery_seconds"] = RecoveryJson(infra_recovery);
  j["clean"] = Clean();
  return j;
}

std::string ChaosReport::ToText() const {
  auto check = [](size_t n) {
    return n == 0 ? std::string("0  ok") : absl::StrCat(n, "  VIOLATION");
  };
  std::string out = demo.ToText();
  absl::StrAppend(&out, "\n== chaos ==\n");
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : faults_by_kind) kinds.push_back(absl::StrCat(kind, " ", n));
  absl::StrAppend(&out, "faults injected             ", absl::StrJoin(kinds, " · "), "\n");
  std::vector<std::string> services;
  for (const auto& [service, n] : faults_by_service)
    services.push_back(absl::StrCat(service, " ", n));
  absl::StrAppend(&out, "  by service                ", absl::StrJoin(services, " · "), "\n");
  absl::StrAppendFormat(
      &out, "recovery kill -> /readyz    p50 %.1f s, max %.1f s (%d kills, %d never ready)\n",
      recovery.p50, recovery.max, static_cast<int>(recovery.seconds.size()), recovery.unrecovered);
  absl::StrAppendFormat(&out, "kafka/postgresql back in    p50 %.1f s, max %.1f s\n",
                        infra_recovery.p50, infra_recovery.max);
  std::vector<std::string> waits;
  for (const auto& [why, n] : waiting) waits.push_back(absl::StrCat(why, " ", n));
  absl::StrAppend(&out, "waiting legitimately        ",
                  waits.empty() ? "none" : absl::StrJoin(waits, " · "), "\n");
  absl::StrAppend(&out, "lost journeys               ", check(lost.size()), "\n");
  absl::StrAppend(&out, "stuck journeys              ", check(stuck.size()), "\n");
  absl::StrAppend(&out, "failed journeys             ", check(failed.size()), "\n");
  absl::StrAppendFormat(
      &out, "UNKNOWN touches             %d (in-doubt bound %d, unexplained %s)%s\n",
      static_cast<int>(unknown.size()), static_cast<int>(unknown_bound),
      check(static_cast<size_t>(unknown_unexplained)),
      static_cast<int64_t>(unknown.size()) > unknown_bound ? "  VIOLATION: above the bound" : "");
  absl::StrAppendFormat(
      &out, "replicas that exited alone  %d while serving, %d start-ups that gave up\n",
      static_cast<int>(unexpected_exits.size()), static_cast<int>(failed_starts.size()));
  absl::StrAppendFormat(
      &out,
      "in flight at a payment      %d (information: claimed before it, accepted just after)\n",
      static_cast<int>(in_flight_at_payment.size()));
  auto list = [&out](const char* what, const std::vector<Finding>& findings) {
    for (size_t i = 0; i < findings.size() && i < 15; ++i) {
      absl::StrAppend(&out, "  ! ", what, " ", findings[i].id, ": ", findings[i].detail, "\n");
    }
    if (findings.size() > 15)
      absl::StrAppend(&out, "  ! ... ", findings.size() - 15, " more ", what, " in the JSON\n");
  };
  list("lost", lost);
  list("stuck", stuck);
  list("failed", failed);
  list("exit", unexpected_exits);
  list("start", failed_starts);
  list("in flight", in_flight_at_payment);
  for (size_t i = 0; i < unknown.size() && i < 15; ++i) {
    absl::StrAppend(&out, "  ? UNKNOWN ", unknown[i].touch_id, " (", unknown[i].cause,
                    "): ", unknown[i].detail, "\n");
  }
  if (unknown.size() > 15)
    absl::StrAppend(&out, "  ? ... ", unknown.size() - 15, " more UNKNOWN in the JSON\n");
  absl::StrAppend(&out, "chaos verdict               ",
                  Clean() ? "every invariant held" : "INVARIANT BROKEN", "\n");
  return out;
}

}  // namespace blend::demo
