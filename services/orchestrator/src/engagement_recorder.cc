// EngagementRecorder (engagement_recorder.h) and the profile rules its callers share.

#include "blend/orchestrator/engagement_recorder.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blend/orchestrator/codec.h"
#include "blend/policy/policy.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

using nlohmann::json;

namespace {

engagement::Outcome ToOutcome(blend::v1::TouchOutcome o) {
  switch (o) {
    case blend::v1::TOUCH_OUTCOME_SENT:
      return engagement::Outcome::kSent;
    case blend::v1::TOUCH_OUTCOME_FAILED:
      return engagement::Outcome::kFailed;
    case blend::v1::TOUCH_OUTCOME_DNC_ACTIVE:
      return engagement::Outcome::kDncActive;
    case blend::v1::TOUCH_OUTCOME_OPTED_OUT:
      return engagement::Outcome::kOptedOut;
    case blend::v1::TOUCH_OUTCOME_SKIPPED:
    case blend::v1::TOUCH_OUTCOME_WITHDRAWN:  // taken back before the call: no interaction
      return engagement::Outcome::kSkipped;
    case blend::v1::TOUCH_OUTCOME_CALL_COMPLETED:
      return engagement::Outcome::kCallCompleted;
    default:
      return engagement::Outcome::kUnknown;
  }
}

}  // namespace

namespace detail {

void UpdateZone(engagement::Profile& p, const blend::v1::Customer* c) {
  if (c == nullptr) return;
  if (!c->time_zone().empty()) {
    p.time_zone = c->time_zone();
  } else if (p.time_zone.empty()) {
    auto zones = policy::CandidateZones(c->time_zone(), c->postal_time_zone(), c->phone_e164());
    if (!zones.empty()) p.time_zone = zones.front().name();
  }
}

absl::TimeZone LoadZoneOrUtc(const std::string& name) {
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!name.empty() && !absl::LoadTimeZone(name, &tz)) tz = absl::UTCTimeZone();
  return tz;
}

engagement::Profile ParseStored(const std::optional<std::string>& stored,
                                const std::string& customer_id) {
  if (!stored) return engagement::Profile{};
  absl::StatusOr<engagement::Profile> profile =
      engagement::ProfileFromJson(json::parse(*stored, nullptr, /*allow_exceptions=*/false));
  if (profile.ok()) return *std::move(profile);
  BLEND_LOG(kError, "unreadable engagement profile; rebuilt from empty",
            {{"customer_id", customer_id}, {"error", std::string(profile.status().message())}});
  return engagement::Profile{};
}

}  // namespace detail

std::optional<engagement::Interaction> EngagementRecorder::DispositionInteraction(
    const blend::v1::Disposition& d, blend::v1::Channel touch_channel,
    const std::string& campaign_id, absl::Time now) const {
  std::optional<Channel> channel =
      FromProto(d.channel() != blend::v1::CHANNEL_UNSPECIFIED ? d.channel() : touch_channel);
  if (!channel) return std::nullopt;
  engagement::DispositionInput in{*channel,
                                  ToOutcome(d.outcome()),
                                  d.call().answered(),
                                  d.call().wrapup_code(),
                                  d.has_occurred_at() ? FromProto(d.occurred_at()) : now,
                                  campaign_id};
  return engagement::FromDisposition(in, config_);
}

void EngagementRecorder::Record(JourneyStore& store, const std::vector<Change>& changes,
                                absl::Time now) const {
  std::vector<const Change*> pending;
  pending.reserve(changes.size());
  for (const Change& c : changes) pending.push_back(&c);
  // Round one takes every change; round two only those whose first profile another
  // transaction inserted meanwhile (it is stored now, so they become updates of it).
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    std::vector<std::string> ids;
    ids.reserve(pending.size());
    for (const Change* c : pending) ids.push_back(c->customer->customer_id());
    const std::map<std::string, std::string> stored = store.LockEngagementProfiles(ids);
    // As for one change: the zone first, then the interaction in that zone.
    std::map<std::string, engagement::Profile> profiles;
    for (const Change* c : pending) {
      const std::string& id = c->customer->customer_id();
      auto [it, first] = profiles.try_emplace(id);
      if (first) {
        auto s = stored.find(id);
        it->second = detail::ParseStored(
            s == stored.end() ? std::nullopt : std::optional<std::string>(s->second), id);
        it->second.customer_id = id;
      }
      detail::UpdateZone(it->second, c->customer);
      engagement::ApplyInteraction(it->second, c->interaction,
                                   detail::LoadZoneOrUtc(it->second.time_zone));
    }
    std::map<std::string, std::string> updates, inserts;
    for (const auto& [id, profile] : profiles) {
      (stored.contains(id) ? updates : inserts)[id] = engagement::ProfileToJson(profile).dump();
    }
    store.UpdateEngagementProfiles(updates, now);
    const std::set<std::string> inserted = store.InsertEngagementProfiles(inserts, now);
    std::vector<const Change*> lost;
    for (const Change* c : pending) {
      const std::string& id = c->customer->customer_id();
      if (inserts.contains(id) && !inserted.contains(id)) lost.push_back(c);
    }
    pending = std::move(lost);
  }
}

}  // namespace blend::orchestrator
