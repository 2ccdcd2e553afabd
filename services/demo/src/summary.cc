#include "blend/demo/summary.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "blend/demo/event_times.h"

namespace blend::demo {
namespace {

using nlohmann::json;

std::string ChannelOfOperation(const std::string& op) {
  if (op == "sms.send") return "sms";
  if (op == "contacts.add") return "voice";
  if (op == "email.send") return "email";
  return "";
}

struct AuditedSend {
  absl::Time time;
  std::string channel;
  std::string touch_id;
};

void Violation(Summary& s, std::string what) {
  // Enough to find each case in the logs; the counters hold the totals.
  if (s.violations.size() < Summary::kMaxViolationsListed) s.violations.push_back(std::move(what));
}

// Successful touch requests by journey id; touch ids seen more than once count as duplicates.
// Except voice: the dialer inserts a contact under an id derived from the touch, so repeating
// the insertion (after a lost answer) updates the same contact and places no second call. The
// customer-visible duplicate there is a second call, counted from the calls (below).
std::map<std::string, std::vector<AuditedSend>> SendsByJourney(const std::vector<AuditEntry>& audit,
                                                               Summary& s) {
  std::map<std::string, std::vector<AuditedSend>> out;
  std::map<std::string, int> per_touch;
  for (const AuditEntry& e : audit) {
    if (e.status == 429) ++s.rate_limited_responses;
    std::string channel = ChannelOfOperation(e.operation);
    if (channel.empty() || e.status / 100 != 2) continue;
    for (const std::string& touch : e.touch_ids) {
      if (channel == "voice" && per_touch[touch] > 0) continue;  // an upsert of the same contact
      if (++per_touch[touch] > 1) {
        ++s.duplicate_touches;
        Violation(s,
                  absl::StrCat("duplicate touch ", touch, ": ", channel, " accepted again at ",
                               ClockText(e.time), " (", per_touch[touch], " accepted requests)"));
      }
      ++s.touches[channel];
      out[touch.substr(0, touch.find('/'))].push_back({e.time, channel, touch});
    }
  }
  for (auto& [id, sends] : out) {
    std::sort(sends.begin(), sends.end(),
              [](const AuditedSend& a, const AuditedSend& b) { return a.time < b.time; });
  }
  return out;
}

bool InWindowEverywhere(const policy::DailyWindow& w, const std::vector<absl::TimeZone>& zones,
                        absl::Time t) {
  for (const absl::TimeZone& z : zones) {
    if (!policy::InWindow(w, z, t)) return false;
  }
  return true;
}

bool WindowClosed(const std::map<std::string, policy::DailyWindow>& windows,
                  const std::vector<absl::TimeZone>& zones, absl::Time t) {
  for (const auto& [channel, window] : windows) {
    if (channel != "email" && !InWindowEverywhere(window, zones, t)) return true;
  }
  return false;
}

void CountPayment(const std::string& customer, const Payment& p,
                  const std::vector<AuditedSend>& sends, Summary& s) {
  ++s.paid;
  std::string last;
  for (const AuditedSend& send : sends) {
    if (send.time < p.acknowledged) {
      last = send.channel;
    } else {
      ++s.touches_after_payment;
      s.after_payment.push_back({send.touch_id, customer, send.time, p.acknowledged});
      Violation(s, absl::StrCat("touch after payment: ", send.touch_id, " (", customer, ") ",
                                send.channel, " at ", ClockText(send.time), ", payment at ",
                                ClockText(p.acknowledged)));
    }
  }
  if (!last.empty()) ++s.conversions_by_first_channel[sends.front().channel];
  if (last.empty()) ++s.paid_before_any_touch;
  else if (last == "sms") ++s.paid_after_sms;
  else if (last == "voice") ++s.paid_after_voice;
  else ++s.paid_after_email;
}

// The demo campaign's first touch states: Sms (the default), CallFirst (history says the
// customer answers calls), EmailOnly (on the DNC list).
std::string FirstChannel(const JourneyRecord& j) {
  for (const std::string& state : j.states_entered) {
    if (state == "Sms") return "sms";
    if (state == "CallFirst") return "voice";
    if (state == "EmailOnly") return "email";
  }
  return "";
}

bool Entered(const JourneyRecord& j, std::string_view state) {
  return std::find(j.states_entered.begin(), j.states_entered.end(), state) !=
         j.states_entered.end();
}

// Calls after a payment or an opt-out (call_race.h), each instant as Blend committed it.
void CountCallRace(const SummaryInputs& in, const std::map<std::string, absl::Time>& stop_at,
                   Summary& s) {
  CallRaceInputs race;
  race.audit = in.audit;
  race.calls = in.calls;
  race.touch_done_at = in.db.touch_done_at;
  for (const auto& [customer, journey] : in.journey_of_customer)
    race.customer_of_journey[journey] = customer;
  for (const DemoCustomer& c : in.customers) {
    race.customer_of_phone[c.phone_e164] = c.customer_id;
    if (auto db = in.db.payment_commits.find(c.customer_id); db != in.db.payment_commits.end()) {
      race.paid_at[c.customer_id] = db->second;
    } else if (auto p = in.payments.find(c.customer_id); p != in.payments.end()) {
      race.paid_at[c.customer_id] = p->second.acknowledged;
    }
    if (auto db = in.db.opt_out_commits.find(c.phone_e164); db != in.db.opt_out_commits.end()) {
      race.opted_out_at[c.customer_id] = db->second;
    } else if (auto stop = stop_at.find(c.phone_e164); stop != stop_at.end()) {
      race.opted_out_at[c.customer_id] = stop->second;
    }
  }
  CallRace r = ComputeCallRace(race);
  s.calls_after_payment = r.calls_after_payment;
  s.calls_after_opt_out = r.calls_after_opt_out;
  s.calls_in_progress_at_payment = r.calls_in_progress_at_payment;
  s.payments_with_contact_queued = r.payments_with_contact_queued;
  s.withdrawn = r.withdrawn;
  s.withdraw_latency_ms = r.withdraw_latency_ms;
  s.precall_evaluations = r.precall_evaluations;
  s.precall_skipped = r.precall_skipped;
  s.precall_error_skipped = r.precall_error_skipped;
  s.dial_check = in.dial_check;
  for (std::string& v : r.violations) Violation(s, std::move(v));
}

}  // namespace

Summary ComputeSummary(const SummaryInputs& in) {
  Summary s;
  s.touches = {{"sms", 0}, {"voice", 0}, {"email", 0}};
  s.conversions_by_first_channel = s.touches;
  s.first_channel = s.touches;
  s.started = static_cast<int>(in.journey_of_customer.size());
  s.rejected = in.rejected;

  s.elapsed_seconds = in.elapsed_seconds;
  std::map<std::string, std::vector<AuditedSend>> sends = SendsByJourney(in.audit, s);
  std::map<std::string, absl::Time> opt_out_at;
  for (const OptOutEvent& o : in.opt_outs) {
    auto [it, fresh] = opt_out_at.emplace(o.phone_e164, o.time);
    if (!fresh) it->second = std::min(it->second, o.time);
  }
  std::map<std::string, std::vector<const Call*>> calls_to;
  for (const Call& call : in.calls) {
    if (!call.Placed()) continue;
    ++s.calls_dialed;
    calls_to[call.phone_e164].push_back(&call);
  }
  std::map<std::string, const JourneyRecord*> journeys;
  for (const JourneyRecord& j : in.journeys) journeys[j.journey_id] = &j;

  for (const DemoCustomer& c : in.customers) {
    auto jit = in.journey_of_customer.find(c.customer_id);
    if (jit == in.journey_of_customer.end()) continue;
    const std::vector<AuditedSend>& mine = sends[jit->second];
    std::vector<absl::TimeZone> zones = policy::CandidateZones(c.time_zone, "", c.phone_e164);
    for (const AuditedSend& send : mine) {
      auto w = in.windows.find(send.channel);
      if (w != in.windows.end() && !InWindowEverywhere(w->second, zones, send.time)) {
        ++s.touches_outside_quiet_hours;
        Violation(s, absl::StrCat("touch outside the calling window: ", send.touch_id, " (",
                                  c.customer_id, ", ", c.time_zone, ") ", send.channel, " at ",
                                  ClockText(send.time)));
      }
    }
    const std::vector<const Call*>& calls = calls_to[c.phone_e164];
    const auto voice_touches = std::count_if(
        mine.begin(), mine.end(), [](const AuditedSend& x) { return x.channel == "voice"; });
    if (static_cast<long>(calls.size()) > voice_touches) {
      s.duplicate_touches += static_cast<int>(calls.size()) - static_cast<int>(voice_touches);
      Violation(s, absl::StrCat("duplicate call: ", c.customer_id, " called ", calls.size(),
                                " times for ", voice_touches, " voice touch(es)"));
    }
    if (auto p = in.payments.find(c.customer_id);
        p != in.payments.end() && p->second.journeys_matched > 0) {
      CountPayment(c.customer_id, p->second, mine, s);
    }
    auto opt = opt_out_at.find(c.phone_e164);
    if (opt != opt_out_at.end()) {
      ++s.opted_out;
      for (const AuditedSend& send : mine) {
        if (send.time <= opt->second) continue;
        if (send.channel == "sms") {
          ++s.touches_after_opt_out;
          Violation(s,
                    absl::StrCat("SMS after opt-out: ", send.touch_id, " (", c.customer_id, ") at ",
                                 ClockText(send.time), ", STOP at ", ClockText(opt->second)));
        }
        if (send.channel == "voice") ++s.inserts_scrubbed_after_opt_out;
      }
    }
    auto j = journeys.find(jit->second);
    if (j == journeys.end()) continue;
    const JourneyRecord& rec = *j->second;
    if (rec.status == "SUCCEEDED") ++s.succeeded;
    else if (rec.status == "FAILED" || rec.status == "TIMED_OUT") ++s.failed;
    else if (rec.status == "CANCELLED") ++s.cancelled;
    else ++s.still_running;
    if (rec.status == "RUNNING" && rec.waiting_on_touch &&
        WindowClosed(in.windows, zones, in.end)) {
      ++s.held_by_quiet_hours;
    }
    if (std::string first = FirstChannel(rec); !first.empty()) ++s.first_channel[first];
    if (Entered(rec, "PromiseToPay")) ++s.answered;
    if (Entered(rec, "NoAnswerEmail")) ++s.no_answer_email;
    if (Entered(rec, "EmailOnly") && opt == opt_out_at.end()) ++s.blocked_by_dnc;
  }
  CountCallRace(in, opt_out_at, s);
  return s;
}

bool CallingWindowClosed(const std::map<std::string, policy::DailyWindow>& windows,
                         const DemoCustomer& customer, absl::Time t) {
  return WindowClosed(windows, policy::CandidateZones(customer.time_zone, "", customer.phone_e164),
                      t);
}

bool Summary::Clean() const {
  return duplicate_touches == 0 && touches_after_payment == 0 && touches_outside_quiet_hours == 0 &&
         touches_after_opt_out == 0 && rate_limited_responses == 0 && calls_after_payment == 0 &&
         calls_after_opt_out == 0;
}

json Summary::ToJson() const {
  return {{"started", started},
          {"rejected", rejected},
          {"succeeded", succeeded},
          {"failed", failed},
          {"cancelled", cancelled},
          {"still_running", still_running},
          {"held_by_quiet_hours", held_by_quiet_hours},
          {"paid", paid},
          {"paid_before_any_touch", paid_before_any_touch},
          {"paid_after_sms", paid_after_sms},
          {"paid_after_voice", paid_after_voice},
          {"paid_after_email", paid_after_email},
          {"first_channel", first_channel},
          {"conversions_by_first_channel", conversions_by_first_channel},
          {"answered", answered},
          {"no_answer_email", no_answer_email},
          {"blocked_by_dnc", blocked_by_dnc},
          {"opted_out", opted_out},
          {"touches", touches},
          {"calls_dialed", calls_dialed},
          {"rate_limited_responses", rate_limited_responses},
          {"duplicate_touches", duplicate_touches},
          {"touches_after_payment", touches_after_payment},
          {"touches_outside_quiet_hours", touches_outside_quiet_hours},
          {"touches_after_opt_out", touches_after_opt_out},
          {"inserts_scrubbed_after_opt_out", inserts_scrubbed_after_opt_out},
          {"calls_after_payment", calls_after_payment},
          {"calls_after_opt_out", calls_after_opt_out},
          {"calls_in_progress_at_payment", calls_in_progress_at_payment},
          {"payments_with_contact_queued", payments_with_contact_queued},
          {"withdrawn", withdrawn},
          {"withdraw_latency_ms",
           {{"p50", withdraw_latency_ms.p50},
            {"p99", withdraw_latency_ms.p99},
            {"count", withdraw_latency_ms.count}}},
          {"precall_evaluations", precall_evaluations},
          {"precall_skipped", precall_skipped},
          {"precall_error_skipped", precall_error_skipped},
          {"dial_check", dial_check.empty() ? json() : json(dial_check)},
          {"elapsed_seconds", elapsed_seconds},
          {"violations", violations},
          {"clean", Clean()}};
}

std::string Summary::ToText() const {
  auto check = [](int n) { return n == 0 ? "0  ok" : absl::StrCat(n, "  VIOLATION"); };
  std::string out;
  absl::StrAppendFormat(&out, "journeys started            %6d   (rejected %d)\n", started,
                        rejected);
  absl::StrAppendFormat(&out, "  succeeded                 %6d\n", succeeded);
  absl::StrAppendFormat(&out, "  failed                    %6d\n", failed);
  absl::StrAppendFormat(&out, "  still running             %6d   (held by quiet hours: %d)\n",
                        still_running, held_by_quiet_hours);
  absl::StrAppendFormat(&out, "paid                        %6d\n", paid);
  absl::StrAppendFormat(&out, "  before any touch          %6d\n", paid_before_any_touch);
  absl::StrAppendFormat(&out, "  after the SMS             %6d\n", paid_after_sms);
  absl::StrAppendFormat(&out, "  after the call            %6d\n", paid_after_voice);
  absl::StrAppendFormat(&out, "  after the email           %6d\n", paid_after_email);
  absl::StrAppendFormat(&out, "first touch (from history)   sms %d · voice %d · email %d\n",
                        first_channel.at("sms"), first_channel.at("voice"),
                        first_channel.at("email"));
  absl::StrAppendFormat(&out, "converted, by first touch   sms %d · voice %d · email %d\n",
                        conversions_by_first_channel.at("sms"),
                        conversions_by_first_channel.at("voice"),
                        conversions_by_first_channel.at("email"));
  absl::StrAppendFormat(&out, "calls answered              %6d\n", answered);
  absl::StrAppendFormat(&out, "no answer -> email          %6d\n", no_answer_email);
  absl::StrAppendFormat(&out, "blocked by DNC -> email     %6d\n", blocked_by_dnc);
  absl::StrAppendFormat(&out, "opted out (STOP) -> email   %6d\n", opted_out);
  absl::StrAppendFormat(
      &out, "touches sent                sms %d · voice %d · email %d (calls dialed %d)\n",
      touches.at("sms"), touches.at("voice"), touches.at("email"), calls_dialed);
  absl::StrAppendFormat(&out, "429s received from Genesys  %s\n", check(rate_limited_responses));
  absl::StrAppendFormat(&out, "duplicate touches (audit)   %s\n", check(duplicate_touches));
  absl::StrAppendFormat(&out, "touches after a payment     %s\n", check(touches_after_payment));
  absl::StrAppendFormat(&out, "touches after an opt-out    %s\n", check(touches_after_opt_out));
  absl::StrAppendFormat(&out, "touches outside quiet hours %s\n",
                        check(touches_outside_quiet_hours));
  absl::StrAppendFormat(&out, "calls after a payment       %s\n", check(calls_after_payment));
  absl::StrAppendFormat(&out, "calls after an opt-out      %s\n", check(calls_after_opt_out));
  absl::StrAppendFormat(
      &out,
      "calls in progress at payment  %d   (dialled, or checked at dial time, before a payment"
      " or STOP, outcome not yet in Blend: not a violation)\n",
      calls_in_progress_at_payment);
  absl::StrAppendFormat(
      &out, "withdrawn from Genesys      %6d   (payments that found a contact queued: %d)\n",
      withdrawn, payments_with_contact_queued);
  absl::StrAppendFormat(&out, "  payment -> contact removed  p50 %d ms · p99 %d ms (%d removals)\n",
                        withdraw_latency_ms.p50, withdraw_latency_ms.p99,
                        withdraw_latency_ms.count);
  absl::StrAppendFormat(
      &out,
      "skipped at dial time        %6d   (%d more for no usable answer; dial-time check"
      " asked %s, %d evaluations seen)\n",
      precall_skipped, precall_error_skipped, dial_check.empty() ? "-" : dial_check,
      precall_evaluations);
  absl::StrAppendFormat(
      &out,
      "(information) contacts inserted in the instant of a STOP, not called (DNC scrub): %d\n",
      inserts_scrubbed_after_opt_out);
  absl::StrAppendFormat(&out, "elapsed                     %.1f s\n", elapsed_seconds);
  for (size_t i = 0; i < violations.size() && i < 20; ++i)
    absl::StrAppend(&out, "  ! ", violations[i], "\n");
  if (violations.size() > 20)
    absl::StrAppend(&out, "  ! ... ", violations.size() - 20, " more in the JSON summary\n");
  return out;
}

std::map<std::string, policy::DailyWindow> CallingWindows(const std::string& policies_json) {
  std::map<std::string, policy::DailyWindow> out = {{"sms", {}}, {"voice", {}}};
  json p = json::parse(policies_json, nullptr, false);
  if (p.is_discarded() || !p.contains("quietHours") || !p["quietHours"].is_object()) return out;
  for (const std::string channel : {"sms", "voice", "email"}) {
    if (!p["quietHours"].contains(channel)) continue;
    const json& w = p["quietHours"][channel];
    if (w.is_null()) {
      out.erase(channel);
      continue;
    }
    auto parsed = policy::ParseDailyWindow(w.value("from", "08:00"), w.value("until", "21:00"));
    if (parsed.ok()) out[channel] = *parsed;
  }
  return out;
}

}  // namespace blend::demo
