// JourneyStepper (journey_stepper.h): parse, facts, effects and the write of stepped journeys,
// over a JourneyStore.

#include "blend/orchestrator/journey_stepper.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/contact_id.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/touch_ids.h"
#include "blend/telemetry/log.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

using nlohmann::json;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

namespace detail {

std::string CurrentState(const journey::JourneyState& s) {
  auto it = s.runs.find("main");
  return it == s.runs.end() ? "" : it->second.state;
}

void FillRow(JourneyRow& row, const journey::StepResult& r, absl::Time now) {
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

int64_t HistoryRowsOf(const journey::StepResult& result) {
  int64_t n = 0;
  for (const journey::Effect& e : result.effects) {
    if (std::holds_alternative<journey::HistoryEntry>(e)) ++n;
  }
  return n;
}

}  // namespace detail

std::string TouchTopicFor(Channel channel, const std::string& prefix) {
  return absl::StrCat(prefix, "blend.touch.", std::string(ChannelName(channel)));
}

std::vector<consent::Record> FindConsent(JourneyStore& store,
                                         const std::vector<blend::v1::Customer>& customers,
                                         absl::Time now) {
  std::vector<std::string> ids, addresses;
  for (const auto& c : customers) {
    ids.push_back(c.customer_id());
    addresses.push_back(c.phone_e164());
    addresses.push_back(c.email());
  }
  return store.FindConsent(ids, addresses, now);
}

absl::StatusOr<std::shared_ptr<const journey::CompiledCampaign>> CampaignCache::Get(
    JourneyStore& store, const std::string& campaign_id, int32_t version, int32_t* resolved) {
  if (version > 0) {
    absl::MutexLock lock(&mu_);
    if (auto it = compiled_.find({campaign_id, version}); it != compiled_.end()) {
      if (resolved) *resolved = version;
      return it->second;
    }
  }
  std::optional<CampaignRow> row = store.FindCampaign(campaign_id, version);
  if (!row) {
    return absl::NotFoundError(
        version > 0 ? absl::StrCat("unknown campaign ", campaign_id, " version ", version)
                    : absl::StrCat("unknown campaign ", campaign_id));
  }
  if (resolved) *resolved = row->version;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = compiled_.find({campaign_id, row->version}); it != compiled_.end()) {
      return it->second;
    }
  }
  std::map<std::string, std::string> aliases =
      json::parse(row->resource_aliases_json).get<std::map<std::string, std::string>>();
  BLEND_ASSIGN_OR_RETURN(auto compiled,
                         journey::ParseCampaign(row->definition_json, row->policies_json, aliases,
                                                nullptr, campaign_id));
  absl::MutexLock lock(&mu_);
  compiled_[{campaign_id, row->version}] = compiled;
  return compiled;
}

absl::StatusOr<std::shared_ptr<const journey::CompiledCampaign>> JourneyStepper::CampaignOf(
    JourneyStore& store, const JourneyRow& row) {
  return campaigns_.Get(store, row.campaign_id, row.campaign_version, nullptr);
}

absl::StatusOr<LoadedJourney> JourneyStepper::Parse(JourneyStore& store, JourneyRow row) {
  LoadedJourney j;
  j.row = std::move(row);
  BLEND_ASSIGN_OR_RETURN(j.customer, CustomerFromJson(j.row.customer_json));
  BLEND_ASSIGN_OR_RETURN(j.campaign, CampaignOf(store, j.row));
  // A state that is not JSON at all is as unreadable as one that does not fit.
  json state = json::parse(j.row.state_json, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded()) {
    return absl::DataLossError(absl::StrCat("journey ", j.row.journey_id, ": state is not JSON"));
  }
  BLEND_ASSIGN_OR_RETURN(j.state, journey::JourneyState::FromJson(state));
  return j;
}

void JourneyStepper::AddCapHistories(JourneyStore& store, const std::vector<CapQuery>& queries,
                                     absl::Time now) {
  std::map<std::pair<Channel, absl::Duration>, std::vector<const CapQuery*>> capped;
  for (const CapQuery& q : queries) {
    for (const auto& [channel, cap] : q.campaign->policies().frequency_caps) {
      if (cap.max_touches > 0) capped[{channel, cap.window}].push_back(&q);
    }
  }
  for (const auto& [key, members] : capped) {
    const auto& [channel, window] = key;
    std::vector<std::string> ids;
    ids.reserve(members.size());
    for (const CapQuery* q : members) ids.push_back(q->customer_id);
    const auto times = store.ClaimedTouchTimesOf(
        ids, static_cast<int16_t>(orchestrator::ToProto(channel)), now - window);
    for (const CapQuery* q : members) {
      auto it = times.find(q->customer_id);
      q->facts->past_touches[channel] = it == times.end() ? std::vector<absl::Time>{} : it->second;
    }
  }
}

std::vector<journey::CustomerFacts> JourneyStepper::FactsOfMany(
    JourneyStore& store, const std::vector<const LoadedJourney*>& journeys, absl::Time now) {
  std::vector<blend::v1::Customer> customers;
  std::vector<FactsQuery> queries;
  for (const LoadedJourney* j : journeys) {
    customers.push_back(j->customer);
    queries.push_back({j->customer.customer_id(), j->row.started_at});
  }
  const std::vector<consent::Record> consent = FindConsent(store, customers, now);
  const std::vector<FactsAndProfile> stored = store.LoadFactsAndProfiles(queries);
  std::vector<journey::CustomerFacts> facts(journeys.size());
  std::vector<CapQuery> caps;
  caps.reserve(journeys.size());
  for (size_t i = 0; i < journeys.size(); ++i) {
    const LoadedJourney& j = *journeys[i];
    ApplyConsent(consent, j.customer, *j.campaign, now, facts[i]);
    facts[i].attributes = json::parse(stored[i].facts_json);
    if (stored[i].profile_json) facts[i].engagement = EngagementFactsOf(*stored[i].profile_json);
    caps.push_back({j.campaign.get(), j.customer.customer_id(), &facts[i]});
  }
  AddCapHistories(store, caps, now);
  return facts;
}

absl::StatusOr<LoadedJourney> JourneyStepper::LoadLocked(JourneyStore& store,
                                                         const std::string& journey_id) {
  std::vector<JourneyRow> rows = store.LockJourneys({journey_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("unknown journey ", journey_id));
  return Parse(store, std::move(rows[0]));
}

absl::Status JourneyStepper::StepOne(JourneyStore& store, LoadedJourney& j,
                                     const journey::Trigger& trigger, absl::Time now,
                                     TxNotes& notes) {
  journey::CustomerFacts facts = std::move(FactsOfMany(store, {&j}, now)[0]);
  journey::StepResult result = journey::Step(*j.campaign, j.state, facts, trigger, now);
  const journey::JourneyStatus before = j.row.status;
  Effects effects;
  PauseGate pauses(store);
  BufferEffects(effects, TouchKey(store), j.row, j.customer, *j.campaign, result, now, 1, notes,
                pauses);
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  detail::FillRow(j.row, result, now);
  j.state = std::move(result.next);
  return WriteRows(store, {{before, &j.row}}, now, notes);
}

std::map<std::string, journey::CustomerFacts> JourneyStepper::FactsById(
    JourneyStore& store, const std::map<std::string, LoadedJourney>& journeys, absl::Time now) {
  std::vector<const LoadedJourney*> order;
  order.reserve(journeys.size());
  for (const auto& [id, j] : journeys) order.push_back(&j);
  std::vector<journey::CustomerFacts> facts = FactsOfMany(store, order, now);
  std::map<std::string, journey::CustomerFacts> by_id;
  for (size_t i = 0; i < order.size(); ++i) by_id[order[i]->row.journey_id] = std::move(facts[i]);
  return by_id;
}

void JourneyStepper::BufferEffects(Effects& effects, const std::string& touch_key,
                                   const JourneyRow& row, const blend::v1::Customer& customer,
                                   const journey::CompiledCampaign& campaign,
                                   const journey::StepResult& result, absl::Time now,
                                   int64_t first_seq, TxNotes& notes, PauseGate& pauses) const {
  int64_t seq = first_seq;
  for (const journey::Effect& effect : result.effects) {
    std::visit(
        Overloaded{
            [&](const journey::EmitTouch& t) {
              // Everything a worker needs to send the touch is stored here; ClaimTouch hands
              // it out and the bus message only names the touch (TouchEnvelopeBytes).
              const std::string touch_id = PublicTouchId(touch_key, row.journey_id, t.touch_id);
              blend::v1::TouchCommand cmd =
                  MakeTouchCommand(t, row.journey_id, row.campaign_id, row.campaign_version,
                                   customer, campaign.policies().genesys, 1);
              cmd.set_touch_id(touch_id);
              effects.AddTouch(
                  TouchRow{touch_id, row.journey_id, row.customer_id,
                           static_cast<int16_t>(cmd.channel()), TouchStatus::kPending, 1,
                           cmd.SerializeAsString(), now, t.not_before, std::nullopt, "", "",
                           t.channel == Channel::kVoice ? genesys::ContactIdForTouch(touch_id) : "",
                           /*withdraw_reason=*/std::nullopt});
              // A paused campaign's touch is held: no outbox row until the resume.
              if (!pauses.Hold(row.campaign_id, touch_id)) {
                effects.AddOutbox(TouchTopicFor(t.channel, topic_prefix_), row.journey_id,
                                  TouchEnvelopeBytes(cmd, now), std::max(now, t.not_before));
              }
              notes.touches.emplace_back(ChannelName(t.channel));
            },
            [&](const journey::SetTimer& t) { effects.SetTimer(row.journey_id, t.timer_id, t.at); },
            [&](const journey::CancelTimer& t) { effects.CancelTimer(row.journey_id, t.timer_id); },
            [&](const journey::HistoryEntry& h) {
              effects.AddHistory(
                  row.journey_id,
                  HistoryRow{seq++, now, h.kind, h.state_name,
                             h.detail.is_null()
                                 ? "{}"
                                 : WithPublicTouchId(touch_key, row.journey_id, h.detail).dump()});
            },
            [&](const journey::Finish& f) {
              effects.Finish(row.journey_id,
                             absl::StrCat("journey finished: ",
                                          std::string(journey::JourneyStatusName(f.status))));
            },
        },
        effect);
  }
}

absl::Status JourneyStepper::WriteStepped(
    JourneyStore& store, const std::map<std::string, journey::JourneyStatus>& status_before,
    std::map<std::string, LoadedJourney>& loaded, absl::Time now, TxNotes& notes) const {
  std::vector<Stepped> stepped;
  stepped.reserve(status_before.size());
  for (const auto& [id, before] : status_before) stepped.push_back({before, &loaded.at(id).row});
  return WriteRows(store, stepped, now, notes);
}

absl::Status JourneyStepper::WriteRows(JourneyStore& store, const std::vector<Stepped>& stepped,
                                       absl::Time now, TxNotes& notes) const {
  std::vector<JourneyRow*> rows;
  rows.reserve(stepped.size());
  for (const Stepped& s : stepped) rows.push_back(s.row);
  BLEND_RETURN_IF_ERROR(detail::TxOk(store.UpdateJourneys(rows), "a stepped journey"));
  // Every way a journey ends passes here (exit event, CancelJourney, failure, timeout): its
  // voice contacts still queued in Genesys come back out. (A journey that ends in its very
  // first step, at its start, has no claimed touch yet.)
  std::map<std::string, std::vector<std::string>> ended_by_reason;
  for (const Stepped& s : stepped) {
    const JourneyRow& row = *s.row;
    if (s.before != journey::JourneyStatus::kRunning || row.status == s.before) continue;
    notes.finished.emplace_back(row.campaign_id, JourneyStatusText(row.status));
    ended_by_reason[absl::StrCat("journey finished: ", JourneyStatusText(row.status))].push_back(
        row.journey_id);
  }
  for (const auto& [reason, ids] : ended_by_reason) {
    WriteWithdrawals(store, store.RequestJourneysVoiceWithdrawals(ids, reason, now), reason, now,
                     notes);
  }
  return absl::OkStatus();
}

// Withdrawals: taking a voice touch's contact back out of the Genesys dialer.
//
// A voice touch goes pending -> claimed (the dialer got the grant and inserts the contact into
// a Genesys contact list) -> sent (contact inserted, no call yet) -> done (the call outcome).
// Between the claim and the call outcome Genesys may dial the customer at any moment. When the
// journey ends (payment, cancel, failure, timeout: WriteStepped) or the customer's voice
// channel becomes blocked (opt-out, DNC: RecordSuppression, suppression_write.h), the
// orchestrator writes a blend.v1.WithdrawTouch to the outbox in the same transaction; the
// dialer removes the contact (or makes it uncallable) and answers with a Disposition
// (WITHDRAWN, or the real call outcome when Genesys had already dialed).
//
// Which touches: JourneyStore::RequestJourneysVoiceWithdrawals. A pending or deferred touch is
// not withdrawn: it may already be on the topic, but it is cancelled in the same transaction
// and the claim fence refuses a cancelled touch before the dialer inserts anything.
void JourneyStepper::WriteWithdrawals(JourneyStore& store, const std::vector<WithdrawnTouch>& rows,
                                      const std::string& reason, absl::Time now,
                                      TxNotes& notes) const {
  for (const WithdrawnTouch& row : rows) {
    blend::v1::TouchCommand cmd;
    if (!cmd.ParseFromString(row.command)) {
      // Still withdrawn by contact id; only the contact list id is missing. Say so loudly: the
      // dialer cannot remove a contact without its list.
      BLEND_LOG(kError, "stored touch command unreadable; withdrawal without contact list",
                {{"touch_id", row.touch_id}, {"journey_id", row.journey_id}});
      cmd.set_touch_id(row.touch_id);
      cmd.set_journey_id(row.journey_id);
    }
    blend::v1::WithdrawTouch w = MakeWithdrawTouch(cmd, row.genesys_contact_id, reason, now);
    // Keyed by the journey id like the TouchCommand, on the same topic: the relay publishes a
    // key's rows in id order and the partition keeps that order, so the dialer sees the
    // insertion before its withdrawal.
    store.InsertOutbox(TouchTopicFor(Channel::kVoice, topic_prefix_), row.journey_id,
                       WithdrawEnvelopeBytes(w), now, now);
    store.AppendHistory(row.journey_id, HistoryRow{0, now, "touch_withdraw_requested", "",
                                                   json{{"touchId", w.touch_id()},
                                                        {"contactId", w.contact_id()},
                                                        {"contactListId", w.contact_list_id()},
                                                        {"reason", w.reason()}}
                                                       .dump()});
    notes.withdrawals.emplace_back(ChannelName(Channel::kVoice));
  }
}

std::string JourneyStepper::TouchKey(JourneyStore& store) {
  absl::MutexLock lock(&touch_key_mu_);
  if (touch_key_.empty()) touch_key_ = store.TouchKey();
  return touch_key_;
}

}  // namespace blend::orchestrator
