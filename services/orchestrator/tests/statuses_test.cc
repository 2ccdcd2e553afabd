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

TEST(JourneyStatusTest, TextIsTheNameUsedInReasonsAndMetricLabels) {
  EXPECT_EQ(JourneyStatusText(journey::JourneyStatus::kSucceeded), "SUCCEEDED");
  EXPECT_EQ(JourneyStatusText(journey::JourneyStatus::kTimedOut), "TIMED_OUT");
}

TEST(JourneyStatusTest, EveryStoredStatusRoundTripsThroughItsColumnNumber) {
  for (journey::JourneyStatus s :
       {journey::JourneyStatus::kRunning, journey::JourneyStatus::kSucceeded,
        journey::JourneyStatus::kFailed, journey::JourneyStatus::kCancelled,
        journey::JourneyStatus::kTimedOut}) {
    EXPECT_EQ(JourneyStatusFromCode(JourneyStatusCode(s)), s) << JourneyStatusText(s);
  }
}

TEST(JourneyStatusTest, TheNumbersAreTheApisAndUnknownOnesAreRefused) {
  // Rows written by earlier builds hold the blend.v1.JourneyStatus numbers; SQL writes 1.
  EXPECT_EQ(JourneyStatusCode(journey::JourneyStatus::kRunning), kRunningJourneyCode);
  EXPECT_EQ(JourneyStatusCode(journey::JourneyStatus::kSucceeded),
            blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(JourneyStatusCode(journey::JourneyStatus::kTimedOut),
            blend::v1::JOURNEY_STATUS_TIMED_OUT);
  EXPECT_EQ(JourneyStatusFromCode(0), std::nullopt) << "UNSPECIFIED is never stored";
  EXPECT_EQ(JourneyStatusFromCode(42), std::nullopt);
}

}  // namespace
}  // namespace blend::orchestrator
