#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "blend/common/clock.h"
#include "blend/quota/quota_governor.h"
#include "blend/worker/backoff.h"
#include "blend/worker/ports.h"
#include "blend/worker/touch_ledger.h"

namespace prometheus {
class Registry;
}

namespace blend::worker {

struct ProcessorOptions {
  std::string worker_id = "worker";
  v1::Channel channel = v1::CHANNEL_SMS;
  BackoffPolicy backoff;
  // Used when a 429 carries no Retry-After.
  absl::Duration default_retry_after = absl::Seconds(60);
  // A "calling" row younger than this belongs to an attempt that may still be waiting for
  // Genesys (another replica, after a rebalance): try again later. Older, its writer is gone
  // and the outcome is UNKNOWN. Keep it above the Genesys request timeout.
  absl::Duration in_doubt_after = absl::Seconds(30);
};

// What to do with the Kafka message that carried the touch.
struct ProcessResult {
  enum class Kind {
    kPublish,     // publish `disposition`, then commit the offset
    kRetryAt,     // keep the message, pause consumption, process it again at `retry_at`
    kDrop,        // commit without a disposition (the orchestrator re-emits a deferred touch)
    kDeadLetter,  // copy the message to the dead-letter topic with `note`, then commit
  };
  Kind kind = Kind::kDrop;
  v1::Disposition disposition;
  absl::Time retry_at;
  std::string note;  // for logs
  // kRetryAt because the channel's quota has no token or Genesys answered 429: no touch of
  // this channel can go before `retry_at`, so the loop starts none until then.
  bool quota_wait = false;
};

// The decision sequence of one touch: ledger → quota → claim fence → ledger "calling" →
// Genesys → ledger "done". The Kafka message only names the touch: what goes to Genesys
// (recipient, parameters, Genesys ids) is the touch the claim returned, as the orchestrator
// stored it. A message the orchestrator never wrote (DECISION_NOT_ISSUED: unknown id, or
// content that differs from the stored touch) is dead-lettered and sends nothing. It makes
// exactly-once effects out of at-least-once delivery: a touch already done republishes its recorded
// disposition (the first one recorded wins); a touch left "calling" by a crash is reported UNKNOWN
// and never resent, once the row is older than `in_doubt_after` (a younger one means "retry
// later"); only one attempt can hold the "calling" row. When recording the outcome of a Genesys
// call fails, the outcome is kept in memory and recorded on the next attempt, so a lost commit does
// not turn a sent touch into UNKNOWN. It never sleeps: waits come back as kRetryAt. Thread-safe:
// the loop runs up to K touches at once, never two of one journey.
class TouchProcessor {
 public:
  TouchProcessor(TouchLedger& ledger, TouchClaimer& claimer, quota::QuotaGovernor& quota,
                 ChannelSender& sender, const Clock& clock, ProcessorOptions options,
                 std::function<double()> uniform01, prometheus::Registry* registry = nullptr);
  ~TouchProcessor();

  // Errors (kUnavailable: ledger, quota store or orchestrator unreachable) mean "try the same
  // message again later"; nothing was sent.
  absl::StatusOr<ProcessResult> Process(const v1::TouchCommand& touch);

 private:
  struct Metrics;
  ProcessResult Publish(const v1::TouchCommand& touch, v1::TouchOutcome outcome,
                        std::string reason);
  absl::StatusOr<ProcessResult> Finish(const v1::TouchCommand& touch, v1::Disposition d);
  absl::StatusOr<ProcessResult> FromLedger(const v1::TouchCommand& touch, const LedgerEntry& e);
  absl::StatusOr<ProcessResult> FromClaim(const v1::TouchCommand& touch,
                                          const v1::ClaimTouchResponse& claim);
  // `touch`: the stored touch from the claim.
  absl::StatusOr<ProcessResult> CallGenesys(const v1::TouchCommand& touch);
  absl::StatusOr<ProcessResult> FromSendError(const v1::TouchCommand& touch,
                                              const absl::Status& error);
  void Count(const v1::Disposition& d);

  TouchLedger& ledger_;
  TouchClaimer& claimer_;
  quota::QuotaGovernor& quota_;
  ChannelSender& sender_;
  const Clock& clock_;
  const ProcessorOptions options_;
  std::function<double()> uniform01_;
  std::unique_ptr<Metrics> metrics_;
  absl::Mutex mu_;  // guards the maps and uniform01_ (the ports are thread-safe themselves)
  absl::flat_hash_map<std::string, int> transient_failures_
      ABSL_GUARDED_BY(mu_);  // touch id -> attempts so far
  // Outcomes of Genesys calls whose ledger write failed, to record on the next attempt.
  absl::flat_hash_map<std::string, v1::Disposition> unrecorded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace blend::worker
