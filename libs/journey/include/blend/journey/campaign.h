#pragma once

// A campaign: an Amazon States Language definition, its policies and its resource alias map,
// parsed and validated once into an immutable CompiledCampaign that any number of threads
// share (std::shared_ptr<const CompiledCampaign>). Deliberately free of JSON headers.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/channel.h"
#include "blend/journey/problem.h"

namespace blend::journey {

// A customer event type that ends the journey at once with `status` (SUCCEEDED, FAILED or
// CANCELLED), whatever state the journey is in.
struct ExitEvent {
  std::string event_type;
  std::string status = "SUCCEEDED";
};

// Local-time window [from, until) during which a channel may touch a customer.
struct QuietHoursWindow {
  absl::Duration from = absl::Hours(8);
  absl::Duration until = absl::Hours(21);
};

// At most `max_touches` touches of a channel per rolling `window`; over the cap a touch is
// deferred, or fails with Blend.FrequencyCapped when `fail_when_capped`.
struct FrequencyCapPolicy {
  int max_touches = 0;
  absl::Duration window = absl::Hours(24 * 7);
  bool fail_when_capped = false;
};

// "Send at best hour": a touch on one of `channels` (empty: all) is delayed to the start of
// the customer's best local hour (engagement history: $.engagement.bestHourLocal in the
// facts, in the profile's time zone) when that comes within `max_delay` and lies inside the
// channel's allowed window in every candidate zone; otherwise it goes as usual.
struct SendAtBestHourPolicy {
  std::set<Channel> channels;
  absl::Duration max_delay = absl::Hours(24);
};

// What an in-doubt touch means for the journey: a disposition UNKNOWN says the request may or
// may not have reached Genesys (a timeout after it left), so the customer may or may not have
// been touched. kAssumeSent (the default) goes on as if the touch was SENT: never risk a second
// SMS. kFail fails the task with Blend.TouchInDoubt, for Retry / Catch.
enum class OnUnknown { kAssumeSent, kFail };

// Policy `optOutScope`: whether the customer's opt-out on one channel (SMS STOP, an email
// unsubscribe, a call wrap-up code) blocks this campaign's other channels too (kAll, the
// default: "all") or only that channel (kChannel: "channel"). Other suppression reasons (DNC,
// legal hold, ...) always block the channel they name.
enum class OptOutScope { kAll, kChannel };

struct GenesysIds {
  std::string contact_list_id;
  std::string dnc_list_id;
  std::string sms_from_number;
  std::string email_from_address;
  std::string oauth_client;
};

struct CampaignPolicies {
  std::vector<ExitEvent> exit_events;
  // Channels without an entry have no quiet hours. Defaults: sms and voice 08:00-21:00.
  std::map<Channel, QuietHoursWindow> quiet_hours;
  std::map<Channel, FrequencyCapPolicy> frequency_caps;
  GenesysIds genesys;
  std::optional<SendAtBestHourPolicy> send_at_best_hour;
  int max_transitions_per_trigger = 1000;
  OnUnknown on_unknown = OnUnknown::kAssumeSent;
  // "choiceOnMissingVariable": a Choice comparison on a path that names nothing fails the
  // state with States.Runtime, as on AWS ("fail", default), or is false so the Choice falls
  // through to Default ("default": Blend's behaviour before it followed AWS here).
  bool choice_missing_variable_default = false;
  OptOutScope opt_out_scope = OptOutScope::kAll;
};

// The Blend task resources a definition's Task states may name (directly or via an alias).
enum class BlendResource { kSms, kVoice, kEmail, kAwaitEvent, kFacts };
std::optional<BlendResource> ParseBlendResource(std::string_view name);  // "blend:sms", ...

namespace internal {
struct Definition;  // the compiled state machines; see src/compiled.h
}

class CompiledCampaign {
 public:
  CompiledCampaign(std::string campaign_id, CampaignPolicies policies,
                   std::map<std::string, std::string> aliases,
                   std::unique_ptr<const internal::Definition> definition);
  ~CompiledCampaign();
  CompiledCampaign(const CompiledCampaign&) = delete;
  CompiledCampaign& operator=(const CompiledCampaign&) = delete;

  const std::string& campaign_id() const { return campaign_id_; }
  const CampaignPolicies& policies() const { return policies_; }
  const std::map<std::string, std::string>& resource_aliases() const { return aliases_; }
  // Number of states over the whole definition, Parallel branches included.
  size_t state_count() const;
  const internal::Definition& definition() const { return *definition_; }

 private:
  std::string campaign_id_;
  CampaignPolicies policies_;
  std::map<std::string, std::string> aliases_;
  std::unique_ptr<const internal::Definition> definition_;
};

// Parses and validates the three stored pieces of a campaign. Pointers of definition
// problems are relative to the definition ("/States/EndCampaign"); policy problems start
// with "/policies", alias problems with "/resourceAliases". `policies_json` may be empty.
// On any problem: InvalidArgument listing every problem (one "pointer: message" per line),
// and `problems` (when given) receives them all.
absl::StatusOr<std::shared_ptr<const CompiledCampaign>> ParseCampaign(
    std::string_view definition_json, std::string_view policies_json,
    const std::map<std::string, std::string>& resource_aliases,
    std::vector<ValidationProblem>* problems = nullptr, std::string campaign_id = "");

// Parses a whole campaign document {"campaignId", "definition", "policies",
// "resourceAliases"} or a bare ASL definition (has "StartAt"/"States"). Pointers point into
// the given document ("/definition/States/..." for a campaign document).
absl::StatusOr<std::shared_ptr<const CompiledCampaign>> ParseCampaignDocument(
    std::string_view document_json, std::vector<ValidationProblem>* problems = nullptr);

}  // namespace blend::journey
