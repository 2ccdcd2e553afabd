#include "blend/blendctl/request_size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/v1/journey_service.pb.h"

namespace blend::blendctl {
namespace {

using ::testing::HasSubstr;

TEST(RequestSizeTest, AcceptsUpToTheLimitAndRejectsBeyondWithBothSizes) {
  blend::v1::StartJourneyRequest req;
  req.mutable_customer()->set_customer_id(std::string(1000, 'c'));
  const auto size = static_cast<int64_t>(req.ByteSizeLong());
  EXPECT_TRUE(CheckRequestSize(req, size).ok());
  absl::Status over = CheckRequestSize(req, size - 1);
  EXPECT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(over.message()),
              HasSubstr(std::to_string(size) + "-byte request over the " +
                        std::to_string(size - 1) + "-byte gRPC message limit"));
}

TEST(RequestSizeTest, DefaultIsGrpcsDefaultReceiveLimit) {
  EXPECT_EQ(kDefaultMaxMessageBytes, 4 * 1024 * 1024);
}

}  // namespace
}  // namespace blend::blendctl
