// Series the dashboard queries exist from the first scrape: a panel shows zero, not "no data",
// before the first withdrawal or suppression (tests/deploy/check_dashboard.py fails on an
// empty query).

#include "blend/orchestrator/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "prometheus/registry.h"

namespace blend::orchestrator {
namespace {

// Label values of `label` in the series of `name`, whatever their value.
std::set<std::string> LabelValues(prometheus::Registry& registry, const std::string& name,
                                  const std::string& label) {
  std::set<std::string> out;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == label) out.insert(l.value);
      }
    }
  }
  return out;
}

TEST(MetricsTest, WithdrawalAndSuppressionSeriesExistBeforeTheFirstEvent) {
  prometheus::Registry registry;
  Metrics metrics(registry);
  EXPECT_EQ(LabelValues(registry, "blend_touch_withdrawals_total", "result"),
            (std::set<std::string>{"requested"}));
  EXPECT_EQ(
      LabelValues(registry, "blend_consent_suppressions_total", "reason"),
      (std::set<std::string>{"bankruptcy", "crm", "deceased", "dnc", "legal_hold", "opt_out"}));
}

}  // namespace
}  // namespace blend::orchestrator
