#include "blend/genesys/regions.h"

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "string_bridge.h"

namespace blend::genesys {
namespace {

using internal::Sv;

struct Region {
  std::string_view id;
  std::string_view domain;
};

// The official SDKs' region maps (facts file §1), in their order.
constexpr std::array<Region, 17> kRegions = {{
    {"us-east-1", "mypurecloud.com"},
    {"us-east-2", "use2.us-gov-pure.cloud"},
    {"us-west-2", "usw2.pure.cloud"},
    {"ca-central-1", "cac1.pure.cloud"},
    {"sa-east-1", "sae1.pure.cloud"},
    {"mx-central-1", "mxc1.pure.cloud"},
    {"eu-west-1", "mypurecloud.ie"},
    {"eu-west-2", "euw2.pure.cloud"},
    {"eu-central-1", "mypurecloud.de"},
    {"eu-central-2", "euc2.pure.cloud"},
    {"me-central-1", "mec1.pure.cloud"},
    {"ap-south-1", "aps1.pure.cloud"},
    {"ap-northeast-1", "mypurecloud.jp"},
    {"ap-northeast-2", "apne2.pure.cloud"},
    {"ap-northeast-3", "apne3.pure.cloud"},
    {"ap-southeast-1", "apse1.pure.cloud"},
    {"ap-southeast-2", "mypurecloud.com.au"},
}};

GenesysHosts HostsForDomain(std::string_view domain) {
  return {absl::StrCat("https://api.", Sv(domain)), absl::StrCat("https://login.", Sv(domain))};
}

}  // namespace

absl::StatusOr<GenesysHosts> HostsForRegion(std::string_view region) {
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Sv(region)));
  for (const Region& r : kRegions) {
    if (name == r.id || name == r.domain) return HostsForDomain(r.domain);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown Genesys Cloud region '", Sv(region),
      "': use a region id such as us-east-1 or eu-west-2, a domain such as mypurecloud.com, "
      "or set the API base URL explicitly"));
}

std::string LoginBaseForApiBase(std::string_view api_base_url) {
  std::string base(absl::StripSuffix(Sv(api_base_url), "/"));
  if (absl::StrContains(base, "//api.")) return absl::StrReplaceAll(base, {{"//api.", "//login."}});
  return base;
}

std::vector<std::string> KnownRegions() {
  std::vector<std::string> out;
  for (const Region& r : kRegions) out.emplace_back(r.id);
  return out;
}

}  // namespace blend::genesys
