// Pure campaign-policy decisions: quiet hours in the customer's time zones, rolling
// frequency caps and channel suppression (opt-out, DNC). Used by the journey interpreter
// when it emits a touch and by the orchestrator when it re-checks a touch at claim time:
// the same functions, so both give the same answer.
//
// No I/O except Abseil's loading of zone rules from the system zoneinfo (tzdata), no clock
// reads: `t` is always a parameter. All functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blend/common/channel.h"

namespace blend::policy {

// Quiet hours

// A daily window of local wall-clock time [from, until), measured from local midnight.
// Default 08:00-21:00, the TCPA calling window. from == until means "never";
// from == 0 && until == 24h means "always". from > until wraps past midnight
// (e.g. 22:00-06:00).
struct DailyWindow {
  absl::Duration from = absl::Hours(8);
  absl::Duration until = absl::Hours(21);
};

// Parses "HH:MM" bounds ("08:00", "21:00"; "24:00" allowed as `until`).
// InvalidArgument on malformed text or out-of-range values.
absl::StatusOr<DailyWindow> ParseDailyWindow(std::string_view from_hhmm,
                                             std::string_view until_hhmm);

// "08:00-21:00".
std::string FormatDailyWindow(const DailyWindow& window);

// True if the local wall-clock time of instant `t` in `zone` is inside `window`.
bool InWindow(const DailyWindow& window, absl::TimeZone zone, absl::Time t);

// The earliest instant >= t that is inside `window` in EVERY zone of `zones` (Regulation F:
// with conflicting location data only times allowed in all candidate zones count).
// An empty `zones` means UTC. Local times that a DST change skips do not exist: a window
// opening at 02:30 on a spring-forward day opens at the first instant after the gap.
// NotFound if no such instant exists within 14 days of t (e.g. disjoint windows);
// InvalidArgument if the window bounds are outside [0, 24h].
absl::StatusOr<absl::Time> NextAllowedTime(const DailyWindow& window,
                                           absl::Span<const absl::TimeZone> zones, absl::Time t);

// The candidate time zones of a customer: the declared IANA zone (journey input), the
// zone of the postal address and the zones of the phone number (see
// blend::phone::LookupTimeZones). Deduplicated, in that order; empty or unknown names
// are skipped; {UTC} if none is known. A phone answer that is only country-level
// (toll-free, non-geographic mobile) is used only when no declared/postal zone is known.
// Costs ~65 us (libphonenumber): compute once at journey start and keep the names
// (ZoneNames / LoadZones, ~0.05 us per zone).
std::vector<absl::TimeZone> CandidateZones(std::string_view declared_iana,
                                           std::string_view postal_iana,
                                           std::string_view phone_e164);

// For persisting a touch's zones (e.g. in its outbox row) and re-checking them at claim
// time: the IANA names of `zones`, and back. LoadZones skips unknown names, {UTC} if none.
std::vector<std::string> ZoneNames(absl::Span<const absl::TimeZone> zones);
std::vector<absl::TimeZone> LoadZones(absl::Span<const std::string> names);

// Frequency caps

// At most `max_touches` touches in any rolling `window` (e.g. 7 voice attempts in 7 days).
// max_touches <= 0 or window <= 0 means "no cap". A touch over the cap is deferred until
// the window allows it, unless `fail_when_capped` (then the task fails with
// kFrequencyCappedError).
struct FrequencyCap {
  int max_touches = 0;
  absl::Duration window;
  bool fail_when_capped = false;
};

// True if `cap` limits anything.
bool CapEnabled(const FrequencyCap& cap);

// The earliest instant >= t such that adding a touch at it keeps <= max_touches in every
// rolling window [x, x + window). `past`: times of the touches already sent or scheduled
// (any order; touches after t count too), NOT including the touch being planned.
// Returns t when the cap is disabled.
absl::Time NextTimeUnderCap(const FrequencyCap& cap, absl::Span<const absl::Time> past,
                            absl::Time t);

// Suppression

// What the journey knows about the customer's consent at decision time.
struct SuppressionFacts {
  bool sms_opted_out = false;
  bool voice_opted_out = false;
  bool email_opted_out = false;
  bool dnc_active = false;  // on a do-not-call list: blocks voice only
};

// ASL error names a touch task fails with (definitions branch on them with Catch).
inline constexpr char kOptedOutError[] = "Blend.OptedOut";
inline constexpr char kDncActiveError[] = "Blend.DncActive";
inline constexpr char kFrequencyCappedError[] = "Blend.FrequencyCapped";
// The quiet-hours window never opens within 14 days in all candidate zones.
inline constexpr char kNoAllowedTimeError[] = "Blend.NoAllowedTime";

// The error a touch on `channel` must fail with, or nullopt if it may go.
// An opt-out wins over DNC (the customer's own request is the stronger reason).
std::optional<std::string_view> SuppressionError(Channel channel, const SuppressionFacts& facts);

// One decision per touch

// A campaign's policy for one channel.
struct ChannelPolicy {
  std::optional<DailyWindow> allowed_window;  // nullopt: any time of day
  FrequencyCap cap;                           // disabled by default
};

// Defaults: SMS and voice 08:00-21:00 local (TCPA), email any time; no caps.
ChannelPolicy DefaultChannelPolicy(Channel channel);

struct TouchDecision {
  enum class Kind { kSend, kFail };
  Kind kind = Kind::kSend;
  absl::Time send_at;  // kSend: when the touch may go (== t when nothing deferred it)
  bool deferred_by_quiet_hours = false;
  bool deferred_by_cap = false;
  std::string error;  // kFail: one of the k...Error names above
  std::string cause;  // kFail: human-readable reason (no personal data)
};

// Decides one touch on `channel` due at `t`: suppression first (kFail kOptedOutError /
// kDncActiveError), then the earliest instant >= t allowed by both the quiet hours (in all
// `zones`) and the cap (iterated until both agree). With cap.fail_when_capped, a touch the
// cap would defer fails with kFrequencyCappedError instead; a window that never opens in
// all zones fails with kNoAllowedTimeError. `past`: see NextTimeUnderCap.
// At claim time call it again with t = now and the touches sent since: the touch may go
// now iff the result is kSend with send_at == now (otherwise re-schedule it at send_at, or
// fail it).
// InvalidArgument only for an invalid policy (window bounds outside [0, 24h]).
absl::StatusOr<TouchDecision> DecideTouch(Channel channel, const ChannelPolicy& policy,
                                          absl::Span<const absl::TimeZone> zones,
                                          const SuppressionFacts& suppression,
                                          absl::Span<const absl::Time> past, absl::Time t);

}  // namespace blend::policy
