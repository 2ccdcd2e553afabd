#include "blend/http/address.h"

#include <gtest/gtest.h>

namespace blend::http {
namespace {

TEST(ParseHostPortTest, SplitsHostAndPort) {
  auto hp = ParseHostPort("127.0.0.1:9400");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->first, "127.0.0.1");
  EXPECT_EQ(hp->second, 9400);
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 0);
}

TEST(ParseHostPortTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
                          "127.0.0.1:-1"}) {
    EXPECT_EQ(ParseHostPort(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(IsLoopbackAddressTest, OnlyLoopbackHosts) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:7481"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:7481"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:7481"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:7481"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:7481"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:7481"));
  EXPECT_FALSE(IsLoopbackAddress("127.example.com:7481"));
  EXPECT_FALSE(IsLoopbackAddress("127.0.0.256:7481"));
  EXPECT_FALSE(IsLoopbackAddress("127.0.0.1.example.com:80"));
  EXPECT_FALSE(IsLoopbackAddress(":7481")) << "an empty host listens everywhere";
}

}  // namespace
}  // namespace blend::http
