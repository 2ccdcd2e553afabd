#include "blend/policy/policy.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "blend/phone/phone.h"

namespace blend::policy {
namespace {

constexpr absl::Duration kDay = absl::Hours(24);
constexpr absl::Duration kSearchHorizon = absl::Hours(24 * 14);

// "HH:MM" or "H:MM" -> duration since midnight, 00:00..24:00.
absl::StatusOr<absl::Duration> ParseHhMm(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t colon = text.find(':');
  const bool shape_ok = (colon == 1 || colon == 2) && text.size() == colon + 3 &&
                        std::all_of(text.begin(), text.end(), [](char c) {
                          return c == ':' || absl::ascii_isdigit(static_cast<unsigned char>(c));
                        });
  int hours = 0;
  int minutes = 0;
  if (!shape_ok || !absl::SimpleAtoi(text.substr(0, colon), &hours) ||
      !absl::SimpleAtoi(text.substr(colon + 1), &minutes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time of day \"", text, "\": expected HH:MM, e.g. 08:00"));
  }
  if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time of day \"", text, "\": must be within 00:00-24:00"));
  }
  return absl::Hours(hours) + absl::Minutes(minutes);
}

absl::Status ValidateWindow(const DailyWindow& w) {
  if (w.from < absl::ZeroDuration() || w.from >= kDay || w.until < absl::ZeroDuration() ||
      w.until > kDay) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid daily window ", FormatDailyWindow(w),
        ": the start must be within [00:00, 24:00) and the end within [00:00, 24:00]"));
  }
  return absl::OkStatus();
}

bool AlwaysOpen(const DailyWindow& w) { return w.from == absl::ZeroDuration() && w.until == kDay; }

std::string FormatTimeOfDay(absl::Duration d) {
  const int64_t minutes = absl::ToInt64Minutes(d);
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

bool AllowedInAll(const DailyWindow& w, absl::Span<const absl::TimeZone> zones, absl::Time t) {
  return std::all_of(zones.begin(), zones.end(),
                     [&](const absl::TimeZone& z) { return InWindow(w, z, t); });
}

void AddInstants(const absl::TimeZone::TimeInfo& info, std::vector<absl::Time>* out) {
  out->push_back(info.pre);
  out->push_back(info.trans);
  out->push_back(info.post);
}

// Every instant in (about) [t - 1 day, t + horizon + 1 day] at which `window` may open in
// `zone`: the local wall clock reaching `from` on each day (for a time skipped by a DST
// change, the instant of the change), and every UTC-offset change (a backward change can
// move the clock back into the window).
void AddOpenings(const DailyWindow& w, const absl::TimeZone& zone, absl::Time t,
                 std::vector<absl::Time>* out) {
  const absl::CivilDay first_day = absl::CivilDay(zone.At(t).cs) - 1;
  const int64_t from_seconds = absl::ToInt64Seconds(absl::Ceil(w.from, absl::Seconds(1)));
  const int days = static_cast<int>(kSearchHorizon / kDay) + 3;
  for (int i = 0; i < days; ++i) {
    AddInstants(zone.At(absl::CivilSecond(first_day + i) + from_seconds), out);
  }
  const absl::Time end = t + kSearchHorizon + kDay;
  absl::TimeZone::CivilTransition trans;
  absl::Time cursor = t - kDay;
  while (cursor < end && zone.NextTransition(cursor, &trans)) {
    const absl::TimeZone::TimeInfo info = zone.At(trans.to);
    AddInstants(info, out);
    const absl::Time next = std::max(info.pre, info.post);
    if (next <= cursor) break;  // defensive: never loop in place
    cursor = next;
  }
}

// Largest number of touches in `sorted` within one window of length `w` that contains s.
int MaxTouchesInWindowsContaining(absl::Span<const absl::Time> sorted, absl::Duration w,
                                  absl::Time s) {
  auto count_from = [&](absl::Time x) {  // touches in [x, x + w)
    auto lo = std::lower_bound(sorted.begin(), sorted.end(), x);
    auto hi = std::lower_bound(sorted.begin(), sorted.end(), x + w);
    return static_cast<int>(hi - lo);
  };
  // Windows containing s start in (s - w, s]; the count only changes at touch times, so
  // the starts worth trying are the touches in (s - w, s] and s itself.
  int best = count_from(s);
  auto it = std::upper_bound(sorted.begin(), sorted.end(), s - w);
  for (; it != sorted.end() && *it <= s; ++it) best = std::max(best, count_from(*it));
  return best;
}

TouchDecision Fail(std::string_view error, std::string cause) {
  TouchDecision d;
  d.kind = TouchDecision::Kind::kFail;
  d.error = std::string(error);
  d.cause = std::move(cause);
  return d;
}

std::string JoinZoneNames(absl::Span<const absl::TimeZone> zones) {
  if (zones.empty()) return "UTC";
  return absl::StrJoin(zones, ", ", [](std::string* out, const absl::TimeZone& z) {
    absl::StrAppend(out, z.name());
  });
}

}  // namespace

absl::StatusOr<DailyWindow> ParseDailyWindow(std::string_view from_hhmm,
                                             std::string_view until_hhmm) {
  DailyWindow w;
  // Debian's Abseil has its own absl::string_view, distinct from std::string_view.
  auto from = ParseHhMm(absl::string_view(from_hhmm.data(), from_hhmm.size()));
  if (!from.ok()) return from.status();
  auto until = ParseHhMm(absl::string_view(until_hhmm.data(), until_hhmm.size()));
  if (!until.ok()) return until.status();
  if (*from == kDay) {
    return absl::InvalidArgumentError("a daily window cannot start at 24:00; use 00:00");
  }
  w.from = *from;
  w.until = *until;
  return w;
}

std::string FormatDailyWindow(const DailyWindow& window) {
  return absl::StrCat(FormatTimeOfDay(window.from), "-", FormatTimeOfDay(window.until));
}

bool InWindow(const DailyWindow& window, absl::TimeZone zone, absl::Time t) {
  const absl::CivilSecond cs = zone.At(t).cs;
  const absl::Duration tod = absl::Seconds(cs - absl::CivilSecond(absl::CivilDay(cs)));
  if (window.from <= window.until) return window.from <= tod && tod < window.until;
  return tod >= window.from || tod < window.until;  // wraps past midnight
}

absl::StatusOr<absl::Time> NextAllowedTime(const DailyWindow& window,
                                           absl::Span<const absl::TimeZone> zones, absl::Time t) {
  if (absl::Status s = ValidateWindow(window); !s.ok()) return s;
  const absl::TimeZone utc[] = {absl::UTCTimeZone()};
  if (zones.empty()) zones = utc;
  if (AlwaysOpen(window) || AllowedInAll(window, zones, t)) return t;
  // The allowed set of each zone is a union of [opening, closing) intervals, so the earliest
  // instant allowed in all zones is t or an opening in one of them: try those in order.
  std::vector<absl::Time> candidates;
  for (const absl::TimeZone& zone : zones) AddOpenings(window, zone, t, &candidates);
  std::sort(candidates.begin(), candidates.end());
  const absl::Time horizon = t + kSearchHorizon;
  for (absl::Time c : candidates) {
    if (c <= t) continue;
    if (c > horizon) break;
    if (AllowedInAll(window, zones, c)) return c;
  }
  return absl::NotFoundError(absl::StrCat("the daily window ", FormatDailyWindow(window),
                                          " never opens in all of the time zones (",
                                          JoinZoneNames(zones), ") within 14 days"));
}

std::vector<absl::TimeZone> CandidateZones(std::string_view declared_iana,
                                           std::string_view postal_iana,
                                           std::string_view phone_e164) {
  std::vector<absl::TimeZone> zones;
  auto add = [&zones](std::string_view name) {
    absl::TimeZone tz;
    if (name.empty() || !absl::LoadTimeZone(std::string(name), &tz)) return;
    for (const absl::TimeZone& z : zones) {
      if (z.name() == tz.name()) return;
    }
    zones.push_back(tz);
  };
  add(declared_iana);
  add(postal_iana);
  // A country-level answer (toll-free or non-geographic mobile) says which country, not
  // where in it: it is used only when nothing more precise is known.
  const phone::NumberTimeZones phone_zones = phone::LookupTimeZones(phone_e164);
  if (!phone_zones.country_level || zones.empty()) {
    for (const std::string& name : phone_zones.zones) add(name);
  }
  if (zones.empty()) zones.push_back(absl::UTCTimeZone());
  return zones;
}

std::vector<std::string> ZoneNames(absl::Span<const absl::TimeZone> zones) {
  std::vector<std::string> names;
  names.reserve(zones.size());
  for (const absl::TimeZone& z : zones) names.push_back(z.name());
  return names;
}

std::vector<absl::TimeZone> LoadZones(absl::Span<const std::string> names) {
  std::vector<absl::TimeZone> zones;
  for (const std::string& name : names) {
    absl::TimeZone tz;
    if (!name.empty() && absl::LoadTimeZone(name, &tz)) zones.push_back(tz);
  }
  if (zones.empty()) zones.push_back(absl::UTCTimeZone());
  return zones;
}

bool CapEnabled(const FrequencyCap& cap) {
  return cap.max_touches > 0 && cap.window > absl::ZeroDuration();
}

absl::Time NextTimeUnderCap(const FrequencyCap& cap, absl::Span<const absl::Time> past,
                            absl::Time t) {
  if (!CapEnabled(cap)) return t;
  // Touches at or before t - window can share no window with an instant >= t.
  std::vector<absl::Time> sorted;
  for (absl::Time p : past) {
    if (p > t - cap.window) sorted.push_back(p);
  }
  std::sort(sorted.begin(), sorted.end());
  // A touch p stops counting against s once s >= p + window, so the answer is t or one of
  // those instants; the last of them is always allowed.
  if (MaxTouchesInWindowsContaining(sorted, cap.window, t) < cap.max_touches) return t;
  for (absl::Time p : sorted) {
    const absl::Time s = p + cap.window;
    if (s <= t) continue;
    if (MaxTouchesInWindowsContaining(sorted, cap.window, s) < cap.max_touches) return s;
  }
  return sorted.back() + cap.window;  // unreachable: the loop ends on that instant
}

std::optional<std::string_view> SuppressionError(Channel channel, const SuppressionFacts& facts) {
  switch (channel) {
    case Channel::kSms:
      if (facts.sms_opted_out) return kOptedOutError;
      break;
    case Channel::kVoice:
      if (facts.voice_opted_out) return kOptedOutError;
      if (facts.dnc_active) return kDncActiveError;
      break;
    case Channel::kEmail:
      if (facts.email_opted_out) return kOptedOutError;
      break;
  }
  return std::nullopt;
}

ChannelPolicy DefaultChannelPolicy(Channel channel) {
  ChannelPolicy policy;
  if (channel == Channel::kSms || channel == Channel::kVoice) policy.allowed_window.emplace();
  return policy;
}

absl::StatusOr<TouchDecision> DecideTouch(Channel channel, const ChannelPolicy& policy,
                                          absl::Span<const absl::TimeZone> zones,
                                          const SuppressionFacts& suppression,
                                          absl::Span<const absl::Time> past, absl::Time t) {
  if (policy.allowed_window) {
    if (absl::Status s = ValidateWindow(*policy.allowed_window); !s.ok()) return s;
  }
  if (std::optional<std::string_view> error = SuppressionError(channel, suppression)) {
    return Fail(*error,
                *error == kOptedOutError
                    ? absl::StrCat("the customer opted out of ", std::string(ChannelName(channel)))
                    : std::string("the customer's number is on a do-not-call list"));
  }
  TouchDecision d;
  d.send_at = t;
  // Each round moves send_at to a later opening or to a later "p + window"; both sets are
  // finite, so the rounds are bounded by their sizes.
  const size_t max_rounds = 2 * past.size() + 8;
  for (size_t round = 0; round < max_rounds; ++round) {
    if (policy.allowed_window) {
      absl::StatusOr<absl::Time> open = NextAllowedTime(*policy.allowed_window, zones, d.send_at);
      if (!open.ok()) return Fail(kNoAllowedTimeError, std::string(open.status().message()));
      d.deferred_by_quiet_hours |= *open > d.send_at;
      d.send_at = *open;
    }
    const absl::Time under_cap = NextTimeUnderCap(policy.cap, past, d.send_at);
    if (under_cap == d.send_at) return d;
    if (policy.cap.fail_when_capped) {
      return Fail(kFrequencyCappedError,
                  absl::StrCat("frequency cap of ", policy.cap.max_touches, " ",
                               std::string(ChannelName(channel)), " touches per ",
                               absl::FormatDuration(policy.cap.window), " reached"));
    }
    d.deferred_by_cap = true;
    d.send_at = under_cap;
  }
  return Fail(kNoAllowedTimeError,
              "quiet hours and the frequency cap leave no common time for the touch");
}

}  // namespace blend::policy
