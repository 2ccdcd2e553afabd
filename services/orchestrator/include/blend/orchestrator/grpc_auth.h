#pragma once

// Adapts Authenticator to gRPC: reads the `authorization` metadata and whether mTLS verified
// the peer, and builds the server credentials (TLS from files, optional client CA for mTLS).

#include <memory>
#include <string>
#include <utility>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "blend/orchestrator/auth.h"

namespace blend::orchestrator {

struct TlsConfig {
  std::string cert_file;       // PEM server certificate chain; empty: plaintext
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA bundle: when set, clients must present a cert (mTLS)
};

// Insecure credentials when cert_file is empty; otherwise SSL credentials from the files.
// InvalidArgument when only one of cert/key is given; NotFound when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls);

// Authenticates the caller of one RPC.
absl::StatusOr<Principal> AuthenticateCall(Authenticator& auth, const grpc::ServerContext& ctx);

// absl::Status -> grpc::Status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reply of an RPC whose answer is `value`: *out = value and OK, or its error as above.
template <typename T>
grpc::Status Assign(absl::StatusOr<T> value, T* out) {
  if (!value.ok()) return ToGrpcStatus(value.status());
  *out = *std::move(value);
  return grpc::Status::OK;
}

}  // namespace blend::orchestrator
