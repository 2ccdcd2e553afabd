// blend-demo: drives one demo run of the blended collections campaign against a running
// cluster (scripts/demo starts the cluster, then runs this). Flags have BLEND_<FLAG> fallbacks.

#include <iostream>

#include <CLI/CLI.hpp>

#include "absl/strings/str_split.h"
#include "blend/common/flags_env.h"
#include "blend/demo/demo_run.h"

int main(int argc, char** argv) {
  CLI::App app{
      "blend-demo: runs the blended collections campaign (SMS, wait, call, email on no "
      "answer; payment exits; DNC and STOP honoured) for a generated population against "
      "a running Blend cluster and genesys-sim, with live progress and a checked summary. "
      "Exit 0: every invariant held; 1: an invariant was violated; 2: cluster unusable."};
  blend::demo::DemoOptions o;
  std::string metrics =
      "orchestrator=http://127.0.0.1:9400/metrics,sms-worker=http://127.0.0.1:9401/metrics,"
      "dialer-worker=http://127.0.0.1:9402/metrics,email-worker=http://127.0.0.1:9403/metrics";
  int64_t seed = static_cast<int64_t>(o.population.seed);
  blend::AddFlag(app, "orchestrator-addr", o.orchestrator_addr, "orchestrator gRPC host:port");
  blend::AddFlag(app, "sim-url", o.sim_url, "genesys-sim base URL (admin API /sim/...)");
  blend::AddFlag(app, "metrics-urls", metrics, "service=url,... of the services' /metrics");
  blend::AddFlag(app, "campaign-file", o.campaign_file, "campaign document (definition, policies)");
  blend::AddFlag(app, "time-scale", o.time_scale, "factor applied to every Wait's Seconds");
  blend::AddFlag(app, "customers", o.population.customers, "customers to start");
  blend::AddFlag(app, "seed", seed, "population seed (same seed, same customers)");
  blend::AddFlag(app, "dnc-share", o.population.dnc_share,
                 "share of customers on the Genesys DNC list");
  blend::AddFlag(app, "stop-share", o.population.stop_share, "share of customers who reply STOP");
  blend::AddFlag(app, "pay-share", o.population.pay_share,
                 "share of customers who pay during the run");
  blend::AddFlag(app, "quota-rpm", o.quota_rpm,
                 "the workers' Genesys quota, shown beside the request rate");
  blend::AddDurationFlag(app, "timeout", o.timeout, "stop waiting for journeys after this long");
  blend::AddDurationFlag(app, "progress-interval", o.progress_interval,
                         "time between progress lines");
  blend::AddFlag(app, "summary-json", o.summary_json,
                 "also write the summary as JSON to this file");
  blend::AddDurationFlag(
      app, "retry-for", o.retry_for,
      "send starts and payments the orchestrator did not answer again for this long");
  blend::AddFlag(app, "run-state", o.run_state,
                 "run: write the run's state here at the end instead of the summary; "
                 "--chaos-report: read it (scripts/chaos)");
  blend::AddSwitch(
      app, "chaos-report", o.chaos_report,
      "check a finished chaos run (--run-state, --faults-log, --pg-url, --sim-url and the "
      "run's --customers/--seed/--time-scale) instead of running; exit 0: every invariant held");
  blend::AddFlag(app, "faults-log", o.faults_log,
                 "--chaos-report: the faults file scripts/chaos wrote");
  blend::AddFlag(app, "worker-max-in-flight", o.worker_max_in_flight,
                 "--chaos-report: the workers' --max-in-flight (how many touches one worker fault "
                 "can leave in doubt)");
  blend::AddFlag(
      app, "pg-url", o.pg_url,
      "the orchestrator's PostgreSQL URL: run: when Blend committed each payment and opt-out "
      "and recorded each touch's outcome (the calls-after-payment check); --chaos-report: its "
      "inputs");
  blend::AddFlag(
      app, "dial-check", o.dial_check,
      "on|off: whether the cluster runs Blend's dial-time check (scripts/demo --dial-check); "
      "only reported in the summary");
  CLI11_PARSE(app, argc, argv);
  if (o.population.customers < 1) {
    std::cerr << "blend-demo: --customers must be at least 1\n";
    return 2;
  }
  if (!o.dial_check.empty() && o.dial_check != "on" && o.dial_check != "off") {
    std::cerr << "blend-demo: --dial-check must be on or off\n";
    return 2;
  }
  o.population.seed = static_cast<uint64_t>(seed);
  for (absl::string_view item : absl::StrSplit(metrics, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    o.metrics_urls[kv.first] = kv.second;
  }
  return blend::demo::RunDemo(o);
}
