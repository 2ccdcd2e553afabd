#include "blend/store/connection_pool.h"

#include <prometheus/registry.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metric_util.h"

namespace blend::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConnectionPoolCreateTest, RejectsBadUrl) {
  auto pool = ConnectionPool::Create("postgresql://u:hunter2@h:notaport/db?bogus_option=1", 2);
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pool.status().message(), Not(HasSubstr("hunter2")));
  EXPECT_EQ(ConnectionPool::Create("", 2).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectionPoolCreateTest, RejectsNonPositiveSize) {
  EXPECT_EQ(ConnectionPool::Create("postgresql://h/db", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConnectionPoolCreateTest, OpensNothingUntilUsed) {
  prometheus::Registry registry;
  PoolOptions options;
  options.size = 3;
  options.registry = &registry;
  auto pool = ConnectionPool::Create("postgresql://postgres@127.0.0.1:1/db", options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->open(), 0);
  EXPECT_EQ((*pool)->size(), 3);
}

TEST(ConnectionPoolCreateTest, TwoPoolsShareOneRegistry) {
  prometheus::Registry registry;
  EXPECT_TRUE(
      ConnectionPool::Create("postgresql://h/db", {.name = "a", .registry = &registry}).ok());
  EXPECT_TRUE(
      ConnectionPool::Create("postgresql://h/db", {.name = "b", .registry = &registry}).ok());
  // Same name twice: the metrics are shared, not an error.
  EXPECT_TRUE(
      ConnectionPool::Create("postgresql://h/db", {.name = "b", .registry = &registry}).ok());
  EXPECT_EQ(GaugeValue(registry, "blend_store_pool_connections_max", {{"pool", "a"}}), 8);
  EXPECT_EQ(GaugeValue(registry, "blend_store_pool_connections_in_use", {{"pool", "b"}}), 0);
}

}  // namespace
}  // namespace blend::store
