// Transitions per second of blend::journey::Step, one core.
//   BM_SeedJourney*      the seed's campaign, one whole journey per iteration (SMS ->
//                        wait -> facts -> choice -> voice -> end: 6 transitions, 4 triggers,
//                        2 touches through quiet hours + caps of libs/policy)
//   BM_TwentyStates      a 20-state definition (Pass / Choice / facts Task / intrinsics)
//                        run start-to-end in one trigger (20 transitions)
//   BM_TwentyStatesWaits the same 20 states with a Wait every 5 states (4 timer triggers)
// "*WithStateJson" also serialises and re-parses the journey state after every trigger,
// as the orchestrator does around each Step.

#include <fstream>
#include <sstream>

#include <benchmark/benchmark.h>

#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"
#include "blend/journey/testing/seed_campaign.h"

namespace blend::journey {
namespace {

using json = nlohmann::json;

std::shared_ptr<const CompiledCampaign> SeedCampaign() {
  auto c = ParseCampaignDocument(blend::journey::testing::SeedCampaignDocument());
  if (!c.ok()) std::abort();
  return *c;
}

std::string TwentyStateDefinition(bool with_waits) {
  json states = json::object();
  for (int i = 0; i < 20; ++i) {
    std::string name = "S" + std::to_string(i);
    std::string next = i == 19 ? "" : "S" + std::to_string(i + 1);
    json s;
    if (with_waits && i % 5 == 4) {
      s = {{"Type", "Wait"}, {"Seconds", 60}};
    } else if (i % 4 == 1) {
      s = {{"Type", "Choice"},
           {"Choices",
            json::array({{{"Variable", "$.amount"}, {"NumericGreaterThan", 1000}, {"Next", "Big"}},
                         {{"And", json::array({{{"Variable", "$.status"}, {"StringEquals", "OPEN"}},
                                               {{"Variable", "$.flag"}, {"IsPresent", true}}})},
                          {"Next", next}}})},
           {"Default", next}};
    } else if (i % 4 == 2) {
      s = {{"Type", "Task"}, {"Resource", "blend:facts"}, {"ResultPath", "$.facts"}};
    } else if (i % 4 == 3) {
      s = {{"Type", "Pass"},
           {"Parameters",
            {{"amount.$", "$.amount"},
             {"status.$", "$.status"},
             {"flag", true},
             {"msg.$", "States.Format('Invoice {} is {}', $.invoice, $.status)"},
             {"invoice.$", "$.invoice"}}}};
    } else {
      s = {{"Type", "Pass"}, {"Result", {{"step", i}}}, {"ResultPath", "$.last"}};
    }
    if (s["Type"] != "Choice") {
      if (next.empty()) s["End"] = true;
      else s["Next"] = next;
    }
    states[name] = s;
  }
  states["Big"] = {{"Type", "Succeed"}};
  return json{{"StartAt", "S0"}, {"States", states}}.dump();
}

CustomerInfo Customer(bool with_phone = true) {
  return {"c-1", with_phone ? "+12125550100" : "", "a@example.com", "America/New_York", ""};
}

const absl::Time kNoon = absl::FromUnixSeconds(1764262800);  // 2025-11-27T17:00:00Z, 12:00 NY

void MaybeRoundTrip(JourneyState& s, bool json_round_trip) {
  if (!json_round_trip) return;
  std::string text = s.ToJson().dump();
  s = *JourneyState::FromJson(json::parse(text));
}

void RunSeed(benchmark::State& bm, bool json_round_trip, bool with_phone = true) {
  auto campaign = SeedCampaign();
  CustomerFacts facts;
  int64_t transitions = 0;
  const json input = {{"invoiceId", "inv-1"}, {"amount", 120.5}};
  for (auto _ : bm) {
    StepResult r = Step(*campaign, JourneyState{}, facts,
                        StartTrigger{"j-1", input, Customer(with_phone), "seed"}, kNoon);
    transitions += r.transitions;
    MaybeRoundTrip(r.next, json_round_trip);
    TaskResultTrigger ok;
    for (const Effect& e : r.effects) {
      if (auto* t = std::get_if<EmitTouch>(&e)) ok.touch_id = t->touch_id;
    }
    r = Step(*campaign, std::move(r.next), facts, ok, kNoon);
    transitions += r.transitions;
    MaybeRoundTrip(r.next, json_round_trip);
    std::string timer;
    for (const Effect& e : r.effects) {
      if (auto* t = std::get_if<SetTimer>(&e)) timer = t->timer_id;
    }
    r = Step(*campaign, std::move(r.next), facts, TimerFiredTrigger{timer},
             kNoon + absl::Hours(24));
    transitions += r.transitions;
    MaybeRoundTrip(r.next, json_round_trip);
    for (const Effect& e : r.effects) {
      if (auto* t = std::get_if<EmitTouch>(&e)) ok.touch_id = t->touch_id;
    }
    r = Step(*campaign, std::move(r.next), facts, ok, kNoon + absl::Hours(24));
    transitions += r.transitions;
    if (r.next.status != JourneyStatus::kSucceeded) bm.SkipWithError("journey did not succeed");
    benchmark::DoNotOptimize(r);
  }
  bm.counters["transitions/s"] =
      benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
  bm.counters["journeys/s"] =
      benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
}

void BM_SeedJourney(benchmark::State& bm) { RunSeed(bm, false); }
void BM_SeedJourneyWithStateJson(benchmark::State& bm) { RunSeed(bm, true); }
// Without a phone number the candidate zones need no libphonenumber parse (the one costly
// call per journey; the state caches its result after the first touch).
void BM_SeedJourneyNoPhone(benchmark::State& bm) { RunSeed(bm, false, false); }

void RunTwenty(benchmark::State& bm, bool with_waits, bool json_round_trip) {
  auto campaign = ParseCampaign(TwentyStateDefinition(with_waits), "", {});
  if (!campaign.ok()) {
    bm.SkipWithError(std::string(campaign.status().message()).c_str());
    return;
  }
  CustomerFacts facts;
  facts.attributes = {{"paymentStatus", "OPEN"}};
  const json input = {{"invoice", "inv-7"}, {"amount", 250}, {"status", "OPEN"}, {"flag", 1}};
  int64_t transitions = 0;
  for (auto _ : bm) {
    StepResult r =
        Step(**campaign, JourneyState{}, facts, StartTrigger{"j-2", input, Customer(), "s"}, kNoon);
    transitions += r.transitions;
    absl::Time now = kNoon;
    while (r.next.status == JourneyStatus::kRunning) {
      MaybeRoundTrip(r.next, json_round_trip);
      std::string timer;
      for (const Effect& e : r.effects) {
        if (auto* t = std::get_if<SetTimer>(&e)) timer = t->timer_id;
      }
      now += absl::Seconds(60);
      r = Step(**campaign, std::move(r.next), facts, TimerFiredTrigger{timer}, now);
      transitions += r.transitions;
    }
    if (r.next.status != JourneyStatus::kSucceeded) bm.SkipWithError("journey did not succeed");
    benchmark::DoNotOptimize(r);
  }
  bm.counters["transitions/s"] =
      benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
}

void BM_TwentyStates(benchmark::State& bm) { RunTwenty(bm, false, false); }
void BM_TwentyStatesWaits(benchmark::State& bm) { RunTwenty(bm, true, false); }
void BM_TwentyStatesWaitsWithStateJson(benchmark::State& bm) { RunTwenty(bm, true, true); }

void BM_ParseSeedCampaign(benchmark::State& bm) {
  std::string text(blend::journey::testing::SeedCampaignDocument());
  for (auto _ : bm) benchmark::DoNotOptimize(ParseCampaignDocument(text));
}

BENCHMARK(BM_SeedJourney);
BENCHMARK(BM_SeedJourneyWithStateJson);
BENCHMARK(BM_SeedJourneyNoPhone);
BENCHMARK(BM_TwentyStates);
BENCHMARK(BM_TwentyStatesWaits);
BENCHMARK(BM_TwentyStatesWaitsWithStateJson);
BENCHMARK(BM_ParseSeedCampaign);

}  // namespace
}  // namespace blend::journey

BENCHMARK_MAIN();
