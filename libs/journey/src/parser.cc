// Parser and validator of ASL definitions: reports every problem with a JSON pointer rather
// than stopping at the first, so an author fixes a definition in one round.

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiled.h"
#include "parser_internal.h"

namespace blend::journey::internal {
namespace {

using json = nlohmann::json;

const std::set<std::string>& AllowedFields(StateType t) {
  static const std::set<std::string> kTask = {"Type",
                                              "Comment",
                                              "Next",
                                              "End",
                                              "InputPath",
                                              "OutputPath",
                                              "Parameters",
                                              "ResultSelector",
                                              "ResultPath",
                                              "Retry",
                                              "Catch",
                                              "Resource",
                                              "TimeoutSeconds",
                                              "TimeoutSecondsPath",
                                              "HeartbeatSeconds",
                                              "HeartbeatSecondsPath"};
  static const std::set<std::string> kParallel = {
      "Type",       "Comment",        "Next",       "End",   "InputPath", "OutputPath",
      "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",     "Branches"};
  static const std::set<std::string> kMap = {"Type",
                                             "Comment",
                                             "Next",
                                             "End",
                                             "InputPath",
                                             "OutputPath",
                                             "ItemsPath",
                                             "ItemSelector",
                                             "Parameters",
                                             "ItemProcessor",
                                             "Iterator",
                                             "MaxConcurrency",
                                             "ResultSelector",
                                             "ResultPath",
                                             "Retry",
                                             "Catch",
                                             "ToleratedFailureCount",
                                             "ToleratedFailurePercentage"};
  static const std::set<std::string> kPass = {"Type",       "Comment",    "Next",
                                              "End",        "InputPath",  "OutputPath",
                                              "Parameters", "ResultPath", "Result"};
  static const std::set<std::string> kWait = {"Type",      "Comment",      "Next",    "End",
                                              "InputPath", "OutputPath",   "Seconds", "SecondsPath",
                                              "Timestamp", "TimestampPath"};
  static const std::set<std::string> kChoice = {"Type",       "Comment", "InputPath",
                                                "OutputPath", "Choices", "Default"};
  static const std::set<std::string> kSucceed = {"Type", "Comment", "InputPath", "OutputPath"};
  static const std::set<std::string> kFail = {"Type",  "Comment",   "Error",
                                              "Cause", "ErrorPath", "CausePath"};
  switch (t) {
    case StateType::kTask:
      return kTask;
    case StateType::kParallel:
      return kParallel;
    case StateType::kPass:
      return kPass;
    case StateType::kWait:
      return kWait;
    case StateType::kChoice:
      return kChoice;
    case StateType::kSucceed:
      return kSucceed;
    case StateType::kFail:
      return kFail;
    case StateType::kMap:
      return kMap;
  }
  return kFail;
}

std::optional<StateType> ParseStateType(const std::string& s) {
  if (s == "Task") return StateType::kTask;
  if (s == "Wait") return StateType::kWait;
  if (s == "Choice") return StateType::kChoice;
  if (s == "Pass") return StateType::kPass;
  if (s == "Succeed") return StateType::kSucceed;
  if (s == "Fail") return StateType::kFail;
  if (s == "Parallel") return StateType::kParallel;
  if (s == "Map") return StateType::kMap;
  return std::nullopt;
}

// Durations longer than this (366 days) are refused: no journey waits longer, and larger
// values would overflow into absl's infinite times.
constexpr uint64_t kMaxSeconds = 31622400;

bool ValidSeconds(const json& v, bool allow_zero) {
  if (!v.is_number_unsigned()) return false;
  uint64_t n = v.get<uint64_t>();
  return (allow_zero || n > 0) && n <= kMaxSeconds;
}

class DefinitionParser {
 public:
  DefinitionParser(const std::map<std::string, std::string>& aliases,
                   std::vector<ValidationProblem>& problems)
      : aliases_(aliases), problems_(problems) {}

  std::unique_ptr<Definition> Parse(const json& doc, const std::string& base) {
    def_ = std::make_unique<Definition>();
    if (!doc.is_object()) {
      Problem(base.empty() ? "" : base,
              "a definition must be a JSON object with StartAt and States");
      return nullptr;
    }
    if (auto it = doc.find("TimeoutSeconds"); it != doc.end()) {
      if (!ValidSeconds(*it, false)) {
        Problem(base + "/TimeoutSeconds",
                "TimeoutSeconds must be a positive integer (at most 366 days)");
      } else {
        def_->timeout_seconds = it->get<double>();
      }
    }
    ParseMachine(doc, base, /*top_level=*/true);
    return std::move(def_);
  }

 private:
  void Problem(std::string pointer, std::string message) {
    problems_.push_back({std::move(pointer), std::move(message)});
  }

  int ParseMachine(const json& doc, const std::string& base, bool top_level) {
    int index = static_cast<int>(def_->machines.size());
    def_->machines.emplace_back();
    for (const auto& [key, _] : doc.items()) {
      bool allowed = key == "StartAt" || key == "States" || key == "Comment" ||
                     (top_level && (key == "Version" || key == "TimeoutSeconds"));
      if (!allowed) Problem(PointerAppend(base, key), absl::StrCat("unknown field '", key, "'"));
    }
    auto states_it = doc.find("States");
    if (states_it == doc.end() || !states_it->is_object() || states_it->empty()) {
      Problem(states_it == doc.end() ? base : base + "/States",
              "\"States\" must be a non-empty object of named states");
    }
    std::vector<State> states;
    absl::flat_hash_map<std::string, int> by_name;
    if (states_it != doc.end() && states_it->is_object()) {
      for (const auto& [name, _] : states_it->items()) {
        by_name[name] = static_cast<int>(states.size());
        State st;
        st.name = name;
        states.push_back(std::move(st));
      }
    }
    int start = -1;
    auto start_it = doc.find("StartAt");
    if (start_it == doc.end() || !start_it->is_string()) {
      Problem(start_it == doc.end() ? base : base + "/StartAt",
              "missing \"StartAt\": name the first state to run");
    } else if (auto f = by_name.find(start_it->get<std::string>()); f == by_name.end()) {
      Problem(base + "/StartAt", absl::StrCat("StartAt names '", start_it->get<std::string>(),
                                              "', which is not a state in States"));
    } else {
      start = f->second;
    }
    std::string states_base = base + "/States";
    for (State& s : states) {
      ParseState(states_it->at(s.name), PointerAppend(states_base, s.name), s, by_name);
    }
    Machine& m = def_->machines[index];
    m.start = std::max(start, 0);
    m.states = std::move(states);
    m.by_name = std::move(by_name);
    if (start >= 0) CheckGraph(index, states_base);
    return index;
  }

  int Resolve(const json& v, const std::string& pointer,
              const absl::flat_hash_map<std::string, int>& by_name) {
    if (!v.is_string()) {
      Problem(pointer, "must be a state name (a string)");
      return -1;
    }
    auto it = by_name.find(v.get<std::string>());
    if (it == by_name.end()) {
      Problem(pointer,
              absl::StrCat("'", v.get<std::string>(), "' is not a state of this States object"));
      return -1;
    }
    return it->second;
  }

  std::optional<ReferencePath> Path(const json& v, const std::string& pointer, bool allow_context) {
    if (!v.is_string()) {
      Problem(pointer, "must be a path string such as \"$.field\"");
      return std::nullopt;
    }
    auto p = ReferencePath::Parse(v.get<std::string>());
    if (!p.ok()) {
      Problem(pointer, std::string(p.status().message()));
      return std::nullopt;
    }
    if (p->is_context() && !allow_context) {
      Problem(pointer, "the context object ($$) cannot be used here");
      return std::nullopt;
    }
    return *std::move(p);
  }

  OptionalPath NullablePath(const json& state, const char* field, const std::string& base) {
    OptionalPath out;
    auto it = state.find(field);
    if (it == state.end()) return out;
    if (it->is_null()) {
      out.is_null = true;
      return out;
    }
    out.path = Path(*it, PointerAppend(base, field), false);
    return out;
  }

  void ParseState(const json& js, const std::string& ptr, State& s,
                  const absl::flat_hash_map<std::string, int>& by_name) {
    if (s.name.size() > 80) Problem(ptr, "state names are at most 80 characters");
    if (!js.is_object()) {
      Problem(ptr, "a state must be a JSON object");
      return;
    }
    auto type_it = js.find("Type");
    std::optional<StateType> type;
    if (type_it == js.end() || !type_it->is_string()) {
      Problem(type_it == js.end() ? ptr : ptr + "/Type",
              "missing \"Type\": one of Task, Wait, Choice, Pass, Succeed, Fail, Parallel, Map");
      return;
    }
    type = ParseStateType(type_it->get<std::string>());
    if (!type) {
      Problem(ptr + "/Type",
              absl::StrCat("unknown state type '", type_it->get<std::string>(), "'"));
      return;
    }
    s.type = *type;
    CheckFields(js, ptr, s.type);
    ParseTransition(js, ptr, s, by_name);
    s.input_path = NullablePath(js, "InputPath", ptr);
    s.output_path = NullablePath(js, "OutputPath", ptr);
    s.result_path = NullablePath(js, "ResultPath", ptr);
    // A Map's Parameters is the older name of its ItemSelector (per item): see ParseMap.
    if (auto it = js.find("Parameters");
        it != js.end() && s.type != StateType::kMap && AllowedFields(s.type).count("Parameters")) {
      s.parameters = PayloadTemplate::Compile(*it, ptr + "/Parameters", problems_);
      s.uses_context = s.uses_context || s.parameters->uses_context();
    }
    if (auto it = js.find("ResultSelector");
        it != js.end() && AllowedFields(s.type).count("ResultSelector")) {
      s.result_selector = PayloadTemplate::Compile(*it, ptr + "/ResultSelector", problems_);
      s.uses_context = s.uses_context || s.result_selector->uses_context();
    }
    switch (s.type) {
      case StateType::kTask:
        ParseTask(js, ptr, s);
        break;
      case StateType::kWait:
        ParseWait(js, ptr, s);
        break;
      case StateType::kChoice:
        ParseChoice(js, ptr, s, by_name);
        break;
      case StateType::kPass:
        if (auto it = js.find("Result"); it != js.end()) s.result = *it;
        break;
      case StateType::kFail:
        ParseFail(js, ptr, s);
        break;
      case StateType::kParallel:
        ParseParallel(js, ptr, s);
        break;
      case StateType::kMap:
        ParseMap(js, ptr, s);
        break;
      case StateType::kSucceed:
        break;
    }
    if (s.type == StateType::kTask || s.type == StateType::kParallel || s.type == StateType::kMap) {
      ParseRetry(js, ptr, s);
      ParseCatch(js, ptr, s, by_name);
    }
  }

  void CheckFields(const json& js, const std::string& ptr, StateType type) {
    const std::set<std::string>& allowed = AllowedFields(type);
    for (const auto& [key, _] : js.items()) {
      if (allowed.count(key)) continue;
      std::string type_name = js.at("Type").get<std::string>();
      if (key == "Retry" || key == "Catch") {
        Problem(PointerAppend(ptr, key), absl::StrCat(key,
                                                      " is only allowed on Task, Parallel "
                                                      "and Map states, not on a ",
                                                      type_name, " state"));
      } else if (type == StateType::kMap &&
                 (key == "ItemReader" || key == "ResultWriter" || key == "ItemBatcher" ||
                  key == "Label" || key.ends_with("Path") || key == "ItemsPointer")) {
        Problem(PointerAppend(ptr, key),
                absl::StrCat(key, key.ends_with("Path") && key != "ItemsPath"
                                      ? " is not supported: give the value itself"
                                      : " belongs to a distributed Map, which Blend does not run: "
                                        "only inline Map states (ProcessorConfig Mode INLINE) are "
                                        "supported"));
      } else if ((key == "Next" || key == "End") &&
                 (type == StateType::kSucceed || type == StateType::kFail)) {
        Problem(PointerAppend(ptr, key), absl::StrCat("a ", type_name,
                                                      " state is terminal and "
                                                      "cannot have \"",
                                                      key, "\""));
      } else if ((key == "Next" || key == "End") && type == StateType::kChoice) {
        Problem(PointerAppend(ptr, key),
                "a Choice state cannot have \"Next\" or \"End\": use "
                "Choices[].Next and Default");
      } else {
        Problem(PointerAppend(ptr, key),
                absl::StrCat("unknown field '", key, "' for a ", type_name, " state"));
      }
    }
  }

  void ParseTransition(const json& js, const std::string& ptr, State& s,
                       const absl::flat_hash_map<std::string, int>& by_name) {
    if (s.type == StateType::kChoice || s.type == StateType::kSucceed ||
        s.type == StateType::kFail) {
      s.end = s.type != StateType::kChoice;
      return;
    }
    auto next = js.find("Next");
    auto end = js.find("End");
    bool has_end = end != js.end();
    if (has_end && (!end->is_boolean() || !end->get<bool>())) {
      Problem(ptr + "/End", "End must be true (or be removed in favour of \"Next\")");
      has_end = false;
    }
    if (next != js.end() && has_end) {
      Problem(ptr, "a state has either \"Next\" or \"End\": true, not both");
    } else if (next == js.end() && !has_end) {
      Problem(ptr, absl::StrCat("state '", s.name,
                                "' has neither \"Next\" nor \"End\". Hint: a "
                                "last state needs \"End\": true, otherwise add \"Next\": "
                                "\"<state name>\""));
    }
    if (next != js.end()) s.next = Resolve(*next, ptr + "/Next", by_name);
    s.end = has_end && next == js.end();
  }

  void ParseTask(const json& js, const std::string& ptr, State& s) {
    auto res = js.find("Resource");
    if (res == js.end() || !res->is_string()) {
      Problem(res == js.end() ? ptr : ptr + "/Resource", "a Task needs \"Resource\" (a string)");
    } else {
      s.resource_name = res->get<std::string>();
      std::string target = s.resource_name;
      if (auto a = aliases_.find(target); a != aliases_.end()) target = a->second;
      auto r = ParseBlendResource(target);
      if (!r) {
        Problem(ptr + "/Resource",
                absl::StrCat("unknown resource '", s.resource_name,
                             "': use blend:sms, "
                             "blend:voice, blend:email, blend:await-event or blend:facts, or map "
                             "it onto one of them in the campaign's resourceAliases"));
      } else {
        s.resource = *r;
      }
    }
    if (auto it = js.find("TimeoutSeconds"); it != js.end()) {
      if (!ValidSeconds(*it, false)) {
        Problem(ptr + "/TimeoutSeconds",
                "TimeoutSeconds must be a positive integer (at most 366 days)");
      } else {
        s.timeout_seconds = it->get<double>();
      }
    }
    if (auto it = js.find("TimeoutSecondsPath"); it != js.end()) {
      if (s.timeout_seconds)
        Problem(ptr + "/TimeoutSecondsPath", "give TimeoutSeconds or TimeoutSecondsPath, not both");
      s.timeout_seconds_path = Path(*it, ptr + "/TimeoutSecondsPath", false);
    }
    // A Blend touch has no worker heartbeat to time out on: rather than accept the field and
    // never raise States.HeartbeatTimeout, refuse it (TimeoutSeconds bounds a touch instead).
    for (const char* hb : {"HeartbeatSeconds", "HeartbeatSecondsPath"}) {
      if (js.contains(hb)) {
        Problem(PointerAppend(ptr, hb),
                absl::StrCat(hb,
                             " is not supported on Blend resources (a touch sends no "
                             "heartbeats, so States.HeartbeatTimeout could never be raised): "
                             "remove it and bound the task with TimeoutSeconds"));
      }
    }
  }

  void ParseWait(const json& js, const std::string& ptr, State& s) {
    int count = 0;
    if (auto it = js.find("Seconds"); it != js.end()) {
      ++count;
      if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > kMaxSeconds) {
        Problem(ptr + "/Seconds", "Seconds must be a non-negative number (at most 366 days)");
      } else {
        s.seconds = it->get<double>();
      }
    }
    if (auto it = js.find("Timestamp"); it != js.end()) {
      ++count;
      std::optional<absl::Time> t;
      if (it->is_string()) t = ParseTimestamp(it->get<std::string>());
      if (!t)
        Problem(ptr + "/Timestamp", "Timestamp must be RFC 3339, e.g. \"2026-01-31T09:00:00Z\"");
      s.timestamp = t;
    }
    if (auto it = js.find("SecondsPath"); it != js.end()) {
      ++count;
      s.seconds_path = Path(*it, ptr + "/SecondsPath", false);
    }
    if (auto it = js.find("TimestampPath"); it != js.end()) {
      ++count;
      s.timestamp_path = Path(*it, ptr + "/TimestampPath", false);
    }
    if (count != 1) {
      Problem(ptr,
              "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath");
    }
  }

  void ParseChoice(const json& js, const std::string& ptr, State& s,
                   const absl::flat_hash_map<std::string, int>& by_name) {
    auto it = js.find("Choices");
    if (it == js.end() || !it->is_array() || it->empty()) {
      Problem(it == js.end() ? ptr : ptr + "/Choices",
              "a Choice state needs a non-empty \"Choices\" array");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        std::string rp = PointerAppend(ptr + "/Choices", i);
        auto rule = ChoiceRule::Compile((*it)[i], rp, /*top_level=*/true, problems_);
        if (!rule) continue;
        if (by_name.find(rule->next) == by_name.end()) {
          Problem(rp + "/Next",
                  absl::StrCat("'", rule->next, "' is not a state of this States object"));
          continue;
        }
        s.choices.push_back(*std::move(rule));
      }
    }
    for (const ChoiceRule& r : s.choices) s.uses_context = s.uses_context || RuleUsesContext(r);
    if (auto d = js.find("Default"); d != js.end())
      s.default_next = Resolve(*d, ptr + "/Default", by_name);
  }

  static bool RuleUsesContext(const ChoiceRule& r) {
    if ((r.variable && r.variable->is_context()) ||
        (r.operand_path && r.operand_path->is_context())) {
      return true;
    }
    for (const ChoiceRule& c : r.children) {
      if (RuleUsesContext(c)) return true;
    }
    return false;
  }

  void ParseFail(const json& js, const std::string& ptr, State& s) {
    for (const char* f : {"Error", "Cause"}) {
      auto it = js.find(f);
      if (it == js.end()) continue;
      if (!it->is_string()) Problem(PointerAppend(ptr, f), absl::StrCat(f, " must be a string"));
      else (f[0] == 'E' ? s.error : s.cause) = it->get<std::string>();
    }
    if (auto it = js.find("ErrorPath"); it != js.end()) {
      if (js.contains("Error")) Problem(ptr + "/ErrorPath", "give Error or ErrorPath, not both");
      s.error_path = Path(*it, ptr + "/ErrorPath", true);
    }
    if (auto it = js.find("CausePath"); it != js.end()) {
      if (js.contains("Cause")) Problem(ptr + "/CausePath", "give Cause or CausePath, not both");
      s.cause_path = Path(*it, ptr + "/CausePath", true);
    }
    s.uses_context = (s.error_path && s.error_path->is_context()) ||
                     (s.cause_path && s.cause_path->is_context());
  }

  void ParseParallel(const json& js, const std::string& ptr, State& s) {
    auto it = js.find("Branches");
    if (it == js.end() || !it->is_array() || it->empty()) {
      Problem(it == js.end() ? ptr : ptr + "/Branches",
              "a Parallel state needs a non-empty \"Branches\" array");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      std::string bp = PointerAppend(ptr + "/Branches", i);
      if (!(*it)[i].is_object()) {
        Problem(bp, "a branch must be an object with StartAt and States");
        continue;
      }
      s.branches.push_back(ParseMachine((*it)[i], bp, /*top_level=*/false));
    }
  }

  void ParseMap(const json& js, const std::string& ptr, State& s) {
    if (auto it = js.find("ItemsPath"); it != js.end()) {
      s.items_path = Path(*it, ptr + "/ItemsPath", false);
    }
    const bool has_selector = js.contains("ItemSelector");
    if (has_selector && js.contains("Parameters")) {
      Problem(ptr + "/Parameters", "give ItemSelector or (its older name) Parameters, not both");
    }
    for (const char* f : {"ItemSelector", "Parameters"}) {
      if (auto it = js.find(f); it != js.end()) {
        s.item_selector = PayloadTemplate::Compile(*it, PointerAppend(ptr, f), problems_);
        break;
      }
    }
    if (auto it = js.find("MaxConcurrency"); it != js.end()) {
      if (!it->is_number_unsigned() || it->get<uint64_t>() > 1000000) {
        Problem(ptr + "/MaxConcurrency",
                "MaxConcurrency must be a non-negative integer (0: no limit)");
      } else {
        s.max_concurrency = it->get<int>();
      }
    }
    if (auto it = js.find("ToleratedFailureCount"); it != js.end()) {
      if (!it->is_number_unsigned() || it->get<uint64_t>() > 1000000) {
        Problem(ptr + "/ToleratedFailureCount",
                "ToleratedFailureCount must be a non-negative integer");
      } else {
        s.tolerated_failure_count = it->get<int>();
      }
    }
    if (auto it = js.find("ToleratedFailurePercentage"); it != js.end()) {
      if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 100) {
        Problem(ptr + "/ToleratedFailurePercentage",
                "ToleratedFailurePercentage must be a number from 0 to 100");
      } else {
        s.tolerated_failure_percentage = it->get<double>();
      }
    }
    const bool has_processor = js.contains("ItemProcessor");
    if (has_processor && js.contains("Iterator")) {
      Problem(ptr + "/Iterator", "give ItemProcessor or (its older name) Iterator, not both");
    }
    const char* field = has_processor ? "ItemProcessor" : "Iterator";
    auto it = js.find(field);
    if (it == js.end() || !it->is_object()) {
      Problem(it == js.end() ? ptr : PointerAppend(ptr, field),
              "a Map state needs \"ItemProcessor\" (or \"Iterator\"): an object with StartAt and "
              "States");
      return;
    }
    std::string pp = PointerAppend(ptr, field);
    json machine = *it;
    if (auto cfg = machine.find("ProcessorConfig"); cfg != machine.end()) {
      if (!cfg->is_object()) {
        Problem(pp + "/ProcessorConfig", "ProcessorConfig must be an object");
      } else {
        for (const auto& [key, v] : cfg->items()) {
          if (key == "Mode" && v == "INLINE") continue;
          Problem(PointerAppend(pp + "/ProcessorConfig", key),
                  key == "Mode" || key == "ExecutionType"
                      ? "only inline Map states are supported (\"Mode\": \"INLINE\"); a "
                        "distributed Map is not"
                      : absl::StrCat("unknown field '", key, "' in ProcessorConfig"));
        }
      }
      machine.erase("ProcessorConfig");
    }
    s.branches.push_back(ParseMachine(machine, pp, /*top_level=*/false));
  }

  std::vector<std::string> ErrorEquals(const json& obj, const std::string& ptr) {
    std::vector<std::string> out;
    auto it = obj.find("ErrorEquals");
    if (it == obj.end() || !it->is_array() || it->empty()) {
      Problem(it == obj.end() ? ptr : ptr + "/ErrorEquals",
              "ErrorEquals must be a non-empty array of error names (e.g. [\"States.ALL\"])");
      return out;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        Problem(PointerAppend(ptr + "/ErrorEquals", i), "error names are strings");
        continue;
      }
      out.push_back((*it)[i].get<std::string>());
    }
    if (std::find(out.begin(), out.end(), "States.ALL") != out.end() && out.size() > 1) {
      Problem(ptr + "/ErrorEquals", "States.ALL must appear alone in its ErrorEquals");
    }
    return out;
  }

  template <typename T>
  void CheckAllIsLast(const std::vector<T>& list, const std::string& ptr) {
    for (size_t i = 0; i + 1 < list.size(); ++i) {
      if (std::find(list[i].errors.begin(), list[i].errors.end(), "States.ALL") !=
          list[i].errors.end()) {
        Problem(PointerAppend(ptr, i), "the rule with States.ALL must be the last one");
      }
    }
  }

  void ParseRetry(const json& js, const std::string& ptr, State& s) {
    auto it = js.find("Retry");
    if (it == js.end()) return;
    std::string rp = ptr + "/Retry";
    if (!it->is_array()) {
      Problem(rp, "Retry must be an array of retriers");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& r = (*it)[i];
      std::string p = PointerAppend(rp, i);
      if (!r.is_object()) {
        Problem(p, "a retrier must be an object");
        continue;
      }
      Retrier out;
      out.errors = ErrorEquals(r, p);
      for (const auto& [key, v] : r.items()) {
        std::string kp = PointerAppend(p, key);
        if (key == "ErrorEquals" || key == "Comment") continue;
        if (key == "IntervalSeconds" || key == "MaxDelaySeconds") {
          if (!ValidSeconds(v, false)) {
            Problem(kp, absl::StrCat(key, " must be a positive integer (at most 366 days)"));
          } else if (key[0] == 'I') {
            out.interval_seconds = v.get<double>();
          } else {
            out.max_delay_seconds = v.get<double>();
          }
        } else if (key == "MaxAttempts") {
          if (!v.is_number_unsigned()) Problem(kp, "MaxAttempts must be a non-negative integer");
          else out.max_attempts = static_cast<int>(std::min<uint64_t>(v.get<uint64_t>(), 1000));
        } else if (key == "BackoffRate") {
          if (!v.is_number() || v.get<double>() < 1.0)
            Problem(kp, "BackoffRate must be a number >= 1.0");
          else out.backoff_rate = v.get<double>();
        } else if (key == "JitterStrategy") {
          if (v != "FULL" && v != "NONE") Problem(kp, "JitterStrategy is \"FULL\" or \"NONE\"");
          else out.full_jitter = v == "FULL";
        } else {
          Problem(kp, absl::StrCat("unknown field '", key, "' in a retrier"));
        }
      }
      s.retry.push_back(std::move(out));
    }
    CheckAllIsLast(s.retry, rp);
  }

  void ParseCatch(const json& js, const std::string& ptr, State& s,
                  const absl::flat_hash_map<std::string, int>& by_name) {
    auto it = js.find("Catch");
    if (it == js.end()) return;
    std::string cp = ptr + "/Catch";
    if (!it->is_array()) {
      Problem(cp, "Catch must be an array of catchers");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& c = (*it)[i];
      std::string p = PointerAppend(cp, i);
      if (!c.is_object()) {
        Problem(p, "a catcher must be an object");
        continue;
      }
      Catcher out;
      out.errors = ErrorEquals(c, p);
      for (const auto& [key, _] : c.items()) {
        if (key != "ErrorEquals" && key != "Next" && key != "ResultPath" && key != "Comment") {
          Problem(PointerAppend(p, key), absl::StrCat("unknown field '", key, "' in a catcher"));
        }
      }
      if (!c.contains("Next")) Problem(p, "a catcher needs \"Next\"");
      else out.next = Resolve(c.at("Next"), p + "/Next", by_name);
      out.result_path = NullablePath(c, "ResultPath", p);
      s.catch_.push_back(std::move(out));
    }
    CheckAllIsLast(s.catch_, cp);
  }

  // A state that cannot complete within the trigger that entered it.
  bool Blocks(const State& s) const {
    if (s.type == StateType::kWait) return true;
    if (s.type == StateType::kTask) return s.resource != BlendResource::kFacts;
    if (s.type == StateType::kParallel || s.type == StateType::kMap) {
      for (int b : s.branches) {
        for (const State& bs : def_->machines[b].states) {
          if (Blocks(bs)) return true;
        }
      }
    }
    return false;
  }

  static std::vector<int> Successors(const State& s) {
    std::vector<int> out;
    if (s.next >= 0) out.push_back(s.next);
    if (s.default_next >= 0) out.push_back(s.default_next);
    for (const Catcher& c : s.catch_) {
      if (c.next >= 0) out.push_back(c.next);
    }
    return out;
  }

  std::vector<int> Edges(const Machine& m, const State& s) const {
    std::vector<int> out;
    for (int e : Successors(s)) {
      if (e >= 0) out.push_back(e);
    }
    for (const ChoiceRule& r : s.choices) {
      if (auto it = m.by_name.find(r.next); it != m.by_name.end()) out.push_back(it->second);
    }
    return out;
  }

  void CheckGraph(int machine_index, const std::string& states_base) {
    const Machine& m = def_->machines[machine_index];
    std::vector<bool> seen(m.states.size(), false);
    std::vector<int> stack = {m.start};
    seen[m.start] = true;
    while (!stack.empty()) {
      int cur = stack.back();
      stack.pop_back();
      for (int n : Edges(m, m.states[cur])) {
        if (!seen[n]) {
          seen[n] = true;
          stack.push_back(n);
        }
      }
    }
    for (size_t i = 0; i < m.states.size(); ++i) {
      if (!seen[i]) {
        Problem(PointerAppend(states_base, m.states[i].name),
                absl::StrCat("state '", m.states[i].name, "' is unreachable from StartAt"));
      }
    }
    CheckSpinLoops(m, states_base);
  }

  // Finds cycles made only of states that complete at once (Pass, Choice, blend:facts
  // Tasks, non-blocking Parallels): such a journey could spin forever without waiting.
  void CheckSpinLoops(const Machine& m, const std::string& states_base) {
    size_t n = m.states.size();
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<int> path;
    std::set<std::set<int>> reported;
    std::function<void(int)> dfs = [&](int u) {
      color[u] = 1;
      path.push_back(u);
      for (int v : Edges(m, m.states[u])) {
        if (Blocks(m.states[v])) continue;
        if (color[v] == 1) {
          auto from = std::find(path.begin(), path.end(), v);
          std::vector<int> cycle(from, path.end());
          std::set<int> key(cycle.begin(), cycle.end());
          if (!reported.insert(key).second) continue;
          std::vector<std::string> names;
          for (int c : cycle) names.push_back(m.states[c].name);
          names.push_back(m.states[v].name);
          Problem(PointerAppend(states_base, m.states[v].name),
                  absl::StrCat("loop without a Wait or Task: ", absl::StrJoin(names, " -> "),
                               " could spin forever; add a Wait state to the loop"));
        } else if (color[v] == 0) {
          dfs(v);
        }
      }
      path.pop_back();
      color[u] = 2;
    };
    for (size_t i = 0; i < n; ++i) {
      if (color[i] == 0 && !Blocks(m.states[i])) dfs(static_cast<int>(i));
    }
  }

  const std::map<std::string, std::string>& aliases_;
  std::vector<ValidationProblem>& problems_;
  std::unique_ptr<Definition> def_;
};

}  // namespace

std::unique_ptr<Definition> ParseDefinition(const nlohmann::json& doc, const std::string& base,
                                            const std::map<std::string, std::string>& aliases,
                                            std::vector<ValidationProblem>& problems) {
  DefinitionParser parser(aliases, problems);
  return parser.Parse(doc, base);
}

}  // namespace blend::journey::internal
