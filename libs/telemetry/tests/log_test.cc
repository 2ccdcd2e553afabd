#include "blend/telemetry/log.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace blend::log {
namespace {

TEST(RedactTest, MasksPhoneNumbersAnywhere) {
  EXPECT_EQ(RedactPhone("+18005550199"), "+1******0199");
  std::string out = Redact("sending to +1 (800) 555-0199 now");
  EXPECT_EQ(out.find("555"), std::string::npos) << out;
  EXPECT_NE(out.find("0199"), std::string::npos) << out;
  EXPECT_EQ(Redact("call +442071838750"), "call +4*******8750");
}

TEST(RedactTest, MasksEmailsAnywhere) {
  EXPECT_EQ(RedactEmail("collections@demo.example.com"), "c***@d***.e******.com");
  EXPECT_EQ(Redact("to: jane.doe@mail.example.org, ok"), "to: j***@m***.e******.org, ok");
}

TEST(RedactTest, LeavesIdsTimesAndCountsAlone) {
  for (const char* text :
       {"journey 4f9c-12ab", "took 1234 ms", "2026-11-26T19:00:00Z", "touch j1:SendSMS:3",
        "offset 123456", "uuid 0d6e3d4e-1f3b-4c1e-9a51-123456789012"}) {
    EXPECT_EQ(Redact(text), text);
  }
}

TEST(LogTest, WritesOneJsonObjectPerLineWithRedactedFields) {
  std::string sink;
  SetSinkForTest(&sink);
  SetService("unit");
  SetLevel(Level::kInfo);
  BLEND_LOG(kDebug, "hidden");
  BLEND_LOG(kInfo, "touch sent", {{"to", "+18005550199"}, {"touch_id", "t-1"}});
  SetSinkForTest(nullptr);
  ASSERT_EQ(sink.find("hidden"), std::string::npos);
  auto line = nlohmann::json::parse(sink);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["service"], "unit");
  EXPECT_EQ(line["msg"], "touch sent");
  EXPECT_EQ(line["to"], "+1******0199");
  EXPECT_EQ(line["touch_id"], "t-1");
}

TEST(LogTest, ParsesLevels) {
  Level level;
  EXPECT_TRUE(ParseLevel("WARN", &level));
  EXPECT_EQ(level, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

}  // namespace
}  // namespace blend::log
