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
  for (const char* bad :
       {"localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536", "127.0.0.1:-1"}) {
    EXPECT_EQ(ParseHostPort(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace blend::http
