// Volume tests: two orchestrator processes sharing one database and one set of topics, and a
// bulk start of 100,000 rows in one stream.

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/testing/orchestrator_test.h"

namespace blend::orchestrator::testing {
namespace {

using ScaleTest = OrchestratorTest;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::atoi(v);
}

// Streams `n` start requests through StartJourneys; returns the results in arrival order.
std::vector<blend::v1::StartJourneyResult> StartMany(
    blend::v1::JourneyService::Stub& stub, int n,
    const std::function<blend::v1::StartJourneyRequest(int)>& make) {
  grpc::ClientContext ctx;
  auto stream = stub.StartJourneys(&ctx);
  std::thread writer([&] {
    for (int i = 0; i < n; ++i) {
      if (!stream->Write(make(i))) break;
    }
    stream->WritesDone();
  });
  std::vector<blend::v1::StartJourneyResult> results;
  blend::v1::StartJourneyResult r;
  while (stream->Read(&r)) results.push_back(r);
  writer.join();
  grpc::Status s = stream->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return results;
}

TEST_F(ScaleTest, TwoReplicasPublishEveryTouchOnceAndFinishEveryJourneyOnce) {
  const int n = EnvInt("BLEND_ORCH_REPLICA_JOURNEYS", 10000);
  int port_a = FreePort(), port_b = FreePort();
  Child a(BLEND_ORCHESTRATOR_BIN, ChildArgs(port_a));
  Child b(BLEND_ORCHESTRATOR_BIN, ChildArgs(port_b));
  auto connect = [](int port) {
    auto ch =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    EXPECT_TRUE(ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(60)));
    return ch;
  };
  auto ch_a = connect(port_a), ch_b = connect(port_b);
  auto journeys_a = blend::v1::JourneyService::NewStub(ch_a);
  auto journeys_b = blend::v1::JourneyService::NewStub(ch_b);
  std::unique_ptr<blend::v1::TouchService::Stub> claims[] = {
      blend::v1::TouchService::NewStub(ch_a), blend::v1::TouchService::NewStub(ch_b)};
  journeys_ = blend::v1::JourneyService::NewStub(ch_a);

  // The seed journey with a one-second wait (real time: these are separate processes).
  {
    grpc::ClientContext ctx;
    blend::v1::PutCampaignRequest req;
    *req.mutable_campaign() = SeedCampaign("dunning", /*wait_seconds=*/1);
    req.mutable_campaign()->set_policies_json(
        R"({"choiceOnMissingVariable": "default", "quietHours": {"sms": null, "voice": null}})");
    blend::v1::PutCampaignResponse resp;
    ASSERT_TRUE(journeys_a->PutCampaign(&ctx, req, &resp).ok());
  }
  bus::Consumer& touches = Subscribe({"blend.touch.sms", "blend.touch.voice"});

  auto make = [](int i) {
    auto r = StartRequest("dunning", absl::StrCat("key-", i), absl::StrCat("cust-", i));
    r.set_row(i);
    return r;
  };
  std::vector<blend::v1::StartJourneyResult> ra, rb;
  std::thread ta([&] { ra = StartMany(*journeys_a, n / 2, make); });
  std::thread tb(
      [&] { rb = StartMany(*journeys_b, n - n / 2, [&](int i) { return make(n / 2 + i); }); });
  ta.join();
  tb.join();
  ASSERT_EQ(static_cast<int>(ra.size() + rb.size()), n);

  // A fake worker: claim at alternating replicas, report the outcome.
  std::map<std::string, int> seen;
  int sms = 0, voice = 0, k = 0;
  absl::Time deadline = absl::Now() + absl::Seconds(600);
  while (voice < n && absl::Now() < deadline) {
    auto m = touches.Poll(absl::Milliseconds(200));
    if (!m) continue;
    blend::v1::Envelope env;
    ASSERT_TRUE(env.ParseFromString(m->payload));
    const auto& t = env.touch();
    if (++seen[t.touch_id()] > 1) continue;
    (t.channel() == blend::v1::CHANNEL_SMS ? sms : voice)++;
    grpc::ClientContext ctx;
    blend::v1::ClaimTouchRequest req;
    req.set_touch_id(t.touch_id());
    blend::v1::ClaimTouchResponse resp;
    ASSERT_TRUE(claims[k++ % 2]->ClaimTouch(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.decision(), blend::v1::ClaimTouchResponse::DECISION_GRANTED) << resp.reason();
    PublishDisposition(t,
                       t.channel() == blend::v1::CHANNEL_SMS
                           ? blend::v1::TOUCH_OUTCOME_SENT
                           : blend::v1::TOUCH_OUTCOME_CALL_COMPLETED,
                       "disp-" + t.touch_id(), /*wait=*/false);
  }
  EXPECT_EQ(sms, n);
  EXPECT_EQ(voice, n);
  EXPECT_TRUE(
      WaitUntil([&] { return Count("SELECT count(*) FROM journeys WHERE status = 2") == n; },
                absl::Seconds(120)))
      << Count("SELECT count(*) FROM journeys WHERE status = 2") << " of " << n << " finished";
  // Nothing published twice: no second copy of any touch arrives.
  absl::Time quiet = absl::Now() + absl::Seconds(3);
  while (absl::Now() < quiet) {
    auto m = touches.Poll(absl::Milliseconds(200));
    if (!m) continue;
    blend::v1::Envelope env;
    env.ParseFromString(m->payload);
    ++seen[env.touch().touch_id()];
  }
  int duplicates = 0;
  for (const auto& [id, count] : seen) duplicates += count > 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(static_cast<int>(seen.size()), 2 * n);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'JourneyFinished'"), n);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  a.Kill(SIGTERM);
  b.Kill(SIGTERM);
}

TEST_F(ScaleTest, BulkStartOf100000RowsInOneStream) {
  const int n = EnvInt("BLEND_ORCH_BULK_ROWS", 100000);
  StartOrchestrator();
  // No quiet hours, so the first touches are due at once whatever the test clock says.
  PutCampaignWithPolicies("dunning", R"({"quietHours": {"sms": null, "voice": null}})");
  absl::Time t0 = absl::Now();
  auto results = StartMany(*journeys_, n, [](int i) {
    auto r = StartRequest(i == 7 ? "no-such-campaign" : "dunning", absl::StrCat("key-", i),
                          absl::StrCat("cust-", i));
    if (i == 3) r.mutable_customer()->set_phone_e164("12");
    if (i == 11) r.set_client_key("key-10");  // same key as row 10, different input
    r.set_row(i);
    return r;
  });
  absl::Duration took = absl::Now() - t0;
  ASSERT_EQ(static_cast<int>(results.size()), n);
  int accepted = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(results[i].row(), i);
    accepted += results[i].accepted();
  }
  EXPECT_EQ(accepted, n - 3);
  EXPECT_FALSE(results[3].accepted());
  EXPECT_THAT(results[3].reason(), ::testing::HasSubstr("bad phone number"));
  EXPECT_THAT(results[7].reason(), ::testing::HasSubstr("unknown campaign"));
  EXPECT_THAT(results[11].reason(), ::testing::HasSubstr("different input"));
  EXPECT_EQ(Count("SELECT count(*) FROM journeys"), n - 3);
  EXPECT_EQ(Count("SELECT count(*) FROM touches"), n - 3);
  std::cerr << "started " << accepted << " journeys in " << took << " ("
            << accepted / absl::ToDoubleSeconds(took) << "/s)\n";
  // The relay's retry and outage backoffs run on the orchestrator's clock: it follows real time
  // while we wait, or one failed publication (a slow broker on a busy machine) would wait for a
  // fake instant that never comes and the outbox would never empty.
  absl::Time real = absl::Now();
  const bool drained = WaitUntil(
      [&] {
        const absl::Time now = absl::Now();
        clock_.Advance(now - real);
        real = now;
        return Count("SELECT count(*) FROM outbox") == 0;
      },
      absl::Seconds(300));
  EXPECT_TRUE(drained) << OutboxState();
}

}  // namespace
}  // namespace blend::orchestrator::testing
