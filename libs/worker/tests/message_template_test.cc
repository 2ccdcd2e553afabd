#include "blend/worker/message_template.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace blend::worker {
namespace {

const nlohmann::json kValues = {
    {"firstName", "Ana"},           {"amount", 120.5}, {"days", 30}, {"vip", true},
    {"invoice", {{"id", "INV-7"}}}, {"list", {1, 2}}};

struct Case {
  const char* text;
  const char* expected;  // nullptr: must be rejected
};

class RenderTemplateTest : public ::testing::TestWithParam<Case> {};

TEST_P(RenderTemplateTest, RendersOrRejects) {
  auto out = RenderTemplate(GetParam().text, kValues);
  if (GetParam().expected == nullptr) {
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << GetParam().text;
  } else {
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, GetParam().expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RenderTemplateTest,
    ::testing::Values(Case{"Hi {{firstName}}", "Hi Ana"}, Case{"{{ firstName }}!", "Ana!"},
                      Case{"owe {{amount}} for {{days}} days", "owe 120.5 for 30 days"},
                      Case{"vip={{vip}}", "vip=true"},
                      Case{"Invoice {{invoice.id}}", "Invoice INV-7"},
                      Case{"literal {{{{ braces", "literal {{ braces"},
                      Case{"no placeholders", "no placeholders"}, Case{"", ""},
                      Case{"{{missing}}", nullptr}, Case{"{{invoice}}", nullptr},
                      Case{"{{list}}", nullptr}, Case{"unclosed {{firstName", nullptr},
                      Case{"{{invoice.id.deeper}}", nullptr}));

}  // namespace
}  // namespace blend::worker
