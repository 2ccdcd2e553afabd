// ContactIdForTouch: the RFC 9562 version-5 UUID other tools can recompute.

#include "blend/genesys/contact_id.h"

#include "gtest/gtest.h"

namespace blend::genesys {
namespace {

TEST(ContactIdTest, IsTheVersion5UuidOfTheTouchIdInBlendsNamespace) {
  // Vectors from Python: uuid.uuid5(uuid.UUID(kBlendContactIdNamespace), touch_id).
  EXPECT_EQ(ContactIdForTouch("j-1/Call/3"), "1ca2bd5d-bec6-5980-8226-c9c3a8179a2f");
  EXPECT_EQ(ContactIdForTouch("00000000-0000-4000-8000-000000000001/InjectToVoiceDialer/1"),
            "51474155-a405-59f9-aefa-5d1eca851440");
  EXPECT_EQ(ContactIdForTouch(""), "b3153d28-285a-53ea-8f58-aa73edb14c12");
}

TEST(ContactIdTest, DifferentTouchesGetDifferentIds) {
  EXPECT_NE(ContactIdForTouch("j-1/Call/1"), ContactIdForTouch("j-1/Call/2"));
  EXPECT_EQ(ContactIdForTouch("j-1/Call/1"), ContactIdForTouch("j-1/Call/1"));
}

}  // namespace
}  // namespace blend::genesys
