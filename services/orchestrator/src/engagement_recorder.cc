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

std::map<std::string, engagement::Profile> EngagementRecorder::ApplyEdits(
    JourneyStore& store, const std::vector<Edit>& edits, absl::Time now) const {
  std::map<std::string, engagement::Profile> written;
  std::vector<const Edit*> pending;
  pending.reserve(edits.size());
  for (const Edit& e : edits) pending.push_back(&e);
  // Round one takes every edit; round two only those whose first profile another
  // transaction inserted meanwhile (it is stored now, so they become updates of it).
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    std::vector<std::string> ids;
    ids.reserve(pending.size());
    for (const Edit* e : pending) ids.push_back(e->customer_id);
    const std::map<std::string, std::string> stored = store.LockEngagementProfiles(ids);
    // As for one change: the zone first, then the change in that zone.
    std::map<std::string, engagement::Profile> profiles;
    for (const Edit* e : pending) {
      const std::string& id = e->customer_id;
      auto [it, first] = profiles.try_emplace(id);
      if (first) {
        auto s = stored.find(id);
        it->second = detail::ParseStored(
            s == stored.end() ? std::nullopt : std::optional<std::string>(s->second), id);
        it->second.customer_id = id;
      }
      detail::UpdateZone(it->second, e->customer);
      e->apply(it->second, detail::LoadZoneOrUtc(it->second.time_zone));
    }
    std::map<std::string, std::string> updates, inserts;
    for (const auto& [id, profile] : profiles) {
      (stored.contains(id) ? updates : inserts)[id] = engagement::ProfileToJson(profile).dump();
    }
    store.UpdateEngagementProfiles(updates, now);
    const std::set<std::string> inserted = store.InsertEngagementProfiles(inserts, now);
    std::vector<const Edit*> lost;
    for (const Edit* e : pending) {
      const std::string& id = e->customer_id;
      if (inserts.contains(id) && !inserted.contains(id)) lost.push_back(e);
    }
    for (auto& [id, profile] : profiles) {
      if (!inserts.contains(id) || inserted.contains(id)) written[id] = std::move(profile);
    }
    pending = std::move(lost);
  }
  return written;
}

void EngagementRecorder::Record(JourneyStore& store, const std::vector<Change>& changes,
                                absl::Time now) const {
  std::vector<Edit> edits;
  edits.reserve(changes.size());
  for (const Change& c : changes) {
    edits.push_back(
        {c.customer->customer_id(), c.customer, [&c](engagement::Profile& p, absl::TimeZone tz) {
           engagement::ApplyInteraction(p, c.interaction, tz);
         }});
  }
  ApplyEdits(store, edits, now);
}

std::map<std::string, json> EngagementRecorder::RecordEvents(JourneyStore& store,
                                                             const std::vector<Event>& events,
                                                             absl::Time now, TxNotes& notes) const {
  std::vector<Edit> edits;
  // Per edit: whether its event is a goal, and the attribution its last run credited.
  std::vector<bool> goals;
  std::vector<std::optional<engagement::Attribution>> credited(events.size());
  std::vector<std::vector<engagement::Interaction>> interactions;
  edits.reserve(events.size());
  goals.reserve(events.size());
  interactions.reserve(events.size());
  for (const Event& e : events) {
    const blend::v1::CustomerEvent& ev = *e.event;
    // An opt-out from a number no journey knows names the number as the customer: no profile.
    if (ev.has_opt_out() && ev.customer_id() == ev.opt_out().address()) continue;
    const absl::Time at = ev.has_occurred_at() ? FromProto(ev.occurred_at()) : now;
    const std::optional<Channel> opt_out_channel =
        ev.has_opt_out() ? FromProto(ev.opt_out().channel()) : std::nullopt;
    std::vector<engagement::Interaction> in =
        engagement::FromCustomerEvent(ev.type(), opt_out_channel, at, config_);
    const bool goal = engagement::IsGoalEvent(ev.type(), config_);
    if (in.empty() && !goal) continue;
    const size_t k = edits.size();
    interactions.push_back(std::move(in));
    goals.push_back(goal);
    edits.push_back({ev.customer_id(), e.customer,
                     [this, k, at, &interactions, &goals, &credited](engagement::Profile& p,
                                                                     absl::TimeZone tz) {
                       for (const auto& i : interactions[k]) engagement::ApplyInteraction(p, i, tz);
                       if (goals[k]) {
                         credited[k] =
                             engagement::ApplyConversion(p, at, config_.attribution_window);
                       }
                     }});
  }
  const std::map<std::string, engagement::Profile> written = ApplyEdits(store, edits, now);
  for (size_t k = 0; k < edits.size(); ++k) {
    if (goals[k] && !credited[k]) notes.conversions.push_back({"none", "none", std::nullopt});
    if (credited[k]) {
      notes.conversions.push_back(
          {std::string(ChannelName(credited[k]->channel)),
           credited[k]->campaign_id.empty() ? "none" : credited[k]->campaign_id,
           absl::ToDoubleSeconds(credited[k]->time_to_conversion)});
    }
  }
  std::map<std::string, json> facts;
  for (const auto& [id, profile] : written) facts[id] = engagement::FactsJson(profile);
  return facts;
}

}  // namespace blend::orchestrator
