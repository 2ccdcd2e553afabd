#pragma once

// The engagement profile of one customer: per channel, how many touches were sent, failed
// and drew a positive response, the last outcome, opt-outs; conversions (goal events
// attributed to the last touch before them within a window); positive responses by local
// weekday and hour. Pure values and functions: no I/O, no clock reads (every time is a
// parameter), so the orchestrator, the importer and `blendctl simulate` compute the same
// profile from the same interactions. Thread-compatible (plain values).
//
// JSON forms: ProfileToJson/ProfileFromJson (what PostgreSQL stores) and FactsJson (what a
// journey's blend:facts task sees under "engagement"; the field list is in the README).

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/common/channel.h"

namespace blend::engagement {

// Orchestrator-wide settings (flags of blend-orchestrator).
struct EngagementConfig {
  // A goal event counts as a conversion of the last touch sent at most this long before it.
  absl::Duration attribution_window = absl::Hours(24 * 7);
  // Customer event types that are conversions.
  std::vector<std::string> goal_events = {"payment.received"};
  // Wrap-up codes that mean a right-party contact. Empty: every answered call is positive.
  std::vector<std::string> positive_wrapup_codes;
  // Customer event types that are positive responses on a channel.
  std::vector<std::string> sms_response_events = {"sms.reply"};
  std::vector<std::string> email_response_events = {"email.reply", "email.click"};
};

struct ChannelStats {
  int64_t sent = 0;      // touches that reached the provider (calls: completed attempts)
  int64_t failed = 0;    // touches that failed
  int64_t positive = 0;  // replies, answered / right-party calls, clicks
  int64_t opt_outs = 0;
  int64_t conversions = 0;   // conversions attributed to a touch of this channel
  std::string last_outcome;  // e.g. SENT, FAILED, ANSWERED, NO_ANSWER, REPLIED, OPTED_OUT
  std::optional<absl::Time> last_outcome_at;
  std::optional<absl::Time> last_touch_at;
};

// The touch a later conversion is attributed to: the latest one sent.
struct LastTouch {
  Channel channel = Channel::kSms;
  absl::Time at;
  std::string campaign_id;
};

struct Profile {
  std::string customer_id;
  std::string time_zone;  // IANA zone the local-hour histogram was kept in ("" = UTC)
  std::map<Channel, ChannelStats> channels;
  int64_t conversions = 0;               // attributed or not
  int64_t unattributed_conversions = 0;  // no touch within the window before them
  std::optional<absl::Time> last_conversion_at;
  std::optional<LastTouch> last_touch;
  // positive_by_weekday_hour[weekday][hour], weekday 0 = Monday, local time of `time_zone`.
  std::array<std::array<int64_t, 24>, 7> positive_by_weekday_hour{};
};

// One thing that happened on a channel, normalised from a disposition, an event or an
// import row.
struct Interaction {
  Channel channel = Channel::kSms;
  absl::Time at;
  bool touch = false;  // a touch was sent (counts in `sent`, candidate for attribution)
  bool failed = false;
  bool positive = false;
  bool opted_out = false;
  std::string outcome;  // becomes last_outcome (upper case)
  std::string campaign_id;
};

// A conversion credited to a touch.
struct Attribution {
  Channel channel = Channel::kSms;
  std::string campaign_id;
  absl::Duration time_to_conversion;
};

// Adds one interaction. `local` is the customer's zone for the weekday/hour histogram.
void ApplyInteraction(Profile& profile, const Interaction& interaction, absl::TimeZone local);

// A goal event at `at`: counted, and attributed to the last touch sent in
// [at - window, at] (both ends included). nullopt when no touch qualifies.
std::optional<Attribution> ApplyConversion(Profile& profile, absl::Time at, absl::Duration window);
// A conversion the caller already attributed (an import row marked converted).
void ApplyAttributedConversion(Profile& profile, Channel channel, absl::Time at);

// normalising inputs

// What a channel worker reported (mirrors blend.v1.TouchOutcome without the proto).
enum class Outcome { kSent, kFailed, kDncActive, kOptedOut, kSkipped, kUnknown, kCallCompleted };
struct DispositionInput {
  Channel channel = Channel::kSms;
  Outcome outcome = Outcome::kSent;
  bool answered = false;
  std::string wrapup_code;
  absl::Time at;
  std::string campaign_id;
};
// nullopt: nothing to record (skipped / unknown touches, or a voice contact insertion, which
// is not yet a call). Voice: a completed call is a touch; answered (and, when configured,
// a right-party wrap-up code) is also positive.
std::optional<Interaction> FromDisposition(const DispositionInput& d,
                                           const EngagementConfig& config);

// A customer event: a response event (sms.reply, email.click, ...) or an opt-out ("opt_out"
// with `opt_out_channel`; nullopt channel = every channel). Empty result: not engagement.
std::vector<Interaction> FromCustomerEvent(std::string_view type,
                                           std::optional<Channel> opt_out_channel, absl::Time at,
                                           const EngagementConfig& config);
bool IsGoalEvent(std::string_view type, const EngagementConfig& config);

// An import row's outcome word (case-insensitive): sent, delivered, failed, bounced,
// answered, rpc, no_answer, busy, voicemail, replied, clicked, opened, opted_out.
// InvalidArgument for anything else (the message lists the accepted words).
absl::StatusOr<Interaction> FromImportOutcome(Channel channel, std::string_view outcome,
                                              absl::Time at);

// derived answers

// The channel with the best smoothed response rate (positive + 2 * conversions + 1) /
// (sent + 2) among channels with any history and no opt-out; ties go to sms, voice, email
// in that order. nullopt without any history.
std::optional<Channel> BestChannel(const Profile& profile);
// The local hour (0-23) / weekday (0 = Monday) with the most positive responses (earliest
// on ties); nullopt without any.
std::optional<int> BestHourLocal(const Profile& profile);
std::optional<int> BestWeekday(const Profile& profile);

// JSON

nlohmann::json ProfileToJson(const Profile& profile);
// InvalidArgument for a malformed document. An empty object gives an empty profile.
absl::StatusOr<Profile> ProfileFromJson(const nlohmann::json& j);
// The "engagement" facts object of blend:facts (see README for the field list).
nlohmann::json FactsJson(const Profile& profile);

// "MON".."SUN" for 0..6.
std::string_view WeekdayName(int weekday);

}  // namespace blend::engagement
