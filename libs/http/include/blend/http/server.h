#pragma once

// The one HTTP server of Blend's services (cpp-httplib underneath): the admin endpoint
// (metrics/health), genesys-sim, the dialer's webhooks and the email unsubscribe page all
// start through it, so each gets the same
//   - bind on "host:port" (port 0 picks a free port) and a thread pool serving connections;
//   - body limit: a request whose Content-Length exceeds ServerOptions::max_body_bytes is
//     answered 413 and its connection closed without reading the body; a chunked (or
//     length-less) body is read only up to the limit, then refused the same way. The body is
//     never buffered beyond the limit;
//   - a per-route check that runs on the headers, before the body is read (a signature or
//     credential header that is missing or malformed refuses the request unread);
//   - read/write/idle timeouts on every connection;
//   - graceful Stop(): no new connections; requests in progress finish and are answered;
//   - logging: one line when listening, one per refused request or server error (paths are
//     logged without their query string: tokens travel there).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace blend::http {

struct Request {
  std::string method;
  std::string path;                                 // without the query string
  std::multimap<std::string, std::string> params;   // query parameters
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;                                 // raw body (not for multipart)
  std::multimap<std::string, std::string> form;     // multipart/form-data fields
  std::string remote_addr;

  // The first value, or "" when absent. `name` lower-case for headers.
  std::string Header(std::string_view name) const;
  std::string Param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body = {};
  std::string content_type = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Close the connection once this response is sent (e.g. a body was left unread).
  bool close = false;
  // Fault injection (genesys-sim): announce a body, send none and close the connection.
  bool drop = false;
};

using Handler = std::function<Response(const Request&)>;
// Runs once the headers are read, before the body (Request::body is empty): a response
// refuses the request with its body unread; nullopt lets it through.
using BeforeBody = std::function<std::optional<Response>(const Request&)>;

struct Route {
  std::string method;   // GET (also serves HEAD), POST, PUT, PATCH or DELETE
  std::string pattern;  // ECMAScript regular expression the whole path must match
  Handler handler;
  BeforeBody before_body = nullptr;
};

struct ServerOptions {
  std::string name = "http";                       // in logs and errors: "metrics", "webhooks", …
  size_t max_body_bytes = 64 * 1024;               // larger bodies: 413
  absl::Duration read_timeout = absl::Seconds(5);  // per read while receiving a request
  absl::Duration write_timeout = absl::Seconds(5);  // per write while answering
  absl::Duration idle_timeout = absl::Seconds(5);   // keep-alive wait for the next request
  int keep_alive_max_requests = 100;                // requests per connection before it is closed
  int threads = 8;                                  // connections served at once
};

class Server {
 public:
  // Binds `address` and serves `routes` (first match wins) on its own threads until Stop().
  // kInvalidArgument for a bad address or route pattern, kUnavailable when the port cannot be
  // bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const std::string& address,
                                                       std::vector<Route> routes,
                                                       ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }
  // Stops accepting, lets requests in progress finish, joins the threads. Idempotent.
  void Stop();

 private:
  struct CompiledRoute;
  Server(ServerOptions options, std::vector<Route> routes);
  void Install();

  ServerOptions options_;
  std::vector<CompiledRoute> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
  int port_ = 0;
};

}  // namespace blend::http
