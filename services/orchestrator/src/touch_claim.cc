// The touch claim fence: JourneyRunner::ClaimTouch. A worker calls it right before it contacts
// Genesys; the decision and the claim record commit together, under the journey's row lock, so
// a payment (or opt-out, or cancel) that committed first always wins.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/policy/policy.h"
#include "blend/store/transaction.h"

namespace blend::orchestrator {
namespace {

using Decision = blend::v1::ClaimTouchResponse;

Decision Decide(Decision::Decision d, std::string reason) {
  Decision out;
  out.set_decision(d);
  out.set_reason(std::move(reason));
  return out;
}

policy::ChannelPolicy ChannelPolicyOf(const journey::CampaignPolicies& p, Channel channel) {
  policy::ChannelPolicy out;
  if (auto it = p.quiet_hours.find(channel); it != p.quiet_hours.end()) {
    out.allowed_window = policy::DailyWindow{it->second.from, it->second.until};
  }
  if (auto it = p.frequency_caps.find(channel); it != p.frequency_caps.end()) {
    out.cap = policy::FrequencyCap{it->second.max_touches, it->second.window,
                                   it->second.fail_when_capped};
  }
  return out;
}

bool AwaitsTouch(const journey::JourneyState& state, const std::string& touch_id) {
  for (const auto& [id, run] : state.runs) {
    if (run.waiting == journey::Run::Waiting::kTask && run.touch_id == touch_id) return true;
  }
  return false;
}

std::string RefusalReason(const std::string& error) {
  if (error == policy::kOptedOutError) return "opted_out";
  if (error == policy::kDncActiveError) return "dnc_active";
  if (error == policy::kFrequencyCappedError) return "frequency_capped";
  return error;
}

}  // namespace

absl::StatusOr<blend::v1::ClaimTouchResponse> JourneyRunner::ClaimInTx(
    pqxx::work& tx, const std::string& touch_id, const std::string& worker_id, absl::Time now,
    std::string* decision) {
  auto peek = pg::FindTouch(tx, touch_id, pg::Lock::kNone);
  if (!peek) {
    *decision = "refused";
    return Decide(Decision::DECISION_REFUSED, "unknown touch");
  }
  // Lock order: journey row, then touch row (as every trigger does).
  BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, peek->journey_id, pg::Lock::kForUpdate));
  pg::TouchRow touch = *pg::FindTouch(tx, touch_id, pg::Lock::kForUpdate);
  if (touch.status == "sent" || touch.status == "done") {
    *decision = "already_claimed";
    return Decide(Decision::DECISION_ALREADY_CLAIMED, "touch already claimed");
  }
  // "claimed" again: a worker whose earlier attempt sent nothing (a 429, a transient error, a
  // crash before its ledger row) claims before it retries. The fence applies anew: a payment,
  // an opt-out or the calling window may have changed since the first claim.
  const bool reclaim = touch.status == "claimed";
  if (touch.status == "refused" || touch.status == "cancelled") {
    *decision = "refused";
    return Decide(Decision::DECISION_REFUSED, touch.reason);
  }
  auto refuse = [&](std::string reason) {
    pg::SetTouchStatus(tx, touch_id, "refused", reason, now);
    *decision = "refused";
    return Decide(Decision::DECISION_REFUSED, std::move(reason));
  };
  if (j.row.status != blend::v1::JOURNEY_STATUS_RUNNING) {
    return refuse(absl::StrCat(
        "journey finished: ",
        blend::v1::JourneyStatus_Name(static_cast<blend::v1::JourneyStatus>(j.row.status))
            .substr(15)));
  }
  if (!AwaitsTouch(j.state, touch_id)) return refuse("superseded: the journey moved on");
  std::optional<Channel> channel =
      FromProto(static_cast<blend::v1::Channel>(touch.channel));
  if (!channel) return refuse("touch without channel");
  journey::CustomerFacts facts =
      BuildFacts(tx, *j.campaign, j.customer, j.row.started_at, now, /*load_attributes=*/false,
                 std::nullopt);
  policy::SuppressionFacts suppression{facts.sms_opted_out, facts.voice_opted_out,
                                       facts.email_opted_out, facts.dnc_active};
  std::vector<absl::TimeZone> zones = policy::CandidateZones(
      j.customer.time_zone(), j.customer.postal_time_zone(), j.customer.phone_e164());
  std::vector<absl::Time> past = facts.past_touches[*channel];
  if (reclaim && touch.claimed_at) {  // its own first claim is not a past touch
    auto own = std::find(past.begin(), past.end(), *touch.claimed_at);
    if (own != past.end()) past.erase(own);
  }
  BLEND_ASSIGN_OR_RETURN(
      policy::TouchDecision d,
      policy::DecideTouch(*channel, ChannelPolicyOf(j.campaign->policies(), *channel), zones,
                          suppression, past, now));
  if (d.kind == policy::TouchDecision::Kind::kFail) return refuse(RefusalReason(d.error));
  if (d.send_at > now) {
    // Deferred, never dropped: re-emit the same touch (next attempt) at the allowed moment.
    std::string reason = d.deferred_by_quiet_hours ? "quiet_hours" : "frequency_cap";
    blend::v1::TouchCommand cmd;
    cmd.ParseFromString(touch.command);
    cmd.set_attempt(touch.attempt + 1);
    *cmd.mutable_not_before() = orchestrator::ToProto(d.send_at);
    pg::MarkTouchDeferred(tx, touch_id, reason, d.send_at, cmd.attempt(), cmd.SerializeAsString());
    pg::InsertOutbox(tx, TouchTopicFor(*channel, options_.topic_prefix), j.row.journey_id,
                     TouchEnvelopeBytes(cmd, now), d.send_at, now);
    Decision out = Decide(Decision::DECISION_DEFERRED, reason);
    *out.mutable_retry_at() = orchestrator::ToProto(d.send_at);
    *decision = "deferred";
    return out;
  }
  pg::MarkTouchClaimed(tx, touch_id, worker_id, now);
  if (reclaim) {
    *decision = "already_claimed";
    return Decide(Decision::DECISION_ALREADY_CLAIMED, "claimed again after an attempt that sent nothing");
  }
  *decision = "granted";
  return Decide(Decision::DECISION_GRANTED, "");
}

absl::StatusOr<blend::v1::ClaimTouchResponse> JourneyRunner::ClaimTouch(
    const std::string& touch_id, const std::string& worker_id) {
  if (touch_id.empty()) return absl::InvalidArgumentError("touch_id is required");
  std::string decision;
  store::TxOptions opts;
  opts.name = "claim_touch";
  opts.max_attempts = options_.tx_attempts;
  auto out = store::WithTransaction(
      pool_,
      [&](pqxx::work& tx) { return ClaimInTx(tx, touch_id, worker_id, clock_.Now(), &decision); },
      opts);
  if (out.ok() && metrics_) metrics_->ClaimDecision(decision);
  return out;
}

}  // namespace blend::orchestrator
