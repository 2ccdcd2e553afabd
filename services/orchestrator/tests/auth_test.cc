#include "blend/orchestrator/auth.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace blend::orchestrator {
namespace {

using ::testing::HasSubstr;

std::string Entry(const std::string& name, const std::string& token, const std::string& scope) {
  return name + " : " + Sha256Hex(token) + " : " + scope + "\n";
}

class TempFile {
 public:
  TempFile() {
    char path[] = "/tmp/orch-auth-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    path_ = path;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Sha256HexTest, MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ParseTokenEntriesTest, ParsesScopesAndSkipsComments) {
  auto entries = ParseTokenEntries("# comment\n" + Entry("crm", "t1", "*") +
                                   Entry("eu", "t2", "a, b") + "\n" + Entry("w", "t3", "service"));
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_TRUE((*entries)[0].all_campaigns);
  EXPECT_THAT((*entries)[1].campaigns, ::testing::ElementsAre("a", "b"));
  EXPECT_TRUE((*entries)[2].service);
  EXPECT_FALSE((*entries)[2].all_campaigns);
}

TEST(ParseTokenEntriesTest, SemicolonSeparatesInlineEntries) {
  auto entries = ParseTokenEntries("a:" + Sha256Hex("x") + ":*;b:" + Sha256Hex("y") + ":service");
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ(entries->size(), 2u);
}

TEST(ParseTokenEntriesTest, RejectsPlainTokenInsteadOfHashWithoutEchoingIt) {
  auto entries = ParseTokenEntries("crm : my-secret-token : *");
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(entries.status().message(), HasSubstr("SHA-256"));
  EXPECT_THAT(entries.status().message(), ::testing::Not(HasSubstr("my-secret-token")));
}

TEST(ParseTokenEntriesTest, RejectsMissingFieldsAndEmptyScope) {
  EXPECT_FALSE(ParseTokenEntries("crm:" + Sha256Hex("x")).ok());
  EXPECT_FALSE(ParseTokenEntries("crm:" + Sha256Hex("x") + ": , ").ok());
  EXPECT_FALSE(ParseTokenEntries(":" + Sha256Hex("x") + ":*").ok());
}

TEST(AuthenticatorTest, OpenWhenNothingConfigured) {
  FakeClock clock;
  auto auth = Authenticator::Create({}, clock);
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE((*auth)->open());
  auto p = (*auth)->Authenticate("", false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->all_campaigns);
  EXPECT_TRUE(p->service);
}

TEST(AuthenticatorTest, InlineTokensRequireBearer) {
  FakeClock clock;
  AuthConfig cfg;
  cfg.inline_tokens = Secret(Entry("crm", "s3cret", "*"));
  auto auth = Authenticator::Create(cfg, clock);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_FALSE((*auth)->open());
  EXPECT_EQ((*auth)->Authenticate("", false).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate("Bearer wrong", false).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*auth)->Authenticate("s3cret", false).status().code(),
            absl::StatusCode::kUnauthenticated);
  auto p = (*auth)->Authenticate("Bearer s3cret", true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "crm");
  EXPECT_TRUE(p->all_campaigns);
  EXPECT_FALSE(p->service);
}

TEST(AuthenticatorTest, ScopedTokenDeniedOutsideItsCampaigns) {
  FakeClock clock;
  AuthConfig cfg;
  cfg.inline_tokens =
      Secret(Entry("eu", "t-eu", "dunning-eu,promo") + Entry("w", "t-w", "service"));
  auto auth = Authenticator::Create(cfg, clock);
  ASSERT_TRUE(auth.ok());
  auto eu = (*auth)->Authenticate("Bearer t-eu", false);
  ASSERT_TRUE(eu.ok());
  EXPECT_TRUE(CheckCampaignAccess(*eu, "promo").ok());
  EXPECT_EQ(CheckCampaignAccess(*eu, "dunning-us").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckAllCampaignsAccess(*eu).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckServiceAccess(*eu).code(), absl::StatusCode::kPermissionDenied);
  auto w = (*auth)->Authenticate("Bearer t-w", false);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(CheckServiceAccess(*w).ok());
  EXPECT_EQ(CheckCampaignAccess(*w, "promo").code(), absl::StatusCode::kPermissionDenied);
}

TEST(AuthenticatorTest, FileRotationTakesEffectAfterCheckInterval) {
  FakeClock clock;
  TempFile file;
  file.Write(Entry("old", "old-token", "*"));
  AuthConfig cfg;
  cfg.tokens_file = file.path();
  auto auth = Authenticator::Create(cfg, clock);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->Authenticate("Bearer old-token", false).ok());

  file.Write(Entry("new", "new-token", "*") + "# longer file so the size changes\n");
  // Not re-read before the interval: the old token still works.
  EXPECT_TRUE((*auth)->Authenticate("Bearer old-token", false).ok());
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ((*auth)->Authenticate("Bearer old-token", false).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE((*auth)->Authenticate("Bearer new-token", false).ok());
}

TEST(AuthenticatorTest, BrokenFileKeepsPreviousTokens) {
  FakeClock clock;
  TempFile file;
  file.Write(Entry("crm", "tok", "*"));
  AuthConfig cfg;
  cfg.tokens_file = file.path();
  auto auth = Authenticator::Create(cfg, clock);
  ASSERT_TRUE(auth.ok());
  file.Write("this is not a token entry at all\n");
  EXPECT_FALSE((*auth)->ReloadIfChanged().ok());
  EXPECT_TRUE((*auth)->Authenticate("Bearer tok", false).ok());
}

TEST(AuthenticatorTest, MissingFileFailsCreate) {
  FakeClock clock;
  AuthConfig cfg;
  cfg.tokens_file = "/nonexistent/tokens";
  EXPECT_EQ(Authenticator::Create(cfg, clock).status().code(), absl::StatusCode::kNotFound);
}

TEST(AuthenticatorTest, MtlsOnlyRequiresVerifiedPeer) {
  FakeClock clock;
  AuthConfig cfg;
  cfg.client_certs_verified = true;
  auto auth = Authenticator::Create(cfg, clock);
  ASSERT_TRUE(auth.ok());
  EXPECT_FALSE((*auth)->open());
  EXPECT_EQ((*auth)->Authenticate("", false).status().code(), absl::StatusCode::kUnauthenticated);
  auto p = (*auth)->Authenticate("", true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "mtls-peer");
}

// A scoped caller cannot tell a journey of another campaign from one that does not exist.
TEST(JourneyAccessTest, MissingAndForeignJourneysLookTheSameToAScopedCaller) {
  Principal eu;
  eu.name = "eu";
  eu.campaigns.insert("dunning-eu");
  absl::Status foreign = CheckJourneyAccess(eu, "j1", std::string("dunning-us"));
  absl::Status missing = CheckJourneyAccess(eu, "j1", absl::NotFoundError("unknown journey j1"));
  EXPECT_EQ(foreign.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(missing.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(foreign.message(), missing.message());
  EXPECT_THAT(std::string(foreign.message()), ::testing::Not(HasSubstr("dunning-us")));
  EXPECT_TRUE(CheckJourneyAccess(eu, "j1", std::string("dunning-eu")).ok());
  EXPECT_EQ(CheckJourneyAccess(eu, "j1", absl::UnavailableError("db down")).code(),
            absl::StatusCode::kUnavailable);
  Principal all;
  all.name = "crm";
  all.all_campaigns = true;
  EXPECT_EQ(CheckJourneyAccess(all, "j1", absl::NotFoundError("unknown journey j1")).code(),
            absl::StatusCode::kNotFound)
      << "a '*' caller hides nothing by knowing";
  Principal service;
  service.name = "workers";
  service.service = true;
  EXPECT_EQ(CheckJourneyAccess(service, "j1", std::string("dunning-eu")).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(JourneyAccessTest, RowScopedRpcsNeedSomeCampaign) {
  Principal eu;
  eu.campaigns.insert("dunning-eu");
  Principal all;
  all.all_campaigns = true;
  Principal service;
  service.name = "workers";
  service.service = true;
  EXPECT_TRUE(CheckSomeCampaignAccess(eu).ok());
  EXPECT_TRUE(CheckSomeCampaignAccess(all).ok());
  EXPECT_EQ(CheckSomeCampaignAccess(service).code(), absl::StatusCode::kPermissionDenied);
}

TEST(ListenAddressTest, OpenServerOnlyOnLoopback) {
  EXPECT_TRUE(CheckListenAddressAllowed("127.0.0.1:7400", /*open=*/true).ok());
  EXPECT_EQ(CheckListenAddressAllowed("0.0.0.0:7400", /*open=*/true).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckListenAddressAllowed("0.0.0.0:7400", /*open=*/false).ok());
}

}  // namespace
}  // namespace blend::orchestrator
