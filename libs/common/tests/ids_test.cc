#include "blend/common/ids.h"

#include <gtest/gtest.h>

#include "absl/container/flat_hash_set.h"
#include "blend/common/secret.h"

namespace blend {
namespace {

TEST(IdsTest, StrongIdsCompareByValue) {
  EXPECT_EQ(JourneyId("a"), JourneyId("a"));
  EXPECT_NE(JourneyId("a"), JourneyId("b"));
  EXPECT_LT(JourneyId("a"), JourneyId("b"));
  absl::flat_hash_set<TouchId> set{TouchId("x"), TouchId("x"), TouchId("y")};
  EXPECT_EQ(set.size(), 2u);
}

TEST(IdsTest, UuidsAreVersion4AndDistinct) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SecretTest, NeverPrintsItsValue) {
  std::ostringstream os;
  os << Secret("hunter2") << " " << Secret();
  EXPECT_EQ(os.str(), "<redacted> <unset>");
  EXPECT_EQ(Secret("hunter2").Reveal(), "hunter2");
}

}  // namespace
}  // namespace blend
