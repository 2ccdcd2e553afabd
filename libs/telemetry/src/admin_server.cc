#include "blend/telemetry/admin_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/text_serializer.h"

namespace blend::telemetry {

absl::StatusOr<std::pair<std::string, int>> ParseHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' is not host:port (e.g. 127.0.0.1:9400)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Create(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  auto host_port = ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<AdminServer> admin(new AdminServer());
  admin->registry_ = std::move(registry);
  admin->server_ = std::make_unique<httplib::Server>();
  AdminServer* self = admin.get();
  admin->server_->Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    prometheus::TextSerializer serializer;
    res.set_content(serializer.Serialize(self->registry_->Collect()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  admin->server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  admin->server_->Get("/readyz", [self](const httplib::Request&, httplib::Response& res) {
    absl::Status ready = self->Ready();
    res.status = ready.ok() ? 200 : 503;
    res.set_content(ready.ok() ? "ready\n" : absl::StrCat("not ready: ", ready.message(), "\n"),
                    "text/plain");
  });
  const auto& [host, port] = *host_port;
  if (port == 0) {
    admin->port_ = admin->server_->bind_to_any_port(host);
  } else {
    admin->port_ = admin->server_->bind_to_port(host, port) ? port : -1;
  }
  if (admin->port_ < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address,
                                               " for metrics: is the port in use?"));
  }
  admin->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !admin->server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
  return admin;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
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
    if (!st.ok()) absl::StrAppend(&failures, failures.empty() ? "" : "; ", name, ": ", st.message());
  }
  return failures.empty() ? absl::OkStatus() : absl::UnavailableError(failures);
}

}  // namespace blend::telemetry
