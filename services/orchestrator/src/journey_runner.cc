// JourneyRunner (journey_runner.h): campaigns, starts, the consumed messages and cancels, each
// one transaction around its unit over a PgJourneyStore.

#include "blend/orchestrator/journey_runner.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "blend/common/status_macros.h"
#include "blend/orchestrator/codec.h"
#include "blend/orchestrator/customer_event_batch.h"
#include "blend/orchestrator/pg_journey_store.h"
#include "blend/telemetry/log.h"

namespace blend::orchestrator {

using nlohmann::json;

JourneyRunner::JourneyRunner(store::ConnectionPool& pool, const Clock& clock, Metrics* metrics,
                             RunnerOptions options)
    : ctx_(pool, clock, metrics, std::move(options)),
      stepper_(campaigns_, ctx_.options().topic_prefix),
      engagement_(ctx_.options().engagement) {}

// campaigns

absl::StatusOr<blend::v1::PutCampaignResponse> JourneyRunner::PutCampaign(
    const blend::v1::Campaign& campaign, std::vector<journey::ValidationProblem>* problems) {
  if (campaign.campaign_id().empty()) {
    return absl::InvalidArgumentError("campaign.campaign_id is required");
  }
  std::map<std::string, std::string> aliases(campaign.resource_aliases().begin(),
                                             campaign.resource_aliases().end());
  BLEND_RETURN_IF_ERROR(journey::ParseCampaign(campaign.definition_json(), campaign.policies_json(),
                                               aliases, problems, campaign.campaign_id())
                            .status());
  pg::CampaignRow row{campaign.campaign_id(),     0,
                      campaign.definition_json(), campaign.policies_json(),
                      json(aliases).dump(),       ctx_.clock().Now()};
  return ctx_.Transact(
      {.name = "put_campaign"},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::PutCampaignResponse> {
        blend::v1::PutCampaignResponse resp;
        resp.set_campaign_id(row.campaign_id);
        resp.set_version(pg::InsertCampaignVersion(tx, row));
        return resp;
      });
}

absl::StatusOr<blend::v1::Campaign> JourneyRunner::GetCampaign(const std::string& campaign_id,
                                                               int32_t version) {
  return ctx_.Transact(
      {.name = "get_campaign", .read_only = true},
      [&](pqxx::work& tx, TxNotes&) -> absl::StatusOr<blend::v1::Campaign> {
        auto row = pg::FindCampaign(tx, campaign_id, version);
        if (!row) return absl::NotFoundError(absl::StrCat("unknown campaign ", campaign_id));
        blend::v1::Campaign c;
        c.set_campaign_id(row->campaign_id);
        c.set_version(row->version);
        c.set_definition_json(row->definition_json);
        c.set_policies_json(row->policies_json);
        const json aliases = json::parse(row->resource_aliases_json);
        for (const auto& [k, v] : aliases.items()) {
          (*c.mutable_resource_aliases())[k] = v.get<std::string>();
        }
        *c.mutable_created_at() = orchestrator::ToProto(row->created_at);
        return c;
      });
}

// starts

absl::StatusOr<blend::v1::StartJourneyResponse> JourneyRunner::StartJourney(
    const blend::v1::StartJourneyRequest& request) {
  blend::v1::StartJourneyRequest req = request;
  BLEND_RETURN_IF_ERROR(NormalizeStartRequest(req));
  const absl::Time t0 = ctx_.clock().Now();
  std::vector<absl::Status> row_status;
  // Not timed by Transact: a rejected row commits (nothing) but is no applied trigger. Its
  // notes are empty (StartJourneys notes accepted rows only).
  auto result = ctx_.Transact(
      {.name = "start"},
      [&](pqxx::work& tx, TxNotes& notes) -> absl::StatusOr<blend::v1::StartJourneyResult> {
        PgJourneyStore store(tx);
        auto results = StartJourneys(store, stepper_, campaigns_, {req}, ctx_.clock().Now(), notes,
                                     row_status);
        if (row_status[0].code() == absl::StatusCode::kAborted) return row_status[0];
        return results[0];
      });
  if (!result.ok()) return result.status();
  if (!row_status[0].ok()) return row_status[0];
  ctx_.RecordTrigger("start", t0);
  blend::v1::StartJourneyResponse resp;
  resp.set_journey_id(result->journey_id());
  resp.set_created(result->reason().empty());
  return resp;
}

std::vector<blend::v1::StartJourneyResult> JourneyRunner::StartBatchOnce(
    const std::vector<blend::v1::StartJourneyRequest>& requests, absl::Status* tx_status) {
  std::vector<blend::v1::StartJourneyResult> results(requests.size());
  std::vector<blend::v1::StartJourneyRequest> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < requests.size(); ++i) {
    blend::v1::StartJourneyRequest req = requests[i];
    results[i].set_row(req.row());
    if (absl::Status s = NormalizeStartRequest(req); !s.ok()) {
      results[i].set_reason(std::string(s.message()));
      continue;
    }
    valid.push_back(std::move(req));
    valid_index.push_back(i);
  }
  *tx_status = ctx_.Transact({.name = "start_batch", .timed = true},
                             [&](pqxx::work& tx, TxNotes& notes) -> absl::Status {
                               std::vector<absl::Status> row_status;
                               PgJourneyStore store(tx);
                               auto out = StartJourneys(store, stepper_, campaigns_, valid,
                                                        ctx_.clock().Now(), notes, row_status);
                               for (size_t k = 0; k < valid.size(); ++k) {
                                 if (row_status[k].code() == absl::StatusCode::kAborted)
                                   return row_status[k];
                                 results[valid_index[k]] = std::move(out[k]);
                               }
                               return absl::OkStatus();
                             });
  return results;
}

std::vector<blend::v1::StartJourneyResult> JourneyRunner::StartBatch(
    const std::vector<blend::v1::StartJourneyRequest>& requests) {
  absl::Status tx_status;
  auto results = StartBatchOnce(requests, &tx_status);
  if (tx_status.ok()) return results;
  // The batch failed as a whole (a row broke the transaction): isolate the culprit by
  // starting each row on its own.
  BLEND_LOG(
      kWarn, "start batch failed; retrying row by row",
      {{"rows", std::to_string(requests.size())}, {"error", std::string(tx_status.message())}});
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status one;
    auto r = StartBatchOnce({requests[i]}, &one);
    results[i] = r[0];
    if (!one.ok()) {
      results[i].set_accepted(false);
      results[i].set_reason(absl::StrCat("internal error: ", std::string(one.message())));
    }
  }
  return results;
}

// triggers

absl::StatusOr<blend::v1::SendCustomerEventResponse> JourneyRunner::ApplyCustomerEvent(
    const blend::v1::CustomerEvent& ev) {
  BLEND_RETURN_IF_ERROR(ValidateCustomerEvent(ev));
  return ctx_.Transact({.name = "customer_event", .timed = true},
                       [&](pqxx::work& tx, TxNotes& notes) {
                         PgJourneyStore store(tx);
                         return events_.CustomerEvent(store, ev, ctx_.clock().Now(), notes);
                       });
}

absl::Status JourneyRunner::ApplyDisposition(const std::string& message_id,
                                             const blend::v1::Disposition& d) {
  return ctx_.Transact({.name = "disposition", .timed = true}, [&](pqxx::work& tx, TxNotes& notes) {
    PgJourneyStore store(tx);
    return events_.Disposition(store, message_id, d, ctx_.clock().Now(), notes);
  });
}

absl::StatusOr<std::vector<absl::Status>> JourneyRunner::ApplyEvents(
    const std::vector<BusEvent>& events) {
  return ctx_.Transact({.name = "event_batch", .timed = true}, [&](pqxx::work& tx, TxNotes& notes) {
    PgJourneyStore store(tx);
    return events_.Events(store, events, ctx_.clock().Now(), notes);
  });
}

absl::StatusOr<blend::v1::Journey> JourneyRunner::CancelJourney(const std::string& journey_id,
                                                                const std::string& reason) {
  auto row = ctx_.Transact({.name = "cancel"}, [&](pqxx::work& tx, TxNotes& notes) {
    PgJourneyStore store(tx);
    return orchestrator::CancelJourney(store, stepper_, journey_id, reason, ctx_.clock().Now(),
                                       notes);
  });
  if (!row.ok()) return row.status();
  return ToProto(*row);
}

}  // namespace blend::orchestrator
