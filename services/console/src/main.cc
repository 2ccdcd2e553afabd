// blend-console: composition root. Flags → the operator tokens, a gRPC channel to the
// orchestrator (the console's own token), the pages' bundle and the JSON API on one HTTP
// server (libs/http), and the admin endpoint (metrics, health, readiness) until SIGTERM.

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/common/flags_env.h"
#include "blend/common/shutdown.h"
#include "blend/console/console_api.h"
#include "blend/console/grpc_orchestrator_api.h"
#include "blend/console/operator_auth.h"
#include "blend/console/web_root.h"
#include "blend/http/server.h"
#include "blend/telemetry/admin_server.h"
#include "blend/telemetry/log.h"
#include "blend/worker/orchestrator_channel.h"

namespace {

// build/bin/blend-console serves build/console-web; an installed binary passes --web-root.
std::string DefaultWebRoot() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "console-web";
  return (exe.parent_path().parent_path() / "console-web").string();
}

int Fail(const absl::Status& status) {
  BLEND_LOG(kError, "console cannot start", {{"error", std::string(status.message())}});
  std::cerr << "blend-console: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "blend-console: the operators' web console — each campaign as a live graph, a "
      "journey's timeline, a customer's journeys and suppressions, the campaign lint, "
      "and the pause switch — over the orchestrator's gRPC API"};
  std::string http_addr = "127.0.0.1:7490";
  std::string metrics_addr = "127.0.0.1:9490";
  std::string web_root = DefaultWebRoot();
  std::string orchestrator_addr = "127.0.0.1:7400";
  blend::Secret orchestrator_token;
  blend::worker::OrchestratorClientTls tls;
  absl::Duration timeout = absl::Seconds(10);
  std::string tokens_file;
  blend::Secret inline_tokens;
  std::string log_level = "info";
  blend::AddFlag(app, "http-addr", http_addr,
                 "host:port of the pages and the JSON API (loopback only)");
  blend::AddFlag(app, "metrics-addr", metrics_addr, "host:port of /metrics, /healthz, /readyz");
  blend::AddFlag(app, "web-root", web_root, "directory of the built pages (index.html, app.js)");
  blend::AddFlag(app, "orchestrator-addr", orchestrator_addr,
                 "host:port of the orchestrator's gRPC API");
  blend::AddSecretFlag(app, "orchestrator-token", orchestrator_token,
                       "the console's own bearer token at the orchestrator (scope '*' to see "
                       "every campaign; off loopback only over TLS)");
  blend::AddSwitch(app, "orchestrator-tls", tls.tls,
                   "TLS to the orchestrator with the system's trust store (implied by "
                   "--orchestrator-ca-file)");
  blend::AddFlag(app, "orchestrator-ca-file", tls.ca_file,
                 "PEM CA of the orchestrator's certificate (turns TLS on)");
  blend::AddFlag(app, "orchestrator-cert-file", tls.cert_file,
                 "PEM client certificate for the orchestrator (mTLS)");
  blend::AddFlag(app, "orchestrator-key-file", tls.key_file,
                 "PEM private key of --orchestrator-cert-file");
  blend::AddDurationFlag(app, "orchestrator-timeout", timeout,
                         "deadline of each orchestrator call");
  blend::AddFlag(app, "operator-tokens-file", tokens_file,
                 "operators' tokens, 'name : sha256-hex : read,operate,pii' per line (none: "
                 "open on loopback, read and operate, personal data masked)");
  blend::AddSecretFlag(app, "operator-tokens", inline_tokens,
                       "operators' tokens inline, same syntax, entries separated by ';'");
  blend::AddFlag(app, "log-level", log_level, "debug, info, warn or error");
  CLI11_PARSE(app, argc, argv);

  blend::log::SetService("console");
  blend::log::Level level;
  if (!blend::log::ParseLevel(log_level, &level)) {
    std::cerr << "blend-console: unknown --log-level " << log_level << "\n";
    return 2;
  }
  blend::log::SetLevel(level);
  blend::ShutdownSignal::Install();

  if (auto st = blend::console::CheckConsoleAddress(http_addr); !st.ok()) return Fail(st);
  if (auto st = blend::worker::CheckOrchestratorClientSecurity(orchestrator_addr, tls,
                                                               orchestrator_token);
      !st.ok()) {
    return Fail(st);
  }
  auto auth = blend::console::OperatorAuth::Create(tokens_file, inline_tokens);
  if (!auth.ok()) return Fail(auth.status());
  auto web = blend::console::WebRoot::Load(web_root);
  if (!web.ok()) return Fail(web.status());
  auto channel = blend::worker::NewOrchestratorChannel(orchestrator_addr, tls);
  if (!channel.ok()) return Fail(channel.status());
  blend::console::GrpcOrchestratorApi orchestrator(*channel, orchestrator_token, timeout);

  auto registry = std::make_shared<prometheus::Registry>();
  blend::console::ConsoleApi api(orchestrator, **auth, *registry);
  std::vector<blend::http::Route> routes = api.Routes();
  for (blend::http::Route& r : (*web)->Routes()) routes.push_back(std::move(r));
  blend::http::ServerOptions options;
  options.name = "console";
  options.max_body_bytes = 1024 * 1024;  // a pasted campaign document
  auto server = blend::http::Server::Start(http_addr, std::move(routes), options);
  if (!server.ok()) return Fail(server.status());
  auto admin = blend::telemetry::AdminServer::Create(metrics_addr, registry);
  if (!admin.ok()) return Fail(admin.status());
  (*admin)->AddReadinessCheck("orchestrator", [&orchestrator] {
    return orchestrator.Connected() ? absl::OkStatus()
                                    : absl::UnavailableError("orchestrator not connected");
  });
  BLEND_LOG(kInfo, "console serving",
            {{"url", "http://" + http_addr + "/"},
             {"operators", (*auth)->open() ? "open (loopback, no tokens)" : "tokens"}});

  blend::ShutdownSignal::Wait();
  BLEND_LOG(kInfo, "console stopping");
  (*server)->Stop();
  (*admin)->Stop();
  return 0;
}
