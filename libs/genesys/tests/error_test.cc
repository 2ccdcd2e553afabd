#include "blend/genesys/error.h"

#include "gtest/gtest.h"

namespace blend::genesys {
namespace {

TEST(ErrorTest, HttpStatusesMapToRetryPolicyCodes) {
  EXPECT_EQ(StatusCodeForHttp(200), absl::StatusCode::kOk);
  EXPECT_EQ(StatusCodeForHttp(204), absl::StatusCode::kOk);
  EXPECT_EQ(StatusCodeForHttp(429), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeForHttp(500), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(503), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(504), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(408), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(400), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(401), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForHttp(403), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForHttp(404), absl::StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForHttp(409), absl::StatusCode::kAborted);
  EXPECT_EQ(StatusCodeForHttp(418), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeForHttp(302), absl::StatusCode::kUnknown);
}

TEST(ErrorTest, PayloadRoundTripsEveryField) {
  GenesysError in;
  in.endpoint = "agentless_sms";
  in.http_status = 429;
  in.retry_after = absl::Seconds(42);
  in.rate_limit = {300, 300, absl::Seconds(17)};
  in.correlation_id = "corr";
  in.message = "Rate limit exceeded";
  in.code = "too.many.requests.retry.after";
  in.status = 429;
  in.context_id = "ctx";
  absl::Status status = AttachGenesysError(absl::ResourceExhaustedError("429"), in);

  auto out = GetGenesysError(status);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->endpoint, in.endpoint);
  EXPECT_EQ(out->http_status, 429);
  EXPECT_EQ(out->retry_after, absl::Seconds(42));
  EXPECT_EQ(out->rate_limit.count, 300);
  EXPECT_EQ(out->rate_limit.allowed, 300);
  EXPECT_EQ(out->rate_limit.reset, absl::Seconds(17));
  EXPECT_EQ(out->correlation_id, "corr");
  EXPECT_EQ(out->message, in.message);
  EXPECT_EQ(out->code, in.code);
  EXPECT_EQ(out->status, 429);
  EXPECT_EQ(out->context_id, "ctx");
  EXPECT_FALSE(out->outcome_unknown);
}

TEST(ErrorTest, AbsentForOkAndForeignStatuses) {
  EXPECT_FALSE(GetGenesysError(absl::OkStatus()).has_value());
  EXPECT_FALSE(GetGenesysError(absl::UnavailableError("x")).has_value());
  EXPECT_TRUE(AttachGenesysError(absl::OkStatus(), GenesysError{}).ok());
  auto err = GetGenesysError(AttachGenesysError(absl::UnavailableError("x"), GenesysError{}));
  ASSERT_TRUE(err.has_value());
  EXPECT_FALSE(err->retry_after.has_value());
  EXPECT_FALSE(err->rate_limit.count.has_value());
}

}  // namespace
}  // namespace blend::genesys
