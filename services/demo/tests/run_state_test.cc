#include "blend/demo/run_state.h"

#include <gtest/gtest.h>

#include "blend/common/testing/times.h"

namespace blend::demo {
namespace {

using test_support::At;

TEST(RunStateTest, RoundTripsThroughJson) {
  RunState s;
  s.started = At("2026-01-06T15:00:00.250Z");
  s.journey_of_customer = {{"c-1", "j-1"}, {"c-2", "j-2"}};
  s.rejected = 1;
  s.not_started = {"c-3"};
  s.payments = {{"c-1", {At("2026-01-06T15:00:10.125Z"), 1}}};
  s.payments_not_sent = {"c-4"};
  auto back = RunStateFromJson(nlohmann::json::parse(RunStateToJson(s).dump()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->started, s.started);
  EXPECT_EQ(back->journey_of_customer, s.journey_of_customer);
  EXPECT_EQ(back->rejected, 1);
  EXPECT_EQ(back->not_started, s.not_started);
  ASSERT_EQ(back->payments.size(), 1u);
  EXPECT_EQ(back->payments.at("c-1").acknowledged, At("2026-01-06T15:00:10.125Z"));
  EXPECT_EQ(back->payments.at("c-1").journeys_matched, 1);
  EXPECT_EQ(back->payments_not_sent, s.payments_not_sent);
}

TEST(RunStateTest, IncompleteOrMalformedStateIsRejected) {
  nlohmann::json j = RunStateToJson(RunState{});
  j.erase("payments");
  EXPECT_EQ(RunStateFromJson(j).status().code(), absl::StatusCode::kInvalidArgument);
  j = RunStateToJson(RunState{});
  j["started"] = "yesterday";
  EXPECT_EQ(RunStateFromJson(j).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadRunState("/nonexistent/run-state.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace blend::demo
