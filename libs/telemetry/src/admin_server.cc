#include "blend/telemetry/admin_server.h"

#include "absl/strings/str_cat.h"
#include "blend/http/server.h"
#include "prometheus/text_serializer.h"

namespace blend::telemetry {

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Create(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<AdminServer> admin(new AdminServer());
  admin->registry_ = std::move(registry);
  AdminServer* self = admin.get();
  std::vector<http::Route> routes;
  routes.push_back({"GET", "/metrics", [self](const http::Request&) {
                      prometheus::TextSerializer serializer;
                      http::Response r;
                      r.body = serializer.Serialize(self->registry_->Collect());
                      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      return r;
                    }});
  routes.push_back(
      {"GET", "/healthz", [](const http::Request&) { return http::Response{.body = "ok\n"}; }});
  routes.push_back({"GET", "/readyz", [self](const http::Request&) {
                      absl::Status ready = self->Ready();
                      http::Response r;
                      r.status = ready.ok() ? 200 : 503;
                      r.body = ready.ok() ? "ready\n"
                                          : absl::StrCat("not ready: ", ready.message(), "\n");
                      return r;
                    }});
  // Scrapes and probes send no body; a few threads serve them.
  auto server = http::Server::Start(address, std::move(routes),
                                    {.name = "metrics", .max_body_bytes = 1024, .threads = 4});
  if (!server.ok()) return server.status();
  admin->server_ = std::move(*server);
  return admin;
}

AdminServer::~AdminServer() { Stop(); }

int AdminServer::port() const { return server_ ? server_->port() : 0; }

void AdminServer::Stop() {
  if (server_) server_->Stop();
}

void AdminServer::AddReadinessCheck(std::string name, ReadinessCheck check) {
  absl::MutexLock lock(&mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

absl::Status AdminServer::Ready() const {
  absl::MutexLock lock(&mu_);
  std::string failures;
  for (const auto& [name, check] : checks_) {
    absl::Status st = check();
    if (!st.ok())
      absl::StrAppend(&failures, failures.empty() ? "" : "; ", name, ": ", st.message());
  }
  return failures.empty() ? absl::OkStatus() : absl::UnavailableError(failures);
}

}  // namespace blend::telemetry
