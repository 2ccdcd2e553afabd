#include "blend/http/client.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"

namespace blend::http {

absl::StatusOr<Reply> PostJson(const std::string& url, const std::string& body,
                               const HeaderList& headers, absl::Duration timeout) {
  // cpp-httplib's client takes the scheme://host:port and the path apart. It takes a text
  // without a scheme for a host name and throws for a scheme it does not know, so both are
  // checked here first.
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat("bad URL ", url, ": not http:// or https://"));
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == scheme_end + 3 || scheme_end + 3 == url.size()) {
    return absl::InvalidArgumentError(absl::StrCat("bad URL ", url, ": no host"));
  }
  const std::string base = path_start == std::string::npos ? url : url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(base);
  if (!client.is_valid()) return absl::InvalidArgumentError(absl::StrCat("bad URL ", url));
  const auto ms = absl::ToChronoMilliseconds(timeout);
  client.set_connection_timeout(ms);
  client.set_read_timeout(ms);
  client.set_write_timeout(ms);
  httplib::Headers h;
  for (const auto& [name, value] : headers) h.emplace(name, value);
  auto res = client.Post(path, h, body, "application/json");
  if (!res) {
    return absl::UnavailableError(
        absl::StrCat("POST ", url, ": ", httplib::to_string(res.error())));
  }
  return Reply{res->status, res->body};
}

}  // namespace blend::http
