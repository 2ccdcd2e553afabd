// blend-email-worker: composition root. Flags → WorkerRuntime (shared with the other workers)
// + EmailSender, and the unsubscribe endpoint; consumes blend.touch.email until SIGTERM.

#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/email_worker/email_sender.h"
#include "blend/email_worker/unsubscribe.h"
#include "blend/email_worker/unsubscribe_publisher.h"
#include "blend/email_worker/unsubscribe_store.h"
#include "blend/http/exposure.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"
#include "blend/worker/worker_flags.h"

int main(int argc, char** argv) {
  CLI::App app{
      "blend-email-worker: sends email touches through Genesys agentless email (with a "
      "CAN-SPAM unsubscribe link) under the global per-client quota"};
  auto config = blend::worker::DefaultRuntimeConfig("email-worker", blend::v1::CHANNEL_EMAIL,
                                                    "127.0.0.1:9403");
  blend::worker::RuntimeFlagValues values;
  blend::worker::AddRuntimeFlags(app, config, values);
  blend::email_worker::EmailSenderOptions email;
  std::string http_addr = "127.0.0.1:7482";
  blend::Secret unsubscribe_secret(blend::email_worker::kDemoUnsubscribeSecret);
  blend::email_worker::UnsubscribeTokenOptions token_options;
  blend::email_worker::UnsubscribeServerOptions http_options;
  blend::AddFlag(app, "email-from", email.default_from,
                 "sender address when the campaign names none (GenesysIds.email_from_address)");
  blend::AddFlag(app, "email-from-name", email.from_name, "sender display name");
  blend::AddFlag(app, "http-addr", http_addr, "host:port of the unsubscribe endpoint");
  blend::AddFlag(app, "unsubscribe-base-url", email.unsubscribe_base_url,
                 "public base URL of the unsubscribe endpoint, used in every email's link");
  blend::AddSecretFlag(app, "unsubscribe-secret", unsubscribe_secret,
                       "key that seals unsubscribe tokens (the default is a public demo key, "
                       "accepted only on a loopback --http-addr)");
  blend::AddDurationFlag(app, "unsubscribe-link-ttl", token_options.ttl,
                         "how long an email's unsubscribe link works (CAN-SPAM: at least 30 "
                         "days after sending)");
  blend::AddSwitch(app, "unsubscribe-legacy-links", token_options.accept_legacy,
                   "also accept links of the old format (address inside, no expiry) sent "
                   "before the upgrade; turn off once the last is older than "
                   "--unsubscribe-link-ttl");
  blend::AddDurationFlag(app, "http-read-timeout", http_options.read_timeout,
                         "a client on --http-addr that sends nothing for this long is "
                         "disconnected");
  CLI11_PARSE(app, argc, argv);

  blend::ShutdownSignal::Install();
  if (absl::Status st = blend::worker::FinishRuntimeFlags(config, values); !st.ok()) {
    return blend::worker::ReportStartFailure("email-worker", st);
  }
  // Before anything connects: with a public key anyone can make links that unsubscribe anyone.
  if (absl::Status st = blend::http::CheckSecretForAddress(
          http_addr, unsubscribe_secret, blend::email_worker::kDemoUnsubscribeSecret,
          "unsubscribe-secret");
      !st.ok()) {
    return blend::worker::ReportStartFailure("email-worker", st);
  }
  auto runtime = blend::worker::WorkerRuntime::Create(std::move(config),
                                                      blend::RealClock::Instance(), nullptr);
  if (!runtime.ok()) return blend::worker::ReportStartFailure("email-worker", runtime.status());
  blend::worker::WorkerRuntime& rt = **runtime;
  blend::email_worker::UnsubscribeTokens tokens(unsubscribe_secret, rt.clock(), token_options);
  // Clicks are committed to PostgreSQL first; the publisher delivers them to Kafka.
  blend::email_worker::PgUnsubscribeStore unsubscribes(rt.pool());
  blend::email_worker::UnsubscribePublisher publisher(
      unsubscribes,
      blend::email_worker::KafkaEventPublisher(
          rt.producer(), rt.Topic(blend::worker::kCustomerEventsTopic), rt.clock()),
      rt.clock(), {}, &rt.registry());
  publisher.Start();
  auto server = blend::email_worker::UnsubscribeServer::Start(http_addr, tokens, unsubscribes,
                                                              &publisher, rt.clock(), http_options);
  if (!server.ok()) return blend::worker::ReportStartFailure("email-worker", server.status());
  blend::email_worker::EmailSender sender(rt.genesys(), tokens, email);
  blend::worker::RunUntilSignal(rt, sender);
  (*server)->Stop();
  publisher.Stop();
  return 0;
}
