// ApplyCustomerEventBatch (customer_event_batch.h).

#include "blend/orchestrator/customer_event_batch.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

absl::Status ValidateCustomerEvent(const blend::v1::CustomerEvent& ev) {
  if (ev.event_id().empty() || ev.customer_id().empty() || ev.type().empty()) {
    return absl::InvalidArgumentError("customer event needs event_id, customer_id and type");
  }
  return absl::OkStatus();
}

bool CustomerEventAppliesInBatch(const blend::v1::CustomerEvent& ev) {
  return ValidateCustomerEvent(ev).ok() && !ev.has_opt_out() && ev.type() != "opt_out";
}

absl::Status ApplyCustomerEventBatch(JourneyStore& store, JourneyStepper& stepper,
                                     const EngagementRecorder& engagement,
                                     const std::vector<const blend::v1::CustomerEvent*>& events,
                                     absl::Time now, TxNotes& notes,
                                     std::vector<absl::Status>& results) {
  results.assign(events.size(), absl::OkStatus());
  // The processed-message key of the one-by-one path, so a redelivery is caught by either.
  std::vector<std::string> keys;
  keys.reserve(events.size());
  for (const blend::v1::CustomerEvent* ev : events) {
    keys.push_back("customer-event:" + ev->event_id());
  }
  const std::set<std::string> fresh = store.MarkProcessedMany(keys, "customer-event", now);
  std::vector<const blend::v1::CustomerEvent*> live;  // in message order
  std::vector<nlohmann::json> attributes;
  std::vector<std::string> customers;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!fresh.contains(keys[i])) continue;  // a redelivery: nothing to do
    live.push_back(events[i]);
    attributes.push_back(StructToJson(events[i]->attributes()));
    customers.push_back(events[i]->customer_id());
    if (!attributes.back().empty()) {
      store.UpsertFacts(events[i]->customer_id(), attributes.back().dump(), now);
    }
  }
  if (live.empty()) return absl::OkStatus();

  std::map<std::string, LoadedJourney> loaded;
  std::map<std::string, std::vector<std::string>> journeys_of;  // customer -> journeys (id order)
  for (JourneyRow& row : store.LockRunningJourneysOfCustomers(customers)) {
    const std::string id = row.journey_id;
    const std::string customer = row.customer_id;
    BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper.Parse(store, std::move(row)));
    loaded.emplace(id, std::move(j));
    journeys_of[customer].push_back(id);
  }
  // Before the journeys step, so a Choice after an event sees it in the profile.
  std::vector<EngagementRecorder::Event> profile_events;
  profile_events.reserve(live.size());
  for (const blend::v1::CustomerEvent* ev : live) {
    auto it = journeys_of.find(ev->customer_id());
    profile_events.push_back(
        {ev, it == journeys_of.end() ? nullptr : &loaded.at(it->second.front()).customer});
  }
  engagement.RecordEvents(store, profile_events, now, notes);
  if (loaded.empty()) return absl::OkStatus();

  const std::map<std::string, journey::CustomerFacts> facts_of =
      stepper.FactsById(store, loaded, now);

  Effects effects;
  PauseGate pauses(store);
  const std::string touch_key = stepper.TouchKey(store);
  std::map<std::string, journey::JourneyStatus> status_before;
  for (size_t e = 0; e < live.size(); ++e) {
    auto it = journeys_of.find(live[e]->customer_id());
    if (it == journeys_of.end()) continue;
    const journey::CustomerEventTrigger trigger{live[e]->event_id(), live[e]->type(),
                                                attributes[e]};
    for (const std::string& id : it->second) {
      LoadedJourney& j = loaded.at(id);
      status_before.emplace(id, j.row.status);
      journey::StepResult result =
          journey::Step(*j.campaign, j.state, facts_of.at(id), trigger, now);
      stepper.BufferEffects(effects, touch_key, j.row, j.customer, *j.campaign, result, now,
                            /*first_seq=*/1, notes, pauses);
      detail::FillRow(j.row, result, now);
      j.state = std::move(result.next);
    }
  }
  // The timers first: each journey's pending_timer is derived from them.
  store.WriteEffects(effects, now);
  pauses.WriteHolds();
  return stepper.WriteStepped(store, status_before, loaded, now, notes);
}

}  // namespace blend::orchestrator
