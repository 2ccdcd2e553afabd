#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/bus/message.h"
#include "blend/bus/security.h"

namespace RdKafka {
class KafkaConsumer;
}
namespace prometheus {
class Registry;
}

namespace blend::bus {

class BusMetrics;
class RebalanceBridge;

struct ConsumerConfig {
  std::string brokers{};  // bootstrap.servers
  std::string group_id{};
  std::string client_id = "blend";
  // TLS / SASL settings (security.h); PLAINTEXT by default.
  KafkaSecurity security{};
  std::vector<std::string> topics{};
  // A member silent for this long is dropped from the group and its partitions reassigned.
  // Tests use ~6 s; the librdkafka default is 45 s.
  absl::Duration session_timeout = absl::Seconds(45);
  absl::Duration heartbeat_interval = absl::Seconds(3);
  // The longest the application may go between Poll() calls before it is considered stuck
  // and its partitions are reassigned. Pausing does not stop the clock: keep polling.
  absl::Duration max_poll_interval = absl::Minutes(5);
  // Where a group with no committed offset starts: true = oldest record, false = newest.
  bool start_from_earliest = true;
  // Any other librdkafka property (e.g. partition.assignment.strategy=cooperative-sticky).
  // Auto commit and auto offset store are forced off.
  std::map<std::string, std::string> properties{};
  // When set, counter blend_bus_consumed_total{topic} is registered here (outlives consumer).
  prometheus::Registry* registry = nullptr;
};

// A consumer-group member with at-least-once delivery: offsets are committed only when the
// application calls Commit() after processing a message, never automatically. A message that
// was not committed before a crash or a rebalance is delivered again (possibly to another
// member), so handlers must be idempotent.
//
// Backpressure: Pause()/PauseAll() stop fetching (nothing is buffered while paused), and a
// paused partition stays paused across rebalances until resumed. Keep calling Poll() while
// paused (it returns nothing) so the group does not evict this member. Every assignment
// applies the application's wish explicitly (pause or resume), because librdkafka keeps an
// old pause on a partition across revoke and re-assign: without that, a partition paused
// before a rebalance and resumed while it belonged to another member would come back
// paused for good.
//
// Threading: Poll() from one thread at a time (the consumer loop); rebalance handling runs
// inside Poll() on that thread. Commit, Pause*, Resume* and Assignment may be called from any
// thread. Close() after the loop has stopped.
//
// Status codes: Commit returns kAborted when a rebalance took the partition away (the message
// will be redelivered to its new owner), kUnavailable when the coordinator is unreachable.
class Consumer {
 public:
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(ConsumerConfig config);
  ~Consumer();  // Calls Close().
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // The next message, or nullopt when none arrived within `timeout` (or an error event was
  // consumed instead; errors are logged and librdkafka recovers from them by itself).
  std::optional<Message> Poll(absl::Duration timeout);

  // Commits offset `message.offset + 1` for the message's partition, synchronously.
  absl::Status Commit(const Message& message);

  absl::Status Pause(const std::vector<TopicPartition>& partitions);
  absl::Status Resume(const std::vector<TopicPartition>& partitions);
  // Pauses every partition assigned now and every partition assigned later, until ResumeAll.
  absl::Status PauseAll();
  absl::Status ResumeAll();

  // Partitions currently assigned to this member.
  std::vector<TopicPartition> Assignment() const;

  // Whether the assignment that delivered `message` still holds. False once its partition
  // was revoked, even if it was assigned back since: the record is then redelivered from the
  // committed offset (to this member or another), so a held copy must be dropped, not
  // processed.
  bool StillAssigned(const Message& message) const;

  // Records on this member's partitions not yet handed out by Poll(): the sum over assigned
  // partitions of (high watermark - position), asking the broker (up to a second a
  // partition; the last fetched watermark when it does not answer). A partition not fetched
  // yet counts from its committed offset, or as 0 when the group committed none. For a
  // consumer-lag gauge and the workers' stall watchdog: call it every few seconds, not per
  // message.
  absl::StatusOr<int64_t> Lag();

  // kInternal once librdkafka raised a fatal error (the consumer is unusable: restart the
  // process); OK otherwise. For /readyz and /healthz.
  absl::Status Health() const;
  // Makes librdkafka raise a fabricated fatal error (its own test hook), for tests only.
  void InjectFatalErrorForTesting(std::string_view reason);

  // Leaves the group cleanly (its partitions are reassigned at once). Idempotent.
  absl::Status Close();

 private:
  friend class RebalanceBridge;
  Consumer(ConsumerConfig config, std::unique_ptr<BusMetrics> metrics);
  // Unsubscribes and polls until this member holds no partition (bounded), so that no
  // rebalance callback is left for close() to serve.
  void LeaveGroupBeforeClose();
  // Called by the rebalance callback inside Poll().
  void OnAssigned(const std::vector<TopicPartition>& partitions);
  void OnRevoked(const std::vector<TopicPartition>& partitions);
  absl::Status PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause);
  std::vector<TopicPartition> AssignedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ConsumerConfig config_;
  std::unique_ptr<BusMetrics> metrics_;
  std::unique_ptr<RebalanceBridge> bridge_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_all_ ABSL_GUARDED_BY(mu_) = false;
  std::set<TopicPartition> paused_ ABSL_GUARDED_BY(mu_);
  // Assigned partitions, each with the number of the assignment that gave it to this member.
  std::map<TopicPartition, uint64_t> assigned_ ABSL_GUARDED_BY(mu_);
  uint64_t assignments_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace blend::bus
