// GenesysClient over the in-memory FakeHttpTransport: request shape and response mapping
// details that need no socket.

#include "absl/strings/match.h"
#include "blend/common/clock.h"
#include "blend/genesys/client.h"
#include "blend/genesys/testing/fake_http_transport.h"
#include "gtest/gtest.h"

namespace blend::genesys {
namespace {

using testing::FakeHttpTransport;

class FakeTransportTest : public ::testing::Test {
 protected:
  std::unique_ptr<GenesysClient> MakeClient() {
    GenesysClientConfig config;
    config.region = "eu-central-1";
    config.client_id = "id";
    config.client_secret = Secret("secret");
    config.request_timeout = absl::Milliseconds(1500);
    return GenesysClient::Create(config, transport_, clock_).value();
  }
  AgentlessSmsRequest Sms() { return {"+18005550199", "+12015550123", "hello"}; }

  FakeClock clock_;
  FakeHttpTransport transport_;
};

TEST_F(FakeTransportTest, RequestsGoToRegionHostsWithConfiguredTimeout) {
  transport_.PushToken("t1");
  auto client = MakeClient();
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "https://login.mypurecloud.de/oauth/token");
  EXPECT_EQ(requests[1].url, "https://api.mypurecloud.de/api/v2/conversations/messages/agentless");
  EXPECT_EQ(requests[1].method, HttpMethod::kPost);
  EXPECT_EQ(requests[1].timeout, absl::Milliseconds(1500));
  EXPECT_FALSE(requests[1].follow_redirects);
}

TEST_F(FakeTransportTest, RetryAfterAsHttpDateIsRelativeToTheClock) {
  transport_.PushToken("t1");
  clock_.Set(absl::FromUnixSeconds(1795719600));  // Thu, 26 Nov 2026 19:00:00 GMT
  HttpResponse throttled{429, {{"retry-after", "Thu, 26 Nov 2026 19:00:30 GMT"}}, "{}"};
  transport_.Push(throttled);
  auto client = MakeClient();
  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->retry_after, absl::Seconds(30));
}

TEST_F(FakeTransportTest, MissingRetryAfterFallsBackToRateLimitReset) {
  transport_.PushToken("t1");
  transport_.Push(HttpResponse{429, {{"inin-ratelimit-reset", "12"}}, "{}"});
  auto client = MakeClient();
  auto err = GetGenesysError(client->SendAgentlessSms(Sms()).status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->retry_after, absl::Seconds(12));
}

TEST_F(FakeTransportTest, SuccessWithUnparseableBodyIsInternalNotRetryable) {
  transport_.PushToken("t1");
  transport_.Push(HttpResponse{200, {}, "<html>"});
  auto client = MakeClient();
  EXPECT_EQ(client->SendAgentlessSms(Sms()).status().code(), absl::StatusCode::kInternal);
}

TEST_F(FakeTransportTest, TransportFailureKeepsItsGenesysErrorAndGainsTheEndpoint) {
  transport_.PushToken("t1");
  GenesysError transport_error;
  transport_error.transport_error = "timeout";
  transport_error.outcome_unknown = true;
  transport_.Push(AttachGenesysError(absl::UnavailableError("timed out"), transport_error));
  auto client = MakeClient();
  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "agentless_sms"));
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->endpoint, "agentless_sms");
  EXPECT_TRUE(err->outcome_unknown);
}

TEST_F(FakeTransportTest, DownloadFromForeignHostCarriesNoToken) {
  transport_.Push(HttpResponse{200, {}, "phone\n+12015550123\n"});
  auto client = MakeClient();
  auto file = client->DownloadDncExport("https://bucket.example.com/export.csv?sig=abc");
  ASSERT_TRUE(file.ok()) << file.status();
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 1u);  // no token request either
  EXPECT_TRUE(requests[0].follow_redirects);
  for (const auto& [name, value] : requests[0].headers) EXPECT_NE(name, "Authorization");
}

}  // namespace
}  // namespace blend::genesys
