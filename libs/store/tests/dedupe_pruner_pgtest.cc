// DedupePruner against a real PostgreSQL with Blend's real schema, time from a FakeClock (no
// sleeps): only rows older than the retention go, in batches, oldest first, the excluded rows
// stay, and blend_dedupe_pruned_total counts what went.

#include "blend/store/dedupe_pruner.h"

#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "blend/store/migrations.h"
#include "gmock/gmock.h"
#include "metric_util.h"
#include "pg_test_util.h"

namespace blend::store {
namespace {

class DedupePrunerPgTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = MakePool();
    ASSERT_NE(pool_, nullptr);
    auto migrations = BlendMigrations();
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(Migrate(*pool_, *migrations).ok());
  }

  // `n` rows written `age` before the clock's now.
  void AddProcessed(int n, absl::Duration age, const std::string& source) {
    for (int i = 0; i < n; ++i) {
      Query(absl::StrCat("INSERT INTO processed_messages VALUES ('", source, "-", next_++, "', '",
                         source, "', '", Timestamp(clock_.Now() - age), "')"));
    }
  }
  void AddWebhookEvents(int n, absl::Duration age) {
    for (int i = 0; i < n; ++i) {
      Query(absl::StrCat("INSERT INTO dialer_webhook_events VALUES ('ev-", next_++,
                         "', 'post_contact', '", Timestamp(clock_.Now() - age), "')"));
    }
  }
  static std::string Timestamp(absl::Time t) {
    return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
  }
  double Pruned(const std::string& table) {
    const prometheus::ClientMetric* m =
        FindSample(registry_, "blend_dedupe_pruned_total", {{"table", table}});
    return m == nullptr ? -1 : m->counter.value;
  }

  FakeClock clock_;
  prometheus::Registry registry_;
  std::unique_ptr<ConnectionPool> pool_;
  int next_ = 0;
};

TEST_F(DedupePrunerPgTest, PrunesExpiredRowsInBatchesAndKeepsTheRest) {
  const absl::Duration day = absl::Hours(24);
  AddProcessed(5, 40 * day, "disposition");
  AddProcessed(2, 40 * day, "engagement-import");  // a permanent promise: excluded
  AddProcessed(3, 1 * day, "customer-event");
  AddWebhookEvents(3, 31 * day);
  AddWebhookEvents(2, 29 * day);
  DedupePruner pruner(*pool_, clock_,
                      {{"processed_messages", "processed_at", "source <> 'engagement-import'"},
                       {"dialer_webhook_events", "received_at", ""}},
                      {.retention = 30 * day, .batch = 2}, &registry_);

  EXPECT_EQ(pruner.PruneOnce().value(), 4);  // 2 + 2
  EXPECT_EQ(pruner.PruneOnce().value(), 3);  // 2 + 1
  EXPECT_EQ(pruner.PruneOnce().value(), 1);  // 1 + 0
  EXPECT_EQ(pruner.PruneOnce().value(), 0);  // nothing due: the loop sleeps
  EXPECT_EQ(Query("SELECT string_agg(source, ',' ORDER BY source) FROM processed_messages"),
            "customer-event,customer-event,customer-event,engagement-import,engagement-import");
  EXPECT_EQ(Query("SELECT count(*) FROM dialer_webhook_events"), "2");
  EXPECT_EQ(Pruned("processed_messages"), 5);
  EXPECT_EQ(Pruned("dialer_webhook_events"), 3);

  // Two days later the 29-day-old webhook rows have expired too.
  clock_.Advance(2 * day);
  EXPECT_EQ(pruner.PruneOnce().value(), 2);
  EXPECT_EQ(Query("SELECT count(*) FROM dialer_webhook_events"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM processed_messages"), "5");
  EXPECT_EQ(Pruned("dialer_webhook_events"), 5);
}

TEST_F(DedupePrunerPgTest, TheOldestGoFirst) {
  const absl::Duration day = absl::Hours(24);
  AddProcessed(1, 35 * day, "disposition");  // disposition-0
  AddProcessed(1, 50 * day, "disposition");  // disposition-1, the oldest
  DedupePruner pruner(*pool_, clock_, {{"processed_messages", "processed_at", ""}},
                      {.retention = 30 * day, .batch = 1}, nullptr);
  EXPECT_EQ(pruner.PruneOnce().value(), 1);
  EXPECT_EQ(Query("SELECT message_id FROM processed_messages"), "disposition-0");
}

}  // namespace
}  // namespace blend::store
