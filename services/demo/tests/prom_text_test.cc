#include "blend/demo/prom_text.h"

#include <gtest/gtest.h>

namespace blend::demo {
namespace {

constexpr char kText[] = R"(# HELP blend_worker_touches_total Touches
# TYPE blend_worker_touches_total counter
blend_worker_touches_total{channel="sms",outcome="SENT"} 812
blend_worker_touches_total{channel="sms",outcome="OPTED_OUT"} 3
blend_journeys_running{campaign="c",state="Day \"To\" Pay"} 640 1700000000000
blend_outbox_backlog 7
garbage line
blend_bad{unclosed="x} 1
blend_nan NaN
)";

TEST(PromTextTest, ParsesLabelsEscapesAndTimestampsAndSkipsJunk) {
  auto samples = ParsePrometheusText(kText);
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[2].labels.at("state"), "Day \"To\" Pay");
  EXPECT_EQ(samples[2].value, 640);
  EXPECT_EQ(samples[3].name, "blend_outbox_backlog");
  EXPECT_EQ(samples[3].value, 7);
}

TEST(PromTextTest, SumsWithLabelFiltersAndGroups) {
  auto samples = ParsePrometheusText(kText);
  EXPECT_EQ(SumOf(samples, "blend_worker_touches_total"), 815);
  EXPECT_EQ(SumOf(samples, "blend_worker_touches_total", {{"outcome", "SENT"}}), 812);
  EXPECT_EQ(SumOf(samples, "blend_worker_touches_total", {{"outcome", "NOPE"}}), 0);
  auto by = SumBy(samples, "blend_worker_touches_total", "outcome");
  EXPECT_EQ(by.size(), 2u);
  EXPECT_EQ(by["OPTED_OUT"], 3);
}

}  // namespace
}  // namespace blend::demo
