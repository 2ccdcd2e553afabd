#pragma once

// Message text for SMS and email, rendered from a touch's parameters with a deliberately tiny
// syntax: `{{name}}` or `{{customer.firstName}}` substitutes a value (strings as they are,
// numbers and booleans in JSON form); `{{{{` writes a literal `{{`. No conditionals, loops,
// helpers or code: a campaign author cannot make a worker execute anything. (A full Mustache
// engine would add features we do not want in a collections message, so this is hand-written.)

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace blend::worker {

// kInvalidArgument naming the placeholder when a value is missing, is an object/array, or a
// `{{` is not closed: a message with a hole in it is never sent.
absl::StatusOr<std::string> RenderTemplate(std::string_view text, const nlohmann::json& values);

}  // namespace blend::worker
