#pragma once

// Genesys outbound wrap-up codes and opt-out keywords, mapped to what a journey understands.

#include <optional>
#include <string>
#include <string_view>

#include "blend/v1/common.pb.h"

namespace blend::worker {

struct MappedCallOutcome {
  v1::TouchOutcome outcome;  // CALL_COMPLETED, or DNC_ACTIVE for the dialer's DNC scrub
  bool answered;             // a person took the call (an agent wrap-up code)
};

// System wrap-up codes start with "ININ-OUTBOUND-"; anything else was chosen by an agent,
// which means the call was answered. The dialer's own DNC scrub result maps to DNC_ACTIVE.
MappedCallOutcome MapWrapupCode(std::string_view wrapup_code);

// The opt-out keyword an inbound SMS is, upper-case ("STOP", "OPT OUT"), or nullopt: the whole
// message, in any case, with spaces and punctuation around it ("stop!", "\"Stop\"", "(QUIT)",
// "¡STOP!") and a hyphen, underscore or spaces inside OPT OUT, is STOP, STOPALL, UNSUBSCRIBE,
// CANCEL, END, QUIT, REVOKE or OPT OUT (CTIA keywords plus the FCC's 2025 revocation words).
// Anything more ("stop it", "STOPPED") is a reply, not an opt-out.
std::optional<std::string> OptOutKeyword(std::string_view message);
bool IsOptOutKeyword(std::string_view message);

}  // namespace blend::worker
