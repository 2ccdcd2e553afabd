#include "blend/genesys_sim/config.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;

// nlohmann throws on type mismatches; the parser turns that into one InvalidArgument.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

absl::Duration ToDuration(const json& j, const std::string& field) {
  if (j.is_number()) return absl::Seconds(j.get<double>());
  absl::Duration d;
  if (j.is_string() && absl::ParseDuration(j.get<std::string>(), &d)) return d;
  throw ConfigError(
      absl::StrCat(field, ": expected a duration such as \"5s\" or a number of seconds"));
}

template <typename T>
void Read(const json& j, const char* key, T& out) {
  if (j.contains(key)) out = j.at(key).get<T>();
}

void ReadDuration(const json& j, const char* key, absl::Duration& out) {
  if (j.contains(key)) out = ToDuration(j.at(key), key);
}

std::vector<OAuthClientConfig> ParseClients(const json& arr) {
  std::vector<OAuthClientConfig> out;
  for (const json& c : arr) {
    OAuthClientConfig client;
    client.client_id = c.at("clientId").get<std::string>();
    client.client_secret = Secret(c.at("clientSecret").get<std::string>());
    ReadDuration(c, "tokenLifetime", client.token_lifetime);
    out.push_back(std::move(client));
  }
  return out;
}

std::vector<ContactListConfig> ParseContactLists(const json& arr) {
  std::vector<ContactListConfig> out;
  for (const json& l : arr) {
    ContactListConfig list;
    list.id = l.at("id").get<std::string>();
    list.name = l.value("name", list.id);
    Read(l, "columnNames", list.column_names);
    Read(l, "emailColumns", list.email_columns);
    for (const json& p : l.value("phoneColumns", json::array())) {
      list.phone_columns.push_back(
          {p.at("columnName").get<std::string>(), p.value("type", "cell")});
    }
    for (const json& c : l.value("contacts", json::array())) {
      list.contacts.push_back(
          {c.value("id", ""), c.at("data").get<std::map<std::string, std::string>>()});
    }
    out.push_back(std::move(list));
  }
  return out;
}

std::vector<DncListConfig> ParseDncLists(const json& arr) {
  std::vector<DncListConfig> out;
  for (const json& l : arr) {
    DncListConfig list;
    list.id = l.at("id").get<std::string>();
    list.name = l.value("name", list.id);
    Read(l, "dncSourceType", list.dnc_source_type);
    Read(l, "contactMethod", list.contact_method);
    Read(l, "phoneNumbers", list.phone_numbers);
    out.push_back(std::move(list));
  }
  return out;
}

std::vector<CampaignConfig> ParseCampaigns(const json& arr) {
  std::vector<CampaignConfig> out;
  for (const json& c : arr) {
    CampaignConfig campaign;
    campaign.id = c.at("id").get<std::string>();
    campaign.name = c.value("name", campaign.id);
    campaign.contact_list_id = c.at("contactListId").get<std::string>();
    Read(c, "dncListIds", campaign.dnc_list_ids);
    Read(c, "dialingMode", campaign.dialing_mode);
    Read(c, "queueId", campaign.queue_id);
    Read(c, "divisionId", campaign.division_id);
    Read(c, "callerIdNumber", campaign.caller_id_number);
    Read(c, "callerIdName", campaign.caller_id_name);
    out.push_back(std::move(campaign));
  }
  return out;
}

DialerConfig ParseDialer(const json& j, DialerConfig dialer) {
  ReadDuration(j, "dialDelay", dialer.dial_delay);
  ReadDuration(j, "dialInterval", dialer.dial_interval);
  Read(j, "agentId", dialer.agent_id);
  if (j.contains("outcomeRules")) {
    dialer.outcome_rules.clear();
    for (const json& r : j.at("outcomeRules")) {
      OutcomeRule rule;
      rule.number_regex = r.at("numberRegex").get<std::string>();
      rule.wrapup_code = r.at("wrapupCode").get<std::string>();
      Read(r, "callAnalysisDisposition", rule.call_analysis_disposition);
      Read(r, "rightPartyContact", rule.right_party_contact);
      Read(r, "agent", rule.agent);
      dialer.outcome_rules.push_back(std::move(rule));
    }
  }
  return dialer;
}

std::vector<SmsReplyRule> ParseSmsReplies(const json& arr) {
  std::vector<SmsReplyRule> out;
  for (const json& r : arr) {
    SmsReplyRule rule;
    rule.to_regex = r.at("toRegex").get<std::string>();
    Read(r, "text", rule.text);
    ReadDuration(r, "delay", rule.delay);
    out.push_back(std::move(rule));
  }
  return out;
}

WebhookConfig ParseWebhooks(const json& j, WebhookConfig webhooks) {
  Read(j, "postContactUrls", webhooks.post_contact_urls);
  Read(j, "inboundSmsUrls", webhooks.inbound_sms_urls);
  if (j.contains("signingSecret")) {
    webhooks.signing_secret = Secret(j.at("signingSecret").get<std::string>());
  }
  ReadDuration(j, "initialBackoff", webhooks.initial_backoff);
  ReadDuration(j, "maxBackoff", webhooks.max_backoff);
  Read(j, "maxAttempts", webhooks.max_attempts);
  ReadDuration(j, "timeout", webhooks.timeout);
  return webhooks;
}

EventBridgeConfig ParseEventBridge(const json& j, EventBridgeConfig eb) {
  Read(j, "orgId", eb.org_id);
  Read(j, "sourceSuffix", eb.source_suffix);
  Read(j, "account", eb.account);
  Read(j, "region", eb.region);
  return eb;
}

FaultConfig ParseFaults(const json& j, FaultConfig faults) {
  ReadDuration(j, "latency", faults.latency);
  Read(j, "latencyRatio", faults.latency_ratio);
  Read(j, "errorRatio", faults.error_ratio);
  Read(j, "errorStatus", faults.error_status);
  Read(j, "dropRatio", faults.drop_ratio);
  Read(j, "acceptedDropRatio", faults.accepted_drop_ratio);
  ReadDuration(j, "storm429For", faults.storm_429_for);
  Read(j, "pathPrefix", faults.path_prefix);
  Read(j, "method", faults.method);
  return faults;
}

PreCallConfig ParsePreCall(const json& j, PreCallConfig precall) {
  Read(j, "url", precall.url);
  ReadDuration(j, "timeout", precall.timeout);
  if (j.contains("default")) {
    std::string d = j.at("default").get<std::string>();
    if (d != "allow" && d != "skip") throw ConfigError("preCall.default: expected allow or skip");
    precall.skip_on_error = d == "skip";
  }
  Read(j, "user", precall.user);
  if (j.contains("password")) precall.password = Secret(j.at("password").get<std::string>());
  return precall;
}

void Overlay(const json& doc, SimConfig& c) {
  if (!doc.is_object()) throw ConfigError("the configuration must be a JSON object");
  static const std::set<std::string> kKnown = {
      "oauthClients", "rateLimit",         "smsSenders",  "emailSenders",
      "contactLists", "dncLists",          "campaigns",   "dialer",
      "smsReplies",   "rejectOptedOutSms", "webhooks",    "eventBridge",
      "faults",       "preCall",           "exportDelay", "auditCapacity"};
  for (const auto& [key, _] : doc.items()) {
    if (!kKnown.contains(key)) throw ConfigError(absl::StrCat("unknown section '", key, "'"));
  }
  if (doc.contains("oauthClients")) c.clients = ParseClients(doc.at("oauthClients"));
  if (doc.contains("rateLimit"))
    Read(doc.at("rateLimit"), "requestsPerMinute", c.requests_per_minute);
  Read(doc, "smsSenders", c.sms_senders);
  Read(doc, "emailSenders", c.email_senders);
  if (doc.contains("contactLists")) c.contact_lists = ParseContactLists(doc.at("contactLists"));
  if (doc.contains("dncLists")) c.dnc_lists = ParseDncLists(doc.at("dncLists"));
  if (doc.contains("campaigns")) c.campaigns = ParseCampaigns(doc.at("campaigns"));
  if (doc.contains("dialer")) c.dialer = ParseDialer(doc.at("dialer"), c.dialer);
  if (doc.contains("smsReplies")) c.sms_replies = ParseSmsReplies(doc.at("smsReplies"));
  Read(doc, "rejectOptedOutSms", c.reject_opted_out_sms);
  if (doc.contains("webhooks")) c.webhooks = ParseWebhooks(doc.at("webhooks"), c.webhooks);
  if (doc.contains("eventBridge"))
    c.event_bridge = ParseEventBridge(doc.at("eventBridge"), c.event_bridge);
  if (doc.contains("faults")) c.faults = ParseFaults(doc.at("faults"), c.faults);
  if (doc.contains("preCall")) c.precall = ParsePreCall(doc.at("preCall"), c.precall);
  ReadDuration(doc, "exportDelay", c.export_delay);
  Read(doc, "auditCapacity", c.audit_capacity);
}

bool RegexCompiles(const std::string& pattern) {
  try {
    std::regex re(pattern);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace

std::vector<OutcomeRule> DefaultOutcomeRules() {
  return {
      {"[0-3]$", "demo-wrapup-promise-to-pay", "disposition.classification.callable.person", true,
       true},
      {"[4-5]$", "ININ-OUTBOUND-NO-ANSWER", "disposition.classification.callable.noanswer", false,
       false},
      {"6$", "ININ-OUTBOUND-BUSY", "disposition.classification.callable.busy", false, false},
      {"7$", "ININ-OUTBOUND-MACHINE", "disposition.classification.callable.machine", false, false},
      {"8$", "ININ-OUTBOUND-SIT-UNCALLABLE", "disposition.classification.uncallable.sit", false,
       false},
      {"9$", "ININ-OUTBOUND-INVALID-PHONE-NUMBER", "disposition.classification.uncallable.notfound",
       false, false},
  };
}

SimConfig DemoConfig() {
  SimConfig c;
  c.clients.push_back({"demo-client", Secret("demo-secret")});
  c.sms_senders = {"+18005550199"};
  c.email_senders = {"collections@demo.example.com"};
  ContactListConfig contacts;
  contacts.id = "demo-contacts";
  contacts.name = "Demo contacts";
  contacts.column_names = {"phone", "email", "firstName", "lastName", "customerId", "touchId"};
  contacts.phone_columns = {{"phone", "cell"}};
  contacts.email_columns = {"email"};
  c.contact_lists.push_back(std::move(contacts));
  DncListConfig dnc;
  dnc.id = "demo-dnc";
  dnc.name = "Demo internal DNC";
  c.dnc_lists.push_back(std::move(dnc));
  CampaignConfig campaign;
  campaign.id = "demo-campaign";
  campaign.name = "Demo collections campaign";
  campaign.contact_list_id = "demo-contacts";
  campaign.dnc_list_ids = {"demo-dnc"};
  c.campaigns.push_back(std::move(campaign));
  c.sms_replies.push_back({"13$", "STOP", absl::Seconds(5)});
  return c;
}

absl::StatusOr<SimConfig> ParseConfigJson(absl::string_view text, SimConfig base) {
  try {
    Overlay(json::parse(std::string(text)), base);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid genesys-sim configuration: ", e.what()));
  }
  return base;
}

absl::StatusOr<SimConfig> LoadConfigFile(const std::string& path, SimConfig base) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read configuration file '", path, "'"));
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseConfigJson(text.str(), std::move(base));
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

absl::Status ValidateConfig(const SimConfig& c) {
  if (c.clients.empty()) return absl::InvalidArgumentError("configure at least one OAuth client");
  if (c.requests_per_minute <= 0) {
    return absl::InvalidArgumentError("rateLimit.requestsPerMinute must be positive");
  }
  std::set<std::string> lists, dncs;
  for (const auto& l : c.contact_lists) lists.insert(l.id);
  for (const auto& d : c.dnc_lists) dncs.insert(d.id);
  for (const auto& campaign : c.campaigns) {
    if (!lists.contains(campaign.contact_list_id)) {
      return absl::InvalidArgumentError(absl::StrCat("campaign '", campaign.id,
                                                     "' names unknown contact list '",
                                                     campaign.contact_list_id, "'"));
    }
    for (const auto& d : campaign.dnc_list_ids) {
      if (!dncs.contains(d)) {
        return absl::InvalidArgumentError(
            absl::StrCat("campaign '", campaign.id, "' names unknown DNC list '", d, "'"));
      }
    }
  }
  for (const auto& r : c.dialer.outcome_rules) {
    if (!RegexCompiles(r.number_regex)) {
      return absl::InvalidArgumentError(absl::StrCat("bad numberRegex '", r.number_regex, "'"));
    }
  }
  for (const auto& r : c.sms_replies) {
    if (!RegexCompiles(r.to_regex)) {
      return absl::InvalidArgumentError(absl::StrCat("bad smsReplies toRegex '", r.to_regex, "'"));
    }
  }
  const FaultConfig& f = c.faults;
  if (f.error_ratio < 0 || f.error_ratio > 1 || f.drop_ratio < 0 || f.drop_ratio > 1) {
    return absl::InvalidArgumentError("faults.errorRatio and faults.dropRatio must be in [0, 1]");
  }
  if (f.error_status < 500 || f.error_status > 599) {
    return absl::InvalidArgumentError("faults.errorStatus must be a 5xx status");
  }
  if (c.webhooks.max_attempts < 1) return absl::InvalidArgumentError("webhooks.maxAttempts >= 1");
  // Plain HTTP only: the simulator calls a local rule service (as it posts its webhooks).
  if (!c.precall.url.empty() && c.precall.url.rfind("http://", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("preCall.url must start with http://, got '", c.precall.url, "'"));
  }
  if (c.precall.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("preCall.timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<FaultConfig> ParseFaultConfig(absl::string_view text, FaultConfig base) {
  FaultConfig out;
  try {
    out = ParseFaults(json::parse(std::string(text)), std::move(base));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid fault settings: ", e.what()));
  }
  for (double ratio :
       {out.error_ratio, out.drop_ratio, out.latency_ratio, out.accepted_drop_ratio}) {
    if (ratio < 0 || ratio > 1) {
      return absl::InvalidArgumentError(
          "errorRatio, dropRatio, latencyRatio and acceptedDropRatio must be in [0, 1]");
    }
  }
  if (out.error_status < 500 || out.error_status > 599) {
    return absl::InvalidArgumentError("errorStatus must be a 5xx status");
  }
  return out;
}

}  // namespace blend::genesys_sim
