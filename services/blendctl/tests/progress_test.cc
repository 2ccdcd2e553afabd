#include "blend/blendctl/progress.h"

#include <gtest/gtest.h>

namespace blend::blendctl {
namespace {

TEST(FormatProgressLineTest, BarShowsFractionAndAnsweredRate) {
  ProgressSnapshot s{
      .rows = 1200, .accepted = 990, .rejected = 10, .elapsed = absl::Seconds(4), .fraction = 0.5};
  EXPECT_EQ(FormatProgressLine(s, true),
            "[############------------]  50%  1200 rows  250 rows/s  accepted 990  rejected 10");
}

TEST(FormatProgressLineTest, PlainLineForLogs) {
  ProgressSnapshot s{
      .rows = 1000, .accepted = 1000, .rejected = 0, .elapsed = absl::Seconds(2), .fraction = 1.0};
  EXPECT_EQ(FormatProgressLine(s, false),
            "start-many: 1000 rows, 500 rows/s, accepted 1000, rejected 0, 100% of the file");
}

TEST(FormatProgressLineTest, UnknownSizeAndZeroElapsed) {
  ProgressSnapshot s{
      .rows = 3, .accepted = 0, .rejected = 0, .elapsed = absl::ZeroDuration(), .fraction = -1};
  EXPECT_EQ(FormatProgressLine(s, false), "start-many: 3 rows, 0 rows/s, accepted 0, rejected 0");
  EXPECT_EQ(FormatProgressLine(s, true).substr(0, 26), "[????????????????????????]");
}

}  // namespace
}  // namespace blend::blendctl
