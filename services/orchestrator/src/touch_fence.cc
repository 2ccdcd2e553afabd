// TouchFence (touch_fence.h): the claim and dial-time check of a touch over a JourneyStore.

#include "blend/orchestrator/touch_fence.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/statuses.h"
#include "blend/orchestrator/touch_ids.h"
#include "blend/policy/policy.h"

namespace blend::orchestrator {
namespace {

using Decision = blend::v1::ClaimTouchResponse;

Decision Answer(Decision::Decision d, std::string reason) {
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

// The facts the fence needs: suppressions and the channel's claim history (no attributes, no
// engagement profile: no policy decision reads them).
journey::CustomerFacts FenceFacts(JourneyStore& store, const LoadedJourney& j, absl::Time now) {
  journey::CustomerFacts facts;
  ApplyConsent(FindConsent(store, {j.customer}, now), j.customer, *j.campaign, now, facts);
  JourneyStepper::AddCapHistories(store, {{j.campaign.get(), j.customer.customer_id(), &facts}},
                                  now);
  return facts;
}

// The journey of the touch, locked (waiting for holders), then the touch, locked: the order of
// every trigger. kNotFound when either is gone.
absl::StatusOr<std::pair<JourneyRow, TouchRow>> LockJourneyThenTouch(JourneyStore& store,
                                                                     const TouchRow& peek) {
  std::vector<JourneyRow> journeys = store.LockJourneys({peek.journey_id});
  if (journeys.empty())
    return absl::NotFoundError(absl::StrCat("unknown journey ", peek.journey_id));
  std::vector<TouchRow> touches = store.LockTouches({peek.touch_id});
  if (touches.empty()) return absl::NotFoundError(absl::StrCat("unknown touch ", peek.touch_id));
  return std::make_pair(std::move(journeys[0]), std::move(touches[0]));
}

std::optional<TouchRow> FindTouch(JourneyStore& store, const std::string& touch_id) {
  std::vector<TouchRow> found = store.FindTouches({touch_id});
  if (found.empty()) return std::nullopt;
  return std::move(found[0]);
}

// The claim of a touch of a paused campaign: held (its next attempt, so the message the resume
// emits has a new message id; no outbox row) and answered DEFERRED without a retry_at.
absl::StatusOr<Decision> Hold(JourneyStore& store, const TouchRow& touch) {
  blend::v1::TouchCommand cmd;
  if (!cmd.ParseFromString(touch.command)) {
    return absl::InternalError(
        absl::StrCat("stored command of touch ", touch.touch_id, " is unreadable"));
  }
  cmd.set_attempt(touch.attempt + 1);
  store.DeferTouch(touch.touch_id, kPausedReason, cmd.attempt(), cmd.SerializeAsString(),
                   std::nullopt);
  return Answer(Decision::DECISION_DEFERRED, kPausedReason);
}

}  // namespace

absl::StatusOr<TouchFence::Verdict> TouchFence::Decide(JourneyStore& store, const LoadedJourney& j,
                                                       const TouchRow& touch,
                                                       bool own_claim_counted, absl::Time now) {
  Verdict v;
  auto stop = [&](std::string reason) {
    v.kind = Verdict::Kind::kRefuse;
    v.reason = std::move(reason);
    return v;
  };
  if (j.row.status != journey::JourneyStatus::kRunning) {
    return stop(absl::StrCat("journey finished: ", JourneyStatusText(j.row.status)));
  }
  if (!StepTouchIdOf(stepper_.TouchKey(store), j.state, touch.touch_id)) {
    return stop("superseded: the journey moved on");
  }
  std::optional<Channel> channel = FromProto(static_cast<blend::v1::Channel>(touch.channel));
  if (!channel) return stop("touch without channel");
  v.channel = *channel;
  journey::CustomerFacts facts = FenceFacts(store, j, now);
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
    v.kind = Verdict::Kind::kDefer;
    v.reason = d.deferred_by_quiet_hours ? "quiet_hours" : "frequency_cap";
    v.send_at = d.send_at;
    return v;
  }
  v.kind = Verdict::Kind::kPass;
  return v;
}

absl::StatusOr<Decision> TouchFence::Claim(JourneyStore& store, const std::string& touch_id,
                                           const std::string& worker_id,
                                           const blend::v1::TouchCommand& bus_copy, absl::Time now,
                                           TxNotes& notes) {
  // The claim decision metric, counted once the transaction committed.
  auto decided = [&](const char* decision) { notes.claims.emplace_back(decision); };
  // A message Blend did not write is refused before anything is read or written for it: the
  // touch row of a real id stays as it was, for the real message.
  std::optional<TouchRow> peek = FindTouch(store, touch_id);
  if (!peek) {
    decided("not_issued");
    return Answer(Decision::DECISION_NOT_ISSUED, "unknown touch: Blend never emitted this id");
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
      return Answer(Decision::DECISION_NOT_ISSUED,
                    absl::StrCat("the message differs from the stored touch in ",
                                 absl::StrJoin(differing, ", ")));
    }
  }
  BLEND_ASSIGN_OR_RETURN(auto locked, LockJourneyThenTouch(store, *peek));
  BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper_.Parse(store, std::move(locked.first)));
  const TouchRow& touch = locked.second;
  if (touch.status == TouchStatus::kSent || touch.status == TouchStatus::kDone) {
    decided("already_claimed");
    return Answer(Decision::DECISION_ALREADY_CLAIMED, "touch already claimed");
  }
  // "claimed" again: a worker whose earlier attempt sent nothing (a 429, a transient error, a
  // crash before its ledger row) claims before it retries. The fence applies anew: a payment,
  // an opt-out or the calling window may have changed since the first claim.
  const bool reclaim = touch.status == TouchStatus::kClaimed;
  if (touch.status == TouchStatus::kRefused || touch.status == TouchStatus::kCancelled) {
    decided("refused");
    return Answer(Decision::DECISION_REFUSED, touch.reason);
  }
  BLEND_ASSIGN_OR_RETURN(Verdict v, Decide(store, j, touch, reclaim, now));
  // A paused campaign: held until the resume emits it again (campaign_pause.h). A refusal
  // still wins: the touch would never go.
  if (v.kind != Verdict::Kind::kRefuse && PauseGate(store).Paused(j.row.campaign_id)) {
    decided("deferred");
    return Hold(store, touch);
  }
  if (v.kind == Verdict::Kind::kRefuse) {
    store.SetTouchStatuses({{touch_id, TouchStatus::kRefused, v.reason}}, now);
    decided("refused");
    return Answer(Decision::DECISION_REFUSED, std::move(v.reason));
  }
  if (v.kind == Verdict::Kind::kDefer) {
    // Deferred, never dropped: re-emit the same touch (next attempt) at the allowed moment.
    blend::v1::TouchCommand cmd;
    cmd.ParseFromString(touch.command);
    cmd.set_attempt(touch.attempt + 1);
    *cmd.mutable_not_before() = orchestrator::ToProto(v.send_at);
    store.DeferTouch(touch_id, v.reason, cmd.attempt(), cmd.SerializeAsString(), v.send_at);
    store.InsertOutbox(TouchTopicFor(v.channel, stepper_.topic_prefix()), j.row.journey_id,
                       TouchEnvelopeBytes(cmd, now), v.send_at, now);
    Decision out = Answer(Decision::DECISION_DEFERRED, v.reason);
    *out.mutable_retry_at() = orchestrator::ToProto(v.send_at);
    decided("deferred");
    return out;
  }
  store.MarkTouchClaimed(touch_id, worker_id, now);
  Decision out;
  if (reclaim) {
    decided("already_claimed");
    out = Answer(Decision::DECISION_ALREADY_CLAIMED,
                 "claimed again after an attempt that sent nothing");
  } else {
    decided("granted");
    out = Answer(Decision::DECISION_GRANTED, "");
  }
  // What the worker sends: the touch as stored at emission, never the bus copy.
  if (!out.mutable_touch()->ParseFromString(touch.command)) {
    return absl::InternalError(
        absl::StrCat("stored command of touch ", touch_id, " is unreadable"));
  }
  return out;
}

absl::StatusOr<blend::v1::ClaimTouchesResponse> TouchFence::ClaimMany(
    JourneyStore& store, const blend::v1::ClaimTouchesRequest& request, absl::Time now,
    TxNotes& notes) {
  const int n = request.claims_size();
  std::vector<std::string> touch_ids;
  touch_ids.reserve(n);
  for (const auto& claim : request.claims()) touch_ids.push_back(claim.touch_id());
  // The journey of each touch that exists (one unlocked read for the whole batch).
  std::map<std::string, std::string> journeys;
  for (const TouchRow& t : store.FindTouches(touch_ids)) journeys[t.touch_id] = t.journey_id;
  auto journey_of = [&](int i) {
    auto it = journeys.find(touch_ids[i]);
    return it == journeys.end() ? std::string() : it->second;
  };
  // Lock order: journeys by id (unknown touches first: they lock nothing), then the request
  // order for claims of the same journey (a journey's touches stay in order).
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return journey_of(a) < journey_of(b); });
  blend::v1::ClaimTouchesResponse out;
  for (int i = 0; i < n; ++i) out.add_results();
  for (int i : order) {
    const auto& claim = request.claims(i);
    BLEND_ASSIGN_OR_RETURN(
        *out.mutable_results(i),
        Claim(store, claim.touch_id(), claim.worker_id(), claim.touch(), now, notes));
  }
  return out;
}

absl::StatusOr<blend::v1::CheckTouchResponse> TouchFence::Check(JourneyStore& store,
                                                                const std::string& touch_id,
                                                                absl::Time now) {
  blend::v1::CheckTouchResponse out;
  auto no = [&](std::string reason) {
    out.set_allowed(false);
    out.set_reason(std::move(reason));
    return out;
  };
  // Read-only: no row locks. A payment that commits after this read is a race the dial lost
  // by milliseconds, not by the seconds a delete takes to travel.
  std::optional<TouchRow> touch = FindTouch(store, touch_id);
  if (!touch) return no("unknown touch");
  std::optional<JourneyRow> row = store.FindJourney(touch->journey_id);
  if (!row) return absl::NotFoundError(absl::StrCat("unknown journey ", touch->journey_id));
  BLEND_ASSIGN_OR_RETURN(LoadedJourney j, stepper_.Parse(store, std::move(*row)));
  if (touch->status == TouchStatus::kRefused || touch->status == TouchStatus::kCancelled) {
    return no(touch->reason.empty() ? std::string(TouchStatusText(touch->status)) : touch->reason);
  }
  if (touch->status == TouchStatus::kDone) return no("touch finished");
  // Only a touch a worker claimed (and perhaps already handed to Genesys) is about to be dialed;
  // anything else (pending, deferred) must not be dialed now.
  if (touch->status != TouchStatus::kClaimed && touch->status != TouchStatus::kSent) {
    return no(absl::StrCat("touch not claimed: ", std::string(TouchStatusText(touch->status))));
  }
  // The claim itself is in the cap's history; the dial is the same touch, not another one.
  BLEND_ASSIGN_OR_RETURN(Verdict v, Decide(store, j, *touch, /*own_claim_counted=*/true, now));
  if (v.kind != Verdict::Kind::kPass) return no(std::move(v.reason));
  // The contact is on its way out of the list though the fence passes (a DNC outcome of another
  // of the customer's touches asked for it): a dial now would race the removal.
  if (touch->withdraw_reason)
    return no(absl::StrCat("withdrawal requested: ", *touch->withdraw_reason));
  out.set_allowed(true);
  return out;
}

}  // namespace blend::orchestrator
