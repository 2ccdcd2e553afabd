#pragma once

// The outbox relay's real collaborators: PgOutboxStore (the outbox table, one short
// transaction per call) and ProducerPublisher (the idempotent Kafka producer).

#include "blend/bus/producer.h"
#include "blend/orchestrator/outbox_relay.h"
#include "blend/store/connection_pool.h"

namespace blend::orchestrator {

class PgOutboxStore final : public OutboxStore {
 public:
  explicit PgOutboxStore(store::ConnectionPool& pool) : pool_(pool) {}
  absl::StatusOr<std::vector<pg::OutboxRow>> Claim(absl::Time now, int limit,
                                                   const std::string& owner,
                                                   absl::Time lease_until) override;
  absl::Status Finish(const std::string& owner, const OutboxOutcome& outcome,
                      absl::Time now) override;

 private:
  store::ConnectionPool& pool_;
};

class ProducerPublisher final : public OutboxPublisher {
 public:
  // `probe_timeout` bounds CheckConnection (a metadata request).
  explicit ProducerPublisher(bus::Producer& producer,
                             absl::Duration probe_timeout = absl::Seconds(2))
      : producer_(producer), probe_timeout_(probe_timeout) {}
  std::vector<absl::Status> Publish(absl::Span<const bus::OutgoingMessage> messages) override {
    return producer_.ProduceBatch(messages);
  }
  absl::Status CheckConnection() override { return producer_.CheckConnection(probe_timeout_); }

 private:
  bus::Producer& producer_;
  absl::Duration probe_timeout_;
};

}  // namespace blend::orchestrator
