#include "blend/http/exposure.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace blend::http {
namespace {

constexpr char kDemo[] = "demo-signing-secret";

TEST(CheckSecretForAddressTest, DemoOrEmptySecretIsRefusedOffLoopbackNamingTheFlag) {
  for (const Secret& weak : {Secret(kDemo), Secret("")}) {
    absl::Status st = CheckSecretForAddress("0.0.0.0:7481", weak, kDemo, "webhook-secret");
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(st.message(), "--webhook-secret")) << st.message();
    EXPECT_TRUE(absl::StrContains(st.message(), "BLEND_WEBHOOK_SECRET")) << st.message();
    EXPECT_FALSE(absl::StrContains(st.message(), kDemo)) << "never print the secret";
  }
  EXPECT_FALSE(CheckSecretForAddress("10.1.2.3:7482", Secret(kDemo), kDemo, "x").ok());
  EXPECT_FALSE(CheckSecretForAddress("[::]:7482", Secret(kDemo), kDemo, "x").ok());
}

TEST(CheckSecretForAddressTest, OwnSecretAnywhereOrDemoSecretOnLoopbackIsAccepted) {
  EXPECT_TRUE(
      CheckSecretForAddress("0.0.0.0:7481", Secret("s3cr3t-of-mine"), kDemo, "webhook-secret")
          .ok());
  EXPECT_TRUE(CheckSecretForAddress("127.0.0.1:7481", Secret(kDemo), kDemo, "webhook-secret").ok());
  EXPECT_TRUE(CheckSecretForAddress("[::1]:7481", Secret(""), kDemo, "webhook-secret").ok());
}

}  // namespace
}  // namespace blend::http
