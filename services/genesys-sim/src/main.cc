// blend-genesys-sim: composition root. Parses flags, builds the configuration, the real clock,
// the metrics registry and the simulator, serves it, and ticks its scheduler until SIGTERM.

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/common/clock.h"
#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/genesys_sim/config.h"
#include "blend/genesys_sim/http_server.h"
#include "blend/genesys_sim/sim.h"
#include "blend/telemetry/admin_server.h"
#include "blend/telemetry/log.h"

namespace {

using blend::genesys_sim::SimConfig;

struct Flags {
  std::string http_addr = "127.0.0.1:7480";
  std::string metrics_addr = "127.0.0.1:9480";
  std::string log_level = "info";
  std::string config_file;
  int rate_limit_per_minute = 300;
  absl::Duration dial_delay = absl::Seconds(5);
  absl::Duration dial_interval = absl::ZeroDuration();
  absl::Duration token_lifetime = absl::Seconds(86399);
  absl::Duration tick = absl::Milliseconds(100);
  int http_threads = 64;
  std::vector<std::string> postcontact_webhook_urls;
  std::vector<std::string> inbound_sms_webhook_urls;
  blend::Secret webhook_signing_secret;
  std::string client_id;
  blend::Secret client_secret;
  std::string precall_url;
  absl::Duration precall_timeout = absl::Seconds(2);
  std::string precall_default = "skip";
  std::string precall_user;
  blend::Secret precall_password;
};

void Register(CLI::App& app, Flags& f, std::map<std::string, CLI::Option*>& opts) {
  using blend::AddDurationFlag;
  using blend::AddFlag;
  AddFlag(app, "http-addr", f.http_addr, "host:port for /oauth/token, /api/v2/... and /sim/...");
  AddFlag(app, "metrics-addr", f.metrics_addr, "host:port for /metrics, /healthz, /readyz");
  AddFlag(app, "log-level", f.log_level, "debug, info, warn or error");
  AddFlag(app, "config", f.config_file,
          "JSON configuration file overlaid on the demo defaults (format: README.md)");
  opts["rate"] = AddFlag(app, "rate-limit-per-minute", f.rate_limit_per_minute,
                         "requests per minute per OAuth client before 429");
  opts["dial-delay"] =
      AddDurationFlag(app, "dial-delay", f.dial_delay, "time from contact insertion to dialling");
  opts["dial-interval"] =
      AddDurationFlag(app, "dial-interval", f.dial_interval,
                      "pace of the dialer: at most one dial per interval (0: no pacing)");
  opts["token-lifetime"] = AddDurationFlag(app, "token-lifetime", f.token_lifetime,
                                           "lifetime of issued access tokens (every client)");
  AddDurationFlag(app, "tick", f.tick, "scheduler period (dialer, SMS replies, webhooks)");
  AddFlag(app, "http-threads", f.http_threads,
          "HTTP worker threads (one per open keep-alive connection)");
  opts["postcontact"] = AddFlag(app, "postcontact-webhook-urls", f.postcontact_webhook_urls,
                                "URLs receiving postContact events (comma-separated in the env)")
                            ->delimiter(',');
  opts["inbound"] = AddFlag(app, "inbound-sms-webhook-urls", f.inbound_sms_webhook_urls,
                            "URLs receiving inbound SMS (comma-separated in the env)")
                        ->delimiter(',');
  opts["secret"] =
      blend::AddSecretFlag(app, "webhook-signing-secret", f.webhook_signing_secret,
                           "HMAC-SHA256 key of X-Blend-Signature (default: demo-signing-secret)");
  opts["client-id"] = AddFlag(app, "client-id", f.client_id,
                              "replace the OAuth clients with this one (needs --client-secret)");
  opts["client-secret"] =
      blend::AddSecretFlag(app, "client-secret", f.client_secret, "secret of --client-id");
  opts["precall-url"] = AddFlag(app, "precall-url", f.precall_url,
                                "pre-call rule: POST each contact's columns and contactId here "
                                "just before dialling it; {\"skip\": true} means do not dial");
  opts["precall-timeout"] = AddDurationFlag(app, "precall-timeout", f.precall_timeout,
                                            "pre-call rule: how long to wait for the answer");
  opts["precall-default"] = AddFlag(app, "precall-default", f.precall_default,
                                    "pre-call rule: when the call fails or times out, skip the "
                                    "dial (as Genesys does) or allow it: skip or allow");
  opts["precall-user"] = AddFlag(app, "precall-user", f.precall_user,
                                 "pre-call rule: Basic Auth user (empty: no Authorization header)");
  opts["precall-password"] = blend::AddSecretFlag(app, "precall-password", f.precall_password,
                                                  "pre-call rule: Basic Auth password");
}

// Explicit flags (command line or environment) win over the configuration file.
absl::StatusOr<SimConfig> BuildConfig(const Flags& f,
                                      const std::map<std::string, CLI::Option*>& opts) {
  SimConfig config = blend::genesys_sim::DemoConfig();
  if (!f.config_file.empty()) {
    auto loaded = blend::genesys_sim::LoadConfigFile(f.config_file, std::move(config));
    if (!loaded.ok()) return loaded.status();
    config = std::move(*loaded);
  }
  auto given = [&](const char* key) { return opts.at(key)->count() > 0; };
  if (given("rate")) config.requests_per_minute = f.rate_limit_per_minute;
  if (given("dial-delay")) config.dialer.dial_delay = f.dial_delay;
  if (given("dial-interval")) config.dialer.dial_interval = f.dial_interval;
  if (given("postcontact")) config.webhooks.post_contact_urls = f.postcontact_webhook_urls;
  if (given("inbound")) config.webhooks.inbound_sms_urls = f.inbound_sms_webhook_urls;
  if (given("secret")) config.webhooks.signing_secret = f.webhook_signing_secret;
  if (given("client-id")) {
    if (f.client_secret.empty())
      return absl::InvalidArgumentError("--client-id needs --client-secret");
    config.clients = {{f.client_id, f.client_secret}};
  }
  if (given("token-lifetime")) {
    for (auto& c : config.clients) c.token_lifetime = f.token_lifetime;
  }
  if (given("precall-url")) config.precall.url = f.precall_url;
  if (given("precall-timeout")) config.precall.timeout = f.precall_timeout;
  if (given("precall-default")) {
    if (f.precall_default != "skip" && f.precall_default != "allow") {
      return absl::InvalidArgumentError("--precall-default must be skip or allow");
    }
    config.precall.skip_on_error = f.precall_default == "skip";
  }
  if (given("precall-user")) config.precall.user = f.precall_user;
  if (given("precall-password")) config.precall.password = f.precall_password;
  return config;
}

int Fail(const absl::Status& status) {
  BLEND_LOG(kError, "genesys-sim cannot start", {{"error", std::string(status.message())}});
  std::cerr << "blend-genesys-sim: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "blend-genesys-sim: a local Genesys Cloud API simulator (OAuth, agentless SMS/email, "
      "contact lists, DNC lists, dialer events, rate limits, faults, audit)"};
  Flags flags;
  std::map<std::string, CLI::Option*> opts;
  Register(app, flags, opts);
  CLI11_PARSE(app, argc, argv);

  blend::log::SetService("genesys-sim");
  blend::log::Level level;
  if (!blend::log::ParseLevel(flags.log_level, &level)) {
    return Fail(absl::InvalidArgumentError("--log-level must be debug, info, warn or error"));
  }
  blend::log::SetLevel(level);
  blend::ShutdownSignal::Install();

  absl::StatusOr<SimConfig> config = BuildConfig(flags, opts);
  if (!config.ok()) return Fail(config.status());
  auto registry = std::make_shared<prometheus::Registry>();
  auto sim = blend::genesys_sim::GenesysSim::Create(std::move(*config),
                                                    blend::RealClock::Instance(), registry);
  if (!sim.ok()) return Fail(sim.status());
  auto server =
      blend::genesys_sim::SimHttpServer::Start(**sim, flags.http_addr, flags.http_threads);
  if (!server.ok()) return Fail(server.status());
  auto admin = blend::telemetry::AdminServer::Create(flags.metrics_addr, registry);
  if (!admin.ok()) return Fail(admin.status());
  BLEND_LOG(kInfo, "genesys-sim listening",
            {{"http_port", absl::StrCat((*server)->port())},
             {"metrics_port", absl::StrCat((*admin)->port())}});

  blend::genesys_sim::GenesysSim* core = sim->get();
  std::thread delivery([core, tick = flags.tick] {
    while (!blend::ShutdownSignal::WaitFor(tick)) core->DeliverWebhooks();
  });
  while (!blend::ShutdownSignal::WaitFor(flags.tick)) core->Advance();
  BLEND_LOG(kInfo, "genesys-sim stopping", {});
  delivery.join();
  (*server)->Stop();
  (*admin)->Stop();
  core->Tick();  // flush what is due (best effort)
  return 0;
}
