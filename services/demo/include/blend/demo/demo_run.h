#pragma once

// One demo run against a running cluster (scripts/demo starts it): registers the campaign,
// seeds the Genesys DNC list, starts the population through the streaming start, sends the
// payments at their moments, prints progress, and ends with the summary.

#include <map>
#include <string>

#include "absl/time/time.h"
#include "blend/demo/population.h"

namespace blend::demo {

struct DemoOptions {
  std::string orchestrator_addr = "127.0.0.1:7400";
  std::string sim_url = "http://127.0.0.1:7480";
  // /metrics URLs by service: orchestrator, sms-worker, dialer-worker, email-worker.
  std::map<std::string, std::string> metrics_urls;
  std::string campaign_file = "examples/blended-collections/campaign.json";
  double time_scale = 1.0 / 4320;  // a day's wait lasts 20 s
  PopulationOptions population;
  int quota_rpm = 3000;            // shown beside the measured request rate
  absl::Duration timeout = absl::Seconds(150);
  absl::Duration progress_interval = absl::Seconds(2);
  std::string summary_json;        // also write the summary here when set
};

// 0 when the run finished and every invariant held; 1 on a violated invariant; 2 when the
// cluster could not be used (the message says why).
int RunDemo(const DemoOptions& options);

}  // namespace blend::demo
