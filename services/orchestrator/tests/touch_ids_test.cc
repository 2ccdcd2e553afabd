#include "blend/orchestrator/touch_ids.h"

#include <gtest/gtest.h>

namespace blend::orchestrator {
namespace {

TEST(TouchIdsTest, PublicIdIsDeterministicUnguessableAndKeepsTheJourneyPrefix) {
  const std::string id = PublicTouchId("key-a", "j1", "j1/Remind/1");
  EXPECT_EQ(id, PublicTouchId("key-a", "j1", "j1/Remind/1")) << "a replayed step emits the same id";
  EXPECT_EQ(id.rfind("j1/", 0), 0u) << id;
  EXPECT_EQ(id.size(), std::string("j1/").size() + 32) << id;
  EXPECT_EQ(id.find("Remind"), std::string::npos) << "the interpreter's name does not show";
  EXPECT_NE(id, PublicTouchId("key-b", "j1", "j1/Remind/1")) << "the key is per installation";
  EXPECT_NE(id, PublicTouchId("key-a", "j1", "j1/Remind/2"));
  // RFC 4231 test case 2 ("Jefe"): the first 16 bytes of HMAC-SHA256.
  EXPECT_EQ(PublicTouchId("Jefe", "j", "what do ya want for nothing?"),
            "j/5bdcc146bf60754e6a042426089575c7");
}

journey::JourneyState Waiting(const std::string& step_touch_id) {
  journey::JourneyState state;
  state.journey_id = "j1";
  journey::Run run;
  run.waiting = journey::Run::Waiting::kTask;
  run.touch_id = step_touch_id;
  state.runs["main"] = run;
  return state;
}

TEST(TouchIdsTest, StepTouchIdOfMapsThePublicIdBackToTheWaitingRun) {
  journey::JourneyState state = Waiting("j1/Remind/1");
  EXPECT_EQ(StepTouchIdOf("k", state, PublicTouchId("k", "j1", "j1/Remind/1")), "j1/Remind/1");
  EXPECT_EQ(StepTouchIdOf("k", state, "j1/Remind/1"), "j1/Remind/1")
      << "a touch emitted before migration 0018 carries the interpreter's name";
  EXPECT_EQ(StepTouchIdOf("k", state, PublicTouchId("other", "j1", "j1/Remind/1")), std::nullopt);
  EXPECT_EQ(StepTouchIdOf("k", state, PublicTouchId("k", "j1", "j1/Remind/2")), std::nullopt);
  state.runs["main"].waiting = journey::Run::Waiting::kNone;
  EXPECT_EQ(StepTouchIdOf("k", state, PublicTouchId("k", "j1", "j1/Remind/1")), std::nullopt)
      << "a run that no longer waits has no touch";
}

TEST(TouchIdsTest, HistoryShowsThePublicId) {
  nlohmann::json detail = {{"touchId", "j1/Remind/1"}, {"channel", "sms"}};
  nlohmann::json out = WithPublicTouchId("k", "j1", detail);
  EXPECT_EQ(out["touchId"], PublicTouchId("k", "j1", "j1/Remind/1"));
  EXPECT_EQ(out["channel"], "sms");
  EXPECT_EQ(WithPublicTouchId("k", "j1", {{"state", "x"}}), nlohmann::json({{"state", "x"}}));
}

}  // namespace
}  // namespace blend::orchestrator
