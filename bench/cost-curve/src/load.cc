#include "blend/cost_curve/load.h"

#include <algorithm>
#include <iostream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace blend::cost_curve {

StartStats StartJourneys(v1::JourneyService::Stub& stub,
                         const std::function<v1::StartJourneyRequest(int64_t)>& make_row,
                         int64_t from, int64_t to, int64_t rows_per_stream,
                         std::atomic<int64_t>* answered) {
  StartStats stats;
  const absl::Time t0 = absl::Now();
  for (int64_t begin = from; begin < to; begin += rows_per_stream) {
    const int64_t end = std::min(to, begin + rows_per_stream);
    grpc::ClientContext ctx;
    auto stream = stub.StartJourneys(&ctx);
    // Answers are read while rows are written: the server answers per batch as it commits.
    std::thread reader([&] {
      v1::StartJourneyResult r;
      while (stream->Read(&r)) {
        if (r.accepted()) {
          ++stats.accepted;
          if (answered != nullptr) answered->fetch_add(1);
        } else {
          if (stats.rejected++ == 0) stats.first_reject = r.reason();
        }
      }
    });
    for (int64_t i = begin; i < end; ++i) {
      if (!stream->Write(make_row(i))) break;
    }
    stream->WritesDone();
    reader.join();
    const grpc::Status s = stream->Finish();
    if (!s.ok()) {
      std::cerr << "StartJourneys stream [" << begin << ", " << end
                << ") ended: " << s.error_message() << "\n";
    }
  }
  stats.elapsed = absl::Now() - t0;
  return stats;
}

PaymentSender::PaymentSender(std::shared_ptr<v1::JourneyService::Stub> stub,
                             std::string event_prefix, std::function<std::string()> pick,
                             double rate_per_s, int threads)
    : stub_(std::move(stub)), event_prefix_(std::move(event_prefix)), pick_(std::move(pick)) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i, threads, rate = rate_per_s / threads] {
      // Threads start staggered across one period, so events leave evenly spaced.
      absl::SleepFor(absl::Seconds(1.0 / rate) * i / threads);
      Run(rate);
    });
  }
}

PaymentSender::~PaymentSender() { Stop(); }

std::vector<double> PaymentSender::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return latencies_ms_;
}

void PaymentSender::Run(double rate_per_s) {
  // Each thread keeps its own schedule; a slow answer delays that thread's next events (whose
  // latency is timed from their actual send), the other threads keep the pace.
  const absl::Duration period = absl::Seconds(1.0 / rate_per_s);
  absl::Time next = absl::Now();
  while (!stop_) {
    const absl::Time now = absl::Now();
    if (now < next) {
      absl::SleepFor(std::min(next - now, absl::Milliseconds(50)));
      continue;
    }
    next += period;
    std::string customer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      customer = pick_();
    }
    if (customer.empty()) continue;
    v1::SendCustomerEventRequest req;
    auto* e = req.mutable_event();
    e->set_event_id(absl::StrCat(event_prefix_, "-", seq_.fetch_add(1)));
    e->set_customer_id(customer);
    e->set_type("payment.received");
    v1::SendCustomerEventResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    const absl::Time t0 = absl::Now();
    const grpc::Status s = stub_->SendCustomerEvent(&ctx, req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    ++sent_;
    if (!s.ok()) {
      ++errors_;
    } else if (resp.journeys_matched() != 1) {
      ++unmatched_;
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      latencies_ms_.push_back(ms);
    }
  }
}

}  // namespace blend::cost_curve
