// Dispositions and customer events applied as batches (JourneyRunner::ApplyEvents,
// disposition_batch.h, customer_event_batch.h) on the real PostgreSQL: a whole batch stepped
// in one call, redeliveries inside and across batches applied once, an unknown touch rejected
// alone, two dispositions of one journey in message order, batched dispositions around
// messages that go one by one, and customer events batched around an opt-out and a customer
// that comes twice. The runner is driven directly (no intake consumer), on the fake clock.

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/testing/runner_test.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"

namespace blend::orchestrator::testing {
namespace {

// Two SMS touches one after the other.
constexpr char kTwoSms[] = R"json({
  "StartAt": "First", "States": {
    "First": {"Type": "Task", "Resource": "blend:sms", "Next": "Second"},
    "Second": {"Type": "Task", "Resource": "blend:sms", "End": true}}})json";

// Two SMS touches at once: two dispositions of one journey can arrive in one batch.
constexpr char kBothSms[] = R"json({
  "StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "blend:sms", "End": true}}},
      {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "blend:sms", "End": true}}}
    ]}}})json";

// Waits a day, then fails; a payment ends it well.
constexpr char kWaitForPayment[] = R"json({
  "StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "GaveUp"},
    "GaveUp": {"Type": "Fail", "Error": "NoPayment"}}})json";
constexpr char kPaymentEnds[] =
    R"json({"exitEvents": [{"eventType": "payment.received", "status": "SUCCEEDED"}]})json";

using BusEvent = JourneyRunner::BusEvent;

BusEvent CustomerEvent(const std::string& customer, const std::string& type,
                       const std::string& event_id) {
  blend::v1::CustomerEvent ev;
  ev.set_customer_id(customer);
  ev.set_type(type);
  ev.set_event_id(event_id);
  return BusEvent{"msg-" + event_id, ev};
}

BusEvent Sent(const std::string& touch_id, const std::string& message_id) {
  blend::v1::Disposition d;
  d.set_touch_id(touch_id);
  d.set_outcome(blend::v1::TOUCH_OUTCOME_SENT);
  return BusEvent{message_id, d};
}

class EventBatchTest : public RunnerTest {
 protected:
  void SetUp() override {
    RunnerTest::SetUp();
    MakeRunner(RunnerOptions{});
  }

  // The journey's touches not completed yet, in id order.
  std::vector<std::string> OpenTouches(const std::string& journey_id) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params("SELECT touch_id FROM touches WHERE journey_id = $1 "
                                          "AND status <> 'done' ORDER BY touch_id",
                                          journey_id)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }

  std::vector<absl::Status> Apply(const std::vector<BusEvent>& events) {
    absl::StatusOr<std::vector<absl::Status>> r = runner_->ApplyEvents(events);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(std::vector<absl::Status>{});
  }

  // SMS touches counted as sent in the customer's engagement profile (-1: no profile).
  int64_t SmsSent(const std::string& customer) {
    return Count(
        "SELECT COALESCE((SELECT (profile->'channels'->'sms'->>'sent')::bigint "
        "FROM engagement_profiles WHERE customer_id = '" +
        customer + "'), -1)");
  }
};

TEST_F(EventBatchTest, ABatchOfDispositionsStepsEveryJourneyInOneCall) {
  Put("two", kTwoSms);
  const std::vector<std::string> ids = StartMany("two", 40);
  std::vector<BusEvent> first;
  for (const std::string& id : ids) {
    std::vector<std::string> open = OpenTouches(id);
    ASSERT_EQ(open.size(), 1u);
    first.push_back(Sent(open[0], "first-" + id));
  }
  for (const absl::Status& s : Apply(first)) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE status = 'done' "
                  "AND reason = 'TOUCH_OUTCOME_SENT'"),
            40);
  EXPECT_EQ(Count("SELECT count(*) FROM touches"), 80);  // each journey's second touch
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 80);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE version <> 2 OR current_state <> 'Second'"),
            0);
  EXPECT_EQ(SmsSent("c0"), 1);
  EXPECT_EQ(SmsSent("c39"), 1);

  std::vector<BusEvent> second;
  for (const std::string& id : ids) {
    std::vector<std::string> open = OpenTouches(id);
    ASSERT_EQ(open.size(), 1u);
    second.push_back(Sent(open[0], "second-" + id));
  }
  for (const absl::Status& s : Apply(second)) EXPECT_TRUE(s.ok()) << s;
  for (const std::string& id : ids) EXPECT_EQ(StatusOf(id), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(SmsSent("c7"), 2);
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'TriggerIgnored'"), 0);
}

TEST_F(EventBatchTest, RedeliveriesInAndAcrossBatchesApplyOnce) {
  Put("two", kTwoSms);
  const std::string id = StartMany("two", 1)[0];
  const std::string touch = OpenTouches(id)[0];
  // Kafka's redelivery (the same message id) and a worker's republish (another id).
  for (const absl::Status& s : Apply({Sent(touch, "m1"), Sent(touch, "m1"), Sent(touch, "m2")})) {
    EXPECT_TRUE(s.ok()) << s;
  }
  const int64_t history = Count("SELECT count(*) FROM journey_history");
  EXPECT_EQ(SmsSent("c0"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM touches"), 2);
  EXPECT_EQ(Count("SELECT version FROM journeys"), 2);

  for (const absl::Status& s : Apply({Sent(touch, "m1"), Sent(touch, "m3")})) {
    EXPECT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(SmsSent("c0"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM touches"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history"), history);
  EXPECT_EQ(Count("SELECT version FROM journeys"), 2);
}

TEST_F(EventBatchTest, AnUnknownTouchIsRejectedAloneAndLeavesNoTrace) {
  Put("two", kTwoSms);
  const std::string id = StartMany("two", 1)[0];
  const std::string touch = OpenTouches(id)[0];
  std::vector<absl::Status> r = Apply({Sent("no-such-touch", "bad"), Sent(touch, "good")});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].code(), absl::StatusCode::kNotFound) << r[0];
  EXPECT_TRUE(r[1].ok()) << r[1];
  EXPECT_EQ(Count("SELECT count(*) FROM processed_messages WHERE message_id = 'bad'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM processed_messages WHERE message_id = 'good'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE current_state = 'Second'"), 1);
}

TEST_F(EventBatchTest, TwoDispositionsOfOneJourneyStepInMessageOrder) {
  Put("both", kBothSms);
  const std::vector<std::string> ids = StartMany("both", 3);
  std::vector<BusEvent> events;
  for (const std::string& id : ids) {
    for (const std::string& touch : OpenTouches(id)) events.push_back(Sent(touch, "m-" + touch));
  }
  ASSERT_EQ(events.size(), 6u);
  for (const absl::Status& s : Apply(events)) EXPECT_TRUE(s.ok()) << s;
  for (const std::string& id : ids) EXPECT_EQ(StatusOf(id), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  // The second step's history numbers follow the first's, and neither result was ignored.
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'ParallelSucceeded'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'TriggerIgnored'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE version <> 2"), 0);
  EXPECT_EQ(SmsSent("c1"), 2);
}

// The test customers share one phone number, so c1's SMS opt-out blocks every journey's next
// SMS from the moment it is recorded: c0's disposition, before it, steps to a second touch;
// c2's, after it, finds the number opted out.
TEST_F(EventBatchTest, MessagesThatGoOneByOneKeepTheirPlaceBetweenBatchedOnes) {
  Put("two", kTwoSms);
  const std::vector<std::string> ids = StartMany("two", 3);
  const std::string t0 = OpenTouches(ids[0])[0];
  const std::string t1 = OpenTouches(ids[1])[0];
  const std::string t2 = OpenTouches(ids[2])[0];
  blend::v1::Disposition opted_out;
  opted_out.set_touch_id(t1);
  opted_out.set_outcome(blend::v1::TOUCH_OUTCOME_OPTED_OUT);
  opted_out.set_channel(blend::v1::CHANNEL_SMS);
  blend::v1::CustomerEvent reply;
  reply.set_event_id("e1");
  reply.set_customer_id("c2");
  reply.set_type("replied");
  std::vector<absl::Status> r =
      Apply({Sent(t0, "m0"), BusEvent{"m1", opted_out}, BusEvent{"e1", reply}, Sent(t2, "m2")});
  for (const absl::Status& s : r) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE customer_id = 'c1'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM processed_messages WHERE message_id IN ('m0', 'm1', "
                  "'m2', 'customer-event:e1')"),
            4);
  // Before the opt-out: the second touch was scheduled.
  EXPECT_EQ(StatusOf(ids[0]), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE journey_id = '" + ids[0] +
                  "' AND kind = 'TaskScheduled' AND state_name = 'Second'"),
            1);
  EXPECT_EQ(StatusOf(ids[1]), blend::v1::JOURNEY_STATUS_FAILED);
  // After it: the second touch was suppressed, and the event's step came before the
  // disposition's.
  EXPECT_EQ(StatusOf(ids[2]), blend::v1::JOURNEY_STATUS_FAILED);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE journey_id = '" + ids[2] +
                  "' AND kind = 'TouchSuppressed' AND state_name = 'Second'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history e JOIN journey_history d "
                  "USING (journey_id) WHERE journey_id = '" +
                  ids[2] +
                  "' AND e.kind = 'TriggerIgnored' AND d.kind = 'TaskSucceeded' "
                  "AND e.seq < d.seq"),
            1);
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
}

TEST_F(EventBatchTest, CustomerEventsGoAsBatchesAroundAnOptOutAndARepeatedCustomer) {
  blend::v1::Campaign c;
  c.set_campaign_id("pay");
  c.set_definition_json(kWaitForPayment);
  c.set_policies_json(kPaymentEnds);
  std::vector<journey::ValidationProblem> problems;
  ASSERT_TRUE(runner_->PutCampaign(c, &problems).ok());
  const std::vector<std::string> ids = StartMany("pay", 5);  // customers c0..c4

  BusEvent promise = CustomerEvent("c1", "promise.made", "promise-1");
  (*std::get<blend::v1::CustomerEvent>(promise.payload)
        .mutable_attributes()
        ->mutable_fields())["promisedAmount"]
      .set_number_value(120);
  std::vector<absl::Status> results = Apply({
      CustomerEvent("c0", "payment.received", "pay-0"),  // batch 1
      promise,                                           // batch 1
      CustomerEvent("c2", "opt_out", "stop-2"),          // on its own
      CustomerEvent("c3", "payment.received", "pay-3"),  // batch 2
      CustomerEvent("c4", "payment.received", "pay-4"),  // batch 2
      CustomerEvent("c3", "sms.reply", "reply-3"),       // c3 again: batch 3
      CustomerEvent("c4", "payment.received", "pay-4"),  // a redelivery, batch 3
  });
  ASSERT_THAT(results, ::testing::SizeIs(7));
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;

  EXPECT_EQ(StatusOf(ids[0]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(StatusOf(ids[1]), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(StatusOf(ids[2]), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(StatusOf(ids[3]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(StatusOf(ids[4]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 2);  // c1's and c2's waits
  EXPECT_EQ(Count("SELECT count(*) FROM customer_facts WHERE customer_id = 'c1' "
                  "AND fact_key = 'promisedAmount' AND value = '120'::jsonb"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE customer_id = 'c2'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM processed_messages WHERE message_id LIKE "
                  "'customer-event:%'"),
            6);
  // Each payment ended its journey once: one exit entry each, no step after it.
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE status = 2 AND version <> 2"), 0);
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
}

}  // namespace
}  // namespace blend::orchestrator::testing
