// The ASL Map state (inline) through the real orchestrator, PostgreSQL and Kafka: one SMS touch
// per item of `$.debts`, each emitted and answered exactly once (duplicate and redelivered
// dispositions included), the iterations kept in the stored journey state across an
// orchestrator restart, and the Map's result array in the finished journey's output.

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// Each debt becomes one iteration: the ItemSelector hands it the item ($$.Map.Item.Value) and
// its index, the Task's Parameters pick the item's fields (the touch's parameters), and the
// disposition's outcome lands under $.sms of the iteration's output.
constexpr char kMapDefinition[] = R"json({
  "StartAt": "NotifyEachDebt",
  "States": {
    "NotifyEachDebt": {
      "Type": "Map",
      "ItemsPath": "$.debts",
      "ItemSelector": {"debt.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index",
                       "invoice.$": "$.invoice"},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "SmsPerDebt",
        "States": {
          "SmsPerDebt": {
            "Type": "Task",
            "Resource": "blend:sms",
            "Parameters": {"debtId.$": "$.debt.id", "amount.$": "$.debt.amount",
                           "invoice.$": "$.invoice"},
            "ResultSelector": {"outcome.$": "$.outcome"},
            "ResultPath": "$.sms",
            "End": true
          }
        }
      },
      "ResultPath": "$.notified",
      "End": true
    }
  }
})json";

class MapTest : public OrchestratorTest {
 protected:
  void PutMapCampaign(const std::string& id) {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    req.mutable_campaign()->set_campaign_id(id);
    req.mutable_campaign()->set_definition_json(kMapDefinition);
    req.mutable_campaign()->set_policies_json(R"({"genesys": {"smsFromNumber": "+18005550199"}})");
    blend::v1::PutCampaignResponse resp;
    grpc::Status s = journeys_->PutCampaign(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static void AddDebt(blend::v1::StartJourneyRequest& req, const std::string& id, double amount) {
    auto* debts = (*req.mutable_input()->mutable_fields())["debts"].mutable_list_value();
    auto& fields = *debts->add_values()->mutable_struct_value()->mutable_fields();
    fields["id"].set_string_value(id);
    fields["amount"].set_number_value(amount);
  }

  // The stored run of the Map state (the one carrying mapInputs), or nullptr.
  static const google::protobuf::Struct* MapRun(const blend::v1::Journey& j) {
    auto runs = j.state().fields().find("runs");
    if (runs == j.state().fields().end()) return nullptr;
    for (const auto& [id, run] : runs->second.struct_value().fields()) {
      if (run.struct_value().fields().contains("mapInputs")) return &run.struct_value();
    }
    return nullptr;
  }
};

TEST_F(MapTest, MapOverDebtsSendsOneSmsPerDebtOnceAndSucceedsWithTheResultArray) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutMapCampaign("debts-map");
  auto req = StartRequest("debts-map", "k1", "cust-map");
  AddDebt(req, "D-1", 120);
  AddDebt(req, "D-2", 45.5);
  AddDebt(req, "D-3", 9);
  std::string id = Start(req);
  ASSERT_FALSE(id.empty());

  // Three distinct touches, one per debt; nothing more.
  auto touches = ReadTouches(sms, 3);
  ASSERT_THAT(touches, SizeIs(3));
  std::map<std::string, blend::v1::TouchCommand> by_debt;
  std::set<std::string> touch_ids;
  for (const auto& t : touches) {
    EXPECT_EQ(t.journey_id(), id);
    EXPECT_EQ(t.channel(), blend::v1::CHANNEL_SMS);
    touch_ids.insert(t.touch_id());
    blend::v1::TouchCommand stored = StoredTouch(t.touch_id());
    const auto& p = stored.parameters().fields();
    ASSERT_TRUE(p.contains("debtId")) << stored.DebugString();
    EXPECT_EQ(p.at("invoice").string_value(), "INV-k1");
    by_debt[p.at("debtId").string_value()] = t;
    if (p.at("debtId").string_value() == "D-2") {
      EXPECT_EQ(p.at("amount").number_value(), 45.5);
    }
  }
  EXPECT_THAT(touch_ids, SizeIs(3));
  ASSERT_THAT(by_debt, SizeIs(3));
  ASSERT_TRUE(by_debt.contains("D-1") && by_debt.contains("D-2") && by_debt.contains("D-3"));
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE channel = 1"), 3);

  // While the iterations wait, the journey state stores the Map with its three inputs.
  blend::v1::Journey waiting = GetJourney(id);
  EXPECT_EQ(waiting.status(), blend::v1::JOURNEY_STATUS_RUNNING);
  const google::protobuf::Struct* map_run = MapRun(waiting);
  ASSERT_NE(map_run, nullptr) << waiting.state().DebugString();
  EXPECT_EQ(map_run->fields().at("mapInputs").list_value().values_size(), 3);
  EXPECT_EQ(map_run->fields().at("waiting").string_value(), "branches");
  EXPECT_EQ(map_run->fields().at("pendingBranches").number_value(), 3);

  // D-1 answered, delivered twice under one message id and re-published under another: the
  // iteration completes once, no touch is sent again.
  const blend::v1::TouchCommand& d1 = by_debt["D-1"];
  PublishDisposition(d1, blend::v1::TOUCH_OUTCOME_SENT, "map-d1");
  PublishDisposition(d1, blend::v1::TOUCH_OUTCOME_SENT, "map-d1");
  PublishDisposition(d1, blend::v1::TOUCH_OUTCOME_SENT, "map-d1-again");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") == 2;
  }));
  blend::v1::Journey one_done = GetJourney(id);
  EXPECT_EQ(one_done.status(), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(CountHistory(one_done, "TaskSucceeded"), 1) << one_done.DebugString();
  map_run = MapRun(one_done);
  ASSERT_NE(map_run, nullptr) << one_done.state().DebugString();
  EXPECT_EQ(map_run->fields().at("pendingBranches").number_value(), 2);

  // A fresh orchestrator on the same database carries the Map on from the stored state only.
  orchestrators_.back()->Shutdown();
  StartOrchestrator();
  PublishDisposition(d1, blend::v1::TOUCH_OUTCOME_SENT, "map-d1-after-restart");
  PublishDisposition(by_debt["D-2"], blend::v1::TOUCH_OUTCOME_SENT, "map-d2");
  PublishDisposition(by_debt["D-3"], blend::v1::TOUCH_OUTCOME_SENT, "map-d3");
  ASSERT_TRUE(WaitUntil([&] {
    return GetJourney(id).status() != blend::v1::JOURNEY_STATUS_RUNNING;
  })) << GetJourney(id).DebugString();
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") == 5;
  }));

  blend::v1::Journey done = GetJourney(id);
  ASSERT_EQ(done.status(), blend::v1::JOURNEY_STATUS_SUCCEEDED) << done.DebugString();
  EXPECT_TRUE(done.has_finished_at());
  // The Map's result: one element per debt, in the items' order, each with its SMS outcome.
  const auto& out = done.state().fields().at("output").struct_value().fields();
  ASSERT_TRUE(out.contains("notified")) << done.state().DebugString();
  const auto& notified = out.at("notified").list_value();
  ASSERT_EQ(notified.values_size(), 3) << done.state().DebugString();
  const char* kIds[] = {"D-1", "D-2", "D-3"};
  for (int i = 0; i < 3; ++i) {
    const auto& item = notified.values(i).struct_value().fields();
    EXPECT_EQ(item.at("debt").struct_value().fields().at("id").string_value(), kIds[i]);
    EXPECT_EQ(item.at("index").number_value(), i);
    EXPECT_EQ(item.at("invoice").string_value(), "INV-k1");
    EXPECT_EQ(item.at("sms").struct_value().fields().at("outcome").string_value(), "SENT");
  }
  EXPECT_EQ(out.at("debts").list_value().values_size(), 3);
  EXPECT_EQ(MapRun(done), nullptr) << "the finished Map keeps no iteration state";

  // The stored history tells the Map's story: started with 3 items, one task per touch.
  int started = 0, succeeded = 0;
  std::vector<std::string> answered;
  for (const auto& h : done.history()) {
    if (h.kind() == "MapStarted") {
      ++started;
      EXPECT_EQ(h.state_name(), "NotifyEachDebt");
      EXPECT_EQ(h.detail().fields().at("items").number_value(), 3);
    } else if (h.kind() == "MapSucceeded") {
      ++succeeded;
      EXPECT_EQ(h.detail().fields().at("failedItems").number_value(), 0);
    } else if (h.kind() == "TaskSucceeded") {
      EXPECT_EQ(h.state_name(), "SmsPerDebt");
      answered.push_back(h.detail().fields().at("touchId").string_value());
    }
  }
  EXPECT_EQ(started, 1) << done.DebugString();
  EXPECT_EQ(succeeded, 1) << done.DebugString();
  EXPECT_THAT(answered, UnorderedElementsAre(by_debt["D-1"].touch_id(), by_debt["D-2"].touch_id(),
                                             by_debt["D-3"].touch_id()));

  // Still exactly one touch per debt, on the bus and in the store.
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(2)), IsEmpty());
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE channel = 1"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
}

}  // namespace
}  // namespace blend::orchestrator::testing
