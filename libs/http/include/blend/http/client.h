#pragma once

// The one outgoing JSON POST of Blend's HTTP callers that are not a Genesys client (the
// simulator's webhooks and pre-call rules): cpp-httplib underneath, one connection per call,
// the same timeout for connecting, writing and reading.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 0;
  std::string body;
};

// POSTs `body` as application/json to `url` ("http://host:port/path"; no path means "/").
// Any HTTP status is a Reply; kUnavailable when no answer came (refused, timed out, cut off),
// kInvalidArgument for a URL that names no server.
absl::StatusOr<Reply> PostJson(const std::string& url, const std::string& body,
                               const HeaderList& headers, absl::Duration timeout);

}  // namespace blend::http
