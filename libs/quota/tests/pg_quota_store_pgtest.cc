// PgQuotaStore against the real PostgreSQL server named by BLEND_PG_URL.
#include <thread>

#include <gtest/gtest.h>

#include "blend/quota/quota_governor.h"
#include "blend/quota/quota_store.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"

namespace blend::quota {
namespace {

class PgQuotaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::CreateFromEnv();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto pool = store::ConnectionPool::Create(db_->url(), 6);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    auto migrations = store::BlendMigrations();
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(store::Migrate(*pool_, *migrations).ok());
  }

  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::ConnectionPool> pool_;
};

TEST_F(PgQuotaStoreTest, LeasesRefillAndPauseThroughTheDatabase) {
  PgQuotaStore pg(*pool_);
  QuotaConfig config{.requests_per_minute = 62, .burst = 2, .lease_ttl = absl::ZeroDuration()};
  absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  auto first = pg.Lease("genesys-a", config, 5, t0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->granted, 2);
  auto empty = pg.Lease("genesys-a", config, 5, t0);
  EXPECT_EQ(empty->granted, 0);
  EXPECT_EQ(empty->retry_at, t0 + absl::Seconds(1));
  EXPECT_EQ(pg.Lease("genesys-a", config, 5, t0 + absl::Seconds(1))->granted, 1);
  EXPECT_EQ(pg.Lease("genesys-b", config, 5, t0)->granted, 2);  // buckets are per name

  ASSERT_TRUE(
      pg.PauseUntil("genesys-a", config, t0 + absl::Seconds(60), t0 + absl::Seconds(2)).ok());
  auto paused = pg.Lease("genesys-a", config, 1, t0 + absl::Seconds(30));
  EXPECT_EQ(paused->granted, 0);
  EXPECT_EQ(paused->retry_at, t0 + absl::Seconds(60));
  EXPECT_EQ(pg.Lease("genesys-a", config, 1, t0 + absl::Seconds(60))->granted, 1);
}

TEST_F(PgQuotaStoreTest, ConcurrentReplicasNeverExceedTheBucket) {
  // Four "replicas" on their own connections hammer one bucket for one simulated minute; the
  // row lock must keep the total at what the bucket allows.
  PgQuotaStore pg(*pool_);
  QuotaConfig config{.requests_per_minute = 120, .burst = 3, .lease_ttl = absl::ZeroDuration()};
  absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  std::atomic<int> granted{0};
  std::vector<std::thread> replicas;
  for (int r = 0; r < 4; ++r) {
    replicas.emplace_back([&, r] {
      for (int step = 0; step < 240; ++step) {  // 60 s in 250 ms steps
        absl::Time now = t0 + absl::Milliseconds(250 * step + r);
        auto lease = pg.Lease("shared", config, 3, now);
        ASSERT_TRUE(lease.ok()) << lease.status();
        granted += lease->granted;
      }
    });
  }
  for (auto& t : replicas) t.join();
  // capacity 3 + 60 s * (117 / 60) tokens/s = 120.
  EXPECT_LE(granted.load(), 120);
  EXPECT_GE(granted.load(), 114);
}

}  // namespace
}  // namespace blend::quota
