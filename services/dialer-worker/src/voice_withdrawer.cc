#include "blend/dialer_worker/voice_withdrawer.h"

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/contact_id.h"
#include "blend/genesys/error.h"
#include "blend/telemetry/log.h"
#include "blend/worker/touch_tagging_transport.h"
#include "google/protobuf/util/time_util.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace blend::dialer_worker {
namespace {

using google::protobuf::util::TimeUtil;
using worker::LedgerEntry;
using worker::ProcessResult;
using Kind = ProcessResult::Kind;

const char* ResultLabel(int r) {
  static constexpr const char* kLabels[] = {"removed", "uncallable", "tombstoned", "too_late",
                                            "failed"};
  return kLabels[r];
}

}  // namespace

struct VoiceWithdrawer::Metrics {
  prometheus::Family<prometheus::Counter>* withdrawals;
  prometheus::Histogram* latency;
};

VoiceWithdrawer::VoiceWithdrawer(worker::TouchLedger& ledger, genesys::GenesysClient& genesys,
                                 quota::QuotaGovernor& lane, quota::QuotaGovernor* inserts,
                                 const Clock& clock, VoiceWithdrawerOptions options,
                                 std::function<double()> uniform01, prometheus::Registry* registry)
    : ledger_(ledger),
      genesys_(genesys),
      lane_(lane),
      inserts_(inserts),
      clock_(clock),
      options_(std::move(options)),
      uniform01_(std::move(uniform01)) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(Metrics{
      &prometheus::BuildCounter()
           .Name("blend_touch_withdrawals_total")
           .Help("Touch withdrawals finished, by channel and result "
                 "(removed, uncallable, tombstoned, too_late, failed)")
           .Register(*registry),
      &prometheus::BuildHistogram()
           .Name("blend_touch_withdrawal_latency_seconds")
           .Help("From the orchestrator's withdrawal request to the touch being out of reach "
                 "(removed, uncallable or tombstoned)")
           .Register(*registry)
           .Add({{"channel", "voice"}}, prometheus::Histogram::BucketBoundaries{
                                            0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300})});
  // The dashboard shows every result from the first scrape: zero is an answer, no data is not.
  for (int r = 0; r <= static_cast<int>(Result::kFailed); ++r) {
    metrics_->withdrawals->Add({{"channel", "voice"}, {"result", ResultLabel(r)}});
  }
}

VoiceWithdrawer::~VoiceWithdrawer() = default;

std::string VoiceWithdrawer::ListId(const v1::WithdrawTouch& w) const {
  return w.contact_list_id().empty() ? options_.default_contact_list_id : w.contact_list_id();
}

std::string VoiceWithdrawer::ContactId(const v1::WithdrawTouch& w) const {
  return w.contact_id().empty() ? genesys::ContactIdForTouch(w.touch_id()) : w.contact_id();
}

void VoiceWithdrawer::Count(Result result, const v1::WithdrawTouch& w) {
  if (!metrics_) return;
  metrics_->withdrawals
      ->Add({{"channel", "voice"}, {"result", ResultLabel(static_cast<int>(result))}})
      .Increment();
  const bool out_of_reach =
      result == Result::kRemoved || result == Result::kUncallable || result == Result::kTombstoned;
  if (out_of_reach && w.has_requested_at()) {
    absl::Time requested = absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(w.requested_at()));
    metrics_->latency->Observe(std::max(0.0, absl::ToDoubleSeconds(clock_.Now() - requested)));
  }
}

ProcessResult VoiceWithdrawer::Done(const v1::WithdrawTouch& w, Result result, std::string reason) {
  failures_.erase(w.touch_id());
  Count(result, w);
  if (result == Result::kFailed) {
    BLEND_LOG(kError, "touch withdrawal gave up: the contact may still be dialled",
              {{"touch_id", w.touch_id()}, {"reason", reason}});
  } else {
    BLEND_LOG(kInfo, "touch withdrawal finished",
              {{"touch_id", w.touch_id()},
               {"result", ResultLabel(static_cast<int>(result))},
               {"reason", reason}});
  }
  return Outcome(w, result, std::move(reason));
}

ProcessResult VoiceWithdrawer::Outcome(const v1::WithdrawTouch& w, Result result,
                                       std::string reason) const {
  if (result == Result::kTooLate || result == Result::kFailed) {
    // Nothing hides the touch's real outcome: the call outcome (or the outcome on record)
    // is the one the journey gets.
    return ProcessResult{Kind::kDrop, {}, clock_.Now(), std::move(reason)};
  }
  ProcessResult r{Kind::kPublish, {}, clock_.Now(), reason};
  v1::Disposition& d = r.disposition;
  d.set_touch_id(w.touch_id());
  d.set_journey_id(w.journey_id());
  d.set_channel(v1::CHANNEL_VOICE);
  d.set_outcome(v1::TOUCH_OUTCOME_WITHDRAWN);
  d.set_reason(std::move(reason));
  if (result != Result::kTombstoned) {
    (*d.mutable_provider_ids())["contactId"] = ContactId(w);
    (*d.mutable_provider_ids())["contactListId"] = ListId(w);
  }
  *d.mutable_occurred_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_.Now()));
  return r;
}

absl::StatusOr<ProcessResult> VoiceWithdrawer::Withdraw(const v1::WithdrawTouch& w) {
  BLEND_ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry, ledger_.Find(w.touch_id()));
  if (entry) return FromLedger(w, *entry);
  // The withdrawal overtook its insert. BeginCall is the atomic "only if no row": an insert
  // that starts now finds our row and waits, then finds the tombstone and reports WITHDRAWN.
  BLEND_ASSIGN_OR_RETURN(bool owner, ledger_.BeginCall(w.touch_id(), "CHANNEL_VOICE",
                                                       options_.worker_id, clock_.Now()));
  if (!owner) {
    BLEND_ASSIGN_OR_RETURN(entry, ledger_.Find(w.touch_id()));
    if (entry) return FromLedger(w, *entry);
    return ProcessResult{Kind::kRetryAt, {}, clock_.Now() + absl::Seconds(1), "ledger race"};
  }
  ProcessResult tombstone = Outcome(w, Result::kTombstoned,
                                    "never inserted: withdrawn before the insert reached Genesys");
  absl::StatusOr<v1::Disposition> recorded =
      ledger_.Complete(tombstone.disposition, options_.worker_id, clock_.Now());
  if (!recorded.ok()) {
    (void)ledger_.AbortCall(w.touch_id());  // our own "calling" row: do not leave it behind
    return recorded.status();
  }
  if (recorded->outcome() != v1::TOUCH_OUTCOME_WITHDRAWN) {
    // Another attempt completed the row first (it outlived in_doubt_after): look again.
    return ProcessResult{Kind::kRetryAt, {}, clock_.Now(), "ledger race"};
  }
  Done(w, Result::kTombstoned, tombstone.note);  // counts and logs
  tombstone.disposition = *std::move(recorded);
  return tombstone;
}

absl::StatusOr<ProcessResult> VoiceWithdrawer::FromLedger(const v1::WithdrawTouch& w,
                                                          const LedgerEntry& entry) {
  if (entry.state == LedgerEntry::State::kCalling) {
    const absl::Duration age = clock_.Now() - entry.started_at;
    if (age < options_.in_doubt_after) {
      // The insert is with Genesys right now: remove it once it landed.
      return ProcessResult{Kind::kRetryAt,
                           {},
                           clock_.Now() + std::min(options_.in_doubt_after - age, absl::Seconds(1)),
                           "the insert is in flight"};
    }
    return Remove(w);  // its writer is gone: the contact may be there
  }
  if (!entry.disposition) return Remove(w);
  const v1::TouchOutcome outcome = entry.disposition->outcome();
  if (outcome == v1::TOUCH_OUTCOME_WITHDRAWN) {
    // A redelivered withdrawal (or a second one) of a tombstoned touch: same answer.
    return ProcessResult{Kind::kPublish, *entry.disposition, clock_.Now(), "already withdrawn"};
  }
  if (outcome == v1::TOUCH_OUTCOME_SENT || outcome == v1::TOUCH_OUTCOME_UNKNOWN) return Remove(w);
  return Done(w, Result::kTooLate,
              absl::StrCat("the touch already ended ", v1::TouchOutcome_Name(outcome),
                           "; nothing queued to take back"));
}

absl::StatusOr<quota::QuotaGovernor::Decision> VoiceWithdrawer::Token() {
  return lane_.TryAcquire();
}

ProcessResult VoiceWithdrawer::RateLimited(const absl::Status& error) {
  std::optional<genesys::GenesysError> detail = genesys::GetGenesysError(error);
  absl::Duration wait =
      detail && detail->retry_after ? *detail->retry_after : options_.default_retry_after;
  (void)lane_.OnRateLimited(wait);
  if (inserts_ != nullptr) (void)inserts_->OnRateLimited(wait);  // one OAuth client limit
  return ProcessResult{Kind::kRetryAt, {}, clock_.Now() + wait, "429"};
}

absl::StatusOr<ProcessResult> VoiceWithdrawer::Failed(const v1::WithdrawTouch& w,
                                                      const absl::Status& error) {
  const int attempts = ++failures_[w.touch_id()];
  BLEND_LOG(kWarn, "touch withdrawal: Genesys request failed",
            {{"touch_id", w.touch_id()},
             {"attempt", absl::StrCat(attempts)},
             {"error", std::string(error.message())}});
  if (!options_.backoff.ShouldRetry(attempts)) {
    return Done(w, Result::kFailed,
                absl::StrCat("gave up after ", attempts, " attempts: ", error.message()));
  }
  return ProcessResult{Kind::kRetryAt,
                       {},
                       clock_.Now() + options_.backoff.Delay(attempts, uniform01_()),
                       absl::StrCat("withdrawal attempt ", attempts, " failed")};
}

#define BLEND_WITHDRAW_TOKEN()                                                               \
  do {                                                                                       \
    BLEND_ASSIGN_OR_RETURN(quota::QuotaGovernor::Decision token_, Token());                  \
    if (!token_.granted) return ProcessResult{Kind::kRetryAt, {}, token_.retry_at, "quota"}; \
  } while (0)

absl::StatusOr<ProcessResult> VoiceWithdrawer::Remove(const v1::WithdrawTouch& w) {
  const std::string list = ListId(w);
  const std::string contact_id = ContactId(w);
  worker::ScopedTouchId tag(w.touch_id());

  // "Too late" is read from the contact itself: the dialer writes its call records when it
  // dials, and the call outcome reaches Blend through the postContact webhook.
  BLEND_WITHDRAW_TOKEN();
  absl::StatusOr<genesys::DialerContact> contact = genesys_.GetContact(list, contact_id);
  if (contact.status().code() == absl::StatusCode::kNotFound) {
    return Done(w, Result::kRemoved, "contact not in the list (already removed)");
  }
  if (contact.status().code() == absl::StatusCode::kResourceExhausted) {
    return RateLimited(contact.status());
  }
  if (!contact.ok()) return Failed(w, contact.status());
  if (!contact->call_records.empty()) {
    return Done(w, Result::kTooLate, "already dialled; the call outcome stands");
  }

  if (failures_[w.touch_id()] < options_.delete_attempts) {
    BLEND_WITHDRAW_TOKEN();
    absl::StatusOr<genesys::ResponseMeta> deleted = genesys_.DeleteContact(list, contact_id);
    if (deleted.ok()) {
      return Done(w, Result::kRemoved,
                  deleted->http_status == 404 ? "contact not in the list (already removed)"
                                              : "removed from the contact list");
    }
    if (deleted.status().code() == absl::StatusCode::kResourceExhausted) {
      return RateLimited(deleted.status());
    }
    if (deleted.status().code() == absl::StatusCode::kUnavailable) {
      return Failed(w, deleted.status());  // transient: DELETE again after the backoff
    }
    // A definite refusal: DELETE will not succeed by repeating it.
    BLEND_LOG(kWarn, "contact removal refused; making the contact uncallable instead",
              {{"touch_id", w.touch_id()}, {"error", std::string(deleted.status().message())}});
    failures_[w.touch_id()] = std::max(failures_[w.touch_id()], options_.delete_attempts);
  }
  BLEND_WITHDRAW_TOKEN();
  absl::StatusOr<genesys::DialerContact> set = genesys_.SetContactCallable(list, contact_id, false);
  if (set.ok()) return Done(w, Result::kUncallable, "made uncallable (removal failed)");
  if (set.status().code() == absl::StatusCode::kNotFound) {
    return Done(w, Result::kRemoved, "contact not in the list (already removed)");
  }
  if (set.status().code() == absl::StatusCode::kResourceExhausted) return RateLimited(set.status());
  return Failed(w, set.status());
}

#undef BLEND_WITHDRAW_TOKEN

}  // namespace blend::dialer_worker
