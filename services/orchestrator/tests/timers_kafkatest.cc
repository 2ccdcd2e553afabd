// Due timers fired as a batch (JourneyRunner::FireDueTimers, timer_firing.cc) on the real
// PostgreSQL: a whole batch in one call, several timers of one journey in one batch, a journey
// another transaction holds skipped rather than waited for, an unreadable journey postponed
// without holding the others back. The runner is driven directly (no poller), on the fake
// clock.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/orchestrator/testing/runner_test.h"
#include "blend/store/connection_pool.h"
#include "blend/store/migrations.h"

namespace blend::orchestrator::testing {
namespace {

// Waits a minute, then succeeds.
constexpr char kWaitThenSucceed[] = R"json({
  "StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
    "Done": {"Type": "Succeed"}}})json";

// Two branches that wait 10 s and 20 s, then enter a state (a history row): two timers of one
// journey, each step writing history.
constexpr char kTwoWaits[] = R"json({
  "StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "Short", "States": {
        "Short": {"Type": "Wait", "Seconds": 10, "Next": "AfterShort"},
        "AfterShort": {"Type": "Pass", "End": true}}},
      {"StartAt": "Long", "States": {
        "Long": {"Type": "Wait", "Seconds": 20, "Next": "AfterLong"},
        "AfterLong": {"Type": "Pass", "End": true}}}]}}})json";

class TimerBatchTest : public RunnerTest {
 protected:
  void MakeRunner(int batch_size) {
    RunnerOptions options;
    options.timer_batch_size = batch_size;
    RunnerTest::MakeRunner(options);
  }

  int Fire() {
    absl::StatusOr<int> fired = runner_->FireDueTimers();
    EXPECT_TRUE(fired.ok()) << fired.status();
    return fired.value_or(-1);
  }
};

TEST_F(TimerBatchTest, ABatchFiresInOneCallAndTheRestInTheNext) {
  MakeRunner(/*batch_size=*/50);
  Put("wait", kWaitThenSucceed);
  std::vector<std::string> ids = StartMany("wait", 70);
  ASSERT_EQ(Count("SELECT count(*) FROM timers"), 70);
  EXPECT_EQ(Fire(), 0);  // nothing due yet

  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(Fire(), 50);
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 20);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE status = 2"), 50);
  EXPECT_EQ(Fire(), 20);
  EXPECT_EQ(Fire(), 0);
  for (const std::string& id : ids) EXPECT_EQ(StatusOf(id), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE pending_timer IS NOT NULL"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM journeys WHERE version <> 2"), 0);
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
}

TEST_F(TimerBatchTest, TwoTimersOfOneJourneyInOneBatchStepInDueOrder) {
  MakeRunner(/*batch_size=*/50);
  Put("two", kTwoWaits);
  std::vector<std::string> ids = StartMany("two", 3);
  ASSERT_EQ(Count("SELECT count(*) FROM timers"), 6);

  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(Fire(), 6);
  for (const std::string& id : ids) EXPECT_EQ(StatusOf(id), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM timers"), 0);
  EXPECT_EQ(JourneysWithGappedHistory(), 0);
  // Both timers reached the journey, in due order: the Parallel ended once both branches had,
  // and neither trigger was ignored.
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history s JOIN journey_history l "
                  "USING (journey_id) WHERE s.state_name = 'AfterShort' AND "
                  "l.state_name = 'AfterLong' AND s.kind = 'StateEntered' AND "
                  "l.kind = 'StateEntered' AND s.seq < l.seq"),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'ParallelSucceeded'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM journey_history WHERE kind = 'TriggerIgnored'"), 0);
}

TEST_F(TimerBatchTest, AJourneyAnotherTransactionHoldsIsSkippedNotWaitedFor) {
  MakeRunner(/*batch_size=*/50);
  Put("wait", kWaitThenSucceed);
  std::vector<std::string> ids = StartMany("wait", 3);
  clock_.Advance(absl::Seconds(61));

  pqxx::connection holder(db_->url());
  pqxx::work hold(holder);
  hold.exec_params("SELECT 1 FROM journeys WHERE journey_id = $1 FOR UPDATE", ids[1]);
  EXPECT_EQ(Fire(), 2);
  EXPECT_EQ(StatusOf(ids[0]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(StatusOf(ids[2]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  hold.abort();

  EXPECT_EQ(StatusOf(ids[1]), blend::v1::JOURNEY_STATUS_RUNNING);
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(StatusOf(ids[1]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
}

TEST_F(TimerBatchTest, AnUnreadableJourneyIsPostponedAndTheOthersFire) {
  MakeRunner(/*batch_size=*/50);
  Put("wait", kWaitThenSucceed);
  std::vector<std::string> ids = StartMany("wait", 4);
  Count("WITH u AS (UPDATE journeys SET state = '{\"unreadable\": true}' WHERE journey_id = '" +
        ids[2] + "' RETURNING 1) SELECT count(*) FROM u");
  clock_.Advance(absl::Seconds(61));

  EXPECT_EQ(Fire(), 3);
  EXPECT_EQ(StatusOf(ids[0]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(StatusOf(ids[3]), blend::v1::JOURNEY_STATUS_SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM timers WHERE journey_id = '" + ids[2] +
                  "' AND due_at = blend_us_to_ts(" +
                  std::to_string(absl::ToUnixMicros(clock_.Now() + absl::Minutes(1))) + ")"),
            1);
  EXPECT_EQ(Fire(), 0);  // postponed: not due again for a minute
}

// Index entries of timers_due read so far (committed statistics of this database).
int64_t DueIndexReads(const std::string& url) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  return tx
      .exec1("SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'timers_due'")[0]
      .as<int64_t>();
}

// A journey's pending_timer is derived from its own timers (timers_pkey), whatever the
// statistics say. On statistics older than the table (a bulk start fills it faster than
// autovacuum analyses it) the planner turned min(due_at) into a walk of timers_due in due
// order, filtered by journey: every update read all the timers of every journey, 2-4 s per
// batch of 200 at 100,000 waiting journeys, and a burst of due timers waited about 40 s.
TEST_F(TimerBatchTest, UpdatingAJourneyReadsOnlyItsOwnTimersOnUnanalysedTables) {
  MakeRunner(/*batch_size=*/50);
  {
    pqxx::connection c(db_->url());
    pqxx::nontransaction tx(c);
    tx.exec("ALTER TABLE timers SET (autovacuum_enabled = off)");
    tx.exec("ALTER TABLE journeys SET (autovacuum_enabled = off)");
  }
  Put("wait", kWaitThenSucceed);
  std::vector<std::string> ids = StartMany("wait", 2000);
  ASSERT_EQ(Count("SELECT count(*) FROM timers"), 2000);
  const std::string& lone = ids[1234];
  Count("WITH d AS (DELETE FROM timers WHERE journey_id = '" + lone +
        "' RETURNING 1) SELECT count(*) FROM d");

  const int64_t before = DueIndexReads(db_->url());
  {
    pqxx::connection c(db_->url());
    pqxx::work tx(c);
    std::optional<pg::JourneyRow> row = pg::FindJourney(tx, lone, pg::Lock::kForUpdate);
    ASSERT_TRUE(row.has_value());
    ASSERT_TRUE(pg::UpdateJourney(tx, *row));
    ASSERT_TRUE(pg::UpdateJourneys(tx, {&*row}));
    EXPECT_FALSE(row->pending_timer.has_value());
    tx.exec("SELECT pg_stat_force_next_flush()");
    tx.commit();
  }
  EXPECT_LT(DueIndexReads(db_->url()) - before, 100);
}

}  // namespace
}  // namespace blend::orchestrator::testing
