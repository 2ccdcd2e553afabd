#include "blend/journey/campaign.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiled.h"
#include "parser_internal.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;

constexpr int kMaxNesting = 64;

std::optional<absl::Duration> ParseClock(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 5 || s[2] != ':' || !isdigit(s[0]) || !isdigit(s[1]) || !isdigit(s[3]) ||
      !isdigit(s[4])) {
    return std::nullopt;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return absl::Hours(h) + absl::Minutes(m);
}

class PoliciesParser {
 public:
  explicit PoliciesParser(std::vector<ValidationProblem>& problems) : problems_(problems) {}

  CampaignPolicies Parse(const json& p, const std::string& base) {
    CampaignPolicies out;
    out.quiet_hours[Channel::kSms] = QuietHoursWindow{};
    out.quiet_hours[Channel::kVoice] = QuietHoursWindow{};
    if (p.is_null()) return out;
    if (!p.is_object()) {
      Problem(base, "policies must be a JSON object");
      return out;
    }
    for (const auto& [key, v] : p.items()) {
      std::string kp = PointerAppend(base, key);
      if (key == "exitEvents") ExitEvents(v, kp, out);
      else if (key == "quietHours") QuietHours(v, kp, out);
      else if (key == "frequencyCaps") Caps(v, kp, out);
      else if (key == "genesys") Genesys(v, kp, out.genesys);
      else if (key == "sendAtBestHour") BestHour(v, kp, out);
      else if (key == "onUnknown") OnUnknownPolicy(v, kp, out);
      else if (key == "choiceOnMissingVariable") {
        if (v == "fail") out.choice_missing_variable_default = false;
        else if (v == "default") out.choice_missing_variable_default = true;
        else
          Problem(kp, "choiceOnMissingVariable is \"fail\" (the default, as AWS) or \"default\"");
      } else if (key == "optOutScope") OptOutScopePolicy(v, kp, out);
      else if (key == "maxTransitionsPerTrigger") {
        if (!v.is_number_unsigned() || v.get<uint64_t>() == 0 || v.get<uint64_t>() > 1000000) {
          Problem(kp, "maxTransitionsPerTrigger must be an integer from 1 to 1000000");
        } else {
          out.max_transitions_per_trigger = v.get<int>();
        }
      } else {
        Problem(kp,
                absl::StrCat(
                    "unknown policy '", key,
                    "' (known: exitEvents, quietHours, "
                    "frequencyCaps, genesys, sendAtBestHour, "
                    "maxTransitionsPerTrigger, onUnknown, choiceOnMissingVariable, optOutScope)"));
      }
    }
    return out;
  }

 private:
  void Problem(std::string pointer, std::string message) {
    problems_.push_back({std::move(pointer), std::move(message)});
  }

  std::optional<Channel> ChannelKey(const std::string& key, const std::string& kp) {
    auto c = ParseChannel(key);
    if (!c) Problem(kp, absl::StrCat("unknown channel '", key, "' (sms, voice or email)"));
    return c;
  }

  void ExitEvents(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (!v.is_array()) {
      Problem(kp, "exitEvents must be an array of {\"eventType\", \"status\"}");
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      std::string ip = PointerAppend(kp, i);
      const json& e = v[i];
      if (!e.is_object() || !e.contains("eventType") || !e["eventType"].is_string()) {
        Problem(ip, "an exit event needs \"eventType\" (a string)");
        continue;
      }
      ExitEvent ev{e["eventType"].get<std::string>(), "SUCCEEDED"};
      if (auto s = e.find("status"); s != e.end()) {
        if (*s != "SUCCEEDED" && *s != "FAILED" && *s != "CANCELLED") {
          Problem(ip + "/status", "status is SUCCEEDED, FAILED or CANCELLED");
          continue;
        }
        ev.status = s->get<std::string>();
      }
      out.exit_events.push_back(std::move(ev));
    }
  }

  void QuietHours(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (!v.is_object()) {
      Problem(kp, "quietHours maps a channel to {\"from\": \"08:00\", \"until\": \"21:00\"}");
      return;
    }
    for (const auto& [key, w] : v.items()) {
      std::string cp = PointerAppend(kp, key);
      auto c = ChannelKey(key, cp);
      if (!c) continue;
      if (w.is_null()) {  // null switches the window off for that channel
        out.quiet_hours.erase(*c);
        continue;
      }
      auto from = w.is_object() && w.contains("from") ? ParseClock(w["from"]) : std::nullopt;
      auto until = w.is_object() && w.contains("until") ? ParseClock(w["until"]) : std::nullopt;
      if (!from) Problem(cp + "/from", "from must be a local time \"HH:MM\"");
      if (!until) Problem(cp + "/until", "until must be a local time \"HH:MM\"");
      if (from && until && *from >= *until) {
        Problem(cp, "the allowed window must start before it ends (from < until)");
        continue;
      }
      if (from && until) out.quiet_hours[*c] = QuietHoursWindow{*from, *until};
    }
  }

  void Caps(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (!v.is_object()) {
      Problem(kp, "frequencyCaps maps a channel to {\"max\", \"windowSeconds\", \"onCap\"}");
      return;
    }
    for (const auto& [key, c] : v.items()) {
      std::string cp = PointerAppend(kp, key);
      auto ch = ChannelKey(key, cp);
      if (!ch) continue;
      if (!c.is_object()) {
        Problem(cp,
                "a frequency cap is {\"max\": 7, \"windowSeconds\": 604800, \"onCap\": \"defer\"}");
        continue;
      }
      FrequencyCapPolicy cap;
      bool ok = true;
      if (!c.contains("max") || !c["max"].is_number_unsigned() ||
          c["max"].get<uint64_t>() > 1000000) {
        Problem(cp + "/max", "max must be a non-negative integer");
        ok = false;
      } else {
        cap.max_touches = c["max"].get<int>();
      }
      if (!c.contains("windowSeconds") || !c["windowSeconds"].is_number_unsigned() ||
          c["windowSeconds"].get<uint64_t>() == 0 ||
          c["windowSeconds"].get<uint64_t>() > 31622400) {
        Problem(cp + "/windowSeconds", "windowSeconds must be a positive integer (at most a year)");
        ok = false;
      } else {
        cap.window = absl::Seconds(c["windowSeconds"].get<int64_t>());
      }
      if (auto on = c.find("onCap"); on != c.end()) {
        if (*on != "defer" && *on != "fail") {
          Problem(cp + "/onCap", "onCap is \"defer\" or \"fail\"");
          ok = false;
        } else {
          cap.fail_when_capped = *on == "fail";
        }
      }
      for (const auto& [f, _] : c.items()) {
        if (f != "max" && f != "windowSeconds" && f != "onCap") {
          Problem(PointerAppend(cp, f), absl::StrCat("unknown field '", f, "' in a frequency cap"));
        }
      }
      if (ok) out.frequency_caps[*ch] = cap;
    }
  }

  void OnUnknownPolicy(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (v == "assume-sent") {
      out.on_unknown = OnUnknown::kAssumeSent;
    } else if (v == "fail") {
      out.on_unknown = OnUnknown::kFail;
    } else {
      Problem(kp, "onUnknown is \"assume-sent\" (the default) or \"fail\"");
    }
  }

  void OptOutScopePolicy(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (v == "all") {
      out.opt_out_scope = OptOutScope::kAll;
    } else if (v == "channel") {
      out.opt_out_scope = OptOutScope::kChannel;
    } else {
      Problem(kp, "optOutScope is \"all\" (the default) or \"channel\"");
    }
  }

  void BestHour(const json& v, const std::string& kp, CampaignPolicies& out) {
    if (!v.is_object()) {
      Problem(kp, "sendAtBestHour is {\"channels\": [\"sms\"], \"maxDelaySeconds\": 43200}");
      return;
    }
    SendAtBestHourPolicy policy;
    bool ok = true;
    for (const auto& [f, val] : v.items()) {
      const std::string fp = PointerAppend(kp, f);
      if (f == "channels" && val.is_array()) {
        for (size_t i = 0; i < val.size(); ++i) {
          auto c = val[i].is_string() ? ChannelKey(val[i].get<std::string>(), PointerAppend(fp, i))
                                      : std::nullopt;
          if (!val[i].is_string())
            Problem(PointerAppend(fp, i), "a channel name (sms, voice or email)");
          if (c) policy.channels.insert(*c);
          ok = ok && c.has_value();
        }
      } else if (f == "maxDelaySeconds" && val.is_number_unsigned() && val.get<uint64_t>() > 0 &&
                 val.get<uint64_t>() <= 7 * 86400) {
        policy.max_delay = absl::Seconds(val.get<int64_t>());
      } else if (f == "channels" || f == "maxDelaySeconds") {
        Problem(fp, f == "channels"
                        ? "channels must be an array of channel names"
                        : "maxDelaySeconds must be a positive integer (at most 7 days)");
        ok = false;
      } else {
        Problem(fp, absl::StrCat("unknown field '", f, "' in sendAtBestHour"));
        ok = false;
      }
    }
    if (ok) out.send_at_best_hour = policy;
  }

  void Genesys(const json& v, const std::string& kp, GenesysIds& out) {
    if (!v.is_object()) {
      Problem(kp, "genesys must be an object of ids");
      return;
    }
    const std::pair<const char*, std::string*> fields[] = {
        {"contactListId", &out.contact_list_id},
        {"dncListId", &out.dnc_list_id},
        {"smsFromNumber", &out.sms_from_number},
        {"emailFromAddress", &out.email_from_address},
        {"oauthClient", &out.oauth_client}};
    for (const auto& [key, val] : v.items()) {
      std::string fp = PointerAppend(kp, key);
      bool known = false;
      for (const auto& [name, dest] : fields) {
        if (key != name) continue;
        known = true;
        if (!val.is_string()) Problem(fp, absl::StrCat(key, " must be a string"));
        else *dest = val.get<std::string>();
      }
      if (!known) Problem(fp, absl::StrCat("unknown genesys id '", key, "'"));
    }
  }

  std::vector<ValidationProblem>& problems_;
};

json ParseJsonOrProblem(std::string_view text, const std::string& pointer, const char* what,
                        std::vector<ValidationProblem>& problems) {
  // Exceptions, not allow_exceptions=false: nlohmann 3.11 still throws out_of_range (406)
  // for an overflowing number in that mode (found by the fuzzer).
  struct TooDeep {};
  // Compiling and dumping recurse per nesting level: refuse absurd nesting up front.
  auto limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxNesting) throw TooDeep{};
    return true;
  };
  try {
    return json::parse(text, limit_depth);
  } catch (const json::exception& e) {
    problems.push_back({pointer, absl::StrCat(what, " is not valid JSON: ", e.what())});
  } catch (const TooDeep&) {
    problems.push_back(
        {pointer, absl::StrCat(what, " nests deeper than ", kMaxNesting, " levels")});
  }
  return json(json::value_t::discarded);
}

void CheckAliases(const std::map<std::string, std::string>& aliases,
                  std::vector<ValidationProblem>& problems) {
  for (const auto& [from, to] : aliases) {
    if (!ParseBlendResource(to)) {
      problems.push_back(
          {PointerAppend("/resourceAliases", from),
           absl::StrCat("alias target '", to,
                        "' is not a Blend resource (blend:sms, "
                        "blend:voice, blend:email, blend:await-event, blend:facts)")});
    }
  }
}

absl::StatusOr<std::shared_ptr<const CompiledCampaign>> FinishCompile(
    std::string campaign_id, const json& definition, const std::string& def_base,
    const json& policies, const std::string& pol_base,
    const std::map<std::string, std::string>& aliases, std::vector<ValidationProblem> found,
    std::vector<ValidationProblem>* problems) {
  std::unique_ptr<internal::Definition> def;
  CampaignPolicies pol;
  if (!definition.is_discarded())
    def = internal::ParseDefinition(definition, def_base, aliases, found);
  if (!policies.is_discarded()) pol = PoliciesParser(found).Parse(policies, pol_base);
  CheckAliases(aliases, found);
  if (problems != nullptr) *problems = found;
  if (!found.empty()) {
    std::vector<std::string> lines;
    for (const ValidationProblem& p : found) {
      lines.push_back(absl::StrCat(p.pointer.empty() ? "(document)" : p.pointer, ": ", p.message));
    }
    return absl::InvalidArgumentError(absl::StrCat("campaign definition has ", found.size(),
                                                   " problem(s):\n", absl::StrJoin(lines, "\n")));
  }
  return std::make_shared<const CompiledCampaign>(std::move(campaign_id), std::move(pol), aliases,
                                                  std::move(def));
}

}  // namespace

std::optional<BlendResource> ParseBlendResource(std::string_view name) {
  if (name == "blend:sms") return BlendResource::kSms;
  if (name == "blend:voice") return BlendResource::kVoice;
  if (name == "blend:email") return BlendResource::kEmail;
  if (name == "blend:await-event") return BlendResource::kAwaitEvent;
  if (name == "blend:facts") return BlendResource::kFacts;
  return std::nullopt;
}

CompiledCampaign::CompiledCampaign(std::string campaign_id, CampaignPolicies policies,
                                   std::map<std::string, std::string> aliases,
                                   std::unique_ptr<const internal::Definition> definition)
    : campaign_id_(std::move(campaign_id)),
      policies_(std::move(policies)),
      aliases_(std::move(aliases)),
      definition_(std::move(definition)) {}

CompiledCampaign::~CompiledCampaign() = default;

size_t CompiledCampaign::state_count() const {
  size_t n = 0;
  for (const auto& m : definition_->machines) n += m.states.size();
  return n;
}

absl::StatusOr<std::shared_ptr<const CompiledCampaign>> ParseCampaign(
    std::string_view definition_json, std::string_view policies_json,
    const std::map<std::string, std::string>& resource_aliases,
    std::vector<ValidationProblem>* problems, std::string campaign_id) {
  std::vector<ValidationProblem> found;
  json def = ParseJsonOrProblem(definition_json, "", "the definition", found);
  json pol = policies_json.empty()
                 ? json()
                 : ParseJsonOrProblem(policies_json, "/policies", "the policies", found);
  return FinishCompile(std::move(campaign_id), def, "", pol, "/policies", resource_aliases,
                       std::move(found), problems);
}

absl::StatusOr<std::shared_ptr<const CompiledCampaign>> ParseCampaignDocument(
    std::string_view document_json, std::vector<ValidationProblem>* problems) {
  std::vector<ValidationProblem> found;
  json doc = ParseJsonOrProblem(document_json, "", "the document", found);
  if (doc.is_discarded()) {
    return FinishCompile("", doc, "", json(), "/policies", {}, std::move(found), problems);
  }
  if (doc.is_object() && (doc.contains("StartAt") || doc.contains("States"))) {
    return FinishCompile("", doc, "", json(), "/policies", {}, std::move(found), problems);
  }
  std::map<std::string, std::string> aliases;
  std::string campaign_id;
  json definition = json::value_t::discarded;
  json policies;
  if (!doc.is_object()) {
    found.push_back({"",
                     "expected a campaign document {\"campaignId\", \"definition\", "
                     "\"policies\", \"resourceAliases\"} or an ASL definition"});
  } else {
    for (const auto& [key, v] : doc.items()) {
      if (key == "campaignId") {
        if (v.is_string()) campaign_id = v.get<std::string>();
        else found.push_back({"/campaignId", "campaignId must be a string"});
      } else if (key == "definition") {
        definition = v;
      } else if (key == "policies") {
        policies = v;
      } else if (key == "resourceAliases") {
        if (!v.is_object()) {
          found.push_back(
              {"/resourceAliases", "resourceAliases maps foreign resource names to blend:*"});
          continue;
        }
        for (const auto& [from, to] : v.items()) {
          if (to.is_string()) aliases[from] = to.get<std::string>();
          else
            found.push_back(
                {PointerAppend("/resourceAliases", from), "an alias target is a string"});
        }
      } else if (key != "Comment" && key != "comment") {
        found.push_back(
            {PointerAppend("", key), absl::StrCat("unknown campaign field '", key, "'")});
      }
    }
    if (definition.is_discarded())
      found.push_back({"", "missing \"definition\" (the ASL document)"});
  }
  return FinishCompile(std::move(campaign_id), definition, "/definition", policies, "/policies",
                       aliases, std::move(found), problems);
}

}  // namespace blend::journey
