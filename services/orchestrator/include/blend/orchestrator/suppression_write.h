#pragma once

// The one write path every suppression takes (ConsentService puts and imports, opt-out customer
// events, opt-out and DNC dispositions), over a JourneyStore: the record, then, in the same
// transaction, the withdrawal of every voice contact still queued in Genesys that the new
// record blocks (as a payment's end of the journey does). JourneyRunner runs it inside its
// transactions; the unit tests (suppression_write_test.cc) on InMemoryJourneyStore.

#include <string>

#include "absl/time/time.h"
#include "blend/consent/consent.h"
#include "blend/journey/campaign.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/runner_context.h"
#include "blend/orchestrator/store_rows.h"
#include "blend/v1/common.pb.h"

namespace blend::orchestrator {

// Records `record` (normalised; JourneyStore::PutSuppression) and withdraws the voice contacts
// it now blocks: per journey of the customer with such a contact, whether it blocks voice
// depends on the journey's customer and its campaign's optOutScope. A journey whose customer or
// campaign cannot be read is logged and skipped. The record's reason is noted in
// notes.suppressions.
SuppressionPut RecordSuppression(JourneyStore& store, JourneyStepper& stepper,
                                 const consent::Record& record, absl::Time now, TxNotes& notes);

// Whom a record may be about: the customer's id, phone and e-mail.
consent::Subject SubjectOf(const blend::v1::Customer& customer);
// The campaign's optOutScope as the consent record's.
consent::OptOutScope ScopeOf(const journey::CompiledCampaign& campaign);

}  // namespace blend::orchestrator
