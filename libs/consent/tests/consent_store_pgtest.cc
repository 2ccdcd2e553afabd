// The consent record in a real PostgreSQL (BLEND_PG_URL): migration 0017 carries the old
// suppressions over, puts are idempotent, removals are recorded, expiry and removal are
// honoured by the in-force lookup, the list pages newest first, and the DNC mirror helpers.

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "blend/consent/consent_store.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"
#include "blend/store/testing/test_database.h"
#include "blend/store/transaction.h"

namespace blend::consent::pg {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

class ConsentStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::testing::TestDatabase::CreateFromEnv();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto pool = store::ConnectionPool::Create(db_->url(), 2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    auto all = store::BlendMigrations();
    ASSERT_TRUE(all.ok()) << all.status();
    migrations_ = *all;
  }
  void MigrateUpTo(int64_t version) {
    std::vector<store::Migration> some;
    for (const auto& m : migrations_) {
      if (m.version <= version) some.push_back(m);
    }
    ASSERT_TRUE(store::Migrate(*pool_, some).ok());
  }
  template <typename Fn>
  auto Tx(Fn&& fn) {
    return store::WithTransaction(*pool_, [&](pqxx::work& tx) { return fn(tx); });
  }
  int64_t Count(const std::string& sql) {
    auto n = Tx(
        [&](pqxx::work& tx) -> absl::StatusOr<int64_t> { return tx.exec1(sql)[0].as<int64_t>(); });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  }
  static Record R(std::string customer, std::string address, Scope channel, Reason reason) {
    Record r;
    r.customer_id = std::move(customer);
    r.address = std::move(address);
    r.channel = channel;
    r.reason = reason;
    r.source = "test";
    return r;
  }

  std::unique_ptr<store::testing::TestDatabase> db_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::vector<store::Migration> migrations_;
};

TEST_F(ConsentStorePgTest, MigrationCarriesTheOldSuppressionsOver) {
  MigrateUpTo(16);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Count("WITH i AS (INSERT INTO suppressions (channel, address, kind, source, "
                  "customer_id, received_at) VALUES "
                  "(1, '+12125550100', 'opt_out', 'customer-event', 'cust-1', now()), "
                  "(2, '+12125550101', 'dnc', 'genesys_dnc_mirror', '', now()) RETURNING 1) "
                  "SELECT count(*) FROM i"),
            2);
  MigrateUpTo(17);
  ASSERT_FALSE(HasFatalFailure());
  auto found = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::vector<Record>> {
    return FindInForce(tx, {"cust-1"}, {"+12125550101"}, absl::Now());
  });
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 2u);
  for (const Record& r : *found) {
    EXPECT_FALSE(r.suppression_id.empty());
    EXPECT_FALSE(r.expires_at.has_value());
    if (r.customer_id == "cust-1") {
      EXPECT_EQ(r.channel, Scope::kSms);
      EXPECT_EQ(r.reason, Reason::kOptOut);
    } else {
      EXPECT_EQ(r.channel, Scope::kVoice);
      EXPECT_EQ(r.reason, Reason::kDnc);
    }
  }
}

TEST_F(ConsentStorePgTest, PutIsIdempotentAndKeepsIdAndFirstRecordedAt) {
  MigrateUpTo(1000);
  Record hold = R("cust-1", "", Scope::kAll, Reason::kLegalHold);
  auto first = Tx([&](pqxx::work& tx) -> absl::StatusOr<PutResult> { return Put(tx, hold, kNow); });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->record.recorded_at, kNow);
  hold.source = "crm:second";
  hold.note = "court order 42";
  hold.expires_at = kNow + absl::Hours(24);
  auto again = Tx([&](pqxx::work& tx) -> absl::StatusOr<PutResult> {
    return Put(tx, hold, kNow + absl::Minutes(5));
  });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->record.suppression_id, first->record.suppression_id);
  EXPECT_EQ(again->record.recorded_at, kNow);
  EXPECT_EQ(again->record.source, "crm:second");
  EXPECT_EQ(again->record.note, "court order 42");
  EXPECT_EQ(again->record.expires_at, kNow + absl::Hours(24));
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions"), 1);
  // Another reason for the same customer is another record.
  auto dnc = Tx([&](pqxx::work& tx) -> absl::StatusOr<PutResult> {
    return Put(tx, R("cust-1", "", Scope::kAll, Reason::kDeceased), kNow);
  });
  ASSERT_TRUE(dnc.ok());
  EXPECT_TRUE(dnc->created);
}

TEST_F(ConsentStorePgTest, ExpiredAndRemovedRecordsAreNotInForceAndRemovalIsRecorded) {
  MigrateUpTo(1000);
  Record expiring = R("cust-2", "", Scope::kEmail, Reason::kBankruptcy);
  expiring.expires_at = kNow + absl::Hours(1);
  Record opt_out = R("", "+12125550102", Scope::kSms, Reason::kOptOut);
  auto ids = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::pair<std::string, std::string>> {
    return std::make_pair(Put(tx, expiring, kNow).record.suppression_id,
                          Put(tx, opt_out, kNow).record.suppression_id);
  });
  ASSERT_TRUE(ids.ok()) << ids.status();
  auto in_force = [&](absl::Time at) {
    auto r = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::vector<Record>> {
      return FindInForce(tx, {"cust-2"}, {"+12125550102"}, at);
    });
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->size() : 99u;
  };
  EXPECT_EQ(in_force(kNow), 2u);
  EXPECT_EQ(in_force(kNow + absl::Hours(2)), 1u);  // expired
  auto removed = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::optional<Record>> {
    return Remove(tx, ids->second, "ops@example", "entered by mistake", kNow);
  });
  ASSERT_TRUE(removed.ok());
  ASSERT_TRUE(removed->has_value());
  EXPECT_EQ(in_force(kNow), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE removed_by = 'ops@example' AND "
                  "removed_reason = 'entered by mistake' AND removed_at IS NOT NULL"),
            1);
  auto twice = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::optional<Record>> {
    return Remove(tx, ids->second, "ops@example", "again", kNow);
  });
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(twice->has_value());
  // Put after a removal starts a new record.
  auto back =
      Tx([&](pqxx::work& tx) -> absl::StatusOr<PutResult> { return Put(tx, opt_out, kNow); });
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->created);
  EXPECT_NE(back->record.suppression_id, ids->second);
}

TEST_F(ConsentStorePgTest, ListPagesNewestFirstWithFilters) {
  MigrateUpTo(1000);
  ASSERT_TRUE(Tx([&](pqxx::work& tx) {
                for (int i = 0; i < 5; ++i) {
                  Put(tx, R("cust-" + std::to_string(i), "", Scope::kVoice, Reason::kDnc),
                      kNow + absl::Seconds(i));
                }
                Put(tx, R("cust-9", "", Scope::kAll, Reason::kCrm), kNow + absl::Seconds(10));
                return absl::OkStatus();
              }).ok());
  ListFilter f;
  f.reason = Reason::kDnc;
  f.limit = 2;
  auto page1 =
      Tx([&](pqxx::work& tx) -> absl::StatusOr<std::vector<Record>> { return List(tx, f, kNow); });
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].customer_id, "cust-4");
  EXPECT_EQ((*page1)[1].customer_id, "cust-3");
  f.after_recorded_at = page1->back().recorded_at;
  f.after_id = page1->back().suppression_id;
  f.limit = 10;
  auto page2 =
      Tx([&](pqxx::work& tx) -> absl::StatusOr<std::vector<Record>> { return List(tx, f, kNow); });
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 3u);
  EXPECT_EQ((*page2)[0].customer_id, "cust-2");
  EXPECT_EQ((*page2)[2].customer_id, "cust-0");
}

TEST_F(ConsentStorePgTest, DncMirrorPutsOnceAndRemovesNumbersThatLeftTheList) {
  MigrateUpTo(1000);
  ASSERT_TRUE(Tx([&](pqxx::work& tx) {
                PutDncNumbers(tx, {"+12125550110", "+12125550111"}, "mirror", kNow);
                PutDncNumbers(tx, {"+12125550110"}, "mirror", kNow + absl::Seconds(1));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE source = 'mirror'"), 2);
  auto removed = Tx([&](pqxx::work& tx) -> absl::StatusOr<int> {
    return RemoveStaleDncNumbers(tx, {"+12125550110"}, "mirror", kNow + absl::Seconds(5),
                                 kNow + absl::Seconds(6));
  });
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM suppressions WHERE address = '+12125550111' AND "
                  "removed_by = 'mirror'"),
            1);
  // An opt-out by phone from elsewhere is pushed to the Genesys list; an email one is not.
  ASSERT_TRUE(Tx([&](pqxx::work& tx) {
                Put(tx, R("c", "+12125550112", Scope::kSms, Reason::kOptOut), kNow);
                Put(tx, R("c", "c@example.com", Scope::kEmail, Reason::kOptOut), kNow);
                return absl::OkStatus();
              }).ok());
  auto pending = Tx([&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
    return PhonesToPushToDnc(tx, "internal-dnc", "mirror", 100);
  });
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(*pending, std::vector<std::string>{"+12125550112"});
}

}  // namespace
}  // namespace blend::consent::pg
