#include "blend/blendctl/exit_codes.h"

#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

struct Case {
  grpc::StatusCode code;
  int exit_code;
  const char* name;
};

class ExitCodeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExitCodeTest, MapsStatusToDocumentedExitCode) {
  EXPECT_EQ(ExitCodeFor(GetParam().code), GetParam().exit_code) << GetParam().name;
  EXPECT_STREQ(StatusCodeName(GetParam().code), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, ExitCodeTest,
    ::testing::Values(Case{grpc::StatusCode::OK, 0, "OK"},
                      Case{grpc::StatusCode::INVALID_ARGUMENT, 1, "INVALID_ARGUMENT"},
                      Case{grpc::StatusCode::ALREADY_EXISTS, 1, "ALREADY_EXISTS"},
                      Case{grpc::StatusCode::FAILED_PRECONDITION, 1, "FAILED_PRECONDITION"},
                      Case{grpc::StatusCode::OUT_OF_RANGE, 1, "OUT_OF_RANGE"},
                      Case{grpc::StatusCode::NOT_FOUND, 3, "NOT_FOUND"},
                      Case{grpc::StatusCode::UNAVAILABLE, 4, "UNAVAILABLE"},
                      Case{grpc::StatusCode::DEADLINE_EXCEEDED, 4, "DEADLINE_EXCEEDED"},
                      Case{grpc::StatusCode::UNAUTHENTICATED, 5, "UNAUTHENTICATED"},
                      Case{grpc::StatusCode::PERMISSION_DENIED, 5, "PERMISSION_DENIED"},
                      Case{grpc::StatusCode::INTERNAL, 5, "INTERNAL"},
                      Case{grpc::StatusCode::ABORTED, 5, "ABORTED"},
                      Case{grpc::StatusCode::RESOURCE_EXHAUSTED, 5, "RESOURCE_EXHAUSTED"},
                      Case{grpc::StatusCode::UNIMPLEMENTED, 5, "UNIMPLEMENTED"},
                      Case{grpc::StatusCode::CANCELLED, 5, "CANCELLED"},
                      Case{grpc::StatusCode::UNKNOWN, 5, "UNKNOWN"}));

TEST(ExitCodeConstantsTest, DistinctAndStable) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitInvalid, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitNotFound, 3);
  EXPECT_EQ(kExitUnavailable, 4);
  EXPECT_EQ(kExitServer, 5);
}

}  // namespace
}  // namespace blend::blendctl
