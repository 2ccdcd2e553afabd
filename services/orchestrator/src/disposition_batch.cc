// ApplyDispositionBatch (disposition_batch.h).

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/disposition_batch.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/touch_ids.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

namespace {

std::vector<std::string> Distinct(const std::vector<std::string>& values) {
  std::set<std::string> set(values.begin(), values.end());
  return {set.begin(), set.end()};
}

// The touch status a disposition leaves: a voice touch is sent once its contact is inserted
// and done with its call outcome; every other outcome completes the touch. An outcome value
// this build does not know is recorded by number (TouchOutcome_Name is empty for it).
TouchStatusChange StatusAfter(const blend::v1::Disposition& d, int16_t channel) {
  if (d.outcome() == blend::v1::TOUCH_OUTCOME_SENT && channel == blend::v1::CHANNEL_VOICE) {
    return {d.touch_id(), TouchStatus::kSent, "contact inserted"};
  }
  std::string outcome = blend::v1::TouchOutcome_Name(d.outcome());
  if (outcome.empty()) outcome = absl::StrCat("TOUCH_OUTCOME_", static_cast<int>(d.outcome()));
  return {d.touch_id(), TouchStatus::kDone, outcome};
}

}  // namespace

absl::Status ApplyDispositionBatch(JourneyStore& store, JourneyStepper& stepper,
                                   const EngagementRecorder& engagement,
                                   const std::vector<DispositionMessage>& events, absl::Time now,
                                   TxNotes& notes, std::vector<absl::Status>& results) {
  results.assign(events.size(), absl::OkStatus());
  std::vector<const blend::v1::Disposition*> ds;
  std::vector<std::string> touch_ids;
  ds.reserve(events.size());
  touch_ids.reserve(events.size());
  for (const DispositionMessage& e : events) {
    ds.push_back(e.disposition);
    touch_ids.push_back(ds.back()->touch_id());
  }
  // An unknown touch is rejected before anything is written for it.
  std::map<std::string, std::string> journey_of;  // touch id -> journey id
  for (const TouchRow& t : store.FindTouches(Distinct(touch_ids))) {
    journey_of.emplace(t.touch_id, t.journey_id);
  }
  // live[i]: the disposition is new (not a redelivered message id) and its touch exists.
  std::vector<bool> live(events.size(), false);
  std::vector<std::string> message_ids;
  std::set<std::string> seen;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!journey_of.contains(touch_ids[i])) {
      results[i] = absl::NotFoundError(absl::StrCat("unknown touch ", touch_ids[i]));
      continue;
    }
    const std::string& m = events[i].message_id;
    if (!m.empty() && !seen.insert(m).second) continue;  // the same message twice: once
    live[i] = true;
    if (!m.empty()) message_ids.push_back(m);
  }
  const std::set<std::string> fresh = store.MarkProcessedMany(message_ids, "disposition", now);
  std::vector<std::string> live_journeys, live_touches;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string& m = events[i].message_id;
    if (live[i] && !m.empty() && !fresh.contains(m)) live[i] = false;  // applied before
    if (!live[i]) continue;
    live_journeys.push_back(journey_of.at(touch_ids[i]));
    live_touches.push_back(touch_ids[i]);
  }

  // Lock order everywhere: journey rows, then touch rows, then profiles.
  std::map<std::string, LoadedJourney> loaded;
  for (JourneyRow& row : store.LockJourneys(Distinct(live_journeys))) {
    const std::string id = row.journey_id;
    BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper.Parse(store, std::move(row)));
    loaded.emplace(id, std::move(j));
  }
  std::map<std::string, TouchRow> touches;
  for (TouchRow& t : store.LockTouches(Distinct(live_touches))) {
    touches.emplace(t.touch_id, std::move(t));
  }

  struct PendingStep {
    LoadedJourney* journey;
    const blend::v1::Disposition* disposition;
  };
  std::vector<PendingStep> steps;
  std::vector<EngagementRecorder::Change> profile_changes;
  std::map<std::string, TouchStatusChange> status_changes;  // by touch: the last one
  for (size_t i = 0; i < events.size(); ++i) {
    if (!live[i]) continue;
    auto jt = loaded.find(journey_of.at(touch_ids[i]));
    auto tt = touches.find(touch_ids[i]);
    if (jt == loaded.end() || tt == touches.end()) {
      results[i] = absl::NotFoundError(absl::StrCat("unknown touch ", touch_ids[i]));
      continue;
    }
    LoadedJourney& j = jt->second;
    TouchRow& touch = tt->second;
    const blend::v1::Disposition& d = *ds[i];
    if (touch.status == TouchStatus::kDone) continue;  // already applied (another message id)
    if (auto interaction = engagement.DispositionInteraction(
            d, static_cast<blend::v1::Channel>(touch.channel), j.row.campaign_id, now)) {
      profile_changes.push_back({&j.customer, *std::move(interaction)});
    }
    TouchStatusChange change = StatusAfter(d, touch.channel);
    touch.status = change.status;
    touch.reason = change.reason;
    status_changes[touch.touch_id] = std::move(change);
    if (touch.status == TouchStatus::kDone) steps.push_back({&j, &d});
  }
  engagement.Record(store, profile_changes, now);
  std::vector<TouchStatusChange> changes;
  changes.reserve(status_changes.size());
  for (auto& [id, change] : status_changes) changes.push_back(std::move(change));
  store.SetTouchStatuses(changes, now);

  // The steps: the facts of every running journey (after the profile updates above), then
  // each disposition in message order; a journey an earlier step ended takes no more steps.
  std::vector<const LoadedJourney*> order;
  std::map<std::string, size_t> facts_index;
  for (const PendingStep& s : steps) {
    const LoadedJourney& j = *s.journey;
    if (j.row.status != journey::JourneyStatus::kRunning) continue;
    if (facts_index.emplace(j.row.journey_id, order.size()).second) order.push_back(&j);
  }
  if (order.empty()) return absl::OkStatus();
  const std::vector<journey::CustomerFacts> facts = stepper.FactsOfMany(store, order, now);
  Effects effects;
  PauseGate pauses(store);
  const std::string touch_key = stepper.TouchKey(store);
  std::map<std::string, int64_t> next_seq;  // per journey: its first history row's number
  std::map<std::string, journey::JourneyStatus> status_before;
  for (const PendingStep& s : steps) {
    LoadedJourney& j = *s.journey;
    const std::string& id = j.row.journey_id;
    if (j.row.status != journey::JourneyStatus::kRunning) continue;
    status_before.emplace(id, j.row.status);
    // The interpreter knows the touch by its own name (touch_ids.h); a touch no run waits for
    // any more keeps its public id and the interpreter ignores it.
    journey::TaskResultTrigger trigger = DispositionTrigger(*s.disposition);
    if (auto step_id = StepTouchIdOf(touch_key, j.state, s.disposition->touch_id())) {
      trigger.touch_id = *step_id;
    }
    journey::StepResult result =
        journey::Step(*j.campaign, j.state, facts[facts_index.at(id)], trigger, now);
    int64_t& seq = next_seq.try_emplace(id, 1).first->second;
    stepper.BufferEffects(effects, touch_key, j.row, j.customer, *j.campaign, result, now, seq,
                          notes, pauses);
    seq += detail::HistoryRowsOf(result);
    detail::FillRow(j.row, result, now);
    j.state = std::move(result.next);
  }
  // The timers table first: each journey's pending_timer is derived from it.
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  return stepper.WriteStepped(store, status_before, loaded, now, notes);
}

}  // namespace blend::orchestrator
