// postContact events: EventBridge envelope, HMAC signature, retries with backoff, delivery to a
// real local HTTP receiver.

#include "blend/genesys_sim/webhooks.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include <thread>

#include "absl/time/clock.h"
#include "sim_test_util.h"

namespace blend::genesys_sim {
namespace {

using nlohmann::json;
using testing::HeaderOf;

TEST(HmacTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

class PostContactEventTest : public testing::SimTest {
 protected:
  void SetUp() override {
    SimConfig config = DemoConfig();
    config.webhooks.post_contact_urls = {"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"};
    config.webhooks.signing_secret = Secret("s3cret");
    config.webhooks.max_attempts = 4;
    Build(config);
  }
  void DialOne(const std::string& phone) {
    ASSERT_EQ(AddContact(phone, true).status, 200);
    clock_.Advance(absl::Seconds(5));
    sim_->Tick();
  }
};

TEST_F(PostContactEventTest, EventIsWrappedInTheEventBridgeEnvelopeAndSigned) {
  DialOne("+13175550104");
  auto posts = sender_->posts();
  ASSERT_EQ(posts.size(), 2u);  // one per configured URL
  EXPECT_EQ(posts[0].url, "http://127.0.0.1:9/a");
  EXPECT_EQ(posts[1].url, "http://127.0.0.1:9/b");
  json env = json::parse(posts[0].body);
  EXPECT_EQ(env["version"], "0");
  EXPECT_EQ(env["detail-type"], "v2.outbound.voice.campaigns.contact.postContact");
  EXPECT_EQ(env["source"],
            "aws.partner/genesys.com/cloud/00000000-0000-4000-8000-00000000b1e0/blend");
  EXPECT_EQ(env["account"], "123456789012");
  EXPECT_EQ(env["region"], "us-east-1");
  EXPECT_EQ(env["time"], "2026-01-01T00:00:05Z");
  EXPECT_TRUE(env["resources"].is_array());
  EXPECT_EQ(env["detail"]["topicName"], "v2.outbound.voice.campaigns.contact.postContact");
  EXPECT_EQ(env["detail"]["version"], "2");
  EXPECT_TRUE(env["detail"]["metadata"]["CorrelationId"].is_string());
  EXPECT_EQ(env["detail"]["eventBody"]["wrapupCode"], "ININ-OUTBOUND-NO-ANSWER");
  EXPECT_EQ(HeaderOf(posts[0].headers, kSignatureHeader),
            "sha256=" + HmacSha256Hex("s3cret", posts[0].body));
  EXPECT_EQ(HeaderOf(posts[0].headers, kEventIdHeader), env["id"]);
  EXPECT_EQ(HeaderOf(posts[0].headers, kEventTypeHeader), "postContact");
  EXPECT_EQ(HeaderOf(posts[0].headers, kAttemptHeader), "1");
}

TEST_F(PostContactEventTest, FailedDeliveriesAreRetriedWithExponentialBackoff) {
  sender_->FailFirst(3);  // both URLs fail once; /a then fails its second attempt too
  DialOne("+13175550104");
  EXPECT_EQ(sender_->posts().size(), 2u);
  sim_->Tick();
  EXPECT_EQ(sender_->posts().size(), 2u);  // not due yet (1 s backoff)
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  ASSERT_EQ(sender_->posts().size(), 4u);
  EXPECT_EQ(HeaderOf(sender_->posts()[2].headers, kAttemptHeader), "2");
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  EXPECT_EQ(sender_->posts().size(), 4u);  // /a waits 2 s after its second failure
  clock_.Advance(absl::Seconds(1));
  sim_->Tick();
  ASSERT_EQ(sender_->posts().size(), 5u);
  EXPECT_EQ(sender_->posts()[4].body, sender_->posts()[0].body);  // same event, same id
  auto counts = sim_->dispatcher().Counts();
  EXPECT_EQ(counts["postContact.delivered"], 2);
  EXPECT_EQ(counts["postContact.retried"], 3);
  EXPECT_EQ(testing::MetricValue(*registry_, "blend_genesys_sim_webhook_deliveries_total",
                                 {{"kind", "postContact"}, {"result", "retried"}}),
            3);
}

TEST_F(PostContactEventTest, DeliveryGivesUpAfterMaxAttempts) {
  sender_->FailFirst(1000);
  DialOne("+13175550104");
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(absl::Seconds(60));
    sim_->Tick();
  }
  EXPECT_EQ(sender_->posts().size(), 8u);  // 4 attempts x 2 URLs
  EXPECT_EQ(sim_->dispatcher().Counts()["postContact.failed"], 2);
  HttpResponse events = Call("GET", "/sim/events");
  EXPECT_EQ(Json(events)[0]["state"], "failed");
  EXPECT_EQ(Json(events)[0]["attempts"], 4);
}

// A real loopback receiver: the first request gets 500, later ones 200.
TEST(HttplibWebhookSenderTest, DeliversSignedEventsToALocalReceiverWithRetry) {
  httplib::Server receiver;
  absl::Mutex mu;
  std::vector<std::pair<std::string, std::string>> got;  // body, signature
  receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    got.emplace_back(req.body, req.get_header_value(kSignatureHeader));
    res.status = got.size() == 1 ? 500 : 200;
  });
  int port = receiver.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { receiver.listen_after_bind(); });
  for (int i = 0; i < 500 && !receiver.is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));

  FakeClock clock;
  HttplibWebhookSender sender(absl::Seconds(2));
  EventDispatcher dispatcher(clock, sender, RetryPolicy{absl::Seconds(1), absl::Seconds(8), 5},
                             Secret("k"));
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  dispatcher.Enqueue("postContact", "evt-1", url, R"({"hello":"world"})");
  EXPECT_EQ(dispatcher.DeliverDue(), 1);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(dispatcher.DeliverDue(), 1);
  EXPECT_EQ(dispatcher.DeliverDue(), 0);
  receiver.stop();
  thread.join();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].first, R"({"hello":"world"})");
  EXPECT_EQ(got[1].second, "sha256=" + HmacSha256Hex("k", R"({"hello":"world"})"));
  EXPECT_EQ(dispatcher.Counts()["postContact.delivered"], 1);
  EXPECT_EQ(dispatcher.Counts()["postContact.retried"], 1);
}

TEST(HttplibWebhookSenderTest, UnreachableReceiverIsUnavailable) {
  HttplibWebhookSender sender(absl::Milliseconds(200));
  httplib::Server probe;  // find a port that nothing listens on
  int port = probe.bind_to_any_port("127.0.0.1");
  probe.stop();
  absl::Status st = sender.Post("http://127.0.0.1:" + std::to_string(port) + "/x", "{}", {});
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace blend::genesys_sim
