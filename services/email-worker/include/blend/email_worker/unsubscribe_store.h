#pragma once

// Where an unsubscribe is kept from the click until Kafka has it (a small outbox), so the
// customer is answered once PostgreSQL committed it, whatever Kafka is doing.
// PgUnsubscribeStore is the real one (table email_unsubscribes,
// libs/store/migrations/0014_email_unsubscribes.sql); the publisher's tests use a fake.
// Thread-safe. Status codes: kUnavailable when the database cannot be reached, kDataLoss for
// a row whose event cannot be read.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/v1/bus.pb.h"

namespace blend::store {
class ConnectionPool;
}

namespace blend::email_worker {

struct PendingUnsubscribe {
  v1::CustomerEvent event;  // as built at the click: same event id and time on every attempt
  int attempts = 0;         // failed deliveries so far
};

class UnsubscribeStore {
 public:
  virtual ~UnsubscribeStore() = default;
  // Records the opt-out once per event id, due at once. true when new; false when it was
  // recorded before (a second click: the same unsubscribe, nothing more to do).
  virtual absl::StatusOr<bool> Record(const v1::CustomerEvent& event, absl::Time now) = 0;
  // Up to `limit` undelivered unsubscribes due at `now`, oldest first, leased until
  // `now + lease`: other replicas skip them meanwhile (one that stalls past the lease may
  // publish a duplicate, which the orchestrator drops by event id).
  virtual absl::StatusOr<std::vector<PendingUnsubscribe>> LeaseDue(absl::Time now,
                                                                   absl::Duration lease,
                                                                   int limit) = 0;
  // Kafka acknowledged it: never published again.
  virtual absl::Status MarkDelivered(const std::string& event_id, absl::Time now) = 0;
  // Not delivered: one more attempt counted, due again at `retry_at`.
  virtual absl::Status MarkFailed(const std::string& event_id, const std::string& error,
                                  absl::Time retry_at) = 0;
  // Unsubscribes not delivered yet.
  virtual absl::StatusOr<int64_t> CountPending() = 0;
};

class PgUnsubscribeStore final : public UnsubscribeStore {
 public:
  explicit PgUnsubscribeStore(store::ConnectionPool& pool) : pool_(pool) {}
  absl::StatusOr<bool> Record(const v1::CustomerEvent& event, absl::Time now) override;
  absl::StatusOr<std::vector<PendingUnsubscribe>> LeaseDue(absl::Time now, absl::Duration lease,
                                                           int limit) override;
  absl::Status MarkDelivered(const std::string& event_id, absl::Time now) override;
  absl::Status MarkFailed(const std::string& event_id, const std::string& error,
                          absl::Time retry_at) override;
  absl::StatusOr<int64_t> CountPending() override;

 private:
  store::ConnectionPool& pool_;
};

}  // namespace blend::email_worker
