#include "blend/genesys_sim/http_server.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "blend/http/server.h"

namespace blend::genesys_sim {
namespace {

HttpRequest Convert(const http::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [k, v] : req.params) out.query.emplace(k, v);
  for (const auto& [k, v] : req.headers) out.headers.emplace(k, v);
  out.body = req.body;
  return out;
}

}  // namespace

SimHttpServer::~SimHttpServer() { Stop(); }

int SimHttpServer::port() const { return server_ ? server_->port() : 0; }

void SimHttpServer::Stop() {
  if (server_) server_->Stop();
}

absl::StatusOr<std::unique_ptr<SimHttpServer>> SimHttpServer::Start(GenesysSim& sim,
                                                                    const std::string& address,
                                                                    int threads) {
  // One handler for everything: GenesysSim does the routing.
  auto handler = [&sim](const http::Request& req) {
    HttpResponse r = sim.Handle(Convert(req));
    if (r.delay > absl::ZeroDuration()) absl::SleepFor(r.delay);
    http::Response out;
    // Announce a body and never send it: clients see a reset / truncated transfer.
    out.drop = r.drop;
    out.status = r.status;
    for (const auto& [k, v] : r.headers) out.headers.emplace_back(k, v);
    out.body = r.body;
    if (!r.content_type.empty()) out.content_type = r.content_type;
    return out;
  };
  std::vector<http::Route> routes;
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    routes.push_back({method, R"(/.*)", handler});
  }
  http::ServerOptions options;
  options.name = "genesys-sim";
  options.threads = std::max(1, threads);    // one per open keep-alive connection; latency holds it
  options.keep_alive_max_requests = 1000;    // workers reuse connections, as with Genesys
  options.max_body_bytes = 8 * 1024 * 1024;  // bulk contact and DNC uploads
  auto server = http::Server::Start(address, std::move(routes), options);
  if (!server.ok()) return server.status();
  std::unique_ptr<SimHttpServer> s(new SimHttpServer());
  s->server_ = std::move(*server);
  return s;
}

}  // namespace blend::genesys_sim
