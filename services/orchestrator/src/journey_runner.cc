#include "blend/orchestrator/journey_runner.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/email.h"
#include "blend/common/ids.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/customer_event_batch.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/touch_ids.h"
#include "blend/phone/phone.h"
#include "blend/store/transaction.h"
#include "blend/telemetry/log.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

using nlohmann::json;

namespace detail {

std::string CurrentState(const journey::JourneyState& s) {
  auto it = s.runs.find("main");
  return it == s.runs.end() ? "" : it->second.state;
}

void FillRow(pg::JourneyRow& row, const journey::StepResult& r, absl::Time now) {
  row.state_json = r.next.ToJson().dump();
  row.status = r.next.status;
  row.current_state = CurrentState(r.next);
  row.updated_at = now;
  if (row.status != journey::JourneyStatus::kRunning && !row.finished_at) {
    row.finished_at = now;
    row.error = r.next.error;
    row.cause = r.next.cause;
  }
}

absl::Status TxOk(bool ok, const std::string& what) {
  if (ok) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(what, " changed concurrently; retry"));
}

}  // namespace detail

using detail::FillRow;
using detail::TxOk;

JourneyRunner::JourneyRunner(store::ConnectionPool& pool, const Clock& clock, Metrics* metrics,
                             RunnerOptions options)
    : ctx_(pool, clock, metrics, std::move(options)),
      stepper_(campaigns_, ctx_.options().topic_prefix),
      engagement_(ctx_.options().engagement) {}

// campaigns

absl::StatusOr<blend::v1::PutCampaignResponse> JourneyRunner::PutCampaign(
    const blend::v1::Campaign& campaign, std::vector<journey::ValidationProblem>* problems) {
  if (campaign.campaign_id().empty()) {
    return absl::InvalidArgumentError("campaign.campaign_id is required");
  }
  std::map<std::string, std::string> aliases(campaign.resource_aliases().begin(),
                                             campaign.resource_aliases().end());
  BLEND_RETURN_IF_ERROR(journey::ParseCampaign(campaign.definition_json(), campaign.policies_json(),
                                               aliases, problems, campaign.campaign_id())
                            .status());
  pg::CampaignRow row{campaign.campaign_id(),     0,
                      campaign.definition_json(), campaign.policies_json(),
                      json(aliases).dump(),       ctx_.clock().Now()};
  return ctx_.Transact(
      {.name = "put_campaign"},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::PutCampaignResponse> {
        blend::v1::PutCampaignResponse resp;
        resp.set_campaign_id(row.campaign_id);
        resp.set_version(pg::InsertCampaignVersion(tx, row));
        return resp;
      });
}

absl::StatusOr<blend::v1::Campaign> JourneyRunner::GetCampaign(const std::string& campaign_id,
                                                               int32_t version) {
  return ctx_.Transact(
      {.name = "get_campaign", .read_only = true},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::Campaign> {
        auto row = pg::FindCampaign(tx, campaign_id, version);
        if (!row) return absl::NotFoundError(absl::StrCat("unknown campaign ", campaign_id));
        blend::v1::Campaign c;
        c.set_campaign_id(row->campaign_id);
        c.set_version(row->version);
        c.set_definition_json(row->definition_json);
        c.set_policies_json(row->policies_json);
        const json aliases = json::parse(row->resource_aliases_json);
        for (const auto& [k, v] : aliases.items()) {
          (*c.mutable_resource_aliases())[k] = v.get<std::string>();
        }
        *c.mutable_created_at() = orchestrator::ToProto(row->created_at);
        return c;
      });
}

// the transactional core

journey::CustomerFacts JourneyRunner::BuildFacts(pqxx::work& tx,
                                                 const journey::CompiledCampaign& campaign,
                                                 const blend::v1::Customer& customer,
                                                 absl::Time since, absl::Time now,
                                                 bool load_attributes,
                                                 const std::optional<json>& engagement_facts) {
  journey::CustomerFacts facts;
  ApplyConsent(FindConsent(tx, {customer}, now), customer, campaign, now, facts);
  if (load_attributes) {
    if (engagement_facts) {
      facts.attributes = json::parse(pg::LoadFacts(tx, customer.customer_id(), since));
      facts.engagement = *engagement_facts;
    } else {
      pg::FactsAndProfile both = pg::LoadFactsAndProfile(tx, customer.customer_id(), since);
      facts.attributes = json::parse(both.facts_json);
      if (both.profile_json) facts.engagement = EngagementFactsOf(*both.profile_json);
    }
  }
  PgJourneyStore store(tx);
  JourneyStepper::AddCapHistories(store, {{&campaign, customer.customer_id(), &facts}}, now);
  return facts;
}

std::string JourneyRunner::TouchKey(pqxx::work& tx) {
  PgJourneyStore store(tx);
  return stepper_.TouchKey(store);
}

absl::StatusOr<JourneyRunner::Loaded> JourneyRunner::Load(pqxx::work& tx,
                                                          const std::string& journey_id,
                                                          pg::Lock lock) {
  std::optional<pg::JourneyRow> row = pg::FindJourney(tx, journey_id, lock);
  if (!row) return absl::NotFoundError(absl::StrCat("unknown journey ", journey_id));
  return Parse(tx, std::move(*row));
}

absl::StatusOr<JourneyRunner::Loaded> JourneyRunner::Parse(pqxx::work& tx, pg::JourneyRow row) {
  PgJourneyStore store(tx);
  return stepper_.Parse(store, std::move(row));
}

absl::Status JourneyRunner::Apply(pqxx::work& tx, Loaded& j, const journey::Trigger& trigger,
                                  absl::Time now, TxNotes& notes) {
  journey::CustomerFacts facts = BuildFacts(tx, *j.campaign, j.customer, j.row.started_at, now,
                                            /*load_attributes=*/true, j.engagement_facts);
  journey::StepResult result = journey::Step(*j.campaign, j.state, facts, trigger, now);
  const journey::JourneyStatus before = j.row.status;
  PgJourneyStore store(tx);
  Effects effects;
  PauseGate pauses(store);
  stepper_.BufferEffects(effects, stepper_.TouchKey(store), j.row, j.customer, *j.campaign, result,
                         now, 1, notes, pauses);
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  FillRow(j.row, result, now);
  BLEND_RETURN_IF_ERROR(TxOk(pg::UpdateJourney(tx, j.row), "journey " + j.row.journey_id));
  j.state = std::move(result.next);
  if (before == journey::JourneyStatus::kRunning && j.row.status != before) {
    notes.finished.emplace_back(j.row.campaign_id, JourneyStatusText(j.row.status));
    // Every way a journey ends passes here (exit event, CancelJourney, failure, timeout): its
    // voice contacts still queued in Genesys come back out. (A journey that ends in its very
    // first step, in StartRows, has no claimed touch yet.)
    WithdrawJourneyVoiceTouches(tx, j.row.journey_id,
                                absl::StrCat("journey finished: ", JourneyStatusText(j.row.status)),
                                now, notes);
  }
  return absl::OkStatus();
}

// starts

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

// Starts a batch of (normalised) requests in `tx`: every interpreter step runs in memory, then
// the journeys, their history, touches, outbox rows and timers are written with a few bulk
// statements. row_status[i] is OK for an accepted row (new or an identical duplicate).
std::vector<blend::v1::StartJourneyResult> JourneyRunner::StartRows(
    pqxx::work& tx, const std::vector<blend::v1::StartJourneyRequest>& reqs, absl::Time now,
    TxNotes& notes, std::vector<absl::Status>& row_status) {
  std::vector<blend::v1::StartJourneyResult> results(reqs.size());
  row_status.assign(reqs.size(), absl::OkStatus());
  PgJourneyStore store(tx);
  std::map<std::pair<std::string, int32_t>,
           absl::StatusOr<std::pair<std::shared_ptr<const journey::CompiledCampaign>, int32_t>>>
      campaigns;
  std::vector<blend::v1::Customer> customers;
  for (const auto& r : reqs) customers.push_back(r.customer());
  // The consent records about every customer of the batch, in one query.
  const std::vector<consent::Record> consent_records = FindConsent(tx, customers, now);
  std::vector<std::string> customer_ids;
  for (const auto& r : reqs) customer_ids.push_back(r.customer().customer_id());
  const std::map<std::string, std::string> profiles = pg::LoadEngagementProfiles(tx, customer_ids);
  struct Pending {
    size_t index;
    pg::JourneyRow row;
    journey::StepResult result;
    std::shared_ptr<const journey::CompiledCampaign> campaign;
    journey::CustomerFacts facts;
  };
  std::vector<Pending> pending;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& req = reqs[i];
    results[i].set_row(req.row());
    auto key = std::make_pair(req.campaign_id(), req.campaign_version());
    auto it = campaigns.find(key);
    if (it == campaigns.end()) {
      int32_t version = 0;
      auto c = campaigns_.Get(store, req.campaign_id(), req.campaign_version(), &version);
      it = campaigns
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
    pg::JourneyRow& row = p.row;
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
    pg::JourneyRow& row = p.row;
    journey::JourneyState initial;
    initial.journey_id = row.journey_id;
    initial.campaign_id = row.campaign_id;
    p.result = journey::Step(*p.campaign, initial, p.facts,
                             journey::StartTrigger{row.journey_id, StructToJson(req.input()),
                                                   ToCustomerInfo(req.customer()), row.journey_id},
                             now);
    FillRow(row, p.result, now);
    for (const auto& e : p.result.effects) {
      if (const auto* t = std::get_if<journey::SetTimer>(&e)) {
        if (!row.pending_timer || t->at < *row.pending_timer) row.pending_timer = t->at;
      }
    }
  }
  std::vector<pg::JourneyRow> rows;
  rows.reserve(pending.size());
  for (const auto& p : pending) rows.push_back(p.row);
  std::vector<std::string> inserted_ids = pg::InsertJourneys(tx, rows);
  std::set<std::string> inserted(inserted_ids.begin(), inserted_ids.end());
  Effects effects;
  PauseGate pauses(store);
  const std::string touch_key = pending.empty() ? "" : stepper_.TouchKey(store);
  for (const Pending& p : pending) {
    blend::v1::StartJourneyResult& out = results[p.index];
    if (!inserted.contains(p.row.journey_id)) {
      auto existing = pg::FindJourneyByKey(tx, p.row.campaign_id, p.row.client_key);
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
    stepper_.BufferEffects(effects, touch_key, p.row, reqs[p.index].customer(), *p.campaign,
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

absl::StatusOr<blend::v1::StartJourneyResponse> JourneyRunner::StartJourney(
    const blend::v1::StartJourneyRequest& request) {
  blend::v1::StartJourneyRequest req = request;
  BLEND_RETURN_IF_ERROR(NormalizeStartRequest(req));
  const absl::Time t0 = ctx_.clock().Now();
  std::vector<absl::Status> row_status;
  // Not timed by Transact: a rejected row commits (nothing) but is no applied trigger. Its
  // notes are empty (StartRows notes accepted rows only).
  auto result = ctx_.Transact(
      {.name = "start"},
      [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<blend::v1::StartJourneyResult> {
        auto results = StartRows(tx, {req}, ctx_.clock().Now(), notes, row_status);
        if (row_status[0].code() == absl::StatusCode::kAborted) return row_status[0];
        return results[0];
      });
  if (!result.ok()) return result.status();
  if (!row_status[0].ok()) return row_status[0];
  ctx_.RecordTrigger("start", t0);
  blend::v1::StartJourneyResponse resp;
  resp.set_journey_id(result->journey_id());
  resp.set_created(result->reason().empty());
  return resp;
}

std::vector<blend::v1::StartJourneyResult> JourneyRunner::StartBatchOnce(
    const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Status* tx_status) {
  std::vector<blend::v1::StartJourneyResult> results(requests.size());
  std::vector<blend::v1::StartJourneyRequest> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < requests.size(); ++i) {
    blend::v1::StartJourneyRequest req = requests[i];
    results[i].set_row(req.row());
    if (absl::Status s = NormalizeStartRequest(req); !s.ok()) {
      results[i].set_reason(std::string(s.message()));
      continue;
    }
    valid.push_back(std::move(req));
    valid_index.push_back(i);
  }
  *tx_status = ctx_.Transact(
      {.name = "start_batch", .timed = true}, [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
        std::vector<absl::Status> row_status;
        auto out = StartRows(tx, valid, ctx_.clock().Now(), notes, row_status);
        for (size_t k = 0; k < valid.size(); ++k) {
          if (row_status[k].code() == absl::StatusCode::kAborted) return row_status[k];
          results[valid_index[k]] = std::move(out[k]);
        }
        return absl::OkStatus();
      });
  return results;
}

std::vector<blend::v1::StartJourneyResult> JourneyRunner::StartBatch(
    const std::vector<blend::v1::StartJourneyRequest>& requests) {
  absl::Status tx_status;
  auto results = StartBatchOnce(requests, &tx_status);
  if (tx_status.ok()) return results;
  // The batch failed as a whole (a row broke the transaction): isolate the culprit by
  // starting each row on its own.
  BLEND_LOG(
      kWarn, "start batch failed; retrying row by row",
      {{"rows", std::to_string(requests.size())}, {"error", std::string(tx_status.message())}});
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status one;
    auto r = StartBatchOnce({requests[i]}, &one);
    results[i] = r[0];
    if (!one.ok()) {
      results[i].set_accepted(false);
      results[i].set_reason(absl::StrCat("internal error: ", std::string(one.message())));
    }
  }
  return results;
}

// triggers

// The consent record of an opt-out customer event (SMS STOP, email unsubscribe): by customer id
// and by the address it came from (normalised; dropped when it is not a phone or email; when
// the event names none, the channel's address of the customer's journey `known`, so the number
// stays blocked under another customer id too), on the channel it came from (none: every
// channel).
static consent::Record OptOutRecord(const blend::v1::CustomerEvent& ev, absl::Time now,
                                    const blend::v1::Customer* known) {
  consent::Record r;
  r.customer_id = ev.customer_id();
  r.address = ev.opt_out().address();
  if (r.address.empty() && known != nullptr) {
    switch (ev.opt_out().channel()) {
      case blend::v1::CHANNEL_SMS:
      case blend::v1::CHANNEL_VOICE:
        r.address = known->phone_e164();
        break;
      case blend::v1::CHANNEL_EMAIL:
        r.address = known->email();
        break;
      default:
        break;  // every channel: the customer id covers them all
    }
  }
  r.channel = ev.opt_out().channel() == blend::v1::CHANNEL_UNSPECIFIED
                  ? consent::Scope::kAll
                  : consent::ScopeFromInt(ev.opt_out().channel()).value_or(consent::Scope::kAll);
  r.reason = consent::Reason::kOptOut;
  r.source = absl::StrCat("customer-event:", ev.event_id());
  if (!ev.opt_out().keyword().empty()) r.note = absl::StrCat("keyword ", ev.opt_out().keyword());
  r.recorded_at = now;
  if (!consent::Normalize(r).ok()) {
    r.address.clear();  // the customer id alone (validated non-empty) still records it
    (void)consent::Normalize(r);
  }
  return r;
}

absl::StatusOr<blend::v1::SendCustomerEventResponse> JourneyRunner::CustomerEventInTx(
    pqxx::work& tx, const blend::v1::CustomerEvent& ev, absl::Time now, TxNotes& notes) {
  blend::v1::SendCustomerEventResponse out;
  if (!pg::MarkProcessed(tx, "customer-event:" + ev.event_id(), "customer-event", now)) {
    out.set_duplicate(true);
    return out;
  }
  json attributes = StructToJson(ev.attributes());
  if (!attributes.empty()) pg::UpsertFacts(tx, ev.customer_id(), attributes.dump(), now);
  std::vector<std::string> ids = pg::LockRunningJourneysOfCustomer(tx, ev.customer_id());
  std::vector<Loaded> journeys;
  for (const std::string& id : ids) {
    BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, id, pg::Lock::kNone));
    journeys.push_back(std::move(j));
  }
  // Before the journeys step, so a Choice after this event sees it in the profile.
  RecordEventEngagement(tx, ev, journeys, now, notes);
  journey::CustomerEventTrigger trigger{ev.event_id(), ev.type(), attributes};
  const bool opt_out = ev.has_opt_out() || ev.type() == "opt_out";
  // Before the journeys step: the opt-out is on the consent record (and the voice contacts it
  // blocks are withdrawn as "opted_out") before a journey it also ends withdraws as finished.
  if (opt_out) {
    RecordSuppressionInTx(
        tx, OptOutRecord(ev, now, journeys.empty() ? nullptr : &journeys.front().customer), now,
        notes);
  }
  for (Loaded& j : journeys) {
    BLEND_RETURN_IF_ERROR(Apply(tx, j, trigger, now, notes));
  }
  out.set_journeys_matched(static_cast<int32_t>(ids.size()));
  return out;
}

absl::StatusOr<blend::v1::SendCustomerEventResponse> JourneyRunner::ApplyCustomerEvent(
    const blend::v1::CustomerEvent& ev) {
  BLEND_RETURN_IF_ERROR(ValidateCustomerEvent(ev));
  return ctx_.Transact({.name = "customer_event", .timed = true},
                       [&](pqxx::work& tx, TxNotes& notes) {
                         return CustomerEventInTx(tx, ev, ctx_.clock().Now(), notes);
                       });
}

// An opt-out or DNC outcome is remembered on the consent record, so every later touch it
// blocks is refused at emit time and at claim time (and queued voice contacts are withdrawn).
absl::Status JourneyRunner::RecordOutcomeSuppression(pqxx::work& tx,
                                                     const blend::v1::Disposition& d,
                                                     const blend::v1::Customer& customer,
                                                     absl::Time now, TxNotes& notes) {
  const bool dnc = d.outcome() == blend::v1::TOUCH_OUTCOME_DNC_ACTIVE;
  if (!dnc && d.outcome() != blend::v1::TOUCH_OUTCOME_OPTED_OUT) return absl::OkStatus();
  consent::Record r;
  r.customer_id = customer.customer_id();
  if (dnc) {
    r.channel = consent::Scope::kVoice;
    r.reason = consent::Reason::kDnc;
    r.address = customer.phone_e164();
  } else {
    r.reason = consent::Reason::kOptOut;
    r.channel = d.channel() == blend::v1::CHANNEL_UNSPECIFIED
                    ? consent::Scope::kAll
                    : consent::ScopeFromInt(d.channel()).value_or(consent::Scope::kAll);
    r.address = d.channel() == blend::v1::CHANNEL_EMAIL ? customer.email() : customer.phone_e164();
  }
  r.source = absl::StrCat("disposition:", d.touch_id());
  if (!d.reason().empty()) r.note = d.reason();
  r.recorded_at = now;
  if (!consent::Normalize(r).ok()) {
    r.address.clear();
    BLEND_RETURN_IF_ERROR(consent::Normalize(r));
  }
  RecordSuppressionInTx(tx, r, now, notes);
  return absl::OkStatus();
}

// Checks come before any write, so a kNotFound leaves the transaction untouched (the batch
// path relies on it).
absl::Status JourneyRunner::DispositionInTx(pqxx::work& tx, const std::string& message_id,
                                            const blend::v1::Disposition& d, absl::Time now,
                                            TxNotes& notes) {
  if (d.touch_id().empty()) return absl::InvalidArgumentError("disposition without touch_id");
  auto peek = pg::FindTouch(tx, d.touch_id(), pg::Lock::kNone);
  if (!peek) return absl::NotFoundError(absl::StrCat("unknown touch ", d.touch_id()));
  if (!message_id.empty() && !pg::MarkProcessed(tx, message_id, "disposition", now)) {
    return absl::OkStatus();
  }
  // Lock order everywhere: journey row, then touch row.
  BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, peek->journey_id, pg::Lock::kForUpdate));
  auto touch = pg::FindTouch(tx, d.touch_id(), pg::Lock::kForUpdate);
  if (touch->status == TouchStatus::kDone) {
    // Already applied, but for one case: a touch whose insertion was in doubt (UNKNOWN) was
    // withdrawn anyway (the contact may have been queued); the dialer's answer is recorded
    // on the row and in the history, and the journey, which had its result, does not move.
    if (d.outcome() == blend::v1::TOUCH_OUTCOME_WITHDRAWN &&
        touch->reason == "TOUCH_OUTCOME_UNKNOWN") {
      pg::SetTouchStatus(tx, d.touch_id(), TouchStatus::kDone, "TOUCH_OUTCOME_WITHDRAWN", now);
      pg::AppendHistory(
          tx, j.row.journey_id,
          pg::HistoryRow{0, now, "touch_withdrawn", "",
                         json{{"touchId", d.touch_id()}, {"reason", d.reason()}}.dump()});
    }
    return absl::OkStatus();
  }
  RecordDispositionEngagement(tx, d, static_cast<blend::v1::Channel>(touch->channel), j, now);
  // A voice touch completes with its call outcome, not with the contact insertion.
  if (d.outcome() == blend::v1::TOUCH_OUTCOME_SENT && touch->channel == blend::v1::CHANNEL_VOICE) {
    pg::SetTouchStatus(tx, d.touch_id(), TouchStatus::kSent, "contact inserted", now);
    return absl::OkStatus();
  }
  // A worker answers a refused claim with the refusal as its outcome (OPTED_OUT for
  // "opted_out", DNC_ACTIVE for "dnc_active"): that echoes the consent record, it is no new
  // opt-out. Recording it would turn a legal hold's refusal into a lasting opt-out.
  const bool echoes_refusal = touch->status == TouchStatus::kRefused;
  // An outcome value this build does not know is recorded by number (TouchOutcome_Name is
  // empty for it) and fails the task like FAILED (DispositionTrigger).
  std::string outcome = blend::v1::TouchOutcome_Name(d.outcome());
  if (outcome.empty()) outcome = absl::StrCat("TOUCH_OUTCOME_", static_cast<int>(d.outcome()));
  pg::SetTouchStatus(tx, d.touch_id(), TouchStatus::kDone, outcome, now);
  if (d.outcome() == blend::v1::TOUCH_OUTCOME_WITHDRAWN) {
    pg::AppendHistory(
        tx, j.row.journey_id,
        pg::HistoryRow{0, now, "touch_withdrawn", "",
                       json{{"touchId", d.touch_id()}, {"reason", d.reason()}}.dump()});
  }
  // A DNC or opt-out outcome goes on the consent record; the customer's other queued voice
  // contacts it blocks come back out (this touch is done now, so it is not among them).
  if (!echoes_refusal) {
    BLEND_RETURN_IF_ERROR(RecordOutcomeSuppression(tx, d, j.customer, now, notes));
  }
  if (j.row.status != journey::JourneyStatus::kRunning) return absl::OkStatus();
  // The interpreter knows the touch by its own name (touch_ids.h); a touch no run waits for
  // any more keeps its public id and the interpreter ignores it, as before.
  journey::TaskResultTrigger trigger = DispositionTrigger(d);
  if (auto step_id = StepTouchIdOf(TouchKey(tx), j.state, d.touch_id()))
    trigger.touch_id = *step_id;
  return Apply(tx, j, trigger, now, notes);
}

absl::Status JourneyRunner::ApplyDisposition(const std::string& message_id,
                                             const blend::v1::Disposition& d) {
  return ctx_.Transact({.name = "disposition", .timed = true},
                       [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
                         return DispositionInTx(tx, message_id, d, ctx_.clock().Now(), notes);
                       });
}

absl::StatusOr<std::vector<absl::Status>> JourneyRunner::ApplyEvents(
    const std::vector<BusEvent>& events) {
  std::vector<absl::Status> per_event;
  absl::Status s = ctx_.Transact(
      {.name = "event_batch", .timed = true}, [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
        per_event.assign(events.size(), absl::OkStatus());
        absl::Time now = ctx_.clock().Now();
        // Consecutive ordinary dispositions go as one batch (disposition_batch.h), consecutive
        // ordinary customer events too (customer_event_batch.h: a customer's second event
        // starts the next batch); any other message is applied on its own, in its place.
        enum class Run { kNone, kDispositions, kEvents };
        Run kind = Run::kNone;
        std::vector<const BusEvent*> run;
        std::vector<size_t> run_index;
        std::set<std::string> run_customers;
        auto apply_run = [&]() -> absl::Status {
          if (run.empty()) return absl::OkStatus();
          std::vector<absl::Status> results;
          if (kind == Run::kDispositions) {
            BLEND_RETURN_IF_ERROR(DispositionBatchInTx(tx, run, now, notes, results));
          } else {
            std::vector<const blend::v1::CustomerEvent*> evs;
            evs.reserve(run.size());
            for (const BusEvent* e : run) {
              evs.push_back(&std::get<blend::v1::CustomerEvent>(e->payload));
            }
            PgJourneyStore store(tx);
            BLEND_RETURN_IF_ERROR(
                ApplyCustomerEventBatch(store, stepper_, engagement_, evs, now, notes, results));
          }
          for (size_t k = 0; k < run.size(); ++k) per_event[run_index[k]] = results[k];
          run.clear();
          run_index.clear();
          run_customers.clear();
          kind = Run::kNone;
          return absl::OkStatus();
        };
        auto add_to_run = [&](Run k, size_t i) -> absl::Status {
          const auto* ev = std::get_if<blend::v1::CustomerEvent>(&events[i].payload);
          if (kind != k || (ev != nullptr && run_customers.contains(ev->customer_id()))) {
            BLEND_RETURN_IF_ERROR(apply_run());
          }
          kind = k;
          run.push_back(&events[i]);
          run_index.push_back(i);
          if (ev != nullptr) run_customers.insert(ev->customer_id());
          return absl::OkStatus();
        };
        for (size_t i = 0; i < events.size(); ++i) {
          if (AppliesInBatch(events[i])) {
            BLEND_RETURN_IF_ERROR(add_to_run(Run::kDispositions, i));
            continue;
          }
          const auto* ev = std::get_if<blend::v1::CustomerEvent>(&events[i].payload);
          if (ev != nullptr && CustomerEventAppliesInBatch(*ev)) {
            BLEND_RETURN_IF_ERROR(add_to_run(Run::kEvents, i));
            continue;
          }
          BLEND_RETURN_IF_ERROR(apply_run());
          absl::Status st;
          if (const auto* d = std::get_if<blend::v1::Disposition>(&events[i].payload)) {
            st = DispositionInTx(tx, events[i].message_id, *d, now, notes);
          } else {
            st = ValidateCustomerEvent(*ev);
            if (st.ok()) st = CustomerEventInTx(tx, *ev, now, notes).status();
          }
          // Only rejections that wrote nothing may stay inside the batch.
          if (!st.ok() && st.code() != absl::StatusCode::kNotFound &&
              st.code() != absl::StatusCode::kInvalidArgument) {
            return st;
          }
          per_event[i] = st;
        }
        return apply_run();
      });
  if (!s.ok()) return s;
  return per_event;
}

absl::StatusOr<blend::v1::Journey> JourneyRunner::CancelJourney(const std::string& journey_id,
                                                                const std::string& reason) {
  auto row = ctx_.Transact(
      {.name = "cancel"}, [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<pg::JourneyRow> {
        BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, journey_id, pg::Lock::kForUpdate));
        if (j.row.status == journey::JourneyStatus::kRunning) {
          BLEND_RETURN_IF_ERROR(Apply(tx, j,
                                      journey::CancelTrigger{reason.empty() ? "cancelled" : reason},
                                      ctx_.clock().Now(), notes));
        }
        return j.row;
      });
  if (!row.ok()) return row.status();
  return ToProto(*row);
}

}  // namespace blend::orchestrator
