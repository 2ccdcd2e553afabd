#pragma once

// Unguessable touch ids. The interpreter (libs/journey) names a touch `<journey>/<state>/<n>`:
// deterministic, so a replayed step emits the same touch, but guessable. Workers, Kafka, the
// claim fence and Genesys see the public id instead:
//
//   <journey id>/<first 32 hex digits of HMAC-SHA256(key, interpreter's touch id)>
//
// under the installation's secret (migration 0018). Still deterministic (emission stays
// idempotent and replay-deterministic), 128 unguessable bits, and the journey id prefix keeps
// logs and reports readable. The interpreter keeps its own names: the orchestrator translates
// at the boundary (effects out, dispositions in). Pure functions.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "blend/journey/interpreter.h"

namespace blend::orchestrator {

// The public id of the interpreter's touch `step_touch_id` of journey `journey_id`.
std::string PublicTouchId(std::string_view key, std::string_view journey_id,
                          std::string_view step_touch_id);

// The interpreter's name of the touch whose public id is `public_id`, among the touches the
// journey's runs wait for; nullopt when no run waits for it (finished, superseded, unknown).
std::optional<std::string> StepTouchIdOf(std::string_view key, const journey::JourneyState& state,
                                         std::string_view public_id);

// A history detail with its "touchId" (the interpreter's name) replaced by the public id, so
// GetJourney shows the ids the bus and the dispositions carry.
nlohmann::json WithPublicTouchId(std::string_view key, std::string_view journey_id,
                                 nlohmann::json detail);

}  // namespace blend::orchestrator
