#pragma once

// The outbox relay: publishes committed outbox rows to Kafka without holding a transaction or
// a row lock while Kafka acknowledges.
//
//   1. Claim (one short transaction): up to batch_size due rows, FOR UPDATE SKIP LOCKED so
//      replicas share the work, are leased to this relay until now + lease and their attempt
//      counter goes up. A row is skipped while an earlier row (smaller id) of the same key
//      (journey) is due, leased or retrying: a journey's rows go out in id order, one at a time.
//   2. Publish, outside any transaction, and wait for the acknowledgements.
//   3. Finish (a second short transaction): acknowledged rows are deleted (the table holds
//      only what is still to be sent); failed rows are released with a per-row backoff; a row
//      Kafka rejects (too large, invalid topic) or that failed max_attempts times moves to
//      outbox_dead_letters with the reason, so it never blocks the rows behind it.
//   A relay that dies between 1 and 3 leaves its rows leased: another replica claims them once
//   the lease has expired (they may go out twice; workers dedupe by touch id).
//
// A Kafka outage is not the rows' fault: when nothing of a batch was acknowledged and Kafka
// does not answer a metadata request, the batch's attempts are given back and the relay pauses
// (outage_backoff, doubling up to max_outage_backoff), then only probes Kafka until it
// answers, touching no row meanwhile.
//
// The decisions are pure logic over two small interfaces (OutboxStore, OutboxPublisher) so
// tests drive them with fakes and a FakeClock; PgOutboxStore / ProducerPublisher are the real
// ones.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "blend/bus/message.h"
#include "blend/bus/producer.h"
#include "blend/common/clock.h"
#include "blend/orchestrator/background.h"
#include "blend/orchestrator/metrics.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/store/connection_pool.h"

namespace blend::orchestrator {

// What the relay decided for the rows of one claimed batch.
// A row the relay adds to the outbox when it finishes a batch (due at once).
struct OutboxFollowUp {
  std::string topic;
  std::string key;
  std::string payload;
};

struct OutboxOutcome {
  std::vector<int64_t> sent;                // deleted
  std::vector<pg::OutboxRelease> released;  // due again later (or at once)
  std::vector<pg::OutboxDeadLetter> dead;   // moved to outbox_dead_letters
  std::vector<OutboxFollowUp> follow_ups;   // e.g. the FAILED disposition of a dead touch
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Leases up to `limit` publishable rows to `owner` until `lease_until` and counts one attempt
  // each (see the file comment for which rows); returned in id order.
  virtual absl::StatusOr<std::vector<pg::OutboxRow>> Claim(absl::Time now, int limit,
                                                           const std::string& owner,
                                                           absl::Time lease_until) = 0;
  // Applies `outcome` in one transaction. Releases and dead letters apply only to rows still
  // leased by `owner` with the claimed counter (another replica may have taken an expired
  // lease over).
  virtual absl::Status Finish(const std::string& owner, const OutboxOutcome& outcome,
                              absl::Time now) = 0;
};

class OutboxPublisher {
 public:
  virtual ~OutboxPublisher() = default;
  // Publishes every message and waits for each acknowledgement; one Status per message.
  virtual std::vector<absl::Status> Publish(absl::Span<const bus::OutgoingMessage> messages) = 0;
  // OK when Kafka answers at all (a metadata request).
  virtual absl::Status CheckConnection() = 0;
};

// How the relay treats a failed publication.
enum class PublishFailure {
  kRetry,      // transient or unknown: retry the row later, charging an attempt
  kPermanent,  // Kafka will never take this record (too large, invalid topic): dead letter
  kRelay,      // the producer itself is unusable or closing: not the row's fault
};
PublishFailure ClassifyPublishFailure(const absl::Status& status);

struct RelayOptions {
  int batch_size = 500;
  absl::Duration idle_poll = absl::Milliseconds(20);
  // A failed row waits retry_backoff * 2^(attempts - 1), at most max_retry_backoff...
  absl::Duration retry_backoff = absl::Seconds(1);
  absl::Duration max_retry_backoff = absl::Minutes(5);
  // ...and is dead-lettered after this many attempts (about an hour of failures with the
  // defaults, counted only while Kafka answers: an outage charges nothing).
  int max_attempts = 20;
  // How long a claimed row belongs to this relay; longer than the longest publication (the
  // producer's delivery timeout plus its grace), or another replica publishes it again.
  absl::Duration lease = absl::Minutes(1);
  // Pause after a Kafka outage is detected, doubling per failed probe.
  absl::Duration outage_backoff = absl::Seconds(1);
  absl::Duration max_outage_backoff = absl::Seconds(30);
  // Names this relay in leased_by (and logs); a fresh id when empty.
  std::string owner;
  // Where a dead-lettered touch's FAILED disposition goes (its journey must not wait for a
  // disposition that cannot come); none when empty.
  std::string dispositions_topic;
};

// Wait before the next attempt of a row that failed `attempts` times.
absl::Duration RetryDelay(const RelayOptions& options, int attempts);

class OutboxRelay {
 public:
  OutboxRelay(std::unique_ptr<OutboxStore> store, std::unique_ptr<OutboxPublisher> publisher,
              const Clock& clock, Metrics* metrics, RelayOptions options = {});
  // The real thing: PgOutboxStore on `pool`, ProducerPublisher on `producer`.
  OutboxRelay(store::ConnectionPool& pool, bus::Producer& producer, const Clock& clock,
              Metrics* metrics, RelayOptions options = {});

  // One claim-publish-finish round. Returns the number of rows Kafka acknowledged (0 when
  // nothing was due or the relay is paused), kUnavailable when Kafka is away (the relay then
  // pauses), or the store's error.
  absl::StatusOr<int> PublishOnce();
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  const std::string& owner() const { return options_.owner; }

 private:
  // Moves `row` to the dead letters with `reason`, with its touch's FAILED disposition.
  void DeadLetter(const pg::OutboxRow& row, std::string reason, absl::Time now,
                  OutboxOutcome& outcome) const;
  absl::Status PauseForOutage(absl::Time now, const std::string& why);

  std::unique_ptr<OutboxStore> store_;
  std::unique_ptr<OutboxPublisher> publisher_;
  const Clock& clock_;
  Metrics* metrics_;
  RelayOptions options_;
  // Outage state; only the loop thread (or a test calling PublishOnce) touches it.
  bool kafka_away_ = false;
  absl::Time paused_until_ = absl::InfinitePast();
  absl::Duration outage_backoff_;
  Loop loop_;
};

}  // namespace blend::orchestrator
