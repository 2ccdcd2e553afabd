#include "blend/worker/orchestrator_channel.h"

#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "blend/common/transport_security.h"

namespace blend::worker {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || ss.str().empty()) {
    return absl::InvalidArgumentError(std::string("cannot read ") + flag + " " + path);
  }
  return ss.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewOrchestratorChannel(
    const std::string& target, const OrchestratorClientTls& tls) {
  if (!tls.enabled()) return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "an orchestrator client certificate needs both --orchestrator-cert-file and "
        "--orchestrator-key-file");
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    auto ca = ReadPem(tls.ca_file, "--orchestrator-ca-file");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!tls.cert_file.empty()) {
    auto cert = ReadPem(tls.cert_file, "--orchestrator-cert-file");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(tls.key_file, "--orchestrator-key-file");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::CreateChannel(target, grpc::SslCredentials(ssl));
}

absl::Status CheckOrchestratorClientSecurity(const std::string& target,
                                             const OrchestratorClientTls& tls,
                                             const Secret& token) {
  return CheckTokensTravelOverTls(target, tls.enabled(), !token.empty(), "--orchestrator-token",
                                  "--orchestrator-ca-file or --orchestrator-tls");
}

}  // namespace blend::worker
