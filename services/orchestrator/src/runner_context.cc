// RunnerContext (runner_context.h): the transaction options and the after-commit metrics.

#include "blend/orchestrator/runner_context.h"

namespace blend::orchestrator {

void TxNotes::Flush(Metrics* metrics) const {
  if (metrics == nullptr) return;
  for (const auto& c : started) metrics->JourneyStarted(c);
  for (const auto& [c, s] : finished) metrics->JourneyFinished(c, s);
  for (const auto& ch : touches) metrics->TouchEmitted(ch);
  for (const auto& ch : withdrawals) metrics->TouchWithdrawal(ch, "requested");
  for (const auto& r : suppressions) metrics->SuppressionRecorded(r);
  for (const auto& c : conversions) {
    metrics->Conversion(c.channel, c.campaign, c.seconds_since_touch);
  }
  for (double l : timer_lateness) metrics->TimerLateness(l);
  for (const auto& d : claims) metrics->ClaimDecision(d);
}

store::TxOptions RunnerContext::OptionsFor(const TxSpec& spec) const {
  store::TxOptions opts;
  opts.name = spec.name;
  if (spec.read_only) {
    opts.read_only = true;
  } else if (spec.retry) {
    opts.max_attempts = options_.tx_attempts;
  }
  return opts;
}

void RunnerContext::Committed(const TxSpec& spec, const TxNotes& notes, absl::Time started) const {
  notes.Flush(metrics_);
  if (spec.timed) RecordTrigger(spec.name, started);
}

void RunnerContext::RecordTrigger(const std::string& name, absl::Time started) const {
  if (metrics_) metrics_->TriggerApplied(name, absl::ToDoubleSeconds(clock_.Now() - started));
}

}  // namespace blend::orchestrator
