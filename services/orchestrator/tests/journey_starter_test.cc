// StartJourneys (journey_starter.h) on InMemoryJourneyStore. journey_flow_kafkatest.cc and
// scale_kafkatest.cc start journeys through the JourneyService on the real database.

#include "blend/orchestrator/journey_starter.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kStarterSms[] = R"json({
  "StartAt": "Remind", "States": {
    "Remind": {"Type": "Task", "Resource": "blend:sms", "End": true}}})json";

constexpr char kStarterDone[] = R"json({
  "StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})json";

class JourneyStarterTest : public testing::TriggerTest {
 protected:
  static blend::v1::StartJourneyRequest Request(const std::string& campaign, const std::string& key,
                                                const std::string& customer, int amount = 1) {
    blend::v1::StartJourneyRequest r;
    r.set_campaign_id(campaign);
    r.set_client_key(key);
    r.mutable_customer()->set_customer_id(customer);
    r.mutable_customer()->set_phone_e164("+14155550100");
    (*r.mutable_input()->mutable_fields())["amount"].set_number_value(amount);
    return r;
  }

  std::vector<blend::v1::StartJourneyResult> StartAll(
      const std::vector<blend::v1::StartJourneyRequest>& requests) {
    return StartJourneys(store_, stepper_, campaigns_, requests, now_, notes_, row_status_);
  }

  std::vector<absl::Status> row_status_;
};

TEST_F(JourneyStarterTest, EachRowStartsWithItsFirstStepAndTouch) {
  Put("sms", kStarterSms);
  const std::vector<blend::v1::StartJourneyResult> results =
      StartAll({Request("sms", "k1", "c1"), Request("sms", "k2", "c2")});
  ASSERT_THAT(results, SizeIs(2));
  EXPECT_THAT(row_status_, ElementsAre(absl::OkStatus(), absl::OkStatus()));
  for (const blend::v1::StartJourneyResult& r : results) {
    EXPECT_TRUE(r.accepted());
    EXPECT_EQ(r.reason(), "");
    std::optional<JourneyRow> row = store_.FindJourney(r.journey_id());
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->status, journey::JourneyStatus::kRunning);
    EXPECT_EQ(row->current_state, "Remind");
    EXPECT_EQ(row->campaign_version, 1);
    EXPECT_THAT(TouchesOf(r.journey_id()), SizeIs(1));
    EXPECT_TRUE(HistoryIsContiguous(r.journey_id()));
  }
  EXPECT_THAT(store_.outbox(), SizeIs(2));
  EXPECT_THAT(notes_.started, ElementsAre("sms", "sms"));
}

TEST_F(JourneyStarterTest, AClientKeyUsedAgainIsTheSameJourneyOnlyWithTheSameInput) {
  Put("sms", kStarterSms);
  const std::string first = StartAll({Request("sms", "k1", "c1")})[0].journey_id();

  const blend::v1::StartJourneyResult same = StartAll({Request("sms", "k1", "c1")})[0];
  EXPECT_TRUE(row_status_[0].ok());
  EXPECT_TRUE(same.accepted());
  EXPECT_EQ(same.journey_id(), first);
  EXPECT_EQ(same.reason(), "duplicate of an existing journey with the same input");

  const blend::v1::StartJourneyResult other = StartAll({Request("sms", "k1", "c1", 2)})[0];
  EXPECT_EQ(row_status_[0].code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(other.accepted());
  EXPECT_THAT(other.reason(), ::testing::HasSubstr(first));
  EXPECT_THAT(store_.outbox(), SizeIs(1));  // one journey, one touch
}

TEST_F(JourneyStarterTest, AnUnknownCampaignRejectsItsRowAndNotTheOthers) {
  Put("sms", kStarterSms);
  const std::vector<blend::v1::StartJourneyResult> results =
      StartAll({Request("nope", "k1", "c1"), Request("sms", "k2", "c2")});
  EXPECT_EQ(row_status_[0].code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(results[0].accepted());
  EXPECT_FALSE(results[0].reason().empty());
  EXPECT_TRUE(results[1].accepted());
}

TEST_F(JourneyStarterTest, AJourneyThatEndsInItsFirstStepIsCountedAsFinished) {
  Put("done", kStarterDone);
  const blend::v1::StartJourneyResult r = StartAll({Request("done", "k1", "c1")})[0];
  EXPECT_EQ(StatusOf(r.journey_id()), journey::JourneyStatus::kSucceeded);
  ASSERT_THAT(notes_.finished, SizeIs(1));
  EXPECT_EQ(notes_.finished[0].second, "SUCCEEDED");
}

TEST_F(JourneyStarterTest, APausedCampaignsFirstTouchIsHeldWithoutAnOutboxRow) {
  Put("sms", kStarterSms);
  store_.SetPaused("sms", true, "ops", "incident", now_);
  const blend::v1::StartJourneyResult r = StartAll({Request("sms", "k1", "c1")})[0];
  ASSERT_TRUE(r.accepted());
  const std::string touch = TouchesOf(r.journey_id())[0];
  EXPECT_EQ(store_.touches().at(touch).status, TouchStatus::kDeferred);
  EXPECT_EQ(store_.touches().at(touch).reason, "campaign paused");
  EXPECT_THAT(store_.outbox(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace blend::orchestrator
