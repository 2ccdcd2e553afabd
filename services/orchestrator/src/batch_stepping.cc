// What the batch triggers (timer_firing.cc, disposition_batch.cc) share: the facts of many
// journeys read with one statement per kind, the step's history row count, and the write of
// the stepped journeys with the withdrawals of those that ended.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/orchestrator/statuses.h"
#include "journey_step_rows.h"

namespace blend::orchestrator {

namespace detail {

int64_t HistoryRowsOf(const journey::StepResult& result) {
  int64_t n = 0;
  for (const journey::Effect& e : result.effects) {
    if (std::holds_alternative<journey::HistoryEntry>(e)) ++n;
  }
  return n;
}

void AddCapHistories(pqxx::work& tx, const std::vector<CapQuery>& queries, absl::Time now) {
  std::map<std::pair<Channel, absl::Duration>, std::vector<const CapQuery*>> capped;
  for (const CapQuery& q : queries) {
    for (const auto& [channel, cap] : q.campaign->policies().frequency_caps) {
      if (cap.max_touches > 0) capped[{channel, cap.window}].push_back(&q);
    }
  }
  for (const auto& [key, members] : capped) {
    const auto& [channel, window] = key;
    std::vector<std::string> ids;
    ids.reserve(members.size());
    for (const CapQuery* q : members) ids.push_back(q->customer_id);
    const auto times = pg::ClaimedTouchTimesOf(
        tx, ids, static_cast<int16_t>(orchestrator::ToProto(channel)), now - window);
    for (const CapQuery* q : members) {
      auto it = times.find(q->customer_id);
      q->facts->past_touches[channel] = it == times.end() ? std::vector<absl::Time>{} : it->second;
    }
  }
}

}  // namespace detail

std::vector<journey::CustomerFacts> JourneyRunner::BuildFactsOfMany(
    pqxx::work& tx, const std::vector<const Loaded*>& journeys, absl::Time now) {
  std::vector<blend::v1::Customer> customers;
  std::vector<pg::FactsQuery> queries;
  for (const Loaded* j : journeys) {
    customers.push_back(j->customer);
    queries.push_back({j->customer.customer_id(), j->row.started_at});
  }
  const std::vector<consent::Record> consent = FindConsent(tx, customers, now);
  const std::vector<pg::FactsAndProfile> stored = pg::LoadFactsAndProfiles(tx, queries);
  std::vector<journey::CustomerFacts> facts(journeys.size());
  std::vector<detail::CapQuery> caps;
  caps.reserve(journeys.size());
  for (size_t i = 0; i < journeys.size(); ++i) {
    const Loaded& j = *journeys[i];
    ApplyConsent(consent, j.customer, *j.campaign, now, facts[i]);
    facts[i].attributes = nlohmann::json::parse(stored[i].facts_json);
    if (stored[i].profile_json) facts[i].engagement = EngagementFactsOf(*stored[i].profile_json);
    caps.push_back({j.campaign.get(), j.customer.customer_id(), &facts[i]});
  }
  detail::AddCapHistories(tx, caps, now);
  return facts;
}

absl::Status JourneyRunner::WriteSteppedJourneys(
    pqxx::work& tx, const std::map<std::string, int16_t>& status_before,
    std::map<std::string, Loaded>& loaded, absl::Time now, TxNotes& notes) {
  std::vector<pg::JourneyRow*> stepped;
  stepped.reserve(status_before.size());
  for (const auto& [id, before] : status_before) stepped.push_back(&loaded.at(id).row);
  BLEND_RETURN_IF_ERROR(detail::TxOk(pg::UpdateJourneys(tx, stepped), "a batch's journey"));
  // As in Apply: a journey that ends withdraws its voice contacts still queued in Genesys.
  std::map<std::string, std::vector<std::string>> ended_by_reason;
  for (const auto& [id, before] : status_before) {
    const pg::JourneyRow& row = loaded.at(id).row;
    if (before != blend::v1::JOURNEY_STATUS_RUNNING || row.status == before) continue;
    notes.finished.emplace_back(row.campaign_id, JourneyStatusText(row.status));
    ended_by_reason[absl::StrCat("journey finished: ", JourneyStatusText(row.status))].push_back(
        id);
  }
  for (const auto& [reason, ids] : ended_by_reason) {
    WriteWithdrawals(tx, pg::RequestJourneysVoiceWithdrawals(tx, ids, reason, now), reason, now,
                     notes);
  }
  return absl::OkStatus();
}

}  // namespace blend::orchestrator
