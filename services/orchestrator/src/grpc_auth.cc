#include "blend/orchestrator/grpc_auth.h"

#include <fstream>
#include <sstream>

#include <grpcpp/security/auth_context.h>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"

namespace blend::orchestrator {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " file ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls) {
  if (tls.cert_file.empty() && tls.key_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca-file needs --tls-cert-file and --tls-key-file (mTLS is TLS)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both --tls-cert-file and --tls-key-file");
  }
  grpc::SslServerCredentialsOptions opts;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  BLEND_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(tls.cert_file, "TLS certificate"));
  BLEND_ASSIGN_OR_RETURN(pair.private_key, ReadPem(tls.key_file, "TLS key"));
  opts.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    BLEND_ASSIGN_OR_RETURN(opts.pem_root_certs, ReadPem(tls.client_ca_file, "client CA"));
    opts.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(opts);
}

absl::StatusOr<Principal> AuthenticateCall(Authenticator& auth, const grpc::ServerContext& ctx) {
  std::string authorization;
  const auto& md = ctx.client_metadata();
  if (auto it = md.find("authorization"); it != md.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  bool peer_verified = false;
  if (auto ac = ctx.auth_context(); ac != nullptr && ac->IsPeerAuthenticated()) {
    // With REQUIRE_AND_VERIFY the handshake only succeeds for verified certificates.
    peer_verified = !ac->FindPropertyValues("x509_pem_cert").empty();
  }
  return auth.Authenticate(authorization, peer_verified);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace blend::orchestrator
