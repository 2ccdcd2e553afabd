// ReadEventTimes on a real PostgreSQL: a payment's and an opt-out's time is when their
// transaction committed, not the time the orchestrator wrote into the row. The orchestrator
// stamps a whole intake batch with the instant the batch began; a batch that waited on locks or
// a restarted server commits later, and a dial checked in between was allowed rightly.

#include "blend/demo/event_times.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"

namespace blend::demo {
namespace {

TEST(EventTimesPgTest, PaymentAndOptOutTimesAreTheirCommitsNotTheStampsInTheRows) {
  auto db = store::testing::TestDatabase::CreateFromEnv();
  ASSERT_TRUE(db.ok()) << db.status();
  {
    auto pool = store::ConnectionPool::Create((*db)->url(), 1);
    ASSERT_TRUE(pool.ok()) << pool.status();
    auto migrations = store::BlendMigrations();
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(store::Migrate(**pool, *migrations).ok());
  }
  const absl::Time before_commit = absl::Now();
  {
    pqxx::connection conn((*db)->url());
    pqxx::work tx(conn);
    // Both rows say an hour ago, as a batch that began then would.
    tx.exec(
        "INSERT INTO processed_messages (message_id, source, processed_at) VALUES "
        "('customer-event:payment-c1@run-1', 'customer-event', now() - interval '1 hour')");
    tx.exec(
        "INSERT INTO suppressions (channel, address, kind, source, recorded_at) VALUES "
        "(1, '+12015550100', 'opt_out', 'sms-keyword', now() - interval '1 hour')");
    tx.commit();
  }
  const absl::Time after_commit = absl::Now();

  auto times = ReadEventTimes((*db)->url(), "run-1", before_commit - absl::Hours(2));
  ASSERT_TRUE(times.ok()) << times.status();
  ASSERT_EQ(times->payment_commits.count("c1"), 1u);
  ASSERT_EQ(times->opt_out_commits.count("+12015550100"), 1u);
  // The server's clock is this machine's (loopback): allow a second of rounding either way.
  for (absl::Time t :
       {times->payment_commits.at("c1"), times->opt_out_commits.at("+12015550100")}) {
    EXPECT_GE(t, before_commit - absl::Seconds(1)) << absl::FormatTime(t);
    EXPECT_LE(t, after_commit + absl::Seconds(1)) << absl::FormatTime(t);
  }
}

}  // namespace
}  // namespace blend::demo
