#include "blend/journey/interpreter.h"

#include <cmath>
#include <deque>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "blend/engagement/best_hour.h"
#include "blend/policy/policy.h"
#include "compiled.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;
using internal::Catcher;
using internal::Machine;
using internal::OptionalPath;
using internal::State;
using internal::StateType;

constexpr char kMainRun[] = "main";
const std::string kNoState;
constexpr double kMaxSeconds = 31622400;  // 366 days: the longest wait, timeout or back-off

// FNV-1a: a stable hash (absl::Hash is seeded per process, so it is useless for ids).
uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string DeterministicUuid(const std::string& seed, int64_t counter) {
  std::string key = absl::StrCat(seed, "#", counter);
  uint64_t hi = Fnv1a(key);
  uint64_t lo = Fnv1a(key, hi ^ 0x9e3779b97f4a7c15ull);
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffull);
}

bool ErrorMatches(const std::vector<std::string>& names, const std::string& error) {
  for (const std::string& n : names) {
    if (n == error) return true;
    // States.ALL matches everything but States.Runtime (as in AWS Step Functions).
    if (n == "States.ALL" && error != "States.Runtime") return true;
    // Blend.TouchUnknown was the documented error of an UNKNOWN disposition before the
    // onUnknown policy: campaigns that name it keep catching in-doubt touches.
    if (n == "Blend.TouchUnknown" && error == kTouchInDoubtError) return true;
    if (n == "States.TaskFailed" && error != "States.Timeout" && error != "States.Runtime" &&
        !error.starts_with("States.")) {
      return true;
    }
  }
  return false;
}

std::optional<Channel> TouchChannel(BlendResource r) {
  switch (r) {
    case BlendResource::kSms:
      return Channel::kSms;
    case BlendResource::kVoice:
      return Channel::kVoice;
    case BlendResource::kEmail:
      return Channel::kEmail;
    default:
      return std::nullopt;
  }
}

struct StateError {
  std::string error;
  std::string cause;
};

class Stepper {
 public:
  Stepper(const CompiledCampaign& campaign, JourneyState state, const CustomerFacts& facts,
          absl::Time now)
      : campaign_(campaign), def_(campaign.definition()), facts_(facts), now_(now) {
    result_.next = std::move(state);
    // The caller's randomness (StartTrigger::uuid_seed) expanded deterministically, so a replay
    // draws the same values; what was drawn is recorded in history (IntrinsicRandomness).
    uuid_ = [this] {
      std::string v = DeterministicUuid(st().uuid_seed, ++st().step_counter);
      drawn_.push_back(json{{"function", "States.UUID"}, {"value", v}});
      return v;
    };
    random_ = [this] {
      ++st().step_counter;
      uint64_t bits =
          Fnv1a(absl::StrCat(st().uuid_seed, "#random#", *drawing_state_, "#", st().step_counter));
      bits = Fnv1a(absl::StrCat(bits), bits);  // two rounds: FNV-1a's low bits alone mix poorly
      drawn_.push_back(json{{"function", "States.MathRandom"}, {"bits", absl::StrCat(bits)}});
      return bits;
    };
  }

  StepResult Process(const Trigger& trigger) {
    if (!std::holds_alternative<StartTrigger>(trigger) && !CheckRunsMatchDefinition()) {
      Drain();
      return std::move(result_);
    }
    std::visit([this](const auto& t) { Apply(t); }, trigger);
    Drain();
    return std::move(result_);
  }

 private:
  JourneyState& st() { return result_.next; }

  void Emit(Effect e) { result_.effects.push_back(std::move(e)); }
  void History(std::string kind, const std::string& state_name, json detail = json()) {
    Emit(HistoryEntry{std::move(kind), state_name, std::move(detail)});
  }
  void Ignore(std::string why) { History("TriggerIgnored", "", json{{"reason", std::move(why)}}); }

  std::string NewTimerId() { return absl::StrCat(st().journey_id, "/timer/", ++st().step_counter); }

  const Machine& MachineOf(const struct Run& run) const { return def_.machines[run.machine]; }
  const State& StateOf(const struct Run& run) const {
    const Machine& m = MachineOf(run);
    return m.states[m.by_name.at(run.state)];
  }

  // A stored state may come from another version of the campaign: a run naming a state the
  // definition lacks would otherwise crash the lookup. Fail the journey instead.
  bool CheckRunsMatchDefinition() {
    if (st().status != JourneyStatus::kRunning) return true;
    for (const auto& [id, run] : st().runs) {
      bool ok = run.machine >= 0 && run.machine < static_cast<int>(def_.machines.size()) &&
                def_.machines[run.machine].by_name.contains(run.state) && WaitingFits(run) &&
                (run.parent.empty() || IsBranchOf(run, run.parent)) && MapCountersFit(run);
      if (!ok) {
        FinishJourney(JourneyStatus::kFailed, json(), "Blend.DefinitionMismatch",
                      absl::StrCat("run '", id, "' is in state '", run.state, "', which campaign '",
                                   campaign_.campaign_id(), "' does not define"));
        return false;
      }
    }
    return true;
  }

  // What a run waits for must be something its state can wait for.
  bool WaitingFits(const struct Run& run) const {
    StateType t = StateOf(run).type;
    switch (run.waiting) {
      case Run::Waiting::kNone:
        return true;
      case Run::Waiting::kWait:
        return t == StateType::kWait;
      case Run::Waiting::kTask:
      case Run::Waiting::kEvent:
        return t == StateType::kTask;
      case Run::Waiting::kRetry:
        return t == StateType::kTask || t == StateType::kParallel || t == StateType::kMap;
      case Run::Waiting::kBranches:
        return t == StateType::kParallel || t == StateType::kMap;
    }
    return false;
  }

  // A Map waiting on its iterations: its counters must describe its items (a stored state is
  // untrusted; a negative index would grow the items array without bound).
  bool MapCountersFit(const struct Run& run) const {
    if (run.waiting != Run::Waiting::kBranches || StateOf(run).type != StateType::kMap) return true;
    const int n = run.branch_results.is_array() ? static_cast<int>(run.branch_results.size()) : -1;
    return n > 0 && run.map_inputs.is_array() && static_cast<int>(run.map_inputs.size()) == n &&
           run.map_next >= 0 && run.map_next <= n && run.map_failed >= 0 && run.map_failed <= n &&
           run.pending_branches > 0 && run.pending_branches <= n &&
           run.map_next >= n - run.pending_branches;
  }

  bool IsBranchOf(const struct Run& run, const std::string& parent_id) {
    auto it = st().runs.find(parent_id);
    return it != st().runs.end() && it->second.waiting == Run::Waiting::kBranches &&
           it->second.branch_results.is_array() && run.branch_index >= 0 &&
           run.branch_index < static_cast<int>(it->second.branch_results.size());
  }

  // triggers

  void Apply(const StartTrigger& t) {
    if (st().status != JourneyStatus::kNotStarted) return Ignore("journey already started");
    st().journey_id = t.journey_id;
    st().campaign_id = campaign_.campaign_id();
    st().status = JourneyStatus::kRunning;
    st().start_time = now_;
    st().execution_input = t.input;
    st().customer = t.customer;
    st().uuid_seed = t.uuid_seed.empty() ? t.journey_id : t.uuid_seed;
    History("JourneyStarted", "", json{{"input", t.input}});
    if (def_.timeout_seconds) {
      st().journey_timer_id = NewTimerId();
      Emit(SetTimer{st().journey_timer_id, now_ + absl::Seconds(*def_.timeout_seconds)});
    }
    struct Run main;
    main.machine = 0;
    st().runs[kMainRun] = std::move(main);
    const Machine& m = def_.machines[0];
    Enter(kMainRun, m.states[m.start], t.input);
  }

  void Apply(const TimerFiredTrigger& t) {
    if (st().status != JourneyStatus::kRunning) return Ignore("journey is not running");
    if (!st().journey_timer_id.empty() && t.timer_id == st().journey_timer_id) {
      st().journey_timer_id.clear();
      return FinishJourney(JourneyStatus::kTimedOut, json(), "States.Timeout",
                           "the journey exceeded its TimeoutSeconds");
    }
    for (auto& [id, run] : st().runs) {
      if (run.timer_id != t.timer_id) continue;
      run.timer_id.clear();
      const State& s = StateOf(run);
      switch (run.waiting) {
        case Run::Waiting::kWait: {
          run.waiting = Run::Waiting::kNone;
          auto effective = Take(s.input_path, std::move(run.input));
          if (!effective) return Fail(id, {"States.Runtime", Missing(s.input_path)});
          return Complete(id, *std::move(effective));
        }
        case Run::Waiting::kRetry:
          run.waiting = Run::Waiting::kNone;
          ++run.retry_count;
          return Schedule(id);
        case Run::Waiting::kTask:
        case Run::Waiting::kEvent:
          run.waiting = Run::Waiting::kNone;
          History("TaskTimedOut", run.state, json{{"touchId", run.touch_id}});
          run.touch_id.clear();
          return HandleError(id,
                             {"States.Timeout", "the task did not complete within TimeoutSeconds"});
        default:
          return Ignore("timer of a run that is not waiting");
      }
    }
    Ignore("unknown or stale timer");
  }

  void Apply(const TaskResultTrigger& t) {
    if (st().status != JourneyStatus::kRunning) return Ignore("journey is not running");
    for (auto& [id, run] : st().runs) {
      if (run.waiting != Run::Waiting::kTask || run.touch_id != t.touch_id) continue;
      CancelRunTimer(run);
      run.waiting = Run::Waiting::kNone;
      run.touch_id.clear();
      if (t.in_doubt) return TouchInDoubt(id, t);
      if (t.ok) {
        History("TaskSucceeded", run.state, json{{"touchId", t.touch_id}, {"result", t.result}});
        return CompleteTask(id, t.result);
      }
      History("TaskFailed", run.state,
              json{{"touchId", t.touch_id}, {"error", t.error}, {"cause", t.cause}});
      return HandleError(id, {t.error.empty() ? "States.TaskFailed" : t.error, t.cause});
    }
    Ignore("no task waits for this touch");
  }

  // An UNKNOWN disposition: the touch may or may not have reached the customer. The
  // campaign's onUnknown decides; either way the history names the touch that was in doubt.
  void TouchInDoubt(const std::string& run_id, const TaskResultTrigger& t) {
    const std::string state = st().runs.at(run_id).state;
    const bool fail = campaign_.policies().on_unknown == OnUnknown::kFail;
    History("TouchInDoubt", state,
            json{{"touchId", t.touch_id},
                 {"onUnknown", fail ? "fail" : "assume-sent"},
                 {"cause", t.cause}});
    if (fail) {
      History("TaskFailed", state,
              json{{"touchId", t.touch_id}, {"error", kTouchInDoubtError}, {"cause", t.cause}});
      return HandleError(run_id, {kTouchInDoubtError, t.cause});
    }
    // As if SENT (a Choice on $.x.outcome takes the SENT branch), with what the disposition
    // knew and a flag a campaign may branch on.
    json result = t.result.is_object() ? t.result : json::object();
    result["outcome"] = "SENT";
    result["inDoubt"] = true;
    History("TaskSucceeded", state,
            json{{"touchId", t.touch_id}, {"result", result}, {"inDoubt", true}});
    CompleteTask(run_id, std::move(result));
  }

  void Apply(const CustomerEventTrigger& t) {
    if (st().status != JourneyStatus::kRunning) return Ignore("journey is not running");
    for (const ExitEvent& e : campaign_.policies().exit_events) {
      if (e.event_type != t.type) continue;
      History("ExitEventReceived", "", json{{"eventId", t.event_id}, {"eventType", t.type}});
      JourneyStatus status = e.status == "FAILED"      ? JourneyStatus::kFailed
                             : e.status == "CANCELLED" ? JourneyStatus::kCancelled
                                                       : JourneyStatus::kSucceeded;
      std::string error = status == JourneyStatus::kSucceeded ? "" : "Blend.ExitEvent";
      return FinishJourney(status, json{{"exitEvent", t.type}, {"attributes", t.attributes}}, error,
                           status == JourneyStatus::kSucceeded ? "" : t.type);
    }
    std::vector<std::string> woken;
    for (auto& [id, run] : st().runs) {
      if (run.waiting == Run::Waiting::kEvent && run.event_type == t.type) woken.push_back(id);
    }
    if (woken.empty()) return Ignore("no state waits for this event type");
    for (const std::string& id : woken) {
      auto it = st().runs.find(id);
      // An earlier wake-up may have ended this run (a failed sibling branch cancels it).
      if (it == st().runs.end() || it->second.waiting != Run::Waiting::kEvent) continue;
      struct Run& run = it->second;
      CancelRunTimer(run);
      run.waiting = Run::Waiting::kNone;
      json result = {{"eventId", t.event_id}, {"eventType", t.type}, {"attributes", t.attributes}};
      History("TaskSucceeded", run.state, json{{"event", result}});
      CompleteTask(id, result);
      if (finished_) return;
    }
  }

  void Apply(const CancelTrigger& t) {
    if (st().status != JourneyStatus::kRunning) return Ignore("journey is not running");
    FinishJourney(JourneyStatus::kCancelled, json(), "Blend.Cancelled", t.reason);
  }

  // state machine

  void Enter(const std::string& run_id, const State& s, json input) {
    if (++result_.transitions > campaign_.policies().max_transitions_per_trigger) {
      return FinishJourney(
          JourneyStatus::kFailed, json(), "Blend.TransitionBudgetExceeded",
          absl::StrCat("more than ", campaign_.policies().max_transitions_per_trigger,
                       " state transitions for one trigger (last state '", s.name,
                       "'): a Pass/Choice loop without a Wait or Task?"));
    }
    struct Run& run = st().runs.at(run_id);
    run.state = s.name;
    run.input = std::move(input);
    run.entered_time = now_;
    run.retry_count = 0;
    run.retrier_attempts.clear();
    run.waiting = Run::Waiting::kNone;
    ++st().step_counter;
    History("StateEntered", s.name);
    ready_.push_back(run_id);
  }

  void Schedule(const std::string& run_id) { ready_.push_back(run_id); }

  void Drain() {
    while (!ready_.empty() && !finished_) {
      std::string id = std::move(ready_.front());
      ready_.pop_front();
      if (st().runs.count(id) == 0) continue;
      Execute(id);
    }
  }

  json ContextObject(const struct Run& run) const {
    JourneyState& s = const_cast<Stepper*>(this)->st();
    return json{{"Execution",
                 {{"Id", s.journey_id},
                  {"Name", s.journey_id},
                  {"Input", s.execution_input},
                  {"StartTime", FormatTimestamp(s.start_time)}}},
                {"State",
                 {{"Name", run.state},
                  {"EnteredTime", FormatTimestamp(run.entered_time)},
                  {"RetryCount", run.retry_count}}},
                {"StateMachine", {{"Id", s.campaign_id}}}};
  }

  // InputPath / OutputPath: the selected node (`v` itself for the default "$", {} for null),
  // or nullptr when the path names nothing.
  static const json* Select(const OptionalPath& p, const json& v) {
    static const json* const kEmpty = new json(json::object());
    if (p.is_null) return kEmpty;
    if (!p.path) return &v;
    return p.path->Find(v);
  }

  // Select() on a value that is no longer needed: moves instead of copying.
  static std::optional<json> Take(const OptionalPath& p, json&& v) {
    if (p.is_null) return json::object();
    if (!p.path) return std::move(v);
    const json* found = p.path->Find(v);
    if (found == nullptr) return std::nullopt;
    return std::move(*const_cast<json*>(found));
  }

  static std::string Missing(const OptionalPath& p) {
    return absl::StrCat("path '", p.path ? p.path->text() : "$", "' names nothing in the input");
  }

  // ResultPath: `raw` (the state's input) is consumed when the result is discarded.
  static absl::StatusOr<json> ApplyResultPath(const OptionalPath& p, json& raw, json result) {
    if (p.is_null) return std::move(raw);
    if (!p.path) return result;
    json out = raw;  // a copy, so the input is intact for Catch if the path cannot be set
    absl::Status s = p.path->Set(out, std::move(result));
    if (!s.ok()) return s;
    return out;
  }

  // InputPath then Parameters: the input a Task, Pass or Parallel works on.
  std::optional<json> EffectiveInput(const std::string& run_id, const State& s,
                                     const json* context) {
    const struct Run& run = st().runs.at(run_id);
    const json* selected = Select(s.input_path, run.input);
    if (selected == nullptr) {
      Fail(run_id, {"States.Runtime", Missing(s.input_path)});
      return std::nullopt;
    }
    if (!s.parameters) return *selected;
    auto params = s.parameters->Evaluate(Eval(s, *selected, context));
    RecordRandomness(s);
    if (!params.ok()) {
      bool intrinsic = params.status().code() == absl::StatusCode::kInvalidArgument;
      HandleError(run_id, {intrinsic ? "States.IntrinsicFailure" : "States.ParameterPathFailure",
                           std::string(params.status().message())});
      return std::nullopt;
    }
    return *std::move(params);
  }

  EvalContext Eval(const State& s, const json& input, const json* context) {
    drawing_state_ = &s.name;
    return EvalContext{input, context, &uuid_, &random_};
  }

  void RecordRandomness(const State& s) {
    if (drawn_.empty()) return;
    History("IntrinsicRandomness", s.name, json{{"values", std::move(drawn_)}});
    drawn_.clear();
  }

  void Execute(const std::string& run_id) {
    struct Run& run = st().runs.at(run_id);
    const State& s = StateOf(run);
    std::optional<json> context;
    if (s.uses_context) context = ContextObject(run);
    const json* ctx = context ? &*context : nullptr;
    switch (s.type) {
      case StateType::kPass: {
        if (s.result && !s.parameters) return FinishState(run_id, s, *s.result);
        bool whole_input = !s.parameters && !s.input_path.is_null && !s.input_path.path;
        if (whole_input && !s.result_path.is_null && !s.result_path.path) {
          // "$" in, "$" out: the input becomes the result; nothing to copy.
          return FinishState(run_id, s, std::move(run.input));
        }
        auto effective = EffectiveInput(run_id, s, ctx);
        if (!effective) return;
        return FinishState(run_id, s, s.result ? *s.result : *std::move(effective));
      }
      case StateType::kChoice:
        return ExecuteChoice(run_id, s, ctx);
      case StateType::kWait:
        return ExecuteWait(run_id, s);
      case StateType::kSucceed: {
        auto effective = Take(s.input_path, std::move(run.input));
        if (!effective) return Fail(run_id, {"States.Runtime", Missing(s.input_path)});
        return Complete(run_id, *std::move(effective));
      }
      case StateType::kFail:
        return ExecuteFail(run_id, s, ctx);
      case StateType::kTask: {
        auto effective = EffectiveInput(run_id, s, ctx);
        if (!effective) return;
        return ExecuteTask(run_id, s, *std::move(effective));
      }
      case StateType::kParallel: {
        auto effective = EffectiveInput(run_id, s, ctx);
        if (!effective) return;
        return ExecuteParallel(run_id, s, *effective);
      }
      case StateType::kMap: {
        auto effective = EffectiveInput(run_id, s, ctx);
        if (!effective) return;
        return ExecuteMap(run_id, s, *effective);
      }
    }
  }

  void ExecuteChoice(const std::string& run_id, const State& s, const json* ctx) {
    struct Run& run = st().runs.at(run_id);
    const json* effective = Select(s.input_path, run.input);
    if (effective == nullptr) return Fail(run_id, {"States.Runtime", Missing(s.input_path)});
    const Machine& m = MachineOf(run);
    int next = s.default_next;
    json used = json::object();  // what the rules looked at, for "which facts a Choice used"
    json matched = nullptr;
    const bool strict = !campaign_.policies().choice_missing_variable_default;
    std::string missing;
    for (size_t i = 0; i < s.choices.size(); ++i) {
      CollectChoiceValues(s.choices[i], *effective, ctx, used);
      std::optional<bool> hit = s.choices[i].Evaluate(*effective, ctx, strict, &missing);
      if (!hit) {
        // AWS: a rule reading a path that names nothing fails the execution.
        History("ChoiceEvaluated", s.name,
                json{{"values", std::move(used)},
                     {"matchedRule", nullptr},
                     {"next", nullptr},
                     {"missingPath", missing}});
        return Fail(run_id, {"States.Runtime",
                             absl::StrCat("Choice rule ", i, " of '", s.name, "' reads '", missing,
                                          "', which names nothing in the input (campaign policy "
                                          "\"choiceOnMissingVariable\": \"default\" makes such "
                                          "a comparison false instead)")});
      }
      if (!*hit) continue;
      next = m.by_name.at(s.choices[i].next);
      matched = i;
      break;
    }
    History("ChoiceEvaluated", s.name,
            json{{"values", std::move(used)},
                 {"matchedRule", matched},
                 {"next", next < 0 ? json(nullptr) : json(m.states[next].name)}});
    if (next < 0) {
      return Fail(run_id,
                  {"States.NoChoiceMatched", absl::StrCat("no Choices rule of '", s.name,
                                                          "' matched and there is no Default")});
    }
    Transition(run_id, s, next, *Take(s.input_path, std::move(run.input)));
  }

  // Records the value of every path `rule` reads (null when absent); large values are
  // summarised so history rows stay small.
  static void CollectChoiceValues(const ChoiceRule& rule, const json& input, const json* ctx,
                                  json& out) {
    for (const ChoiceRule& child : rule.children) CollectChoiceValues(child, input, ctx, out);
    for (const auto* path : {&rule.variable, &rule.operand_path}) {
      if (!*path) continue;
      const json* root = (*path)->is_context() ? ctx : &input;
      const json* v = root == nullptr ? nullptr : (*path)->Find(*root);
      if (v == nullptr) {
        out[(*path)->text()] = nullptr;
        continue;
      }
      const bool large = (v->is_object() || v->is_array()) && v->size() > 8;
      out[(*path)->text()] = large ? json(absl::StrCat("<", v->is_object() ? "object" : "array",
                                                       " of ", v->size(), " items>"))
                                   : *v;
    }
  }

  void ExecuteWait(const std::string& run_id, const State& s) {
    struct Run& run = st().runs.at(run_id);
    const json* effective = Select(s.input_path, run.input);
    if (effective == nullptr) return Fail(run_id, {"States.Runtime", Missing(s.input_path)});
    absl::Time at = now_;
    if (s.seconds) {
      at = now_ + absl::Seconds(*s.seconds);
    } else if (s.timestamp) {
      at = *s.timestamp;
    } else if (s.seconds_path) {
      const json* v = s.seconds_path->Find(*effective);
      if (v == nullptr || !v->is_number() || v->get<double>() < 0 ||
          v->get<double>() > kMaxSeconds) {
        return Fail(run_id,
                    {"States.Runtime", absl::StrCat("SecondsPath '", s.seconds_path->text(),
                                                    "' must name a number of seconds from 0 "
                                                    "to 366 days")});
      }
      at = now_ + absl::Seconds(v->get<double>());
    } else if (s.timestamp_path) {
      const json* v = s.timestamp_path->Find(*effective);
      std::optional<absl::Time> t;
      if (v != nullptr && v->is_string()) t = ParseTimestamp(v->get<std::string>());
      if (!t) {
        return Fail(run_id,
                    {"States.Runtime", absl::StrCat("TimestampPath '", s.timestamp_path->text(),
                                                    "' must name an RFC 3339 timestamp")});
      }
      at = *t;
    }
    if (at <= now_) return Complete(run_id, *Take(s.input_path, std::move(run.input)));
    run.waiting = Run::Waiting::kWait;
    run.timer_id = NewTimerId();
    Emit(SetTimer{run.timer_id, at});
    History("WaitStarted", s.name, json{{"until", FormatTimestamp(at)}, {"timerId", run.timer_id}});
  }

  // A Wait's timer fired (or its time had passed): OutputPath, then Next / End.
  void Complete(const std::string& run_id, json effective) {
    const State& s = StateOf(st().runs.at(run_id));
    auto out = Take(s.output_path, std::move(effective));
    if (!out) return Fail(run_id, {"States.Runtime", Missing(s.output_path)});
    if (s.type == StateType::kSucceed || s.end) return RunSucceeded(run_id, *std::move(out));
    Transition(run_id, s, s.next, *std::move(out), /*apply_output_path=*/false);
  }

  void ExecuteFail(const std::string& run_id, const State& s, const json* ctx) {
    const struct Run& run = st().runs.at(run_id);
    StateError e{s.error, s.cause};
    auto text = [&](const std::optional<ReferencePath>& p, std::string& dest) {
      if (!p) return;
      const json* v = p->is_context() ? (ctx ? p->Find(*ctx) : nullptr) : p->Find(run.input);
      if (v != nullptr) dest = v->is_string() ? v->get<std::string>() : v->dump();
    };
    text(s.error_path, e.error);
    text(s.cause_path, e.cause);
    Fail(run_id, std::move(e));
  }

  void ExecuteTask(const std::string& run_id, const State& s, json input) {
    if (s.resource == BlendResource::kFacts) {
      json facts = facts_.ToJson();
      History("TaskSucceeded", s.name, json{{"facts", facts}});
      return CompleteTask(run_id, std::move(facts));
    }
    std::optional<absl::Duration> timeout;
    if (s.timeout_seconds) timeout = absl::Seconds(*s.timeout_seconds);
    if (s.timeout_seconds_path) {
      const json* v = s.timeout_seconds_path->Find(input);
      if (v == nullptr || !v->is_number() || v->get<double>() <= 0 ||
          v->get<double>() > kMaxSeconds) {
        return Fail(run_id, {"States.Runtime",
                             "TimeoutSecondsPath must name a positive number of "
                             "seconds (at most 366 days)"});
      }
      timeout = absl::Seconds(v->get<double>());
    }
    if (s.resource == BlendResource::kAwaitEvent) return AwaitEvent(run_id, s, input, timeout);
    Channel channel = *TouchChannel(s.resource);
    std::optional<int> best_hour;
    auto decision = DecideTouch(channel, &best_hour);
    if (!decision.ok())
      return Fail(run_id, {"States.Runtime", std::string(decision.status().message())});
    if (decision->kind == policy::TouchDecision::Kind::kFail) {
      History("TouchSuppressed", s.name,
              json{{"channel", ChannelName(channel)}, {"error", decision->error}});
      return HandleError(run_id, {decision->error, decision->cause});
    }
    struct Run& run = st().runs.at(run_id);
    run.touch_id = absl::StrCat(st().journey_id, "/", s.name, "/", ++st().step_counter);
    run.waiting = Run::Waiting::kTask;
    emitted_[channel].push_back(decision->send_at);
    json scheduled{{"touchId", run.touch_id},
                   {"channel", ChannelName(channel)},
                   {"notBefore", FormatTimestamp(decision->send_at)},
                   {"deferredByQuietHours", decision->deferred_by_quiet_hours},
                   {"deferredByCap", decision->deferred_by_cap}};
    if (best_hour) scheduled["deferredToBestHourLocal"] = *best_hour;
    History("TaskScheduled", s.name, std::move(scheduled));
    Emit(EmitTouch{run.touch_id, channel, std::move(input), decision->send_at, s.name});
    if (timeout) {
      run.timer_id = NewTimerId();
      Emit(SetTimer{run.timer_id, decision->send_at + *timeout});
    }
  }

  absl::StatusOr<policy::TouchDecision> DecideTouch(Channel channel,
                                                    std::optional<int>* best_hour) {
    policy::ChannelPolicy cp;
    const CampaignPolicies& pol = campaign_.policies();
    if (auto it = pol.quiet_hours.find(channel); it != pol.quiet_hours.end()) {
      cp.allowed_window = policy::DailyWindow{it->second.from, it->second.until};
    }
    if (auto it = pol.frequency_caps.find(channel); it != pol.frequency_caps.end()) {
      cp.cap = policy::FrequencyCap{it->second.max_touches, it->second.window,
                                    it->second.fail_when_capped};
    }
    policy::SuppressionFacts sup{facts_.sms_opted_out, facts_.voice_opted_out,
                                 facts_.email_opted_out, facts_.dnc_active};
    std::vector<absl::Time> past;
    if (auto it = facts_.past_touches.find(channel); it != facts_.past_touches.end())
      past = it->second;
    past.insert(past.end(), emitted_[channel].begin(), emitted_[channel].end());
    std::vector<absl::TimeZone> zones;
    if (cp.allowed_window) zones = CandidateZones();
    const absl::Time due = BestHourDue(channel, cp.allowed_window, zones, best_hour);
    return policy::DecideTouch(channel, cp, zones, sup, past, due);
  }

  // now_, or the start of the customer's best local hour under the sendAtBestHour policy
  // (then `best_hour` is set). The hour is local to the profile's zone, where it was counted.
  absl::Time BestHourDue(Channel channel, const std::optional<policy::DailyWindow>& window,
                         std::vector<absl::TimeZone>& zones, std::optional<int>* best_hour) {
    const auto& policy = campaign_.policies().send_at_best_hour;
    if (!policy || (!policy->channels.empty() && !policy->channels.contains(channel))) return now_;
    const json& e = facts_.engagement;
    if (!e.is_object() || !e.contains("bestHourLocal") || !e["bestHourLocal"].is_number_integer()) {
      return now_;
    }
    if (window && zones.empty()) zones = CandidateZones();
    absl::TimeZone zone = zones.empty() ? CandidateZones().front() : zones.front();
    if (const auto tz = e.find("timeZone"); tz != e.end() && tz->is_string()) {
      absl::TimeZone profile_zone;
      if (absl::LoadTimeZone(tz->get<std::string>(), &profile_zone)) zone = profile_zone;
    }
    const int hour = e["bestHourLocal"].get<int>();
    auto at = engagement::DeferToBestHour(hour, zone, window, zones,
                                          engagement::BestHourPolicy{policy->max_delay}, now_);
    if (!at) return now_;
    *best_hour = hour;
    return *at;
  }

  std::vector<absl::TimeZone> CandidateZones() {
    std::vector<absl::TimeZone> zones;
    if (!st().candidate_zones) {
      const CustomerInfo& c = st().customer;
      zones = policy::CandidateZones(c.declared_tz, c.postal_tz, c.phone);
      std::vector<std::string> names;
      for (const absl::TimeZone& z : zones) names.push_back(z.name());
      st().candidate_zones = std::move(names);
      return zones;
    }
    for (const std::string& name : *st().candidate_zones) {
      absl::TimeZone z;
      if (absl::LoadTimeZone(name, &z)) zones.push_back(z);
    }
    return zones;
  }

  void AwaitEvent(const std::string& run_id, const State& s, const json& input,
                  std::optional<absl::Duration> timeout) {
    const json* type = input.is_object() ? &input : nullptr;
    auto it = type ? input.find("eventType") : input.end();
    if (type == nullptr || it == input.end() || !it->is_string()) {
      return Fail(run_id, {"States.Runtime",
                           "blend:await-event needs Parameters {\"eventType\": \"...\"}"});
    }
    struct Run& run = st().runs.at(run_id);
    run.waiting = Run::Waiting::kEvent;
    run.event_type = it->get<std::string>();
    History("EventAwaited", s.name, json{{"eventType", run.event_type}});
    if (timeout) {
      run.timer_id = NewTimerId();
      Emit(SetTimer{run.timer_id, now_ + *timeout});
    }
  }

  void ExecuteParallel(const std::string& run_id, const State& s, const json& input) {
    struct Run& run = st().runs.at(run_id);
    run.waiting = Run::Waiting::kBranches;
    run.pending_branches = static_cast<int>(s.branches.size());
    run.branch_results = json::array();
    for (size_t i = 0; i < s.branches.size(); ++i) run.branch_results.push_back(nullptr);
    for (size_t i = 0; i < s.branches.size(); ++i) {
      std::string child_id = absl::StrCat(run_id, "/", s.name, "/", i);
      struct Run child;
      child.machine = s.branches[i];
      child.parent = run_id;
      child.branch_index = static_cast<int>(i);
      st().runs[child_id] = std::move(child);
      const Machine& m = def_.machines[s.branches[i]];
      Enter(child_id, m.states[m.start], input);
      if (finished_) return;
    }
  }

  // Map (inline): one iteration per item of ItemsPath, each a child run of the ItemProcessor
  // exactly like a Parallel branch (so the orchestrator stores iterations as it stores
  // branches), started MaxConcurrency at a time.
  void ExecuteMap(const std::string& run_id, const State& s, const json& effective) {
    const json* items = s.items_path ? s.items_path->Find(effective) : &effective;
    if (items == nullptr || !items->is_array()) {
      return Fail(run_id, {"States.Runtime",
                           absl::StrCat("ItemsPath '", s.items_path ? s.items_path->text() : "$",
                                        "' must name an array in the input of '", s.name, "'")});
    }
    json inputs = json::array();
    if (!s.item_selector) {
      inputs = *items;
    } else {
      json context = ContextObject(st().runs.at(run_id));
      for (size_t i = 0; i < items->size(); ++i) {
        context["Map"] = json{{"Item", {{"Index", i}, {"Value", (*items)[i]}}}};
        auto v = s.item_selector->Evaluate(Eval(s, effective, &context));
        RecordRandomness(s);
        if (!v.ok()) {
          bool intrinsic = v.status().code() == absl::StatusCode::kInvalidArgument;
          return HandleError(run_id,
                             {intrinsic ? "States.IntrinsicFailure" : "States.ParameterPathFailure",
                              std::string(v.status().message())});
        }
        inputs.push_back(*std::move(v));
      }
    }
    struct Run& run = st().runs.at(run_id);
    const size_t n = inputs.size();
    History("MapStarted", s.name, json{{"items", n}});
    if (n == 0) {
      History("MapSucceeded", s.name);
      return CompleteTask(run_id, json::array());
    }
    run.waiting = Run::Waiting::kBranches;
    run.pending_branches = static_cast<int>(n);
    run.branch_results = json::array();
    for (size_t i = 0; i < n; ++i) run.branch_results.push_back(nullptr);
    run.map_inputs = std::move(inputs);
    run.map_next = 0;
    run.map_failed = 0;
    MapProgress(run_id);
  }

  // Starts iterations while fewer than MaxConcurrency run; completes the Map when all ended.
  void MapProgress(const std::string& run_id) {
    struct Run& run = st().runs.at(run_id);
    const State& s = StateOf(run);
    const int total = static_cast<int>(run.branch_results.size());
    if (run.pending_branches == 0) {
      run.waiting = Run::Waiting::kNone;
      json results = std::move(run.branch_results);
      run.branch_results = json();
      run.map_inputs = json();
      History("MapSucceeded", s.name, json{{"failedItems", run.map_failed}});
      return CompleteTask(run_id, std::move(results));
    }
    const Machine& m = def_.machines[s.branches[0]];
    while (run.map_next < total) {
      const int running = run.map_next - (total - run.pending_branches);
      if (s.max_concurrency > 0 && running >= s.max_concurrency) break;
      const int i = run.map_next++;
      std::string child_id = absl::StrCat(run_id, "/", s.name, "/", i);
      struct Run child;
      child.machine = s.branches[0];
      child.parent = run_id;
      child.branch_index = i;
      json input = std::move(run.map_inputs[i]);
      run.map_inputs[i] = nullptr;
      st().runs[child_id] = std::move(child);
      Enter(child_id, m.states[m.start], std::move(input));
      if (finished_) return;
    }
  }

  // An iteration failed: within the tolerated failures the Map goes on (the item's result is
  // {"Error", "Cause"}); beyond them the Map fails.
  void MapIterationFailed(const std::string& parent_id, int index, StateError e) {
    struct Run& parent = st().runs.at(parent_id);
    const State& s = StateOf(parent);
    ++parent.map_failed;
    const double total = static_cast<double>(parent.branch_results.size());
    const bool has_tolerance = s.tolerated_failure_count || s.tolerated_failure_percentage;
    const bool within =
        has_tolerance &&
        (!s.tolerated_failure_count || parent.map_failed <= *s.tolerated_failure_count) &&
        (!s.tolerated_failure_percentage ||
         100.0 * parent.map_failed / total <= *s.tolerated_failure_percentage);
    if (!within) {
      CancelChildren(parent_id);
      parent.waiting = Run::Waiting::kNone;
      parent.map_inputs = json();
      if (has_tolerance) {
        e = {"States.ExceedToleratedFailureThreshold",
             absl::StrCat(parent.map_failed, " of ", parent.branch_results.size(),
                          " iterations failed, more than tolerated (last: ", e.error, ": ", e.cause,
                          ")")};
      }
      return HandleError(parent_id, std::move(e));
    }
    parent.branch_results[index] = json{{"Error", e.error}, {"Cause", e.cause}};
    --parent.pending_branches;
    MapProgress(parent_id);
  }

  // A Task, Parallel or Map produced `result`: ResultSelector, ResultPath, OutputPath, Next.
  void CompleteTask(const std::string& run_id, json result) {
    const struct Run& run = st().runs.at(run_id);
    const State& s = StateOf(run);
    if (s.result_selector) {
      std::optional<json> context;
      if (s.uses_context) context = ContextObject(run);
      auto selected = s.result_selector->Evaluate(Eval(s, result, context ? &*context : nullptr));
      RecordRandomness(s);
      if (!selected.ok()) {
        bool intrinsic = selected.status().code() == absl::StatusCode::kInvalidArgument;
        return HandleError(run_id,
                           {intrinsic ? "States.IntrinsicFailure" : "States.ParameterPathFailure",
                            std::string(selected.status().message())});
      }
      result = *std::move(selected);
    }
    FinishState(run_id, s, std::move(result));
  }

  // ResultPath onto the raw input, then OutputPath, then Next / End.
  void FinishState(const std::string& run_id, const State& s, json result) {
    struct Run& run = st().runs.at(run_id);
    auto merged = ApplyResultPath(s.result_path, run.input, std::move(result));
    if (!merged.ok())
      return HandleError(run_id,
                         {"States.ResultPathMatchFailure", std::string(merged.status().message())});
    if (s.end) {
      auto out = Take(s.output_path, *std::move(merged));
      if (!out) return Fail(run_id, {"States.Runtime", Missing(s.output_path)});
      return RunSucceeded(run_id, *std::move(out));
    }
    Transition(run_id, s, s.next, *std::move(merged));
  }

  void Transition(const std::string& run_id, const State& s, int next, json output,
                  bool apply_output_path = true) {
    if (apply_output_path) {
      auto out = Take(s.output_path, std::move(output));
      if (!out) return Fail(run_id, {"States.Runtime", Missing(s.output_path)});
      output = *std::move(out);
    }
    const Machine& m = MachineOf(st().runs.at(run_id));
    if (next < 0 || next >= static_cast<int>(m.states.size())) {  // cannot happen for valid states
      return Fail(run_id,
                  {"States.Runtime", absl::StrCat("state '", s.name, "' has no next state")});
    }
    Enter(run_id, m.states[next], std::move(output));
  }

  void HandleError(const std::string& run_id, StateError e) {
    struct Run& run = st().runs.at(run_id);
    const State& s = StateOf(run);
    run.retrier_attempts.resize(s.retry.size(), 0);
    for (size_t i = 0; i < s.retry.size(); ++i) {
      const internal::Retrier& r = s.retry[i];
      if (!ErrorMatches(r.errors, e.error)) continue;
      int attempt = run.retrier_attempts[i];
      if (attempt >= r.max_attempts) break;
      run.retrier_attempts[i] = attempt + 1;
      double delay = r.interval_seconds * std::pow(r.backoff_rate, attempt);
      if (r.max_delay_seconds) delay = std::min(delay, *r.max_delay_seconds);
      delay = std::min(delay, kMaxSeconds);  // BackoffRate^attempt can overflow to infinity
      if (r.full_jitter) {
        uint64_t h = Fnv1a(absl::StrCat(st().uuid_seed, "#jitter#", st().step_counter));
        delay *= static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
      }
      run.waiting = Run::Waiting::kRetry;
      run.timer_id = NewTimerId();
      absl::Time at = now_ + absl::Seconds(delay);
      Emit(SetTimer{run.timer_id, at});
      History("RetryScheduled", s.name,
              json{{"error", e.error}, {"attempt", attempt + 1}, {"at", FormatTimestamp(at)}});
      return;
    }
    for (const Catcher& c : s.catch_) {
      if (!ErrorMatches(c.errors, e.error)) continue;
      History("ErrorCaught", s.name, json{{"error", e.error}, {"cause", e.cause}});
      auto merged =
          ApplyResultPath(c.result_path, run.input, json{{"Error", e.error}, {"Cause", e.cause}});
      if (!merged.ok())
        return Fail(run_id,
                    {"States.ResultPathMatchFailure", std::string(merged.status().message())});
      CancelChildren(run_id);
      return Enter(run_id, MachineOf(run).states[c.next], *std::move(merged));
    }
    Fail(run_id, std::move(e));
  }

  // The run failed with nothing left to catch it: fail its Parallel, or the journey.
  void Fail(const std::string& run_id, StateError e) {
    struct Run& run = st().runs.at(run_id);
    History("StateFailed", run.state, json{{"error", e.error}, {"cause", e.cause}});
    if (run.parent.empty()) return FinishJourney(JourneyStatus::kFailed, json(), e.error, e.cause);
    std::string parent = run.parent;
    if (StateOf(st().runs.at(parent)).type == StateType::kMap) {
      const int index = run.branch_index;
      CancelChildren(run_id);
      CancelRunTimer(run);
      st().runs.erase(run_id);
      return MapIterationFailed(parent, index, std::move(e));
    }
    CancelChildren(parent);
    st().runs.at(parent).waiting = Run::Waiting::kNone;
    HandleError(parent, std::move(e));
  }

  void RunSucceeded(const std::string& run_id, json output) {
    struct Run& run = st().runs.at(run_id);
    if (run.parent.empty())
      return FinishJourney(JourneyStatus::kSucceeded, std::move(output), "", "");
    std::string parent_id = run.parent;
    int index = run.branch_index;
    st().runs.erase(run_id);
    struct Run& parent = st().runs.at(parent_id);
    parent.branch_results[index] = std::move(output);
    if (StateOf(parent).type == StateType::kMap) {
      --parent.pending_branches;
      return MapProgress(parent_id);
    }
    if (--parent.pending_branches > 0) return;
    parent.waiting = Run::Waiting::kNone;
    json results = std::move(parent.branch_results);
    parent.branch_results = json();
    History("ParallelSucceeded", parent.state);
    CompleteTask(parent_id, std::move(results));
  }

  void CancelRunTimer(struct Run& run) {
    if (run.timer_id.empty()) return;
    Emit(CancelTimer{run.timer_id});
    run.timer_id.clear();
  }

  void CancelChildren(const std::string& run_id) {
    std::vector<std::string> doomed;
    for (auto& [id, run] : st().runs) {
      if (run.parent == run_id) doomed.push_back(id);
    }
    for (const std::string& id : doomed) {
      CancelChildren(id);
      CancelRunTimer(st().runs.at(id));
      st().runs.erase(id);
    }
  }

  void FinishJourney(JourneyStatus status, json output, std::string error, std::string cause) {
    if (finished_) return;
    finished_ = true;
    for (auto& [id, run] : st().runs) CancelRunTimer(run);
    if (!st().journey_timer_id.empty()) {
      Emit(CancelTimer{st().journey_timer_id});
      st().journey_timer_id.clear();
    }
    st().runs.clear();
    st().status = status;
    st().output = output;
    st().error = error;
    st().cause = cause;
    History("JourneyFinished", "", json{{"status", JourneyStatusName(status)}});
    Emit(Finish{status, std::move(output), std::move(error), std::move(cause)});
  }

  const CompiledCampaign& campaign_;
  const internal::Definition& def_;
  const CustomerFacts& facts_;
  const absl::Time now_;
  StepResult result_;
  std::deque<std::string> ready_;
  std::function<std::string()> uuid_;
  std::function<uint64_t()> random_;
  const std::string* drawing_state_ = &kNoState;  // the state whose template is evaluated
  std::vector<json> drawn_;                       // random values handed out during that evaluation
  std::map<Channel, std::vector<absl::Time>> emitted_;
  bool finished_ = false;
};

}  // namespace

StepResult Step(const CompiledCampaign& campaign, const JourneyState& state,
                const CustomerFacts& facts, const Trigger& trigger, absl::Time now) {
  Stepper stepper(campaign, state, facts, now);
  return stepper.Process(trigger);
}

StepResult Step(const CompiledCampaign& campaign, JourneyState&& state, const CustomerFacts& facts,
                const Trigger& trigger, absl::Time now) {
  Stepper stepper(campaign, std::move(state), facts, now);
  return stepper.Process(trigger);
}

}  // namespace blend::journey
