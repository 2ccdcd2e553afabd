#pragma once

// Genesys Cloud regions and the base URLs of their API and login (OAuth) hosts.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace blend::genesys {

struct GenesysHosts {
  std::string api_base_url;    // e.g. "https://api.mypurecloud.com" (no trailing slash)
  std::string login_base_url;  // e.g. "https://login.mypurecloud.com"
};

// `region` is an AWS-style region id ("us-east-1", "eu-west-2") or a Genesys domain
// ("mypurecloud.com", "euw2.pure.cloud"). kInvalidArgument for an unknown name.
absl::StatusOr<GenesysHosts> HostsForRegion(std::string_view region);

// The login base URL that goes with an overridden API base URL, derived the way Genesys's
// Python SDK does: "//api." becomes "//login."; without an "api." label (a simulator on
// "http://127.0.0.1:7480") the API base itself, since the simulator serves both.
std::string LoginBaseForApiBase(std::string_view api_base_url);

// The region ids known to this library, in table order.
std::vector<std::string> KnownRegions();

}  // namespace blend::genesys
