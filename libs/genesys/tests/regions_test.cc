#include "blend/genesys/regions.h"

#include "gtest/gtest.h"

namespace blend::genesys {
namespace {

struct RegionCase {
  std::string region;
  std::string api;
  std::string login;
};

class RegionsTest : public ::testing::TestWithParam<RegionCase> {};

TEST_P(RegionsTest, RegionIdAndDomainGiveApiAndLoginHosts) {
  auto hosts = HostsForRegion(GetParam().region);
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  EXPECT_EQ(hosts->api_base_url, GetParam().api);
  EXPECT_EQ(hosts->login_base_url, GetParam().login);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RegionsTest,
    ::testing::Values(
        RegionCase{"us-east-1", "https://api.mypurecloud.com", "https://login.mypurecloud.com"},
        RegionCase{"mypurecloud.com", "https://api.mypurecloud.com",
                   "https://login.mypurecloud.com"},
        RegionCase{"US-East-1", "https://api.mypurecloud.com", "https://login.mypurecloud.com"},
        RegionCase{"us-east-2", "https://api.use2.us-gov-pure.cloud",
                   "https://login.use2.us-gov-pure.cloud"},
        RegionCase{"eu-central-1", "https://api.mypurecloud.de", "https://login.mypurecloud.de"},
        RegionCase{"eu-west-2", "https://api.euw2.pure.cloud", "https://login.euw2.pure.cloud"},
        RegionCase{"ap-southeast-2", "https://api.mypurecloud.com.au",
                   "https://login.mypurecloud.com.au"},
        RegionCase{"ap-northeast-1", "https://api.mypurecloud.jp", "https://login.mypurecloud.jp"},
        RegionCase{"mx-central-1", "https://api.mxc1.pure.cloud",
                   "https://login.mxc1.pure.cloud"}));

TEST(RegionsTest, UnknownRegionIsInvalidArgument) {
  EXPECT_EQ(HostsForRegion("us-east-9").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HostsForRegion("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RegionsTest, AllSeventeenOfficialRegionsResolve) {
  auto regions = KnownRegions();
  EXPECT_EQ(regions.size(), 17u);
  for (const auto& r : regions) EXPECT_TRUE(HostsForRegion(r).ok()) << r;
}

TEST(RegionsTest, LoginBaseIsDerivedFromApiBaseLikeTheSdk) {
  EXPECT_EQ(LoginBaseForApiBase("https://api.mypurecloud.ie"), "https://login.mypurecloud.ie");
  EXPECT_EQ(LoginBaseForApiBase("http://127.0.0.1:7480/"), "http://127.0.0.1:7480");
}

}  // namespace
}  // namespace blend::genesys
