// RecordSuppression (suppression_write.h) on InMemoryJourneyStore: which queued calls a new
// consent record takes back out of the dialer. consent_kafkatest.cc runs it through the
// ConsentService on the real database.

#include "blend/orchestrator/suppression_write.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "trigger_test.h"

namespace blend::orchestrator {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kSuppressCall[] = R"json({
  "StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "blend:voice", "End": true}}})json";

class SuppressionWriteTest : public testing::TriggerTest {
 protected:
  std::string QueuedCall(const std::string& campaign, const std::string& customer) {
    std::string touch = TouchesOf(Start(campaign, customer))[0];
    store_.MarkTouchClaimed(touch, "dialer", now_);
    return touch;
  }

  static consent::Record Record(const std::string& customer, consent::Scope channel,
                                consent::Reason reason) {
    consent::Record r;
    r.customer_id = customer;
    r.channel = channel;
    r.reason = reason;
    r.source = "test";
    return r;
  }
};

TEST_F(SuppressionWriteTest, ALegalHoldWithdrawsTheCustomersQueuedCallsOnce) {
  Put("call", kSuppressCall);
  const std::string touch = QueuedCall("call", "c1");
  const size_t outbox_before = store_.outbox().size();
  const consent::Record hold = Record("c1", consent::Scope::kAll, consent::Reason::kLegalHold);

  const SuppressionPut first = RecordSuppression(store_, stepper_, hold, now_, notes_);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(store_.touches().at(touch).withdraw_reason, "suppressed: legal_hold");
  EXPECT_THAT(store_.outbox(), SizeIs(outbox_before + 1));
  EXPECT_THAT(HistoryKinds("j-call-c1"), ::testing::Contains("touch_withdraw_requested"));

  // The same record again: no new record, no second withdrawal.
  const SuppressionPut again = RecordSuppression(store_, stepper_, hold, now_, notes_);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.record.suppression_id, first.record.suppression_id);
  EXPECT_THAT(store_.outbox(), SizeIs(outbox_before + 1));
  EXPECT_THAT(notes_.suppressions, ElementsAre("legal_hold", "legal_hold"));
}

TEST_F(SuppressionWriteTest, AnSmsOptOutLeavesTheCallOfACampaignScopedByChannel) {
  Put("scoped", kSuppressCall, R"json({"optOutScope": "channel"})json");
  Put("all", kSuppressCall);
  const std::string scoped = QueuedCall("scoped", "c1");
  const std::string all = QueuedCall("all", "c1");

  RecordSuppression(store_, stepper_, Record("c1", consent::Scope::kSms, consent::Reason::kOptOut),
                    now_, notes_);
  EXPECT_EQ(store_.touches().at(scoped).withdraw_reason, std::nullopt);
  EXPECT_EQ(store_.touches().at(all).withdraw_reason, "opted_out");
}

TEST_F(SuppressionWriteTest, ARecordAboutAnotherCustomerWithdrawsNothing) {
  Put("call", kSuppressCall);
  const std::string touch = QueuedCall("call", "c1");

  RecordSuppression(store_, stepper_, Record("c2", consent::Scope::kAll, consent::Reason::kOptOut),
                    now_, notes_);
  EXPECT_EQ(store_.touches().at(touch).withdraw_reason, std::nullopt);
}

}  // namespace
}  // namespace blend::orchestrator
