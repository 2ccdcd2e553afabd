#pragma once

// The transactional shell around the pure interpreter (libs/journey). Every trigger — start,
// timer fired, disposition, customer event, cancel — is applied in ONE PostgreSQL transaction:
// lock the journey row -> journey::Step -> write the new state, history, touches, outbox rows
// and timers (and the processed message id) -> commit. Nothing is published here: the outbox
// relay does that after commit. Each operation runs in RunnerContext::Transact
// (runner_context.h), which also records its metrics once it committed.
//
// Thread-safe: every call borrows its own connection; concurrent triggers of one journey
// serialise on its row lock. Status codes: kNotFound (unknown campaign / journey / touch),
// kInvalidArgument (bad request), kAlreadyExists (client key reused with another input),
// kAborted (version conflict: retry), kUnavailable (database), kInternal.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/common/clock.h"
#include "blend/consent/consent_store.h"
#include "blend/engagement/profile.h"
#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"
#include "blend/orchestrator/engagement_recorder.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/metrics.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/store/connection_pool.h"
#include "blend/v1/bus.pb.h"
#include "blend/v1/consent_service.pb.h"
#include "blend/v1/engagement_service.pb.h"
#include "blend/v1/journey_service.pb.h"
#include "blend/v1/touch_service.pb.h"

namespace blend::orchestrator {

class PauseGate;  // campaign_pause.h

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
  // A consumed bus message: a disposition or a customer event, with its envelope id.
  struct BusEvent {
    std::string message_id;
    std::variant<blend::v1::Disposition, blend::v1::CustomerEvent> payload;
  };
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
  // Many claims in ONE transaction (TouchService.ClaimTouches, touch_claim_batch.cc): one
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
  using Loaded = LoadedJourney;
  absl::StatusOr<Loaded> Load(pqxx::work& tx, const std::string& journey_id, pg::Lock lock);
  // A journey row already read: its customer, campaign and state parsed.
  absl::StatusOr<Loaded> Parse(pqxx::work& tx, pg::JourneyRow row);
  // Steps a loaded (locked) journey with `trigger` and writes everything.
  absl::Status Apply(pqxx::work& tx, Loaded& j, const journey::Trigger& trigger, absl::Time now,
                     TxNotes& notes);
  journey::CustomerFacts BuildFacts(pqxx::work& tx, const journey::CompiledCampaign& campaign,
                                    const blend::v1::Customer& customer, absl::Time since,
                                    absl::Time now, bool load_attributes,
                                    const std::optional<nlohmann::json>& engagement_facts);
  // Dispositions as a batch (disposition_batch.h). Whether ApplyEvents may apply `event` in a
  // batch: a disposition with a touch id whose outcome writes nothing but the touch, the
  // profile and the journey's step (not WITHDRAWN, DNC_ACTIVE or OPTED_OUT, which touch the
  // consent record or a done touch: those go one by one).
  static bool AppliesInBatch(const BusEvent& event);
  // Applies such dispositions, in order, with ApplyDispositionBatch (disposition_batch.h) on
  // a PgJourneyStore of `tx`; `results` gets one status per event (OK, or kNotFound: nothing
  // written for it). Any error returned aborts the transaction.
  absl::Status DispositionBatchInTx(pqxx::work& tx, const std::vector<const BusEvent*>& events,
                                    absl::Time now, TxNotes& notes,
                                    std::vector<absl::Status>& results);
  // The installation's touch id key (migration 0018), read once. Throws when it is missing.
  std::string TouchKey(pqxx::work& tx);
  std::vector<blend::v1::StartJourneyResult> StartRows(
      pqxx::work& tx, const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Time now,
      TxNotes& notes, std::vector<absl::Status>& row_status);
  std::vector<blend::v1::StartJourneyResult> StartBatchOnce(
      const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Status* tx_status);
  absl::StatusOr<blend::v1::ClaimTouchResponse> ClaimInTx(pqxx::work& tx,
                                                          const std::string& touch_id,
                                                          const std::string& worker_id,
                                                          const blend::v1::TouchCommand& bus_copy,
                                                          absl::Time now, TxNotes& notes);
  // The fence shared by ClaimTouch and CheckTouch: journey running and still waiting on the
  // touch, no suppression, inside the calling window and the caps. Writes nothing.
  struct FenceVerdict {
    enum class Kind { kPass, kRefuse, kDefer };
    Kind kind = Kind::kPass;
    std::string reason;
    absl::Time send_at;  // kDefer: the allowed moment
    Channel channel = Channel::kSms;
  };
  absl::StatusOr<FenceVerdict> Fence(pqxx::work& tx, const Loaded& j, const pg::TouchRow& touch,
                                     bool own_claim_counted, absl::Time now);
  absl::StatusOr<blend::v1::CheckTouchResponse> CheckInTx(pqxx::work& tx,
                                                          const std::string& touch_id,
                                                          absl::Time now);
  absl::Status DispositionInTx(pqxx::work& tx, const std::string& message_id,
                               const blend::v1::Disposition& d, absl::Time now, TxNotes& notes);
  absl::StatusOr<blend::v1::SendCustomerEventResponse> CustomerEventInTx(
      pqxx::work& tx, const blend::v1::CustomerEvent& ev, absl::Time now, TxNotes& notes);
  absl::Status RecordOutcomeSuppression(pqxx::work& tx, const blend::v1::Disposition& d,
                                        const blend::v1::Customer& customer, absl::Time now,
                                        TxNotes& notes);
  // The one write path of a suppression (consent_runner.cc): consent::pg::Put, then a
  // withdrawal of every queued voice contact of a journey whose voice channel it now blocks
  // (per the journey's campaign optOutScope).
  consent::pg::PutResult RecordSuppressionInTx(pqxx::work& tx, const consent::Record& record,
                                               absl::Time now, TxNotes& notes);
  // Withdrawals (touch_withdraw.cc): a WithdrawTouch in the outbox, in the caller's
  // transaction, for every voice touch of the journey whose contact may be queued in Genesys
  // and that has none yet (pg::RequestJourneyVoiceWithdrawals). A suppression finds the
  // journeys it blocks first (RecordSuppressionInTx).
  void WithdrawJourneyVoiceTouches(pqxx::work& tx, const std::string& journey_id,
                                   const std::string& reason, absl::Time now, TxNotes& notes);
  blend::v1::Journey ToProto(const pg::JourneyRow& row) const;
  // Engagement updates, inside the trigger's transaction (after the journey row locks: the
  // profile row is always the last lock taken).
  // Both leave the updated facts in the journey(s) for the step that follows.
  void RecordDispositionEngagement(pqxx::work& tx, const blend::v1::Disposition& d,
                                   blend::v1::Channel touch_channel, Loaded& j, absl::Time now);
  void RecordEventEngagement(pqxx::work& tx, const blend::v1::CustomerEvent& ev,
                             std::vector<Loaded>& journeys, absl::Time now, TxNotes& notes);

  RunnerContext ctx_;  // pool, clock, metrics, options; Transact
  CampaignCache campaigns_;
  JourneyStepper stepper_;  // parse, facts, effects, writes (over a PgJourneyStore of the tx)
  EngagementRecorder engagement_;  // the profile changes of disposition batches
};

// The consent records in force about any of these customers (id, phone, email).
std::vector<consent::Record> FindConsent(pqxx::work& tx,
                                         const std::vector<blend::v1::Customer>& customers,
                                         absl::Time now);
// Sets the suppression facts of `facts` from the records about `customer`, with the campaign's
// optOutScope.
void ApplyConsent(const std::vector<consent::Record>& records, const blend::v1::Customer& customer,
                  const journey::CompiledCampaign& campaign, absl::Time now,
                  journey::CustomerFacts& facts);
blend::v1::Suppression SuppressionToProto(const consent::Record& record);
// Validated and normalised; recorded_at = now.
absl::StatusOr<consent::Record> SuppressionFromProto(const blend::v1::Suppression& suppression,
                                                     absl::Time now);

// The facts object of a stored profile (libs/engagement FactsJson); null when unreadable.
nlohmann::json EngagementFactsOf(const std::string& profile_json);

// Validates and normalises a start request before any database work (phone to E.164,
// e-mail lower-cased). InvalidArgument with a reason for the caller.
absl::Status NormalizeStartRequest(blend::v1::StartJourneyRequest& request);

}  // namespace blend::orchestrator
