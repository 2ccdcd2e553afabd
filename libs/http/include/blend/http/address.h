#pragma once

// Listening addresses of Blend's HTTP servers: "host:port" as the --*-addr flags take them.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace blend::http {

// Splits "host:port" ("127.0.0.1:9400", "[::1]:0", "0.0.0.0:7481"); the port must be a number
// 0..65535 (0: any free port). IPv6 brackets are removed from the host.
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(const std::string& address);

// Whether an address is loopback: blend::IsLoopbackHostPort (blend/common/transport_security.h).

}  // namespace blend::http
