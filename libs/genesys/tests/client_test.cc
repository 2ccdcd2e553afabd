// GenesysClient against a real loopback HTTP server (GenesysImposter) through CurlTransport.

#include "blend/genesys/client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "blend/common/clock.h"
#include "blend/genesys/curl_transport.h"
#include "blend/genesys/metrics.h"
#include "blend/genesys/testing/genesys_imposter.h"
#include "blend/genesys/testing/request_metrics.h"
#include "blend/telemetry/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace blend::genesys {
namespace {

using testing::CannedResponse;
using ::testing::ElementsAre;
using testing::ErrorBody;
using testing::GenesysImposter;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kSmsPath[] = "/api/v2/conversations/messages/agentless";
constexpr char kEmailPath[] = "/api/v2/conversations/emails/agentless";
constexpr char kSmsOk[] =
    R"({"id":"msg-1","conversationId":"conv-1","fromAddress":"+18005550199",)"
    R"("toAddress":"+12015550123","messengerType":"sms","textBody":"Your invoice is due",)"
    R"("timestamp":"2026-11-26T19:00:00.123Z","selfUri":"/api/v2/conversations/messages/msg-1"})";

AgentlessSmsRequest Sms(std::string to = "+12015550123") {
  return {"+18005550199", std::move(to), "Your invoice is due"};
}

class GenesysClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto transport = CurlTransport::Create();
    ASSERT_TRUE(transport.ok()) << transport.status();
    transport_ = *std::move(transport);
    imposter_.SetDefault("POST", kSmsPath, {200, kSmsOk});
  }

  GenesysClientConfig Config() {
    GenesysClientConfig config;
    config.api_base_url = imposter_.base_url();
    config.client_id = "demo-client";
    config.client_secret = Secret("demo-secret");
    config.request_timeout = absl::Seconds(5);
    return config;
  }

  std::unique_ptr<GenesysClient> MakeClient(GenesysClientConfig config) {
    auto client = GenesysClient::Create(std::move(config), *transport_, clock_, &observer_);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }
  std::unique_ptr<GenesysClient> MakeClient() { return MakeClient(Config()); }

  double RequestCount(const std::string& endpoint, const std::string& status) {
    return RequestsTotal(registry_, endpoint, status);
  }

  GenesysImposter imposter_;
  FakeClock clock_;
  prometheus::Registry registry_;
  PrometheusRequestObserver observer_{registry_};
  std::unique_ptr<CurlTransport> transport_;
};

TEST_F(GenesysClientTest, TokenRequestFollowsClientCredentialsGrant) {
  auto client = MakeClient();
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());

  auto tokens = imposter_.TokenRequests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].path, "/oauth/token");
  EXPECT_EQ(tokens[0].Header("authorization"),
            "Basic " + absl::Base64Escape("demo-client:demo-secret"));
  EXPECT_EQ(tokens[0].Header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(tokens[0].body, "grant_type=client_credentials");
  EXPECT_EQ(imposter_.Requests().at(0).Header("authorization"), "Bearer token-1");
}

TEST_F(GenesysClientTest, TokenIsReusedThenRefreshedAheadOfExpiry) {
  imposter_.SetTokenLifetime(3600);
  GenesysClientConfig config = Config();
  config.token_refresh_margin = absl::Minutes(5);
  auto client = MakeClient(config);

  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  clock_.Advance(absl::Minutes(54));  // 6 minutes left: still outside the margin
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_EQ(imposter_.TokenRequestCount(), 1);

  clock_.Advance(absl::Minutes(2));  // 4 minutes left: inside the margin, not yet expired
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_EQ(imposter_.TokenRequestCount(), 2);
  auto sms = imposter_.RequestsTo("POST", kSmsPath);
  ASSERT_EQ(sms.size(), 3u);
  EXPECT_EQ(sms[1].Header("authorization"), "Bearer token-1");
  EXPECT_EQ(sms[2].Header("authorization"), "Bearer token-2");
}

TEST_F(GenesysClientTest, ShortLivedTokenIsUsedForAtLeastHalfItsLifetime) {
  imposter_.SetTokenLifetime(120);  // shorter than the 5-minute margin
  auto client = MakeClient();
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  clock_.Advance(absl::Seconds(59));
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_EQ(imposter_.TokenRequestCount(), 1);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_EQ(imposter_.TokenRequestCount(), 2);
}

TEST_F(GenesysClientTest, SequentialCallsReuseOneKeepAliveConnection) {
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  auto sms = imposter_.RequestsTo("POST", kSmsPath);
  ASSERT_EQ(sms.size(), 3u);
  EXPECT_NE(sms[0].remote_port, 0);
  EXPECT_EQ(sms[1].remote_port, sms[0].remote_port);
  EXPECT_EQ(sms[2].remote_port, sms[0].remote_port);
  // The token request went to the same host and port, so it shared the connection too.
  EXPECT_EQ(imposter_.TokenRequests().at(0).remote_port, sms[0].remote_port);
}

TEST_F(GenesysClientTest, ConcurrentCallersShareOneTokenRequest) {
  imposter_.SetTokenDelay(absl::Milliseconds(300));  // all callers arrive while it is in flight
  auto client = MakeClient();
  constexpr int kCallers = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] { ok += client->SendAgentlessSms(Sms()).ok(); });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(ok.load(), kCallers);
  EXPECT_EQ(imposter_.TokenRequestCount(), 1);
  auto sms = imposter_.RequestsTo("POST", kSmsPath);
  ASSERT_EQ(sms.size(), static_cast<size_t>(kCallers));
  for (const auto& r : sms) EXPECT_EQ(r.Header("authorization"), "Bearer token-1");
}

TEST_F(GenesysClientTest, UnauthorizedTriggersOneRefreshAndOneRetry) {
  auto client = MakeClient();
  ASSERT_TRUE(client->SendAgentlessSms(Sms()).ok());
  imposter_.RevokeTokens();  // token-1 expired on the server before our clock says so

  auto result = client->SendAgentlessSms(Sms());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(imposter_.TokenRequestCount(), 2);
  auto sms = imposter_.RequestsTo("POST", kSmsPath);
  ASSERT_EQ(sms.size(), 3u);
  EXPECT_EQ(sms[1].Header("authorization"), "Bearer token-1");
  EXPECT_EQ(sms[2].Header("authorization"), "Bearer token-2");
  EXPECT_EQ(sms[2].body, sms[1].body);
  EXPECT_EQ(RequestCount("agentless_sms", "401"), 1);
}

TEST_F(GenesysClientTest, SecondUnauthorizedIsReturnedNotRetriedAgain) {
  imposter_.RejectAllBearerTokens();
  auto client = MakeClient();

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(imposter_.RequestsTo("POST", kSmsPath).size(), 2u);
  EXPECT_EQ(imposter_.TokenRequestCount(), 2);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->http_status, 401);
  EXPECT_EQ(err->code, "bad.credentials");
}

TEST_F(GenesysClientTest, BadClientCredentialsAreUnauthenticatedWithoutApiCall) {
  GenesysClientConfig config = Config();
  config.client_secret = Secret("wrong");
  auto client = MakeClient(config);

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(result.status().message(), HasSubstr("client authentication failed"));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("wrong")));
  EXPECT_TRUE(imposter_.Requests().empty());
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->endpoint, "oauth_token");
  EXPECT_EQ(err->code, "invalid_client");
}

TEST_F(GenesysClientTest, TooManyRequestsSurfacesRetryAfterAndRateLimitHeaders) {
  imposter_.Enqueue(
      "POST", kSmsPath,
      {429,
       R"({"message":"Rate limit exceeded the maximum. Retry the request in [42] seconds",)"
       R"("code":"too.many.requests.retry.after","status":429,"contextId":"corr-429",)"
       R"("details":[],"errors":[]})",
       {{"Retry-After", "42"},
        {"ININ-Correlation-Id", "corr-429"},
        {"inin-ratelimit-count", "300"},
        {"inin-ratelimit-allowed", "300"},
        {"inin-ratelimit-reset", "17"}}});
  auto client = MakeClient();

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(imposter_.RequestsTo("POST", kSmsPath).size(), 1u);  // no hidden retry
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->http_status, 429);
  EXPECT_EQ(err->retry_after, absl::Seconds(42));
  EXPECT_EQ(err->rate_limit.count, 300);
  EXPECT_EQ(err->rate_limit.allowed, 300);
  EXPECT_EQ(err->rate_limit.reset, absl::Seconds(17));
  EXPECT_EQ(err->code, "too.many.requests.retry.after");
  EXPECT_EQ(err->status, 429);
  EXPECT_EQ(err->context_id, "corr-429");
  EXPECT_EQ(err->correlation_id, "corr-429");
  EXPECT_EQ(err->endpoint, "agentless_sms");
  EXPECT_EQ(RequestCount("agentless_sms", "429"), 1);
}

TEST_F(GenesysClientTest, SuccessReturnsRateLimitHeaders) {
  imposter_.Enqueue("POST", kSmsPath,
                    {200,
                     kSmsOk,
                     {{"inin-ratelimit-count", "1"},
                      {"inin-ratelimit-allowed", "180"},
                      {"inin-ratelimit-reset", "61"}}});
  auto client = MakeClient();
  auto result = client->SendAgentlessSms(Sms());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->meta.rate_limit.count, 1);
  EXPECT_EQ(result->meta.rate_limit.allowed, 180);
  EXPECT_EQ(result->meta.rate_limit.reset, absl::Seconds(61));
  EXPECT_EQ(result->meta.correlation_id, "corr-imposter");
}

TEST_F(GenesysClientTest, ServerErrorsAreUnavailable) {
  imposter_.Enqueue("POST", kSmsPath,
                    {503, ErrorBody(503, "service.unavailable", "Service Unavailable")});
  imposter_.Enqueue("POST", kSmsPath,
                    {500, ErrorBody(500, "internal.server.error", "Internal error")});
  imposter_.Enqueue("POST", kSmsPath, {502, "<html>Bad Gateway</html>", {}, "text/html"});
  auto client = MakeClient();
  for (int expected_status : {503, 500, 502}) {
    auto result = client->SendAgentlessSms(Sms());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << expected_status;
    auto err = GetGenesysError(result.status());
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->http_status, expected_status);
  }
  EXPECT_EQ(imposter_.RequestsTo("POST", kSmsPath).size(), 3u);
  EXPECT_EQ(RequestCount("agentless_sms", "503"), 1);
}

struct PermanentCase {
  int http_status;
  std::string code;
  absl::StatusCode expected;
};

class PermanentErrorTest : public GenesysClientTest,
                           public ::testing::WithParamInterface<PermanentCase> {};

TEST_P(PermanentErrorTest, ClientErrorsArePermanentWithGenesysErrorBody) {
  const PermanentCase& c = GetParam();
  imposter_.Enqueue("POST", kSmsPath,
                    {c.http_status, ErrorBody(c.http_status, c.code,
                                              "The request failed: " + c.code, "ctx-" + c.code)});
  auto client = MakeClient();
  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), c.expected);
  EXPECT_EQ(imposter_.RequestsTo("POST", kSmsPath).size(), 1u);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->http_status, c.http_status);
  EXPECT_EQ(err->status, c.http_status);
  EXPECT_EQ(err->code, c.code);
  EXPECT_EQ(err->message, "The request failed: " + c.code);
  EXPECT_EQ(err->context_id, "ctx-" + c.code);
  EXPECT_FALSE(err->retry_after.has_value());
  EXPECT_THAT(result.status().message(), HasSubstr(c.code));
}

INSTANTIATE_TEST_SUITE_P(
    Codes, PermanentErrorTest,
    ::testing::Values(
        PermanentCase{400, "invalid.value", absl::StatusCode::kInvalidArgument},
        PermanentCase{403, "missing.any.permissions", absl::StatusCode::kPermissionDenied},
        PermanentCase{404, "not.found", absl::StatusCode::kNotFound},
        PermanentCase{409, "conflict", absl::StatusCode::kAborted},
        PermanentCase{413, "response.entity.too.large", absl::StatusCode::kInvalidArgument},
        PermanentCase{410, "gone", absl::StatusCode::kFailedPrecondition}));

TEST_F(GenesysClientTest, TimeoutIsUnavailableAndOutcomeUnknown) {
  imposter_.Enqueue("POST", kSmsPath, {200, kSmsOk, {}, "application/json", absl::Seconds(3)});
  GenesysClientConfig config = Config();
  config.request_timeout = absl::Milliseconds(200);
  auto client = MakeClient(config);

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->http_status, 0);
  EXPECT_EQ(err->transport_error, "timeout");
  EXPECT_TRUE(err->outcome_unknown);  // the SMS may have gone out
  EXPECT_EQ(err->endpoint, "agentless_sms");
  EXPECT_EQ(RequestCount("agentless_sms", "timeout"), 1);
}

// The token request timed out: the API call itself never left, so nothing is in doubt (a
// worker must retry the touch, not report it UNKNOWN; found by scripts/chaos).
TEST_F(GenesysClientTest, TokenTimeoutIsUnavailableButNothingWasSent) {
  imposter_.SetTokenDelay(absl::Seconds(3));
  GenesysClientConfig config = Config();
  config.request_timeout = absl::Milliseconds(200);
  auto client = MakeClient(config);

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->endpoint, "oauth_token");
  EXPECT_FALSE(err->outcome_unknown);
  EXPECT_TRUE(imposter_.Requests().empty());
}

TEST_F(GenesysClientTest, RefusedConnectionIsUnavailableAndNotSent) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);  // bound but never listening: refuses
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  GenesysClientConfig config = Config();
  config.api_base_url = absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port));
  auto client = MakeClient(config);

  auto result = client->SendAgentlessSms(Sms());
  ::close(fd);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->transport_error, "connect");
  EXPECT_FALSE(err->outcome_unknown);
  EXPECT_EQ(err->endpoint, "oauth_token");  // failed while getting a token
}

// Accepts one connection, reads the request and closes without answering.
class HangUpServer {
 public:
  HangUpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      char buf[4096];
      (void)::recv(conn, buf, sizeof buf, 0);
      ::close(conn);
    });
  }
  ~HangUpServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(GenesysClientTest, ConnectionClosedWithoutResponseIsUnavailable) {
  HangUpServer hang_up;
  GenesysClientConfig config = Config();
  config.api_base_url = absl::StrCat("http://127.0.0.1:", hang_up.port());
  config.login_base_url = imposter_.base_url();  // real token, then a dead API host
  auto client = MakeClient(config);

  auto result = client->SendAgentlessSms(Sms());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  auto err = GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->transport_error, "network");
  EXPECT_TRUE(err->outcome_unknown);
}

TEST_F(GenesysClientTest, SmsRequestMatchesGenesysContract) {
  auto client = MakeClient();
  auto result =
      client->SendAgentlessSms({"+1 (800) 555-0199", "(201) 555-0123", "Your invoice is due"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->message_id, "msg-1");
  EXPECT_EQ(result->conversation_id, "conv-1");
  EXPECT_EQ(result->to_address, "+12015550123");
  EXPECT_EQ(result->timestamp, absl::FromUnixMillis(1795719600123));
  EXPECT_EQ(result->meta.http_status, 200);

  auto sms = imposter_.RequestsTo("POST", kSmsPath);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].Header("content-type"), "application/json");
  json body = json::parse(sms[0].body);
  EXPECT_EQ(body, json({{"fromAddress", "+18005550199"},
                        {"toAddress", "+12015550123"},
                        {"toAddressMessengerType", "sms"},
                        {"textBody", "Your invoice is due"}}));
}

TEST_F(GenesysClientTest, InvalidPhoneIsRejectedBeforeAnyRequest) {
  std::string logs;
  log::SetSinkForTest(&logs);
  auto client = MakeClient();
  auto sms = client->SendAgentlessSms(Sms("555-01"));
  auto contact = client->InsertContact({"list-1", TouchId("touch-1"), "not a phone"});
  auto dnc = client->AddNumbersToDncList("dnc-1", {"+12015550123", "12"});
  log::SetSinkForTest(nullptr);

  EXPECT_EQ(sms.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(contact.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dnc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(imposter_.Requests().empty());
  EXPECT_EQ(imposter_.TokenRequestCount(), 0);
  EXPECT_THAT(logs, Not(HasSubstr("555-01")));
}

TEST_F(GenesysClientTest, TooLongSmsIsRejectedBeforeAnyRequest) {
  auto client = MakeClient();
  AgentlessSmsRequest request = Sms();
  request.text_body = std::string(766, 'x');
  EXPECT_EQ(client->SendAgentlessSms(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.text_body = std::string(765, 'x');
  EXPECT_TRUE(client->SendAgentlessSms(request).ok());
  EXPECT_EQ(imposter_.RequestsTo("POST", kSmsPath).size(), 1u);
}

TEST_F(GenesysClientTest, LogsNeverContainPhoneNumbersOrEmails) {
  std::string logs;
  log::SetSinkForTest(&logs);
  imposter_.Enqueue("POST", kSmsPath,
                    {400, ErrorBody(400, "invalid.value", "toAddress +12015550123 is invalid")});
  imposter_.Enqueue("POST", kEmailPath,
                    {400, ErrorBody(400, "invalid.value", "jane.doe@example.com bounced")});
  auto client = MakeClient();
  auto sms = client->SendAgentlessSms(Sms());
  auto email = client->SendAgentlessEmail(
      {{"collections@demo.example.com", ""}, {"jane.doe@example.com", "Jane"}, {}, "s", "t"});
  log::SetSinkForTest(nullptr);

  ASSERT_FALSE(sms.ok());
  ASSERT_FALSE(email.ok());
  EXPECT_THAT(logs, HasSubstr("genesys request failed"));
  EXPECT_THAT(logs, Not(HasSubstr("2015550123")));
  EXPECT_THAT(logs, Not(HasSubstr("jane.doe")));
  EXPECT_THAT(std::string(sms.status().message()), Not(HasSubstr("2015550123")));
  EXPECT_THAT(std::string(email.status().message()), Not(HasSubstr("jane.doe")));
}

TEST_F(GenesysClientTest, EmailRequestMatchesGenesysContract) {
  imposter_.Enqueue("POST", kEmailPath,
                    {200, R"({"id":"email-1","conversationId":"conv-9","senderType":"Outbound"})"});
  auto client = MakeClient();
  AgentlessEmailRequest request;
  request.from = {"collections@demo.example.com", "Collections"};
  request.to = {"jane@example.com", "Jane Doe"};
  request.subject = "Invoice overdue";
  request.text_body = "Please pay";
  request.html_body = "<p>Please pay</p>";
  auto result = client->SendAgentlessEmail(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->id, "email-1");
  EXPECT_EQ(result->conversation_id, "conv-9");

  auto sent = imposter_.RequestsTo("POST", kEmailPath);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(
      json::parse(sent[0].body),
      json({{"senderType", "Outbound"},
            {"fromAddress", {{"email", "collections@demo.example.com"}, {"name", "Collections"}}},
            {"toAddresses", {{{"email", "jane@example.com"}, {"name", "Jane Doe"}}}},
            {"subject", "Invoice overdue"},
            {"textBody", "Please pay"},
            {"htmlBody", "<p>Please pay</p>"}}));
}

TEST_F(GenesysClientTest, InsertContactWithPriorityCarriesTouchId) {
  const std::string path = "/api/v2/outbound/contactlists/demo-contacts/contacts";
  imposter_.Enqueue(
      "POST", path,
      {200, R"([{"id":"c-17","contactListId":"demo-contacts","data":{"phone":"+12015550123",)"
            R"("touchId":"touch-42","customer":"cust-7"},"callable":true}])"});
  auto client = MakeClient();
  ContactInsertion insertion{"demo-contacts", TouchId("touch-42"), "201-555-0123"};
  insertion.extra_data = {{"customer", "cust-7"}};
  auto contact = client->InsertContact(insertion);
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->id, "c-17");
  EXPECT_EQ(contact->data.at("touchId"), "touch-42");

  auto sent = imposter_.RequestsTo("POST", path);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].params.at("priority"), "true");
  EXPECT_EQ(
      json::parse(sent[0].body),
      json::array(
          {{{"contactListId", "demo-contacts"},
            {"data",
             {{"phone", "+12015550123"}, {"touchId", "touch-42"}, {"customer", "cust-7"}}}}}));
}

TEST_F(GenesysClientTest, GetContactReadsCallRecords) {
  imposter_.Enqueue(
      "GET", "/api/v2/outbound/contactlists/demo-contacts/contacts/c-17",
      {200, R"({"id":"c-17","contactListId":"demo-contacts","data":{"phone":"+12015550123",)"
            R"("attempts":3},"callRecords":{"phone":{"lastAttempt":"2026-11-26T19:00:00Z",)"
            R"("lastResult":"ININ-OUTBOUND-NO-ANSWER"}},"callable":true})"});
  auto client = MakeClient();
  auto contact = client->GetContact("demo-contacts", "c-17");
  ASSERT_TRUE(contact.ok()) << contact.status();
  EXPECT_EQ(contact->contact_list_id, "demo-contacts");
  EXPECT_EQ(contact->data.at("attempts"), "3");
  ASSERT_EQ(contact->call_records.count("phone"), 1u);
  EXPECT_EQ(contact->call_records.at("phone").last_result, "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_EQ(contact->call_records.at("phone").last_attempt, absl::FromUnixSeconds(1795719600));
  EXPECT_EQ(contact->callable, true);

  auto missing = client->GetContact("demo-contacts", "nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GenesysClientTest, AddNumbersToDncListSendsE164Array) {
  const std::string path = "/api/v2/outbound/dnclists/demo-dnc/phonenumbers";
  imposter_.Enqueue("POST", path, {200, ""});
  auto client = MakeClient();
  auto result =
      client->AddNumbersToDncList("demo-dnc", {"(201) 555-0123", "+1 201 555 0124", "+12015550123"},
                                  absl::FromUnixSeconds(1795719600));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->http_status, 200);

  auto sent = imposter_.RequestsTo("POST", path);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body), json::array({"+12015550123", "+12015550124"}));
  EXPECT_EQ(sent[0].params.at("expirationDateTime"), "2026-11-26T19:00Z");
}

TEST_F(GenesysClientTest, DncExportStartsPollsAndDownloadsCsv) {
  const std::string export_path = "/api/v2/outbound/dnclists/demo-dnc/export";
  imposter_.Enqueue("POST", export_path, {200, R"({"id":"demo-dnc","name":"demo-dnc"})"});
  imposter_.Enqueue("GET", export_path,
                    {404, ErrorBody(404, "no.available.list.export.uri", "No export yet")});
  imposter_.Enqueue(
      "GET", export_path,
      {200, absl::StrCat(
                R"({"uri":")", imposter_.base_url(), R"(/downloads/dnc-1.csv","exportTimestamp":")",
                absl::FormatTime(absl::RFC3339_full, clock_.Now(), absl::UTCTimeZone()), R"("})")});
  imposter_.Enqueue("GET", "/downloads/dnc-1.csv",
                    {200,
                     "\"phone_number\",\"expiration_date_time\"\n\"+12015550123\",\"\"\n"
                     "\"201-555-0124\",\"2026-12-01T00:00Z\"\n\"garbage\",\"\"\n",
                     {},
                     "text/csv"});
  auto client = MakeClient();
  std::vector<absl::Duration> waits;
  DncExportPolicy policy;
  policy.poll_interval = absl::Seconds(2);
  policy.sleep = [&](absl::Duration d) {
    waits.push_back(d);
    clock_.Advance(d);
  };

  auto file = client->ExportDncList("demo-dnc", policy);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->numbers, ElementsAre("+12015550123", "+12015550124"));
  EXPECT_EQ(file->skipped_rows, 1);
  EXPECT_THAT(waits, ElementsAre(absl::Seconds(2)));
  auto gets = imposter_.RequestsTo("GET", export_path);
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].params.at("download"), "false");
  auto downloads = imposter_.RequestsTo("GET", "/downloads/dnc-1.csv");
  ASSERT_EQ(downloads.size(), 1u);
  auto posts = imposter_.RequestsTo("POST", export_path);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].Header("content-type"), "application/json");
  EXPECT_EQ(posts[0].body, "");
}

TEST_F(GenesysClientTest, DncExportIgnoresAnOlderExportAndGivesUp) {
  const std::string export_path = "/api/v2/outbound/dnclists/demo-dnc/export";
  imposter_.Enqueue("POST", export_path, {200, "{}"});
  imposter_.SetDefault(
      "GET", export_path,
      {200, R"({"uri":"/downloads/old.csv","exportTimestamp":"2020-01-01T00:00:00Z"})"});
  auto client = MakeClient();
  DncExportPolicy policy;
  policy.max_polls = 3;
  policy.sleep = [&](absl::Duration d) { clock_.Advance(d); };

  auto file = client->ExportDncList("demo-dnc", policy);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(imposter_.RequestsTo("GET", export_path).size(), 3u);
  EXPECT_TRUE(imposter_.RequestsTo("GET", "/downloads/old.csv").empty());
}

TEST_F(GenesysClientTest, MetricsCountEveryExchangeByEndpointAndStatus) {
  imposter_.Enqueue(
      "POST", kSmsPath,
      {429, ErrorBody(429, "too.many.requests.retry.after", "x"), {{"Retry-After", "1"}}});
  auto client = MakeClient();
  EXPECT_FALSE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_TRUE(client->SendAgentlessSms(Sms()).ok());
  EXPECT_TRUE(client->SendAgentlessSms(Sms()).ok());

  EXPECT_EQ(RequestCount("oauth_token", "200"), 1);
  EXPECT_EQ(RequestCount("agentless_sms", "429"), 1);
  EXPECT_EQ(RequestCount("agentless_sms", "200"), 2);
}

TEST_F(GenesysClientTest, RegionSelectsGenesysHostsAndOverridesWin) {
  GenesysClientConfig config = Config();
  config.api_base_url.clear();
  config.region = "eu-west-2";
  auto client = MakeClient(config);
  EXPECT_EQ(client->api_base_url(), "https://api.euw2.pure.cloud");
  EXPECT_EQ(client->login_base_url(), "https://login.euw2.pure.cloud");

  auto sim = MakeClient(Config());
  EXPECT_EQ(sim->api_base_url(), imposter_.base_url());
  EXPECT_EQ(sim->login_base_url(), imposter_.base_url());

  config.region = "mars-north-1";
  EXPECT_EQ(GenesysClient::Create(config, *transport_, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace blend::genesys
