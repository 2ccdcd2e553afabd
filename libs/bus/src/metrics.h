#pragma once

#include <string_view>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace blend::bus {

// The bus's counters, labelled by topic. Every method is a no-op without a registry.
// Thread-safe (prometheus-cpp families and counters are).
class BusMetrics {
 public:
  explicit BusMetrics(prometheus::Registry* registry);

  void Produced(std::string_view topic);
  void ProduceFailed(std::string_view topic);
  void Consumed(std::string_view topic);
  void DeadLettered(std::string_view dlq_topic);

 private:
  prometheus::Family<prometheus::Counter>* produced_ = nullptr;
  prometheus::Family<prometheus::Counter>* produce_failed_ = nullptr;
  prometheus::Family<prometheus::Counter>* consumed_ = nullptr;
  prometheus::Family<prometheus::Counter>* dead_lettered_ = nullptr;
};

}  // namespace blend::bus
