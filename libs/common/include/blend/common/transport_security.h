#pragma once

// The start-up rule for bearer tokens: a token sent (or accepted) without TLS is readable by
// anyone on the path, so off loopback it needs TLS. Shared by the orchestrator's server and
// every client of it (workers, the dialer's dial-time check).

#include <string_view>

#include "absl/status/status.h"

namespace blend {

// Whether a "host:port" listen address or gRPC target stays on this machine: 127.0.0.0/8,
// localhost, [::1], a unix: socket. The scheme of a gRPC target (dns:///, ipv4:, ipv6:) is
// ignored. Anything else, 0.0.0.0 and [::] included, is not.
bool IsLoopbackHostPort(std::string_view host_port);

// OK unless `tokens` travel to or from the non-loopback `address` without `tls`; then
// kFailedPrecondition saying which flag carries the tokens and which flags turn TLS on, e.g.
//   "refusing to start: bearer tokens (--orchestrator-token) would cross 10.0.0.5:7400 in
//    plaintext; set --orchestrator-ca-file (TLS) or use a loopback address such as 127.0.0.1".
absl::Status CheckTokensTravelOverTls(std::string_view address, bool tls, bool tokens,
                                      std::string_view tokens_flag, std::string_view tls_flags);

}  // namespace blend
