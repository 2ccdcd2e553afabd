// email-worker against the real genesys-sim, PostgreSQL and Kafka: agentless email with an
// unsubscribe link, and the unsubscribe endpoint turning into an email opt-out event.

#include <httplib.h>

#include "blend/email_worker/email_sender.h"
#include "blend/email_worker/unsubscribe.h"
#include "workers_harness.h"

namespace blend::workers_test {
namespace {

TEST_F(WorkersTest, EmailIsSentOnceAndItsUnsubscribeLinkOptsTheCustomerOut) {
  StartSim(genesys_sim::DemoConfig());
  Collector dispositions(brokers_, {Topic("blend.dispositions")});
  Collector events(brokers_, {Topic("blend.customer-events")});
  email_worker::UnsubscribeTokens tokens(Secret("test-key"));
  worker::WorkerRuntime& rt = StartReplica(
      RuntimeConfig(v1::CHANNEL_EMAIL, 300), [&tokens](worker::WorkerRuntime& r) {
        return std::make_unique<email_worker::EmailSender>(r.genesys(), tokens,
                                                           email_worker::EmailSenderOptions{});
      });
  auto server = email_worker::UnsubscribeServer::Start(
      "127.0.0.1:0", tokens, rt.producer(), rt.Topic("blend.customer-events"), rt.clock());
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
  auto ok = client.Get(("/unsubscribe?token=" + token).c_str());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto ev = events.WaitFor(1, absl::Seconds(20));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].customer_event().customer_id(), "c-e-1");
  EXPECT_EQ(ev[0].customer_event().opt_out().channel(), v1::CHANNEL_EMAIL);
  EXPECT_EQ(ev[0].customer_event().opt_out().address(), "e-1@customer.example");
  (*server)->Stop();
}

}  // namespace
}  // namespace blend::workers_test
