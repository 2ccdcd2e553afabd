// The bearer-token start-up rule: which addresses are loopback, and the refusal's text.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/common/transport_security.h"

namespace blend {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackHostPortTest, LoopbackAddressesAndTargets) {
  for (const char* addr :
       {"127.0.0.1:7400", "127.1.2.3:0", "localhost:7400", "[::1]:7400", "dns:///localhost:7400",
        "ipv4:127.0.0.1:7400", "unix:/run/blend.sock", "127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHostPort(addr)) << addr;
  }
  for (const char* addr :
       {"0.0.0.0:7400", "[::]:7400", "10.0.0.5:7400", "orchestrator:7400",
        "dns:///orchestrator.blend.svc:7400", "128.0.0.1:7400", "127.0.0.1.example.com:7400",
        "localhost.evil.com:7400", "", "127.0.0.256:7400", "127.example.com:7400", ":7400"}) {
    EXPECT_FALSE(IsLoopbackHostPort(addr)) << addr;
  }
}

TEST(CheckTokensTravelOverTlsTest, TokensWithoutTlsOffLoopbackAreRefused) {
  absl::Status st = CheckTokensTravelOverTls("0.0.0.0:7400", /*tls=*/false, /*tokens=*/true,
                                             "--api-tokens-file", "--tls-cert-file");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(st.message(), HasSubstr("bearer tokens (--api-tokens-file)"));
  EXPECT_THAT(st.message(), HasSubstr("0.0.0.0:7400 in plaintext"));
  EXPECT_THAT(st.message(), HasSubstr("set --tls-cert-file (TLS)"));
}

TEST(CheckTokensTravelOverTlsTest, EveryOtherCombinationStarts) {
  struct Case {
    const char* address;
    bool tls;
    bool tokens;
  };
  for (const Case& c : {Case{"0.0.0.0:7400", true, true}, Case{"0.0.0.0:7400", false, false},
                        Case{"127.0.0.1:7400", false, true}, Case{"127.0.0.1:7400", true, false},
                        Case{"orchestrator:7400", true, true}}) {
    EXPECT_TRUE(CheckTokensTravelOverTls(c.address, c.tls, c.tokens, "--t", "--tls").ok())
        << c.address << " tls=" << c.tls << " tokens=" << c.tokens;
  }
  EXPECT_FALSE(CheckTokensTravelOverTls("orchestrator:7400", false, true, "--t", "--tls").ok());
}

}  // namespace
}  // namespace blend
