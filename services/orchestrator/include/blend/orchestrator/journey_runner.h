#pragma once

// The transactional shell around the pure interpreter (libs/journey). Every trigger — start,
// timer fired, disposition, customer event, cancel, claim — is applied in ONE PostgreSQL
// transaction: lock the journey row -> journey::Step -> write the new state, history, touches,
// outbox rows and timers (and the processed message id) -> commit. Nothing is published here:
// the outbox relay does that after commit. Each operation runs in RunnerContext::Transact
// (runner_context.h), which also records its metrics once it committed, over a PgJourneyStore
// of its transaction; the logic is in units over the JourneyStore seam, unit-tested on the
// in-memory store: StartJourneys (journey_starter.h), EventApplier (event_applier.h: dispositions
// and customer events, alone or in runs), FireDueTimerBatch (timer_firing.h), CancelJourney
// (journey_cancel.h), TouchFence (touch_fence.h), RecordSuppression (suppression_write.h).
// Reads, campaigns, the consent service and the engagement import are here.
//
// Thread-safe: every call borrows its own connection; concurrent triggers of one journey
// serialise on its row lock. Status codes: kNotFound (unknown campaign / journey / touch),
// kInvalidArgument (bad request), kAlreadyExists (client key reused with another input),
// kAborted (version conflict: retry), kUnavailable (database), kInternal.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "blend/common/clock.h"
#include "blend/consent/consent.h"
#include "blend/journey/campaign.h"
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/event_applier.h"
#include "blend/orchestrator/journey_cancel.h"
#include "blend/orchestrator/journey_starter.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/metrics.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/orchestrator/touch_fence.h"
#include "blend/store/connection_pool.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/consent_service.pb.h"
#include "blend/v1/engagement_service.pb.h"
#include "blend/v1/journey_service.pb.h"
#include "blend/v1/touch_service.pb.h"

namespace blend::orchestrator {

class JourneyRunner {
 public:
  JourneyRunner(store::ConnectionPool& pool, const Clock& clock, Metrics* metrics,
                RunnerOptions options = {});

  // campaigns
  absl::StatusOr<blend::v1::PutCampaignResponse> PutCampaign(
      const blend::v1::Campaign& campaign, std::vector<journey::ValidationProblem>* problems);
  absl::StatusOr<blend::v1::Campaign> GetCampaign(const std::string& campaign_id, int32_t version);

  // starts
  absl::StatusOr<blend::v1::StartJourneyResponse> StartJourney(
      const blend::v1::StartJourneyRequest& request);
  // One result per request, in order; the whole batch commits in one transaction (rows that
  // fail validation are rejected without aborting the others).
  std::vector<blend::v1::StartJourneyResult> StartBatch(
      const std::vector<blend::v1::StartJourneyRequest>& requests);

  // triggers
  absl::StatusOr<blend::v1::SendCustomerEventResponse> ApplyCustomerEvent(
      const blend::v1::CustomerEvent& event);
  // kNotFound / kInvalidArgument: dead-letter the message. A redelivery (same message id or
  // a touch already completed) is OK and changes nothing.
  absl::Status ApplyDisposition(const std::string& message_id,
                                const blend::v1::Disposition& disposition);
  // A consumed bus message (event_applier.h).
  using BusEvent = orchestrator::BusEvent;
  // Applies several messages in ONE transaction (one commit, one fsync); runs of consecutive
  // ordinary dispositions (disposition_batch.h) and of consecutive ordinary customer events
  // (customer_event_batch.h, one per customer) set-wise, the other messages one by one in
  // their place. Returns one status per event: OK (applied or duplicate), kNotFound /
  // kInvalidArgument (nothing written: dead-letter it). Any other failure aborts the whole
  // batch and is returned: retry the events one by one.
  absl::StatusOr<std::vector<absl::Status>> ApplyEvents(const std::vector<BusEvent>& events);
  absl::StatusOr<blend::v1::Journey> CancelJourney(const std::string& journey_id,
                                                   const std::string& reason);
  // Fires up to one batch of due timers with a fixed number of statements for the whole batch
  // (timer_firing.h); returns how many fired. A journey that cannot be stepped has its timer
  // postponed by a minute and does not hold the others back.
  absl::StatusOr<int> FireDueTimers();

  // reads
  absl::StatusOr<blend::v1::Journey> GetJourney(const std::string& journey_id, bool history);
  absl::StatusOr<blend::v1::ListJourneysResponse> ListJourneys(
      const blend::v1::ListJourneysRequest& request);
  // Campaign of a journey (for authorisation); kNotFound.
  absl::StatusOr<std::string> CampaignOfJourney(const std::string& journey_id);

  // engagement profiles (engagement_runner.cc)
  // Applies import rows in ONE transaction (idempotent by row key; customers' profiles are
  // locked in id order). Adds the counts to `response`; invalid rows are rejected there.
  absl::Status ImportInteractions(const std::vector<blend::v1::ImportInteractionRequest>& rows,
                                  blend::v1::ImportInteractionsResponse& response);
  // kNotFound for a customer without history.
  absl::StatusOr<blend::v1::Engagement> GetEngagement(const std::string& customer_id);

  // the touch claim fence (TouchService)
  // `bus_copy`: the touch message as the worker read it from Kafka (ClaimTouchRequest.touch);
  // a field it sets that differs from the stored touch makes the answer DECISION_NOT_ISSUED,
  // as does an unknown touch id. GRANTED (and a re-claim answered ALREADY_CLAIMED) carries the
  // stored touch: what the worker sends.
  absl::StatusOr<blend::v1::ClaimTouchResponse> ClaimTouch(
      const std::string& touch_id, const std::string& worker_id,
      const blend::v1::TouchCommand& bus_copy = blend::v1::TouchCommand());
  // Many claims in ONE transaction (TouchService.ClaimTouches, touch_claim.cc): one
  // answer per claim, in request order, each what ClaimTouch would answer; journeys are
  // locked in id order. kInvalidArgument for more than kMaxClaimBatch claims or a claim
  // without touch_id; any other error fails the whole batch (nothing of it is committed).
  static constexpr int kMaxClaimBatch = 256;
  absl::StatusOr<blend::v1::ClaimTouchesResponse> ClaimTouches(
      const blend::v1::ClaimTouchesRequest& request);
  // Read-only: may this claimed (or sent) touch be dialed now? Same fence as ClaimTouch.
  absl::StatusOr<blend::v1::CheckTouchResponse> CheckTouch(const std::string& touch_id);

  // the consent record (ConsentService; consent_runner.cc)
  // Records a suppression (normalised; InvalidArgument with the reason) and withdraws, in the
  // same transaction, the queued voice contacts it blocks.
  absl::StatusOr<blend::v1::PutSuppressionResponse> PutSuppression(
      const blend::v1::Suppression& suppression);
  // One result per row, in order, in ONE transaction; invalid rows are rejected with a reason.
  std::vector<blend::v1::ImportSuppressionResult> ImportSuppressions(
      const std::vector<blend::v1::ImportSuppressionRequest>& rows);
  absl::StatusOr<blend::v1::Consent> GetConsent(const std::string& customer_id,
                                                const std::string& address);
  absl::StatusOr<blend::v1::ListSuppressionsResponse> ListSuppressions(
      const blend::v1::ListSuppressionsRequest& request);
  // kNotFound for an unknown (or already removed) id.
  absl::StatusOr<blend::v1::RemoveSuppressionResponse> RemoveSuppression(
      const std::string& suppression_id, const std::string& removed_by, const std::string& why);

  const Clock& clock() const { return ctx_.clock(); }
  store::ConnectionPool& pool() { return ctx_.pool(); }

 private:
  std::vector<blend::v1::StartJourneyResult> StartBatchOnce(
      const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Status* tx_status);
  blend::v1::Journey ToProto(const pg::JourneyRow& row) const;
  RunnerContext ctx_;  // pool, clock, metrics, options; Transact
  CampaignCache campaigns_;
  JourneyStepper stepper_;  // parse, facts, effects, writes (over a PgJourneyStore of the tx)
  EngagementRecorder engagement_;  // the profile changes of dispositions and customer events
  EventApplier events_{stepper_, engagement_};  // ApplyDisposition, ApplyCustomerEvent, ApplyEvents
  TouchFence fence_{stepper_};  // ClaimTouch, ClaimTouches, CheckTouch (touch_claim.cc)
};

blend::v1::Suppression SuppressionToProto(const consent::Record& record);
// Validated and normalised; recorded_at = now.
absl::StatusOr<consent::Record> SuppressionFromProto(const blend::v1::Suppression& suppression,
                                                     absl::Time now);

}  // namespace blend::orchestrator
