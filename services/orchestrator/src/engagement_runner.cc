// Engagement profiles in JourneyRunner: the historical import and the reads. (The updates of
// dispositions and customer events are EngagementRecorder's, engagement_recorder.h.) The
// profile logic itself is libs/engagement.

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
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/policy/policy.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

using nlohmann::json;

using detail::LoadZoneOrUtc;
using detail::ParseStored;
using detail::UpdateZone;

namespace {

constexpr int kMaxReportedErrors = 100;

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
