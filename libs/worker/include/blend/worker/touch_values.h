#pragma once

// What a message template may refer to: the touch's parameters (the Task's Parameters after
// path resolution) at the top level, plus `customer` (customerId, phone, email, and the CRM's
// attributes) and `touch` (touchId, journeyId, campaignId). A parameter named "customer" or
// "touch" wins over the built-in one.
//
//   parameters {"text": "Hi {{customer.firstName}}, {{amount}} is due"} renders with
//   customer.attributes.firstName reachable as {{customer.firstName}}.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "blend/v1/bus.pb.h"
// Declarations only: the senders include this header, and only touch_values.cc builds JSON.
#include "nlohmann/json_fwd.hpp"

namespace blend::worker {

nlohmann::json TouchValues(const v1::TouchCommand& touch);

// Renders the template held in string parameter `name` against TouchValues(touch).
// kInvalidArgument when the parameter is missing (and `required`), not a string, or the
// template does not render (see RenderTemplate); "" when optional and missing.
absl::StatusOr<std::string> RenderParameter(const v1::TouchCommand& touch, std::string_view name,
                                            bool required);

}  // namespace blend::worker
