#include "blend/worker/call_outcome.h"

#include <gtest/gtest.h>

namespace blend::worker {
namespace {

TEST(CallOutcomeTest, MapsDialerScrubToDncAndAgentCodesToAnswered) {
  EXPECT_EQ(MapWrapupCode("ININ-OUTBOUND-ON-DO-NOT-CALL-LIST").outcome, v1::TOUCH_OUTCOME_DNC_ACTIVE);
  for (const char* system : {"ININ-OUTBOUND-NO-ANSWER", "ININ-OUTBOUND-BUSY",
                             "ININ-OUTBOUND-MACHINE", "ININ-OUTBOUND-INVALID-PHONE-NUMBER"}) {
    MappedCallOutcome m = MapWrapupCode(system);
    EXPECT_EQ(m.outcome, v1::TOUCH_OUTCOME_CALL_COMPLETED) << system;
    EXPECT_FALSE(m.answered) << system;
  }
  MappedCallOutcome agent = MapWrapupCode("Promise to pay");
  EXPECT_EQ(agent.outcome, v1::TOUCH_OUTCOME_CALL_COMPLETED);
  EXPECT_TRUE(agent.answered);
}

TEST(CallOutcomeTest, RecognisesOptOutKeywordsOnly) {
  for (const char* yes : {"STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "CANCEL", "end",
                          "QUIT", "revoke", "opt out", "OPT  OUT", "stop!"}) {
    EXPECT_TRUE(IsOptOutKeyword(yes)) << yes;
  }
  for (const char* no : {"", "please stop calling me at work", "STOPPED", "yes", "ok end it later",
                         "I will pay"}) {
    EXPECT_FALSE(IsOptOutKeyword(no)) << no;
  }
}

}  // namespace
}  // namespace blend::worker
