#pragma once

// One demo run against a running cluster (scripts/demo starts it): registers the campaign,
// seeds the Genesys DNC list, starts the population through the streaming start, sends the
// payments at their moments, prints progress, and ends with the summary.

#include <map>
#include <string>

#include "absl/time/time.h"
#include "blend/demo/campaign_file.h"
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
  int quota_rpm = 3000;  // shown beside the measured request rate
  absl::Duration timeout = absl::Seconds(150);
  absl::Duration progress_interval = absl::Seconds(2);
  std::string summary_json;  // also write the summary here when set
  // Starts and payments that fail (an orchestrator replica died) are sent again until this
  // long has passed.
  absl::Duration retry_for = absl::Seconds(60);
  // With chaos_report false: write the run's state here at the end instead of the summary
  // (scripts/chaos checks later). With chaos_report true: read it.
  std::string run_state;
  // The chaos report (chaos_run.h) instead of a run.
  bool chaos_report = false;
  std::string faults_log;        // scripts/chaos's faults file
  int worker_max_in_flight = 1;  // --chaos-report: the workers' --max-in-flight
  std::string pg_url;            // the orchestrator's database (run: payment / opt-out commits)
  // Whether scripts/demo started Blend's dial-time check ("on", "off"); only reported.
  std::string dial_check;
};

// The demo's population for `campaign` (payments fall within twice its longest wait).
PopulationOptions DemoPopulation(const DemoOptions& options, const DemoCampaign& campaign);

// 0 when the run finished and every invariant held (or, with run_state, when the state was
// written); 1 on a violated invariant; 2 when the cluster could not be used (the message says
// why). With chaos_report: RunChaosReport.
int RunDemo(const DemoOptions& options);

}  // namespace blend::demo
