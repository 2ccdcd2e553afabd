#include "blend/orchestrator/metrics.h"

#include "blend/consent/consent.h"

namespace blend::orchestrator {
namespace {

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace

Metrics::Metrics(prometheus::Registry& r)
    : started_(prometheus::BuildCounter()
                   .Name("blend_journeys_started_total")
                   .Help("Journeys started, by campaign")
                   .Register(r)),
      finished_(prometheus::BuildCounter()
                    .Name("blend_journeys_finished_total")
                    .Help("Journeys finished, by campaign and status")
                    .Register(r)),
      touches_(prometheus::BuildCounter()
                   .Name("blend_touches_emitted_total")
                   .Help("Touch commands committed to the outbox, by channel")
                   .Register(r)),
      conversions_(prometheus::BuildCounter()
                       .Name("blend_conversions_total")
                       .Help("Goal events (e.g. payments) by channel and campaign of the touch "
                             "they were attributed to (\"none\": no touch within the window)")
                       .Register(r)),
      time_to_conversion_(prometheus::BuildHistogram()
                              .Name("blend_time_to_conversion_seconds")
                              .Help("Attributed touch to goal event, by channel")
                              .Register(r)),
      apply_(prometheus::BuildHistogram()
                 .Name("blend_trigger_apply_seconds")
                 .Help("Time to apply one trigger (lock, step, write, commit), by trigger kind")
                 .Register(r)),
      timer_lateness_(prometheus::BuildHistogram()
                          .Name("blend_timer_lateness_seconds")
                          .Help("Fire time minus due time of durable timers")
                          .Register(r)
                          .Add({}, LatencyBuckets())),
      publish_latency_(prometheus::BuildHistogram()
                           .Name("blend_outbox_publish_latency_seconds")
                           .Help("Outbox row creation to broker acknowledgement")
                           .Register(r)
                           .Add({}, LatencyBuckets())),
      publish_failed_(prometheus::BuildCounter()
                          .Name("blend_outbox_publish_failed_total")
                          .Help("Outbox row publications that failed (retried, or "
                                "dead-lettered when Kafka rejects the record)")
                          .Register(r)
                          .Add({})),
      outbox_dead_(prometheus::BuildCounter()
                       .Name("blend_outbox_dead_lettered_total")
                       .Help("Outbox rows moved to outbox_dead_letters (rejected by Kafka or "
                             "out of attempts), by topic: their journeys wait for a touch "
                             "that will not come")
                       .Register(r)),
      dlq_(prometheus::BuildCounter()
               .Name("blend_orchestrator_dead_lettered_total")
               .Help("Consumed messages sent to a dead-letter topic, by source topic")
               .Register(r)),
      claims_(prometheus::BuildCounter()
                  .Name("blend_touch_claims_total")
                  .Help("ClaimTouch decisions")
                  .Register(r)),
      withdrawals_(prometheus::BuildCounter()
                       .Name("blend_touch_withdrawals_total")
                       .Help("Withdrawals of queued voice contacts from the dialer, by channel "
                             "and result (orchestrator: requested)")
                       .Register(r)),
      consumed_(prometheus::BuildCounter()
                    .Name("blend_orchestrator_messages_total")
                    .Help("Consumed bus messages by topic and result")
                    .Register(r)),
      suppressions_(prometheus::BuildCounter()
                        .Name("blend_consent_suppressions_total")
                        .Help("Suppressions recorded on the consent record, by reason")
                        .Register(r)),
      outbox_backlog_(prometheus::BuildGauge()
                          .Name("blend_outbox_backlog")
                          .Help("Outbox rows not yet published")
                          .Register(r)
                          .Add({})),
      due_timers_(prometheus::BuildGauge()
                      .Name("blend_timers_due")
                      .Help("Timers due now and not yet fired")
                      .Register(r)
                      .Add({})),
      running_(prometheus::BuildGauge()
                   .Name("blend_journeys_running")
                   .Help("Running journeys by campaign and current state")
                   .Register(r)) {
  // The dashboard shows withdrawals from the first scrape: zero is an answer, no data is not.
  withdrawals_.Add({{"channel", "voice"}, {"result", "requested"}});
  for (consent::Reason reason :
       {consent::Reason::kOptOut, consent::Reason::kDnc, consent::Reason::kLegalHold,
        consent::Reason::kBankruptcy, consent::Reason::kDeceased, consent::Reason::kCrm}) {
    suppressions_.Add({{"reason", std::string(consent::ReasonName(reason))}});
  }
}

void Metrics::JourneyStarted(const std::string& campaign) {
  started_.Add({{"campaign", campaign}}).Increment();
}
void Metrics::JourneyFinished(const std::string& campaign, const std::string& status) {
  finished_.Add({{"campaign", campaign}, {"status", status}}).Increment();
}
void Metrics::TouchEmitted(const std::string& channel) {
  touches_.Add({{"channel", channel}}).Increment();
}
void Metrics::Conversion(const std::string& channel, const std::string& campaign,
                         std::optional<double> seconds) {
  conversions_.Add({{"channel", channel}, {"campaign", campaign}}).Increment();
  if (!seconds) return;
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      60,    300,       900,       3600,      4 * 3600,   12 * 3600,
      86400, 2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400};
  time_to_conversion_.Add({{"channel", channel}}, kBuckets).Observe(*seconds);
}
void Metrics::TriggerApplied(const std::string& trigger, double seconds) {
  apply_.Add({{"trigger", trigger}}, LatencyBuckets()).Observe(seconds);
}
void Metrics::TimerLateness(double seconds) { timer_lateness_.Observe(seconds); }
void Metrics::OutboxPublished(double latency_seconds) { publish_latency_.Observe(latency_seconds); }
void Metrics::OutboxPublishFailed() { publish_failed_.Increment(); }
void Metrics::OutboxDeadLettered(const std::string& topic) {
  outbox_dead_.Add({{"topic", topic}}).Increment();
}
void Metrics::DeadLettered(const std::string& topic) { dlq_.Add({{"topic", topic}}).Increment(); }
void Metrics::ClaimDecision(const std::string& decision) {
  claims_.Add({{"decision", decision}}).Increment();
}
void Metrics::TouchWithdrawal(const std::string& channel, const std::string& result) {
  withdrawals_.Add({{"channel", channel}, {"result", result}}).Increment();
}
void Metrics::MessageConsumed(const std::string& topic, const std::string& result) {
  consumed_.Add({{"topic", topic}, {"result", result}}).Increment();
}
void Metrics::SuppressionRecorded(const std::string& reason) {
  suppressions_.Add({{"reason", reason}}).Increment();
}
void Metrics::SetOutboxBacklog(double rows) { outbox_backlog_.Set(rows); }
void Metrics::SetDueTimers(double rows) { due_timers_.Set(rows); }

void Metrics::SetRunning(const std::map<std::pair<std::string, std::string>, double>& counts) {
  std::lock_guard<std::mutex> lock(running_mu_);
  for (const auto& key : running_seen_) {
    if (!counts.contains(key))
      running_.Add({{"campaign", key.first}, {"state", key.second}}).Set(0);
  }
  for (const auto& [key, n] : counts) {
    running_.Add({{"campaign", key.first}, {"state", key.second}}).Set(n);
    running_seen_.insert(key);
  }
}

}  // namespace blend::orchestrator
