#include "blend/worker/call_outcome.h"

#include <gtest/gtest.h>

namespace blend::worker {
namespace {

TEST(CallOutcomeTest, MapsDialerScrubToDncAndAgentCodesToAnswered) {
  EXPECT_EQ(MapWrapupCode("ININ-OUTBOUND-ON-DO-NOT-CALL-LIST").outcome,
            v1::TOUCH_OUTCOME_DNC_ACTIVE);
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
  for (const char* no :
       {"", "please stop calling me at work", "STOPPED", "yes", "ok end it later", "I will pay"}) {
    EXPECT_FALSE(IsOptOutKeyword(no)) << no;
  }
}

// Carriers and phones add what people type around the word: quotes, brackets, leading and
// trailing punctuation, line breaks, a hyphen in OPT-OUT.
TEST(CallOutcomeTest, OptOutKeywordIgnoresSurroundingSpacesAndPunctuation) {
  for (const char* yes :
       {"\"STOP\"", "(stop)", "STOP?", "...stop...", "\tQuit\r\n", "'end'", "Opt-Out", "opt_out.",
        "  -- REVOKE --  ", "*Cancel*", "STOP,", "\xC2\xA1STOP!"}) {
    EXPECT_TRUE(IsOptOutKeyword(yes)) << yes;
  }
  for (const char* no : {"?", "...", "stop it", "un-subscribe me", "STOP STOP", "nonstop"}) {
    EXPECT_FALSE(IsOptOutKeyword(no)) << no;
  }
}

TEST(CallOutcomeTest, OptOutKeywordNamesTheCanonicalWord) {
  EXPECT_EQ(OptOutKeyword(" stop! "), "STOP");
  EXPECT_EQ(OptOutKeyword("Opt-out"), "OPT OUT");
  EXPECT_EQ(OptOutKeyword("optout"), "OPT OUT");
  EXPECT_EQ(OptOutKeyword("\"StopAll\""), "STOPALL");
  EXPECT_EQ(OptOutKeyword("hello"), std::nullopt);
}

}  // namespace
}  // namespace blend::worker
