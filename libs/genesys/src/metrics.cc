#include "blend/genesys/metrics.h"

#include <string>

#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace blend::genesys {
namespace {

// Genesys answers in tens to hundreds of milliseconds; the tail up to the 10 s timeout.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

}  // namespace

PrometheusRequestObserver::PrometheusRequestObserver(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("blend_genesys_requests_total")
                    .Help("HTTP requests to Genesys Cloud by client endpoint and HTTP status "
                          "(or transport error)")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("blend_genesys_request_duration_seconds")
                   .Help("Latency of HTTP requests to Genesys Cloud by client endpoint")
                   .Register(registry)) {}

void PrometheusRequestObserver::OnRequest(const RequestRecord& record) {
  // Family::Add is thread-safe and returns the existing child for known labels.
  requests_
      .Add({{"endpoint", std::string(record.endpoint)}, {"status", std::string(record.status)}})
      .Increment();
  latency_.Add({{"endpoint", std::string(record.endpoint)}}, kLatencyBuckets)
      .Observe(absl::ToDoubleSeconds(record.latency));
}

}  // namespace blend::genesys
