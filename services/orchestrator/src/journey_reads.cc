// Read paths of JourneyRunner: get, list, campaign of a journey, row -> proto.

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/journey_runner.h"
#include "blend/store/transaction.h"

namespace blend::orchestrator {

using nlohmann::json;

blend::v1::Journey JourneyRunner::ToProto(const pg::JourneyRow& row) const {
  blend::v1::Journey j;
  j.set_journey_id(row.journey_id);
  j.set_campaign_id(row.campaign_id);
  j.set_campaign_version(row.campaign_version);
  j.set_client_key(row.client_key);
  j.set_customer_id(row.customer_id);
  j.set_status(orchestrator::ToProto(row.status));
  j.set_current_state(row.current_state);
  *j.mutable_state() = JsonToStruct(json::parse(row.state_json));
  if (row.pending_timer) *j.mutable_pending_timer() = orchestrator::ToProto(*row.pending_timer);
  *j.mutable_started_at() = orchestrator::ToProto(row.started_at);
  if (row.finished_at) *j.mutable_finished_at() = orchestrator::ToProto(*row.finished_at);
  j.set_error(row.error);
  j.set_cause(row.cause);
  return j;
}

absl::StatusOr<blend::v1::Journey> JourneyRunner::GetJourney(const std::string& journey_id,
                                                             bool history) {
  return ctx_.Transact({.name = "get_journey", .read_only = true},
                       [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::Journey> {
                         auto row = pg::FindJourney(tx, journey_id, pg::Lock::kNone);
                         if (!row)
                           return absl::NotFoundError(absl::StrCat("unknown journey ", journey_id));
                         blend::v1::Journey j = ToProto(*row);
                         if (history) {
                           for (const pg::HistoryRow& h : pg::ReadHistory(tx, journey_id)) {
                             auto* e = j.add_history();
                             e->set_seq(h.seq);
                             *e->mutable_at() = orchestrator::ToProto(h.at);
                             e->set_kind(h.kind);
                             e->set_state_name(h.state_name);
                             *e->mutable_detail() = JsonToStruct(json::parse(h.detail_json));
                           }
                         }
                         return j;
                       });
}

absl::StatusOr<std::string> JourneyRunner::CampaignOfJourney(const std::string& journey_id) {
  BLEND_ASSIGN_OR_RETURN(blend::v1::Journey j, GetJourney(journey_id, false));
  return j.campaign_id();
}

// Page tokens are "<started_at micros>/<journey id>" of the last row of the previous page.
absl::StatusOr<blend::v1::ListJourneysResponse> JourneyRunner::ListJourneys(
    const blend::v1::ListJourneysRequest& request) {
  if (request.customer_id().empty() && request.campaign_id().empty()) {
    return absl::InvalidArgumentError("customer_id or campaign_id is required");
  }
  if (request.campaign_version() < 0) {
    return absl::InvalidArgumentError("campaign_version must not be negative");
  }
  if (!blend::v1::JourneyStatus_IsValid(request.status())) {
    return absl::InvalidArgumentError("unknown status");
  }
  pg::JourneyFilter filter{request.customer_id(), request.campaign_id(), request.campaign_version(),
                           request.state_name(), FromProto(request.status())};
  int limit = request.page_size() <= 0 ? 100 : std::min(request.page_size(), 1000);
  std::optional<absl::Time> after;
  std::string after_id;
  if (!request.page_token().empty()) {
    std::vector<std::string> parts = absl::StrSplit(request.page_token(), absl::MaxSplits('/', 1));
    int64_t us = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &us)) {
      return absl::InvalidArgumentError("bad page_token");
    }
    after = pg::FromMicros(us);
    after_id = parts[1];
  }
  return ctx_.Transact(
      {.name = "list_journeys", .read_only = true},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::ListJourneysResponse> {
        blend::v1::ListJourneysResponse resp;
        auto rows = pg::ListJourneys(tx, filter, limit, after, after_id);
        for (const auto& row : rows) *resp.add_journeys() = ToProto(row);
        if (static_cast<int>(rows.size()) == limit) {
          resp.set_next_page_token(
              absl::StrCat(pg::ToMicros(rows.back().started_at), "/", rows.back().journey_id));
        }
        return resp;
      });
}

}  // namespace blend::orchestrator
