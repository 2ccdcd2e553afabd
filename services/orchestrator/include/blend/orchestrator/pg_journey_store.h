#pragma once

// The JourneyStore (journey_store.h) of production: each call is the pg_store.h statement of
// the same name, run in the caller's transaction (which the caller commits). Cheap to make:
// one per transaction, on the stack.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/transaction>

#include "blend/orchestrator/journey_store.h"

namespace blend::orchestrator {

class PgJourneyStore final : public JourneyStore {
 public:
  explicit PgJourneyStore(pqxx::work& tx) : tx_(tx) {}

  int32_t InsertCampaignVersion(const CampaignRow& row) override;
  std::optional<CampaignRow> FindCampaign(const std::string& campaign_id, int32_t version) override;
  void SetPaused(const std::string& campaign_id, bool paused, const std::string& changed_by,
                 const std::string& reason, absl::Time now) override;
  bool CampaignPaused(const std::string& campaign_id) override;
  std::vector<std::string> InsertJourneys(const std::vector<JourneyRow>& rows) override;
  std::optional<JourneyRow> FindJourney(const std::string& journey_id) override;
  std::optional<JourneyKeyMatch> FindJourneyByKey(const std::string& campaign_id,
                                                  const std::string& client_key) override;
  std::vector<JourneyRow> LockJourneysSkipLocked(
      const std::vector<std::string>& journey_ids) override;
  bool UpdateJourneys(const std::vector<JourneyRow*>& rows) override;
  std::vector<HistoryRow> ReadHistory(const std::string& journey_id) override;
  void AppendHistory(const std::string& journey_id, const HistoryRow& row) override;
  void UpsertTimer(const std::string& journey_id, const std::string& key, absl::Time due,
                   absl::Time now) override;
  std::vector<DueTimer> ClaimDueTimers(absl::Time now, int limit) override;
  void UpsertFacts(const std::string& customer_id, const std::string& object_json,
                   absl::Time at) override;
  std::vector<FactsAndProfile> LoadFactsAndProfiles(
      const std::vector<FactsQuery>& queries) override;
  SuppressionPut PutSuppression(const consent::Record& record, absl::Time now) override;
  std::vector<JourneyRow> LockJourneysWithWithdrawableVoice(const std::string& customer_id,
                                                            const std::string& address) override;
  std::vector<consent::Record> FindConsent(const std::vector<std::string>& customer_ids,
                                           const std::vector<std::string>& addresses,
                                           absl::Time now) override;
  std::map<std::string, std::vector<absl::Time>> ClaimedTouchTimesOf(
      const std::vector<std::string>& customer_ids, int16_t channel, absl::Time since) override;
  std::string TouchKey() override;
  std::vector<TouchRow> FindTouches(const std::vector<std::string>& touch_ids) override;
  void MarkTouchClaimed(const std::string& touch_id, const std::string& worker,
                        absl::Time now) override;
  void SetTouchStatuses(const std::vector<TouchStatusChange>& changes, absl::Time now) override;
  void DeferTouch(const std::string& touch_id, const std::string& reason, int32_t attempt,
                  const std::string& command, std::optional<absl::Time> not_before) override;
  void HoldTouches(const std::vector<std::string>& touch_ids) override;
  std::vector<WithdrawnTouch> RequestJourneysVoiceWithdrawals(
      const std::vector<std::string>& journey_ids, const std::string& reason,
      absl::Time now) override;
  std::vector<JourneyRow> LockJourneys(const std::vector<std::string>& journey_ids) override;
  std::vector<JourneyRow> LockRunningJourneysOfCustomers(
      const std::vector<std::string>& customer_ids) override;
  std::vector<TouchRow> LockTouches(const std::vector<std::string>& touch_ids) override;
  std::set<std::string> MarkProcessedMany(const std::vector<std::string>& message_ids,
                                          const std::string& source, absl::Time now) override;
  std::map<std::string, std::string> LoadEngagementProfiles(
      const std::vector<std::string>& customer_ids) override;
  std::map<std::string, std::string> LockEngagementProfiles(
      const std::vector<std::string>& customer_ids) override;
  void UpdateEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                absl::Time now) override;
  std::set<std::string> InsertEngagementProfiles(const std::map<std::string, std::string>& profiles,
                                                 absl::Time now) override;
  void WriteEffects(const Effects& effects, absl::Time now) override;
  void InsertOutbox(const std::string& topic, const std::string& key, const std::string& payload,
                    absl::Time available_at, absl::Time now) override;

  pqxx::work& tx() { return tx_; }

 private:
  pqxx::work& tx_;
};

}  // namespace blend::orchestrator
