#include "blend/orchestrator/statuses.h"

#include <gtest/gtest.h>

#include "blend/v1/journey_service.pb.h"

namespace blend::orchestrator {
namespace {

TEST(TouchStatusTest, EveryStatusRoundTripsThroughItsColumnText) {
  for (TouchStatus s :
       {TouchStatus::kPending, TouchStatus::kClaimed, TouchStatus::kRefused, TouchStatus::kDeferred,
        TouchStatus::kSent, TouchStatus::kDone, TouchStatus::kCancelled}) {
    const std::string_view text = TouchStatusText(s);
    EXPECT_FALSE(text.empty()) << static_cast<int>(s);
    EXPECT_EQ(TouchStatusFromText(text), s) << text;
  }
}

TEST(TouchStatusTest, TheTextsAreTheOnesTheSchemaAndItsQueriesUse) {
  // SQL statements (pg_store.cc, campaign_pause.cc, campaign_stats.cc) name these literally.
  EXPECT_EQ(TouchStatusText(TouchStatus::kPending), "pending");
  EXPECT_EQ(TouchStatusText(TouchStatus::kDeferred), "deferred");
  EXPECT_EQ(TouchStatusText(TouchStatus::kDone), "done");
  EXPECT_EQ(TouchStatusFromText("sent"), TouchStatus::kSent);
  EXPECT_EQ(TouchStatusFromText("held"), std::nullopt);
  EXPECT_EQ(TouchStatusFromText("DONE"), std::nullopt) << "the column text is lower case";
}

TEST(TouchStatusTest, JourneyStatusTextIsTheNameWithoutItsEnumPrefix) {
  EXPECT_EQ(JourneyStatusText(blend::v1::JOURNEY_STATUS_SUCCEEDED), "SUCCEEDED");
  EXPECT_EQ(JourneyStatusText(blend::v1::JOURNEY_STATUS_TIMED_OUT), "TIMED_OUT");
}

}  // namespace
}  // namespace blend::orchestrator
