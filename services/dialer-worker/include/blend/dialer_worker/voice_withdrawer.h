#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "blend/common/clock.h"
#include "blend/genesys/client.h"
#include "blend/quota/quota_governor.h"
#include "blend/worker/backoff.h"
#include "blend/worker/touch_ledger.h"
#include "blend/worker/withdraw_handler.h"

namespace prometheus {
class Registry;
}

namespace blend::dialer_worker {

struct VoiceWithdrawerOptions {
  std::string worker_id = "dialer-worker";
  // Used when the WithdrawTouch names no contact list.
  std::string default_contact_list_id = "demo-contacts";
  // An insert whose ledger row says "calling" for less than this may still be waiting for
  // Genesys: the withdrawal waits for it (ProcessorOptions::in_doubt_after).
  absl::Duration in_doubt_after = absl::Seconds(30);
  // DELETE attempts (transient errors) before falling back to marking the contact
  // uncallable; a definite refusal (4xx other than 404) falls back at once.
  int delete_attempts = 3;
  // Delays between attempts; after backoff.max_attempts failed attempts (DELETE and the
  // uncallable fallback both failing) the withdrawal gives up: result "failed".
  worker::BackoffPolicy backoff{.max_attempts = 8};
  // Used when a 429 carries no Retry-After.
  absl::Duration default_retry_after = absl::Seconds(60);
};

// The dialer's WithdrawHandler: takes a queued voice touch back out of Genesys.
//
//  - Ledger first. No row for the touch (the withdrawal overtook its TouchCommand): a
//    tombstone, the ledger row done with TOUCH_OUTCOME_WITHDRAWN, is written atomically
//    (BeginCall then Complete, so it never overwrites an insert that started meanwhile); the
//    late TouchCommand then finds the touch done and republishes WITHDRAWN without calling
//    Genesys. A young "calling" row (an insert in flight): wait for it. A touch that ended
//    without reaching the dial queue (FAILED, SKIPPED, OPTED_OUT, DNC_ACTIVE, a call
//    outcome): too late / nothing to take back.
//  - Otherwise (SENT, UNKNOWN, or a "calling" row whose writer is gone) the contact is read
//    (GET): absent → already removed; call records present → too late, the dialer already
//    dialled it and the real call outcome (the postContact webhook) stands: nothing is
//    published. Else DELETE the contact (404 counts as done); transient failures are retried
//    with backoff, then (or at once on a definite refusal) the contact is made uncallable
//    (SetContactCallable false), which the dialer also never dials.
//  - Every Genesys request takes a token from `lane`, the withdrawals' own quota, so a
//    withdrawal never queues behind the inserts' tokens. A 429 pauses the lane and
//    `inserts` (the same OAuth client limit).
// Never sleeps: waits come back as kRetryAt. Not thread-safe: one per consumer loop.
class VoiceWithdrawer final : public worker::WithdrawHandler {
 public:
  VoiceWithdrawer(worker::TouchLedger& ledger, genesys::GenesysClient& genesys,
                  quota::QuotaGovernor& lane, quota::QuotaGovernor* inserts, const Clock& clock,
                  VoiceWithdrawerOptions options, std::function<double()> uniform01,
                  prometheus::Registry* registry = nullptr);
  ~VoiceWithdrawer() override;

  absl::StatusOr<worker::ProcessResult> Withdraw(const v1::WithdrawTouch& withdraw) override;

 private:
  struct Metrics;
  enum class Result { kRemoved, kUncallable, kTombstoned, kTooLate, kFailed };

  absl::StatusOr<worker::ProcessResult> FromLedger(const v1::WithdrawTouch& w,
                                                   const worker::LedgerEntry& entry);
  absl::StatusOr<worker::ProcessResult> Remove(const v1::WithdrawTouch& w);
  // OK with granted=false and retry_at when the lane has no token now.
  absl::StatusOr<quota::QuotaGovernor::Decision> Token();
  worker::ProcessResult RateLimited(const absl::Status& error);
  absl::StatusOr<worker::ProcessResult> Failed(const v1::WithdrawTouch& w, const absl::Status& e);
  // Counts, logs and returns Outcome().
  worker::ProcessResult Done(const v1::WithdrawTouch& w, Result result, std::string reason);
  // WITHDRAWN to publish (removed, uncallable, tombstoned) or kDrop (too late, failed).
  worker::ProcessResult Outcome(const v1::WithdrawTouch& w, Result result,
                                std::string reason) const;
  void Count(Result result, const v1::WithdrawTouch& w);
  std::string ListId(const v1::WithdrawTouch& w) const;
  std::string ContactId(const v1::WithdrawTouch& w) const;

  worker::TouchLedger& ledger_;
  genesys::GenesysClient& genesys_;
  quota::QuotaGovernor& lane_;
  quota::QuotaGovernor* const inserts_;
  const Clock& clock_;
  const VoiceWithdrawerOptions options_;
  std::function<double()> uniform01_;
  std::unique_ptr<Metrics> metrics_;
  absl::flat_hash_map<std::string, int> failures_;  // touch id -> failed attempts so far
};

}  // namespace blend::dialer_worker
