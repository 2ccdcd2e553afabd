#include "blend/worker/touch_processor.h"

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/genesys/error.h"
#include "blend/telemetry/log.h"
#include "google/protobuf/util/time_util.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace blend::worker {
namespace {

using Kind = ProcessResult::Kind;
using google::protobuf::util::TimeUtil;

v1::TouchOutcome OutcomeForRefusal(const std::string& reason) {
  if (reason.find("opted_out") != std::string::npos) return v1::TOUCH_OUTCOME_OPTED_OUT;
  if (reason.find("dnc") != std::string::npos) return v1::TOUCH_OUTCOME_DNC_ACTIVE;
  return v1::TOUCH_OUTCOME_SKIPPED;
}

}  // namespace

struct TouchProcessor::Metrics {
  prometheus::Family<prometheus::Counter>* touches;
  prometheus::Family<prometheus::Counter>* claims;
};

TouchProcessor::TouchProcessor(TouchLedger& ledger, TouchClaimer& claimer,
                               quota::QuotaGovernor& quota, ChannelSender& sender,
                               const Clock& clock, ProcessorOptions options,
                               std::function<double()> uniform01, prometheus::Registry* registry)
    : ledger_(ledger),
      claimer_(claimer),
      quota_(quota),
      sender_(sender),
      clock_(clock),
      options_(std::move(options)),
      uniform01_(std::move(uniform01)) {
  if (registry == nullptr) return;
  metrics_ = std::make_unique<Metrics>(
      Metrics{&prometheus::BuildCounter()
                   .Name("blend_worker_touches_total")
                   .Help("Touches finished by this worker, by channel and outcome")
                   .Register(*registry),
              &prometheus::BuildCounter()
                   .Name("blend_worker_claims_total")
                   .Help("ClaimTouch answers, by decision")
                   .Register(*registry)});
}

TouchProcessor::~TouchProcessor() = default;

void TouchProcessor::Count(const v1::Disposition& d) {
  if (!metrics_) return;
  std::string channel = v1::Channel_Name(d.channel());
  std::string outcome = v1::TouchOutcome_Name(d.outcome());
  metrics_->touches->Add({{"channel", channel}, {"outcome", outcome}}).Increment();
}

ProcessResult TouchProcessor::Publish(const v1::TouchCommand& touch, v1::TouchOutcome outcome,
                                      std::string reason) {
  ProcessResult r{Kind::kPublish, {}, clock_.Now(), reason};
  r.disposition.set_touch_id(touch.touch_id());
  r.disposition.set_journey_id(touch.journey_id());
  r.disposition.set_channel(touch.channel());
  r.disposition.set_outcome(outcome);
  r.disposition.set_reason(std::move(reason));
  *r.disposition.mutable_occurred_at() =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_.Now()));
  return r;
}

absl::StatusOr<ProcessResult> TouchProcessor::Finish(const v1::TouchCommand& touch,
                                                     v1::Disposition d) {
  absl::StatusOr<v1::Disposition> recorded = ledger_.Complete(d, options_.worker_id, clock_.Now());
  absl::MutexLock lock(&mu_);
  if (!recorded.ok()) {
    // Genesys may have accepted the request: the outcome must not be lost with the commit.
    unrecorded_[touch.touch_id()] = std::move(d);
    return recorded.status();
  }
  unrecorded_.erase(touch.touch_id());
  transient_failures_.erase(touch.touch_id());
  Count(*recorded);
  return ProcessResult{Kind::kPublish, *std::move(recorded), clock_.Now(), "finished"};
}

absl::StatusOr<ProcessResult> TouchProcessor::Process(const v1::TouchCommand& touch) {
  std::optional<v1::Disposition> unrecorded;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = unrecorded_.find(touch.touch_id()); it != unrecorded_.end())
      unrecorded = it->second;
  }
  if (unrecorded) return Finish(touch, *std::move(unrecorded));
  BLEND_ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry, ledger_.Find(touch.touch_id()));
  if (entry) return FromLedger(touch, *entry);

  BLEND_ASSIGN_OR_RETURN(quota::QuotaGovernor::Decision quota, quota_.TryAcquire());
  if (!quota.granted) return ProcessResult{Kind::kRetryAt, {}, quota.retry_at, "quota", true};

  // The claim comes after the quota wait, right before the call, so a payment that commits
  // while the touch waits for quota still stops it. A claim that lets nothing go gives the
  // token back: only requests that reach Genesys spend the quota.
  absl::StatusOr<v1::ClaimTouchResponse> claim = claimer_.Claim(touch);
  if (!claim.ok()) {
    (void)quota_.Release();
    return claim.status();
  }
  if (metrics_) {
    metrics_->claims->Add({{"decision", v1::ClaimTouchResponse::Decision_Name(claim->decision())}})
        .Increment();
  }
  const bool goes = claim->decision() == v1::ClaimTouchResponse::DECISION_GRANTED ||
                    claim->decision() == v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED;
  if (!goes) (void)quota_.Release();
  return FromClaim(touch, *claim);
}

absl::StatusOr<ProcessResult> TouchProcessor::FromLedger(const v1::TouchCommand& touch,
                                                         const LedgerEntry& entry) {
  if (entry.state == LedgerEntry::State::kDone && entry.disposition) {
    return ProcessResult{Kind::kPublish, *entry.disposition, clock_.Now(), "redelivery"};
  }
  // Another attempt wrote "calling" and has not finished. While the row is young its writer
  // may still be waiting for Genesys (a replica that held the touch across a rebalance):
  // come back later rather than call the touch in doubt.
  const absl::Duration age = clock_.Now() - entry.started_at;
  if (age < options_.in_doubt_after) {
    return ProcessResult{Kind::kRetryAt,
                         {},
                         clock_.Now() + std::min(options_.in_doubt_after - age, absl::Seconds(5)),
                         "another attempt is calling Genesys"};
  }
  // Its writer is gone: Genesys may or may not have accepted the request. Never resend; the
  // campaign's onUnknown policy decides what UNKNOWN means.
  return Finish(touch, Publish(touch, v1::TOUCH_OUTCOME_UNKNOWN,
                               "a previous attempt was interrupted during the Genesys request")
                           .disposition);
}

absl::StatusOr<ProcessResult> TouchProcessor::FromClaim(const v1::TouchCommand& touch,
                                                        const v1::ClaimTouchResponse& claim) {
  switch (claim.decision()) {
    case v1::ClaimTouchResponse::DECISION_GRANTED:
    case v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED:
      // Already claimed by an attempt that died before writing "calling" (the ledger row is
      // written before any request): Genesys was not called, so this attempt may go on.
      // Only one attempt can write the row. Only the stored touch is sent, never the bus copy.
      if (claim.has_touch() && claim.touch().touch_id() == touch.touch_id()) {
        return CallGenesys(claim.touch());
      }
      if (claim.decision() == v1::ClaimTouchResponse::DECISION_ALREADY_CLAIMED) {
        // The touch already went (sent or done): nothing to send, nothing new to report.
        (void)quota_.Release();
        return ProcessResult{
            Kind::kDrop, {}, clock_.Now(), "already claimed, no touch to send: " + claim.reason()};
      }
      // An orchestrator that predates stored touches (upgrade it before the workers).
      (void)quota_.Release();
      return Finish(touch, Publish(touch, v1::TOUCH_OUTCOME_FAILED,
                                   "the claim granted no stored touch to send")
                               .disposition);
    case v1::ClaimTouchResponse::DECISION_NOT_ISSUED:
      // Forged or corrupt: no disposition (there is no such touch, or it is not this one).
      return ProcessResult{Kind::kDeadLetter,
                           {},
                           clock_.Now(),
                           "claim refused, not a touch Blend emitted: " + claim.reason()};
    case v1::ClaimTouchResponse::DECISION_DEFERRED:
      return ProcessResult{Kind::kDrop, {}, clock_.Now(), "deferred: " + claim.reason()};
    default:
      return Finish(touch, Publish(touch, OutcomeForRefusal(claim.reason()),
                                   "claim refused: " + claim.reason())
                               .disposition);
  }
}

absl::StatusOr<ProcessResult> TouchProcessor::CallGenesys(const v1::TouchCommand& touch) {
  BLEND_ASSIGN_OR_RETURN(bool owner,
                         ledger_.BeginCall(touch.touch_id(), v1::Channel_Name(touch.channel()),
                                           options_.worker_id, clock_.Now()));
  if (!owner) {
    BLEND_ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry, ledger_.Find(touch.touch_id()));
    if (entry) return FromLedger(touch, *entry);
    return ProcessResult{Kind::kRetryAt, {}, clock_.Now() + absl::Seconds(1), "ledger race"};
  }
  absl::StatusOr<SendReceipt> receipt = sender_.Send(touch);
  if (!receipt.ok()) return FromSendError(touch, receipt.status());
  ProcessResult sent = Publish(touch, v1::TOUCH_OUTCOME_SENT, "");
  for (const auto& [k, v] : receipt->provider_ids)
    (*sent.disposition.mutable_provider_ids())[k] = v;
  return Finish(touch, std::move(sent.disposition));
}

absl::StatusOr<ProcessResult> TouchProcessor::FromSendError(const v1::TouchCommand& touch,
                                                            const absl::Status& error) {
  std::optional<genesys::GenesysError> detail = genesys::GetGenesysError(error);
  absl::Time now = clock_.Now();
  if (error.code() == absl::StatusCode::kResourceExhausted) {
    absl::Duration wait =
        detail && detail->retry_after ? *detail->retry_after : options_.default_retry_after;
    BLEND_RETURN_IF_ERROR(ledger_.AbortCall(touch.touch_id()));
    BLEND_RETURN_IF_ERROR(quota_.OnRateLimited(wait));
    BLEND_LOG(kWarn, "genesys rate limit: pausing the quota",
              {{"quota", quota_.name()}, {"retry_after", absl::FormatDuration(wait)}});
    return ProcessResult{Kind::kRetryAt, {}, now + wait, "429", true};
  }
  if (detail && detail->outcome_unknown) {
    // The request left; its answer did not come back. Resending could text twice.
    return Finish(touch, Publish(touch, v1::TOUCH_OUTCOME_UNKNOWN,
                                 absl::StrCat("no answer from Genesys: ", error.message()))
                             .disposition);
  }
  // Genesys refuses a message to a number that replied STOP to the sender ("recipient.opted.out"):
  // the customer's choice, not a failure.
  const bool opted_out = detail && detail->code.find("opted.out") != std::string::npos;
  ProcessResult failed =
      Publish(touch, opted_out ? v1::TOUCH_OUTCOME_OPTED_OUT : v1::TOUCH_OUTCOME_FAILED,
              std::string(error.message()));
  if (detail) {
    v1::ProviderError* e = failed.disposition.mutable_error();
    e->set_http_status(detail->http_status);
    e->set_code(detail->code);
    e->set_message(detail->message);
    e->set_context_id(detail->context_id);
  }
  if (error.code() == absl::StatusCode::kUnavailable) {
    int attempts;
    double uniform;
    {
      absl::MutexLock lock(&mu_);
      attempts = ++transient_failures_[touch.touch_id()];
      uniform = uniform01_();
    }
    if (options_.backoff.ShouldRetry(attempts)) {
      BLEND_RETURN_IF_ERROR(ledger_.AbortCall(touch.touch_id()));
      absl::Duration delay = options_.backoff.Delay(attempts, uniform);
      return ProcessResult{
          Kind::kRetryAt, {}, now + delay, absl::StrCat("transient error, attempt ", attempts)};
    }
  }
  return Finish(touch, std::move(failed.disposition));
}

}  // namespace blend::worker
