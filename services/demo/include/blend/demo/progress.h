#pragma once

// The demo's live progress line, from the services' /metrics and the simulator's counters.

#include <deque>
#include <map>
#include <string>
#include <utility>

#include "absl/time/time.h"

namespace blend::demo {

class Progress {
 public:
  Progress(std::map<std::string, std::string> metrics_urls, std::string sim_url, int quota_rpm)
      : metrics_urls_(std::move(metrics_urls)),
        sim_url_(std::move(sim_url)),
        quota_rpm_(quota_rpm) {}

  // Scrapes everything once and returns one line: journeys by state, touches by channel and
  // outcome, Genesys requests in the last minute against the quota, 429s.
  std::string Line(absl::Duration elapsed);

 private:
  double RequestsPerMinute(absl::Time now, double total);

  std::map<std::string, std::string> metrics_urls_;
  std::string sim_url_;
  int quota_rpm_;
  std::deque<std::pair<absl::Time, double>> totals_;  // (when, simulator request count)
};

}  // namespace blend::demo
