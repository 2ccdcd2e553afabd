#include "blend/email_worker/unsubscribe.h"

#include <gtest/gtest.h>

namespace blend::email_worker {
namespace {

TEST(UnsubscribeTokensTest, SignedTokenVerifiesToItsClaims) {
  UnsubscribeTokens tokens(Secret("k1"));
  absl::StatusOr<UnsubscribeClaims> c = tokens.Verify(tokens.Sign({"cust-1", "a@b.example", "t-1"}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->customer_id, "cust-1");
  EXPECT_EQ(c->email, "a@b.example");
  EXPECT_EQ(c->touch_id, "t-1");
}

TEST(UnsubscribeTokensTest, TokenSignedWithAnotherKeyIsRejected) {
  std::string token = UnsubscribeTokens(Secret("k1")).Sign({"cust-1", "a@b.example", "t-1"});
  EXPECT_EQ(UnsubscribeTokens(Secret("k2")).Verify(token).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(UnsubscribeTokensTest, EditedPayloadIsRejected) {
  UnsubscribeTokens tokens(Secret("k1"));
  std::string token = tokens.Sign({"cust-1", "a@b.example", "t-1"});
  std::string other = tokens.Sign({"cust-2", "victim@b.example", "t-1"});
  std::string forged = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(tokens.Verify(forged).ok());
  EXPECT_EQ(tokens.Verify("garbage").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(UnsubscribeTokensTest, LinkPointsAtTheEndpoint) {
  UnsubscribeTokens tokens(Secret("k1"));
  std::string link = tokens.Link("https://blend.example", {"c", "e@x.example", "t"});
  EXPECT_EQ(link.rfind("https://blend.example/unsubscribe?token=", 0), 0u);
}

}  // namespace
}  // namespace blend::email_worker
