#pragma once

// The I/O seam of the Genesys client: one HTTP exchange. CurlTransport is the real one;
// tests may use a fake, though the client's own tests run against a loopback HTTP server.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::genesys {

enum class HttpMethod { kGet, kPost, kPut, kPatch, kDelete };

std::string_view HttpMethodName(HttpMethod method);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url = {};  // absolute, query string included
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  // Whole-exchange deadline; zero means the transport's default.
  absl::Duration timeout = absl::ZeroDuration();
  // Follow 3xx redirects (export downloads redirect to object storage). Credentials are
  // not forwarded to another host.
  bool follow_redirects = false;
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased; for repeated headers the last value wins.
  std::map<std::string, std::string> headers = {};
  std::string body = {};

  // The header's value, or nullptr. `name` must be lower-case.
  const std::string* Header(std::string_view name) const;
};

// Thread-safe: one transport serves every thread of a process.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any HTTP status is a response, not an error. A Status only when no response arrived:
  // kUnavailable (timeout, refused, reset, DNS failure) or kInvalidArgument (malformed URL),
  // with a GenesysError payload whose transport_error / outcome_unknown are set.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace blend::genesys
