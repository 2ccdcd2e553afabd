#pragma once

// The gRPC channel from a worker to the orchestrator's TouchService (the claim fence and the
// dialer's dial-time check): plaintext on loopback, TLS or mTLS elsewhere.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "blend/common/secret.h"

// Declared, not included: worker_runtime.h includes this header, and most of its dependants
// never touch the channel (grpcpp/channel.h is for the files that do).
namespace grpc {
class Channel;
}  // namespace grpc

namespace blend::worker {

struct OrchestratorClientTls {
  bool tls = false;         // TLS with the system's trust store (implied by ca_file)
  std::string ca_file{};    // PEM CA that signed the orchestrator's certificate
  std::string cert_file{};  // PEM client certificate (mTLS), with key_file
  std::string key_file{};
  bool enabled() const { return tls || !ca_file.empty() || !cert_file.empty(); }
};

// A channel to `target` with `tls`'s credentials; kInvalidArgument naming the flag when a file
// cannot be read or a certificate comes without its key.
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewOrchestratorChannel(
    const std::string& target, const OrchestratorClientTls& tls);

// The start-up rule (blend/common/transport_security.h) for the worker's side: a service
// token sent to a non-loopback orchestrator needs TLS. The error names --orchestrator-token
// and --orchestrator-ca-file.
absl::Status CheckOrchestratorClientSecurity(const std::string& target,
                                             const OrchestratorClientTls& tls, const Secret& token);

}  // namespace blend::worker
