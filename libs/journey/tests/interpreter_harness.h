#pragma once

// Drives one journey through the pure interpreter the way the orchestrator does: applies a
// trigger, keeps the effects, and round-trips the state through its JSON text after every
// step (so every test also checks that the stored form loses nothing).

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "blend/journey/campaign.h"
#include "blend/journey/interpreter.h"

namespace blend::journey::testing {

inline absl::Time T(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

// 12:00 in New York: inside the default 08:00-21:00 window of the test customers' zone.
inline const absl::Time kNoon = T("2026-11-26T17:00:00Z");

// The campaign compiled from `definition` (and `policies`), or nullptr after a test failure.
inline std::shared_ptr<const CompiledCampaign> Campaign(const std::string& definition,
                                                        const std::string& policies = "") {
  auto c = ParseCampaign(definition, policies, {}, nullptr, "camp-1");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

inline std::string ReadTestFile(const std::string& relative) {
  std::ifstream in(std::string(BLEND_JOURNEY_TESTDATA) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline TaskResultTrigger Ok(const std::string& touch_id,
                            nlohmann::json result = nlohmann::json::object()) {
  TaskResultTrigger t;
  t.touch_id = touch_id;
  t.result = std::move(result);
  return t;
}

inline TaskResultTrigger Err(const std::string& touch_id, const std::string& error,
                             const std::string& cause = "") {
  TaskResultTrigger t;
  t.touch_id = touch_id;
  t.ok = false;
  t.error = error;
  t.cause = cause;
  return t;
}

// An UNKNOWN disposition: the touch may or may not have reached the customer.
inline TaskResultTrigger InDoubt(const std::string& touch_id, const std::string& cause = "") {
  TaskResultTrigger t;
  t.touch_id = touch_id;
  t.ok = false;
  t.in_doubt = true;
  t.cause = cause;
  return t;
}

class JourneyHarness {
 public:
  explicit JourneyHarness(std::shared_ptr<const CompiledCampaign> campaign)
      : campaign_(std::move(campaign)) {}

  std::vector<Effect> Apply(const Trigger& trigger, absl::Time now) {
    StepResult r = Step(*campaign_, state_, facts, trigger, now);
    std::string text = r.next.ToJson().dump();
    auto back = JourneyState::FromJson(nlohmann::json::parse(text));
    EXPECT_TRUE(back.ok()) << back.status();
    if (back.ok()) {
      EXPECT_EQ(back->ToJson().dump(), text) << "state JSON does not round-trip";
      state_ = *std::move(back);
    }
    for (const Effect& e : r.effects) all_effects_.push_back(e);
    last_transitions = r.transitions;
    return r.effects;
  }

  std::vector<Effect> Start(absl::Time now, nlohmann::json input = nlohmann::json::object(),
                            CustomerInfo customer = DefaultCustomer()) {
    return Apply(StartTrigger{"j-1", std::move(input), std::move(customer), "seed-1"}, now);
  }

  static CustomerInfo DefaultCustomer() {
    return CustomerInfo{"c-1", "+12125550100", "ana@example.com", "America/New_York", ""};
  }

  const JourneyState& state() const { return state_; }
  const std::vector<Effect>& all_effects() const { return all_effects_; }

  CustomerFacts facts;
  int last_transitions = 0;

 private:
  std::shared_ptr<const CompiledCampaign> campaign_;
  JourneyState state_;
  std::vector<Effect> all_effects_;
};

template <typename E>
std::vector<E> Only(const std::vector<Effect>& effects) {
  std::vector<E> out;
  for (const Effect& e : effects) {
    if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
  }
  return out;
}

// The one Finish among `effects` (a test failure when there is not exactly one).
inline Finish FinishOf(const std::vector<Effect>& effects) {
  auto f = Only<Finish>(effects);
  EXPECT_EQ(f.size(), 1u);
  return f.empty() ? Finish{} : f[0];
}

inline std::vector<std::string> HistoryKinds(const std::vector<Effect>& effects) {
  std::vector<std::string> out;
  for (const HistoryEntry& h : Only<HistoryEntry>(effects))
    out.push_back(h.kind + ":" + h.state_name);
  return out;
}

}  // namespace blend::journey::testing
