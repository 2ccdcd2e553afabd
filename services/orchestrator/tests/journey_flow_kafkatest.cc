// The orchestrator end to end against the real PostgreSQL and Kafka: the seed journey through
// the outbox, payments, the claim fence, idempotent starts and duplicate dispositions.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST_F(OrchestratorTest, SeedJourneySmsDispositionTimerThenVoice) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-1"));
  ASSERT_FALSE(id.empty());

  auto sms_touches = ReadTouches(sms, 1);
  ASSERT_THAT(sms_touches, SizeIs(1));
  EXPECT_EQ(sms_touches[0].journey_id(), id);
  EXPECT_EQ(sms_touches[0].channel(), blend::v1::CHANNEL_SMS);
  // The bus only names the touch; the claim hands out the stored one.
  EXPECT_FALSE(sms_touches[0].has_customer());
  EXPECT_FALSE(sms_touches[0].has_parameters());
  EXPECT_FALSE(sms_touches[0].has_genesys());
  EXPECT_THAT(sms_touches[0].touch_id(), ::testing::StartsWith(id + "/"));
  EXPECT_EQ(sms_touches[0].touch_id().find("Sms"), std::string::npos)
      << "the interpreter's guessable name is not the id: " << sms_touches[0].touch_id();
  blend::v1::ClaimTouchResponse granted = Claim(sms_touches[0].touch_id());
  EXPECT_EQ(granted.decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  EXPECT_EQ(granted.touch().touch_id(), sms_touches[0].touch_id());
  EXPECT_EQ(granted.touch().customer().phone_e164(), "+442079460958");
  EXPECT_EQ(granted.touch().genesys().sms_from_number(), "+18005550199");
  EXPECT_FALSE(granted.touch().parameters().fields().empty());
  EXPECT_EQ(Claim(sms_touches[0].touch_id()).decision(),
            blend::v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED);

  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-1");
  ASSERT_TRUE(WaitUntil([&] {
    return GetJourney(id).current_state() == "WaitForPaymentOrTimeout";
  })) << GetJourney(id).DebugString();
  blend::v1::Journey waiting = GetJourney(id);
  ASSERT_TRUE(waiting.has_pending_timer());
  EXPECT_EQ(FromProto(waiting.pending_timer()), TestStart() + absl::Hours(24));
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 1);

  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  auto voice_touches = ReadTouches(voice, 1);
  ASSERT_THAT(voice_touches, SizeIs(1));
  EXPECT_EQ(voice_touches[0].journey_id(), id);
  EXPECT_EQ(StoredTouch(voice_touches[0].touch_id()).genesys().contact_list_id(), "demo-contacts");
  blend::v1::Journey j = GetJourney(id);
  EXPECT_EQ(j.current_state(), "InjectToVoiceDialer");
  EXPECT_EQ(j.status(), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);

  // The call outcome completes the journey.
  EXPECT_EQ(Claim(voice_touches[0].touch_id()).decision(),
            blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  PublishDisposition(voice_touches[0], blend::v1::TOUCH_OUTCOME_CALL_COMPLETED, "disp-2");
  ASSERT_TRUE(WaitUntil([&] {
    return GetJourney(id).status() == blend::v1::JOURNEY_STATUS_SUCCEEDED;
  })) << GetJourney(id).DebugString();
  EXPECT_GT(GetJourney(id).history_size(), 5);

  EXPECT_EQ(MetricValue("blend_journeys_started_total", {{"campaign", "dunning"}}), 1);
  // Metrics are recorded just after the commit the test observed: allow a moment.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return MetricValue("blend_journeys_finished_total",
                           {{"campaign", "dunning"}, {"status", "SUCCEEDED"}}) == 1;
      },
      absl::Seconds(5)));
  EXPECT_EQ(MetricValue("blend_touches_emitted_total", {{"channel", "sms"}}), 1);
  EXPECT_EQ(MetricValue("blend_touches_emitted_total", {{"channel", "voice"}}), 1);
  EXPECT_EQ(MetricValue("blend_timer_lateness_seconds"), 1);
  EXPECT_EQ(MetricValue("blend_outbox_publish_latency_seconds"), 2);
  EXPECT_EQ(MetricValue("blend_touch_claims_total", {{"decision", "granted"}}), 2);
  EXPECT_EQ(MetricValue("blend_touch_claims_total", {{"decision", "already_claimed"}}), 1);
}

TEST_F(OrchestratorTest, PaymentDuringWaitSucceedsWithoutVoiceTouch) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-2"));
  auto sms_touches = ReadTouches(sms, 1);
  ASSERT_THAT(sms_touches, SizeIs(1));
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-1");
  ASSERT_TRUE(
      WaitUntil([&] { return GetJourney(id).current_state() == "WaitForPaymentOrTimeout"; }));

  const std::map<std::string, std::string> waiting_gauge = {{"campaign", "dunning"},
                                                            {"state", "WaitForPaymentOrTimeout"}};
  EXPECT_TRUE(WaitUntil([&] { return MetricValue("blend_journeys_running", waiting_gauge) == 1; },
                        absl::Seconds(5)));
  auto resp = SendEvent("cust-2", "payment.received", "pay-1");
  EXPECT_EQ(resp.journeys_matched(), 1);
  EXPECT_FALSE(resp.duplicate());
  EXPECT_TRUE(SendEvent("cust-2", "payment.received", "pay-1").duplicate());
  blend::v1::Journey j = GetJourney(id);
  EXPECT_EQ(j.status(), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_FALSE(j.has_pending_timer());

  clock_.Advance(absl::Hours(25));
  absl::SleepFor(absl::Milliseconds(500));  // let the timer poller run on the new time
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE channel = 2"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  EXPECT_THAT(ReadTouches(voice, 1, absl::Seconds(3)), IsEmpty());
  EXPECT_EQ(GetJourney(id).status(), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_TRUE(WaitUntil([&] { return MetricValue("blend_journeys_running", waiting_gauge) == 0; },
                        absl::Seconds(5)));
}

TEST_F(OrchestratorTest, PaymentAfterVoiceCommandPublishedRefusesClaim) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  bus::Consumer& voice = Subscribe({"blend.touch.voice"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-3"));
  auto sms_touches = ReadTouches(sms, 1);
  ASSERT_THAT(sms_touches, SizeIs(1));
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-1");
  ASSERT_TRUE(WaitUntil([&] { return GetJourney(id).has_pending_timer(); }));
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  auto voice_touches = ReadTouches(voice, 1);
  ASSERT_THAT(voice_touches, SizeIs(1));  // the command sits in Kafka

  EXPECT_EQ(SendEvent("cust-3", "payment.received", "pay-1").journeys_matched(), 1);
  auto claim = Claim(voice_touches[0].touch_id());
  EXPECT_EQ(claim.decision(), blend::v1::ClaimTouchResponse::DECISION_REFUSED);
  EXPECT_EQ(claim.reason(), "journey finished: SUCCEEDED");
  // An id Blend never emitted is not refused like a real touch (a SKIPPED disposition for
  // nothing): NOT_ISSUED tells the worker to dead-letter the message.
  EXPECT_EQ(Claim("no-such-touch").decision(), blend::v1::ClaimTouchResponse::DECISION_NOT_ISSUED);
}

TEST_F(OrchestratorTest, StartIsIdempotentByClientKey) {
  StartOrchestrator();
  PutSeedCampaign("dunning");
  auto req = StartRequest("dunning", "same-key", "cust-4");
  grpc::ClientContext c1, c2, c3, c4;
  blend::v1::StartJourneyResponse r1, r2, r3, r4;
  ASSERT_TRUE(journeys_->StartJourney(&c1, req, &r1).ok());
  EXPECT_TRUE(r1.created());
  ASSERT_TRUE(journeys_->StartJourney(&c2, req, &r2).ok());
  EXPECT_FALSE(r2.created());
  EXPECT_EQ(r2.journey_id(), r1.journey_id());

  auto changed = req;
  (*changed.mutable_input()->mutable_fields())["invoice"].set_string_value("other");
  grpc::Status s = journeys_->StartJourney(&c3, changed, &r3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr(r1.journey_id()));

  auto unknown = StartRequest("no-such-campaign", "k", "cust-4");
  EXPECT_EQ(journeys_->StartJourney(&c4, unknown, &r4).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM touches"), 1);
}

TEST_F(OrchestratorTest, DuplicateDispositionAppliedOnce) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-5"));
  auto sms_touches = ReadTouches(sms, 1);
  ASSERT_THAT(sms_touches, SizeIs(1));
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-dup");
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-dup");
  // A worker re-publishing its recorded outcome under a new message id is a duplicate too.
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-dup-2");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") == 2;
  }));
  blend::v1::Journey j = GetJourney(id);
  EXPECT_EQ(j.current_state(), "WaitForPaymentOrTimeout");
  EXPECT_EQ(CountHistory(j, "TaskSucceeded"), 1) << j.DebugString();
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 1);
}

// An UNKNOWN disposition (the SMS may or may not have reached Genesys) does not drop the
// customer: by default (onUnknown "assume-sent") the journey goes on to its wait as if the
// SMS was sent, never sends it again, and its history says the SMS was in doubt. A campaign
// with onUnknown "fail" gets Blend.TouchInDoubt (uncaught here: the journey fails with it).
TEST_F(OrchestratorTest, UnknownSmsDispositionGoesOnToTheNextStateByDefault) {
  StartOrchestrator();
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  std::string id = Start(StartRequest("dunning", "k1", "cust-6"));
  auto touches = ReadTouches(sms, 1);
  ASSERT_THAT(touches, SizeIs(1));
  EXPECT_EQ(Claim(touches[0].touch_id()).decision(),
            blend::v1::ClaimTouchResponse::DECISION_GRANTED);
  PublishDisposition(touches[0], blend::v1::TOUCH_OUTCOME_UNKNOWN, "disp-unknown-1");

  ASSERT_TRUE(WaitUntil([&] {
    return GetJourney(id).current_state() == "WaitForPaymentOrTimeout";
  })) << GetJourney(id).DebugString();
  blend::v1::Journey j = GetJourney(id);
  EXPECT_EQ(j.status(), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_TRUE(j.has_pending_timer());
  int in_doubt = 0;
  for (const auto& h : j.history()) {
    if (h.kind() != "TouchInDoubt") continue;
    ++in_doubt;
    EXPECT_EQ(h.state_name(), "SendInitialSMS");
    EXPECT_EQ(h.detail().fields().at("touchId").string_value(), touches[0].touch_id());
    EXPECT_EQ(h.detail().fields().at("onUnknown").string_value(), "assume-sent");
  }
  EXPECT_EQ(in_doubt, 1) << j.DebugString();

  PutCampaignWithPolicies("strict", R"({"onUnknown": "fail"})");
  std::string strict = Start(StartRequest("strict", "k2", "cust-7"));
  auto strict_touches = ReadTouches(sms, 1);
  ASSERT_THAT(strict_touches, SizeIs(1));
  EXPECT_EQ(strict_touches[0].journey_id(), strict);
  PublishDisposition(strict_touches[0], blend::v1::TOUCH_OUTCOME_UNKNOWN, "disp-unknown-2");
  ASSERT_TRUE(WaitUntil([&] {
    return GetJourney(strict).status() == blend::v1::JOURNEY_STATUS_FAILED;
  })) << GetJourney(strict).DebugString();
  EXPECT_EQ(GetJourney(strict).error(), "Blend.TouchInDoubt");

  // One SMS per journey, none sent again.
  EXPECT_EQ(Count("SELECT count(*) FROM touches WHERE channel = 1"), 2);
  EXPECT_THAT(ReadTouches(sms, 1, absl::Seconds(2)), IsEmpty());
}

TEST_F(OrchestratorTest, MalformedAndUnknownMessagesGoToDeadLetterTopic) {
  StartOrchestrator();
  bus::Consumer& dlq = Subscribe({"blend.dispositions.dlq"});
  ASSERT_TRUE(producer_->ProduceSync(Topic("blend.dispositions"), "k", "not a protobuf \xff").ok());
  blend::v1::TouchCommand ghost;
  ghost.set_touch_id("ghost-touch");
  ghost.set_journey_id("ghost-journey");
  PublishDisposition(ghost, blend::v1::TOUCH_OUTCOME_SENT, "disp-ghost");
  // Envelopes the decoder refuses (bus::DecodeEnvelope): no payload, a newer schema.
  blend::v1::Envelope empty;
  empty.set_message_id("empty-1");
  ASSERT_TRUE(
      producer_->ProduceSync(Topic("blend.dispositions"), "k", empty.SerializeAsString()).ok());
  blend::v1::Envelope newer;
  newer.set_message_id("newer-1");
  newer.set_schema_version(7);
  newer.mutable_disposition()->set_touch_id("t");
  ASSERT_TRUE(
      producer_->ProduceSync(Topic("blend.dispositions"), "k", newer.SerializeAsString()).ok());
  std::vector<std::string> reasons;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (reasons.size() < 4 && absl::Now() < deadline) {
    auto m = dlq.Poll(absl::Milliseconds(200));
    if (!m) continue;
    auto r = bus::FindHeader(m->headers, "blend.dlq.reason");
    reasons.emplace_back(r ? std::string(*r) : "");
  }
  EXPECT_THAT(reasons,
              ::testing::UnorderedElementsAre(::testing::HasSubstr("unparseable"),
                                              ::testing::HasSubstr("unknown touch"),
                                              ::testing::Eq("envelope carries no payload"),
                                              ::testing::HasSubstr("schema_version 7 is newer")));
  EXPECT_TRUE(WaitUntil(
      [&] {
        return MetricValue("blend_orchestrator_dead_lettered_total",
                           {{"topic", Topic("blend.dispositions")}}) == 4;
      },
      absl::Seconds(5)));
}

// processed_messages does not grow forever: once the (injected) clock passes the retention,
// the background loop deletes the expired rows in batches; engagement-import row keys stay.
TEST_F(OrchestratorTest, ProcessedMessagesArePrunedAfterTheRetention) {
  OrchestratorConfig cfg = Config();
  cfg.dedupe_retention = absl::Hours(1);
  cfg.dedupe_prune_batch = 1;
  cfg.dedupe_prune_interval = absl::Milliseconds(20);
  StartOrchestrator(cfg);
  bus::Consumer& sms = Subscribe({"blend.touch.sms"});
  PutSeedCampaign("dunning");
  Start(StartRequest("dunning", "k1", "cust-p"));
  auto sms_touches = ReadTouches(sms, 1);
  ASSERT_THAT(sms_touches, SizeIs(1));
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-prune-1");
  PublishDisposition(sms_touches[0], blend::v1::TOUCH_OUTCOME_SENT, "disp-prune-2");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") == 2;
  }));
  Count(
      "INSERT INTO processed_messages VALUES ('engagement-import:r1', 'engagement-import', "
      "now() - interval '400 days') RETURNING 1");
  // Within the retention nothing goes.
  clock_.Advance(absl::Minutes(59));
  EXPECT_FALSE(WaitUntil(
      [&] {
        return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") < 2;
      },
      absl::Milliseconds(300)));
  clock_.Advance(absl::Minutes(2));
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Count("SELECT count(*) FROM processed_messages WHERE source = 'disposition'") == 0;
      },
      absl::Seconds(10)));
  EXPECT_EQ(Count("SELECT count(*) FROM processed_messages WHERE source = 'engagement-import'"), 1);
  EXPECT_EQ(MetricValue("blend_dedupe_pruned_total", {{"table", "processed_messages"}}), 2);
}

}  // namespace
}  // namespace blend::orchestrator::testing
