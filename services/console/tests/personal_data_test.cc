#include "blend/console/personal_data.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "blend/v1/consent_service.pb.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::console {
namespace {

TEST(MaskPersonalData, MasksStringsStructValuesAndRepeatedMessages) {
  v1::Journey j;
  j.set_customer_id("cust-42");
  j.set_error("sent to +14155550199");
  google::protobuf::util::JsonStringToMessage(
      R"({"customer": {"phone": "+14155550199", "email": "jane.doe@example.com"},
          "amount": 120})",
      j.mutable_state());
  v1::HistoryEntry* h = j.add_history();
  (*h->mutable_detail()->mutable_fields())["to"].set_string_value("+447700900123");

  MaskPersonalData(j);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(j, &json).ok());
  EXPECT_EQ(json.find("4155550199"), std::string::npos) << json;
  EXPECT_EQ(json.find("jane.doe"), std::string::npos) << json;
  EXPECT_EQ(json.find("7700900123"), std::string::npos) << json;
  EXPECT_NE(json.find("cust-42"), std::string::npos) << json;
  EXPECT_NE(json.find("\"amount\":120"), std::string::npos) << json;
  EXPECT_NE(json.find("@"), std::string::npos) << "the domain hint stays: " << json;
}

TEST(MaskPersonalData, MasksSuppressionAddresses) {
  v1::Consent c;
  c.set_address("+14155550199");
  c.add_suppressions()->set_address("a.person@example.org");
  MaskPersonalData(c);
  EXPECT_EQ(c.address().find("5550199"), std::string::npos) << c.address();
  EXPECT_EQ(c.suppressions(0).address().find("a.person"), std::string::npos);
}

}  // namespace
}  // namespace blend::console
