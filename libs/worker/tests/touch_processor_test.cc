#include "blend/worker/touch_processor.h"

#include <deque>

#include <gtest/gtest.h>

#include "blend/genesys/error.h"
#include "fakes.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::worker {
namespace {

using Kind = ProcessResult::Kind;

class TouchProcessorTest : public ::testing::Test {
 protected:
  TouchProcessorTest()
      : quota_(quota_store_, clock_, "demo-client", {.requests_per_minute = 600, .burst = 5}),
        processor_(
            ledger_, claimer_, quota_, sender_, clock_,
            {.worker_id = "w1",
             .channel = v1::CHANNEL_SMS,
             .backoff = {.initial = absl::Seconds(1), .max = absl::Seconds(8), .max_attempts = 3}},
            [] { return 1.0; }, &registry_) {}

  static v1::TouchCommand Touch(const std::string& id) {
    v1::TouchCommand t;
    t.set_touch_id(id);
    t.set_journey_id("j-" + id);
    t.set_channel(v1::CHANNEL_SMS);
    return t;
  }

  FakeClock clock_;
  FlakyLedger ledger_;
  FakeClaimer claimer_;
  FakeSender sender_;
  quota::InMemoryQuotaStore quota_store_;
  quota::QuotaGovernor quota_;
  prometheus::Registry registry_;
  TouchProcessor processor_;
};

TEST_F(TouchProcessorTest, SendsOnceAndRepublishesTheRecordedDispositionOnRedelivery) {
  auto first = processor_.Process(Touch("t1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->kind, Kind::kPublish);
  EXPECT_EQ(first->disposition.outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(first->disposition.provider_ids().at("conversationId"), "conv-t1");
  EXPECT_EQ(first->disposition.journey_id(), "j-t1");

  auto again = processor_.Process(Touch("t1"));
  EXPECT_EQ(again->kind, Kind::kPublish);
  EXPECT_EQ(again->disposition.SerializeAsString(), first->disposition.SerializeAsString());
  EXPECT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(claimer_.claims.size(), 1u);

  std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_NE(
      text.find(
          "blend_worker_touches_total{channel=\"CHANNEL_SMS\",outcome=\"TOUCH_OUTCOME_SENT\"} 1"),
      std::string::npos)
      << text;
}

TEST_F(TouchProcessorTest, CrashDuringTheCallIsReportedUnknownAndNeverResent) {
  ASSERT_TRUE(*ledger_.BeginCall("t2", "sms", "w0", clock_.Now()));  // a worker died mid-call
  clock_.Advance(absl::Seconds(31));  // older than in_doubt_after: its writer is gone
  auto result = processor_.Process(Touch("t2"));
  EXPECT_EQ(result->kind, Kind::kPublish);
  EXPECT_EQ(result->disposition.outcome(), v1::TOUCH_OUTCOME_UNKNOWN);
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_TRUE(claimer_.claims.empty());
}

// A replica that held the touch across a rebalance may still be waiting for Genesys: its
// young "calling" row means "come back later", not UNKNOWN.
TEST_F(TouchProcessorTest, YoungCallingRowOfAnotherAttemptMeansRetryLaterNotUnknown) {
  ASSERT_TRUE(*ledger_.BeginCall("t2", "sms", "w0", clock_.Now()));
  auto early = processor_.Process(Touch("t2"));
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->kind, Kind::kRetryAt);
  EXPECT_LE(early->retry_at, clock_.Now() + absl::Seconds(5));

  // The other attempt finishes: its outcome is republished, nothing is sent twice.
  v1::Disposition sent;
  sent.set_touch_id("t2");
  sent.set_journey_id("j-t2");
  sent.set_outcome(v1::TOUCH_OUTCOME_SENT);
  ASSERT_TRUE(ledger_.Complete(sent, "w0", clock_.Now()).ok());
  clock_.Advance(absl::Seconds(5));
  auto later = processor_.Process(Touch("t2"));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->kind, Kind::kPublish);
  EXPECT_EQ(later->disposition.outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(TouchProcessorTest, DoneIsFirstWriterWinsAndTheRecordedOutcomeIsPublished) {
  ASSERT_TRUE(*ledger_.BeginCall("t2", "sms", "w0", clock_.Now()));
  v1::Disposition sent;
  sent.set_touch_id("t2");
  sent.set_outcome(v1::TOUCH_OUTCOME_SENT);
  ASSERT_TRUE(ledger_.Complete(sent, "w0", clock_.Now()).ok());
  v1::Disposition unknown = sent;
  unknown.set_outcome(v1::TOUCH_OUTCOME_UNKNOWN);
  auto kept = ledger_.Complete(unknown, "w1", clock_.Now());
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->outcome(), v1::TOUCH_OUTCOME_SENT);
}

// The SMS went out, then the ledger commit was lost: the retry records the real outcome
// (with its provider ids) instead of finding "calling" and reporting UNKNOWN.
TEST_F(TouchProcessorTest, LostLedgerCommitAfterTheCallKeepsTheRealOutcome) {
  ledger_.fail_completes = 1;
  auto first = processor_.Process(Touch("t9"));
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(sender_.sent.size(), 1u);

  auto retry = processor_.Process(Touch("t9"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->kind, Kind::kPublish);
  EXPECT_EQ(retry->disposition.outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(retry->disposition.provider_ids().at("conversationId"), "conv-t9");
  EXPECT_EQ(sender_.sent.size(), 1u);
  auto recorded = ledger_.Find("t9");
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->disposition->outcome(), v1::TOUCH_OUTCOME_SENT);
}

TEST_F(TouchProcessorTest, RefusedClaimPublishesItsReasonWithoutCallingGenesys) {
  claimer_.decision = v1::ClaimTouchResponse::DECISION_REFUSED;
  claimer_.reason = "journey finished: SUCCEEDED";
  EXPECT_EQ(processor_.Process(Touch("t3"))->disposition.outcome(), v1::TOUCH_OUTCOME_SKIPPED);
  claimer_.reason = "opted_out";
  EXPECT_EQ(processor_.Process(Touch("t4"))->disposition.outcome(), v1::TOUCH_OUTCOME_OPTED_OUT);
  claimer_.reason = "dnc_active";
  EXPECT_EQ(processor_.Process(Touch("t5"))->disposition.outcome(), v1::TOUCH_OUTCOME_DNC_ACTIVE);
  EXPECT_TRUE(sender_.sent.empty());
}

// A refused or deferred claim sends nothing, so it must not spend a quota token.
TEST_F(TouchProcessorTest, RefusedOrDeferredClaimSpendsNoQuotaToken) {
  quota::QuotaGovernor one_token(quota_store_, clock_, "one",
                                 {.requests_per_minute = 6, .burst = 1});
  TouchProcessor processor(ledger_, claimer_, one_token, sender_, clock_,
                           {.worker_id = "w1", .channel = v1::CHANNEL_SMS, .backoff = {}},
                           [] { return 1.0; });
  claimer_.decision = v1::ClaimTouchResponse::DECISION_REFUSED;
  claimer_.reason = "journey finished: SUCCEEDED";
  ASSERT_EQ(processor.Process(Touch("r1"))->kind, Kind::kPublish);
  claimer_.decision = v1::ClaimTouchResponse::DECISION_DEFERRED;
  ASSERT_EQ(processor.Process(Touch("r2"))->kind, Kind::kDrop);
  claimer_.decision = v1::ClaimTouchResponse::DECISION_GRANTED;
  auto sent = processor.Process(Touch("r3"));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->kind, Kind::kPublish) << "the one token is still there for r3";
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"r3"});
}

// The bus message only names the touch; whatever it carries, the worker sends the touch the
// claim returned (as the orchestrator stored it at emission).
TEST_F(TouchProcessorTest, SendsTheStoredTouchFromTheClaimNeverTheBusCopy) {
  v1::TouchCommand stored = Touch("s1");
  stored.mutable_customer()->set_phone_e164("+442079460958");
  (*stored.mutable_parameters()->mutable_fields())["text"].set_string_value("Your balance");
  stored.mutable_genesys()->set_sms_from_number("+18005550199");
  claimer_.stored["s1"] = stored;
  v1::TouchCommand bus = Touch("s1");
  bus.mutable_customer()->set_phone_e164("+15550000666");
  (*bus.mutable_parameters()->mutable_fields())["text"].set_string_value("Click evil.example");
  auto result = processor_.Process(bus);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->disposition.outcome(), v1::TOUCH_OUTCOME_SENT);
  ASSERT_EQ(sender_.sent_touches.size(), 1u);
  EXPECT_EQ(sender_.sent_touches[0].SerializeAsString(), stored.SerializeAsString());
  EXPECT_EQ(claimer_.claims, std::vector<std::string>{"s1"});
}

// A message Blend never wrote (unknown id, or content differing from the stored touch): the
// orchestrator answers NOT_ISSUED; the message is dead-lettered, nothing is sent, reported
// or recorded, and the quota token goes back.
TEST_F(TouchProcessorTest, NotIssuedClaimDeadLettersWithTheReasonAndSendsNothing) {
  quota::QuotaGovernor one_token(quota_store_, clock_, "one",
                                 {.requests_per_minute = 6, .burst = 1});
  TouchProcessor processor(ledger_, claimer_, one_token, sender_, clock_,
                           {.worker_id = "w1", .channel = v1::CHANNEL_SMS, .backoff = {}},
                           [] { return 1.0; });
  claimer_.decision = v1::ClaimTouchResponse::DECISION_NOT_ISSUED;
  claimer_.reason = "unknown touch: Blend never emitted this id";
  auto forged = processor.Process(Touch("forged"));
  ASSERT_TRUE(forged.ok()) << forged.status();
  EXPECT_EQ(forged->kind, Kind::kDeadLetter);
  EXPECT_NE(forged->note.find("unknown touch"), std::string::npos) << forged->note;
  EXPECT_TRUE(sender_.sent.empty());
  auto entry = ledger_.Find("forged");
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->has_value()) << "nothing recorded for a touch that is not Blend's";
  claimer_.decision = v1::ClaimTouchResponse::DECISION_GRANTED;
  auto real = processor.Process(Touch("real"));
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_EQ(real->kind, Kind::kPublish) << "the forged message gave its quota token back";
  EXPECT_EQ(sender_.sent, std::vector<std::string>{"real"});
}

// An orchestrator that grants without the stored touch (one from before stored touches):
// the worker has nothing it trusts to send.
TEST_F(TouchProcessorTest, GrantWithoutAStoredTouchSendsNothing) {
  claimer_.with_touch = false;
  auto result = processor_.Process(Touch("old"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->kind, Kind::kPublish);
  EXPECT_EQ(result->disposition.outcome(), v1::TOUCH_OUTCOME_FAILED);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(TouchProcessorTest, DeferredClaimIsDroppedForTheOrchestratorToReEmit) {
  claimer_.decision = v1::ClaimTouchResponse::DECISION_DEFERRED;
  auto result = processor_.Process(Touch("t6"));
  EXPECT_EQ(result->kind, Kind::kDrop);
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_FALSE(*ledger_.Find("t6"));
}

TEST_F(TouchProcessorTest, RateLimitPausesTheQuotaAndRetriesTheSameTouchAfterRetryAfter) {
  sender_.errors.push_back(
      GenesysFailure(absl::StatusCode::kResourceExhausted, 429, absl::Seconds(30)));
  auto limited = processor_.Process(Touch("t7"));
  EXPECT_EQ(limited->kind, Kind::kRetryAt);
  EXPECT_EQ(limited->retry_at, clock_.Now() + absl::Seconds(30));
  EXPECT_FALSE(*ledger_.Find("t7"));  // not "calling": Genesys did not accept it

  auto still_paused = processor_.Process(Touch("t7"));
  EXPECT_EQ(still_paused->kind, Kind::kRetryAt);  // the quota is paused for everyone
  clock_.Advance(absl::Seconds(30));
  auto sent = processor_.Process(Touch("t7"));
  EXPECT_EQ(sent->disposition.outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(sender_.sent.size(), 2u);  // the 429'd request and the accepted one
}

TEST_F(TouchProcessorTest, TransientErrorsBackOffThenFail) {
  for (int i = 0; i < 3; ++i) {
    sender_.errors.push_back(GenesysFailure(absl::StatusCode::kUnavailable, 503, std::nullopt));
  }
  auto r1 = processor_.Process(Touch("t8"));
  EXPECT_EQ(r1->kind, Kind::kRetryAt);
  EXPECT_EQ(r1->retry_at, clock_.Now() + absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  auto r2 = processor_.Process(Touch("t8"));
  EXPECT_EQ(r2->retry_at, clock_.Now() + absl::Seconds(2));
  clock_.Advance(absl::Seconds(2));
  auto r3 = processor_.Process(Touch("t8"));
  EXPECT_EQ(r3->kind, Kind::kPublish);
  EXPECT_EQ(r3->disposition.outcome(), v1::TOUCH_OUTCOME_FAILED);
  EXPECT_EQ(r3->disposition.error().http_status(), 503);
}

TEST_F(TouchProcessorTest, AnswerLostAfterSendingIsUnknownNotRetried) {
  sender_.errors.push_back(GenesysFailure(absl::StatusCode::kUnavailable, 0, std::nullopt, true));
  auto r = processor_.Process(Touch("t9"));
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_UNKNOWN);
  EXPECT_EQ(processor_.Process(Touch("t9"))->disposition.outcome(), v1::TOUCH_OUTCOME_UNKNOWN);
  EXPECT_EQ(sender_.sent.size(), 1u);
}

TEST_F(TouchProcessorTest, PermanentErrorFailsAtOnceWithTheGenesysBody) {
  sender_.errors.push_back(GenesysFailure(absl::StatusCode::kInvalidArgument, 400, std::nullopt));
  auto r = processor_.Process(Touch("t10"));
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_FAILED);
  EXPECT_EQ(r->disposition.error().code(), "some.code");
  EXPECT_EQ(r->disposition.error().message(), "boom");
}

TEST_F(TouchProcessorTest, GenesysOptedOutRefusalIsReportedOptedOut) {
  genesys::GenesysError e;
  e.http_status = 400;
  e.code = "recipient.opted.out";
  sender_.errors.push_back(genesys::AttachGenesysError(absl::InvalidArgumentError("opted out"), e));
  auto r = processor_.Process(Touch("t11"));
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_OPTED_OUT);
  EXPECT_EQ(r->disposition.error().code(), "recipient.opted.out");
}

TEST_F(TouchProcessorTest, WaitsForQuotaBeforeClaiming) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(processor_.Process(Touch("q" + std::to_string(i)))->kind, Kind::kPublish);
  auto waiting = processor_.Process(Touch("q5"));
  EXPECT_EQ(waiting->kind, Kind::kRetryAt);
  EXPECT_GT(waiting->retry_at, clock_.Now());
  EXPECT_EQ(claimer_.claims.size(), 5u);  // not claimed while it waits
}

}  // namespace
}  // namespace blend::worker
