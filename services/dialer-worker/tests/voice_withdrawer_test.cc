// VoiceWithdrawer with the in-memory ledger, an in-memory quota and the Genesys client over
// FakeHttpTransport, on a FakeClock: the tombstone, DELETE and its retries, the uncallable
// fallback, "too late", and the metrics.

#include "blend/dialer_worker/voice_withdrawer.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "blend/dialer_worker/voice_sender.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys/testing/fake_http_transport.h"
#include "blend/quota/quota_store.h"
#include "blend/worker/touch_processor.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace blend::dialer_worker {
namespace {

using genesys::HttpMethod;
using genesys::HttpResponse;
using genesys::testing::FakeHttpTransport;
using nlohmann::json;
using worker::ProcessResult;
using Kind = ProcessResult::Kind;

constexpr char kQueuedTouch[] = "j-1/Call/3";

HttpResponse Contact(bool dialled = false) {
  json contact = {{"id", genesys::ContactIdForTouch(kQueuedTouch)},
                  {"contactListId", "demo-contacts"},
                  {"data", {{"phone", "+12015550123"}, {"touchId", kQueuedTouch}}},
                  {"callable", true}};
  if (dialled) {
    contact["callRecords"] = {
        {"phone",
         {{"lastAttempt", "2026-01-01T00:00:00.000Z"}, {"lastResult", "ININ-OUTBOUND-NO-ANSWER"}}}};
  }
  return HttpResponse{200, {}, contact.dump()};
}

HttpResponse Error(int status) {
  return HttpResponse{status, {}, json{{"status", status}, {"code", "x"}, {"message", "m"}}.dump()};
}

class GrantAll final : public worker::TouchClaimer {
 public:
  absl::StatusOr<v1::ClaimTouchResponse> Claim(const v1::TouchCommand& bus_copy) override {
    v1::ClaimTouchResponse r;
    r.set_decision(v1::ClaimTouchResponse::DECISION_GRANTED);
    *r.mutable_touch() = bus_copy;  // this test's bus copies carry the whole touch
    return r;
  }
};

class VoiceWithdrawerTest : public ::testing::Test {
 protected:
  VoiceWithdrawerTest()
      : lane_(quota_store_, clock_, "lane", {.requests_per_minute = 6000, .burst = 100}),
        inserts_(quota_store_, clock_, "inserts", {.requests_per_minute = 6000, .burst = 100}) {
    genesys::GenesysClientConfig config;
    config.client_id = "id";
    config.client_secret = Secret("secret");
    client_ = genesys::GenesysClient::Create(config, transport_, clock_).value();
    transport_.PushToken("t1");
    withdrawer_ = std::make_unique<VoiceWithdrawer>(
        ledger_, *client_, lane_, &inserts_, clock_,
        VoiceWithdrawerOptions{.worker_id = "w1",
                               .delete_attempts = 2,
                               .backoff = {.initial = absl::Seconds(1), .max_attempts = 5}},
        [] { return 1.0; }, &registry_);
  }

  v1::WithdrawTouch Withdrawal() {
    v1::WithdrawTouch w;
    w.set_touch_id(kQueuedTouch);
    w.set_journey_id("j-1");
    w.set_channel(v1::CHANNEL_VOICE);
    w.set_contact_list_id("demo-contacts");
    w.set_contact_id(genesys::ContactIdForTouch(kQueuedTouch));
    *w.mutable_requested_at() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_.Now()));
    return w;
  }

  void RecordInsert() {
    v1::Disposition sent;
    sent.set_touch_id(kQueuedTouch);
    sent.set_journey_id("j-1");
    sent.set_channel(v1::CHANNEL_VOICE);
    sent.set_outcome(v1::TOUCH_OUTCOME_SENT);
    ASSERT_TRUE(ledger_.Complete(sent, "w1", clock_.Now()).ok());
  }

  std::vector<genesys::HttpRequest> Requests(HttpMethod method) {
    std::vector<genesys::HttpRequest> out;
    for (const auto& r : transport_.requests()) {
      if (r.method == method && absl::StrContains(r.url, "/api/v2/")) out.push_back(r);
    }
    return out;
  }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }
  bool HasMetric(const std::string& line) { return Metrics().find(line) != std::string::npos; }

  FakeClock clock_;
  FakeHttpTransport transport_;
  std::unique_ptr<genesys::GenesysClient> client_;
  worker::InMemoryTouchLedger ledger_;
  quota::InMemoryQuotaStore quota_store_;
  quota::QuotaGovernor lane_;
  quota::QuotaGovernor inserts_;
  prometheus::Registry registry_;
  std::unique_ptr<VoiceWithdrawer> withdrawer_;
};

// The dashboard's withdrawal panel needs its series before the first withdrawal: a run without
// one shows zeros, not "no data".
TEST_F(VoiceWithdrawerTest, EveryResultSeriesExistsAtZeroBeforeAnyWithdrawal) {
  for (const char* result : {"removed", "uncallable", "tombstoned", "too_late", "failed"}) {
    EXPECT_TRUE(HasMetric(
        absl::StrCat("blend_touch_withdrawals_total{channel=\"voice\",result=\"", result, "\"} 0")))
        << result << "\n"
        << Metrics();
  }
}

TEST_F(VoiceWithdrawerTest, TombstoneBeforeTheInsertRefusesTheLateInsertWhichReportsWithdrawn) {
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->kind, Kind::kPublish);
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_TRUE(absl::StrContains(r->disposition.reason(), "never inserted"))
      << r->disposition.reason();
  EXPECT_TRUE(transport_.requests().empty()) << "nothing to ask Genesys";

  // The TouchCommand arrives late and goes through the real processor and VoiceSender.
  GrantAll claimer;
  VoiceSender sender(*client_, VoiceSenderOptions{});
  worker::TouchProcessor processor(ledger_, claimer, inserts_, sender, clock_,
                                   {.worker_id = "w1", .channel = v1::CHANNEL_VOICE, .backoff = {}},
                                   [] { return 0.5; });
  v1::TouchCommand touch;
  touch.set_touch_id(kQueuedTouch);
  touch.set_journey_id("j-1");
  touch.set_channel(v1::CHANNEL_VOICE);
  touch.mutable_customer()->set_phone_e164("+12015550123");
  auto late = processor.Process(touch);
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_EQ(late->kind, Kind::kPublish);
  EXPECT_EQ(late->disposition.outcome(), v1::TOUCH_OUTCOME_WITHDRAWN) << "not SENT";
  EXPECT_TRUE(Requests(HttpMethod::kPost).empty()) << "the insert never reaches Genesys";
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawals_total{channel="voice",result="tombstoned"} 1)"))
      << Metrics();
}

TEST_F(VoiceWithdrawerTest, WithdrawAfterARecordedInsertDeletesTheContact) {
  RecordInsert();
  transport_.Push(Contact());
  transport_.Push(HttpResponse{204, {}, ""});
  clock_.Advance(absl::Milliseconds(250));
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->kind, Kind::kPublish);
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_EQ(r->disposition.reason(), "removed from the contact list");
  EXPECT_EQ(r->disposition.journey_id(), "j-1");
  auto deletes = Requests(HttpMethod::kDelete);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_TRUE(
      absl::StrContains(deletes[0].url, "/api/v2/outbound/contactlists/demo-contacts/contacts/" +
                                            genesys::ContactIdForTouch(kQueuedTouch)))
      << deletes[0].url;
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawals_total{channel="voice",result="removed"} 1)"));
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawal_latency_seconds_count{channel="voice"} 1)"))
      << Metrics();
}

TEST_F(VoiceWithdrawerTest, NotFoundOnDeleteCountsAsDone) {
  RecordInsert();
  transport_.Push(Contact());
  transport_.Push(Error(404));
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->kind, Kind::kPublish);
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_EQ(Requests(HttpMethod::kDelete).size(), 1u);
  EXPECT_TRUE(Requests(HttpMethod::kPut).empty());
}

TEST_F(VoiceWithdrawerTest, DeleteServerErrorIsRetriedAfterABackoffThenSucceeds) {
  RecordInsert();
  transport_.Push(Contact());
  transport_.Push(Error(503));
  auto first = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->kind, Kind::kRetryAt);
  EXPECT_EQ(first->retry_at, clock_.Now() + absl::Seconds(1)) << "backoff, through the clock";

  clock_.Advance(absl::Seconds(1));
  transport_.Push(Contact());
  transport_.Push(HttpResponse{204, {}, ""});
  auto second = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->kind, Kind::kPublish);
  EXPECT_EQ(second->disposition.reason(), "removed from the contact list");
  EXPECT_EQ(Requests(HttpMethod::kDelete).size(), 2u);
  EXPECT_TRUE(Requests(HttpMethod::kPut).empty());
}

TEST_F(VoiceWithdrawerTest, DeleteFailingFallsBackToMakingTheContactUncallable) {
  RecordInsert();
  for (int i = 0; i < 2; ++i) {  // delete_attempts = 2
    transport_.Push(Contact());
    transport_.Push(Error(503));
    auto r = withdrawer_->Withdraw(Withdrawal());
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->kind, Kind::kRetryAt);
    clock_.Advance(r->retry_at - clock_.Now());
  }
  transport_.Push(Contact());  // the too-late check
  transport_.Push(Contact());  // SetContactCallable: GET
  json stored = json::parse(Contact().body);
  stored["callable"] = false;
  transport_.Push(HttpResponse{200, {}, stored.dump()});  // PUT
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->kind, Kind::kPublish);
  EXPECT_EQ(r->disposition.outcome(), v1::TOUCH_OUTCOME_WITHDRAWN);
  EXPECT_TRUE(absl::StrContains(r->disposition.reason(), "uncallable")) << r->disposition.reason();
  EXPECT_EQ(Requests(HttpMethod::kDelete).size(), 2u);
  auto puts = Requests(HttpMethod::kPut);
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_FALSE(json::parse(puts[0].body).value("callable", true));
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawals_total{channel="voice",result="uncallable"} 1)"));
}

TEST_F(VoiceWithdrawerTest, DefiniteRefusalOfDeleteGoesToUncallableAtOnce) {
  RecordInsert();
  transport_.Push(Contact());
  transport_.Push(Error(403));
  transport_.Push(Contact());
  transport_.Push(HttpResponse{200, {}, Contact().body});
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->kind, Kind::kPublish);
  EXPECT_TRUE(absl::StrContains(r->disposition.reason(), "uncallable"));
  EXPECT_EQ(Requests(HttpMethod::kDelete).size(), 1u);
}

TEST_F(VoiceWithdrawerTest, AlreadyDialledIsTooLateAndPublishesNothing) {
  RecordInsert();
  transport_.Push(Contact(/*dialled=*/true));
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, Kind::kDrop) << "the call outcome stands";
  EXPECT_TRUE(Requests(HttpMethod::kDelete).empty());
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawals_total{channel="voice",result="too_late"} 1)"));
}

TEST_F(VoiceWithdrawerTest, InsertInFlightIsWaitedForWithoutCallingGenesys) {
  ASSERT_TRUE(ledger_.BeginCall(kQueuedTouch, "CHANNEL_VOICE", "w2", clock_.Now()).value());
  auto r = withdrawer_->Withdraw(Withdrawal());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, Kind::kRetryAt);
  EXPECT_GT(r->retry_at, clock_.Now());
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(VoiceWithdrawerTest, GivesUpAfterTheLastAttemptWithoutHidingTheOutcome) {
  RecordInsert();
  absl::StatusOr<ProcessResult> r;
  for (int i = 0; i < 5; ++i) {  // max_attempts = 5, every request answers 503
    transport_.Push(Error(503));
    r = withdrawer_->Withdraw(Withdrawal());
    ASSERT_TRUE(r.ok()) << r.status();
    if (r->kind != Kind::kRetryAt) break;
    clock_.Advance(r->retry_at - clock_.Now());
  }
  EXPECT_EQ(r->kind, Kind::kDrop);
  EXPECT_TRUE(HasMetric(R"(blend_touch_withdrawals_total{channel="voice",result="failed"} 1)"));
}

}  // namespace
}  // namespace blend::dialer_worker
