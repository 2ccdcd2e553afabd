#include "blend/common/flags_env.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace blend {
namespace {

TEST(FlagsEnvTest, EnvNameIsUpperSnakeWithPrefix) {
  EXPECT_EQ(EnvNameForFlag("pg-url"), "BLEND_PG_URL");
  EXPECT_EQ(EnvNameForFlag("kafka-brokers"), "BLEND_KAFKA_BROKERS");
}

TEST(FlagsEnvTest, EnvironmentIsFallbackAndCommandLineWins) {
  setenv("BLEND_TEST_ADDR", "127.0.0.1:1", 1);
  setenv("BLEND_TEST_WAIT", "90s", 1);
  {
    CLI::App app;
    std::string addr = "default";
    absl::Duration wait = absl::Seconds(1);
    AddFlag(app, "test-addr", addr, "an address");
    AddDurationFlag(app, "test-wait", wait, "a wait");
    app.parse(std::vector<std::string>{});  // no args
    EXPECT_EQ(addr, "127.0.0.1:1");
    EXPECT_EQ(wait, absl::Seconds(90));
  }
  {
    CLI::App app;
    std::string addr = "default";
    AddFlag(app, "test-addr", addr, "an address");
    std::vector<std::string> args{"--test-addr=127.0.0.1:2"};  // CLI11 takes them reversed
    app.parse(args);
    EXPECT_EQ(addr, "127.0.0.1:2");
  }
  unsetenv("BLEND_TEST_ADDR");
  unsetenv("BLEND_TEST_WAIT");
}

TEST(FlagsEnvTest, BadDurationIsRejectedWithTheFlagName) {
  CLI::App app;
  absl::Duration wait = absl::Seconds(1);
  AddDurationFlag(app, "test-wait", wait, "a wait");
  std::vector<std::string> args{"--test-wait=soon"};
  EXPECT_THROW(app.parse(args), CLI::ValidationError);
}

TEST(FlagsEnvTest, SecretsAreNotShownInHelp) {
  CLI::App app;
  Secret secret("s3cr3t-value");
  AddSecretFlag(app, "client-secret", secret, "the OAuth client secret");
  std::string help = app.help();
  EXPECT_NE(help.find("--client-secret"), std::string::npos);
  EXPECT_NE(help.find("BLEND_CLIENT_SECRET"), std::string::npos);
  EXPECT_EQ(help.find("s3cr3t-value"), std::string::npos);
}

}  // namespace
}  // namespace blend
