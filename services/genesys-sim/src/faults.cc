#include "blend/genesys_sim/faults.h"

#include "absl/strings/match.h"
#include "blend/genesys_sim/rate_limiter.h"

namespace blend::genesys_sim {
namespace {

// Adds `ratio` to `acc` and fires once it reaches a whole request.
bool Accumulate(double ratio, double& acc) {
  if (ratio <= 0) return false;
  acc += ratio;
  if (acc >= 1.0 - 1e-9) {
    acc -= 1.0;
    return true;
  }
  return false;
}

}  // namespace

std::string FaultDecision::Kinds() const {
  std::string out;
  auto add = [&out](bool on, const char* kind) {
    if (!on) return;
    if (!out.empty()) out += ',';
    out += kind;
  };
  add(latency > absl::ZeroDuration(), "latency");
  add(drop, "drop");
  add(storm_429, "storm_429");
  add(error_status != 0, "error_5xx");
  add(drop_after_handling, "accepted_drop");
  return out;
}

FaultInjector::FaultInjector(const Clock& clock, const FaultConfig& config) : clock_(clock) {
  Set(config);
}

void FaultInjector::Set(const FaultConfig& config) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  config_ = config;
  storm_until_ = config.storm_429_for > absl::ZeroDuration() ? now + config.storm_429_for
                                                             : absl::InfinitePast();
  error_acc_ = 0;
  drop_acc_ = 0;
  latency_acc_ = 0;
  accepted_drop_acc_ = 0;
}

FaultConfig FaultInjector::Get() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

absl::Time FaultInjector::storm_until() const {
  absl::MutexLock lock(&mu_);
  return storm_until_;
}

std::map<std::string, int64_t> FaultInjector::Counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

FaultDecision FaultInjector::Decide(const std::string& path, const std::string& method) {
  FaultDecision d;
  if (absl::StartsWith(path, "/sim/") || path == "/healthz") return d;
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (!absl::StartsWith(path, config_.path_prefix)) return d;
  // A method filter leaves the other requests to the same path alone (e.g. fail only the
  // DELETE of a contact, not the GET before it).
  if (!config_.method.empty() && !method.empty() &&
      !absl::EqualsIgnoreCase(method, config_.method)) {
    return d;
  }
  if (config_.latency > absl::ZeroDuration() && Accumulate(config_.latency_ratio, latency_acc_)) {
    d.latency = config_.latency;
    ++counts_["latency"];
  }
  if (Accumulate(config_.drop_ratio, drop_acc_)) {
    d.drop = true;
    ++counts_["drop"];
    return d;
  }
  if (now < storm_until_) {
    d.storm_429 = true;
    d.retry_after_seconds = CeilSeconds(storm_until_ - now, 1);
    ++counts_["storm_429"];
    return d;
  }
  if (Accumulate(config_.error_ratio, error_acc_)) {
    d.error_status = config_.error_status;
    ++counts_["error_5xx"];
    return d;
  }
  // Only requests that would otherwise succeed lose their answer: the in-doubt case.
  if (Accumulate(config_.accepted_drop_ratio, accepted_drop_acc_)) {
    d.drop_after_handling = true;
    ++counts_["accepted_drop"];
  }
  return d;
}

}  // namespace blend::genesys_sim
