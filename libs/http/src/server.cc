#include "blend/http/server.h"

#include <httplib.h>

#include <algorithm>
#include <exception>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "blend/http/address.h"
#include "blend/telemetry/log.h"

namespace blend::http {

struct Server::CompiledRoute {
  Route route;
  std::regex regex;
};

namespace {

std::string First(const std::multimap<std::string, std::string>& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string() : it->second;
}

Request Convert(const httplib::Request& req) {
  Request out;
  out.method = req.method;
  out.path = req.path;
  out.remote_addr = req.remote_addr;
  for (const auto& [k, v] : req.params) out.params.emplace(k, v);
  for (const auto& [k, v] : req.headers) out.headers.emplace(absl::AsciiStrToLower(k), v);
  return out;
}

struct Timeout {
  time_t sec;
  time_t usec;
};

Timeout Split(absl::Duration d) {
  int64_t us = std::max<int64_t>(absl::ToInt64Microseconds(d), 1000);
  return {static_cast<time_t>(us / 1000000), static_cast<time_t>(us % 1000000)};
}

// Sends `r` into `res`. A response that must close its connection is written by a content
// provider that sends the whole body and then reports failure: cpp-httplib (0.11) has no other
// way for a handler to end a keep-alive connection, and ending it is what keeps an unread body
// from being parsed as the next request.
void Write(const Response& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  if (r.drop) {
    res.set_content_provider(1, r.content_type,
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  if (!r.close) {
    res.set_content(r.body, r.content_type);
    return;
  }
  res.set_header("Connection", "close");
  // The provider only runs for a non-empty body; a closing response always has one.
  auto body = std::make_shared<std::string>(r.body.empty() ? std::string("\n") : r.body);
  res.set_content_provider(body->size(), r.content_type,
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             sink.write(body->data() + offset, length);
                             return false;  // done: close the connection
                           });
}

Response Refusal(int status, std::string message) {
  Response r;
  r.status = status;
  r.body = std::move(message) + "\n";
  r.close = true;
  return r;
}

bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  uint64_t length = 0;
  return absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) && length > 0;
}

}  // namespace

std::string Request::Header(std::string_view name) const { return First(headers, name); }
std::string Request::Param(std::string_view name) const { return First(params, name); }

Server::Server(ServerOptions options, std::vector<Route> routes) : options_(std::move(options)) {
  for (Route& r : routes) {
    std::regex re(r.pattern);
    routes_.push_back(CompiledRoute{std::move(r), std::move(re)});
  }
}

Server::~Server() { Stop(); }

void Server::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) {
    thread_.join();
    BLEND_LOG(kInfo, "http server stopped", {{"server", options_.name}, {"address", address_}});
  }
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const std::string& address,
                                                      std::vector<Route> routes,
                                                      ServerOptions options) {
  auto host_port = ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<Server> s;
  try {
    s.reset(new Server(std::move(options), std::move(routes)));
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("bad route pattern: ", e.what()));
  }
  s->address_ = address;
  s->server_ = std::make_unique<httplib::Server>();
  s->Install();
  const auto& [host, port] = *host_port;
  s->port_ = port == 0 ? s->server_->bind_to_any_port(host)
                       : (s->server_->bind_to_port(host, port) ? port : -1);
  if (s->port_ < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, " for ",
                                               s->options_.name, ": is the port in use?"));
  }
  httplib::Server* srv = s->server_.get();
  s->thread_ = std::thread([srv] { srv->listen_after_bind(); });
  for (int i = 0; i < 2500 && !srv->is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
  BLEND_LOG(kInfo, "http server listening",
            {{"server", s->options_.name},
             {"address", absl::StrCat(host, ":", s->port_)},
             {"max_body_bytes", absl::StrCat(s->options_.max_body_bytes)}});
  return s;
}

void Server::Install() {
  httplib::Server& srv = *server_;
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second process
  // binds a port already in use and silently shares its connections.
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  const size_t threads = static_cast<size_t>(std::max(1, options_.threads));
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_keep_alive_max_count(static_cast<size_t>(std::max(1, options_.keep_alive_max_requests)));
  Timeout read = Split(options_.read_timeout);
  Timeout write = Split(options_.write_timeout);
  srv.set_read_timeout(read.sec, read.usec);
  srv.set_write_timeout(write.sec, write.usec);
  srv.set_keep_alive_timeout(std::max<time_t>(1, Split(options_.idle_timeout).sec));
  // Also cpp-httplib's own check (it applies it to Content-Length only).
  srv.set_payload_max_length(options_.max_body_bytes);

  auto match = [this](const std::string& method, const std::string& path,
                      bool* other_method) -> const CompiledRoute* {
    const std::string& m = method == "HEAD" ? std::string("GET") : method;
    for (const CompiledRoute& r : routes_) {
      if (!std::regex_match(path, r.regex)) continue;
      if (r.route.method == m) return &r;
      *other_method = true;
    }
    return nullptr;
  };

  // Before the body: unknown routes, oversized bodies and the route's own header check are
  // answered here, so cpp-httplib never reads (or buffers) their bodies.
  srv.set_pre_routing_handler([this, match](const httplib::Request& req, httplib::Response& res) {
    bool other_method = false;
    const CompiledRoute* route = match(req.method, req.path, &other_method);
    if (route == nullptr) {
      Write(other_method ? Refusal(405, "method not allowed") : Refusal(404, "not found"), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    uint64_t length = 0;
    if (req.has_header("Content-Length") &&
        (!absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) ||
         length > options_.max_body_bytes)) {
      Write(Refusal(413, absl::StrCat("body larger than ", options_.max_body_bytes, " bytes")),
            res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (route->route.before_body) {
      std::optional<Response> refused = route->route.before_body(Convert(req));
      if (refused) {
        if (HasBody(req)) refused->close = true;
        Write(*refused, res);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto serve = [this, match](const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader* reader) {
    bool other_method = false;
    const CompiledRoute* route = match(req.method, req.path, &other_method);
    if (route == nullptr) {  // the pre-routing handler answered it already
      Write(Refusal(404, "not found"), res);
      return;
    }
    Request request = Convert(req);
    if (reader != nullptr) {
      size_t total = 0;
      bool too_big = false;
      auto within = [&](size_t n) {
        total += n;
        too_big = total > options_.max_body_bytes;
        return !too_big;
      };
      bool read = false;
      if (req.is_multipart_form_data()) {
        std::multimap<std::string, std::string>::iterator field = request.form.end();
        read = (*reader)(
            [&](const httplib::MultipartFormData& part) {
              field = request.form.emplace(part.name, std::string());
              return true;
            },
            [&](const char* data, size_t n) {
              if (!within(n) || field == request.form.end()) return false;
              field->second.append(data, n);
              return true;
            });
      } else {
        read = (*reader)([&](const char* data, size_t n) {
          if (!within(n)) return false;
          request.body.append(data, n);
          return true;
        });
      }
      if (!read) {
        Write(too_big ? Refusal(413, absl::StrCat("body larger than ", options_.max_body_bytes,
                                                  " bytes"))
                      : Refusal(400, "unreadable body"),
              res);
        return;
      }
    }
    Response out;
    try {
      out = route->route.handler(request);
    } catch (const std::exception& e) {
      BLEND_LOG(kError, "http handler failed",
                {{"server", options_.name}, {"path", req.path}, {"error", e.what()}});
      out = Refusal(500, "internal error");
    }
    Write(out, res);
  };
  const char* kAny = R"(.*)";
  srv.Get(kAny, [serve](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, nullptr);
  });
  auto with_body = [serve](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) { serve(req, res, &reader); };
  srv.Post(kAny, with_body);
  srv.Put(kAny, with_body);
  srv.Patch(kAny, with_body);
  srv.Delete(kAny, with_body);

  srv.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (res.status < 400) return;
    const log::Level level = res.status >= 500 ? log::Level::kWarn : log::Level::kInfo;
    if (!log::Enabled(level)) return;
    log::Write(level, "http request refused",
               {{"server", options_.name},
                {"method", req.method},
                {"path", req.path},
                {"status", absl::StrCat(res.status)},
                {"remote", req.remote_addr}});
  });
}

}  // namespace blend::http
