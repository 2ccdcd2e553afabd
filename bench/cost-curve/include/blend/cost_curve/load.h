// Load generators of the cost-curve benchmarks, over the orchestrator's public gRPC API:
// journeys started through the StartJourneys stream (as `blendctl journey start-many` does) and
// payment customer events whose round trip is timed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "blend/v1/journey_service.grpc.pb.h"

namespace blend::cost_curve {

struct StartStats {
  int64_t accepted = 0;
  int64_t rejected = 0;
  std::string first_reject;
  absl::Duration elapsed;
};

// Starts journeys make_row(from) … make_row(to - 1), `rows_per_stream` rows per StartJourneys
// stream (a broken stream loses at most one stream's answers, as with start-many's --batch).
// `answered` (optional) counts accepted rows as their answers arrive: a row counted there is
// committed, so a concurrent payment may address it.
StartStats StartJourneys(v1::JourneyService::Stub& stub,
                         const std::function<v1::StartJourneyRequest(int64_t)>& make_row,
                         int64_t from, int64_t to, int64_t rows_per_stream,
                         std::atomic<int64_t>* answered = nullptr);

// Sends `payment.received` events (SendCustomerEvent) at about `rate_per_s` from `threads`
// threads, each to the customer `pick()` names, until Stop(). SendCustomerEvent applies the
// event before it answers (the journey's end is committed), so the client-side round trip is
// the payment -> journey ended time. Only events that matched exactly one journey count.
class PaymentSender {
 public:
  PaymentSender(std::shared_ptr<v1::JourneyService::Stub> stub, std::string event_prefix,
                std::function<std::string()> pick, double rate_per_s, int threads);
  ~PaymentSender();
  PaymentSender(const PaymentSender&) = delete;
  PaymentSender& operator=(const PaymentSender&) = delete;

  // Joins the threads; returns the round trips in milliseconds of the events that ended one
  // journey.
  std::vector<double> Stop();
  int64_t sent() const { return sent_; }
  int64_t errors() const { return errors_; }
  int64_t unmatched() const { return unmatched_; }

 private:
  void Run(double rate_per_s);

  std::shared_ptr<v1::JourneyService::Stub> stub_;
  std::string event_prefix_;
  std::function<std::string()> pick_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> sent_{0}, errors_{0}, unmatched_{0}, seq_{0};
  std::mutex mu_;
  std::vector<double> latencies_ms_;
  std::vector<std::thread> threads_;
};

}  // namespace blend::cost_curve
