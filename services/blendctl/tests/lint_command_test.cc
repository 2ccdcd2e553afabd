#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/blendctl/offline_commands.h"
#include "blend/journey/testing/seed_campaign.h"

namespace blend::blendctl {
namespace {

const std::string kSeedFile(blend::journey::testing::SeedCampaignPath());

using ::testing::HasSubstr;

TEST(LintCommandTest, ValidCampaignExitsZero) {
  std::ostringstream out, err;
  EXPECT_EQ(RunLint(kSeedFile, out, err), 0);
  EXPECT_THAT(out.str(), HasSubstr("OK (7 states)"));
}

TEST(LintCommandTest, SeedOriginalIsRejectedWithPointerAndHint) {
  std::ostringstream out, err;
  std::string file = JOURNEY_TESTDATA "/invalid/seed_original_missing_end.json";
  EXPECT_EQ(RunLint(file, out, err), 1);
  EXPECT_THAT(out.str(),
              HasSubstr(file + ":/definition/States/EndCampaign: state 'EndCampaign' has "
                               "neither \"Next\" nor \"End\". Hint:"));
  EXPECT_THAT(out.str(), HasSubstr("1 problem(s)"));
}

TEST(LintCommandTest, PrintsEveryProblem) {
  std::ostringstream out, err;
  EXPECT_EQ(RunLint(JOURNEY_TESTDATA "/invalid/seed_original_bare.json", out, err), 1);
  EXPECT_THAT(out.str(), HasSubstr(":/States/EndCampaign:"));
  EXPECT_THAT(out.str(), HasSubstr(":/States/SendInitialSMS/Resource:"));
  EXPECT_THAT(out.str(), HasSubstr("4 problem(s)"));
}

TEST(LintCommandTest, UnreadableFileExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunLint("/nonexistent/campaign.json", out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("cannot read"));
}

TEST(LintCommandTest, CliWiringRunsTheSubcommand) {
  std::ostringstream out, err;
  int code = -1;
  CLI::App app;
  AddLintCommand(app, out, err, code);
  AddSimulateCommand(app, out, err, code);
  std::vector<std::string> args = {JOURNEY_TESTDATA "/invalid/unknown_next.json",
                                   "lint"};  // reversed
  app.parse(args);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(out.str(), HasSubstr("/States/A/Next"));
}

}  // namespace
}  // namespace blend::blendctl
