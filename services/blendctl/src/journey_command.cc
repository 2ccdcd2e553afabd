// `blendctl journey start|get|history|list|cancel` (start-many: start_many_command.cc).

#include <memory>

#include "absl/strings/ascii.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/online_commands.h"
#include "blend/blendctl/start_request.h"
#include "blend/blendctl/table_printer.h"
#include "output.h"
#include "start_many_command.h"

namespace blend::blendctl {
namespace {

using nlohmann::json;

int RunStart(const StartOptions& options, GrpcConnection& conn, OnlineContext& ctx) {
  auto req = BuildStartRequest(options);
  if (!req.ok()) return ReportError(ctx, kExitInvalid, std::string(req.status().message()));
  blend::v1::StartJourneyResponse resp;
  grpc::Status s = conn.journeys().StartJourney(conn.NewContext().get(), *req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    json doc = ProtoToJson(resp);
    doc["idempotencyKey"] = req->client_key();
    PrintJson(ctx, doc);
  } else if (resp.created()) {
    *ctx.out << "journey " << resp.journey_id() << " started (idempotency key " << req->client_key()
             << ")\n";
  } else {
    *ctx.out << "journey " << resp.journey_id()
             << " already exists with this idempotency key and input; nothing started\n";
  }
  return kExitOk;
}

grpc::Status FetchJourney(const std::string& id, GrpcConnection& conn, blend::v1::Journey& out) {
  blend::v1::GetJourneyRequest req;
  req.set_journey_id(id);
  return conn.journeys().GetJourney(conn.NewContext().get(), req, &out);
}

std::string JourneySummary(const blend::v1::Journey& j) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"journey", j.journey_id()},
      {"campaign", j.campaign_id() + " v" + std::to_string(j.campaign_version())},
      {"customer", j.customer_id()},
      {"idempotency key", j.client_key()},
      {"status", JourneyStatusName(j.status())},
      {"current state", j.current_state().empty() ? "-" : j.current_state()},
      {"started", FormatTimestamp(j.started_at())},
      {"finished", FormatTimestamp(j.finished_at())},
      {"pending timer", FormatTimestamp(j.pending_timer())}};
  if (!j.error().empty()) rows.emplace_back("error", j.error());
  if (!j.cause().empty()) rows.emplace_back("cause", j.cause());
  if (j.history_size() > 0)
    rows.emplace_back("history",
                      std::to_string(j.history_size()) + " entries (journey history ID)");
  return RenderKeyValues(rows);
}

int RunGetJourney(const std::string& id, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::Journey j;
  grpc::Status s = FetchJourney(id, conn, j);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(j));
  } else {
    *ctx.out << JourneySummary(j);
  }
  return kExitOk;
}

int RunJourneyHistory(const std::string& id, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::Journey j;
  grpc::Status s = FetchJourney(id, conn, j);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    json entries = json::array();
    for (const auto& h : j.history()) entries.push_back(ProtoToJson(h));
    PrintJson(ctx, {{"journeyId", j.journey_id()}, {"history", entries}});
    return kExitOk;
  }
  Table table({"SEQ", "AT", "KIND", "STATE", "DETAIL"});
  for (const auto& h : j.history()) {
    table.AddRow({std::to_string(h.seq()), FormatTimestamp(h.at()), h.kind(), h.state_name(),
                  Truncate(StructText(h.detail()), 100)});
  }
  *ctx.out << table.Render();
  return kExitOk;
}

struct ListOptions {
  std::string customer;
  std::string campaign;
  int campaign_version = 0;
  std::string state;
  std::string status;  // running, succeeded, ... (any case)
  int limit = 0;
};

int RunList(const ListOptions& o, GrpcConnection& conn, OnlineContext& ctx) {
  std::vector<blend::v1::Journey> all;
  const int limit = o.limit;
  const std::string& customer = o.customer;
  blend::v1::ListJourneysRequest req;
  if (o.customer.empty() && o.campaign.empty()) {
    return ReportError(ctx, kExitUsage, "give --customer-id or --campaign (or both)");
  }
  req.set_customer_id(o.customer);
  req.set_campaign_id(o.campaign);
  req.set_campaign_version(o.campaign_version);
  req.set_state_name(o.state);
  if (!o.status.empty()) {
    blend::v1::JourneyStatus status;
    if (!blend::v1::JourneyStatus_Parse("JOURNEY_STATUS_" + absl::AsciiStrToUpper(o.status),
                                        &status) ||
        status == blend::v1::JOURNEY_STATUS_UNSPECIFIED) {
      return ReportError(ctx, kExitUsage,
                         "--status wants running, succeeded, failed, cancelled or timed_out");
    }
    req.set_status(status);
  }
  req.set_page_size(100);
  do {
    blend::v1::ListJourneysResponse resp;
    grpc::Status s = conn.journeys().ListJourneys(conn.NewContext().get(), req, &resp);
    if (!s.ok()) return ReportRpcError(ctx, s);
    for (auto& j : *resp.mutable_journeys()) all.push_back(std::move(j));
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty() && (limit <= 0 || static_cast<int>(all.size()) < limit));
  if (limit > 0 && static_cast<int>(all.size()) > limit) all.resize(limit);
  if (ctx.json) {
    json list = json::array();
    for (const auto& j : all) list.push_back(ProtoToJson(j));
    json doc = {{"journeys", list}};
    if (!customer.empty()) doc["customerId"] = customer;
    PrintJson(ctx, doc);
    return kExitOk;
  }
  Table table({"JOURNEY", "CAMPAIGN", "STATUS", "STATE", "STARTED", "FINISHED"});
  for (const auto& j : all) {
    table.AddRow({j.journey_id(), j.campaign_id() + " v" + std::to_string(j.campaign_version()),
                  JourneyStatusName(j.status()), j.current_state(), FormatTimestamp(j.started_at()),
                  FormatTimestamp(j.finished_at())});
  }
  *ctx.out << table.Render();
  return kExitOk;
}

int RunCancel(const std::string& id, const std::string& reason, GrpcConnection& conn,
              OnlineContext& ctx) {
  blend::v1::CancelJourneyRequest req;
  req.set_journey_id(id);
  req.set_reason(reason);
  blend::v1::Journey j;
  grpc::Status s = conn.journeys().CancelJourney(conn.NewContext().get(), req, &j);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(j));
  } else {
    *ctx.out << "journey " << j.journey_id() << ": " << JourneyStatusName(j.status());
    if (j.status() != blend::v1::JOURNEY_STATUS_CANCELLED) *ctx.out << " (had already finished)";
    *ctx.out << "\n";
  }
  return kExitOk;
}

void AddStart(CLI::App& journey, OnlineContext& context) {
  auto o = std::make_shared<StartOptions>();
  CLI::App* cmd = journey.add_subcommand("start", "Start one journey");
  cmd->add_option("--campaign", o->campaign_id, "campaign id")->required();
  cmd->add_option("--campaign-version", o->campaign_version, "version (default: the latest)");
  cmd->add_option("--customer-id", o->customer_id, "CRM customer id")->required();
  cmd->add_option("--phone", o->phone, "phone number (E.164, or national with a + prefix)");
  cmd->add_option("--email", o->email, "e-mail address");
  cmd->add_option("--time-zone", o->time_zone, "customer's IANA time zone");
  cmd->add_option("--postal-time-zone", o->postal_time_zone, "IANA zone of the postal address");
  cmd->add_option("--input", o->input_json, "journey input, a JSON object")->capture_default_str();
  cmd->add_option("--idempotency-key", o->idempotency_key,
                  "client key: the same key and input never start a second journey "
                  "(default: a fresh UUID)");
  cmd->callback([o, &context] {
    context.action = [o](GrpcConnection& c, OnlineContext& x) { return RunStart(*o, c, x); };
  });
}

// A subcommand taking one journey ID and running `run` on it.
template <typename Run>
void AddIdCommand(CLI::App& journey, OnlineContext& context, const char* name, const char* help,
                  Run run) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd = journey.add_subcommand(name, help);
  cmd->add_option("ID", *id, "journey id")->required();
  cmd->callback([id, run, &context] {
    context.action = [id, run](GrpcConnection& c, OnlineContext& x) { return run(*id, c, x); };
  });
}

}  // namespace

void AddJourneyCommands(CLI::App& app, OnlineContext& context) {
  CLI::App* journey = app.add_subcommand("journey", "Start, inspect and cancel journeys");
  journey->require_subcommand(1);
  AddStart(*journey, context);
  AddStartManyCommand(*journey, context);
  AddIdCommand(*journey, context, "get", "Show a journey's status and current state",
               RunGetJourney);
  AddIdCommand(*journey, context, "history", "Show a journey's history as a table",
               RunJourneyHistory);

  auto lo = std::make_shared<ListOptions>();
  CLI::App* list = journey->add_subcommand(
      "list", "List journeys of a customer and/or a campaign (filters combine with AND)");
  list->add_option("--customer-id", lo->customer, "CRM customer id");
  list->add_option("--campaign", lo->campaign, "campaign id");
  list->add_option("--campaign-version", lo->campaign_version, "only this version");
  list->add_option("--state", lo->state, "only journeys in this state now (Outer/Inner nested)");
  list->add_option("--status", lo->status, "running, succeeded, failed, cancelled, timed_out");
  list->add_option("--limit", lo->limit, "at most this many (default: all)");
  list->callback([lo, &context] {
    context.action = [lo](GrpcConnection& c, OnlineContext& x) { return RunList(*lo, c, x); };
  });

  auto cancel_id = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  CLI::App* cancel = journey->add_subcommand("cancel", "Cancel a running journey");
  cancel->add_option("ID", *cancel_id, "journey id")->required();
  cancel->add_option("--reason", *reason, "why (kept in the journey's history)");
  cancel->callback([cancel_id, reason, &context] {
    context.action = [cancel_id, reason](GrpcConnection& c, OnlineContext& x) {
      return RunCancel(*cancel_id, *reason, c, x);
    };
  });
}

}  // namespace blend::blendctl
