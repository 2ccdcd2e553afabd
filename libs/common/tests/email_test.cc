#include "blend/common/email.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace blend {
namespace {

using ::testing::HasSubstr;

std::string Why(std::string_view address) {
  absl::StatusOr<std::string> r = NormalizeEmail(address);
  EXPECT_FALSE(r.ok()) << address << " was accepted as " << r.value_or("");
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(NormalizeEmailTest, AcceptsCommonAddressesAndLowerCasesThem) {
  EXPECT_EQ(NormalizeEmail("Jane.Doe@Example.COM").value(), "jane.doe@example.com");
  EXPECT_EQ(NormalizeEmail("a+tag@mail.example.co.uk").value(), "a+tag@mail.example.co.uk");
  EXPECT_EQ(NormalizeEmail("o'brien_x-1!#$%&*/=?^`{|}~@xn--bcher-kva.example").value(),
            "o'brien_x-1!#$%&*/=?^`{|}~@xn--bcher-kva.example");
  EXPECT_EQ(NormalizeEmail("  c1@example.com\t").value(), "c1@example.com");  // trimmed
  EXPECT_EQ(NormalizeEmail("x@a-b.io").value(), "x@a-b.io");
}

TEST(NormalizeEmailTest, RejectsWhatTheRuleExcludesWithAReason) {
  EXPECT_THAT(Why(""), HasSubstr("empty"));
  EXPECT_THAT(Why("no-at.example.com"), HasSubstr("exactly one '@'"));
  EXPECT_THAT(Why("a@b@example.com"), HasSubstr("exactly one '@'"));
  EXPECT_THAT(Why("@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why(".a@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why("a.@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why("a..b@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why("a b@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why("\"quoted\"@example.com"), HasSubstr("local part"));
  EXPECT_THAT(Why(std::string(65, 'a') + "@example.com"), HasSubstr("64"));
  EXPECT_THAT(Why("a@"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@localhost"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@-x.example.com"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@x-.example.com"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@example..com"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@example.com."), HasSubstr("domain"));
  EXPECT_THAT(Why("a@exa_mple.com"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@[192.0.2.1]"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@192.0.2.1"), HasSubstr("domain"));
  EXPECT_THAT(Why("a@" + std::string(64, 'x') + ".com"), HasSubstr("domain"));
  EXPECT_THAT(Why("j\xC3\xA9@example.com"), HasSubstr("local part"));  // non-ASCII
  EXPECT_THAT(Why("a@b\xC3\xA9.com"), HasSubstr("domain"));
  EXPECT_THAT(Why("a\r\n@example.com"), HasSubstr("local part"));
  // 254 octets at most (RFC 5321's path limit): 64 + 1 + 190 = 255.
  std::string domain =
      std::string(63, 'd') + "." + std::string(63, 'd') + "." + std::string(62, 'd') + ".com";
  EXPECT_THAT(Why(std::string(64, 'a') + "@" + domain), HasSubstr("254"));
}

}  // namespace
}  // namespace blend
