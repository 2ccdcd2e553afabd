// Unsubscribe tokens (opaque, sealed, expiring) and the endpoint over a real loopback socket:
// GET confirms and changes nothing, POST (the page's button or RFC 8058 one-click)
// unsubscribes, expired and altered links are refused.

#include "blend/email_worker/unsubscribe.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fake_unsubscribe_store.h"
#include "nlohmann/json.hpp"

namespace blend::email_worker {
namespace {

using testing::FakeUnsubscribeStore;

const UnsubscribeClaims kClaims{"cust-1", "alice.smith@b.example", "t-1"};

TEST(UnsubscribeTokensTest, IssuedTokenOpensToItsClaims) {
  FakeClock clock;
  UnsubscribeTokens tokens(Secret("k1"), clock);
  absl::StatusOr<UnsubscribeClaims> c = tokens.Verify(tokens.Sign(kClaims));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->customer_id, "cust-1");
  EXPECT_EQ(c->email, "alice.smith@b.example");
  EXPECT_EQ(c->touch_id, "t-1");
}

TEST(UnsubscribeTokensTest, TokenIsOpaque) {
  FakeClock clock;
  UnsubscribeTokens tokens(Secret("k1"), clock);
  std::string token = tokens.Sign(kClaims);
  std::string decoded;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &decoded));
  for (const std::string& secret_part :
       {std::string("alice"), std::string("b.example"), std::string("cust-1")}) {
    EXPECT_FALSE(absl::StrContains(token, secret_part)) << token;
    EXPECT_FALSE(absl::StrContains(decoded, secret_part));
  }
  EXPECT_NE(tokens.Sign(kClaims), token) << "a fresh nonce per token";
}

TEST(UnsubscribeTokensTest, ExpiresAfterItsTtl) {
  FakeClock clock;
  UnsubscribeTokens tokens(Secret("k1"), clock, {.ttl = absl::Hours(24 * 60)});
  std::string token = tokens.Sign(kClaims);
  clock.Advance(absl::Hours(24 * 60) - absl::Seconds(1));
  EXPECT_TRUE(tokens.Verify(token).ok());
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(tokens.Verify(token).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(UnsubscribeTokensTest, AnotherKeyOrAnyAlteredByteIsRefused) {
  FakeClock clock;
  UnsubscribeTokens tokens(Secret("k1"), clock);
  std::string token = tokens.Sign(kClaims);
  EXPECT_EQ(UnsubscribeTokens(Secret("k2"), clock).Verify(token).status().code(),
            absl::StatusCode::kPermissionDenied);
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t i = 1; i < raw.size(); ++i) {  // every byte after the version: nonce, text, tag
    std::string altered = raw;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_EQ(tokens.Verify(absl::WebSafeBase64Escape(altered)).status().code(),
              absl::StatusCode::kPermissionDenied)
        << "byte " << i;
  }
  EXPECT_EQ(tokens.Verify("garbage").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens.Verify("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens.Verify(token.substr(0, 20)).status().code(), absl::StatusCode::kInvalidArgument);
}

// A link of the old format ("<base64url JSON>.<base64url HMAC>") in mail already delivered.
std::string LegacyToken(const std::string& key, const UnsubscribeClaims& c) {
  std::string body = absl::WebSafeBase64Escape(
      nlohmann::json{{"c", c.customer_id}, {"e", c.email}, {"t", c.touch_id}}.dump());
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  return body + "." + absl::WebSafeBase64Escape(std::string(reinterpret_cast<char*>(mac), len));
}

TEST(UnsubscribeTokensTest, LegacyLinksOpenUntilTurnedOff) {
  FakeClock clock;
  std::string legacy = LegacyToken("k1", kClaims);
  auto opened = UnsubscribeTokens(Secret("k1"), clock).Verify(legacy);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->email, kClaims.email);
  EXPECT_EQ(UnsubscribeTokens(Secret("k2"), clock).Verify(legacy).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(UnsubscribeTokens(Secret("k1"), clock, {.accept_legacy = false})
                .Verify(legacy)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(UnsubscribeTokensTest, LinkPointsAtTheEndpoint) {
  UnsubscribeTokens tokens(Secret("k1"));
  std::string link = tokens.Link("https://blend.example", {"c", "e@x.example", "t"});
  EXPECT_EQ(link.rfind("https://blend.example/unsubscribe?token=", 0), 0u);
}

class UnsubscribeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = UnsubscribeServer::Start("127.0.0.1:0", tokens_, store_, nullptr, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  std::string Path(const UnsubscribeClaims& c) { return "/unsubscribe?token=" + tokens_.Sign(c); }

  FakeClock clock_;
  FakeUnsubscribeStore store_;
  UnsubscribeTokens tokens_{Secret("k"), clock_};
  std::unique_ptr<UnsubscribeServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(UnsubscribeServerTest, GetShowsAConfirmationPageAndChangesNothing) {
  std::string path = Path({"c-9", "c9@example.com", "t-9"});
  auto page = client_->Get(path.c_str());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(absl::StrContains(page->body, "<form method=\"post\"")) << page->body;
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(client_->Get(path.c_str())->status, 200) << "a scanner fetching it twice";
  EXPECT_EQ(*store_.CountPending(), 0) << "a GET must not unsubscribe";
}

TEST_F(UnsubscribeServerTest, PostUnsubscribesOnceAndASecondPostIsTheSameUnsubscribe) {
  std::string path = Path({"c-9", "c9@example.com", "t-9"});
  auto first = client_->Post(path.c_str(), "List-Unsubscribe=One-Click",
                             "application/x-www-form-urlencoded");  // RFC 8058 one-click
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(absl::StrContains(first->body, "unsubscribed"));
  clock_.Advance(absl::Minutes(5));
  httplib::MultipartFormDataItems one_click = {{"List-Unsubscribe", "One-Click", "", ""}};
  auto second = client_->Post(path.c_str(), one_click);  // the multipart form of one-click
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(*store_.CountPending(), 1);
  FakeUnsubscribeStore::Row row = store_.row("email-unsubscribe:c-9:t-9");
  EXPECT_EQ(row.recorded_at, clock_.Now() - absl::Minutes(5)) << "the first click's record";
  EXPECT_EQ(row.event.customer_id(), "c-9");
  EXPECT_EQ(row.event.opt_out().channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(row.event.opt_out().address(), "c9@example.com");
}

TEST_F(UnsubscribeServerTest, ExpiredOrAlteredLinksAreRefusedAndRecordNothing) {
  std::string path = Path({"c-7", "c7@example.com", "t-7"});
  std::string altered = path;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(client_->Get(altered.c_str())->status, 400);
  EXPECT_EQ(client_->Post(altered.c_str(), "", "text/plain")->status, 400);
  EXPECT_EQ(client_->Post("/unsubscribe", "", "text/plain")->status, 400) << "no token";
  clock_.Advance(absl::Hours(24 * 60));
  auto expired = client_->Post(path.c_str(), "List-Unsubscribe=One-Click",
                               "application/x-www-form-urlencoded");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 410);
  EXPECT_TRUE(absl::StrContains(expired->body, "expired"));
  EXPECT_EQ(client_->Get(path.c_str())->status, 410);
  EXPECT_EQ(*store_.CountPending(), 0);
}

TEST_F(UnsubscribeServerTest, AnswersRetryWhenTheStoreCannotRecord) {
  store_.fail_record = absl::UnavailableError("PostgreSQL down");
  auto down = client_->Post(Path({"c-8", "c8@example.com", "t-8"}).c_str(), "", "text/plain");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
}

TEST_F(UnsubscribeServerTest, LargeBodiesAreRefusedUnread) {
  auto big = client_->Post(Path({"c-6", "c6@example.com", "t-6"}).c_str(),
                           std::string(64 * 1024, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(*store_.CountPending(), 0);
}

}  // namespace
}  // namespace blend::email_worker
