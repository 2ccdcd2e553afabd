#pragma once

// The pages' bundle (index.html, app.js, app.css, app.js.map), read once at start from
// --web-root and served from memory: no path from a request ever reaches the file system.
// Every path outside /api that is not a bundle file answers index.html, so page addresses
// (/campaigns/ID, /journeys/ID, ...) can be bookmarked and reloaded.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "blend/http/server.h"

namespace blend::console {

class WebRoot {
 public:
  // NotFound naming the directory and the file when index.html or app.js is missing (the
  // bundle is built by services/console/web's npm build, see the README).
  static absl::StatusOr<std::unique_ptr<WebRoot>> Load(const std::string& dir);

  std::vector<http::Route> Routes() const;

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::map<std::string, File> files_;  // by name: "app.js"
};

}  // namespace blend::console
