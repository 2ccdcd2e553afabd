// PgTouchLedger against the real PostgreSQL server named by BLEND_PG_URL.
#include <gtest/gtest.h>

#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"
#include "blend/worker/touch_ledger.h"

namespace blend::worker {
namespace {

// A fresh migrated database per test.
class PgTouchLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::CreateFromEnv();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto pool = store::ConnectionPool::Create(db_->url(), 2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    auto migrations = store::BlendMigrations();
    ASSERT_TRUE(migrations.ok());
    ASSERT_TRUE(store::Migrate(*pool_, *migrations).ok());
    ledger_ = std::make_unique<PgTouchLedger>(*pool_);
  }

  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<PgTouchLedger> ledger_;
};

TEST_F(PgTouchLedgerTest, OnlyOneAttemptOwnsACallAndTheOutcomeIsKept) {
  PgTouchLedger& ledger = *ledger_;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_FALSE(*ledger.Find("t1"));
  EXPECT_TRUE(*ledger.BeginCall("t1", "CHANNEL_SMS", "w1", now));
  EXPECT_FALSE(*ledger.BeginCall("t1", "CHANNEL_SMS", "w2", now));  // second attempt refused
  auto calling = ledger.Find("t1");
  ASSERT_TRUE(calling.ok() && calling->has_value());
  EXPECT_EQ((*calling)->state, LedgerEntry::State::kCalling);

  ASSERT_TRUE(ledger.AbortCall("t1").ok());  // a 429: not accepted, may call again
  EXPECT_TRUE(*ledger.BeginCall("t1", "CHANNEL_SMS", "w2", now));

  v1::Disposition d;
  d.set_touch_id("t1");
  d.set_journey_id("j1");
  d.set_channel(v1::CHANNEL_SMS);
  d.set_outcome(v1::TOUCH_OUTCOME_SENT);
  (*d.mutable_provider_ids())["messageId"] = "m-1";
  ASSERT_TRUE(ledger.Complete(d, "w2", now).ok());
  ASSERT_TRUE(ledger.AbortCall("t1").ok());  // never removes a finished touch
  auto done = ledger.Find("t1");
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->state, LedgerEntry::State::kDone);
  EXPECT_EQ((*done)->disposition->SerializeAsString(), d.SerializeAsString());
  EXPECT_EQ((*done)->worker_id, "w2");
  EXPECT_EQ((*done)->started_at, now);
}

// Two replicas finished the same touch (one held it across a rebalance): the first
// disposition recorded is the one kept and the one both publish.
TEST_F(PgTouchLedgerTest, DoneIsFirstWriterWins) {
  PgTouchLedger& ledger = *ledger_;
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);

  ASSERT_TRUE(*ledger.BeginCall("t1", "CHANNEL_SMS", "w1", now));
  v1::Disposition sent;
  sent.set_touch_id("t1");
  sent.set_channel(v1::CHANNEL_SMS);
  sent.set_outcome(v1::TOUCH_OUTCOME_SENT);
  (*sent.mutable_provider_ids())["messageId"] = "m-1";
  auto first = ledger.Complete(sent, "w1", now);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome(), v1::TOUCH_OUTCOME_SENT);

  v1::Disposition unknown = sent;
  unknown.clear_provider_ids();
  unknown.set_outcome(v1::TOUCH_OUTCOME_UNKNOWN);
  auto second = ledger.Complete(unknown, "w2", now);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->SerializeAsString(), sent.SerializeAsString());
  auto kept = ledger.Find("t1");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->disposition->outcome(), v1::TOUCH_OUTCOME_SENT);
}

v1::Disposition Outcome(const std::string& touch_id, v1::TouchOutcome outcome) {
  v1::Disposition d;
  d.set_touch_id(touch_id);
  d.set_journey_id("j-" + touch_id);
  d.set_channel(v1::CHANNEL_SMS);
  d.set_outcome(outcome);
  return d;
}

TEST_F(PgTouchLedgerTest, BatchesAnswerEachRequestAsTheSingleCallWould) {
  PgTouchLedger& ledger = *ledger_;
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(*ledger.BeginCall("old", "CHANNEL_SMS", "w0", now));
  auto begun = ledger.BeginCalls({{"a", "CHANNEL_SMS", "w1", now},
                                  {"old", "CHANNEL_SMS", "w1", now},
                                  {"b", "CHANNEL_SMS", "w1", now},
                                  {"a", "CHANNEL_SMS", "w1", now}});
  ASSERT_EQ(begun.size(), 4u);
  EXPECT_TRUE(*begun[0]);
  EXPECT_FALSE(*begun[1]) << "another attempt owns it";
  EXPECT_TRUE(*begun[2]);
  EXPECT_FALSE(*begun[3]) << "one owner even within a batch";

  ASSERT_TRUE(ledger.Complete(Outcome("b", v1::TOUCH_OUTCOME_FAILED), "w9", now).ok());
  auto done = ledger.Completes({{Outcome("a", v1::TOUCH_OUTCOME_SENT), "w1", now},
                                {Outcome("b", v1::TOUCH_OUTCOME_SENT), "w1", now},
                                {Outcome("c", v1::TOUCH_OUTCOME_UNKNOWN), "w\"{1}\\", now},
                                {Outcome("a", v1::TOUCH_OUTCOME_UNKNOWN), "w1", now}});
  ASSERT_EQ(done.size(), 4u);
  for (const auto& d : done) ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(done[0]->outcome(), v1::TOUCH_OUTCOME_SENT);
  EXPECT_EQ(done[1]->outcome(), v1::TOUCH_OUTCOME_FAILED) << "first writer wins";
  EXPECT_EQ(done[2]->outcome(), v1::TOUCH_OUTCOME_UNKNOWN) << "inserted without BeginCall";
  EXPECT_EQ(done[3]->outcome(), v1::TOUCH_OUTCOME_SENT) << "the same touch twice: the first wins";
  auto c = ledger.Find("c");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->worker_id, "w\"{1}\\") << "quotes, braces and backslashes survive the arrays";
  auto found = ledger.Finds({"a", "nobody", "old"});
  ASSERT_EQ(found.size(), 3u);
  ASSERT_TRUE(found[0].ok() && found[0]->has_value());
  EXPECT_EQ((*found[0])->disposition->outcome(), v1::TOUCH_OUTCOME_SENT);
  ASSERT_TRUE(found[1].ok());
  EXPECT_FALSE(found[1]->has_value());
  ASSERT_TRUE(found[2].ok() && found[2]->has_value());
  EXPECT_EQ((*found[2])->state, LedgerEntry::State::kCalling);
  EXPECT_EQ((*found[2])->worker_id, "w0");
  auto a = ledger.Find("a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->state, LedgerEntry::State::kDone);
  EXPECT_EQ((*a)->disposition->outcome(), v1::TOUCH_OUTCOME_SENT);
}

}  // namespace
}  // namespace blend::worker
