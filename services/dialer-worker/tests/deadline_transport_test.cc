#include "blend/dialer_worker/deadline_transport.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "blend/genesys/error.h"

namespace blend::dialer_worker {
namespace {

using genesys::HttpRequest;
using genesys::HttpResponse;

// Answers 200 at once, or (hang = true) only when released. Records each request's timeout.
class FakeTransport final : public genesys::HttpTransport {
 public:
  explicit FakeTransport(bool hang) : hang_(hang) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    {
      absl::MutexLock lock(&mu_);
      timeouts_.push_back(request.timeout);
    }
    if (hang_) {
      if (!received_.HasBeenNotified()) received_.Notify();
      release_.WaitForNotification();
    }
    HttpResponse r;
    r.status = 200;
    r.body = "{}";
    return r;
  }
  std::vector<absl::Duration> timeouts() {
    absl::MutexLock lock(&mu_);
    return timeouts_;
  }
  absl::Notification received_;
  absl::Notification release_;

 private:
  const bool hang_;
  absl::Mutex mu_;
  std::vector<absl::Duration> timeouts_;
};

HttpRequest Request(absl::Duration timeout) {
  HttpRequest r;
  r.url = "http://genesys.test/api/v2/outbound/dnclists/l/phonenumbers";
  r.timeout = timeout;
  return r;
}

TEST(DeadlineTransportTest, WithoutADeadlineItForwardsUnchanged) {
  FakeClock clock;
  auto inner = std::make_shared<FakeTransport>(false);
  DeadlineTransport t(inner, clock);
  auto r = t.Send(Request(absl::Seconds(10)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(inner->timeouts(), std::vector<absl::Duration>{absl::Seconds(10)});
  EXPECT_FALSE(t.Expired());
}

TEST(DeadlineTransportTest, ARequestBeforeTheDeadlineGetsAtMostTheTimeLeft) {
  FakeClock clock;
  auto inner = std::make_shared<FakeTransport>(false);
  DeadlineTransport t(inner, clock);
  t.SetDeadline(clock.Now() + absl::Seconds(3));
  t.SetDeadline(clock.Now() + absl::Seconds(10));  // a later one does not extend it
  ASSERT_TRUE(t.Send(Request(absl::Seconds(10))).ok());
  ASSERT_TRUE(t.Send(Request(absl::ZeroDuration())).ok());  // the transport's default
  ASSERT_TRUE(t.Send(Request(absl::Seconds(1))).ok());
  EXPECT_EQ(inner->timeouts(),
            (std::vector<absl::Duration>{absl::Seconds(3), absl::Seconds(3), absl::Seconds(1)}));
}

TEST(DeadlineTransportTest, AfterTheDeadlineNothingIsSent) {
  FakeClock clock;
  auto inner = std::make_shared<FakeTransport>(false);
  DeadlineTransport t(inner, clock);
  t.SetDeadline(clock.Now() + absl::Seconds(5));
  clock.Advance(absl::Seconds(5));
  EXPECT_TRUE(t.Expired());
  auto r = t.Send(Request(absl::Seconds(10)));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  auto err = genesys::GetGenesysError(r.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->transport_error, "shutdown");
  EXPECT_FALSE(err->outcome_unknown) << "never sent";
  EXPECT_TRUE(inner->timeouts().empty());
}

TEST(DeadlineTransportTest, ARequestHangingWhenTheDeadlinePassesIsGivenUpOnAtOnce) {
  FakeClock clock;
  auto inner = std::make_shared<FakeTransport>(true);
  auto t = std::make_unique<DeadlineTransport>(inner, clock);
  absl::StatusOr<HttpResponse> result = absl::UnknownError("not returned");
  std::thread caller([&] { result = t->Send(Request(absl::Seconds(25))); });
  inner->received_.WaitForNotification();
  t->SetDeadline(clock.Now());  // shutdown bound reached while the exchange hangs
  caller.join();                // returns although the exchange has not
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  auto err = genesys::GetGenesysError(result.status());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->transport_error, "shutdown");
  EXPECT_TRUE(err->outcome_unknown) << "it may still reach Genesys";
  EXPECT_EQ(t->abandoned_in_flight(), 1);
  inner->release_.Notify();  // the exchange ends on its own thread (a synchronisation wait)
  for (int i = 0; i < 5000 && t->abandoned_in_flight() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(t->abandoned_in_flight(), 0);
}

}  // namespace
}  // namespace blend::dialer_worker
