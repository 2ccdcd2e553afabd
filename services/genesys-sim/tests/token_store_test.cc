#include "blend/genesys_sim/token_store.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using testing::SimTest;

TEST(TokenStoreTest, TokenExpiresAfterItsLifetime) {
  FakeClock clock;
  TokenStore store(clock, {{"id", Secret("secret"), absl::Minutes(10)}});
  absl::StatusOr<IssuedToken> token = store.Issue("id", "secret");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->expires_in_seconds, 600);
  clock.Advance(absl::Minutes(10) - absl::Milliseconds(1));
  EXPECT_EQ(store.Check(token->access_token).state, TokenState::kValid);
  EXPECT_EQ(store.Check(token->access_token).client_id, "id");
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(store.Check(token->access_token).state, TokenState::kExpired);
  EXPECT_EQ(store.Check("nonsense").state, TokenState::kUnknown);
}

TEST(TokenStoreTest, WrongSecretOrUnknownClientIsUnauthenticated) {
  FakeClock clock;
  TokenStore store(clock, {{"id", Secret("secret")}});
  EXPECT_EQ(store.Issue("id", "wrong").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store.Issue("other", "secret").status().code(), absl::StatusCode::kUnauthenticated);
}

class TokenApiTest : public SimTest {};

TEST_F(TokenApiTest, GrantReturnsBearerTokenWithGenesysFields) {
  HttpResponse r = TokenCall("demo-client", "demo-secret");
  ASSERT_EQ(r.status, 200);
  nlohmann::json body = Json(r);
  EXPECT_EQ(body["token_type"], "bearer");
  EXPECT_EQ(body["expires_in"], 86399);
  EXPECT_FALSE(body["access_token"].get<std::string>().empty());
  EXPECT_FALSE(body.contains("refresh_token"));
}

TEST_F(TokenApiTest, ExpiredTokenGets401CredentialsExpired) {
  std::string token = Token();
  auto call = [&] {
    return Call("GET", "/api/v2/outbound/dnclists/demo-dnc", "", {},
                {{"authorization", "Bearer " + token}});
  };
  EXPECT_EQ(call().status, 200);
  clock_.Advance(absl::Seconds(86399));
  HttpResponse r = call();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Json(r)["code"], "credentials.expired");
  EXPECT_EQ(Json(r)["status"], 401);
  EXPECT_EQ(Json(r)["contextId"], r.Header("ININ-Correlation-Id"));
}

TEST_F(TokenApiTest, UnknownAndMissingTokensGet401) {
  HttpResponse unknown =
      Call("GET", "/api/v2/outbound/dnclists/demo-dnc", "", {}, {{"authorization", "Bearer abc"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Json(unknown)["code"], "bad.credentials");
  HttpResponse missing = Call("GET", "/api/v2/outbound/dnclists/demo-dnc");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(Json(missing)["code"], "authentication.required");
}

TEST_F(TokenApiTest, BadCredentialsAndGrantTypeGetOAuthErrors) {
  HttpResponse bad = TokenCall("demo-client", "wrong");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Json(bad)["error"], "invalid_client");
  EXPECT_TRUE(Json(bad).contains("error_description"));
  HttpResponse grant = TokenCall("demo-client", "demo-secret", "password");
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(Json(grant)["error"], "unauthorized_client");
  HttpResponse none = Call("POST", "/oauth/token", "grant_type=client_credentials");
  EXPECT_EQ(none.status, 401);
}

TEST_F(TokenApiTest, AdminExpireMakesTokensExpireNow) {
  std::string token = Token();
  ASSERT_EQ(Json(Call("POST", "/sim/tokens/expire"))["expired"], 1);
  HttpResponse r = Call("GET", "/api/v2/outbound/dnclists/demo-dnc", "", {},
                        {{"authorization", "Bearer " + token}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Json(r)["code"], "credentials.expired");
  EXPECT_NE(Token(), token);
}

}  // namespace
}  // namespace blend::genesys_sim
