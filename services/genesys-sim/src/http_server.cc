#include "blend/genesys_sim/http_server.h"

#include <httplib.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/telemetry/admin_server.h"

namespace blend::genesys_sim {
namespace {

HttpRequest Convert(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [k, v] : req.params) out.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) out.headers.emplace(absl::AsciiStrToLower(k), v);
  out.body = req.body;
  return out;
}

}  // namespace

SimHttpServer::SimHttpServer(GenesysSim& sim) : sim_(sim) {}

SimHttpServer::~SimHttpServer() { Stop(); }

void SimHttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::unique_ptr<SimHttpServer>> SimHttpServer::Start(GenesysSim& sim,
                                                                    const std::string& address,
                                                                    int threads) {
  auto host_port = telemetry::ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<SimHttpServer> s(new SimHttpServer(sim));
  s->server_ = std::make_unique<httplib::Server>();
  const size_t pool = static_cast<size_t>(std::max(1, threads));
  s->server_->new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  s->server_->set_keep_alive_max_count(1000);  // workers reuse connections, as with Genesys
  // One handler for everything: GenesysSim does the routing.
  auto handler = [self = s.get()](const httplib::Request& req, httplib::Response& res) {
    HttpResponse r = self->sim_.Handle(Convert(req));
    if (r.delay > absl::ZeroDuration()) absl::SleepFor(r.delay);
    if (r.drop) {
      // Announce a body and never send it: httplib then closes the connection mid-response,
      // which clients see as a reset / truncated transfer.
      res.set_content_provider(
          1, "application/json",
          [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.set_header(k, v);
    if (!r.body.empty() || !r.content_type.empty()) res.set_content(r.body, r.content_type);
  };
  const char* kPattern = R"(/.*)";
  s->server_->Get(kPattern, handler);
  s->server_->Post(kPattern, handler);
  s->server_->Put(kPattern, handler);
  s->server_->Patch(kPattern, handler);
  s->server_->Delete(kPattern, handler);
  const auto& [host, port] = *host_port;
  s->port_ = port == 0 ? s->server_->bind_to_any_port(host)
                       : (s->server_->bind_to_port(host, port) ? port : -1);
  if (s->port_ < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": is the port in use?"));
  }
  SimHttpServer* self = s.get();
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  for (int i = 0; i < 1000 && !s->server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
  return s;
}

}  // namespace blend::genesys_sim
