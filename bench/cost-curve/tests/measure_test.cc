#include "blend/cost_curve/measure.h"

#include <gtest/gtest.h>

#include <limits>

namespace blend::cost_curve {
namespace {

TEST(CostCurvePercentileTest, NearestRankOfAnObservedValue) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile(v, 0), 1);
  EXPECT_EQ(Percentile({7}, 99), 7);
  EXPECT_EQ(Percentile({}, 50), std::nullopt);
}

TEST(CostCurveSummarizeTest, CountsAndTail) {
  Summary s = Summarize({3, 1, 2, 1000});
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.p50, 2);
  EXPECT_EQ(s.p99, 1000);
  EXPECT_EQ(s.max, 1000);
  EXPECT_EQ(Summarize({}).count, 0);
}

TEST(CostCurveStatusFieldKbTest, ReadsTheNamedField) {
  const std::string status =
      "Name:\tblend-orchestr\nVmHWM:\t  130000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 100 kB\n";
  EXPECT_EQ(StatusFieldKb(status, "VmRSS"), 123456);
  EXPECT_EQ(StatusFieldKb(status, "VmHWM"), 130000);
  EXPECT_EQ(StatusFieldKb(status, "RssAnon"), 100);
  EXPECT_EQ(StatusFieldKb(status, "VmSwap"), std::nullopt);
  EXPECT_EQ(StatusFieldKb(status, "Vm"), std::nullopt);  // a prefix is not the field
}

TEST(CostCurveSumMetricTest, SumsEveryLabelSetOfExactlyThatName) {
  const std::string text =
      "# HELP blend_worker_consumer_lag lag\n"
      "# TYPE blend_worker_consumer_lag gauge\n"
      "blend_worker_consumer_lag{partition=\"0\",topic=\"t{x}\"} 10\n"
      "blend_worker_consumer_lag{partition=\"1\"} 32.5\n"
      "blend_worker_consumer_lag_total 1000\n"
      "other 5\n";
  EXPECT_EQ(SumMetric(text, "blend_worker_consumer_lag"), 42.5);
  EXPECT_EQ(SumMetric("plain 3\n", "plain"), 3);
  EXPECT_EQ(SumMetric(text, "missing"), std::nullopt);
}

TEST(CostCurveJsonNumberTest, IntegersPlainOthersRoundedAbsentNull) {
  EXPECT_EQ(JsonNumber(42.0), "42");
  EXPECT_EQ(JsonNumber(0.1234, 2), "0.12");
  EXPECT_EQ(JsonNumber(std::nullopt), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
}

}  // namespace
}  // namespace blend::cost_curve
