// JSON forms of the journey state and effects. Deterministic: nlohmann's default object is
// an std::map (sorted keys) and times are formatted in UTC, so equal states dump to equal
// bytes (the orchestrator compares and stores them).

#include "absl/strings/str_cat.h"
#include "blend/journey/choice.h"
#include "blend/journey/interpreter.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;

constexpr std::pair<JourneyStatus, std::string_view> kStatusNames[] = {
    {JourneyStatus::kNotStarted, "NOT_STARTED"}, {JourneyStatus::kRunning, "RUNNING"},
    {JourneyStatus::kSucceeded, "SUCCEEDED"},    {JourneyStatus::kFailed, "FAILED"},
    {JourneyStatus::kCancelled, "CANCELLED"},    {JourneyStatus::kTimedOut, "TIMED_OUT"}};

constexpr std::pair<Run::Waiting, std::string_view> kWaitingNames[] = {
    {Run::Waiting::kNone, "none"},   {Run::Waiting::kWait, "wait"},
    {Run::Waiting::kTask, "task"},   {Run::Waiting::kEvent, "event"},
    {Run::Waiting::kRetry, "retry"}, {Run::Waiting::kBranches, "branches"}};

json RunToJson(const Run& r) {
  std::string_view waiting = "none";
  for (const auto& [w, name] : kWaitingNames) {
    if (w == r.waiting) waiting = name;
  }
  json j = {{"machine", r.machine},
            {"state", r.state},
            {"input", r.input},
            {"enteredTime", FormatTimestamp(r.entered_time)},
            {"retryCount", r.retry_count},
            {"retrierAttempts", r.retrier_attempts},
            {"waiting", waiting}};
  // Optional members only when set, to keep stored states small.
  if (!r.timer_id.empty()) j["timerId"] = r.timer_id;
  if (!r.touch_id.empty()) j["touchId"] = r.touch_id;
  if (!r.event_type.empty()) j["eventType"] = r.event_type;
  if (!r.parent.empty()) {
    j["parent"] = r.parent;
    j["branchIndex"] = r.branch_index;
  }
  if (r.waiting == Run::Waiting::kBranches) {
    j["pendingBranches"] = r.pending_branches;
    j["branchResults"] = r.branch_results;
    if (r.map_inputs.is_array()) {
      j["mapInputs"] = r.map_inputs;
      j["mapNext"] = r.map_next;
      j["mapFailed"] = r.map_failed;
    }
  }
  return j;
}

absl::StatusOr<absl::Time> TimeField(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("journey state: missing time '", key, "'"));
  }
  auto t = ParseTimestamp(j[key].get<std::string>());
  if (!t) return absl::InvalidArgumentError(absl::StrCat("journey state: bad time '", key, "'"));
  return *t;
}

// Thrown (and caught in FromJson) for a field of the wrong kind: a double cast to int is UB.
struct BadField {
  std::string name;
};

int IntField(const json& j, const char* key, int def) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_number_integer()) throw BadField{key};
  int64_t v = it->get<int64_t>();
  if (v < -1000000000 || v > 1000000000) throw BadField{key};
  return static_cast<int>(v);
}

std::vector<int> IntList(const json& j, const char* key) {
  std::vector<int> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) throw BadField{key};
  for (const json& v : *it) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1000000)
      throw BadField{key};
    out.push_back(v.get<int>());
  }
  return out;
}

absl::StatusOr<Run> RunFromJson(const json& j) {
  Run r;
  if (!j.contains("machine")) throw BadField{"machine"};
  r.machine = IntField(j, "machine", 0);
  r.state = j.at("state").get<std::string>();
  r.input = j.at("input");
  auto entered = TimeField(j, "enteredTime");
  if (!entered.ok()) return entered.status();
  r.entered_time = *entered;
  r.retry_count = IntField(j, "retryCount", 0);
  r.retrier_attempts = IntList(j, "retrierAttempts");
  std::string waiting = j.value("waiting", "none");
  bool known = false;
  for (const auto& [w, name] : kWaitingNames) {
    if (name == waiting) {
      r.waiting = w;
      known = true;
    }
  }
  if (!known)
    return absl::InvalidArgumentError("journey state: unknown run waiting kind " + waiting);
  r.timer_id = j.value("timerId", "");
  r.touch_id = j.value("touchId", "");
  r.event_type = j.value("eventType", "");
  r.parent = j.value("parent", "");
  r.branch_index = IntField(j, "branchIndex", 0);
  r.pending_branches = IntField(j, "pendingBranches", 0);
  if (j.contains("branchResults")) r.branch_results = j["branchResults"];
  if (j.contains("mapInputs") && j["mapInputs"].is_array()) {
    r.map_inputs = j["mapInputs"];
    r.map_next = IntField(j, "mapNext", 0);
    r.map_failed = IntField(j, "mapFailed", 0);
  }
  return r;
}

}  // namespace

std::string_view JourneyStatusName(JourneyStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "UNKNOWN";
}

std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

json CustomerFacts::ToJson() const {
  json j = attributes.is_object() ? attributes : json::object();
  j["optedOut"] = {{"sms", sms_opted_out}, {"voice", voice_opted_out}, {"email", email_opted_out}};
  j["dncActive"] = dnc_active;
  if (!engagement.is_null()) j["engagement"] = engagement;
  return j;
}

json JourneyState::ToJson() const {
  json runs_json = json::object();
  for (const auto& [id, run] : runs) runs_json[id] = RunToJson(run);
  json j = {{"version", 1},
            {"journeyId", journey_id},
            {"campaignId", campaign_id},
            {"status", JourneyStatusName(status)},
            {"startTime", FormatTimestamp(start_time)},
            {"executionInput", execution_input},
            {"customer",
             {{"id", customer.id},
              {"phone", customer.phone},
              {"email", customer.email},
              {"declaredTz", customer.declared_tz},
              {"postalTz", customer.postal_tz}}},
            {"uuidSeed", uuid_seed},
            {"stepCounter", step_counter},
            {"runs", std::move(runs_json)}};
  if (!journey_timer_id.empty()) j["journeyTimerId"] = journey_timer_id;
  if (candidate_zones) j["candidateZones"] = *candidate_zones;
  if (!output.is_null()) j["output"] = output;
  if (!error.empty()) j["error"] = error;
  if (!cause.empty()) j["cause"] = cause;
  return j;
}

absl::StatusOr<JourneyState> JourneyState::FromJson(const json& j) {
  if (!j.is_object() || !j.contains("version") || j["version"] != 1) {
    return absl::InvalidArgumentError("journey state: not a version 1 journey state object");
  }
  try {
    JourneyState s;
    s.journey_id = j.at("journeyId").get<std::string>();
    s.campaign_id = j.value("campaignId", "");
    std::string status = j.at("status").get<std::string>();
    bool known = false;
    for (const auto& [st, name] : kStatusNames) {
      if (name == status) {
        s.status = st;
        known = true;
      }
    }
    if (!known) return absl::InvalidArgumentError("journey state: unknown status " + status);
    auto start = TimeField(j, "startTime");
    if (!start.ok()) return start.status();
    s.start_time = *start;
    s.execution_input = j.value("executionInput", json());
    const json& c = j.at("customer");
    s.customer = {c.value("id", ""), c.value("phone", ""), c.value("email", ""),
                  c.value("declaredTz", ""), c.value("postalTz", "")};
    s.uuid_seed = j.value("uuidSeed", "");
    s.step_counter = j.value("stepCounter", int64_t{0});
    // Bounded so that incrementing it can never overflow.
    if (j.contains("stepCounter") && (!j["stepCounter"].is_number_integer() || s.step_counter < 0 ||
                                      s.step_counter > (int64_t{1} << 53))) {
      throw BadField{"stepCounter"};
    }
    s.journey_timer_id = j.value("journeyTimerId", "");
    if (j.contains("candidateZones"))
      s.candidate_zones = j["candidateZones"].get<std::vector<std::string>>();
    for (const auto& [id, rj] : j.at("runs").items()) {
      auto run = RunFromJson(rj);
      if (!run.ok()) return run.status();
      s.runs[id] = *std::move(run);
    }
    s.output = j.value("output", json());
    s.error = j.value("error", "");
    s.cause = j.value("cause", "");
    return s;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("journey state: ", e.what()));
  } catch (const BadField& e) {
    return absl::InvalidArgumentError(absl::StrCat("journey state: bad field '", e.name, "'"));
  }
}

json EffectToJson(const Effect& effect) {
  struct Visitor {
    json operator()(const EmitTouch& e) const {
      return {{"effect", "EmitTouch"},
              {"touchId", e.touch_id},
              {"channel", ChannelName(e.channel)},
              {"parameters", e.parameters},
              {"notBefore", FormatTimestamp(e.not_before)},
              {"state", e.state_name}};
    }
    json operator()(const SetTimer& e) const {
      return {{"effect", "SetTimer"}, {"timerId", e.timer_id}, {"at", FormatTimestamp(e.at)}};
    }
    json operator()(const CancelTimer& e) const {
      return {{"effect", "CancelTimer"}, {"timerId", e.timer_id}};
    }
    json operator()(const HistoryEntry& e) const {
      return {
          {"effect", "History"}, {"kind", e.kind}, {"state", e.state_name}, {"detail", e.detail}};
    }
    json operator()(const Finish& e) const {
      json j = {
          {"effect", "Finish"}, {"status", JourneyStatusName(e.status)}, {"output", e.output}};
      if (!e.error.empty()) j["error"] = e.error;
      if (!e.cause.empty()) j["cause"] = e.cause;
      return j;
    }
  };
  return std::visit(Visitor{}, effect);
}

}  // namespace blend::journey
