#pragma once

// The seam under the trigger logic: what one transaction of the orchestrator reads and writes
// about journeys, timers, touches, facts and the consent record, without saying where they are
// kept. PgJourneyStore (pg_journey_store.h) runs each call as SQL in one pqxx::work, so a
// trigger's whole effect still commits at once; InMemoryJourneyStore (the orchestrator's
// testing library) keeps maps, so the trigger logic above (JourneyStepper, the timer batch)
// is unit-tested in milliseconds. The contract tests (tests/journey_store_contract.h) hold
// both to the same answers.
//
// Locks are PostgreSQL's: "locked" below means held until the transaction ends; the in-memory
// store has one caller at a time and lets a test mark a journey as held by someone else.
// Row types: store_rows.h; effects: effects.h.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "blend/consent/consent.h"
#include "blend/orchestrator/effects.h"
#include "blend/orchestrator/store_rows.h"

namespace blend::orchestrator {

class JourneyStore {
 public:
  virtual ~JourneyStore() = default;

  // campaigns

  // Stores the next version of row.campaign_id (1 for the first) and returns it.
  virtual int32_t InsertCampaignVersion(const CampaignRow& row) = 0;
  // version 0: the latest. nullopt when unknown.
  virtual std::optional<CampaignRow> FindCampaign(const std::string& campaign_id,
                                                  int32_t version) = 0;
  // Pauses or resumes the campaign (the pause switch, campaign_pause.h), by whom and why.
  virtual void SetPaused(const std::string& campaign_id, bool paused, const std::string& changed_by,
                         const std::string& reason, absl::Time now) = 0;
  // True when the campaign is paused (PostgreSQL: its pause row stays share-locked).
  virtual bool CampaignPaused(const std::string& campaign_id) = 0;

  // journeys

  // Inserts the journeys whose (campaign_id, client_key) is new (version 1); returns the ids
  // inserted.
  virtual std::vector<std::string> InsertJourneys(const std::vector<JourneyRow>& rows) = 0;
  // Unlocked read; nullopt when unknown.
  virtual std::optional<JourneyRow> FindJourney(const std::string& journey_id) = 0;
  // The journey that holds (campaign_id, client_key), unlocked; nullopt when none.
  virtual std::optional<JourneyKeyMatch> FindJourneyByKey(const std::string& campaign_id,
                                                          const std::string& client_key) = 0;
  // The journeys among `journey_ids` that exist and that no other transaction holds, locked,
  // in id order. Never waits.
  virtual std::vector<JourneyRow> LockJourneysSkipLocked(
      const std::vector<std::string>& journey_ids) = 0;
  // The journeys among `journey_ids` that exist, locked in id order, waiting for holders
  // (every trigger locks journeys before touches and profiles: no deadlock).
  virtual std::vector<JourneyRow> LockJourneys(const std::vector<std::string>& journey_ids) = 0;
  // The running journeys of these customers, locked in id order, waiting for holders.
  virtual std::vector<JourneyRow> LockRunningJourneysOfCustomers(
      const std::vector<std::string>& customer_ids) = 0;
  // Writes each row's mutable fields (status, current state, state, updated / finished at,
  // error, cause) where the stored version equals row.version; then row.version is one more
  // and row.pending_timer the earliest of the journey's timers. False when any stored version
  // differs (abort and re-run the transaction: nothing of it can be trusted).
  virtual bool UpdateJourneys(const std::vector<JourneyRow*>& rows) = 0;
  // The journey's history in seq order.
  virtual std::vector<HistoryRow> ReadHistory(const std::string& journey_id) = 0;
  // One history row after the journey's last one (row.seq is ignored).
  virtual void AppendHistory(const std::string& journey_id, const HistoryRow& row) = 0;

  // timers

  virtual void UpsertTimer(const std::string& journey_id, const std::string& key, absl::Time due,
                           absl::Time now) = 0;
  // Up to `limit` timers with due <= now, oldest first (the order of timers due at the same
  // instant is not defined), locked; those another transaction holds are skipped.
  virtual std::vector<DueTimer> ClaimDueTimers(absl::Time now, int limit) = 0;

  // what a step reads

  // Upserts each key of a JSON object as one fact of the customer, received at `at`.
  virtual void UpsertFacts(const std::string& customer_id, const std::string& object_json,
                           absl::Time at) = 0;
  // Per query, in order: the customer's facts received at or after `since` merged into one
  // JSON object ("{}" when none), and the customer's engagement profile (nullopt: none).
  virtual std::vector<FactsAndProfile> LoadFactsAndProfiles(
      const std::vector<FactsQuery>& queries) = 0;
  // Records a (normalised) suppression, idempotent by (customer id, address, channel, reason):
  // a record in force with that key keeps its id and first recorded_at and takes the new
  // source, note and expiry (created false). Returns it as stored.
  virtual SuppressionPut PutSuppression(const consent::Record& record, absl::Time now) = 0;
  // The consent records in force at `now` (not removed, not expired) about any of these
  // customer ids or addresses (empty strings ignored), in no defined order.
  virtual std::vector<consent::Record> FindConsent(const std::vector<std::string>& customer_ids,
                                                   const std::vector<std::string>& addresses,
                                                   absl::Time now) = 0;
  // Claim times of each customer's touches on `channel` (blend.v1.Channel) claimed at or after
  // `since`; customers without claims are absent.
  virtual std::map<std::string, std::vector<absl::Time>> ClaimedTouchTimesOf(
      const std::vector<std::string>& customer_ids, int16_t channel, absl::Time since) = 0;
  // The installation's touch id key (lower-case hex). Throws std::runtime_error when missing.
  virtual std::string TouchKey() = 0;

  // touches

  // The touches among `touch_ids` that exist, in id order (unlocked).
  virtual std::vector<TouchRow> FindTouches(const std::vector<std::string>& touch_ids) = 0;
  // The same, locked in id order (after their journeys), waiting for holders.
  virtual std::vector<TouchRow> LockTouches(const std::vector<std::string>& touch_ids) = 0;
  // Status claimed by `worker` at `now`, reason cleared (a voice touch gets its Genesys
  // contact id if it had none).
  virtual void MarkTouchClaimed(const std::string& touch_id, const std::string& worker,
                                absl::Time now) = 0;
  virtual void SetTouchStatuses(const std::vector<TouchStatusChange>& changes, absl::Time now) = 0;
  // Status deferred with `reason`, its next `attempt` and that attempt's `command` (serialised
  // blend.v1.TouchCommand); not_before becomes `not_before` when given and stays otherwise (a
  // pause holds a touch until the resume, with no moment to name).
  virtual void DeferTouch(const std::string& touch_id, const std::string& reason, int32_t attempt,
                          const std::string& command, std::optional<absl::Time> not_before) = 0;
  // Marks these touches held by a pause (status deferred, reason kPausedReason) where they
  // are still pending.
  virtual void HoldTouches(const std::vector<std::string>& touch_ids) = 0;
  // The journeys of a customer (by customer id, or whose customer has this phone or e-mail
  // address; empty strings match nothing) with a voice touch whose contact may be queued in
  // Genesys and that has no withdrawal requested yet (as RequestJourneysVoiceWithdrawals),
  // locked in id order.
  virtual std::vector<JourneyRow> LockJourneysWithWithdrawableVoice(const std::string& customer_id,
                                                                    const std::string& address) = 0;
  // pg::RequestJourneyVoiceWithdrawals for several journeys: every voice touch of theirs whose
  // contact may be queued in Genesys (claimed, sent, or done in doubt) and that has no
  // withdrawal requested yet gets one (reason, now); those touches, in id order, each at most
  // once over any number of calls.
  virtual std::vector<WithdrawnTouch> RequestJourneysVoiceWithdrawals(
      const std::vector<std::string>& journey_ids, const std::string& reason, absl::Time now) = 0;

  // bus messages and engagement profiles

  // Records the (distinct) message ids as processed by `source`: those seen for the first time.
  virtual std::set<std::string> MarkProcessedMany(const std::vector<std::string>& message_ids,
                                                  const std::string& source, absl::Time now) = 0;
  // The stored engagement profiles (JSON) of these customers, unlocked; customers without one
  // (or with an empty one) are absent.
  virtual std::map<std::string, std::string> LoadEngagementProfiles(
      const std::vector<std::string>& customer_ids) = 0;
  // The stored engagement profiles (JSON) of these customers, locked in id order; customers
  // without one are absent.
  virtual std::map<std::string, std::string> LockEngagementProfiles(
      const std::vector<std::string>& customer_ids) = 0;
  // Replaces stored profiles.
  virtual void UpdateEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                        absl::Time now) = 0;
  // Inserts first profiles: the customers whose profile was inserted (one missing had a
  // profile inserted by another transaction first: lock it and apply the change again).
  virtual std::set<std::string> InsertEngagementProfiles(
      const std::map<std::string, std::string>& profiles, absl::Time now) = 0;

  // what a step writes

  // History, touches, outbox rows and timers of one or many steps (effects.h).
  virtual void WriteEffects(const Effects& effects, absl::Time now) = 0;
  // One outbox row, published by the relay from `available_at` on.
  virtual void InsertOutbox(const std::string& topic, const std::string& key,
                            const std::string& payload, absl::Time available_at,
                            absl::Time now) = 0;
};

}  // namespace blend::orchestrator
