// StartJourneys and NormalizeStartRequest (journey_starter.h).

#include "blend/orchestrator/journey_starter.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "blend/common/email.h"
#include "blend/common/ids.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/statuses.h"
#include "blend/phone/phone.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

absl::Status NormalizeStartRequest(blend::v1::StartJourneyRequest& r) {
  if (r.campaign_id().empty()) return absl::InvalidArgumentError("campaign_id is required");
  if (r.client_key().empty()) return absl::InvalidArgumentError("client_key is required");
  blend::v1::Customer& c = *r.mutable_customer();
  if (c.customer_id().empty())
    return absl::InvalidArgumentError("customer.customer_id is required");
  if (!c.phone_e164().empty()) {
    auto e164 = phone::NormalizeE164(c.phone_e164());
    if (!e164.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad phone number: ", std::string(e164.status().message())));
    }
    c.set_phone_e164(*e164);
  }
  if (!c.email().empty()) {
    auto email = NormalizeEmail(c.email());  // README.md, "Customer fields"
    if (!email.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad email address: ", std::string(email.status().message())));
    }
    c.set_email(*std::move(email));
  }
  return absl::OkStatus();
}

std::vector<blend::v1::StartJourneyResult> StartJourneys(
    JourneyStore& store, JourneyStepper& stepper, CampaignCache& campaigns,
    const std::vector<blend::v1::StartJourneyRequest>& reqs, absl::Time now, TxNotes& notes,
    std::vector<absl::Status>& row_status) {
  std::vector<blend::v1::StartJourneyResult> results(reqs.size());
  row_status.assign(reqs.size(), absl::OkStatus());
  // The campaign version of each (campaign, asked version) of the batch, resolved once.
  std::map<std::pair<std::string, int32_t>,
           absl::StatusOr<std::pair<std::shared_ptr<const journey::CompiledCampaign>, int32_t>>>
      resolved;
  std::vector<blend::v1::Customer> customers;
  std::vector<std::string> customer_ids;
  customers.reserve(reqs.size());
  customer_ids.reserve(reqs.size());
  for (const auto& r : reqs) {
    customers.push_back(r.customer());
    customer_ids.push_back(r.customer().customer_id());
  }
  // The consent records about every customer of the batch, in one query.
  const std::vector<consent::Record> consent_records = FindConsent(store, customers, now);
  const std::map<std::string, std::string> profiles = store.LoadEngagementProfiles(customer_ids);
  struct Pending {
    size_t index;
    JourneyRow row;
    journey::StepResult result;
    std::shared_ptr<const journey::CompiledCampaign> campaign;
    journey::CustomerFacts facts;
  };
  std::vector<Pending> pending;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& req = reqs[i];
    results[i].set_row(req.row());
    auto key = std::make_pair(req.campaign_id(), req.campaign_version());
    auto it = resolved.find(key);
    if (it == resolved.end()) {
      int32_t version = 0;
      auto c = campaigns.Get(store, req.campaign_id(), req.campaign_version(), &version);
      it = resolved
               .emplace(
                   key,
                   c.ok()
                       ? absl::StatusOr<
                             std::pair<std::shared_ptr<const journey::CompiledCampaign>, int32_t>>(
                             std::make_pair(*c, version))
                       : absl::StatusOr<
                             std::pair<std::shared_ptr<const journey::CompiledCampaign>, int32_t>>(
                             c.status()))
               .first;
    }
    if (!it->second.ok()) {
      row_status[i] = it->second.status();
      continue;
    }
    const auto& [campaign, version] = *it->second;
    Pending p{i, {}, {}, campaign, {}};
    JourneyRow& row = p.row;
    row.journey_id = NewUuid();
    row.campaign_id = req.campaign_id();
    row.campaign_version = version;
    row.client_key = req.client_key();
    row.input_hash = StartInputHash(req.customer(), req.input(), req.campaign_version());
    row.customer_id = req.customer().customer_id();
    row.customer_json = CustomerToJson(req.customer());
    row.started_at = now;
    ApplyConsent(consent_records, req.customer(), *campaign, now, p.facts);
    if (auto pit = profiles.find(req.customer().customer_id()); pit != profiles.end()) {
      p.facts.engagement = EngagementFactsOf(pit->second);
    }
    pending.push_back(std::move(p));
  }
  // The frequency caps' claim times of every customer: one statement per (channel, window).
  std::vector<JourneyStepper::CapQuery> caps;
  caps.reserve(pending.size());
  for (Pending& p : pending) caps.push_back({p.campaign.get(), p.row.customer_id, &p.facts});
  JourneyStepper::AddCapHistories(store, caps, now);
  for (Pending& p : pending) {
    const auto& req = reqs[p.index];
    JourneyRow& row = p.row;
    journey::JourneyState initial;
    initial.journey_id = row.journey_id;
    initial.campaign_id = row.campaign_id;
    p.result = journey::Step(*p.campaign, initial, p.facts,
                             journey::StartTrigger{row.journey_id, StructToJson(req.input()),
                                                   ToCustomerInfo(req.customer()), row.journey_id},
                             now);
    detail::FillRow(row, p.result, now);
    for (const auto& e : p.result.effects) {
      if (const auto* t = std::get_if<journey::SetTimer>(&e)) {
        if (!row.pending_timer || t->at < *row.pending_timer) row.pending_timer = t->at;
      }
    }
  }
  std::vector<JourneyRow> rows;
  rows.reserve(pending.size());
  for (const auto& p : pending) rows.push_back(p.row);
  std::vector<std::string> inserted_ids = store.InsertJourneys(rows);
  std::set<std::string> inserted(inserted_ids.begin(), inserted_ids.end());
  Effects effects;
  PauseGate pauses(store);
  const std::string touch_key = pending.empty() ? "" : stepper.TouchKey(store);
  for (const Pending& p : pending) {
    blend::v1::StartJourneyResult& out = results[p.index];
    if (!inserted.contains(p.row.journey_id)) {
      auto existing = store.FindJourneyByKey(p.row.campaign_id, p.row.client_key);
      if (!existing) {
        row_status[p.index] = absl::AbortedError("client key vanished concurrently; retry");
      } else if (existing->input_hash != p.row.input_hash) {
        row_status[p.index] = absl::AlreadyExistsError(
            absl::StrCat("client key ", p.row.client_key, " is used by journey ",
                         existing->journey_id, " with a different input"));
      } else {
        out.set_accepted(true);
        out.set_journey_id(existing->journey_id);
        out.set_reason("duplicate of an existing journey with the same input");
      }
      continue;
    }
    stepper.BufferEffects(effects, touch_key, p.row, reqs[p.index].customer(), *p.campaign,
                          p.result, now, 1, notes, pauses);
    notes.started.push_back(p.row.campaign_id);
    if (p.row.status != journey::JourneyStatus::kRunning) {
      notes.finished.emplace_back(p.row.campaign_id, JourneyStatusText(p.row.status));
    }
    out.set_accepted(true);
    out.set_journey_id(p.row.journey_id);
  }
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (!row_status[i].ok()) results[i].set_reason(std::string(row_status[i].message()));
  }
  return results;
}

}  // namespace blend::orchestrator
