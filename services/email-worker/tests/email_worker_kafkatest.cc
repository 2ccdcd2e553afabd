// email-worker against the real genesys-sim, PostgreSQL and Kafka: agentless email with an
// unsubscribe link, and the unsubscribe endpoint turning into an email opt-out event, through
// the email_unsubscribes table, also when Kafka is unreachable at the click.

#include <httplib.h>

#include "blend/email_worker/email_sender.h"
#include "blend/email_worker/unsubscribe.h"
#include "blend/email_worker/unsubscribe_publisher.h"
#include "blend/email_worker/unsubscribe_store.h"
#include "blend/genesys_sim/testing/workers_test.h"
#include "blend/store/migrations.h"

namespace blend::workers_test {
namespace {

// Unsubscribes not yet marked delivered, once the publisher had up to 5 s to mark them (it
// marks right after Kafka's acknowledgement, which a consumer may see first).
int64_t PendingAfterMarking(email_worker::UnsubscribeStore& store) {
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<int64_t> n = store.CountPending();
  while (n.ok() && *n > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    n = store.CountPending();
  }
  return n.ok() ? *n : -1;
}

TEST_F(WorkersTest, EmailIsSentOnceAndItsUnsubscribeLinkOptsTheCustomerOut) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  Collector events(brokers_, {Topic("blend.customer-events")});
  email_worker::UnsubscribeTokens tokens(Secret("test-key"));
  worker::WorkerRuntime& rt =
      StartReplica(RuntimeConfig(v1::CHANNEL_EMAIL, 300), [&tokens](worker::WorkerRuntime& r) {
        return std::make_unique<email_worker::EmailSender>(r.genesys(), tokens,
                                                           email_worker::EmailSenderOptions{});
      });
  email_worker::PgUnsubscribeStore store(rt.pool());
  email_worker::UnsubscribePublisher publisher(
      store,
      email_worker::KafkaEventPublisher(rt.producer(), rt.Topic("blend.customer-events"),
                                        rt.clock()),
      rt.clock());
  publisher.Start();
  auto server =
      email_worker::UnsubscribeServer::Start("127.0.0.1:0", tokens, store, &publisher, rt.clock());
  ASSERT_TRUE(server.ok()) << server.status();

  v1::TouchCommand touch = SmsTouch("e-1", "+12125550180");
  touch.set_channel(v1::CHANNEL_EMAIL);
  Publish(touch);
  Publish(touch);
  auto got = dispositions.WaitFor(2, absl::Seconds(30));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].disposition().outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(sim_->Sent("email.send", "e-1"), 1);
  auto mail = sim_->Admin("GET", "/sim/messages/email");
  EXPECT_NE(mail.body.find("Invoice INV-e-1"), std::string::npos);

  httplib::Client client("127.0.0.1", (*server)->port());
  std::string token = tokens.Sign({"c-e-1", "e-1@customer.example", "e-1"});
  auto bad = client.Get("/unsubscribe?token=forged");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto page = client.Get(("/unsubscribe?token=" + token).c_str());  // the confirmation page
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(events.WaitFor(1, absl::Seconds(2)).empty()) << "a GET unsubscribes no one";
  auto ok = client.Post(("/unsubscribe?token=" + token).c_str(), "List-Unsubscribe=One-Click",
                        "application/x-www-form-urlencoded");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto ev = events.WaitFor(1, absl::Seconds(20));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].customer_event().customer_id(), "c-e-1");
  EXPECT_EQ(ev[0].customer_event().opt_out().channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(ev[0].customer_event().opt_out().address(), "e-1@customer.example");
  EXPECT_EQ(PendingAfterMarking(store), 0);
  (*server)->Stop();
  publisher.Stop();
}

// The worker's producer cannot reach Kafka when the customer clicks (its bootstrap address
// refuses connections): the click still succeeds, and once Kafka is reachable the opt-out
// event arrives, exactly once, however often the link was opened.
TEST_F(WorkersTest, UnsubscribeDuringAKafkaOutageSucceedsAndIsDeliveredOnceKafkaIsBack) {
  Collector events(brokers_, {Topic("blend.customer-events")});
  TcpForwarder kafka(brokers_);  // not open yet: Kafka is unreachable through it
  bus::ProducerConfig pc{.brokers = kafka.address()};
  pc.delivery_timeout = absl::Seconds(2);
  pc.properties = {{"reconnect.backoff.ms", "100"}, {"reconnect.backoff.max.ms", "500"}};
  auto producer = bus::Producer::Create(pc);
  ASSERT_TRUE(producer.ok()) << producer.status();
  auto migrations = store::BlendMigrations();
  ASSERT_TRUE(migrations.ok());
  ASSERT_TRUE(store::Migrate(*pool_, *migrations).ok());
  email_worker::PgUnsubscribeStore store(*pool_);
  email_worker::UnsubscribePublisherOptions options;
  options.poll_interval = absl::Milliseconds(200);
  options.retry_initial = absl::Milliseconds(500);
  options.retry_max = absl::Seconds(1);
  email_worker::UnsubscribePublisher publisher(
      store,
      email_worker::KafkaEventPublisher(**producer, Topic("blend.customer-events"),
                                        RealClock::Instance()),
      RealClock::Instance(), options);
  publisher.Start();
  email_worker::UnsubscribeTokens tokens(Secret("test-key"));
  auto server = email_worker::UnsubscribeServer::Start("127.0.0.1:0", tokens, store, &publisher,
                                                       RealClock::Instance());
  ASSERT_TRUE(server.ok()) << server.status();

  httplib::Client client("127.0.0.1", (*server)->port());
  std::string path = "/unsubscribe?token=" + tokens.Sign({"c-e-2", "e-2@customer.example", "e-2"});
  auto first =
      client.Post(path.c_str(), "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << "the customer will not click again";
  auto again = client.Post(path.c_str());  // a one-click client, or the customer twice
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_TRUE(events.WaitFor(1, absl::Seconds(3)).empty()) << "Kafka was unreachable";
  EXPECT_EQ(*store.CountPending(), 1) << "recorded once, not delivered";

  kafka.Open();
  auto got = events.WaitFor(1, absl::Seconds(30));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_id(), "customer-event:email-unsubscribe:c-e-2:e-2");
  EXPECT_EQ(got[0].customer_event().customer_id(), "c-e-2");
  EXPECT_EQ(got[0].customer_event().type(), "opt_out");
  EXPECT_EQ(got[0].customer_event().opt_out().channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(got[0].customer_event().opt_out().address(), "e-2@customer.example");
  auto late = client.Post(path.c_str());  // after delivery: answered, not published again
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 200);
  EXPECT_EQ(events.WaitFor(2, absl::Seconds(3)).size(), 1u) << "exactly once";
  EXPECT_EQ(PendingAfterMarking(store), 0);
  (*server)->Stop();
  publisher.Stop();
}

}  // namespace
}  // namespace blend::workers_test
