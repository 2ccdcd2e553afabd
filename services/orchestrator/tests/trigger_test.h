#pragma once

// The fixture of the trigger logic's unit tests (timer_firing_test.cc,
// disposition_batch_test.cc, customer_event_batch_test.cc, touch_fence_test.cc,
// journey_cancel_test.cc, event_applier_test.cc, suppression_write_test.cc,
// journey_starter_test.cc): an InMemoryJourneyStore, a JourneyStepper over it, a clock value the
// test moves, and journeys started as the starter does (the first step in memory, then the
// row and its effects).

#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_stepper.h"
#include "blend/orchestrator/testing/in_memory_journey_store.h"
#include "blend/v1/bus.pb.h"

namespace blend::orchestrator::testing {

class TriggerTest : public ::testing::Test {
 protected:
  void Put(const std::string& id, const std::string& definition,
           const std::string& policies = "{}") {
    store_.InsertCampaignVersion(CampaignRow{id, 0, definition, policies, "{}", now_});
  }

  // Starts a journey of `campaign` for customer `customer_id` at now_, as JourneyRunner's
  // start does: the first step in memory, then the row and its effects into the store.
  std::string Start(const std::string& campaign, const std::string& customer_id) {
    auto compiled = campaigns_.Get(store_, campaign, 0, nullptr);
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    blend::v1::Customer customer;
    customer.set_customer_id(customer_id);
    customer.set_phone_e164("+14155550100");
    JourneyRow row;
    row.journey_id = absl::StrCat("j-", campaign, "-", customer_id);
    row.campaign_id = campaign;
    row.campaign_version = 1;
    row.client_key = campaign + "/" + customer_id;
    row.customer_id = customer_id;
    row.customer_json = CustomerToJson(customer);
    row.started_at = now_;
    journey::JourneyState initial;
    initial.journey_id = row.journey_id;
    initial.campaign_id = campaign;
    journey::StepResult result =
        journey::Step(**compiled, initial, journey::CustomerFacts{},
                      journey::StartTrigger{row.journey_id, nlohmann::json::object(),
                                            ToCustomerInfo(customer), row.journey_id},
                      now_);
    row.state_json = result.next.ToJson().dump();
    row.status = result.next.status;
    EXPECT_THAT(store_.InsertJourneys({row}), ::testing::SizeIs(1));
    Effects effects;
    PauseGate pauses(store_);
    TxNotes notes;
    stepper_.BufferEffects(effects, stepper_.TouchKey(store_), row, customer, **compiled, result,
                           now_, 1, notes, pauses);
    store_.WriteEffects(effects, now_);
    pauses.WriteHolds();
    return row.journey_id;
  }

  journey::JourneyStatus StatusOf(const std::string& id) {
    std::optional<JourneyRow> row = store_.FindJourney(id);
    EXPECT_TRUE(row.has_value()) << id;
    return row ? row->status : journey::JourneyStatus::kNotStarted;
  }

  // The journey's history numbers are exactly 1..n.
  bool HistoryIsContiguous(const std::string& id) {
    std::vector<HistoryRow> rows = store_.ReadHistory(id);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].seq != static_cast<int64_t>(i) + 1) return false;
    }
    return !rows.empty();
  }

  // A worker's or the dialer's answer about a touch.
  static blend::v1::Disposition Outcome(const std::string& touch_id,
                                        blend::v1::TouchOutcome outcome,
                                        blend::v1::Channel channel = blend::v1::CHANNEL_SMS) {
    blend::v1::Disposition d;
    d.set_touch_id(touch_id);
    d.set_channel(channel);
    d.set_outcome(outcome);
    return d;
  }

  static blend::v1::CustomerEvent Event(const std::string& customer, const std::string& type,
                                        const std::string& event_id) {
    blend::v1::CustomerEvent ev;
    ev.set_customer_id(customer);
    ev.set_type(type);
    ev.set_event_id(event_id);
    return ev;
  }

  // The ids of the journey's touches, in id order.
  std::vector<std::string> TouchesOf(const std::string& journey_id) {
    std::vector<std::string> ids;
    for (const auto& [id, t] : store_.touches()) {
      if (t.journey_id == journey_id) ids.push_back(id);
    }
    return ids;
  }

  std::vector<std::string> HistoryKinds(const std::string& id) {
    std::vector<std::string> kinds;
    for (const HistoryRow& row : store_.ReadHistory(id)) kinds.push_back(row.kind);
    return kinds;
  }

  // A Monday, 15:00 UTC: inside any calling window.
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 30, 15, 0, 0), absl::UTCTimeZone());
  InMemoryJourneyStore store_;
  CampaignCache campaigns_;
  JourneyStepper stepper_{campaigns_, "test."};
  TxNotes notes_;
};

}  // namespace blend::orchestrator::testing
