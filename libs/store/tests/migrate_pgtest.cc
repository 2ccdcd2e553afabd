#include <algorithm>
#include <latch>
#include <thread>

#include "blend/store/migrations.h"
#include "gmock/gmock.h"
#include "pg_test_util.h"

namespace blend::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Migration Make(int64_t version, std::string name, std::string sql) {
  std::string checksum = MigrationChecksum(sql);
  return Migration{version, std::move(name), std::move(sql), std::move(checksum)};
}

class MigratePgTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pool_ = MakePool();
    ASSERT_NE(pool_, nullptr);
  }

  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(MigratePgTest, AppliesBlendSchemaOnceAndReapplyIsANoOp) {
  absl::StatusOr<std::vector<Migration>> migrations = BlendMigrations();
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  EXPECT_EQ(CheckMigrated(*pool_, *migrations).code(), absl::StatusCode::kFailedPrecondition);

  // Other teams add files to libs/store/migrations: expect whatever the binary embeds.
  std::vector<int64_t> versions;
  for (const Migration& m : *migrations) versions.push_back(m.version);

  absl::StatusOr<MigrateReport> first = Migrate(*pool_, *migrations);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, versions);
  EXPECT_THAT(first->already_applied, IsEmpty());
  EXPECT_EQ(Query("SELECT value FROM blend_meta WHERE key = 'schema'"), "blend");
  EXPECT_EQ(Query("SELECT name || ' ' || checksum FROM schema_migrations WHERE version = 1"),
            "init " + migrations->front().checksum);
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), std::to_string(versions.size()));
  EXPECT_EQ(Query("SELECT bool_and(applied_at <= now()) FROM schema_migrations"), "t");

  absl::StatusOr<MigrateReport> second = Migrate(*pool_, *migrations);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->applied, IsEmpty());
  EXPECT_EQ(second->already_applied, versions);
  EXPECT_EQ(Query("SELECT count(*) FROM blend_meta"), "1");  // the INSERT did not run again
  EXPECT_TRUE(CheckMigrated(*pool_, *migrations).ok());
}

TEST_F(MigratePgTest, ConcurrentMigrationsApplyEachMigrationExactlyOnce) {
  // No IF NOT EXISTS anywhere: a second application would fail, and the counter row
  // would be inserted twice.
  const std::vector<Migration> migrations = {
      Make(1, "slow_table", "CREATE TABLE a (id int PRIMARY KEY); SELECT pg_sleep(0.3);"),
      Make(2, "second_table", "CREATE TABLE b (id int PRIMARY KEY);"),
      Make(3, "counter", "INSERT INTO b (id) SELECT count(*) + 1 FROM b;"),
  };
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<ConnectionPool>> pools;
  for (int i = 0; i < kReplicas; ++i) pools.push_back(MakePool());
  std::vector<absl::StatusOr<MigrateReport>> reports(kReplicas, absl::UnknownError("not run"));
  std::latch start(kReplicas);
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      start.arrive_and_wait();
      reports[i] = Migrate(*pools[i], migrations);
    });
  }
  for (std::thread& t : replicas) t.join();

  std::vector<int64_t> applied;
  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    applied.insert(applied.end(), report->applied.begin(), report->applied.end());
    EXPECT_EQ(report->applied.size() + report->already_applied.size(), 3u);
  }
  EXPECT_THAT(applied, UnorderedElementsAre(1, 2, 3));  // each exactly once overall
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "3");
  EXPECT_EQ(Query("SELECT count(*) FROM b"), "1");
}

TEST_F(MigratePgTest, ChangedChecksumIsRefused) {
  ASSERT_TRUE(Migrate(*pool_, {Make(1, "t", "CREATE TABLE t (id int);")}).ok());
  const std::vector<Migration> edited = {
      Make(1, "t", "CREATE TABLE t (id bigint);"),
      Make(2, "u", "CREATE TABLE u (id int);"),
  };
  absl::StatusOr<MigrateReport> report = Migrate(*pool_, edited);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("0001_t was changed after it was applied"));
  EXPECT_EQ(Query("SELECT to_regclass('u') IS NULL"), "t");  // nothing further ran
  EXPECT_EQ(CheckMigrated(*pool_, edited).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MigratePgTest, FailedMigrationLeavesNoTraceAndCanBeFixed) {
  std::vector<Migration> migrations = {
      Make(1, "ok", "CREATE TABLE ok (id int);"),
      Make(2, "broken", "CREATE TABLE half (id int); SELEC 1;"),
  };
  absl::StatusOr<MigrateReport> report = Migrate(*pool_, migrations);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(report.status().message(), HasSubstr("0002_broken"));
  EXPECT_THAT(report.status().message(), HasSubstr("42601"));
  EXPECT_EQ(Query("SELECT to_regclass('half') IS NULL"), "t");  // rolled back as a whole
  EXPECT_EQ(Query("SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");

  migrations[1] = Make(2, "broken", "CREATE TABLE half (id int);");  // never applied: may change
  report = Migrate(*pool_, migrations);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->applied, ElementsAre(2));
}

TEST_F(MigratePgTest, MigrationOlderThanNewestAppliedIsRefused) {
  ASSERT_TRUE(Migrate(*pool_, {Make(1, "a", "SELECT 1;"), Make(3, "c", "SELECT 3;")}).ok());
  absl::StatusOr<MigrateReport> report = Migrate(
      *pool_, {Make(1, "a", "SELECT 1;"), Make(2, "b", "SELECT 2;"), Make(3, "c", "SELECT 3;")});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("older than the newest applied"));
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "2");
}

TEST_F(MigratePgTest, OutOfOrderMigrationIsAppliedWhenAllowed) {
  ASSERT_TRUE(Migrate(*pool_, {Make(1, "a", "SELECT 1;"), Make(3, "c", "SELECT 3;")}).ok());
  absl::StatusOr<MigrateReport> report =
      Migrate(*pool_,
              {Make(1, "a", "SELECT 1;"), Make(2, "b", "CREATE TABLE b (id int);"),
               Make(3, "c", "SELECT 3;")},
              {.allow_out_of_order = true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->applied, ElementsAre(2));
  EXPECT_THAT(report->already_applied, ElementsAre(1, 3));
  EXPECT_EQ(Query("SELECT to_regclass('b') IS NOT NULL"), "t");
}

TEST_F(MigratePgTest, OlderBinaryAcceptsNewerSchema) {
  ASSERT_TRUE(Migrate(*pool_, {Make(1, "a", "SELECT 1;"), Make(2, "b", "SELECT 2;")}).ok());
  absl::StatusOr<MigrateReport> report = Migrate(*pool_, {Make(1, "a", "SELECT 1;")});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->unknown_applied, ElementsAre(2));
  EXPECT_THAT(report->already_applied, ElementsAre(1));
}

}  // namespace
// Campaign versions stored before AWS's States.Runtime became the default for a Choice on a
// missing variable keep the behaviour they were written for (a running journey must not
// change its path on upgrade); a version that chose already keeps its choice.
TEST_F(MigratePgTest, StoredCampaignsKeepTheLenientChoiceOnAMissingVariable) {
  absl::StatusOr<std::vector<Migration>> all = BlendMigrations();
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<Migration> before;
  for (const Migration& m : *all) {
    if (m.version < 21) before.push_back(m);
  }
  ASSERT_LT(before.size(), all->size()) << "migration 0021 is missing";
  ASSERT_TRUE(Migrate(*pool_, before).ok());
  Query(
      "INSERT INTO campaigns (campaign_id, version, definition_json, policies_json, created_at) "
      "VALUES ('empty', 1, '{}', '', now()), "
      "       ('quiet', 1, '{}', '{\"exitEvents\": [\"payment.received\"]}', now()), "
      "       ('strict', 1, '{}', '{\"choiceOnMissingVariable\": \"fail\"}', now())");
  ASSERT_TRUE(Migrate(*pool_, *all).ok());
  EXPECT_EQ(Query("SELECT policies_json::jsonb ->> 'choiceOnMissingVariable' FROM campaigns "
                  "WHERE campaign_id = 'empty'"),
            "default");
  EXPECT_EQ(Query("SELECT (policies_json::jsonb ->> 'choiceOnMissingVariable') || ' ' || "
                  "(policies_json::jsonb -> 'exitEvents' ->> 0) FROM campaigns "
                  "WHERE campaign_id = 'quiet'"),
            "default payment.received");
  EXPECT_EQ(Query("SELECT policies_json::jsonb ->> 'choiceOnMissingVariable' FROM campaigns "
                  "WHERE campaign_id = 'strict'"),
            "fail");
}

}  // namespace blend::store
