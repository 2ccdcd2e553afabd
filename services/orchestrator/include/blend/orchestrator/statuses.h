#pragma once

// The status vocabularies the orchestrator stores, each with ONE mapping to its stored form.
// Why: the touch status was a free string compared against literals in five files ("sent",
// "done", ...), so a typo compiled and silently never matched; the journey status name was cut
// out of the proto enum name in two places. Code now compares enums; only this file knows the
// text the `touches.status` column holds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace blend::orchestrator {

// touches.status (migration 0002): the life of one touch.
enum class TouchStatus {
  kPending,    // emitted, not claimed yet (the outbox row may be on Kafka)
  kClaimed,    // a worker got the grant
  kRefused,    // the claim fence refused it
  kDeferred,   // re-queued for later (quiet hours, caps) or held by a campaign pause
  kSent,       // voice: the contact is in the Genesys list, no call outcome yet
  kDone,       // the outcome arrived (reason = its TouchOutcome name)
  kCancelled,  // the journey moved on before it was claimed
};

// The column text ("pending", "claimed", ...).
std::string_view TouchStatusText(TouchStatus status);
// nullopt for a text this build does not know.
std::optional<TouchStatus> TouchStatusFromText(std::string_view text);

// "RUNNING", "SUCCEEDED", ... for journeys.status (a blend.v1.JourneyStatus number): the name
// used in reasons ("journey finished: SUCCEEDED") and metric labels.
std::string JourneyStatusText(int16_t status);

}  // namespace blend::orchestrator
