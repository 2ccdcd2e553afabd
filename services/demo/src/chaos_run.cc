#include "blend/demo/chaos_run.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "blend/demo/chaos_report.h"
#include "blend/demo/chaos_sources.h"
#include "blend/demo/event_times.h"
#include "blend/demo/fault_log.h"
#include "blend/demo/run_state.h"
#include "blend/demo/sim_admin.h"

namespace blend::demo {
namespace {

int Fail(const std::string& what) {
  std::cerr << "blend-demo --chaos-report: " << what << std::endl;
  return 2;
}

absl::StatusOr<std::vector<FaultEvent>> ReadFaults(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read the faults file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseFaultLog(text.str());
}

// Fills everything that comes from the simulator.
absl::Status ReadSim(const std::string& sim_url, ChaosInputs& in) {
  SimAdmin sim(sim_url);
  auto audit = sim.Audit();
  if (!audit.ok()) return audit.status();
  in.demo.audit = std::move(*audit);
  auto opt_outs = sim.OptOutEvents();
  if (!opt_outs.ok()) return opt_outs.status();
  in.demo.opt_outs = std::move(*opt_outs);
  auto calls = sim.Calls();
  if (!calls.ok()) return calls.status();
  in.demo.calls = std::move(*calls);
  auto injected = sim.FaultsInjected();
  if (!injected.ok()) return injected.status();
  in.sim_injected = std::move(*injected);
  return absl::OkStatus();
}

}  // namespace

int RunChaosReport(const DemoOptions& o) {
  if (o.run_state.empty() || o.faults_log.empty() || o.pg_url.empty()) {
    return Fail("--run-state, --faults-log and --pg-url are required");
  }
  auto campaign = LoadCampaignFile(o.campaign_file, o.time_scale);
  if (!campaign.ok()) return Fail(std::string(campaign.status().message()));
  auto state = ReadRunState(o.run_state);
  if (!state.ok()) return Fail(std::string(state.status().message()));
  auto faults = ReadFaults(o.faults_log);
  if (!faults.ok()) return Fail(std::string(faults.status().message()));

  ChaosInputs in;
  in.demo.customers = GeneratePopulation(DemoPopulation(o, *campaign));
  in.demo.windows = CallingWindows(campaign->policies_json);
  in.demo.journey_of_customer = state->journey_of_customer;
  in.demo.rejected = state->rejected;
  in.not_started = state->not_started;
  in.faults = std::move(*faults);
  in.worker_in_flight = o.worker_max_in_flight;
  if (absl::Status s = ReadSim(o.sim_url, in); !s.ok()) return Fail(std::string(s.message()));
  auto db = ReadDatabase(o.pg_url);
  if (!db.ok()) return Fail(std::string(db.status().message()));
  in.now = absl::Now();
  in.demo.end = in.now;
  in.demo.elapsed_seconds = absl::ToDoubleSeconds(in.now - state->started);
  // A payment counts from the moment the orchestrator committed it: an attempt whose answer
  // was lost (a replica died) may have committed before the acknowledged retry.
  in.demo.payments = state->payments;
  for (const auto& [customer, committed] : db->payment_commits) {
    Payment& p = in.demo.payments[customer];
    p.acknowledged = committed;
    p.journeys_matched = std::max(p.journeys_matched, 1);
  }
  // Opt-out commits and touch outcomes for the calls-after-payment check (call_race.h).
  auto event_times = ReadEventTimes(o.pg_url, /*run_id=*/"");  // a chaos cluster holds one run
  if (!event_times.ok()) return Fail(std::string(event_times.status().message()));
  in.demo.db = std::move(*event_times);
  in.journeys = std::move(db->journeys);
  in.touches = std::move(db->touches);
  in.timers = std::move(db->timers);
  in.ledger = std::move(db->ledger);

  ChaosReport report = ComputeChaosReport(in);
  std::cout << "\n== summary (from genesys-sim's audit and PostgreSQL) ==\n" << report.ToText();
  if (!state->payments_not_sent.empty() || !state->not_started.empty()) {
    std::cout << "(the run gave up on " << state->payments_not_sent.size() << " payments and "
              << state->not_started.size() << " starts: the orchestrator did not answer)\n";
  }
  if (!o.summary_json.empty()) {
    nlohmann::json j = report.ToJson();
    j["customers"] = o.population.customers;
    j["seed"] = o.population.seed;
    j["payments_not_sent"] = state->payments_not_sent;
    std::ofstream(o.summary_json) << j.dump(2) << "\n";
    std::cout << "summary written to " << o.summary_json << std::endl;
  }
  return report.Clean() ? 0 : 1;
}

}  // namespace blend::demo
