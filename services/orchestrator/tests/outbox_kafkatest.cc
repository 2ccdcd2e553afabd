// The outbox relay against the real PostgreSQL and Kafka, driven step by step (PublishOnce)
// on the fake clock: it holds no transaction or row lock while Kafka acknowledges, a Kafka
// outage charges no attempt and rewrites no row (the relay backs off), a dead replica's lease
// expires, a record Kafka rejects is dead-lettered without blocking its journey, and a later
// row of a journey never overtakes an earlier one that is still retrying.

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "blend/orchestrator/outbox_store.h"
#include "blend/orchestrator/testing/orchestrator_test.h"
#include "blend/store/migrations.h"

namespace blend::orchestrator::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class OutboxTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    OrchestratorTest::SetUp();
    if (HasFatalFailure()) return;
    auto pool = store::ConnectionPool::Create(db_->url(), 4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    auto migrations = store::BlendMigrations();
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    auto migrated = store::Migrate(*pool_, *migrations);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<Metrics>(*registry_);
    topic_ = Topic("blend.touch.sms");
    reader_ = &Subscribe({"blend.touch.sms"});
  }

  // An outbox row as a journey's transaction commits it. `delay` makes it due later;
  // `attempts` > 0 makes it a row whose publication already failed (it is retrying).
  void Insert(const std::string& key, const std::string& payload,
              absl::Duration delay = absl::ZeroDuration(), int attempts = 0) {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO outbox (topic, msg_key, payload, created_at, available_at, attempts) "
        "VALUES ($1, $2, convert_to($3, 'UTF8'), blend_us_to_ts($4), blend_us_to_ts($5), $6)",
        topic_, key, payload, absl::ToUnixMicros(clock_.Now()),
        absl::ToUnixMicros(clock_.Now() + delay), attempts);
    tx.commit();
  }

  void Exec(const std::string& sql) {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
  }

  std::string Text(const std::string& sql) {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    return tx.exec(sql)[0][0].c_str();
  }

  // (key, payload) of the records that reach the topic, in arrival order, until `count`
  // arrived or `timeout` passed.
  std::vector<std::pair<std::string, std::string>> Read(
      size_t count, absl::Duration timeout = absl::Seconds(20)) {
    std::vector<std::pair<std::string, std::string>> out;
    absl::Time deadline = absl::Now() + timeout;
    while (out.size() < count && absl::Now() < deadline) {
      if (auto m = reader_->Poll(absl::Milliseconds(200))) out.emplace_back(m->key, m->payload);
    }
    return out;
  }

  // Publishes until a step publishes nothing; returns the total.
  int Drain(OutboxRelay& relay) {
    int total = 0;
    for (int i = 0; i < 10; ++i) {
      absl::StatusOr<int> n = relay.PublishOnce();
      EXPECT_TRUE(n.ok()) << n.status();
      if (!n.ok() || *n == 0) break;
      total += *n;
    }
    return total;
  }

  // A producer whose broker is a loopback port nobody listens on: a Kafka outage.
  std::unique_ptr<bus::Producer> UnreachableProducer() {
    bus::ProducerConfig pc;
    pc.brokers = absl::StrCat("127.0.0.1:", FreePort());
    pc.delivery_timeout = absl::Seconds(2);
    auto p = bus::Producer::Create(pc);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) std::abort();
    return std::move(*p);
  }

  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<Metrics> metrics_;
  std::string topic_;
  bus::Consumer* reader_ = nullptr;
};

TEST_F(OutboxTest, KafkaOutageHoldsNoLockChargesNoAttemptAndRewritesNoRow) {
  Insert("j1", "a");
  Insert("j2", "b");
  Insert("j3", "c");
  std::unique_ptr<bus::Producer> down = UnreachableProducer();
  OutboxRelay relay(*pool_, *down, clock_, metrics_.get());
  absl::StatusOr<int> first = 0;
  std::thread publishing([&] { first = relay.PublishOnce(); });

  // While the relay waits for Kafka's answer it has nothing open in PostgreSQL: no
  // transaction, no row lock (another replica or an operator is never blocked by it).
  ASSERT_TRUE(WaitUntil([&] { return down->InFlight() == 3; }, absl::Seconds(5)));
  EXPECT_EQ(Count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND state LIKE 'idle in transaction%'"),
            0);
  try {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec("SELECT id FROM outbox FOR UPDATE NOWAIT").size(), 3u);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the outbox rows are locked while the relay publishes: " << e.what();
  }
  publishing.join();

  // Kafka does not answer at all: the rows are not at fault, no attempt is charged.
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable) << first.status();
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE attempts = 0 AND last_error <> ''"), 3);
  EXPECT_EQ(MetricValue("blend_outbox_publish_failed_total"), 3);

  // The relay backs off (1 s, then 2 s, ...) and only probes Kafka: the rows are neither
  // claimed nor rewritten (no dead tuples piling up during a long outage).
  const std::string versions = Text("SELECT string_agg(xmin::text, ',' ORDER BY id) FROM outbox");
  absl::StatusOr<int> paused = relay.PublishOnce();
  EXPECT_TRUE(paused.ok() && *paused == 0) << paused.status();
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);  // a probe
  clock_.Advance(absl::Seconds(1));
  paused = relay.PublishOnce();  // still inside the doubled backoff
  EXPECT_TRUE(paused.ok() && *paused == 0) << paused.status();
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(relay.PublishOnce().status().code(), absl::StatusCode::kUnavailable);  // a probe
  EXPECT_EQ(Text("SELECT string_agg(xmin::text, ',' ORDER BY id) FROM outbox"), versions);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE attempts = 0"), 3);

  // Kafka is back (the replica's producer reaches it): everything goes out.
  OutboxRelay healthy(*pool_, *producer_, clock_, metrics_.get());
  EXPECT_EQ(Drain(healthy), 3);
  EXPECT_THAT(Read(3), UnorderedElementsAre(Pair("j1", "a"), Pair("j2", "b"), Pair("j3", "c")));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
}

TEST_F(OutboxTest, RowsLeasedByAReplicaThatDiedGoOutWhenTheLeaseExpires) {
  Insert("j1", "a");
  Insert("j2", "b");
  // Another replica leased both rows for a minute, then died before publishing them.
  Exec(
      absl::StrCat("UPDATE outbox SET leased_by = 'dead-replica', attempts = 1, "
                   "lease_until = blend_us_to_ts(",
                   absl::ToUnixMicros(clock_.Now() + absl::Minutes(1)), ")"));
  OutboxRelay relay(*pool_, *producer_, clock_, metrics_.get());
  EXPECT_EQ(Drain(relay), 0);
  clock_.Advance(absl::Minutes(1) + absl::Seconds(1));
  EXPECT_EQ(Drain(relay), 2);
  EXPECT_THAT(Read(2), UnorderedElementsAre(Pair("j1", "a"), Pair("j2", "b")));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
}

TEST_F(OutboxTest, RecordKafkaRejectsIsDeadLetteredAndItsJourneyMovesOn) {
  Insert("j1", std::string(2'000'000, 'x'));  // over Kafka's 1 MB message.max.bytes
  Insert("j1", "after");
  Insert("j2", "other");
  OutboxRelay relay(*pool_, *producer_, clock_, metrics_.get());
  EXPECT_EQ(Drain(relay), 2);
  EXPECT_THAT(Read(2), UnorderedElementsAre(Pair("j1", "after"), Pair("j2", "other")));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox_dead_letters WHERE msg_key = 'j1' "
                  "AND attempts = 1 AND reason ILIKE '%too large%' "
                  "AND octet_length(payload) = 2000000"),
            1)
      << Text("SELECT coalesce(string_agg(reason, ' | '), '') FROM outbox_dead_letters");
  EXPECT_EQ(MetricValue("blend_outbox_dead_lettered_total", {{"topic", topic_}}), 1);
}

TEST_F(OutboxTest, LaterRowOfAJourneyWaitsForTheEarlierOneStillRetrying) {
  // j1's first row failed once already and waits 30 s for its next attempt.
  Insert("j1", "first", absl::Seconds(30), /*attempts=*/1);
  Insert("j1", "second");
  Insert("j2", "other");
  OutboxRelay relay(*pool_, *producer_, clock_, metrics_.get());
  EXPECT_EQ(Drain(relay), 1);
  EXPECT_THAT(Read(1), ElementsAre(Pair("j2", "other")));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE msg_key = 'j1'"), 2);

  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(Drain(relay), 2);
  EXPECT_THAT(Read(2), ElementsAre(Pair("j1", "first"), Pair("j1", "second")));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox"), 0);
}

// An orchestrator started on an empty outbox polls it every few milliseconds; a prepared lease
// statement was then planned generically for an empty table (nested loops over sequential
// scans) and, once a bulk start had queued 100,000 rows, one lease took more than a quarter of
// an hour: the relay stalled and SIGTERM waited for it. Each lease is planned for the table as
// it is now (custom plan); 20,000 rows take milliseconds, the generic plan about a minute.
TEST_F(OutboxTest, LeaseStaysFastWhenTheOutboxFillsAfterAnIdleStart) {
  // One connection, so the same session plans every lease; a statement timeout, so the slow
  // plan fails in seconds instead of holding the test for many minutes.
  auto one = store::ConnectionPool::Create(
      absl::StrCat(db_->url(), "?options=-c%20statement_timeout%3D10000"), 1);
  ASSERT_TRUE(one.ok()) << one.status();
  {
    pqxx::connection c(db_->url());
    pqxx::nontransaction vacuum(c);        // VACUUM cannot run in a transaction
    vacuum.exec("VACUUM ANALYZE outbox");  // what autovacuum records for an idle, empty table
  }
  PgOutboxStore store(**one);
  for (int i = 0; i < 10; ++i) {  // PostgreSQL settles on a generic plan after five executions
    auto rows = store.Claim(clock_.Now(), 500, "idle", clock_.Now() + absl::Minutes(1));
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_TRUE(rows->empty());
  }
  Exec(
      absl::StrCat("INSERT INTO outbox (topic, msg_key, payload, created_at, available_at) "
                   "SELECT 't', 'journey-' || g, 'x', blend_us_to_ts(",
                   absl::ToUnixMicros(clock_.Now()), "), blend_us_to_ts(",
                   absl::ToUnixMicros(clock_.Now()), ") FROM generate_series(1, 20000) g"));
  const absl::Time start = absl::Now();
  auto rows = store.Claim(clock_.Now(), 500, "busy", clock_.Now() + absl::Minutes(1));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(rows.ok()) << rows.status() << " after " << took;
  EXPECT_EQ(rows->size(), 500u);
  // A complexity guard, not a speed measurement: the two plans differ by four orders of magnitude.
  EXPECT_LT(took, absl::Seconds(5)) << "one lease of 500 rows out of 20,000 took " << took;
}

// The relay stalled for minutes in the cost-curve benchmark: a bulk start grew the outbox
// faster than autovacuum re-analysed it, and the lease was planned on statistics from a moment
// when every row was leased. The planner then expected no row to qualify, read the whole table
// and sorted it for each lease of 500 (here: 1.5 s instead of 3 ms at 500,000 rows). A lease
// must walk outbox_pkey in id order and stop at its limit, whatever the statistics say; the
// plan is checked, not a duration.
TEST_F(OutboxTest, LeaseWalksTheOutboxInIdOrderEvenOnStaleStatistics) {
  Exec("ALTER TABLE outbox SET (autovacuum_enabled = false)");  // the statistics stay stale
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  const int64_t leased_until_us = absl::ToUnixMicros(clock_.Now() + absl::Seconds(30));
  Exec(absl::StrCat(
      "INSERT INTO outbox (topic, msg_key, payload, created_at, available_at, attempts, "
      "leased_by, lease_until) SELECT 't', 'early-' || g, 'x', blend_us_to_ts(",
      now_us, "), blend_us_to_ts(", now_us, "), 1, 'busy', blend_us_to_ts(", leased_until_us,
      ") FROM generate_series(1, 100) g"));
  Exec("ANALYZE outbox");  // every row leased: no lease_until is NULL, every attempt > 0
  Exec(
      absl::StrCat("INSERT INTO outbox (topic, msg_key, payload, created_at, available_at) "
                   "SELECT 't', 'bulk-' || g, 'x', blend_us_to_ts(",
                   now_us, "), blend_us_to_ts(", now_us, ") FROM generate_series(1, 50000) g"));

  std::string plan;
  {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    plan = pg::ExplainLeaseOutbox(tx, clock_.Now(), 500);
  }
  EXPECT_THAT(plan, ::testing::HasSubstr("Index Scan using outbox_pkey on outbox o")) << plan;
  EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("Sort"))) << plan;
  EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("Seq Scan"))) << plan;

  PgOutboxStore store(*pool_);  // and the lease itself still takes the first due rows
  auto rows = store.Claim(clock_.Now(), 500, "relay", clock_.Now() + absl::Minutes(1));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 500u);
  EXPECT_EQ(rows->front().key, "bulk-1");
  EXPECT_EQ(rows->back().key, "bulk-500");
}

}  // namespace
}  // namespace blend::orchestrator::testing
