// CancelJourney (journey_cancel.h).

#include "blend/orchestrator/journey_cancel.h"

#include "blend/common/status_macros.h"

namespace blend::orchestrator {

absl::StatusOr<JourneyRow> CancelJourney(JourneyStore& store, JourneyStepper& stepper,
                                         const std::string& journey_id, const std::string& reason,
                                         absl::Time now, TxNotes& notes) {
  BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper.LoadLocked(store, journey_id));
  if (j.row.status == journey::JourneyStatus::kRunning) {
    BLEND_RETURN_IF_ERROR(stepper.StepOne(
        store, j, journey::CancelTrigger{reason.empty() ? "cancelled" : reason}, now, notes));
  }
  return j.row;
}

}  // namespace blend::orchestrator
