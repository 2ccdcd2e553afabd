// blend-dialer-worker: composition root. Flags → WorkerRuntime (shared with the other workers)
// + VoiceSender, the webhook server (call outcomes, inbound SMS) and the DNC sync; consumes
// blend.touch.voice until SIGTERM.

#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/dialer_worker/dnc_sync.h"
#include "blend/dialer_worker/voice_sender.h"
#include "blend/dialer_worker/webhook.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"
#include "blend/worker/worker_flags.h"
#include "blend/worker/worker_loop.h"

int main(int argc, char** argv) {
  using namespace blend::dialer_worker;
  CLI::App app{"blend-dialer-worker: inserts voice touches at high priority into the campaign's "
               "Genesys contact list, turns call outcomes and inbound SMS opt-outs (webhooks) into "
               "dispositions and customer events, and keeps Blend's suppressions and the Genesys "
               "DNC lists in agreement"};
  auto config = blend::worker::DefaultRuntimeConfig("dialer-worker", blend::v1::CHANNEL_VOICE,
                                                    "127.0.0.1:9402");
  blend::worker::RuntimeFlagValues values;
  blend::worker::AddRuntimeFlags(app, config, values);
  VoiceSenderOptions voice;
  WebhookOptions webhook;
  DncSyncOptions dnc;
  std::string http_addr = "127.0.0.1:7481";
  blend::AddFlag(app, "http-addr", http_addr,
                 "host:port of the webhooks: POST /webhooks/genesys/post-contact and "
                 "/webhooks/genesys/inbound-sms");
  blend::AddSecretFlag(app, "webhook-secret", webhook.secret,
                       "HMAC-SHA256 key of X-Blend-Signature (default: genesys-sim's demo key)");
  blend::AddFlag(app, "contact-list-id", voice.default_contact_list_id,
                 "contact list when the campaign names none (GenesysIds.contact_list_id)");
  blend::AddFlag(app, "phone-column", voice.phone_column, "contact-list column of the phone number");
  blend::AddFlag(app, "touch-id-column", voice.touch_id_column,
                 "contact-list column holding the touch id (call outcomes are matched by it)");
  blend::AddFlag(app, "customer-id-column", voice.customer_id_column,
                 "contact-list column for the customer id (empty: not written)");
  blend::AddFlag(app, "dnc-list-ids", dnc.mirror_list_ids,
                 "Genesys DNC lists mirrored into Blend's suppressions (comma-separated in the env)")
      ->delimiter(',');
  blend::AddFlag(app, "internal-dnc-list-id", dnc.push_list_id,
                 "internal (rds) Genesys DNC list every Blend opt-out is written to");
  blend::AddDurationFlag(app, "dnc-refresh-interval", dnc.interval,
                         "how often the DNC lists are exported and mirrored");
  blend::AddDurationFlag(app, "dnc-push-interval", dnc.push_interval,
                         "how often new opt-outs are written to the internal Genesys DNC list");
  CLI11_PARSE(app, argc, argv);

  blend::ShutdownSignal::Install();
  if (absl::Status st = blend::worker::FinishRuntimeFlags(config, values); !st.ok()) {
    return blend::worker::ReportStartFailure("dialer-worker", st);
  }
  auto runtime = blend::worker::WorkerRuntime::Create(std::move(config),
                                                      blend::RealClock::Instance(), nullptr);
  if (!runtime.ok()) return blend::worker::ReportStartFailure("dialer-worker", runtime.status());
  blend::worker::WorkerRuntime& rt = **runtime;
  DncSync sync(rt.pool(), rt.genesys(), rt.quota(), rt.clock(), dnc, &rt.registry());
  webhook.touch_id_column = voice.touch_id_column;
  webhook.dispositions_topic = rt.Topic(blend::worker::kDispositionsTopic);
  webhook.customer_events_topic = rt.Topic(blend::worker::kCustomerEventsTopic);
  WebhookHandler handler(rt.pool(), rt.producer(), rt.genesys(), rt.quota(), rt.ledger(), &sync,
                         rt.clock(), webhook, &rt.registry());
  auto server = WebhookServer::Start(handler, http_addr);
  if (!server.ok()) return blend::worker::ReportStartFailure("dialer-worker", server.status());
  sync.Start();
  VoiceSender sender(rt.genesys(), voice, &rt.quota());
  blend::worker::RunUntilSignal(rt, sender);
  (*server)->Stop();
  sync.Stop();
  return 0;
}
