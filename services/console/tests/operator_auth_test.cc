#include "blend/console/operator_auth.h"

#include <gtest/gtest.h>

namespace blend::console {
namespace {

TEST(OperatorTokens, ParsesNameHashAndScopes) {
  std::string hash = Sha256Hex("alice-token");
  auto tokens = ParseOperatorTokens("# comment\nalice : " + hash + " : read, operate ,pii\n\n" +
                                    "bob:" + Sha256Hex("bob-token") + ":read");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].op.name, "alice");
  EXPECT_EQ((*tokens)[0].sha256_hex, hash);
  EXPECT_TRUE((*tokens)[0].op.read && (*tokens)[0].op.operate && (*tokens)[0].op.pii);
  EXPECT_TRUE((*tokens)[1].op.read);
  EXPECT_FALSE((*tokens)[1].op.operate || (*tokens)[1].op.pii);
}

TEST(OperatorTokens, RefusesMalformedEntriesNamingTheLine) {
  auto unknown = ParseOperatorTokens("a : " + Sha256Hex("x") + " : read,admin");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown scope 'admin'"), std::string::npos);
  auto short_hash = ParseOperatorTokens("\na : abc123 : read");
  EXPECT_NE(short_hash.status().message().find("entry 2"), std::string::npos);
  EXPECT_FALSE(ParseOperatorTokens("a : " + Sha256Hex("x")).ok());
  EXPECT_FALSE(ParseOperatorTokens("a : " + Sha256Hex("x") + " : ").ok());
}

TEST(OperatorAuth, KnownTokenGivesItsOperator) {
  auto auth = OperatorAuth::Create("", Secret("alice : " + Sha256Hex("s3cret") + " : read"));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE((*auth)->open());
  auto op = (*auth)->Authenticate("Bearer s3cret");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->name, "alice");
  EXPECT_FALSE(op->operate);
  EXPECT_EQ((*auth)->Authenticate("Bearer wrong").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate("s3cret").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(OperatorAuth, OpenConsoleIsLocalWithoutPii) {
  auto auth = OperatorAuth::FromTokens({});
  ASSERT_TRUE(auth->open());
  auto op = auth->Authenticate("");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->name, "local");
  EXPECT_TRUE(op->read && op->operate);
  EXPECT_FALSE(op->pii);
}

TEST(OperatorAuth, MissingFileIsAnError) {
  EXPECT_EQ(OperatorAuth::Create("/nonexistent/tokens", Secret()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ConsoleAddress, LoopbackOnly) {
  EXPECT_TRUE(CheckConsoleAddress("127.0.0.1:7490").ok());
  EXPECT_TRUE(CheckConsoleAddress("[::1]:7490").ok());
  absl::Status st = CheckConsoleAddress("0.0.0.0:7490");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("0.0.0.0:7490 is not a loopback address"), std::string::npos);
}

}  // namespace
}  // namespace blend::console
