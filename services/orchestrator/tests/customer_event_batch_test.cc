// The customer event batch (customer_event_batch.h) on InMemoryJourneyStore. The real-database
// side: events_kafkatest.cc and journey_flow_kafkatest.cc through JourneyRunner::ApplyEvents.

#include "blend/orchestrator/customer_event_batch.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "blend/orchestrator/engagement_recorder.h"
#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

// Waits a day, then fails: only an exit event ends it well.
constexpr char kWaitADay[] = R"json({
  "StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "GaveUp"},
    "GaveUp": {"Type": "Fail", "Error": "NoPayment"}}})json";

constexpr char kPaymentEnds[] =
    R"json({"exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}]})json";

class CustomerEventBatchTest : public testing::TriggerTest {
 protected:
  void SetUp() override {
    Put("remind", kWaitADay, kPaymentEnds);
    Put("call", kWaitADay, kPaymentEnds);
  }

  std::vector<absl::Status> Apply(const std::vector<blend::v1::CustomerEvent>& evs) {
    std::vector<const blend::v1::CustomerEvent*> ptrs;
    ptrs.reserve(evs.size());
    for (const auto& ev : evs) ptrs.push_back(&ev);
    std::vector<absl::Status> results;
    absl::Status applied =
        ApplyCustomerEventBatch(store_, stepper_, engagement_, ptrs, now_, notes_, results);
    EXPECT_TRUE(applied.ok()) << applied;
    return results;
  }

  EngagementRecorder engagement_{engagement::EngagementConfig{}};
};

TEST_F(CustomerEventBatchTest, APaymentEndsEveryRunningJourneyOfItsCustomerAndNoOther) {
  const std::string remind = Start("remind", "c1");
  const std::string call = Start("call", "c1");
  const std::string other = Start("remind", "c2");
  ASSERT_THAT(store_.timers(), SizeIs(3));

  now_ += absl::Minutes(5);
  EXPECT_THAT(Apply({Event("c1", "payment.received", "pay-1"), Event("c3", "sms.reply", "r-1")}),
              ElementsAre(absl::OkStatus(), absl::OkStatus()));
  EXPECT_EQ(StatusOf(remind), journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(StatusOf(call), journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(StatusOf(other), journey::JourneyStatus::kRunning);
  EXPECT_THAT(store_.timers(), SizeIs(1));  // c2's wait only
  EXPECT_EQ(store_.FindJourney(remind)->finished_at, now_);
  EXPECT_TRUE(HistoryIsContiguous(remind));
  EXPECT_THAT(notes_.finished, SizeIs(2));
}

TEST_F(CustomerEventBatchTest, ARedeliveredEventChangesNothing) {
  const std::string id = Start("remind", "c1");
  EXPECT_THAT(Apply({Event("c1", "promise.made", "e-1")}), ElementsAre(absl::OkStatus()));
  const JourneyRow after_first = *store_.FindJourney(id);
  const size_t history = store_.ReadHistory(id).size();
  EXPECT_THAT(Apply({Event("c1", "promise.made", "e-1")}), ElementsAre(absl::OkStatus()));
  EXPECT_EQ(store_.FindJourney(id)->version, after_first.version);
  EXPECT_EQ(store_.ReadHistory(id).size(), history);
  // The same key as the one-by-one path's, so either path catches the other's redelivery.
  EXPECT_THAT(store_.MarkProcessedMany({"customer-event:e-1"}, "customer-event", now_), SizeIs(0));
}

TEST_F(CustomerEventBatchTest, AnEventsAttributesBecomeTheCustomersFacts) {
  Start("remind", "c1");
  blend::v1::CustomerEvent ev = Event("c1", "promise.made", "e-1");
  (*ev.mutable_attributes()->mutable_fields())["promisedAmount"].set_number_value(120);
  now_ += absl::Minutes(1);
  EXPECT_THAT(Apply({ev}), ElementsAre(absl::OkStatus()));
  std::vector<FactsAndProfile> facts = store_.LoadFactsAndProfiles({{"c1", now_}});
  ASSERT_THAT(facts, SizeIs(1));
  EXPECT_EQ(nlohmann::json::parse(facts[0].facts_json)["promisedAmount"], 120);
}

TEST_F(CustomerEventBatchTest, APaymentIsAConversionOnTheCustomersProfile) {
  Start("remind", "c1");
  EXPECT_THAT(Apply({Event("c1", "payment.received", "pay-1")}), ElementsAre(absl::OkStatus()));
  ASSERT_THAT(notes_.conversions, SizeIs(1));
  EXPECT_EQ(notes_.conversions[0].channel, "none");  // no touch before it to credit
  EXPECT_THAT(store_.LockEngagementProfiles({"c1"}), SizeIs(1));
}

TEST_F(CustomerEventBatchTest, OptOutsAndInvalidEventsAreNotForTheBatch) {
  blend::v1::CustomerEvent opt_out = Event("c1", "opt_out", "o-1");
  EXPECT_FALSE(CustomerEventAppliesInBatch(opt_out));
  blend::v1::CustomerEvent sms_stop = Event("c1", "sms.stop", "o-2");
  sms_stop.mutable_opt_out()->set_address("+14155550100");
  EXPECT_FALSE(CustomerEventAppliesInBatch(sms_stop));
  EXPECT_FALSE(CustomerEventAppliesInBatch(Event("", "payment.received", "p-1")));
  EXPECT_FALSE(CustomerEventAppliesInBatch(Event("c1", "payment.received", "")));
  EXPECT_TRUE(CustomerEventAppliesInBatch(Event("c1", "payment.received", "p-1")));
}

}  // namespace
}  // namespace blend::orchestrator
