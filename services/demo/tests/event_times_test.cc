#include "blend/demo/event_times.h"

#include <gtest/gtest.h>

namespace blend::demo {
namespace {

// The orchestrator applies an event id once, ever: a second demo on the same database reused
// "payment-<customer>", every payment was dropped as a duplicate of the first run's, and 84
// customers were called after "paying". The run is part of the id.
TEST(PaymentEventIdTest, NamesTheRunSoASecondDemoOnTheSameDatabaseIsNotADuplicate) {
  EXPECT_NE(PaymentEventId("cust-42-00027", "20261202T054439"),
            PaymentEventId("cust-42-00027", "20261202T054545"));
  EXPECT_EQ(PaymentEventId("cust-42-00027", "20261202T054439"),
            "payment-cust-42-00027@20261202T054439");
}

TEST(PaymentEventIdTest, OnlyThisRunsPaymentsAreReadBack) {
  const std::string mine = "customer-event:" + PaymentEventId("cust-7", "run-b");
  const std::string earlier = "customer-event:" + PaymentEventId("cust-7", "run-a");
  EXPECT_EQ(PaymentCustomer(mine, "run-b"), "cust-7");
  EXPECT_EQ(PaymentCustomer(earlier, "run-b"), "");
  EXPECT_EQ(PaymentCustomer(earlier, ""), "cust-7");                          // any run
  EXPECT_EQ(PaymentCustomer("customer-event:payment-cust-7", ""), "cust-7");  // no run named
  EXPECT_EQ(PaymentCustomer("customer-event:opt-out-cust-7", ""), "");
}

}  // namespace
}  // namespace blend::demo
