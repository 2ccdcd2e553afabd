// blendctl refuses to send its token in clear off loopback, like the services.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/blendctl/grpc_connection.h"

namespace blend::blendctl {
namespace {

using ::testing::HasSubstr;

TEST(GrpcConnectionTest, TokenToARoutableAddressNeedsTls) {
  ConnectionOptions options;
  options.addr = "orchestrator.example.com:7400";
  options.token = Secret("crm-token");
  auto conn = GrpcConnection::Create(options);
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(conn.status().message(), HasSubstr("bearer tokens (--token)"));
  EXPECT_THAT(conn.status().message(), HasSubstr("set --ca-file"));
  EXPECT_THAT(conn.status().message(), ::testing::Not(HasSubstr("crm-token")));
}

TEST(GrpcConnectionTest, LoopbackOrNoTokenConnectsInClear) {
  ConnectionOptions loopback;
  loopback.token = Secret("crm-token");
  EXPECT_TRUE(GrpcConnection::Create(loopback).ok());
  ConnectionOptions no_token;
  no_token.addr = "orchestrator.example.com:7400";
  EXPECT_TRUE(GrpcConnection::Create(no_token).ok());
}

}  // namespace
}  // namespace blend::blendctl
