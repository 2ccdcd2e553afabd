#pragma once

// The status vocabularies the orchestrator stores, each with ONE mapping to its stored form.
// Why: the touch status was a free string compared against literals in five files ("sent",
// "done", ...), so a typo compiled and silently never matched; the journey status name was cut
// out of the proto enum name in two places. Code now compares enums; only this file knows the
// text the `touches.status` column holds, and the number `journeys.status` holds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "blend/journey/journey_status.h"

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

// journeys.status (a smallint) holds a journey's status as its blend.v1.JourneyStatus number,
// so rows written by earlier builds read the same and the API's numbers are the column's. Code
// holds journey::JourneyStatus; only the stores call these two (through codec.h's ToProto and
// FromProto, the one table of the numbers).
int16_t JourneyStatusCode(journey::JourneyStatus status);
// nullopt for a number this build does not know (a newer schema's).
std::optional<journey::JourneyStatus> JourneyStatusFromCode(int16_t code);
// The number of a running journey, written as a literal (`status = 1`) in the SQL that finds
// running journeys; a static_assert in statuses.cc (the proto number) and statuses_test.cc (the
// mapping) keep the two in step.
inline constexpr int16_t kRunningJourneyCode = 1;

// "RUNNING", "SUCCEEDED", ...: the name used in reasons ("journey finished: SUCCEEDED") and
// metric labels.
std::string JourneyStatusText(journey::JourneyStatus status);

}  // namespace blend::orchestrator
