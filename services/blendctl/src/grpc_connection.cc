#include "blend/blendctl/grpc_connection.h"

#include "absl/time/clock.h"
#include "blend/common/transport_security.h"
#include "file_util.h"

namespace blend::blendctl {

absl::StatusOr<std::unique_ptr<GrpcConnection>> GrpcConnection::Create(
    const ConnectionOptions& options) {
  // The same rule as the services': a bearer token leaves this machine only inside TLS.
  if (absl::Status st = CheckTokensTravelOverTls(options.addr, !options.ca_file.empty(),
                                                 !options.token.empty(), "--token", "--ca-file");
      !st.ok()) {
    return st;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.ca_file.empty()) {
    std::optional<std::string> roots = ReadWholeFile(options.ca_file);
    if (!roots) {
      return absl::InvalidArgumentError("cannot read --ca-file " + options.ca_file);
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *roots;
    credentials = grpc::SslCredentials(ssl);
  }
  auto channel = grpc::CreateChannel(options.addr, credentials);
  return std::unique_ptr<GrpcConnection>(new GrpcConnection(options, std::move(channel)));
}

GrpcConnection::GrpcConnection(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(blend::v1::JourneyService::NewStub(channel_)),
      engagement_stub_(blend::v1::EngagementService::NewStub(channel_)),
      consent_stub_(blend::v1::ConsentService::NewStub(channel_)),
      campaign_stub_(blend::v1::CampaignService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> GrpcConnection::NewContext(bool with_deadline) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (with_deadline) ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.token.empty()) {
    ctx->AddMetadata("authorization", "Bearer " + options_.token.Reveal());
  }
  return ctx;
}

}  // namespace blend::blendctl
