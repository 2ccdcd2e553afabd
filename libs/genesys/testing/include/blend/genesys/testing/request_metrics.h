#pragma once

// Reads blend_genesys_requests_total{endpoint,status} from a registry (0 when absent), for the
// client tests that assert request metrics.

#include <map>
#include <string>

#include "prometheus/registry.h"

namespace blend::genesys {

inline double RequestsTotal(prometheus::Registry& registry, const std::string& endpoint,
                            const std::string& status) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "blend_genesys_requests_total") continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& label : metric.label) labels[label.name] = label.value;
      if (labels["endpoint"] == endpoint && labels["status"] == status) {
        return metric.counter.value;
      }
    }
  }
  return 0;
}

}  // namespace blend::genesys
