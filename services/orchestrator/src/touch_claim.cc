// The touch claim fence: JourneyRunner::ClaimTouch. A worker calls it right before it contacts
// Genesys; the decision and the claim record commit together, under the journey's row lock, so
// a payment (or opt-out, or cancel) that committed first always wins.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/touch_ids.h"
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

std::string RefusalReason(const std::string& error) {
  if (error == policy::kOptedOutError) return "opted_out";
  if (error == policy::kDncActiveError) return "dnc_active";
  if (error == policy::kFrequencyCappedError) return "frequency_capped";
  return error;
}

}  // namespace

absl::StatusOr<JourneyRunner::FenceVerdict> JourneyRunner::Fence(pqxx::work& tx, const Loaded& j,
                                                                 const pg::TouchRow& touch,
                                                                 bool own_claim_counted,
                                                                 absl::Time now) {
  FenceVerdict v;
  auto stop = [&](std::string reason) {
    v.kind = FenceVerdict::Kind::kRefuse;
    v.reason = std::move(reason);
    return v;
  };
  if (j.row.status != journey::JourneyStatus::kRunning) {
    return stop(absl::StrCat("journey finished: ", JourneyStatusText(j.row.status)));
  }
  if (!StepTouchIdOf(TouchKey(tx), j.state, touch.touch_id)) {
    return stop("superseded: the journey moved on");
  }
  std::optional<Channel> channel = FromProto(static_cast<blend::v1::Channel>(touch.channel));
  if (!channel) return stop("touch without channel");
  v.channel = *channel;
  journey::CustomerFacts facts = BuildFacts(tx, *j.campaign, j.customer, j.row.started_at, now,
                                            /*load_attributes=*/false, std::nullopt);
  policy::SuppressionFacts suppression{facts.sms_opted_out, facts.voice_opted_out,
                                       facts.email_opted_out, facts.dnc_active};
  std::vector<absl::TimeZone> tz = policy::CandidateZones(
      j.customer.time_zone(), j.customer.postal_time_zone(), j.customer.phone_e164());
  std::vector<absl::Time> past = facts.past_touches[*channel];
  if (own_claim_counted && touch.claimed_at) {  // its own claim is not a past touch
    auto own = std::find(past.begin(), past.end(), *touch.claimed_at);
    if (own != past.end()) past.erase(own);
  }
  BLEND_ASSIGN_OR_RETURN(
      policy::TouchDecision d,
      policy::DecideTouch(*channel, ChannelPolicyOf(j.campaign->policies(), *channel), tz,
                          suppression, past, now));
  if (d.kind == policy::TouchDecision::Kind::kFail) return stop(RefusalReason(d.error));
  if (d.send_at > now) {
    v.kind = FenceVerdict::Kind::kDefer;
    v.reason = d.deferred_by_quiet_hours ? "quiet_hours" : "frequency_cap";
    v.send_at = d.send_at;
    return v;
  }
  v.kind = FenceVerdict::Kind::kPass;
  return v;
}

absl::StatusOr<blend::v1::ClaimTouchResponse> JourneyRunner::ClaimInTx(
    pqxx::work& tx, const std::string& touch_id, const std::string& worker_id,
    const blend::v1::TouchCommand& bus_copy, absl::Time now, TxNotes& notes) {
  // The claim decision metric, counted once the transaction committed.
  auto decided = [&](const char* decision) { notes.claims.emplace_back(decision); };
  // A message Blend did not write is refused before anything is read or written for it: the
  // touch row of a real id stays as it was, for the real message.
  auto peek = pg::FindTouch(tx, touch_id, pg::Lock::kNone);
  if (!peek) {
    decided("not_issued");
    return Decide(Decision::DECISION_NOT_ISSUED, "unknown touch: Blend never emitted this id");
  }
  {
    blend::v1::TouchCommand stored;
    if (!stored.ParseFromString(peek->command)) {
      return absl::InternalError(
          absl::StrCat("stored command of touch ", touch_id, " is unreadable"));
    }
    const std::vector<std::string> differing = TouchFieldsDiffering(bus_copy, stored);
    if (!differing.empty()) {
      decided("not_issued");
      return Decide(Decision::DECISION_NOT_ISSUED,
                    absl::StrCat("the message differs from the stored touch in ",
                                 absl::StrJoin(differing, ", ")));
    }
  }
  // Lock order: journey row, then touch row (as every trigger does).
  BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, peek->journey_id, pg::Lock::kForUpdate));
  pg::TouchRow touch = *pg::FindTouch(tx, touch_id, pg::Lock::kForUpdate);
  if (touch.status == TouchStatus::kSent || touch.status == TouchStatus::kDone) {
    decided("already_claimed");
    return Decide(Decision::DECISION_ALREADY_CLAIMED, "touch already claimed");
  }
  // "claimed" again: a worker whose earlier attempt sent nothing (a 429, a transient error, a
  // crash before its ledger row) claims before it retries. The fence applies anew: a payment,
  // an opt-out or the calling window may have changed since the first claim.
  const bool reclaim = touch.status == TouchStatus::kClaimed;
  if (touch.status == TouchStatus::kRefused || touch.status == TouchStatus::kCancelled) {
    decided("refused");
    return Decide(Decision::DECISION_REFUSED, touch.reason);
  }
  BLEND_ASSIGN_OR_RETURN(FenceVerdict v, Fence(tx, j, touch, reclaim, now));
  // A paused campaign: held until the resume emits it again (campaign_pause.h). A refusal
  // still wins: the touch would never go.
  PgJourneyStore store(tx);
  if (v.kind != FenceVerdict::Kind::kRefuse && PauseGate(store).Paused(j.row.campaign_id)) {
    decided("deferred");
    return HoldClaimedTouch(tx, touch_id, touch.attempt, touch.command);
  }
  if (v.kind == FenceVerdict::Kind::kRefuse) {
    pg::SetTouchStatus(tx, touch_id, TouchStatus::kRefused, v.reason, now);
    decided("refused");
    return Decide(Decision::DECISION_REFUSED, std::move(v.reason));
  }
  if (v.kind == FenceVerdict::Kind::kDefer) {
    // Deferred, never dropped: re-emit the same touch (next attempt) at the allowed moment.
    blend::v1::TouchCommand cmd;
    cmd.ParseFromString(touch.command);
    cmd.set_attempt(touch.attempt + 1);
    *cmd.mutable_not_before() = orchestrator::ToProto(v.send_at);
    pg::MarkTouchDeferred(tx, touch_id, v.reason, v.send_at, cmd.attempt(),
                          cmd.SerializeAsString());
    pg::InsertOutbox(tx, TouchTopicFor(v.channel, ctx_.options().topic_prefix), j.row.journey_id,
                     TouchEnvelopeBytes(cmd, now), v.send_at, now);
    Decision out = Decide(Decision::DECISION_DEFERRED, v.reason);
    *out.mutable_retry_at() = orchestrator::ToProto(v.send_at);
    decided("deferred");
    return out;
  }
  pg::MarkTouchClaimed(tx, touch_id, worker_id, now);
  Decision out;
  if (reclaim) {
    decided("already_claimed");
    out = Decide(Decision::DECISION_ALREADY_CLAIMED,
                 "claimed again after an attempt that sent nothing");
  } else {
    decided("granted");
    out = Decide(Decision::DECISION_GRANTED, "");
  }
  // What the worker sends: the touch as stored at emission, never the bus copy.
  if (!out.mutable_touch()->ParseFromString(touch.command)) {
    return absl::InternalError(
        absl::StrCat("stored command of touch ", touch_id, " is unreadable"));
  }
  return out;
}

absl::StatusOr<blend::v1::CheckTouchResponse> JourneyRunner::CheckInTx(pqxx::work& tx,
                                                                       const std::string& touch_id,
                                                                       absl::Time now) {
  blend::v1::CheckTouchResponse out;
  auto no = [&](std::string reason) {
    out.set_allowed(false);
    out.set_reason(std::move(reason));
    return out;
  };
  auto peek = pg::FindTouch(tx, touch_id, pg::Lock::kNone);
  if (!peek) return no("unknown touch");
  // Read-only: no row locks. A payment that commits after this read is a race the dial lost
  // by milliseconds, not by the seconds a delete takes to travel.
  BLEND_ASSIGN_OR_RETURN(Loaded j, Load(tx, peek->journey_id, pg::Lock::kNone));
  pg::TouchRow touch = *pg::FindTouch(tx, touch_id, pg::Lock::kNone);
  if (touch.status == TouchStatus::kRefused || touch.status == TouchStatus::kCancelled) {
    return no(touch.reason.empty() ? std::string(TouchStatusText(touch.status)) : touch.reason);
  }
  if (touch.status == TouchStatus::kDone) return no("touch finished");
  // Only a touch a worker claimed (and perhaps already handed to Genesys) is about to be dialed;
  // anything else (pending, deferred) must not be dialed now.
  if (touch.status != TouchStatus::kClaimed && touch.status != TouchStatus::kSent) {
    return no(absl::StrCat("touch not claimed: ", std::string(TouchStatusText(touch.status))));
  }
  // The claim itself is in the cap's history; the dial is the same touch, not another one.
  BLEND_ASSIGN_OR_RETURN(FenceVerdict v, Fence(tx, j, touch, /*own_claim_counted=*/true, now));
  if (v.kind != FenceVerdict::Kind::kPass) return no(std::move(v.reason));
  // The contact is on its way out of the list though the fence passes (a DNC outcome of another
  // of the customer's touches asked for it): a dial now would race the removal.
  if (touch.withdraw_reason)
    return no(absl::StrCat("withdrawal requested: ", *touch.withdraw_reason));
  out.set_allowed(true);
  return out;
}

absl::StatusOr<blend::v1::ClaimTouchResponse> JourneyRunner::ClaimTouch(
    const std::string& touch_id, const std::string& worker_id,
    const blend::v1::TouchCommand& bus_copy) {
  if (touch_id.empty()) return absl::InvalidArgumentError("touch_id is required");
  return ctx_.Transact({.name = "claim_touch"}, [&](pqxx::work& tx, TxNotes& notes) {
    return ClaimInTx(tx, touch_id, worker_id, bus_copy, ctx_.clock().Now(), notes);
  });
}

absl::StatusOr<blend::v1::CheckTouchResponse> JourneyRunner::CheckTouch(
    const std::string& touch_id) {
  if (touch_id.empty()) return absl::InvalidArgumentError("touch_id is required");
  return ctx_.Transact({.name = "check_touch"}, [&](pqxx::work& tx, TxNotes&) {
    return CheckInTx(tx, touch_id, ctx_.clock().Now());
  });
}

}  // namespace blend::orchestrator
