#include "blend/quota/quota_governor.h"

#include <algorithm>

#include "blend/common/status_macros.h"

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace blend::quota {

struct QuotaGovernor::Metrics {
  prometheus::Counter* granted;
  prometheus::Counter* denied;
  prometheus::Counter* leases;
  prometheus::Counter* rate_limited;
  prometheus::Counter* given_back;
  prometheus::Gauge* local_tokens;
  prometheus::Gauge* paused_until;
};

QuotaGovernor::QuotaGovernor(QuotaStore& store, const Clock& clock, std::string name,
                             QuotaConfig config, prometheus::Registry* registry)
    : store_(store), clock_(clock), name_(std::move(name)), config_(config) {
  if (registry == nullptr) return;
  prometheus::Labels labels{{"quota", name_}};
  auto& decisions = prometheus::BuildCounter()
                        .Name("blend_quota_decisions_total")
                        .Help("Requests asking the quota for a token, by result")
                        .Register(*registry);
  metrics_ = std::make_unique<Metrics>(Metrics{
      &decisions.Add({{"quota", name_}, {"result", "granted"}}),
      &decisions.Add({{"quota", name_}, {"result", "wait"}}),
      &prometheus::BuildCounter()
           .Name("blend_quota_leases_total")
           .Help("Lease transactions against the shared quota store")
           .Register(*registry)
           .Add(labels),
      &prometheus::BuildCounter()
           .Name("blend_quota_rate_limited_total")
           .Help("429 responses that paused the quota")
           .Register(*registry)
           .Add(labels),
      &prometheus::BuildCounter()
           .Name("blend_quota_given_back_total")
           .Help("Tokens returned unused to the shared bucket (lease expired, request refused "
                 "before it went)")
           .Register(*registry)
           .Add(labels),
      &prometheus::BuildGauge()
           .Name("blend_quota_local_tokens")
           .Help("Tokens this replica holds")
           .Register(*registry)
           .Add(labels),
      &prometheus::BuildGauge()
           .Name("blend_quota_paused_until_seconds")
           .Help("Unix time until which the quota is paused by a 429")
           .Register(*registry)
           .Add(labels),
  });
  prometheus::BuildGauge()
      .Name("blend_quota_limit_per_minute")
      .Help("Configured requests per minute")
      .Register(*registry)
      .Add(labels)
      .Set(config_.requests_per_minute);
}

QuotaGovernor::~QuotaGovernor() = default;

absl::StatusOr<QuotaGovernor::Decision> QuotaGovernor::TryAcquire() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_.Now();
  if (now >= lease_expires_ && local_tokens_ > 0) {
    // Not used in time: back to the shared bucket for whichever replica needs them.
    if (absl::Status st = store_.GiveBack(name_, config_, local_tokens_, now); !st.ok()) {
      return st;
    }
    if (metrics_) metrics_->given_back->Increment(local_tokens_);
    local_tokens_ = 0;
  }
  if (local_tokens_ == 0 && now >= next_lease_) {
    const int wanted = std::clamp(config_.lease_size, 1, std::max(1, config_.burst));
    auto lease = store_.Lease(name_, config_, wanted, now);
    if (!lease.ok()) return lease.status();
    if (metrics_) metrics_->leases->Increment();
    local_tokens_ = lease->granted;
    lease_expires_ = now + config_.lease_ttl;
    next_lease_ = lease->granted > 0 ? now : lease->retry_at;
  }
  if (metrics_) metrics_->local_tokens->Set(local_tokens_);
  if (local_tokens_ == 0) {
    if (metrics_) metrics_->denied->Increment();
    return Decision{false, next_lease_};
  }
  --local_tokens_;
  if (metrics_) {
    metrics_->granted->Increment();
    metrics_->local_tokens->Set(local_tokens_);
  }
  return Decision{true, now};
}

absl::Status QuotaGovernor::Release() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  if (metrics_) metrics_->given_back->Increment();
  BLEND_RETURN_IF_ERROR(store_.GiveBack(name_, config_, 1, now));
  // The bucket holds a token again: ask at once rather than at the last denial's retry time
  // (during a 429 pause the store drops it and the next lease says how long to wait).
  next_lease_ = std::min(next_lease_, now);
  return absl::OkStatus();
}

absl::Status QuotaGovernor::OnRateLimited(absl::Duration retry_after) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_.Now();
  absl::Time until = now + retry_after;
  local_tokens_ = 0;
  next_lease_ = std::max(next_lease_, until);
  if (metrics_) {
    metrics_->rate_limited->Increment();
    metrics_->local_tokens->Set(0);
    metrics_->paused_until->Set(absl::ToDoubleSeconds(until - absl::UnixEpoch()));
  }
  return store_.PauseUntil(name_, config_, until, now);
}

}  // namespace blend::quota
