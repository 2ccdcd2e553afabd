#pragma once

// The simulator's configuration: plain structs with the demo defaults, optionally overlaid
// by a JSON file (format in README.md). DemoConfig() is what `blend-genesys-sim` serves with
// no flags; ParseConfigJson() replaces, section by section, whatever the file names.

#include <map>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/secret.h"

namespace blend::genesys_sim {

struct OAuthClientConfig {
  std::string client_id;
  Secret client_secret;
  absl::Duration token_lifetime = absl::Seconds(86399);  // as observed from Genesys
};

struct PhoneColumnConfig {
  std::string column_name;
  std::string type = "cell";  // cell, home, work, ...
};

struct SeedContact {
  std::string id;  // empty: assigned at start
  std::map<std::string, std::string> data;
};

struct ContactListConfig {
  std::string id;
  std::string name;
  std::vector<std::string> column_names;
  std::vector<PhoneColumnConfig> phone_columns;
  std::vector<std::string> email_columns;
  std::vector<SeedContact> contacts;  // seeded, not queued for dialling
};

struct DncListConfig {
  std::string id;
  std::string name;
  std::string dnc_source_type = "rds";  // only rds / rds_custom accept numbers through the API
  std::string contact_method = "Phone";
  std::vector<std::string> phone_numbers;
};

struct CampaignConfig {
  std::string id;
  std::string name;
  std::string contact_list_id;
  std::vector<std::string> dnc_list_ids;
  std::string dialing_mode = "PREDICTIVE";  // enum of the postContact event
  std::string queue_id = "demo-queue";
  std::string division_id = "demo-division";
  std::string caller_id_number = "+18005550199";
  std::string caller_id_name = "Demo Collections";
};

// The outcome of a dialled number whose E.164 text matches `number_regex` (ECMAScript,
// searched, so "[4-5]$" means "ends in 4 or 5"). The first matching rule wins.
struct OutcomeRule {
  std::string number_regex;
  std::string wrapup_code;                // system ININ-OUTBOUND-* code or agent wrap-up id
  std::string call_analysis_disposition;  // disposition.classification.*
  bool right_party_contact = false;
  bool agent = false;  // an agent handled the call: the event carries agentId
};

struct DialerConfig {
  absl::Duration dial_delay = absl::Seconds(5);         // insertion -> dial
  absl::Duration dial_interval = absl::ZeroDuration();  // > 0: at most one dial per interval
  std::string agent_id = "demo-agent";
  std::vector<OutcomeRule> outcome_rules;  // empty: DefaultOutcomeRules()
};

// An automatic inbound reply to an SMS that reached a number matching `to_regex`.
struct SmsReplyRule {
  std::string to_regex;
  std::string text = "STOP";
  absl::Duration delay = absl::Seconds(5);
};

struct WebhookConfig {
  std::vector<std::string> post_contact_urls;  // call outcomes (EventBridge envelope)
  std::vector<std::string> inbound_sms_urls;   // inbound SMS (inbound message flow data action)
  Secret signing_secret = Secret("demo-signing-secret");
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  int max_attempts = 8;
  absl::Duration timeout = absl::Seconds(5);
};

struct EventBridgeConfig {
  std::string org_id = "00000000-0000-4000-8000-00000000b1e0";
  std::string source_suffix = "blend";
  std::string account = "123456789012";
  std::string region = "us-east-1";
};

// A pre-call rule set whose condition is a web-services data action: just before each dial
// the simulator POSTs the contact to `url` and skips the dial when the answer says so (see
// README "Pre-call rule").
struct PreCallConfig {
  std::string url;  // http://host:port/path; empty: no rule
  absl::Duration timeout = absl::Seconds(2);
  // When the call fails, times out or answers something unusable: skip the dial (Genesys
  // places no call when a pre-call rule evaluation fails) or dial anyway.
  bool skip_on_error = true;
  // The integration's "Basic Auth" credentials: `Authorization: Basic base64(user:password)`
  // on every request. Empty user: no Authorization header.
  std::string user;
  Secret password;
};

struct FaultConfig {
  absl::Duration latency = absl::ZeroDuration();
  double latency_ratio = 1;  // share of requests delayed by `latency`
  double error_ratio = 0;    // share of requests answered with error_status
  int error_status = 503;
  double drop_ratio = 0;  // share of requests whose connection is dropped
  // Share of requests that are performed (and audited with their real status) and whose
  // answer is then lost: the client cannot know whether Genesys accepted it (in doubt).
  double accepted_drop_ratio = 0;
  absl::Duration storm_429_for = absl::ZeroDuration();  // from start (file) / from the call (API)
  std::string path_prefix = "/";  // faults apply to paths starting with this (never /sim/)
  std::string method;  // and, when not empty, only to requests of this method (e.g. DELETE)
};

struct SimConfig {
  std::vector<OAuthClientConfig> clients;
  int requests_per_minute = 300;  // per OAuth client
  std::vector<std::string> sms_senders;
  std::vector<std::string> email_senders;
  std::vector<ContactListConfig> contact_lists;
  std::vector<DncListConfig> dnc_lists;
  std::vector<CampaignConfig> campaigns;
  DialerConfig dialer;
  std::vector<SmsReplyRule> sms_replies;
  bool reject_opted_out_sms = true;  // false: accept and mark the message failed
  WebhookConfig webhooks;
  EventBridgeConfig event_bridge;
  FaultConfig faults;
  PreCallConfig precall;
  absl::Duration export_delay = absl::ZeroDuration();  // export job -> URI available
  size_t audit_capacity = 1'000'000;                   // oldest entries dropped beyond this
};

// The rules used when DialerConfig::outcome_rules is empty (by last digit, see README).
std::vector<OutcomeRule> DefaultOutcomeRules();

// Demo defaults: client demo-client/demo-secret, contact list demo-contacts, DNC list demo-dnc,
// campaign demo-campaign, SMS sender +18005550199, email sender collections@demo.example.com.
SimConfig DemoConfig();

// Overlays the JSON document `json` on `base`: each top-level section present replaces the
// one in `base`. InvalidArgument names the offending field.
absl::StatusOr<SimConfig> ParseConfigJson(absl::string_view json, SimConfig base);
absl::StatusOr<SimConfig> LoadConfigFile(const std::string& path, SimConfig base);

// Cross-checks (campaign lists exist, regexes compile, ratios in [0,1], ...).
absl::Status ValidateConfig(const SimConfig& config);

// Fault settings from JSON ({"latency":"200ms","errorRatio":0.1,...}); used by the admin API.
absl::StatusOr<FaultConfig> ParseFaultConfig(absl::string_view json, FaultConfig base);

}  // namespace blend::genesys_sim
