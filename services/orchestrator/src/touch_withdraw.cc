// Withdrawals: taking a voice touch's contact back out of the Genesys dialer.
//
// A voice touch goes pending -> claimed (the dialer got the grant and inserts the contact into
// a Genesys contact list) -> sent (contact inserted, no call yet) -> done (the call outcome).
// Between the claim and the call outcome Genesys may dial the customer at any moment. When the
// journey ends (payment, cancel, failure, timeout) or the customer's voice channel becomes
// blocked (opt-out, DNC), the orchestrator writes a blend.v1.WithdrawTouch to the outbox in the
// same transaction; the dialer removes the contact (or makes it uncallable) and answers with a
// Disposition (WITHDRAWN, or the real call outcome when Genesys had already dialed).
//
// Which touches: see pg::RequestJourneyVoiceWithdrawals. The rows written: JourneyStepper::
// WriteWithdrawals. A pending or deferred touch is not
// withdrawn: it may already be on the topic, but it is cancelled in the same transaction and
// the claim fence refuses a cancelled touch before the dialer inserts anything.

#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"

namespace blend::orchestrator {

void JourneyRunner::WithdrawJourneyVoiceTouches(pqxx::work& tx, const std::string& journey_id,
                                                const std::string& reason, absl::Time now,
                                                TxNotes& notes) {
  PgJourneyStore store(tx);
  stepper_.WriteWithdrawals(store, pg::RequestJourneyVoiceWithdrawals(tx, journey_id, reason, now),
                            reason, now, notes);
}

}  // namespace blend::orchestrator
