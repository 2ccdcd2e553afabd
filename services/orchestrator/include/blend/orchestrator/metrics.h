#pragma once

// The orchestrator's Prometheus metrics (names start with blend_). One instance per process,
// shared by every component; thread-safe (prometheus-cpp metrics are).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace blend::orchestrator {

class Metrics {
 public:
  explicit Metrics(prometheus::Registry& registry);

  void JourneyStarted(const std::string& campaign);
  void JourneyFinished(const std::string& campaign, const std::string& status);
  void TouchEmitted(const std::string& channel);
  // A goal event: channel/campaign of the touch it was attributed to ("none" when none);
  // `seconds` since that touch feeds blend_time_to_conversion_seconds.
  void Conversion(const std::string& channel, const std::string& campaign,
                  std::optional<double> seconds);
  void TriggerApplied(const std::string& trigger, double seconds);
  void TimerLateness(double seconds);
  void OutboxPublished(double latency_seconds);
  void OutboxPublishFailed();
  void OutboxDeadLettered(const std::string& topic);
  void DeadLettered(const std::string& topic);
  void ClaimDecision(const std::string& decision);
  // blend_touch_withdrawals_total{channel,result}: the orchestrator counts result="requested"
  // (a WithdrawTouch committed to the outbox); the dialer counts what became of it.
  void TouchWithdrawal(const std::string& channel, const std::string& result);
  void MessageConsumed(const std::string& topic, const std::string& result);
  // blend_consent_suppressions_total{reason}: suppressions recorded (or re-put) on the consent
  // record by any path (ConsentService, opt-out events, DNC / opt-out dispositions).
  void SuppressionRecorded(const std::string& reason);
  void SetOutboxBacklog(double rows);
  void SetDueTimers(double rows);
  // Replaces the running-journeys gauges: (campaign, state) -> count; pairs absent now go to 0.
  void SetRunning(const std::map<std::pair<std::string, std::string>, double>& counts);

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& finished_;
  prometheus::Family<prometheus::Counter>& touches_;
  prometheus::Family<prometheus::Counter>& conversions_;
  prometheus::Family<prometheus::Histogram>& time_to_conversion_;
  prometheus::Family<prometheus::Histogram>& apply_;
  prometheus::Histogram& timer_lateness_;
  prometheus::Histogram& publish_latency_;
  prometheus::Counter& publish_failed_;
  prometheus::Family<prometheus::Counter>& outbox_dead_;
  prometheus::Family<prometheus::Counter>& dlq_;
  prometheus::Family<prometheus::Counter>& claims_;
  prometheus::Family<prometheus::Counter>& withdrawals_;
  prometheus::Family<prometheus::Counter>& consumed_;
  prometheus::Family<prometheus::Counter>& suppressions_;
  prometheus::Gauge& outbox_backlog_;
  prometheus::Gauge& due_timers_;
  prometheus::Family<prometheus::Gauge>& running_;
  std::mutex running_mu_;
  std::set<std::pair<std::string, std::string>> running_seen_;
};

}  // namespace blend::orchestrator
