// EventApplier (event_applier.h).

#include "blend/orchestrator/event_applier.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/consent/consent.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/customer_event_batch.h"
#include "blend/orchestrator/disposition_batch.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/suppression_write.h"
#include "blend/orchestrator/touch_ids.h"

namespace blend::orchestrator {
namespace {

using nlohmann::json;

// The consent record of an opt-out customer event (SMS STOP, email unsubscribe): by customer id
// and by the address it came from (normalised; dropped when it is not a phone or email; when
// the event names none, the channel's address of the customer's journey `known`, so the number
// stays blocked under another customer id too), on the channel it came from (none: every
// channel).
consent::Record OptOutRecord(const blend::v1::CustomerEvent& ev, absl::Time now,
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

// The history row of a WITHDRAWN answer: the dialer took the contact back out.
HistoryRow WithdrawnRow(const blend::v1::Disposition& d, absl::Time now) {
  return HistoryRow{0, now, "touch_withdrawn", "",
                    json{{"touchId", d.touch_id()}, {"reason", d.reason()}}.dump()};
}

}  // namespace

bool EventApplier::DispositionAppliesInBatch(const BusEvent& event) {
  const auto* d = std::get_if<blend::v1::Disposition>(&event.payload);
  if (d == nullptr || d->touch_id().empty()) return false;
  switch (d->outcome()) {
    case blend::v1::TOUCH_OUTCOME_WITHDRAWN:
    case blend::v1::TOUCH_OUTCOME_DNC_ACTIVE:
    case blend::v1::TOUCH_OUTCOME_OPTED_OUT:
      return false;
    default:
      return true;
  }
}

absl::Status EventApplier::RecordOutcomeSuppression(JourneyStore& store,
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
  RecordSuppression(store, stepper_, r, now, notes);
  return absl::OkStatus();
}

// Checks come before any write, so a kNotFound leaves the transaction untouched (Events relies
// on it).
absl::Status EventApplier::Disposition(JourneyStore& store, const std::string& message_id,
                                       const blend::v1::Disposition& d, absl::Time now,
                                       TxNotes& notes) {
  if (d.touch_id().empty()) return absl::InvalidArgumentError("disposition without touch_id");
  const std::vector<TouchRow> peek = store.FindTouches({d.touch_id()});
  if (peek.empty()) return absl::NotFoundError(absl::StrCat("unknown touch ", d.touch_id()));
  if (!message_id.empty() && store.MarkProcessedMany({message_id}, "disposition", now).empty()) {
    return absl::OkStatus();
  }
  BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper_.LoadLocked(store, peek[0].journey_id));
  const std::vector<TouchRow> locked = store.LockTouches({d.touch_id()});
  if (locked.empty()) return absl::NotFoundError(absl::StrCat("unknown touch ", d.touch_id()));
  const TouchRow& touch = locked[0];
  if (touch.status == TouchStatus::kDone) {
    // Already applied, but for one case: a touch whose insertion was in doubt (UNKNOWN) was
    // withdrawn anyway (the contact may have been queued); the dialer's answer is recorded
    // on the row and in the history, and the journey, which had its result, does not move.
    if (d.outcome() == blend::v1::TOUCH_OUTCOME_WITHDRAWN &&
        touch.reason == "TOUCH_OUTCOME_UNKNOWN") {
      store.SetTouchStatuses({{d.touch_id(), TouchStatus::kDone, "TOUCH_OUTCOME_WITHDRAWN"}}, now);
      store.AppendHistory(j.row.journey_id, WithdrawnRow(d, now));
    }
    return absl::OkStatus();
  }
  // The profile before the step, so a Choice after this outcome sees it.
  if (std::optional<engagement::Interaction> interaction = engagement_.DispositionInteraction(
          d, static_cast<blend::v1::Channel>(touch.channel), j.row.campaign_id, now)) {
    engagement_.Record(store, {{&j.customer, *interaction}}, now);
  }
  // A voice touch completes with its call outcome, not with the contact insertion.
  if (d.outcome() == blend::v1::TOUCH_OUTCOME_SENT && touch.channel == blend::v1::CHANNEL_VOICE) {
    store.SetTouchStatuses({{d.touch_id(), TouchStatus::kSent, "contact inserted"}}, now);
    return absl::OkStatus();
  }
  // A worker answers a refused claim with the refusal as its outcome (OPTED_OUT for
  // "opted_out", DNC_ACTIVE for "dnc_active"): that echoes the consent record, it is no new
  // opt-out. Recording it would turn a legal hold's refusal into a lasting opt-out.
  const bool echoes_refusal = touch.status == TouchStatus::kRefused;
  // An outcome value this build does not know is recorded by number (TouchOutcome_Name is
  // empty for it) and fails the task like FAILED (DispositionTrigger).
  std::string outcome = blend::v1::TouchOutcome_Name(d.outcome());
  if (outcome.empty()) outcome = absl::StrCat("TOUCH_OUTCOME_", static_cast<int>(d.outcome()));
  store.SetTouchStatuses({{d.touch_id(), TouchStatus::kDone, outcome}}, now);
  if (d.outcome() == blend::v1::TOUCH_OUTCOME_WITHDRAWN) {
    store.AppendHistory(j.row.journey_id, WithdrawnRow(d, now));
  }
  // A DNC or opt-out outcome goes on the consent record; the customer's other queued voice
  // contacts it blocks come back out (this touch is done now, so it is not among them).
  if (!echoes_refusal) {
    BLEND_RETURN_IF_ERROR(RecordOutcomeSuppression(store, d, j.customer, now, notes));
  }
  if (j.row.status != journey::JourneyStatus::kRunning) return absl::OkStatus();
  // The interpreter knows the touch by its own name (touch_ids.h); a touch no run waits for
  // any more keeps its public id and the interpreter ignores it.
  journey::TaskResultTrigger trigger = DispositionTrigger(d);
  if (auto step_id = StepTouchIdOf(stepper_.TouchKey(store), j.state, d.touch_id())) {
    trigger.touch_id = *step_id;
  }
  return stepper_.StepOne(store, j, trigger, now, notes);
}

absl::StatusOr<blend::v1::SendCustomerEventResponse> EventApplier::CustomerEvent(
    JourneyStore& store, const blend::v1::CustomerEvent& ev, absl::Time now, TxNotes& notes) {
  blend::v1::SendCustomerEventResponse out;
  if (store.MarkProcessedMany({"customer-event:" + ev.event_id()}, "customer-event", now).empty()) {
    out.set_duplicate(true);
    return out;
  }
  json attributes = StructToJson(ev.attributes());
  if (!attributes.empty()) store.UpsertFacts(ev.customer_id(), attributes.dump(), now);
  std::vector<LoadedJourney> journeys;
  for (JourneyRow& row : store.LockRunningJourneysOfCustomers({ev.customer_id()})) {
    BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper_.Parse(store, std::move(row)));
    journeys.push_back(std::move(j));
  }
  const blend::v1::Customer* known = journeys.empty() ? nullptr : &journeys.front().customer;
  // Before the journeys step, so a Choice after this event sees it in the profile.
  engagement_.RecordEvents(store, {{&ev, known}}, now, notes);
  // Before the journeys step: the opt-out is on the consent record (and the voice contacts it
  // blocks are withdrawn as "opted_out") before a journey it also ends withdraws as finished.
  if (ev.has_opt_out() || ev.type() == "opt_out") {
    RecordSuppression(store, stepper_, OptOutRecord(ev, now, known), now, notes);
  }
  const journey::CustomerEventTrigger trigger{ev.event_id(), ev.type(), attributes};
  for (LoadedJourney& j : journeys) {
    BLEND_RETURN_IF_ERROR(stepper_.StepOne(store, j, trigger, now, notes));
  }
  out.set_journeys_matched(static_cast<int32_t>(journeys.size()));
  return out;
}

absl::StatusOr<std::vector<absl::Status>> EventApplier::Events(JourneyStore& store,
                                                               const std::vector<BusEvent>& events,
                                                               absl::Time now, TxNotes& notes) {
  std::vector<absl::Status> per_event(events.size(), absl::OkStatus());
  enum class Run { kNone, kDispositions, kEvents };
  Run kind = Run::kNone;
  std::vector<size_t> run;  // indexes into `events`
  std::set<std::string> run_customers;
  auto apply_run = [&]() -> absl::Status {
    if (run.empty()) return absl::OkStatus();
    std::vector<absl::Status> results;
    if (kind == Run::kDispositions) {
      std::vector<DispositionMessage> messages;
      messages.reserve(run.size());
      for (size_t i : run) {
        messages.push_back(
            {events[i].message_id, &std::get<blend::v1::Disposition>(events[i].payload)});
      }
      BLEND_RETURN_IF_ERROR(
          ApplyDispositionBatch(store, stepper_, engagement_, messages, now, notes, results));
    } else {
      std::vector<const blend::v1::CustomerEvent*> evs;
      evs.reserve(run.size());
      for (size_t i : run) evs.push_back(&std::get<blend::v1::CustomerEvent>(events[i].payload));
      BLEND_RETURN_IF_ERROR(
          ApplyCustomerEventBatch(store, stepper_, engagement_, evs, now, notes, results));
    }
    for (size_t k = 0; k < run.size(); ++k) per_event[run[k]] = results[k];
    run.clear();
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
    run.push_back(i);
    if (ev != nullptr) run_customers.insert(ev->customer_id());
    return absl::OkStatus();
  };
  for (size_t i = 0; i < events.size(); ++i) {
    if (DispositionAppliesInBatch(events[i])) {
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
      st = Disposition(store, events[i].message_id, *d, now, notes);
    } else {
      st = ValidateCustomerEvent(*ev);
      if (st.ok()) st = CustomerEvent(store, *ev, now, notes).status();
    }
    // Only rejections that wrote nothing may stay inside the batch.
    if (!st.ok() && st.code() != absl::StatusCode::kNotFound &&
        st.code() != absl::StatusCode::kInvalidArgument) {
      return st;
    }
    per_event[i] = st;
  }
  BLEND_RETURN_IF_ERROR(apply_run());
  return per_event;
}

}  // namespace blend::orchestrator
