#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace blend::store::internal {

// The blend_store_* metrics of one pool (label pool=<name>) and of the transactions run on
// it. Prometheus metric objects are thread-safe.
struct StoreMetrics {
  static absl::StatusOr<std::unique_ptr<StoreMetrics>> Create(prometheus::Registry& registry,
                                                              const std::string& pool);

  void ObserveTransaction(const std::string& tx, const absl::Status& status,
                          absl::Duration elapsed);
  void CountRetry(const std::string& tx);

  std::string pool;
  prometheus::Gauge* in_use = nullptr;
  prometheus::Gauge* open = nullptr;
  prometheus::Gauge* max = nullptr;
  prometheus::Counter* acquire_timeouts = nullptr;
  prometheus::Counter* replaced = nullptr;
  prometheus::Histogram* acquire_wait = nullptr;
  prometheus::Family<prometheus::Histogram>* tx_duration = nullptr;
  prometheus::Family<prometheus::Counter>* tx_retries = nullptr;
};

}  // namespace blend::store::internal
