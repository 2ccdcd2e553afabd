#include "metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace blend::store::internal {
namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreMetrics>> StoreMetrics::Create(prometheus::Registry& registry,
                                                                   const std::string& pool) {
  auto m = std::make_unique<StoreMetrics>();
  m->pool = pool;
  const prometheus::Labels labels{{"pool", pool}};
  // prometheus-cpp throws on a name registered with another type or invalid labels.
  try {
    m->in_use = &prometheus::BuildGauge()
                     .Name("blend_store_pool_connections_in_use")
                     .Help("PostgreSQL connections currently lent out by the pool")
                     .Register(registry)
                     .Add(labels);
    m->open = &prometheus::BuildGauge()
                   .Name("blend_store_pool_connections_open")
                   .Help("PostgreSQL connections open or being opened (idle + in use)")
                   .Register(registry)
                   .Add(labels);
    m->max = &prometheus::BuildGauge()
                  .Name("blend_store_pool_connections_max")
                  .Help("Configured size of the PostgreSQL connection pool")
                  .Register(registry)
                  .Add(labels);
    m->acquire_timeouts = &prometheus::BuildCounter()
                               .Name("blend_store_pool_acquire_timeouts_total")
                               .Help("Borrows that gave up because every connection was busy")
                               .Register(registry)
                               .Add(labels);
    m->replaced = &prometheus::BuildCounter()
                       .Name("blend_store_pool_connections_replaced_total")
                       .Help("Connections discarded because they were found broken")
                       .Register(registry)
                       .Add(labels);
    m->acquire_wait = &prometheus::BuildHistogram()
                           .Name("blend_store_pool_acquire_wait_seconds")
                           .Help("Time spent waiting for a free connection (incl. connecting)")
                           .Register(registry)
                           .Add(labels, LatencyBuckets());
    m->tx_duration = &prometheus::BuildHistogram()
                          .Name("blend_store_transaction_duration_seconds")
                          .Help("Duration of WithTransaction calls, retries included, by outcome")
                          .Register(registry);
    m->tx_retries = &prometheus::BuildCounter()
                         .Name("blend_store_transaction_retries_total")
                         .Help("Transactions re-run after a serialization failure or deadlock")
                         .Register(registry);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot register blend_store metrics for pool '", pool, "': ", e.what()));
  }
  return m;
}

void StoreMetrics::ObserveTransaction(const std::string& tx, const absl::Status& status,
                                      absl::Duration elapsed) {
  tx_duration
      ->Add({{"pool", pool}, {"tx", tx}, {"code", absl::StatusCodeToString(status.code())}},
            LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void StoreMetrics::CountRetry(const std::string& tx) {
  tx_retries->Add({{"pool", pool}, {"tx", tx}}).Increment();
}

}  // namespace blend::store::internal
