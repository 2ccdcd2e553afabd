#pragma once

// The JourneyStore contract (journey_store.h): the same cases against every store, so the
// unit tests that run the trigger logic on InMemoryJourneyStore say something about
// PostgreSQL. Instantiated by journey_store_memory_test.cc (in-memory, unit) and
// journey_store_pgtest.cc (PgJourneyStore on a fresh database, integration).
//
// A backend B provides: absl::Status Open(); JourneyStore& store(); void Commit() (PostgreSQL:
// commit and begin the next transaction); void HoldJourney(id) (another transaction locks the
// row; data committed first); std::vector<OutboxSeen> Outbox() (every outbox row, in id
// order).

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "blend/consent/consent.h"
#include "blend/orchestrator/effects.h"
#include "blend/orchestrator/journey_store.h"
#include "blend/orchestrator/store_rows.h"
#include "blend/v1/common.pb.h"

namespace blend::orchestrator::testing {

struct OutboxSeen {
  std::string topic;
  std::string key;
  std::string payload;
  absl::Time available_at;
  bool operator==(const OutboxSeen&) const = default;
};

template <class Backend>
class JourneyStoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status open = backend_.Open();
    ASSERT_TRUE(open.ok()) << open;
    CampaignRow campaign{"camp", 0,    R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})",
                         "{}",   "{}", t0_};
    ASSERT_EQ(store().InsertCampaignVersion(campaign), 1);
  }

  JourneyStore& store() { return backend_.store(); }

  JourneyRow Journey(const std::string& id, const std::string& customer = "cust") {
    JourneyRow j;
    j.journey_id = id;
    j.campaign_id = "camp";
    j.campaign_version = 1;
    j.client_key = "key-" + id;
    j.input_hash = "hash-" + id;
    j.customer_id = customer;
    j.customer_json = R"({"customerId":")" + customer + R"("})";
    j.current_state = "A";
    j.state_json = R"({"journeyId":")" + id + R"("})";
    j.started_at = t0_;
    return j;
  }

  void InsertJourneys(const std::vector<std::string>& ids) {
    std::vector<JourneyRow> rows;
    rows.reserve(ids.size());
    for (const std::string& id : ids) rows.push_back(Journey(id));
    ASSERT_EQ(store().InsertJourneys(rows), ids);
  }

  TouchRow Touch(const std::string& touch_id, const std::string& journey_id,
                 blend::v1::Channel channel, const std::string& customer = "cust") {
    TouchRow t;
    t.touch_id = touch_id;
    t.journey_id = journey_id;
    t.customer_id = customer;
    t.channel = static_cast<int16_t>(channel);
    t.command = "command of " + touch_id;
    if (channel == blend::v1::CHANNEL_VOICE) t.genesys_contact_id = "contact-" + touch_id;
    return t;
  }

  void AddTouches(const std::vector<TouchRow>& touches) {
    Effects effects;
    for (const TouchRow& t : touches) effects.AddTouch(t);
    store().WriteEffects(effects, t0_);
  }

  TouchRow StoredTouch(const std::string& touch_id) {
    std::vector<TouchRow> found = store().FindTouches({touch_id});
    EXPECT_EQ(found.size(), 1u) << touch_id;
    return found.empty() ? TouchRow{} : found[0];
  }

  std::vector<std::string> Ids(const std::vector<JourneyRow>& rows) {
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (const JourneyRow& r : rows) ids.push_back(r.journey_id);
    return ids;
  }

  const absl::Time t0_ = absl::FromUnixSeconds(1'767'000'000);
  Backend backend_;
};

TYPED_TEST_SUITE_P(JourneyStoreContract);

TYPED_TEST_P(JourneyStoreContract, CampaignVersionsCountUpAndVersionZeroIsTheLatest) {
  CampaignRow second{"camp", 0, "{}", R"({"caps":1})", "{}", this->t0_ + absl::Seconds(1)};
  EXPECT_EQ(this->store().InsertCampaignVersion(second), 2);
  ASSERT_TRUE(this->store().FindCampaign("camp", 0).has_value());
  EXPECT_EQ(this->store().FindCampaign("camp", 0)->version, 2);
  EXPECT_EQ(nlohmann::json::parse(this->store().FindCampaign("camp", 0)->policies_json),
            nlohmann::json::parse(R"({"caps":1})"));
  ASSERT_TRUE(this->store().FindCampaign("camp", 1).has_value());
  EXPECT_EQ(this->store().FindCampaign("camp", 1)->version, 1);
  EXPECT_FALSE(this->store().FindCampaign("camp", 3).has_value());
  EXPECT_FALSE(this->store().FindCampaign("other", 0).has_value());
}

TYPED_TEST_P(JourneyStoreContract, InsertJourneysSkipsAClientKeyAlreadyUsed) {
  this->InsertJourneys({"j1"});
  JourneyRow again = this->Journey("j2");
  again.client_key = "key-j1";  // j1's key
  EXPECT_THAT(this->store().InsertJourneys({again, this->Journey("j3")}),
              ::testing::ElementsAre("j3"));
  EXPECT_FALSE(this->store().FindJourney("j2").has_value());
  std::optional<JourneyRow> j1 = this->store().FindJourney("j1");
  ASSERT_TRUE(j1.has_value());
  EXPECT_EQ(j1->version, 1);
  EXPECT_EQ(j1->customer_id, "cust");
  EXPECT_EQ(j1->started_at, this->t0_);
  EXPECT_EQ(j1->updated_at, this->t0_);
  EXPECT_EQ(j1->status, journey::JourneyStatus::kRunning);
  EXPECT_FALSE(j1->pending_timer.has_value());
  // The key finds its journey, with the input hash a start compares.
  std::optional<JourneyKeyMatch> held = this->store().FindJourneyByKey("camp", "key-j1");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->journey_id, "j1");
  EXPECT_EQ(held->input_hash, "hash-j1");
  EXPECT_FALSE(this->store().FindJourneyByKey("camp", "key-j2").has_value());
  EXPECT_FALSE(this->store().FindJourneyByKey("other", "key-j1").has_value());
}

TYPED_TEST_P(JourneyStoreContract, LockSkipsJourneysHeldElsewhereAndUnknownOnesInIdOrder) {
  this->InsertJourneys({"j1", "j2", "j3"});
  this->backend_.Commit();
  this->backend_.HoldJourney("j2");
  EXPECT_THAT(this->Ids(this->store().LockJourneysSkipLocked({"j3", "nope", "j2", "j1", "j3"})),
              ::testing::ElementsAre("j1", "j3"));
}

TYPED_TEST_P(JourneyStoreContract, UpdateJourneysChecksVersionsAndDerivesThePendingTimer) {
  this->InsertJourneys({"j1", "j2"});
  this->store().UpsertTimer("j1", "late", this->t0_ + absl::Seconds(90), this->t0_);
  this->store().UpsertTimer("j1", "soon", this->t0_ + absl::Seconds(30), this->t0_);
  JourneyRow j1 = *this->store().FindJourney("j1");
  JourneyRow j2 = *this->store().FindJourney("j2");
  j1.status = journey::JourneyStatus::kSucceeded;
  j1.current_state = "Done";
  j1.updated_at = this->t0_ + absl::Seconds(5);
  j1.finished_at = this->t0_ + absl::Seconds(5);
  j2.current_state = "B";
  ASSERT_TRUE(this->store().UpdateJourneys({&j1, &j2}));
  EXPECT_EQ(j1.version, 2);
  EXPECT_EQ(j1.pending_timer, this->t0_ + absl::Seconds(30));
  EXPECT_FALSE(j2.pending_timer.has_value());
  std::optional<JourneyRow> stored = this->store().FindJourney("j1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->status, journey::JourneyStatus::kSucceeded);
  EXPECT_EQ(stored->current_state, "Done");
  EXPECT_EQ(stored->finished_at, this->t0_ + absl::Seconds(5));
  EXPECT_EQ(stored->pending_timer, this->t0_ + absl::Seconds(30));

  JourneyRow stale = this->Journey("j2");  // version 1; j2 is at 2 now
  EXPECT_FALSE(this->store().UpdateJourneys({&stale}));
}

TYPED_TEST_P(JourneyStoreContract, DueTimersComeOldestFirstUpToTheLimit) {
  this->InsertJourneys({"j1", "j2", "j3"});
  this->store().UpsertTimer("j1", "a", this->t0_ + absl::Seconds(20), this->t0_);
  this->store().UpsertTimer("j2", "b", this->t0_ + absl::Seconds(10), this->t0_);
  this->store().UpsertTimer("j3", "c", this->t0_ + absl::Seconds(60), this->t0_);
  this->store().UpsertTimer("j1", "d", this->t0_ + absl::Seconds(30), this->t0_);
  this->store().UpsertTimer("j1", "a", this->t0_ + absl::Seconds(5), this->t0_);  // moved
  std::vector<DueTimer> due = this->store().ClaimDueTimers(this->t0_ + absl::Seconds(30), 2);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].journey_id, "j1");
  EXPECT_EQ(due[0].key, "a");
  EXPECT_EQ(due[0].due, this->t0_ + absl::Seconds(5));
  EXPECT_EQ(due[1].key, "b");
  EXPECT_EQ(this->store().ClaimDueTimers(this->t0_ + absl::Seconds(30), 10).size(), 3u);
  EXPECT_TRUE(this->store().ClaimDueTimers(this->t0_, 10).empty());
}

TYPED_TEST_P(JourneyStoreContract, HistoryOfAWriteIsNumberedAfterTheJourneysLastRow) {
  this->InsertJourneys({"j1", "j2"});
  this->store().AppendHistory("j1", HistoryRow{0, this->t0_, "started", "A", "{}"});
  Effects effects;
  effects.AddHistory("j1", HistoryRow{1, this->t0_, "state_entered", "B", R"({"n":1})"});
  effects.AddHistory("j2", HistoryRow{1, this->t0_, "state_entered", "B", "{}"});
  effects.AddHistory("j1", HistoryRow{2, this->t0_, "state_exited", "B", "{}"});
  this->store().WriteEffects(effects, this->t0_);
  std::vector<HistoryRow> h1 = this->store().ReadHistory("j1");
  ASSERT_EQ(h1.size(), 3u);
  EXPECT_EQ(h1[0].kind, "started");
  EXPECT_EQ(h1[1].seq, 2);
  EXPECT_EQ(h1[1].kind, "state_entered");
  EXPECT_EQ(nlohmann::json::parse(h1[1].detail_json), nlohmann::json::parse(R"({"n":1})"));
  EXPECT_EQ(h1[2].seq, 3);
  EXPECT_EQ(h1[2].kind, "state_exited");
  ASSERT_EQ(this->store().ReadHistory("j2").size(), 1u);
  EXPECT_EQ(this->store().ReadHistory("j2")[0].seq, 1);
}

TYPED_TEST_P(JourneyStoreContract, TimerOperationsKeepTheLastOneAndAnEndClearsTheJourney) {
  this->InsertJourneys({"j1", "j2"});
  this->AddTouches({this->Touch("t-pending", "j1", blend::v1::CHANNEL_SMS),
                    this->Touch("t-claimed", "j1", blend::v1::CHANNEL_SMS),
                    this->Touch("t-other", "j2", blend::v1::CHANNEL_SMS)});
  this->store().MarkTouchClaimed("t-claimed", "worker-1", this->t0_);
  this->store().UpsertTimer("j1", "old", this->t0_ + absl::Seconds(5), this->t0_);
  Effects effects;
  effects.SetTimer("j2", "x", this->t0_ + absl::Seconds(10));
  effects.CancelTimer("j2", "x");
  effects.SetTimer("j2", "y", this->t0_ + absl::Seconds(20));
  effects.CancelTimer("j2", "z");
  effects.SetTimer("j2", "z", this->t0_ + absl::Seconds(30));
  effects.Finish("j1", "journey finished: SUCCEEDED");
  this->store().WriteEffects(effects, this->t0_);
  std::vector<DueTimer> due = this->store().ClaimDueTimers(this->t0_ + absl::Hours(1), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].journey_id, "j2");
  EXPECT_EQ(due[0].key, "y");
  EXPECT_EQ(due[1].key, "z");
  EXPECT_EQ(this->StoredTouch("t-pending").status, TouchStatus::kCancelled);
  EXPECT_EQ(this->StoredTouch("t-pending").reason, "journey finished: SUCCEEDED");
  EXPECT_EQ(this->StoredTouch("t-claimed").status, TouchStatus::kClaimed);
  EXPECT_EQ(this->StoredTouch("t-other").status, TouchStatus::kPending);
}

TYPED_TEST_P(JourneyStoreContract, ANewTouchIsPendingAndATouchIdAlreadyStoredIsLeftAlone) {
  this->InsertJourneys({"j1"});
  TouchRow t = this->Touch("t1", "j1", blend::v1::CHANNEL_VOICE);
  t.not_before = this->t0_ + absl::Minutes(5);
  t.status = TouchStatus::kDone;  // ignored: a new touch is pending
  this->AddTouches({t});
  this->store().MarkTouchClaimed("t1", "worker-1", this->t0_ + absl::Seconds(1));
  this->AddTouches({this->Touch("t1", "j1", blend::v1::CHANNEL_VOICE)});
  TouchRow stored = this->StoredTouch("t1");
  EXPECT_EQ(stored.status, TouchStatus::kClaimed);
  EXPECT_EQ(stored.claimed_by, "worker-1");
  EXPECT_EQ(stored.claimed_at, this->t0_ + absl::Seconds(1));
  EXPECT_EQ(stored.attempt, 1);
  EXPECT_EQ(stored.command, "command of t1");
  EXPECT_EQ(stored.created_at, this->t0_);
  EXPECT_EQ(stored.not_before, this->t0_ + absl::Minutes(5));
  EXPECT_EQ(stored.genesys_contact_id, "contact-t1");
  EXPECT_EQ(stored.channel, blend::v1::CHANNEL_VOICE);
  EXPECT_THAT(this->store().FindTouches({"zz", "t1"}), ::testing::SizeIs(1));
}

TYPED_TEST_P(JourneyStoreContract, FactsAreThoseReceivedSinceAnInstantAndEmptyProfilesAreNone) {
  this->store().UpsertFacts("c1", R"({"paid":false,"tier":"gold"})", this->t0_);
  this->store().UpsertFacts("c1", R"({"paid":true})", this->t0_ + absl::Seconds(10));
  EXPECT_THAT(this->store().InsertEngagementProfiles(
                  {{"c1", R"({"sms":{"answered":3}})"}, {"c2", "{}"}}, this->t0_),
              ::testing::ElementsAre("c1", "c2"));
  std::vector<FactsAndProfile> got = this->store().LoadFactsAndProfiles(
      {{"c1", this->t0_}, {"c1", this->t0_ + absl::Seconds(5)}, {"c2", this->t0_}});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(got[0].facts_json),
            nlohmann::json::parse(R"({"paid":true,"tier":"gold"})"));
  EXPECT_EQ(nlohmann::json::parse(got[1].facts_json), nlohmann::json::parse(R"({"paid":true})"));
  EXPECT_EQ(nlohmann::json::parse(got[2].facts_json), nlohmann::json::object());
  ASSERT_TRUE(got[0].profile_json.has_value());
  EXPECT_EQ(nlohmann::json::parse(*got[0].profile_json),
            nlohmann::json::parse(R"({"sms":{"answered":3}})"));
  EXPECT_FALSE(got[2].profile_json.has_value());
}

TYPED_TEST_P(JourneyStoreContract, ConsentInForceIsFoundByCustomerOrAddressUntilItExpires) {
  consent::Record by_id;
  by_id.customer_id = "c1";
  by_id.channel = consent::Scope::kSms;
  by_id.source = "test";
  consent::Record by_phone;
  by_phone.address = "+14155550100";
  by_phone.reason = consent::Reason::kDnc;
  by_phone.source = "test";
  by_phone.expires_at = this->t0_ + absl::Hours(1);
  consent::Record other;
  other.customer_id = "c9";
  other.source = "test";
  const SuppressionPut first = this->store().PutSuppression(by_id, this->t0_);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(first.record.suppression_id.empty());
  EXPECT_EQ(first.record.recorded_at, this->t0_);
  by_id.note = "again";
  const SuppressionPut again = this->store().PutSuppression(by_id, this->t0_ + absl::Seconds(1));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.record.suppression_id, first.record.suppression_id);
  EXPECT_EQ(again.record.recorded_at, this->t0_);
  EXPECT_EQ(again.record.note, "again");
  this->store().PutSuppression(by_phone, this->t0_);
  this->store().PutSuppression(other, this->t0_);

  std::vector<consent::Record> found =
      this->store().FindConsent({"c1", ""}, {"+14155550100", ""}, this->t0_);
  ASSERT_EQ(found.size(), 2u);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.customer_id > b.customer_id; });
  EXPECT_EQ(found[0].customer_id, "c1");
  EXPECT_EQ(found[0].note, "again");
  EXPECT_EQ(found[1].address, "+14155550100");
  EXPECT_EQ(found[1].reason, consent::Reason::kDnc);
  EXPECT_THAT(this->store().FindConsent({"c1"}, {"+14155550100"}, this->t0_ + absl::Hours(2)),
              ::testing::SizeIs(1));
  EXPECT_THAT(this->store().FindConsent({""}, {""}, this->t0_), ::testing::IsEmpty());
}

TYPED_TEST_P(JourneyStoreContract, ClaimTimesAreTheClaimsOnAChannelSinceAnInstant) {
  this->InsertJourneys({"j1"});
  this->AddTouches({this->Touch("t1", "j1", blend::v1::CHANNEL_SMS, "c1"),
                    this->Touch("t2", "j1", blend::v1::CHANNEL_SMS, "c1"),
                    this->Touch("t3", "j1", blend::v1::CHANNEL_EMAIL, "c1"),
                    this->Touch("t4", "j1", blend::v1::CHANNEL_SMS, "c2"),
                    this->Touch("t5", "j1", blend::v1::CHANNEL_SMS, "c1")});
  this->store().MarkTouchClaimed("t1", "w", this->t0_ - absl::Hours(2));
  this->store().MarkTouchClaimed("t2", "w", this->t0_);
  this->store().MarkTouchClaimed("t3", "w", this->t0_);
  this->store().MarkTouchClaimed("t4", "w", this->t0_);
  auto times = this->store().ClaimedTouchTimesOf({"c1", "c3"}, blend::v1::CHANNEL_SMS,
                                                 this->t0_ - absl::Hours(1));
  ASSERT_EQ(times.size(), 1u);
  EXPECT_THAT(times["c1"], ::testing::ElementsAre(this->t0_));
}

TYPED_TEST_P(JourneyStoreContract, APauseHoldsOnlyPendingTouchesUntilTheResume) {
  this->InsertJourneys({"j1"});
  this->AddTouches({this->Touch("t1", "j1", blend::v1::CHANNEL_SMS),
                    this->Touch("t2", "j1", blend::v1::CHANNEL_SMS)});
  this->store().MarkTouchClaimed("t2", "w", this->t0_);
  EXPECT_FALSE(this->store().CampaignPaused("camp"));
  this->store().SetPaused("camp", true, "ops", "test", this->t0_);
  EXPECT_TRUE(this->store().CampaignPaused("camp"));
  this->store().HoldTouches({"t1", "t2", "unknown"});
  EXPECT_EQ(this->StoredTouch("t1").status, TouchStatus::kDeferred);
  EXPECT_EQ(this->StoredTouch("t1").reason, "campaign paused");
  EXPECT_EQ(this->StoredTouch("t2").status, TouchStatus::kClaimed);
  this->store().SetPaused("camp", false, "ops", "test", this->t0_);
  EXPECT_FALSE(this->store().CampaignPaused("camp"));
}

TYPED_TEST_P(JourneyStoreContract, ADeferredTouchKeepsItsMomentUnlessANewOneIsGiven) {
  this->InsertJourneys({"j1"});
  TouchRow quiet = this->Touch("t1", "j1", blend::v1::CHANNEL_SMS);
  quiet.not_before = this->t0_;
  this->AddTouches({quiet, this->Touch("t2", "j1", blend::v1::CHANNEL_SMS)});
  this->store().MarkTouchClaimed("t1", "w", this->t0_);
  const absl::Time morning = this->t0_ + absl::Hours(10);
  this->store().DeferTouch("t1", "quiet_hours", 2, "second attempt", morning);
  this->store().DeferTouch("t2", "campaign paused", 3, "third attempt", std::nullopt);
  this->store().DeferTouch("unknown", "quiet_hours", 2, "x", morning);  // nothing to change

  const TouchRow t1 = this->StoredTouch("t1");
  EXPECT_EQ(t1.status, TouchStatus::kDeferred);
  EXPECT_EQ(t1.reason, "quiet_hours");
  EXPECT_EQ(t1.attempt, 2);
  EXPECT_EQ(t1.command, "second attempt");
  EXPECT_EQ(t1.not_before, morning);
  const TouchRow t2 = this->StoredTouch("t2");
  EXPECT_EQ(t2.status, TouchStatus::kDeferred);
  EXPECT_EQ(t2.reason, "campaign paused");
  EXPECT_EQ(t2.attempt, 3);
  EXPECT_EQ(t2.command, "third attempt");
  EXPECT_EQ(t2.not_before, std::nullopt);
  EXPECT_THAT(this->store().FindTouches({"unknown"}), ::testing::IsEmpty());
}

TYPED_TEST_P(JourneyStoreContract, JourneysWithAQueuedCallAreFoundByCustomerOrAddress) {
  std::vector<JourneyRow> rows = {this->Journey("j3", "c1"), this->Journey("j1", "c2"),
                                  this->Journey("j2", "c1"), this->Journey("j4", "c1")};
  rows[1].customer_json = R"({"customer_id":"c2","phone_e164":"+14155550100"})";
  ASSERT_THAT(this->store().InsertJourneys(rows), ::testing::SizeIs(4));
  this->AddTouches({this->Touch("v3", "j3", blend::v1::CHANNEL_VOICE, "c1"),
                    this->Touch("v1", "j1", blend::v1::CHANNEL_VOICE, "c2"),
                    this->Touch("v2", "j2", blend::v1::CHANNEL_VOICE, "c1"),
                    this->Touch("s4", "j4", blend::v1::CHANNEL_SMS, "c1")});
  for (const char* id : {"v3", "v1", "s4"}) this->store().MarkTouchClaimed(id, "w", this->t0_);
  // j2's call is still pending (never handed to the dialer), j4's touch is an SMS.
  EXPECT_THAT(this->Ids(this->store().LockJourneysWithWithdrawableVoice("c1", "")),
              ::testing::ElementsAre("j3"));
  EXPECT_THAT(this->Ids(this->store().LockJourneysWithWithdrawableVoice("c1", "+14155550100")),
              ::testing::ElementsAre("j1", "j3"));
  EXPECT_THAT(this->Ids(this->store().LockJourneysWithWithdrawableVoice("", "+14155550100")),
              ::testing::ElementsAre("j1"));
  EXPECT_THAT(this->store().LockJourneysWithWithdrawableVoice("", ""), ::testing::IsEmpty());
  // Once its withdrawal is requested, a journey is not found again.
  this->store().RequestJourneysVoiceWithdrawals({"j3"}, "opted_out", this->t0_);
  EXPECT_THAT(this->store().LockJourneysWithWithdrawableVoice("c1", ""), ::testing::IsEmpty());
}

TYPED_TEST_P(JourneyStoreContract, VoiceWithdrawalsComeOnceForContactsThatMayBeQueued) {
  this->InsertJourneys({"j1", "j2"});
  this->AddTouches({this->Touch("v-claimed", "j1", blend::v1::CHANNEL_VOICE),
                    this->Touch("v-sent", "j1", blend::v1::CHANNEL_VOICE),
                    this->Touch("v-doubt", "j1", blend::v1::CHANNEL_VOICE),
                    this->Touch("v-done", "j1", blend::v1::CHANNEL_VOICE),
                    this->Touch("v-pending", "j1", blend::v1::CHANNEL_VOICE),
                    this->Touch("s-claimed", "j1", blend::v1::CHANNEL_SMS),
                    this->Touch("v-other", "j2", blend::v1::CHANNEL_VOICE)});
  for (const char* id : {"v-claimed", "v-sent", "v-doubt", "v-done", "s-claimed", "v-other"}) {
    this->store().MarkTouchClaimed(id, "w", this->t0_);
  }
  this->store().SetTouchStatuses({{"v-sent", TouchStatus::kSent, ""},
                                  {"v-doubt", TouchStatus::kDone, "TOUCH_OUTCOME_UNKNOWN"},
                                  {"v-done", TouchStatus::kDone, "TOUCH_OUTCOME_CALL_COMPLETED"}},
                                 this->t0_);
  std::vector<WithdrawnTouch> first =
      this->store().RequestJourneysVoiceWithdrawals({"j1"}, "journey finished", this->t0_);
  std::vector<std::string> ids;
  ids.reserve(first.size());
  for (const WithdrawnTouch& w : first) ids.push_back(w.touch_id);
  EXPECT_THAT(ids, ::testing::ElementsAre("v-claimed", "v-doubt", "v-sent"));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0].journey_id, "j1");
  EXPECT_EQ(first[0].command, "command of v-claimed");
  EXPECT_EQ(first[0].genesys_contact_id, "contact-v-claimed");
  EXPECT_EQ(this->StoredTouch("v-claimed").withdraw_reason, "journey finished");
  EXPECT_FALSE(this->StoredTouch("v-other").withdraw_reason.has_value());
  EXPECT_THAT(this->store().RequestJourneysVoiceWithdrawals({"j1"}, "again", this->t0_),
              ::testing::IsEmpty());
}

TYPED_TEST_P(JourneyStoreContract, OutboxRowsKeepTheOrderTheyWereWrittenIn) {
  this->InsertJourneys({"j1"});
  this->store().InsertOutbox("topic-a", "j1", std::string("\x00\x01 first", 8), this->t0_,
                             this->t0_);
  Effects effects;
  effects.AddOutbox("topic-b", "j1", "second", this->t0_ + absl::Seconds(3));
  effects.AddOutbox("topic-a", "j2", "third", this->t0_);
  this->store().WriteEffects(effects, this->t0_);
  EXPECT_THAT(this->backend_.Outbox(),
              ::testing::ElementsAre(
                  OutboxSeen{"topic-a", "j1", std::string("\x00\x01 first", 8), this->t0_},
                  OutboxSeen{"topic-b", "j1", "second", this->t0_ + absl::Seconds(3)},
                  OutboxSeen{"topic-a", "j2", "third", this->t0_}));
}

TYPED_TEST_P(JourneyStoreContract, ProfilesAreInsertedOnceThenLockedAndReplaced) {
  EXPECT_THAT(this->store().InsertEngagementProfiles({{"c1", R"({"v":1})"}}, this->t0_),
              ::testing::ElementsAre("c1"));
  EXPECT_THAT(this->store().InsertEngagementProfiles({{"c1", R"({"v":2})"}, {"c2", R"({"v":1})"}},
                                                     this->t0_),
              ::testing::ElementsAre("c2"));  // c1 has one already: left as it is
  this->store().UpdateEngagementProfiles({{"c2", R"({"v":3})"}, {"c9", R"({"v":1})"}}, this->t0_);
  std::map<std::string, std::string> locked =
      this->store().LockEngagementProfiles({"c2", "c1", "c9"});
  ASSERT_EQ(locked.size(), 2u);  // c9 has none: an update does not create one
  EXPECT_EQ(nlohmann::json::parse(locked["c1"]), nlohmann::json::parse(R"({"v":1})"));
  EXPECT_EQ(nlohmann::json::parse(locked["c2"]), nlohmann::json::parse(R"({"v":3})"));
  // The unlocked read: the same profiles, and an empty one counts as none.
  this->store().InsertEngagementProfiles({{"c3", "{}"}}, this->t0_);
  std::map<std::string, std::string> read =
      this->store().LoadEngagementProfiles({"c3", "c2", "c9"});
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(read["c2"]), nlohmann::json::parse(R"({"v":3})"));
}

TYPED_TEST_P(JourneyStoreContract, AMessageIdIsFreshOnlyTheFirstTime) {
  EXPECT_THAT(this->store().MarkProcessedMany({"m1", "m2"}, "disposition", this->t0_),
              ::testing::ElementsAre("m1", "m2"));
  EXPECT_THAT(this->store().MarkProcessedMany({"m2", "m3"}, "disposition", this->t0_),
              ::testing::ElementsAre("m3"));
  EXPECT_THAT(this->store().MarkProcessedMany({}, "disposition", this->t0_), ::testing::IsEmpty());
}

TYPED_TEST_P(JourneyStoreContract, LockingJourneysAndTouchesFindsTheExistingOnesInIdOrder) {
  this->InsertJourneys({"j2", "j1"});
  this->AddTouches({this->Touch("t2", "j2", blend::v1::CHANNEL_SMS),
                    this->Touch("t1", "j1", blend::v1::CHANNEL_EMAIL)});
  EXPECT_THAT(this->Ids(this->store().LockJourneys({"j2", "nope", "j1", "j2"})),
              ::testing::ElementsAre("j1", "j2"));
  std::vector<TouchRow> touches = this->store().LockTouches({"t2", "t1", "t0"});
  ASSERT_EQ(touches.size(), 2u);
  EXPECT_EQ(touches[0].touch_id, "t1");
  EXPECT_EQ(touches[0].channel, blend::v1::CHANNEL_EMAIL);
  EXPECT_EQ(touches[1].touch_id, "t2");
}

TYPED_TEST_P(JourneyStoreContract, RunningJourneysOfCustomersAreLockedInIdOrder) {
  std::vector<JourneyRow> rows = {this->Journey("j3", "c1"), this->Journey("j1", "c1"),
                                  this->Journey("j2", "c2"), this->Journey("j4", "c1")};
  rows[3].status = journey::JourneyStatus::kSucceeded;
  rows[3].finished_at = this->t0_;
  ASSERT_THAT(this->store().InsertJourneys(rows), ::testing::SizeIs(4));
  EXPECT_THAT(this->Ids(this->store().LockRunningJourneysOfCustomers({"c1", "c9"})),
              ::testing::ElementsAre("j1", "j3"));
  EXPECT_THAT(this->Ids(this->store().LockRunningJourneysOfCustomers({"c2", "c1"})),
              ::testing::ElementsAre("j1", "j2", "j3"));
}

TYPED_TEST_P(JourneyStoreContract, TheTouchKeyIsHex) {
  const std::string key = this->store().TouchKey();
  EXPECT_GE(key.size(), 32u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos) << key;
}

REGISTER_TYPED_TEST_SUITE_P(
    JourneyStoreContract, CampaignVersionsCountUpAndVersionZeroIsTheLatest,
    InsertJourneysSkipsAClientKeyAlreadyUsed, LockSkipsJourneysHeldElsewhereAndUnknownOnesInIdOrder,
    UpdateJourneysChecksVersionsAndDerivesThePendingTimer, DueTimersComeOldestFirstUpToTheLimit,
    HistoryOfAWriteIsNumberedAfterTheJourneysLastRow,
    TimerOperationsKeepTheLastOneAndAnEndClearsTheJourney,
    ANewTouchIsPendingAndATouchIdAlreadyStoredIsLeftAlone,
    FactsAreThoseReceivedSinceAnInstantAndEmptyProfilesAreNone,
    ConsentInForceIsFoundByCustomerOrAddressUntilItExpires,
    ClaimTimesAreTheClaimsOnAChannelSinceAnInstant, APauseHoldsOnlyPendingTouchesUntilTheResume,
    ADeferredTouchKeepsItsMomentUnlessANewOneIsGiven,
    JourneysWithAQueuedCallAreFoundByCustomerOrAddress,
    VoiceWithdrawalsComeOnceForContactsThatMayBeQueued, OutboxRowsKeepTheOrderTheyWereWrittenIn,
    ProfilesAreInsertedOnceThenLockedAndReplaced, AMessageIdIsFreshOnlyTheFirstTime,
    LockingJourneysAndTouchesFindsTheExistingOnesInIdOrder,
    RunningJourneysOfCustomersAreLockedInIdOrder, TheTouchKeyIsHex);

}  // namespace blend::orchestrator::testing
