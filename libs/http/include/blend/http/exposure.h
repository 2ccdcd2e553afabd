#pragma once

// What a server may expose where: a secret with a public default (the demo keys in the
// README, the Kubernetes example) or an empty one protects nothing, so it is accepted only on
// a loopback address, where no one else can connect.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "blend/common/secret.h"

namespace blend::http {

// OK when `address` is loopback or `secret` is neither empty nor `demo_value`; otherwise
// kFailedPrecondition naming `flag` (e.g. "webhook-secret") and its BLEND_* variable.
absl::Status CheckSecretForAddress(std::string_view address, const Secret& secret,
                                   std::string_view demo_value, std::string_view flag);

}  // namespace blend::http
