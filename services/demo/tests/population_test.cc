#include "blend/demo/population.h"

#include <set>

#include <gtest/gtest.h>

#include "blend/phone/phone.h"

namespace blend::demo {
namespace {

TEST(PopulationTest, SameSeedSameCustomersOtherSeedOthers) {
  PopulationOptions o;
  o.customers = 200;
  auto a = GeneratePopulation(o);
  auto b = GeneratePopulation(o);
  ASSERT_EQ(a.size(), 200u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].phone_e164, b[i].phone_e164);
    EXPECT_EQ(a[i].pays_after, b[i].pays_after);
  }
  o.seed = 43;
  auto c = GeneratePopulation(o);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].phone_e164 == c[i].phone_e164;
  EXPECT_LT(same, 5);
}

TEST(PopulationTest, EveryNumberIsValidUniqueAndConsistentWithItsRules) {
  PopulationOptions o;
  o.customers = 2000;
  std::set<std::string> numbers, zones;
  int stop = 0, dnc = 0, pays = 0;
  for (const DemoCustomer& c : GeneratePopulation(o)) {
    ASSERT_TRUE(phone::NormalizeE164(c.phone_e164).ok()) << c.phone_e164;
    numbers.insert(c.phone_e164);
    zones.insert(c.time_zone);
    bool ends_13 = c.phone_e164.size() > 2 && c.phone_e164.substr(c.phone_e164.size() - 2) == "13";
    EXPECT_EQ(ends_13, c.replies_stop) << c.phone_e164;  // the simulator's STOP rule
    EXPECT_FALSE(c.on_dnc && c.replies_stop);
    EXPECT_EQ(c.call_outcome, OutcomeForNumber(c.phone_e164));
    if (c.pays) {
      EXPECT_GE(c.pays_after, absl::Seconds(1));
      EXPECT_LT(c.pays_after, o.pay_window);
    }
    stop += c.replies_stop;
    dnc += c.on_dnc;
    pays += c.pays;
  }
  EXPECT_EQ(numbers.size(), 2000u);
  EXPECT_EQ(zones.size(), 10u);
  EXPECT_NEAR(stop, 100, 40);
  EXPECT_NEAR(dnc, 95, 40);
  EXPECT_NEAR(pays, 600, 80);
}

TEST(PopulationTest, OutcomeFollowsTheSimulatorsLastDigitRule) {
  EXPECT_EQ(OutcomeForNumber("+12125550100"), CallOutcome::kAnswered);
  EXPECT_EQ(OutcomeForNumber("+12125550103"), CallOutcome::kAnswered);
  EXPECT_EQ(OutcomeForNumber("+12125550104"), CallOutcome::kNoAnswer);
  EXPECT_EQ(OutcomeForNumber("+12125550106"), CallOutcome::kBusy);
  EXPECT_EQ(OutcomeForNumber("+12125550107"), CallOutcome::kMachine);
  EXPECT_EQ(OutcomeForNumber("+12125550109"), CallOutcome::kInvalid);
}

}  // namespace
}  // namespace blend::demo
