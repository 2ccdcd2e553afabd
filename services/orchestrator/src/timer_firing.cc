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

std::vector<std::string> DistinctJourneys(const std::vector<pg::DueTimer>& due) {
  std::set<std::string> ids;
  for (const pg::DueTimer& t : due) ids.insert(t.journey_id);
  return {ids.begin(), ids.end()};
}

}  // namespace

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
    seq += detail::HistoryRowsOf(result);
    detail::FillRow(j.row, result, now);
    j.state = std::move(result.next);
    ++count;
  }
  // The timers table first: each journey's pending_timer is derived from it.
  buf.Flush(tx, now);
  pauses.WriteHolds();
  BLEND_RETURN_IF_ERROR(WriteSteppedJourneys(tx, status_before, loaded, now, notes));
  return count;
}

absl::StatusOr<int> JourneyRunner::FireDueTimers() {
  return ctx_.Transact({.name = "timers"},
                       [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<int> {
                         return FireDueTimersInTx(tx, ctx_.clock().Now(), notes);
                       });
}

}  // namespace blend::orchestrator
