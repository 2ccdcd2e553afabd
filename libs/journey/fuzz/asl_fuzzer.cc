// Fuzz target for the ASL parser + validator, the JSONPath / intrinsic parsers and, when a
// document is valid, a few interpreter steps. Built two ways:
//  - normal build: with fuzz/standalone_main.cc, runs the files named on the command line
//    (CTest runs it over the test corpus);
//  - clang with -DBLEND_JOURNEY_LIBFUZZER=ON: a real libFuzzer binary.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "blend/journey/campaign.h"
#include "blend/journey/expression.h"
#include "blend/journey/interpreter.h"
#include "blend/journey/json_path.h"
#include "blend/journey/testing/seed_campaign.h"

namespace {

using blend::journey::Effect;

// Drives a valid campaign: start, then answer every touch and fire every timer, bounded.
void DriveJourney(const blend::journey::CompiledCampaign& campaign) {
  using namespace blend::journey;
  CustomerFacts facts;
  absl::Time now = absl::FromUnixSeconds(1764262800);
  StepResult r = Step(campaign, JourneyState{}, facts,
                      StartTrigger{"fz", nlohmann::json::object(),
                                   CustomerInfo{"c", "", "", "America/New_York", ""}, "s"},
                      now);
  for (int round = 0; round < 16 && r.next.status == JourneyStatus::kRunning; ++round) {
    Trigger next = CancelTrigger{"fuzz"};
    for (const Effect& e : r.effects) {
      if (const auto* t = std::get_if<EmitTouch>(&e)) {
        TaskResultTrigger ok;
        ok.touch_id = t->touch_id;
        ok.ok = round % 2 == 0;
        ok.error = "Blend.Fuzz";
        next = ok;
      } else if (const auto* t = std::get_if<SetTimer>(&e)) {
        next = TimerFiredTrigger{t->timer_id};
        now = std::max(now, t->at);
      }
    }
    if (round == 7) next = CustomerEventTrigger{"e", "payment.received", {}};
    std::string stored = r.next.ToJson().dump();
    auto back = JourneyState::FromJson(nlohmann::json::parse(stored));
    if (!back.ok() || back->ToJson().dump() != stored) __builtin_trap();  // must round-trip
    r = Step(campaign, *std::move(back), facts, next, now);
  }
}

// A stored journey state is untrusted too (another campaign version, manual edits): any
// state FromJson accepts must step without crashing against a fixed campaign.
void StepStoredState(std::string_view text) {
  using namespace blend::journey;
  static const std::shared_ptr<const CompiledCampaign> kSeed = [] {
    auto c = ParseCampaignDocument(blend::journey::testing::SeedCampaignDocument());
    if (!c.ok()) __builtin_trap();
    return *c;
  }();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return;
  }
  auto state = JourneyState::FromJson(j);
  if (!state.ok()) return;
  absl::Time now = absl::FromUnixSeconds(1764262800);
  CustomerFacts facts;
  TaskResultTrigger result;
  result.touch_id = "t-1";
  const Trigger triggers[] = {TimerFiredTrigger{"j-1/timer/2"}, result,
                              CustomerEventTrigger{"e", "reply", {}}, CancelTrigger{"x"}};
  for (const Trigger& t : triggers) (void)Step(*kSeed, *state, facts, t, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)blend::journey::ReferencePath::Parse(text);
  (void)blend::journey::Expression::Parse(text);
  std::vector<blend::journey::ValidationProblem> problems;
  auto campaign = blend::journey::ParseCampaignDocument(text, &problems);
  if (campaign.ok() != problems.empty()) __builtin_trap();  // problems <=> rejection
  if (campaign.ok()) DriveJourney(**campaign);
  StepStoredState(text);
  return 0;
}
