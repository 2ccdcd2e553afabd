// Pure helpers of the cost-curve benchmarks: percentiles, /proc status fields, Prometheus text
// sums and the one-line JSON summary. No I/O here, so each is unit-tested on strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

namespace blend::cost_curve {

// Order statistics of a sample (seconds, milliseconds, whatever the caller put in).
struct Summary {
  int64_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

// Nearest-rank percentile (p in [0, 100]) of `values`; nullopt when empty. Nearest rank, not
// interpolation: with 100 samples p99 is the second largest, never a value nobody observed.
std::optional<double> Percentile(std::vector<double> values, double p);

// count, p50, p99 and max; all zero for an empty sample.
Summary Summarize(const std::vector<double>& values);

// A "Name:   12345 kB" line of /proc/<pid>/status, in kB; nullopt when the field is absent.
std::optional<int64_t> StatusFieldKb(absl::string_view status_text, absl::string_view field);

// The sum of every sample of metric `name` in Prometheus text exposition (any labels);
// nullopt when the metric has no sample.
std::optional<double> SumMetric(absl::string_view prometheus_text, absl::string_view name);

// The JSON literal of a figure: integer-looking numbers without decimals, others with `digits`
// decimals, NaN/absent as null.
std::string JsonNumber(std::optional<double> value, int digits = 1);

}  // namespace blend::cost_curve
