#include "blend/engagement/best_hour.h"

namespace blend::engagement {

absl::Time NextLocalHour(int hour, absl::TimeZone zone, absl::Time t) {
  const absl::CivilHour now_local = absl::ToCivilHour(t, zone);
  if (now_local.hour() == hour) return t;
  absl::CivilDay day = absl::CivilDay(now_local);
  // Three days cover "later today", "tomorrow" and a day whose hour DST skipped entirely.
  for (int i = 0; i < 3; ++i, ++day) {
    const absl::TimeZone::TimeInfo info =
        zone.At(absl::CivilSecond(day.year(), day.month(), day.day(), hour, 0, 0));
    // kSkipped: the hour does not exist that day; the clocks jump at `trans`.
    // kRepeated: `pre` is the first occurrence.
    const absl::Time start = info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
    if (start >= t) return start;
  }
  return t;  // unreachable for hour in [0, 24)
}

std::optional<absl::Time> DeferToBestHour(int best_hour, absl::TimeZone zone,
                                          const std::optional<policy::DailyWindow>& window,
                                          absl::Span<const absl::TimeZone> zones,
                                          const BestHourPolicy& policy, absl::Time t) {
  if (best_hour < 0 || best_hour > 23) return std::nullopt;
  const absl::Time at = NextLocalHour(best_hour, zone, t);
  if (at - t > policy.max_delay) return std::nullopt;
  if (window) {
    for (const absl::TimeZone& z : zones) {
      if (!policy::InWindow(*window, z, at)) return std::nullopt;
    }
  }
  return at;
}

}  // namespace blend::engagement
