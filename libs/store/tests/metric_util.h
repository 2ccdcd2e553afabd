#pragma once

// Reads one sample of a metric from a prometheus::Registry, for asserting metrics in tests.

#include <map>
#include <string>

#include <prometheus/registry.h>

namespace blend::store {

inline const prometheus::ClientMetric* FindSample(
    prometheus::Registry& registry, const std::string& name,
    const std::map<std::string, std::string>& labels) {
  static thread_local std::vector<prometheus::MetricFamily> families;
  families = registry.Collect();
  for (const prometheus::MetricFamily& family : families) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const prometheus::ClientMetric::Label& l : metric.label) got[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && got.count(k) && got[k] == v;
      if (match) return &metric;
    }
  }
  return nullptr;
}

inline double GaugeValue(prometheus::Registry& r, const std::string& name,
                         const std::map<std::string, std::string>& labels) {
  const prometheus::ClientMetric* m = FindSample(r, name, labels);
  return m == nullptr ? -1 : m->gauge.value;
}

inline double CounterValue(prometheus::Registry& r, const std::string& name,
                           const std::map<std::string, std::string>& labels) {
  const prometheus::ClientMetric* m = FindSample(r, name, labels);
  return m == nullptr ? -1 : m->counter.value;
}

inline double HistogramCount(prometheus::Registry& r, const std::string& name,
                             const std::map<std::string, std::string>& labels) {
  const prometheus::ClientMetric* m = FindSample(r, name, labels);
  return m == nullptr ? -1 : static_cast<double>(m->histogram.sample_count);
}

}  // namespace blend::store
