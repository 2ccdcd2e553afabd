// FireDueTimerBatch (timer_firing.h) and JourneyRunner::FireDueTimers, its transaction.

#include "blend/orchestrator/timer_firing.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/telemetry/log.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

namespace {

std::vector<std::string> DistinctJourneys(const std::vector<DueTimer>& due) {
  std::set<std::string> ids;
  for (const DueTimer& t : due) ids.insert(t.journey_id);
  return {ids.begin(), ids.end()};
}

}  // namespace

absl::StatusOr<int> FireDueTimerBatch(JourneyStore& store, JourneyStepper& stepper, absl::Time now,
                                      int batch_size, TxNotes& notes) {
  const std::vector<DueTimer> due = store.ClaimDueTimers(now, batch_size);
  if (due.empty()) return 0;
  std::map<std::string, LoadedJourney> loaded;
  for (JourneyRow& row : store.LockJourneysSkipLocked(DistinctJourneys(due))) {
    const std::string id = row.journey_id;
    absl::StatusOr<LoadedJourney> j = stepper.Parse(store, std::move(row));
    if (j.ok()) {
      loaded.emplace(id, *std::move(j));
      continue;
    }
    for (const DueTimer& t : due) {
      if (t.journey_id != id) continue;
      BLEND_LOG(
          kError, "timer cannot be applied; postponed by a minute",
          {{"journey_id", id}, {"timer", t.key}, {"error", std::string(j.status().message())}});
      store.UpsertTimer(id, t.key, now + absl::Minutes(1), now);
    }
  }
  if (loaded.empty()) return 0;

  const std::map<std::string, journey::CustomerFacts> facts_of =
      stepper.FactsById(store, loaded, now);

  Effects effects;
  PauseGate pauses(store);
  const std::string touch_key = stepper.TouchKey(store);
  std::map<std::string, int64_t> next_seq;  // per journey: its first history row's number
  std::map<std::string, journey::JourneyStatus> status_before;
  int count = 0;
  for (const DueTimer& t : due) {  // oldest first: one journey's timers in due order
    auto it = loaded.find(t.journey_id);
    if (it == loaded.end()) continue;
    LoadedJourney& j = it->second;
    status_before.emplace(t.journey_id, j.row.status);
    effects.CancelTimer(t.journey_id, t.key);  // a step that sets the same timer again wins
    notes.timer_lateness.push_back(absl::ToDoubleSeconds(now - t.due));
    journey::StepResult result = journey::Step(*j.campaign, j.state, facts_of.at(t.journey_id),
                                               journey::TimerFiredTrigger{t.key}, now);
    int64_t& seq = next_seq.try_emplace(t.journey_id, 1).first->second;
    stepper.BufferEffects(effects, touch_key, j.row, j.customer, *j.campaign, result, now, seq,
                          notes, pauses);
    seq += detail::HistoryRowsOf(result);
    detail::FillRow(j.row, result, now);
    j.state = std::move(result.next);
    ++count;
  }
  // The timers first: each journey's pending_timer is derived from them.
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  BLEND_RETURN_IF_ERROR(stepper.WriteStepped(store, status_before, loaded, now, notes));
  return count;
}

absl::StatusOr<int> JourneyRunner::FireDueTimers() {
  return ctx_.Transact({.name = "timers"},
                       [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<int> {
                         PgJourneyStore store(tx);
                         return FireDueTimerBatch(store, stepper_, ctx_.clock().Now(),
                                                  ctx_.options().timer_batch_size, notes);
                       });
}

}  // namespace blend::orchestrator
