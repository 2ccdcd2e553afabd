#pragma once

// Runs a request through a route list the way blend::http::Server picks a route (first whole
// match of method and path), without sockets.

#include <regex>
#include <string>
#include <vector>

#include "blend/http/server.h"

namespace blend::console::testing {

inline http::Response Dispatch(const std::vector<http::Route>& routes, http::Request req) {
  for (const http::Route& r : routes) {
    if (r.method == req.method && std::regex_match(req.path, std::regex(r.pattern))) {
      return r.handler(req);
    }
  }
  return http::Response{.status = 404};
}

inline http::Response Get(const std::vector<http::Route>& routes, const std::string& path) {
  http::Request req;
  req.method = "GET";
  req.path = path;
  return Dispatch(routes, std::move(req));
}

}  // namespace blend::console::testing
