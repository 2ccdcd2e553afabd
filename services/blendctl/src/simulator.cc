#include "blend/blendctl/simulator.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "blend/engagement/profile.h"
#include "blend/journey/choice.h"
#include "blend/journey/interpreter.h"

namespace blend::blendctl {
namespace {

using json = nlohmann::json;
namespace jr = blend::journey;

constexpr char kDefaultStart[] = "2026-01-06T15:00:00Z";  // a Tuesday, 10:00 in New York
constexpr int kMaxTimerFirings = 10000;

absl::Status ScriptError(size_t step, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("script step ", step, ": ", why));
}

class Simulation {
 public:
  Simulation(const jr::CompiledCampaign& campaign) : campaign_(campaign) {}

  absl::StatusOr<SimulationResult> Run(const json& input, const json& script) {
    if (!script.is_object()) return absl::InvalidArgumentError("the script must be a JSON object");
    auto start = jr::ParseTimestamp(script.value("start", std::string(kDefaultStart)));
    if (!start) return absl::InvalidArgumentError("script 'start' must be an RFC 3339 timestamp");
    now_ = *start;
    if (auto st = ApplyFacts(script.value("facts", json::object())); !st.ok()) return st;
    jr::StartTrigger start_trigger;
    start_trigger.journey_id = script.value("journeyId", "sim-journey");
    start_trigger.input = input;
    start_trigger.customer = Customer(script.value("customer", json::object()));
    start_trigger.uuid_seed = script.value("uuidSeed", "sim-seed");
    Record(json{{"kind", "trigger"}, {"what", "start"}, {"detail", input}});
    Apply(start_trigger);
    const json steps = script.value("steps", json::array());
    if (!steps.is_array()) return absl::InvalidArgumentError("script 'steps' must be an array");
    for (size_t i = 0; i < steps.size(); ++i) {
      if (auto st = RunStep(i, steps[i]); !st.ok()) return st;
    }
    if (script.value("runTimersAtEnd", true)) FireTimersUntil(absl::InfiniteFuture());
    SimulationResult result;
    result.timeline = std::move(timeline_);
    result.final_status = std::string(jr::JourneyStatusName(state_.status));
    result.output = state_.output;
    result.error = state_.error;
    result.cause = state_.cause;
    return result;
  }

 private:
  static jr::CustomerInfo Customer(const json& c) {
    return jr::CustomerInfo{c.value("id", "sim-customer"), c.value("phone", ""),
                            c.value("email", ""), c.value("timeZone", ""),
                            c.value("postalTimeZone", "")};
  }

  absl::Status ApplyFacts(const json& f) {
    if (!f.is_object()) return absl::InvalidArgumentError("'facts' must be an object");
    if (f.contains("attributes")) {
      if (!f["attributes"].is_object())
        return absl::InvalidArgumentError("facts.attributes must be an object");
      facts_.attributes.update(f["attributes"]);
    }
    if (f.contains("optedOut")) {
      facts_.sms_opted_out = facts_.voice_opted_out = facts_.email_opted_out = false;
      for (const json& c : f["optedOut"]) {
        if (c == "sms") facts_.sms_opted_out = true;
        else if (c == "voice") facts_.voice_opted_out = true;
        else if (c == "email") facts_.email_opted_out = true;
        else return absl::InvalidArgumentError("facts.optedOut lists channels: sms, voice, email");
      }
    }
    if (f.contains("dncActive")) facts_.dnc_active = f.value("dncActive", false);
    if (f.contains("engagementProfile")) {
      // The stored profile form (`blendctl customer engagement ID --json` prints it), shown
      // to the journey exactly as the orchestrator would: libs/engagement FactsJson.
      auto profile = engagement::ProfileFromJson(f["engagementProfile"]);
      if (!profile.ok()) return profile.status();
      facts_.engagement = engagement::FactsJson(*profile);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<absl::Time> StepTime(size_t i, const json& step, absl::Time fallback) {
    if (!step.contains("at")) return fallback;
    if (!step["at"].is_string()) return ScriptError(i, "'at' is \"+1h30m\" or an RFC 3339 time");
    std::string at = step["at"];
    absl::Time t;
    if (!at.empty() && at[0] == '+') {
      absl::Duration d;
      if (!absl::ParseDuration(at.substr(1), &d)) return ScriptError(i, "bad relative time " + at);
      t = now_ + d;
    } else if (auto abs = jr::ParseTimestamp(at)) {
      t = *abs;
    } else {
      return ScriptError(i, "bad time " + at);
    }
    if (t < now_) return ScriptError(i, "time goes backwards (" + at + ")");
    return t;
  }

  absl::Status RunStep(size_t i, const json& step) {
    if (!step.is_object()) return ScriptError(i, "a step is an object");
    if (step.contains("disposition")) return Disposition(i, step);
    auto at = StepTime(i, step, now_);
    if (!at.ok()) return at.status();
    FireTimersUntil(*at);
    now_ = std::max(now_, *at);
    if (step.contains("event")) {
      const json& e = step["event"];
      if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
        return ScriptError(i, "event needs \"type\"");
      }
      jr::CustomerEventTrigger t{e.value("id", absl::StrCat("event-", i)), e["type"],
                                 e.value("attributes", json::object())};
      if (t.attributes.is_object()) facts_.attributes.update(t.attributes);
      Record(json{{"kind", "trigger"}, {"what", "event"}, {"detail", e}});
      Apply(t);
    } else if (step.contains("facts")) {
      if (auto st = ApplyFacts(step["facts"]); !st.ok())
        return ScriptError(i, std::string(st.message()));
      Record(json{{"kind", "trigger"}, {"what", "facts"}, {"detail", step["facts"]}});
    } else if (step.contains("cancel")) {
      Record(json{{"kind", "trigger"}, {"what", "cancel"}, {"detail", step["cancel"]}});
      Apply(jr::CancelTrigger{step["cancel"].is_string() ? step["cancel"].get<std::string>()
                                                         : "cancelled"});
    } else if (!step.contains("at")) {
      return ScriptError(i, "a step has one of disposition, event, facts, cancel (or only \"at\")");
    }
    return absl::OkStatus();
  }

  std::string FindTouch(const json& d) {
    std::string touch_id = d.value("touchId", "");
    if (!touch_id.empty()) return pending_touches_.count(touch_id) ? touch_id : "";
    std::string state = d.value("state", "");
    int64_t best = -1;
    for (const auto& [id, t] : pending_touches_) {
      if (t.state_name == state && t.seq > best) {
        touch_id = id;
        best = t.seq;
      }
    }
    return touch_id;
  }

  absl::Status Disposition(size_t i, const json& step) {
    const json& d = step["disposition"];
    if (!d.is_object()) return ScriptError(i, "disposition is an object");
    // An UNKNOWN disposition (in doubt) is the one outcome named as such: the campaign's
    // onUnknown policy decides what it does, as in the orchestrator.
    const bool in_doubt = d.contains("outcome") && d["outcome"] == "UNKNOWN";
    if (d.contains("outcome") && !in_doubt) {
      return ScriptError(i,
                         "disposition \"outcome\" is only \"UNKNOWN\" (in doubt); give "
                         "\"result\" for a sent touch, \"error\" for a failed one");
    }
    std::string touch_id = FindTouch(d);
    // Without "at", let virtual time run until the touch is emitted.
    while (!step.contains("at") && touch_id.empty() && FireNextTimer(absl::InfiniteFuture())) {
      touch_id = FindTouch(d);
    }
    auto it = pending_touches_.find(touch_id);
    // A touch is answered no earlier than it may be sent.
    absl::Time fallback =
        it == pending_touches_.end() ? now_ : std::max(now_, it->second.not_before);
    auto at = StepTime(i, step, fallback);
    if (!at.ok()) return at.status();
    FireTimersUntil(*at);
    now_ = std::max(now_, *at);
    it = pending_touches_.find(touch_id);
    if (it == pending_touches_.end()) {
      Record(json{{"kind", "note"},
                  {"detail", absl::StrCat("step ", i, ": no pending touch for ", d.dump(),
                                          "; step skipped")}});
      return absl::OkStatus();
    }
    pending_touches_.erase(it);
    jr::TaskResultTrigger t;
    t.touch_id = touch_id;
    t.ok = d.value("ok", !d.contains("error"));
    t.result = d.value("result", json::object());
    t.error = d.value("error", "");
    t.cause = d.value("cause", "");
    t.in_doubt = in_doubt;
    Record(json{{"kind", "trigger"}, {"what", "disposition"}, {"detail", d}});
    Apply(t);
    return absl::OkStatus();
  }

  void FireTimersUntil(absl::Time until) {
    for (int n = 0; n < kMaxTimerFirings && FireNextTimer(until); ++n) {
    }
  }

  // Fires the earliest pending timer due at or before `until`; false when there is none.
  bool FireNextTimer(absl::Time until) {
    if (state_.status != jr::JourneyStatus::kRunning) return false;
    auto next = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (next == timers_.end() || it->second < next->second) next = it;
    }
    if (next == timers_.end() || next->second.first > until) return false;
    std::string id = next->first;
    now_ = std::max(now_, next->second.first);
    timers_.erase(next);
    Record(json{{"kind", "trigger"}, {"what", "timer"}, {"detail", id}});
    Apply(jr::TimerFiredTrigger{id});
    return true;
  }

  void Apply(const jr::Trigger& trigger) {
    jr::StepResult r = jr::Step(campaign_, state_, facts_, trigger, now_);
    state_ = std::move(r.next);
    for (const jr::Effect& e : r.effects) Observe(e);
  }

  void Observe(const jr::Effect& effect) {
    if (const auto* t = std::get_if<jr::EmitTouch>(&effect)) {
      pending_touches_[t->touch_id] = PendingTouch{t->state_name, t->not_before, ++seq_};
      facts_.past_touches[t->channel].push_back(t->not_before);
      Record(json{{"kind", "touch"},
                  {"state", t->state_name},
                  {"channel", ChannelName(t->channel)},
                  {"touchId", t->touch_id},
                  {"notBefore", jr::FormatTimestamp(t->not_before)},
                  {"deferred", t->not_before > now_},
                  {"parameters", t->parameters}});
    } else if (const auto* t = std::get_if<jr::SetTimer>(&effect)) {
      timers_[t->timer_id] = {t->at, ++seq_};
      Record(json{
          {"kind", "timer-set"}, {"timerId", t->timer_id}, {"fireAt", jr::FormatTimestamp(t->at)}});
    } else if (const auto* t = std::get_if<jr::CancelTimer>(&effect)) {
      timers_.erase(t->timer_id);
      Record(json{{"kind", "timer-cancelled"}, {"timerId", t->timer_id}});
    } else if (const auto* h = std::get_if<jr::HistoryEntry>(&effect)) {
      if (h->kind == "StateEntered") {
        Record(json{{"kind", "enter"}, {"state", h->state_name}});
      } else if (h->kind != "TaskScheduled" && h->kind != "JourneyFinished" &&
                 h->kind != "WaitStarted") {
        Record(json{{"kind", "history"},
                    {"event", h->kind},
                    {"state", h->state_name},
                    {"detail", h->detail}});
      }
    } else if (const auto* f = std::get_if<jr::Finish>(&effect)) {
      json j = {
          {"kind", "finish"}, {"status", jr::JourneyStatusName(f->status)}, {"output", f->output}};
      if (!f->error.empty()) j["error"] = f->error;
      if (!f->cause.empty()) j["cause"] = f->cause;
      Record(std::move(j));
      pending_touches_.clear();
      timers_.clear();
    }
  }

  void Record(json record) { timeline_.push_back(TimelineEntry{now_, std::move(record)}); }

  struct PendingTouch {
    std::string state_name;
    absl::Time not_before;
    int64_t seq = 0;
  };

  const jr::CompiledCampaign& campaign_;
  jr::JourneyState state_;
  jr::CustomerFacts facts_;
  absl::Time now_;
  int64_t seq_ = 0;
  std::map<std::string, std::pair<absl::Time, int64_t>> timers_;
  std::map<std::string, PendingTouch> pending_touches_;
  std::vector<TimelineEntry> timeline_;
};

std::string Detail(const json& r) {
  const std::string kind = r.value("kind", "");
  if (kind == "trigger") {
    const json& d = r["detail"];
    return absl::StrCat(r.value("what", ""),
                        d.is_null() ? "" : " " + (d.is_string() ? d.get<std::string>() : d.dump()));
  }
  if (kind == "touch") {
    return absl::StrCat(r.value("channel", ""), " ", r.value("touchId", ""), " not before ",
                        r.value("notBefore", ""), r.value("deferred", false) ? " (deferred)" : "");
  }
  if (kind == "timer-set")
    return absl::StrCat(r.value("timerId", ""), " fires at ", r.value("fireAt", ""));
  if (kind == "timer-cancelled") return r.value("timerId", "");
  if (kind == "history") return absl::StrCat(r.value("event", ""), " ", r["detail"].dump());
  if (kind == "finish") {
    return absl::StrCat(r.value("status", ""),
                        r.contains("error") ? " error=" + r["error"].get<std::string>() : "",
                        r.contains("cause") ? " cause=" + r["cause"].get<std::string>() : "",
                        " output=", r["output"].dump());
  }
  if (kind == "note") return r.value("detail", "");
  return "";
}

}  // namespace

absl::StatusOr<SimulationResult> Simulate(const journey::CompiledCampaign& campaign,
                                          const json& input, const json& script) {
  Simulation sim(campaign);
  try {  // the script is user input: a field of the wrong JSON type throws
    return sim.Run(input, script);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("script: ", e.what()));
  }
}

std::string FormatTimelineTable(const SimulationResult& result) {
  std::string out =
      absl::StrFormat("%-20s  %-15s  %-24s  %s\n", "TIME (UTC)", "WHAT", "STATE", "DETAIL");
  for (const TimelineEntry& e : result.timeline) {
    std::string detail = Detail(e.record);
    if (detail.size() > 160) detail = detail.substr(0, 157) + "...";
    absl::StrAppendFormat(&out, "%-20s  %-15s  %-24s  %s\n",
                          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", e.at, absl::UTCTimeZone()),
                          e.record.value("kind", ""), e.record.value("state", ""), detail);
  }
  absl::StrAppend(&out, "final status: ", result.final_status, "\n");
  return out;
}

std::string FormatTimelineJsonLines(const SimulationResult& result) {
  std::string out;
  for (const TimelineEntry& e : result.timeline) {
    json line = e.record;
    line["at"] = journey::FormatTimestamp(e.at);
    absl::StrAppend(&out, line.dump(), "\n");
  }
  json last = {{"kind", "final"}, {"status", result.final_status}, {"output", result.output}};
  if (!result.error.empty()) last["error"] = result.error;
  if (!result.cause.empty()) last["cause"] = result.cause;
  absl::StrAppend(&out, last.dump(), "\n");
  return out;
}

}  // namespace blend::blendctl
