#include "metrics.h"

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace blend::bus {
namespace {

prometheus::Family<prometheus::Counter>* Build(prometheus::Registry* registry,
                                               const std::string& name, const std::string& help) {
  if (registry == nullptr) return nullptr;
  // The registry merges families of the same name, so a producer and a consumer of one
  // process share these counters.
  return &prometheus::BuildCounter().Name(name).Help(help).Register(*registry);
}

void Count(prometheus::Family<prometheus::Counter>* family, std::string_view topic) {
  if (family != nullptr) family->Add({{"topic", std::string(topic)}}).Increment();
}

}  // namespace

BusMetrics::BusMetrics(prometheus::Registry* registry)
    : produced_(
          Build(registry, "blend_bus_produced_total", "Records acknowledged by Kafka, by topic.")),
      produce_failed_(Build(registry, "blend_bus_produce_failed_total",
                            "Records Kafka did not acknowledge (delivery failed), by topic.")),
      consumed_(Build(registry, "blend_bus_consumed_total",
                      "Records handed to the application by a consumer, by topic.")),
      dead_lettered_(Build(registry, "blend_bus_dead_lettered_total",
                           "Records published to a dead-letter topic, by dead-letter topic.")) {}

void BusMetrics::Produced(std::string_view topic) { Count(produced_, topic); }
void BusMetrics::ProduceFailed(std::string_view topic) { Count(produce_failed_, topic); }
void BusMetrics::Consumed(std::string_view topic) { Count(consumed_, topic); }
void BusMetrics::DeadLettered(std::string_view dlq_topic) { Count(dead_lettered_, dlq_topic); }

}  // namespace blend::bus
