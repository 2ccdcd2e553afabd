// Engagement profiles in JourneyRunner: updates inside the disposition / customer-event
// transactions, historical import, reads. The profile logic itself is libs/engagement.

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/engagement/profile.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/policy/policy.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

using nlohmann::json;

namespace {

constexpr int kMaxReportedErrors = 100;

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

// The customer's primary zone (declared, else postal, else the phone number's first zone).
// Only computed when the profile has none yet: the phone lookup is the costly part.
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

// A stored profile that cannot be read is derived data: it is logged and rebuilt from empty
// rather than blocking the trigger.
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

// Reads (locked), changes and writes one profile: two statements, one row write. A first
// profile is inserted; if a concurrent transaction inserted it first, lock theirs and redo.
json UpdateProfile(pqxx::work& tx, const std::string& customer_id,
                   const blend::v1::Customer* customer, absl::Time now,
                   const std::function<void(engagement::Profile&, absl::TimeZone)>& change) {
  for (int attempt = 0;; ++attempt) {
    const std::optional<std::string> stored = pg::LockEngagementProfile(tx, customer_id);
    engagement::Profile profile = ParseStored(stored, customer_id);
    profile.customer_id = customer_id;
    UpdateZone(profile, customer);
    change(profile, LoadZoneOrUtc(profile.time_zone));
    const std::string text = engagement::ProfileToJson(profile).dump();
    if (stored) {
      pg::UpdateEngagementProfile(tx, customer_id, text, now);
    } else if (!pg::InsertEngagementProfile(tx, customer_id, text, now) && attempt == 0) {
      continue;  // the row exists now (and its inserter committed): lock it and apply again
    }
    return engagement::FactsJson(profile);
  }
}

}  // namespace

std::optional<engagement::Interaction> JourneyRunner::DispositionInteraction(
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
  return engagement::FromDisposition(in, ctx_.options().engagement);
}

void JourneyRunner::RecordDispositionEngagement(pqxx::work& tx, const blend::v1::Disposition& d,
                                                blend::v1::Channel touch_channel, Loaded& j,
                                                absl::Time now) {
  std::optional<engagement::Interaction> interaction =
      DispositionInteraction(d, touch_channel, j.row.campaign_id, now);
  if (!interaction) return;
  j.engagement_facts = UpdateProfile(tx, j.customer.customer_id(), &j.customer, now,
                                     [&](engagement::Profile& p, absl::TimeZone tz) {
                                       engagement::ApplyInteraction(p, *interaction, tz);
                                     });
}

void JourneyRunner::RecordInteractions(pqxx::work& tx, const std::vector<ProfileChange>& changes,
                                       absl::Time now) {
  if (changes.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(changes.size());
  for (const ProfileChange& c : changes) ids.push_back(c.customer->customer_id());
  const std::map<std::string, std::string> stored = pg::LockEngagementProfiles(tx, ids);
  // As UpdateProfile does for one change: the zone first, then the interaction in that zone.
  std::map<std::string, engagement::Profile> profiles;
  for (const ProfileChange& c : changes) {
    const std::string& id = c.customer->customer_id();
    auto [it, first] = profiles.try_emplace(id);
    if (first) {
      auto s = stored.find(id);
      it->second =
          ParseStored(s == stored.end() ? std::nullopt : std::optional<std::string>(s->second), id);
      it->second.customer_id = id;
    }
    UpdateZone(it->second, c.customer);
    engagement::ApplyInteraction(it->second, c.interaction, LoadZoneOrUtc(it->second.time_zone));
  }
  std::map<std::string, std::string> updates, inserts;
  for (const auto& [id, profile] : profiles) {
    (stored.contains(id) ? updates : inserts)[id] = engagement::ProfileToJson(profile).dump();
  }
  pg::UpdateEngagementProfiles(tx, updates, now);
  const std::set<std::string> inserted = pg::InsertEngagementProfiles(tx, inserts, now);
  // A first profile another transaction inserted (and committed) meanwhile: this batch's
  // changes go onto theirs, one by one, as on the single path.
  for (const ProfileChange& c : changes) {
    const std::string& id = c.customer->customer_id();
    if (!inserts.contains(id) || inserted.contains(id)) continue;
    UpdateProfile(tx, id, c.customer, now, [&](engagement::Profile& p, absl::TimeZone tz) {
      engagement::ApplyInteraction(p, c.interaction, tz);
    });
  }
}

void JourneyRunner::RecordEventEngagement(pqxx::work& tx, const blend::v1::CustomerEvent& ev,
                                          std::vector<Loaded>& journeys, absl::Time now,
                                          TxNotes& notes) {
  const blend::v1::Customer* customer = journeys.empty() ? nullptr : &journeys.front().customer;
  // An opt-out from a number no journey knows names the number as the customer: no profile.
  if (ev.has_opt_out() && ev.customer_id() == ev.opt_out().address()) return;
  const absl::Time at = ev.has_occurred_at() ? FromProto(ev.occurred_at()) : now;
  const std::optional<Channel> opt_out_channel =
      ev.has_opt_out() ? FromProto(ev.opt_out().channel()) : std::nullopt;
  std::vector<engagement::Interaction> interactions =
      engagement::FromCustomerEvent(ev.type(), opt_out_channel, at, ctx_.options().engagement);
  const bool goal = engagement::IsGoalEvent(ev.type(), ctx_.options().engagement);
  if (interactions.empty() && !goal) return;
  // The change may run twice (UpdateProfile's insert race): it only touches the profile and
  // `credited`, which the second run overwrites.
  std::optional<engagement::Attribution> credited;
  json facts = UpdateProfile(
      tx, ev.customer_id(), customer, now, [&](engagement::Profile& p, absl::TimeZone tz) {
        for (const auto& in : interactions) {
          engagement::ApplyInteraction(p, in, tz);
        }
        if (goal) {
          credited =
              engagement::ApplyConversion(p, at, ctx_.options().engagement.attribution_window);
        }
      });
  if (goal && !credited) notes.conversions.push_back({"none", "none", std::nullopt});
  if (credited) {
    notes.conversions.push_back({std::string(ChannelName(credited->channel)),
                                 credited->campaign_id.empty() ? "none" : credited->campaign_id,
                                 absl::ToDoubleSeconds(credited->time_to_conversion)});
  }
  for (Loaded& j : journeys) j.engagement_facts = facts;
}

json EngagementFactsOf(const std::string& profile_json) {
  auto profile = engagement::ProfileFromJson(json::parse(profile_json, nullptr, false));
  if (!profile.ok()) return json();
  return engagement::FactsJson(*profile);
}

// import

namespace {

struct ImportRow {
  const blend::v1::ImportInteractionRequest* request;
  engagement::Interaction interaction;
};

absl::StatusOr<ImportRow> ValidateImportRow(const blend::v1::ImportInteractionRequest& r) {
  if (r.row_key().empty()) return absl::InvalidArgumentError("row_key is required");
  if (r.customer_id().empty()) return absl::InvalidArgumentError("customer_id is required");
  std::optional<Channel> channel = FromProto(r.channel());
  if (!channel) return absl::InvalidArgumentError("channel is required (sms, voice or email)");
  if (!r.has_occurred_at()) return absl::InvalidArgumentError("occurred_at is required");
  absl::TimeZone tz;
  if (!r.time_zone().empty() && !absl::LoadTimeZone(r.time_zone(), &tz)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone ", r.time_zone()));
  }
  BLEND_ASSIGN_OR_RETURN(
      engagement::Interaction in,
      engagement::FromImportOutcome(*channel, r.outcome(), FromProto(r.occurred_at())));
  in.campaign_id = r.campaign_id();
  return ImportRow{&r, std::move(in)};
}

void Reject(blend::v1::ImportInteractionsResponse& resp,
            const blend::v1::ImportInteractionRequest& r, const absl::Status& why) {
  resp.set_rejected(resp.rejected() + 1);
  if (resp.errors_size() >= kMaxReportedErrors) return;
  auto* e = resp.add_errors();
  e->set_row(r.row());
  e->set_row_key(r.row_key());
  e->set_reason(std::string(why.message()));
}

}  // namespace

absl::Status JourneyRunner::ImportInteractions(
    const std::vector<blend::v1::ImportInteractionRequest>& rows,
    blend::v1::ImportInteractionsResponse& response) {
  blend::v1::ImportInteractionsResponse batch;
  std::vector<ImportRow> valid;
  for (const auto& r : rows) {
    auto row = ValidateImportRow(r);
    if (row.ok()) {
      valid.push_back(*std::move(row));
    } else {
      Reject(batch, r, row.status());
    }
  }
  // Profiles are locked in customer order, so two concurrent imports never deadlock.
  std::stable_sort(valid.begin(), valid.end(), [](const ImportRow& a, const ImportRow& b) {
    return a.request->customer_id() < b.request->customer_id();
  });
  int64_t applied = 0, duplicates = 0;
  absl::Status s =
      ctx_.Transact({.name = "engagement_import"}, [&](pqxx::work& tx, TxNotes&) -> absl::Status {
        applied = duplicates = 0;
        const absl::Time now = ctx_.clock().Now();
        for (size_t i = 0; i < valid.size();) {
          size_t end = i;
          while (end < valid.size() &&
                 valid[end].request->customer_id() == valid[i].request->customer_id()) {
            ++end;
          }
          std::vector<const ImportRow*> fresh;
          for (size_t k = i; k < end; ++k) {
            if (pg::MarkProcessed(tx, "engagement-import:" + valid[k].request->row_key(),
                                  "engagement-import", now)) {
              fresh.push_back(&valid[k]);
            } else {
              ++duplicates;
            }
          }
          if (!fresh.empty()) {
            blend::v1::Customer c;
            c.set_customer_id(valid[i].request->customer_id());
            for (const ImportRow* r : fresh) {
              if (!r->request->time_zone().empty()) c.set_time_zone(r->request->time_zone());
            }
            UpdateProfile(tx, c.customer_id(), &c, now,
                          [&](engagement::Profile& p, absl::TimeZone tz) {
                            for (const ImportRow* r : fresh) {
                              engagement::ApplyInteraction(p, r->interaction, tz);
                              if (r->request->converted()) {
                                engagement::ApplyAttributedConversion(p, r->interaction.channel,
                                                                      r->interaction.at);
                              }
                            }
                          });
            applied += static_cast<int64_t>(fresh.size());
          }
          i = end;
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  response.set_received(response.received() + static_cast<int64_t>(rows.size()));
  response.set_applied(response.applied() + applied);
  response.set_duplicates(response.duplicates() + duplicates);
  response.set_rejected(response.rejected() + batch.rejected());
  for (const auto& e : batch.errors()) {
    if (response.errors_size() < kMaxReportedErrors) *response.add_errors() = e;
  }
  return absl::OkStatus();
}

absl::StatusOr<blend::v1::Engagement> JourneyRunner::GetEngagement(const std::string& customer_id) {
  if (customer_id.empty()) return absl::InvalidArgumentError("customer_id is required");
  return ctx_.Transact({.name = "get_engagement", .read_only = true},
                       [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::Engagement> {
                         auto stored = pg::LoadEngagementProfiles(tx, {customer_id});
                         auto it = stored.find(customer_id);
                         if (it == stored.end()) {
                           return absl::NotFoundError(
                               absl::StrCat("no engagement history for customer ", customer_id));
                         }
                         BLEND_ASSIGN_OR_RETURN(
                             engagement::Profile p,
                             engagement::ProfileFromJson(json::parse(it->second, nullptr, false)));
                         blend::v1::Engagement out;
                         out.set_customer_id(customer_id);
                         out.set_profile_json(engagement::ProfileToJson(p).dump());
                         out.set_facts_json(engagement::FactsJson(p).dump());
                         return out;
                       });
}

}  // namespace blend::orchestrator
