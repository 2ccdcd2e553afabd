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

// "127.0.0.1:7481", "127.1.2.3:0", "localhost:80", "[::1]:7481": only this machine can connect,
// so a server there may run without credentials or with the demo secrets. Anything else
// (0.0.0.0, ::, a hostname, a routable address) is reachable from elsewhere.
bool IsLoopbackAddress(std::string_view host_port);

}  // namespace blend::http
