// JourneyRunner::FireDueTimers (journey_runner.h): a batch of due timers applied with a fixed
// number of statements, whatever its size. Claim the due timers, lock their journeys by id
// array (skipping those another transaction holds), read every journey's facts with one
// statement per kind, step each journey in memory (several timers of one journey in due
// order), then write history, touches, outbox rows and timers through one EffectBuffer and the
// journeys with one UPDATE. Applying timers one by one cost about ten round trips each, and
// 10,000 timers due in the same second took 30-60 s to fire.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/statuses.h"
#include "blend/telemetry/log.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

namespace {

// How many history rows a step writes (its HistoryEntry effects): the next step of the same
// journey in this batch numbers its rows after them.
int64_t HistoryRowsOf(const journey::StepResult& result) {
  int64_t n = 0;
  for (const journey::Effect& e : result.effects) {
    if (std::holds_alternative<journey::HistoryEntry>(e)) ++n;
  }
  return n;
}

std::vector<std::string> DistinctJourneys(const std::vector<pg::DueTimer>& due) {
  std::set<std::string> ids;
  for (const pg::DueTimer& t : due) ids.insert(t.journey_id);
  return {ids.begin(), ids.end()};
}

}  // namespace

std::vector<journey::CustomerFacts> JourneyRunner::BuildFactsOfMany(
    pqxx::work& tx, const std::vector<const Loaded*>& journeys, absl::Time now) {
  std::vector<blend::v1::Customer> customers;
  std::vector<pg::FactsQuery> queries;
  for (const Loaded* j : journeys) {
    customers.push_back(j->customer);
    queries.push_back({j->customer.customer_id(), j->row.started_at});
  }
  const std::vector<consent::Record> consent = FindConsent(tx, customers, now);
  const std::vector<pg::FactsAndProfile> stored = pg::LoadFactsAndProfiles(tx, queries);
  std::vector<journey::CustomerFacts> facts(journeys.size());
  // The frequency caps: one statement per (channel, window) the batch's campaigns cap.
  std::map<std::pair<Channel, absl::Duration>, std::vector<size_t>> capped;
  for (size_t i = 0; i < journeys.size(); ++i) {
    const Loaded& j = *journeys[i];
    ApplyConsent(consent, j.customer, *j.campaign, now, facts[i]);
    facts[i].attributes = nlohmann::json::parse(stored[i].facts_json);
    if (stored[i].profile_json) facts[i].engagement = EngagementFactsOf(*stored[i].profile_json);
    for (const auto& [channel, cap] : j.campaign->policies().frequency_caps) {
      if (cap.max_touches > 0) capped[{channel, cap.window}].push_back(i);
    }
  }
  for (const auto& [key, members] : capped) {
    const auto& [channel, window] = key;
    std::vector<std::string> ids;
    for (size_t i : members) ids.push_back(journeys[i]->customer.customer_id());
    const auto times = pg::ClaimedTouchTimesOf(
        tx, ids, static_cast<int16_t>(orchestrator::ToProto(channel)), now - window);
    for (size_t i : members) {
      auto it = times.find(journeys[i]->customer.customer_id());
      facts[i].past_touches[channel] = it == times.end() ? std::vector<absl::Time>{} : it->second;
    }
  }
  return facts;
}

absl::StatusOr<int> JourneyRunner::FireDueTimersInTx(pqxx::work& tx, absl::Time now,
                                                     TxNotes& notes) {
  const std::vector<pg::DueTimer> due =
      pg::ClaimDueTimers(tx, now, ctx_.options().timer_batch_size);
  if (due.empty()) return 0;
  // Never wait for a journey another transaction holds: its timer stays due and is picked up
  // by the next poll (waiting here could deadlock with that holder).
  std::map<std::string, Loaded> loaded;
  for (pg::JourneyRow& row : pg::LockJourneysSkipLocked(tx, DistinctJourneys(due))) {
    const std::string id = row.journey_id;
    absl::StatusOr<Loaded> j = Parse(tx, std::move(row));
    if (j.ok()) {
      loaded.emplace(id, *std::move(j));
      continue;
    }
    // A journey that cannot be stepped (e.g. its stored state is unreadable) has its timers
    // pushed back, so it does not block every other due timer; said loudly.
    for (const pg::DueTimer& t : due) {
      if (t.journey_id != id) continue;
      BLEND_LOG(
          kError, "timer cannot be applied; postponed by a minute",
          {{"journey_id", id}, {"timer", t.key}, {"error", std::string(j.status().message())}});
      pg::UpsertTimer(tx, id, t.key, now + absl::Minutes(1), now);
    }
  }
  if (loaded.empty()) return 0;

  std::vector<const Loaded*> order;
  order.reserve(loaded.size());
  for (const auto& [id, j] : loaded) order.push_back(&j);
  const std::vector<journey::CustomerFacts> facts = BuildFactsOfMany(tx, order, now);
  std::map<std::string, const journey::CustomerFacts*> facts_of;
  for (size_t i = 0; i < order.size(); ++i) facts_of[order[i]->row.journey_id] = &facts[i];

  pg::EffectBuffer buf;
  PauseGate pauses(tx);
  const std::string touch_key = TouchKey(tx);
  std::map<std::string, int64_t> next_seq;  // per journey: its first history row's number
  std::map<std::string, int16_t> status_before;
  int count = 0;
  for (const pg::DueTimer& t : due) {  // oldest first: one journey's timers in due order
    auto it = loaded.find(t.journey_id);
    if (it == loaded.end()) continue;
    Loaded& j = it->second;
    status_before.emplace(t.journey_id, j.row.status);
    buf.CancelTimer(t.journey_id, t.key);  // a step that sets the same timer again wins
    notes.timer_lateness.push_back(absl::ToDoubleSeconds(now - t.due));
    journey::StepResult result = journey::Step(*j.campaign, j.state, *facts_of.at(t.journey_id),
                                               journey::TimerFiredTrigger{t.key}, now);
    int64_t& seq = next_seq.try_emplace(t.journey_id, 1).first->second;
    BufferEffects(buf, touch_key, j.row, j.customer, *j.campaign, result, now, seq, notes, pauses);
    seq += HistoryRowsOf(result);
    detail::FillRow(j.row, result, now);
    j.state = std::move(result.next);
    ++count;
  }
  // The timers table first: each journey's pending_timer is derived from it.
  buf.Flush(tx, now);
  pauses.WriteHolds();
  std::vector<pg::JourneyRow*> stepped;
  stepped.reserve(status_before.size());
  for (const auto& [id, before] : status_before) stepped.push_back(&loaded.at(id).row);
  BLEND_RETURN_IF_ERROR(detail::TxOk(pg::UpdateJourneys(tx, stepped), "a timer's journey"));
  // As in Apply: a journey that ends withdraws its voice contacts still queued in Genesys; one
  // statement per way of ending.
  std::map<std::string, std::vector<std::string>> ended_by_reason;
  for (const auto& [id, before] : status_before) {
    const pg::JourneyRow& row = loaded.at(id).row;
    if (before != blend::v1::JOURNEY_STATUS_RUNNING || row.status == before) continue;
    notes.finished.emplace_back(row.campaign_id, JourneyStatusText(row.status));
    ended_by_reason[absl::StrCat("journey finished: ", JourneyStatusText(row.status))].push_back(
        id);
  }
  for (const auto& [reason, ids] : ended_by_reason) {
    WriteWithdrawals(tx, pg::RequestJourneysVoiceWithdrawals(tx, ids, reason, now), reason, now,
                     notes);
  }
  return count;
}

absl::StatusOr<int> JourneyRunner::FireDueTimers() {
  return ctx_.Transact({.name = "timers"},
                       [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<int> {
                         return FireDueTimersInTx(tx, ctx_.clock().Now(), notes);
                       });
}

}  // namespace blend::orchestrator
