#include <latch>
#include <stdexcept>
#include <thread>

#include <prometheus/registry.h>

#include "blend/store/errors.h"
#include "blend/store/transaction.h"
#include "gmock/gmock.h"
#include "metric_util.h"
#include "pg_test_util.h"

namespace blend::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

class TransactionPgTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    PoolOptions options;
    options.size = 4;
    options.registry = &registry_;
    pool_ = MakePool(options);
    ASSERT_NE(pool_, nullptr);
    Query("CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL)");
  }

  std::string CountItems() { return Query("SELECT count(*) FROM items"); }

  prometheus::Registry registry_;
  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(TransactionPgTest, CommitsWhenBodyReturnsOk) {
  absl::Status s = WithTransaction(*pool_, [](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1, $2)", 1, "one");
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Query("SELECT label FROM items WHERE id = 1"), "one");
}

TEST_F(TransactionPgTest, RollsBackWhenBodyReturnsError) {
  absl::Status s = WithTransaction(*pool_, [](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1, $2)", 1, "one");
    return absl::FailedPreconditionError("journey already finished");
  });
  EXPECT_EQ(s, absl::FailedPreconditionError("journey already finished"));
  EXPECT_EQ(CountItems(), "0");
}

TEST_F(TransactionPgTest, RollsBackWhenBodyThrows) {
  absl::Status s = WithTransaction(*pool_, [](pqxx::work& tx) -> absl::Status {
    tx.exec_params("INSERT INTO items VALUES ($1, $2)", 1, "one");
    throw std::runtime_error("bug in the body");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("bug in the body"));
  EXPECT_EQ(CountItems(), "0");
}

TEST_F(TransactionPgTest, ReturnsTheBodysValue) {
  absl::StatusOr<std::string> label =
      WithTransaction(*pool_, [](pqxx::work& tx) -> absl::StatusOr<std::string> {
        return tx.exec("INSERT INTO items VALUES (7, 'seven') RETURNING label")[0][0]
            .as<std::string>();
      });
  ASSERT_TRUE(label.ok()) << label.status();
  EXPECT_EQ(*label, "seven");
  absl::StatusOr<int> failed = WithTransaction(
      *pool_, [](pqxx::work&) -> absl::StatusOr<int> { return absl::NotFoundError("none"); });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TransactionPgTest, UniqueViolationIsAlreadyExists) {
  auto insert = [](pqxx::work& tx) {
    tx.exec_params("INSERT INTO items VALUES ($1, $2)", 1, "+15555550123");
    return absl::OkStatus();
  };
  ASSERT_TRUE(WithTransaction(*pool_, insert).ok());
  absl::Status s = WithTransaction(*pool_, insert);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_THAT(SqlStateOf(s), Optional(std::string("23505")));
  EXPECT_EQ(CountItems(), "1");
}

TEST_F(TransactionPgTest, OtherSqlErrorIsInternalWithSqlState) {
  absl::Status s = WithTransaction(*pool_, [](pqxx::work& tx) {
    tx.exec("SELEC 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("SQLSTATE 42601"));
}

TEST_F(TransactionPgTest, StatementTimeoutIsDeadlineExceeded) {
  TxOptions options;
  options.statement_timeout = absl::Milliseconds(50);
  absl::Status s = WithTransaction(
      *pool_,
      [](pqxx::work& tx) {
        tx.exec("SELECT pg_sleep(5)");
        return absl::OkStatus();
      },
      options);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  // SET LOCAL: the next transaction on the same connection has no timeout.
  EXPECT_TRUE(WithTransaction(*pool_, [](pqxx::work& tx) {
                tx.exec("SELECT pg_sleep(0.1)");
                return absl::OkStatus();
              }).ok());
}

TEST_F(TransactionPgTest, OptionsShapeTheTransaction) {
  absl::StatusOr<std::string> settings =
      WithTransaction(*pool_,
                      [](pqxx::work& tx) -> absl::StatusOr<std::string> {
                        return tx
                            .exec(
                                "SELECT current_setting('transaction_isolation') || ',' || "
                                "current_setting('transaction_read_only') || ',' || "
                                "current_setting('statement_timeout')")[0][0]
                            .as<std::string>();
                      },
                      {.isolation = Isolation::kRepeatableRead,
                       .read_only = true,
                       .statement_timeout = absl::Milliseconds(1500)});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(*settings, "repeatable read,on,1500ms");
}

TEST_F(TransactionPgTest, ReadOnlyTransactionRejectsWrites) {
  TxOptions options;
  options.read_only = true;
  absl::Status s = WithTransaction(
      *pool_,
      [](pqxx::work& tx) {
        tx.exec("INSERT INTO items VALUES (1, 'one')");
        return absl::OkStatus();
      },
      options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(SqlStateOf(s), Optional(std::string("25006")));
}

// Two SERIALIZABLE transactions that each read the whole table, then insert: whichever
// commits second would make the pair non-serializable (write skew), so PostgreSQL aborts it.
class SerializationPgTest : public TransactionPgTest {
 protected:
  // Runs the write-skew transaction on two threads at once. On its first attempt each
  // thread waits for the other to have read before it writes.
  std::pair<absl::Status, absl::Status> RunConflictingPair(int max_attempts) {
    std::latch both_read(2);
    auto run = [&](int id) {
      TxOptions options;
      options.isolation = Isolation::kSerializable;
      options.max_attempts = max_attempts;
      options.name = "skew";
      bool first_attempt = true;
      return WithTransaction(
          *pool_,
          [&](pqxx::work& tx) {
            const int64_t n = tx.exec("SELECT count(*) FROM items")[0][0].as<int64_t>();
            if (first_attempt) {
              first_attempt = false;
              both_read.arrive_and_wait();
            }
            tx.exec_params("INSERT INTO items VALUES ($1, $2)", id, std::to_string(n));
            return absl::OkStatus();
          },
          options);
    };
    absl::Status a, b;
    std::thread ta([&] { a = run(1); });
    std::thread tb([&] { b = run(2); });
    ta.join();
    tb.join();
    return {a, b};
  }
};

TEST_F(SerializationPgTest, ConcurrentSerializableConflictIsAborted) {
  auto [a, b] = RunConflictingPair(/*max_attempts=*/1);
  EXPECT_NE(a.ok(), b.ok()) << a << " / " << b;
  const absl::Status& failed = a.ok() ? b : a;
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted) << failed;
  EXPECT_THAT(SqlStateOf(failed), Optional(std::string("40001")));
  EXPECT_EQ(CountItems(), "1");
}

TEST_F(SerializationPgTest, AbortedTransactionIsRetriedWhenAllowed) {
  auto [a, b] = RunConflictingPair(/*max_attempts=*/3);
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_TRUE(b.ok()) << b;
  // The retried transaction saw the other's row: labels are 0 and 1.
  EXPECT_EQ(Query("SELECT string_agg(label, ',' ORDER BY label) FROM items"), "0,1");
  // At least one retry; under load the retried attempt may collide once more.
  EXPECT_GE(CounterValue(registry_, "blend_store_transaction_retries_total",
                         {{"pool", "main"}, {"tx", "skew"}}),
            1);
  EXPECT_EQ(HistogramCount(registry_, "blend_store_transaction_duration_seconds",
                           {{"pool", "main"}, {"tx", "skew"}, {"code", "OK"}}),
            2);
}

TEST_F(TransactionPgTest, DeadlockIsAborted) {
  Query("INSERT INTO items VALUES (1, 'a'), (2, 'b')");
  std::latch both_locked(2);
  auto run = [&](int first, int second) {
    return WithTransaction(*pool_, [&](pqxx::work& tx) {
      tx.exec_params("UPDATE items SET label = 'x' WHERE id = $1", first);
      both_locked.arrive_and_wait();
      tx.exec_params("UPDATE items SET label = 'y' WHERE id = $1", second);
      return absl::OkStatus();
    });
  };
  absl::Status a, b;
  std::thread ta([&] { a = run(1, 2); });
  std::thread tb([&] { b = run(2, 1); });
  ta.join();
  tb.join();
  EXPECT_NE(a.ok(), b.ok()) << a << " / " << b;
  const absl::Status& failed = a.ok() ? b : a;
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted) << failed;
  EXPECT_THAT(SqlStateOf(failed), Optional(std::string("40P01")));
}

}  // namespace
}  // namespace blend::store
