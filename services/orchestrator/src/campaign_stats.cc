// Campaign statistics (campaign_stats.h): the pure assembly, then the SQL that feeds it.

#include "blend/orchestrator/campaign_stats.h"

#include <nlohmann/json.hpp>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "blend/orchestrator/campaign_pause.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/pg_store.h"
#include "blend/orchestrator/statuses.h"

namespace blend::orchestrator {
namespace {

using nlohmann::ordered_json;

void CollectStates(const ordered_json& machine, const std::string& prefix,
                   std::vector<std::string>& out) {
  auto states = machine.find("States");
  if (states == machine.end() || !states->is_object()) return;
  for (const auto& [name, state] : states->items()) {
    const std::string qualified = prefix + name;
    out.push_back(qualified);
    if (!state.is_object()) continue;
    const std::string type = state.value("Type", "");
    if (type == "Parallel") {
      auto branches = state.find("Branches");
      if (branches == state.end() || !branches->is_array()) continue;
      for (const auto& b : *branches) {
        if (b.is_object()) CollectStates(b, qualified + "/", out);
      }
    } else if (type == "Map") {
      for (const char* key : {"ItemProcessor", "Iterator"}) {
        auto p = state.find(key);
        if (p != state.end() && p->is_object()) {
          CollectStates(*p, qualified + "/", out);
          break;
        }
      }
    }
  }
}

std::string OwnName(const std::string& qualified) {
  const size_t slash = qualified.rfind('/');
  return slash == std::string::npos ? qualified : qualified.substr(slash + 1);
}

int64_t Lookup(const std::map<std::string, int64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// Rows of a touch grouped by what decides its outcome: only a finished touch's reason matters.
constexpr char kTouchOutcomeKey[] =
    "t.channel, t.status, CASE WHEN t.status = 'done' THEN t.reason ELSE '' END";

}  // namespace

std::vector<std::string> DefinitionStateNames(std::string_view definition_json) {
  std::vector<std::string> out;
  ordered_json doc = ordered_json::parse(definition_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) CollectStates(doc, "", out);
  return out;
}

blend::v1::TouchOutcome OutcomeOfTouch(std::string_view status, std::string_view reason) {
  const std::optional<TouchStatus> s = TouchStatusFromText(status);
  if (s == TouchStatus::kDone) {
    blend::v1::TouchOutcome outcome = blend::v1::TOUCH_OUTCOME_UNSPECIFIED;
    if (blend::v1::TouchOutcome_Parse(std::string(reason), &outcome)) return outcome;
    return blend::v1::TOUCH_OUTCOME_FAILED;  // recorded by number: an outcome this build lacks
  }
  if (s == TouchStatus::kSent) return blend::v1::TOUCH_OUTCOME_SENT;
  if (s == TouchStatus::kRefused || s == TouchStatus::kCancelled) {
    return blend::v1::TOUCH_OUTCOME_SKIPPED;
  }
  return blend::v1::TOUCH_OUTCOME_UNSPECIFIED;
}

void AddTouchCounts(int channel, std::string_view status, std::string_view reason, int64_t n,
                    std::map<std::pair<int, int>, int64_t>& out) {
  out[{channel, static_cast<int>(OutcomeOfTouch(status, reason))}] += n;
}

blend::v1::CampaignStats AssembleStats(const std::vector<std::string>& state_names,
                                       const StatsCounts& counts) {
  blend::v1::CampaignStats s;
  for (const std::string& name : state_names) {
    auto* c = s.add_states();
    c->set_state_name(name);
    c->set_current(Lookup(counts.current, OwnName(name)));
    c->set_entered(Lookup(counts.entered, OwnName(name)));
  }
  for (int st = blend::v1::JOURNEY_STATUS_RUNNING; st <= blend::v1::JOURNEY_STATUS_TIMED_OUT;
       ++st) {
    auto* c = s.add_statuses();
    c->set_status(static_cast<blend::v1::JourneyStatus>(st));
    auto it = counts.statuses.find(st);
    c->set_journeys(it == counts.statuses.end() ? 0 : it->second);
  }
  for (const auto& [key, n] : counts.touches) {
    if (n == 0) continue;
    auto* t = s.add_touches();
    t->set_channel(static_cast<blend::v1::Channel>(key.first));
    t->set_outcome(static_cast<blend::v1::TouchOutcome>(key.second));
    t->set_touches(n);
  }
  s.set_conversions(counts.conversions);
  return s;
}

absl::StatusOr<blend::v1::CampaignStats> LoadCampaignStats(pqxx::work& tx,
                                                           const std::string& campaign_id,
                                                           int32_t version, absl::Time now) {
  std::optional<pg::CampaignRow> campaign = pg::FindCampaign(tx, campaign_id, version);
  if (!campaign) {
    return absl::NotFoundError(
        version == 0 ? absl::StrCat("unknown campaign ", campaign_id)
                     : absl::StrCat("unknown campaign ", campaign_id, " version ", version));
  }
  const int32_t v = campaign->version;
  StatsCounts counts;
  for (const auto& row : tx.exec_params(
           "SELECT r.value->>'state', count(DISTINCT j.journey_id) FROM journeys j "
           "CROSS JOIN LATERAL jsonb_each(j.state->'runs') r "
           "WHERE j.campaign_id = $1 AND j.campaign_version = $2 AND j.status = 1 GROUP BY 1",
           campaign_id, v)) {
    if (!row[0].is_null()) counts.current[row[0].as<std::string>()] = row[1].as<int64_t>();
  }
  for (const auto& row : tx.exec_params(
           "SELECT h.state_name, count(DISTINCT h.journey_id) FROM journey_history h "
           "JOIN journeys j ON j.journey_id = h.journey_id "
           "WHERE j.campaign_id = $1 AND j.campaign_version = $2 AND h.kind = 'StateEntered' "
           "GROUP BY 1",
           campaign_id, v)) {
    counts.entered[row[0].as<std::string>()] = row[1].as<int64_t>();
  }
  for (const auto& row : tx.exec_params("SELECT status, count(*) FROM journeys "
                                        "WHERE campaign_id = $1 AND campaign_version = $2 "
                                        "GROUP BY 1",
                                        campaign_id, v)) {
    counts.statuses[row[0].as<int>()] = row[1].as<int64_t>();
  }
  for (const auto& row : tx.exec_params(
           absl::StrCat("SELECT ", kTouchOutcomeKey,
                        ", count(*) FROM touches t "
                        "JOIN journeys j ON j.journey_id = t.journey_id "
                        "WHERE j.campaign_id = $1 AND j.campaign_version = $2 GROUP BY 1, 2, 3"),
           campaign_id, v)) {
    AddTouchCounts(row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<int64_t>(), counts.touches);
  }
  counts.conversions =
      tx.exec_params(
            "SELECT count(*) FROM journeys j WHERE j.campaign_id = $1 "
            "AND j.campaign_version = $2 AND j.status <> 1 AND EXISTS (SELECT 1 FROM "
            "journey_history h WHERE h.journey_id = j.journey_id "
            "AND h.kind = 'ExitEventReceived')",
            campaign_id, v)[0][0]
          .as<int64_t>();
  blend::v1::CampaignStats stats =
      AssembleStats(DefinitionStateNames(campaign->definition_json), counts);
  stats.set_campaign_id(campaign_id);
  stats.set_version(v);
  *stats.mutable_pause() = ReadPause(tx, campaign_id);
  *stats.mutable_computed_at() = ToProto(now);
  return stats;
}

std::vector<blend::v1::CampaignSummary> LoadCampaignSummaries(pqxx::work& tx, bool all,
                                                              const std::vector<std::string>& scope,
                                                              const std::string& after_id,
                                                              int limit, absl::Time now) {
  std::vector<blend::v1::CampaignSummary> out;
  std::map<std::string, size_t> index;
  std::vector<std::string> ids;
  for (const auto& row : tx.exec_params(
           "SELECT DISTINCT ON (campaign_id) campaign_id, version, blend_ts_to_us(created_at) "
           "FROM campaigns WHERE ($1::boolean OR campaign_id = ANY($2::text[])) "
           "AND campaign_id > $3 ORDER BY campaign_id, version DESC LIMIT $4",
           all, pg::TextArray(scope), after_id, limit)) {
    blend::v1::CampaignSummary s;
    s.set_campaign_id(row[0].as<std::string>());
    s.set_latest_version(row[1].as<int32_t>());
    *s.mutable_created_at() = ToProto(pg::FromMicros(row[2].as<int64_t>()));
    index[s.campaign_id()] = out.size();
    ids.push_back(s.campaign_id());
    out.push_back(std::move(s));
  }
  if (ids.empty()) return out;
  const std::string id_array = pg::TextArray(ids);
  for (const auto& row : tx.exec_params("SELECT campaign_id, count(*) FILTER (WHERE status = 1), "
                                        "count(*) FILTER (WHERE status <> 1) FROM journeys "
                                        "WHERE campaign_id = ANY($1::text[]) GROUP BY 1",
                                        id_array)) {
    auto& s = out[index.at(row[0].as<std::string>())];
    s.set_journeys_running(row[1].as<int64_t>());
    s.set_journeys_finished(row[2].as<int64_t>());
  }
  const absl::Time midnight =
      absl::FromCivil(absl::ToCivilDay(now, absl::UTCTimeZone()), absl::UTCTimeZone());
  std::map<std::string, std::map<std::pair<int, int>, int64_t>> today;
  for (const auto& row : tx.exec_params(
           absl::StrCat("SELECT j.campaign_id, ", kTouchOutcomeKey,
                        ", count(*) FROM touches t JOIN journeys j ON j.journey_id = t.journey_id "
                        "WHERE j.campaign_id = ANY($1::text[]) "
                        "AND t.created_at >= blend_us_to_ts($2) GROUP BY 1, 2, 3, 4"),
           id_array, pg::ToMicros(midnight))) {
    AddTouchCounts(row[1].as<int>(), row[2].as<std::string>(), row[3].as<std::string>(),
                   row[4].as<int64_t>(), today[row[0].as<std::string>()]);
  }
  for (const auto& [id, counts] : today) {
    auto& s = out[index.at(id)];
    for (const auto& [key, n] : counts) {
      auto* t = s.add_touches_today();
      t->set_channel(static_cast<blend::v1::Channel>(key.first));
      t->set_outcome(static_cast<blend::v1::TouchOutcome>(key.second));
      t->set_touches(n);
    }
  }
  for (const auto& row : tx.exec_params(
           "SELECT j.campaign_id, count(*) FROM journeys j WHERE j.campaign_id = ANY($1::text[]) "
           "AND j.status <> 1 AND EXISTS (SELECT 1 FROM journey_history h "
           "WHERE h.journey_id = j.journey_id AND h.kind = 'ExitEventReceived') GROUP BY 1",
           id_array)) {
    out[index.at(row[0].as<std::string>())].set_conversions(row[1].as<int64_t>());
  }
  for (auto& [id, pause] : ReadPauses(tx, ids)) *out[index.at(id)].mutable_pause() = pause;
  return out;
}

}  // namespace blend::orchestrator
