// PgJourneyStore: the JourneyStore calls as the statements of pg_store.h (and the consent
// record's, libs/consent), in the caller's transaction.

#include "blend/orchestrator/pg_journey_store.h"

#include <string>
#include <vector>

#include "blend/consent/consent_store.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/pg_store.h"

namespace blend::orchestrator {

int32_t PgJourneyStore::InsertCampaignVersion(const CampaignRow& row) {
  return pg::InsertCampaignVersion(tx_, row);
}

std::optional<CampaignRow> PgJourneyStore::FindCampaign(const std::string& campaign_id,
                                                        int32_t version) {
  return pg::FindCampaign(tx_, campaign_id, version);
}

void PgJourneyStore::SetPaused(const std::string& campaign_id, bool paused,
                               const std::string& changed_by, const std::string& reason,
                               absl::Time now) {
  bool changed = false;
  orchestrator::SetPaused(tx_, campaign_id, paused, changed_by, reason, now, &changed);
}

bool PgJourneyStore::CampaignPaused(const std::string& campaign_id) {
  // Only a paused row is locked (FOR SHARE applies to the rows returned): campaign_pause.h
  // says why a resume then cannot leave a touch held.
  return !tx_.exec_params(
                 "SELECT 1 FROM campaign_pauses WHERE campaign_id = $1 AND paused FOR SHARE",
                 campaign_id)
              .empty();
}

std::vector<std::string> PgJourneyStore::InsertJourneys(const std::vector<JourneyRow>& rows) {
  return pg::InsertJourneys(tx_, rows);
}

std::optional<JourneyRow> PgJourneyStore::FindJourney(const std::string& journey_id) {
  return pg::FindJourney(tx_, journey_id, pg::Lock::kNone);
}

std::optional<JourneyKeyMatch> PgJourneyStore::FindJourneyByKey(const std::string& campaign_id,
                                                                const std::string& client_key) {
  return pg::FindJourneyByKey(tx_, campaign_id, client_key);
}

std::map<std::string, std::string> PgJourneyStore::LoadEngagementProfiles(
    const std::vector<std::string>& customer_ids) {
  return pg::LoadEngagementProfiles(tx_, customer_ids);
}

std::vector<JourneyRow> PgJourneyStore::LockJourneysSkipLocked(
    const std::vector<std::string>& journey_ids) {
  return pg::LockJourneysSkipLocked(tx_, journey_ids);
}

bool PgJourneyStore::UpdateJourneys(const std::vector<JourneyRow*>& rows) {
  return pg::UpdateJourneys(tx_, rows);
}

std::vector<HistoryRow> PgJourneyStore::ReadHistory(const std::string& journey_id) {
  return pg::ReadHistory(tx_, journey_id);
}

void PgJourneyStore::AppendHistory(const std::string& journey_id, const HistoryRow& row) {
  pg::AppendHistory(tx_, journey_id, row);
}

void PgJourneyStore::UpsertTimer(const std::string& journey_id, const std::string& key,
                                 absl::Time due, absl::Time now) {
  pg::UpsertTimer(tx_, journey_id, key, due, now);
}

std::vector<DueTimer> PgJourneyStore::ClaimDueTimers(absl::Time now, int limit) {
  return pg::ClaimDueTimers(tx_, now, limit);
}

void PgJourneyStore::UpsertFacts(const std::string& customer_id, const std::string& object_json,
                                 absl::Time at) {
  pg::UpsertFacts(tx_, customer_id, object_json, at);
}

std::vector<FactsAndProfile> PgJourneyStore::LoadFactsAndProfiles(
    const std::vector<FactsQuery>& queries) {
  return pg::LoadFactsAndProfiles(tx_, queries);
}

SuppressionPut PgJourneyStore::PutSuppression(const consent::Record& record, absl::Time now) {
  consent::pg::PutResult put = consent::pg::Put(tx_, record, now);
  return {std::move(put.record), put.created};
}

std::vector<JourneyRow> PgJourneyStore::LockJourneysWithWithdrawableVoice(
    const std::string& customer_id, const std::string& address) {
  return pg::LockJourneysWithWithdrawableVoice(tx_, customer_id, address);
}

std::vector<consent::Record> PgJourneyStore::FindConsent(
    const std::vector<std::string>& customer_ids, const std::vector<std::string>& addresses,
    absl::Time now) {
  return consent::pg::FindInForce(tx_, customer_ids, addresses, now);
}

std::map<std::string, std::vector<absl::Time>> PgJourneyStore::ClaimedTouchTimesOf(
    const std::vector<std::string>& customer_ids, int16_t channel, absl::Time since) {
  return pg::ClaimedTouchTimesOf(tx_, customer_ids, channel, since);
}

std::string PgJourneyStore::TouchKey() { return pg::LoadInstallationSecret(tx_, "touch_id"); }

std::vector<TouchRow> PgJourneyStore::FindTouches(const std::vector<std::string>& touch_ids) {
  return pg::FindTouches(tx_, touch_ids, pg::Lock::kNone);
}

void PgJourneyStore::MarkTouchClaimed(const std::string& touch_id, const std::string& worker,
                                      absl::Time now) {
  pg::MarkTouchClaimed(tx_, touch_id, worker, now);
}

void PgJourneyStore::SetTouchStatuses(const std::vector<TouchStatusChange>& changes,
                                      absl::Time now) {
  pg::SetTouchStatuses(tx_, changes, now);
}

void PgJourneyStore::DeferTouch(const std::string& touch_id, const std::string& reason,
                                int32_t attempt, const std::string& command,
                                std::optional<absl::Time> not_before) {
  pg::MarkTouchDeferred(tx_, touch_id, reason, not_before, attempt, command);
}

void PgJourneyStore::HoldTouches(const std::vector<std::string>& touch_ids) {
  if (touch_ids.empty()) return;
  tx_.exec_params(
      "UPDATE touches SET status = 'deferred', reason = $2 "
      "WHERE touch_id = ANY($1::text[]) AND status = 'pending'",
      pg::TextArray(touch_ids), std::string(kPausedReason));
}

std::vector<WithdrawnTouch> PgJourneyStore::RequestJourneysVoiceWithdrawals(
    const std::vector<std::string>& journey_ids, const std::string& reason, absl::Time now) {
  return pg::RequestJourneysVoiceWithdrawals(tx_, journey_ids, reason, now);
}

std::vector<JourneyRow> PgJourneyStore::LockJourneys(const std::vector<std::string>& journey_ids) {
  return pg::LockJourneys(tx_, journey_ids);
}

std::vector<JourneyRow> PgJourneyStore::LockRunningJourneysOfCustomers(
    const std::vector<std::string>& customer_ids) {
  return pg::LockRunningJourneysOfCustomers(tx_, customer_ids);
}

std::vector<TouchRow> PgJourneyStore::LockTouches(const std::vector<std::string>& touch_ids) {
  return pg::FindTouches(tx_, touch_ids, pg::Lock::kForUpdate);
}

std::set<std::string> PgJourneyStore::MarkProcessedMany(const std::vector<std::string>& message_ids,
                                                        const std::string& source, absl::Time now) {
  return pg::MarkProcessedMany(tx_, message_ids, source, now);
}

std::map<std::string, std::string> PgJourneyStore::LockEngagementProfiles(
    const std::vector<std::string>& customer_ids) {
  return pg::LockEngagementProfiles(tx_, customer_ids);
}

void PgJourneyStore::UpdateEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                              absl::Time now) {
  pg::UpdateEngagementProfiles(tx_, profiles, now);
}

std::set<std::string> PgJourneyStore::InsertEngagementProfiles(
    const std::map<std::string, std::string>& profiles, absl::Time now) {
  return pg::InsertEngagementProfiles(tx_, profiles, now);
}

void PgJourneyStore::WriteEffects(const Effects& effects, absl::Time now) {
  pg::WriteEffects(tx_, effects, now);
}

void PgJourneyStore::InsertOutbox(const std::string& topic, const std::string& key,
                                  const std::string& payload, absl::Time available_at,
                                  absl::Time now) {
  pg::InsertOutbox(tx_, topic, key, payload, available_at, now);
}

}  // namespace blend::orchestrator
