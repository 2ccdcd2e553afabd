#include "blend/console/web_root.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"

namespace blend::console {
namespace {

struct Known {
  const char* name;
  const char* content_type;
  bool required;
};
constexpr Known kFiles[] = {
    {"index.html", "text/html; charset=utf-8", true},
    {"app.js", "text/javascript; charset=utf-8", true},
    {"app.css", "text/css; charset=utf-8", false},
    {"app.js.map", "application/json", false},
};

}  // namespace

absl::StatusOr<std::unique_ptr<WebRoot>> WebRoot::Load(const std::string& dir) {
  auto root = std::unique_ptr<WebRoot>(new WebRoot());
  for (const Known& k : kFiles) {
    std::ifstream in(dir + "/" + k.name, std::ios::binary);
    if (!in) {
      if (!k.required) continue;
      return absl::NotFoundError("--web-root " + dir + " has no " + k.name +
                                 " (build the pages: ninja console-web, or npm run build in "
                                 "services/console/web)");
    }
    std::stringstream body;
    body << in.rdbuf();
    root->files_[k.name] = File{k.content_type, body.str()};
  }
  return root;
}

std::vector<http::Route> WebRoot::Routes() const {
  auto serve = [this](const std::string& name) {
    const File& f = files_.at(name);
    http::Response r;
    r.content_type = f.content_type;
    r.body = f.body;
    r.headers.push_back({"Cache-Control", "no-cache"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    return r;
  };
  std::vector<http::Route> routes;
  for (const auto& [name, file] : files_) {
    if (name == "index.html") continue;
    std::string pattern = "/" + name;
    for (size_t i = pattern.find('.'); i != std::string::npos; i = pattern.find('.', i + 2)) {
      pattern.insert(i, "\\");
    }
    routes.push_back(
        {"GET", pattern, [serve, name = name](const http::Request&) { return serve(name); }});
  }
  routes.push_back({"GET", "/(?!api/).*", [serve](const http::Request&) {
                      http::Response r = serve("index.html");
                      r.headers.push_back({"Content-Security-Policy",
                                           "default-src 'self'; style-src 'self' 'unsafe-inline'"});
                      return r;
                    }});
  return routes;
}

}  // namespace blend::console
