#pragma once

// Reads the Prometheus text exposition format that every Blend service serves on /metrics,
// enough for the demo's progress line: samples with their labels. (No Debian library parses
// it; prometheus-cpp only writes it.)

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace blend::demo {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Comment lines and malformed lines are skipped.
std::vector<Sample> ParsePrometheusText(std::string_view text);

// Sum of `name`'s samples whose labels include every pair of `match`.
double SumOf(const std::vector<Sample>& samples, std::string_view name,
             const std::map<std::string, std::string>& match = {});

// Sum of `name` grouped by the value of `label`.
std::map<std::string, double> SumBy(const std::vector<Sample>& samples, std::string_view name,
                                    const std::string& label);

}  // namespace blend::demo
