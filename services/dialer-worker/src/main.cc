// blend-dialer-worker: composition root. Flags → WorkerRuntime (shared with the other workers)
// + VoiceSender, the webhook server (call outcomes, inbound SMS) and the DNC sync; consumes
// blend.touch.voice until SIGTERM.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>

#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/common/transport_security.h"
#include "blend/dialer_worker/deadline_transport.h"
#include "blend/dialer_worker/dial_check.h"
#include "blend/dialer_worker/dnc_sync.h"
#include "blend/dialer_worker/voice_sender.h"
#include "blend/dialer_worker/voice_withdrawer.h"
#include "blend/dialer_worker/webhook.h"
#include "blend/genesys/curl_transport.h"
#include "blend/genesys/metrics.h"
#include "blend/http/address.h"
#include "blend/http/exposure.h"
#include "blend/quota/quota_governor.h"
#include "blend/quota/quota_store.h"
#include "blend/store/dedupe_pruner.h"
#include "blend/telemetry/log.h"
#include "blend/worker/customer_events.h"
#include "blend/worker/worker_flags.h"
#include "blend/worker/worker_loop.h"

namespace {

using namespace blend::dialer_worker;

struct DialerFlags {
  VoiceSenderOptions voice;
  WebhookOptions webhook;
  DncSyncOptions dnc;
  DialCheckOptions dial_check;
  std::string dial_check_password_file;
  bool dial_check_enabled = true;
  std::string http_addr = "127.0.0.1:7481";
  WebhookServerOptions http;
  // The withdrawals' own quota lane, carved out of the OAuth client's Genesys limit.
  int withdraw_quota_rpm = 30;
  // dialer_webhook_events (the webhook dedupe) rows older than the retention are pruned.
  blend::store::PrunerOptions dedupe;
};

// The password from --dial-check-password-file (one line; a trailing newline is not part of it).
absl::Status ReadDialCheckPassword(DialerFlags& f) {
  if (f.dial_check_password_file.empty()) return absl::OkStatus();
  std::ifstream in(f.dial_check_password_file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::InvalidArgumentError("cannot read --dial-check-password-file " +
                                      f.dial_check_password_file);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  f.dial_check.password = blend::Secret(line);
  return absl::OkStatus();
}

// Runs the worker until SIGTERM; every object it built is gone when it returns. Sets
// `abandoned` when Genesys exchanges given up on at the shutdown bound are still running.
int Serve(blend::worker::WorkerRuntimeConfig config, DialerFlags flags, bool& abandoned) {
  auto runtime = blend::worker::WorkerRuntime::Create(std::move(config),
                                                      blend::RealClock::Instance(), nullptr);
  if (!runtime.ok()) return blend::worker::ReportStartFailure("dialer-worker", runtime.status());
  blend::worker::WorkerRuntime& rt = **runtime;
  // The DNC sync and the webhook call Genesys through their own client, whose transport ends
  // every request at the shutdown bound (the runtime's client serves the touches).
  auto curl = blend::genesys::CurlTransport::Create();
  if (!curl.ok()) return blend::worker::ReportStartFailure("dialer-worker", curl.status());
  DeadlineTransport requests(std::shared_ptr<blend::genesys::HttpTransport>(std::move(*curl)),
                             rt.clock());
  blend::genesys::PrometheusRequestObserver observer(rt.registry());
  auto genesys =
      blend::genesys::GenesysClient::Create(rt.config().genesys, requests, rt.clock(), &observer);
  if (!genesys.ok()) return blend::worker::ReportStartFailure("dialer-worker", genesys.status());
  DncSync sync(rt.pool(), **genesys, rt.quota(), rt.clock(), flags.dnc, &rt.registry(), &requests);
  flags.webhook.touch_id_column = flags.voice.touch_id_column;
  flags.webhook.dispositions_topic = rt.Topic(blend::worker::kDispositionsTopic);
  flags.webhook.customer_events_topic = rt.Topic(blend::worker::kCustomerEventsTopic);
  WebhookHandler handler(rt.pool(), rt.producer(), **genesys, rt.quota(), rt.ledger(), &sync,
                         rt.clock(), flags.webhook, &rt.registry());
  flags.dial_check.touch_id_field = flags.voice.touch_id_column;
  GrpcTouchChecker checker(rt.orchestrator_channel(), rt.config().orchestrator_token);
  DialCheckHandler dial_check(checker, rt.clock(), flags.dial_check, &rt.registry());
  DialCheckHandler* serve_check = flags.dial_check_enabled ? &dial_check : nullptr;
  if (serve_check != nullptr && dial_check.open() && !blend::IsLoopbackHostPort(flags.http_addr)) {
    // Not a start failure: the webhooks keep working; the pre-call rule's calls fail (404) and
    // its error setting decides.
    BLEND_LOG(kWarn,
              "dial check NOT served: no credentials and a non-loopback address; set "
              "--dial-check-user and --dial-check-password(-file)",
              {{"http_addr", flags.http_addr}});
    serve_check = nullptr;
  }
  // Webhook deliveries are retried for hours at most: rows far older only take space.
  blend::store::DedupePruner pruner(rt.pool(), rt.clock(),
                                    {{"dialer_webhook_events", "received_at", ""}}, flags.dedupe,
                                    &rt.registry());
  auto server = WebhookServer::Start(handler, flags.http_addr, serve_check, flags.http);
  if (!server.ok()) return blend::worker::ReportStartFailure("dialer-worker", server.status());
  sync.Start();
  pruner.Start();
  VoiceSender sender(rt.genesys(), flags.voice, &rt.quota());
  // Withdrawals take tokens from their own bucket ("<quota name>:withdrawals"), so one never
  // waits behind the inserts' tokens; a 429 still pauses both (one OAuth client limit).
  blend::quota::PgQuotaStore lane_store(rt.pool());
  blend::quota::QuotaConfig lane_config = rt.config().quota;
  lane_config.requests_per_minute = std::max(1, flags.withdraw_quota_rpm);
  lane_config.burst = std::clamp(lane_config.burst, 1, lane_config.requests_per_minute);
  blend::quota::QuotaGovernor lane(lane_store, rt.clock(), rt.config().quota_name + ":withdrawals",
                                   lane_config, &rt.registry());
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  VoiceWithdrawer withdrawer(
      rt.ledger(), rt.genesys(), lane, &rt.quota(), rt.clock(),
      VoiceWithdrawerOptions{.worker_id = rt.config().worker_id,
                             .default_contact_list_id = flags.voice.default_contact_list_id,
                             .in_doubt_after = rt.config().in_doubt_after,
                             .backoff = {.initial = rt.config().backoff.initial,
                                         .max = rt.config().backoff.max,
                                         .multiplier = rt.config().backoff.multiplier,
                                         .max_attempts = 8}},
      [&] { return uniform(rng); }, &rt.registry());

  // The shutdown bound counts from the signal, while the consumer drains at the same time.
  std::atomic<bool> done{false};
  std::thread begin_stop([&] {
    while (!done && !blend::ShutdownSignal::WaitFor(absl::Milliseconds(200))) {
    }
    sync.BeginStop();
    handler.BeginShutdown();
  });
  blend::worker::RunUntilSignal(rt, sender, &withdrawer);
  done = true;
  begin_stop.join();
  sync.Stop();
  pruner.Stop();
  (*server)->Stop();
  abandoned = requests.abandoned_in_flight() > 0;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "blend-dialer-worker: inserts voice touches at high priority into the campaign's "
      "Genesys contact list, turns call outcomes and inbound SMS opt-outs (webhooks) into "
      "dispositions and customer events, and keeps Blend's suppressions and the Genesys "
      "DNC lists in agreement"};
  auto config = blend::worker::DefaultRuntimeConfig("dialer-worker", blend::v1::CHANNEL_VOICE,
                                                    "127.0.0.1:9402");
  blend::worker::RuntimeFlagValues values;
  blend::worker::AddRuntimeFlags(app, config, values);
  DialerFlags f;
  blend::AddFlag(app, "http-addr", f.http_addr,
                 "host:port of the webhooks: POST /webhooks/genesys/post-contact, "
                 "/webhooks/genesys/inbound-sms and /v1/dial-check");
  blend::AddSecretFlag(app, "webhook-secret", f.webhook.secret,
                       "HMAC-SHA256 key of X-Blend-Signature (default: genesys-sim's demo key, "
                       "accepted only on a loopback --http-addr)");
  blend::AddFlag(app, "webhook-max-body", f.http.max_body_bytes,
                 "largest request body accepted on --http-addr, in bytes; a larger one is "
                 "refused (413) without being read");
  blend::AddDurationFlag(app, "http-read-timeout", f.http.read_timeout,
                         "a client on --http-addr that sends nothing for this long is "
                         "disconnected");
  blend::AddSwitch(app, "dial-check", f.dial_check_enabled,
                   "serve POST /v1/dial-check on the webhook server: the Web Services Data Action "
                   "a Genesys pre-call rule asks before each dial (docs/dial-time-check.md); on by "
                   "default, --dial-check=false turns it off");
  blend::AddFlag(app, "dial-check-user", f.dial_check.user,
                 "Basic auth user the pre-call data action's credential sends (empty: the "
                 "endpoint is served only on a loopback --http-addr, open)");
  blend::AddSecretFlag(app, "dial-check-password", f.dial_check.password,
                       "Basic auth password of --dial-check-user");
  blend::AddFlag(app, "dial-check-password-file", f.dial_check_password_file,
                 "file whose first line is the --dial-check-password (wins over the flag)");
  blend::AddDurationFlag(app, "dial-check-timeout", f.dial_check.check_timeout,
                         "deadline of the orchestrator's CheckTouch behind a dial check; keep it "
                         "well under the data action's timeout (the sim's --precall-timeout)");
  blend::AddFlag(app, "contact-list-id", f.voice.default_contact_list_id,
                 "contact list when the campaign names none (GenesysIds.contact_list_id)");
  blend::AddFlag(app, "phone-column", f.voice.phone_column,
                 "contact-list column of the phone number");
  blend::AddFlag(app, "touch-id-column", f.voice.touch_id_column,
                 "contact-list column holding the touch id (call outcomes are matched by it)");
  blend::AddFlag(app, "customer-id-column", f.voice.customer_id_column,
                 "contact-list column for the customer id (empty: not written)");
  blend::AddFlag(
      app, "dnc-list-ids", f.dnc.mirror_list_ids,
      "Genesys DNC lists mirrored into Blend's suppressions (comma-separated in the env)")
      ->delimiter(',');
  blend::AddFlag(app, "internal-dnc-list-id", f.dnc.push_list_id,
                 "internal (rds) Genesys DNC list every Blend opt-out is written to");
  blend::AddDurationFlag(app, "dnc-refresh-interval", f.dnc.interval,
                         "how often the DNC lists are exported and mirrored");
  blend::AddDurationFlag(app, "dedupe-retention", f.dedupe.retention,
                         "keep dialer_webhook_events rows (webhook redelivery dedupe) this long; "
                         "longer than any webhook retry window");
  blend::AddFlag(app, "dedupe-prune-batch", f.dedupe.batch,
                 "dialer_webhook_events rows deleted per prune transaction");
  blend::AddDurationFlag(app, "dedupe-prune-interval", f.dedupe.interval,
                         "pause between prune rounds once nothing is due");
  blend::AddDurationFlag(app, "dnc-push-interval", f.dnc.push_interval,
                         "how often new opt-outs are written to the internal Genesys DNC list");
  blend::AddDurationFlag(app, "dnc-shutdown-timeout", f.dnc.shutdown_timeout,
                         "after SIGTERM, how long the DNC sync may finish its step or push what "
                         "is pending before its Genesys requests are given up on (what is not "
                         "written back stays pending for the next start); keep it well under "
                         "the pod's termination grace period");
  blend::AddFlag(app, "withdraw-quota-rpm", f.withdraw_quota_rpm,
                 "Genesys requests per minute reserved for withdrawals (WithdrawTouch: read, "
                 "remove or make uncallable a queued contact), in their own quota bucket "
                 "'<quota-name>:withdrawals'; keep --quota-rpm + this within the OAuth "
                 "client's Genesys limit");
  CLI11_PARSE(app, argc, argv);

  blend::ShutdownSignal::Install();
  if (absl::Status st = blend::worker::FinishRuntimeFlags(config, values); !st.ok()) {
    return blend::worker::ReportStartFailure("dialer-worker", st);
  }
  if (absl::Status st = ReadDialCheckPassword(f); !st.ok()) {
    return blend::worker::ReportStartFailure("dialer-worker", st);
  }
  // Before anything connects: a public key off loopback lets anyone forge call outcomes.
  if (absl::Status st = blend::http::CheckSecretForAddress(f.http_addr, f.webhook.secret,
                                                           kDemoWebhookSecret, "webhook-secret");
      !st.ok()) {
    return blend::worker::ReportStartFailure("dialer-worker", st);
  }
  bool abandoned = false;
  int rc = Serve(std::move(config), std::move(f), abandoned);
  if (abandoned) {
    // A Genesys exchange given up on at the shutdown bound may still be inside libcurl (and
    // OpenSSL) on its own thread: exit without the exit-time cleanup that would pull those
    // libraries from under it. Everything of ours was already stopped and destroyed.
    BLEND_LOG(kInfo, "exiting with Genesys requests given up on still in flight", {});
    std::fflush(nullptr);
    std::_Exit(rc);
  }
  return rc;
}
