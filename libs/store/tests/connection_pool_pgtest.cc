#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include <prometheus/registry.h>

#include "absl/time/clock.h"
#include "blend/store/transaction.h"
#include "gmock/gmock.h"
#include "metric_util.h"
#include "pg_test_util.h"

namespace blend::store {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<int64_t> BackendPid(ConnectionPool& pool) {
  return WithTransaction(pool, [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT pg_backend_pid()")[0][0].as<int64_t>();
  });
}

class ConnectionPoolPgTest : public PgTest {
 protected:
  // Terminates a backend and waits (up to 5 s) until it is gone.
  void Terminate(int64_t pid) {
    EXPECT_EQ(AdminQuery("SELECT pg_terminate_backend(" + std::to_string(pid) + ", 5000)"), "t");
  }
};

TEST_F(ConnectionPoolPgTest, OpensLazilyAndReusesTheConnection) {
  PoolOptions options;
  options.size = 2;
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->open(), 0);
  absl::StatusOr<int64_t> first = BackendPid(*pool);
  absl::StatusOr<int64_t> second = BackendPid(*pool);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(pool->open(), 1);
  EXPECT_EQ(pool->in_use(), 0);
}

TEST_F(ConnectionPoolPgTest, ExhaustedPoolTimesOutWithUnavailable) {
  prometheus::Registry registry;
  PoolOptions options;
  options.size = 1;
  options.acquire_timeout = absl::Milliseconds(200);
  options.registry = &registry;
  options.name = "exhaust";
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  const std::map<std::string, std::string> labels{{"pool", "exhaust"}};
  {
    absl::StatusOr<ConnectionLease> held = pool->Acquire();
    ASSERT_TRUE(held.ok()) << held.status();
    EXPECT_EQ(GaugeValue(registry, "blend_store_pool_connections_in_use", labels), 1);

    const absl::Time start = absl::Now();
    absl::StatusOr<ConnectionLease> second = pool->Acquire();
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(second.status().message(), HasSubstr("exhausted"));

    absl::Status tx = WithTransaction(*pool, [](pqxx::work&) { return absl::OkStatus(); });
    EXPECT_EQ(tx.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(CounterValue(registry, "blend_store_pool_acquire_timeouts_total", labels), 2);
  }
  // The lease went out of scope: its connection is back and can be borrowed again.
  EXPECT_EQ(GaugeValue(registry, "blend_store_pool_connections_in_use", labels), 0);
  EXPECT_EQ(GaugeValue(registry, "blend_store_pool_connections_max", labels), 1);
  EXPECT_TRUE(pool->Acquire().ok());
}

TEST_F(ConnectionPoolPgTest, WaitingBorrowerGetsTheReturnedConnection) {
  PoolOptions options;
  options.size = 1;
  options.acquire_timeout = absl::Seconds(10);
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  std::optional<absl::StatusOr<ConnectionLease>> held(pool->Acquire());
  ASSERT_TRUE(held->ok()) << held->status();
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    absl::StatusOr<ConnectionLease> lease = pool->Acquire();
    got = lease.ok();
  });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(got.load());
  held.reset();  // return the connection
  waiter.join();
  EXPECT_TRUE(got.load());
}

TEST_F(ConnectionPoolPgTest, TerminatedIdleConnectionIsReplaced) {
  PoolOptions options;
  options.size = 1;
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<int64_t> before = BackendPid(*pool);
  ASSERT_TRUE(before.ok()) << before.status();
  Terminate(*before);

  absl::StatusOr<int64_t> after = BackendPid(*pool);
  ASSERT_TRUE(after.ok()) << after.status();  // no error reaches the caller
  EXPECT_NE(*after, *before);
  EXPECT_EQ(pool->replaced(), 1);
  EXPECT_EQ(pool->open(), 1);
}

TEST_F(ConnectionPoolPgTest, ConnectionLostMidTransactionIsUnavailableThenReplaced) {
  PoolOptions options;
  options.size = 1;
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  int64_t killed = 0;
  absl::Status lost = WithTransaction(*pool, [&](pqxx::work& tx) {
    killed = tx.exec("SELECT pg_backend_pid()")[0][0].as<int64_t>();
    Terminate(killed);
    tx.exec("SELECT 1");  // throws: the server closed the connection
    return absl::OkStatus();
  });
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;

  absl::StatusOr<int64_t> after = BackendPid(*pool);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, killed);
  EXPECT_TRUE(Ping(*pool).ok());
}

TEST_F(ConnectionPoolPgTest, OnConnectPreparesStatementsOnEveryConnection) {
  std::atomic<int> setups{0};
  PoolOptions options;
  options.size = 1;
  options.on_connect = [&](pqxx::connection& conn) {
    ++setups;
    conn.prepare("pid", "SELECT pg_backend_pid()");
    return absl::OkStatus();
  };
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  auto pid = [&]() {
    return WithTransaction(*pool, [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
      return tx.exec_prepared("pid")[0][0].as<int64_t>();
    });
  };
  absl::StatusOr<int64_t> before = pid();
  ASSERT_TRUE(before.ok()) << before.status();
  Terminate(*before);
  absl::StatusOr<int64_t> after = pid();  // the replacement was set up too
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, *before);
  EXPECT_EQ(setups.load(), 2);
}

TEST_F(ConnectionPoolPgTest, FailingOnConnectFailsTheBorrow) {
  PoolOptions options;
  options.size = 1;
  options.on_connect = [](pqxx::connection& conn) {
    conn.prepare("bad", "SELEC 1");
    pqxx::nontransaction(conn).exec("SET no_such_setting = 1");  // throws
    return absl::OkStatus();
  };
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<ConnectionLease> lease = pool->Acquire();
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(lease.status().message(), HasSubstr("setting up a new PostgreSQL connection"));
  EXPECT_EQ(pool->open(), 0);
}

TEST_F(ConnectionPoolPgTest, PingAnswersOnRealServer) {
  auto pool = MakePool();
  ASSERT_NE(pool, nullptr);
  EXPECT_TRUE(Ping(*pool).ok());
}

TEST_F(ConnectionPoolPgTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto pool = ConnectionPool::Create("postgresql://postgres@127.0.0.1:1/none", 2);
  ASSERT_TRUE(pool.ok()) << pool.status();  // lazy: nothing is opened yet
  absl::Status ping = Ping(**pool, absl::Seconds(1));
  EXPECT_EQ(ping.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(ping.message(), HasSubstr("cannot connect"));
  absl::Status tx = WithTransaction(**pool, [](pqxx::work&) { return absl::OkStatus(); });
  EXPECT_EQ(tx.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*pool)->open(), 0);  // the failed slots were given back
  EXPECT_EQ((*pool)->in_use(), 0);
}

TEST_F(ConnectionPoolPgTest, ManyThreadsShareABoundedPool) {
  PoolOptions options;
  options.size = 3;
  options.acquire_timeout = absl::Seconds(30);
  auto pool = MakePool(options);
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WithTransaction(*pool, [](pqxx::work& tx) {
                tx.exec("CREATE TABLE hits (id bigserial PRIMARY KEY, backend int NOT NULL)");
                return absl::OkStatus();
              }).ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = WithTransaction(*pool, [](pqxx::work& tx) {
          tx.exec("INSERT INTO hits (backend) VALUES (pg_backend_pid())");
          return absl::OkStatus();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Query("SELECT count(*) FROM hits"), std::to_string(kThreads * kPerThread));
  EXPECT_LE(std::stoi(Query("SELECT count(DISTINCT backend) FROM hits")), 3);
  EXPECT_LE(pool->open(), 3);
  EXPECT_EQ(pool->in_use(), 0);
}

}  // namespace
}  // namespace blend::store
