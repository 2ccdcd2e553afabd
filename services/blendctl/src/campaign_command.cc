// `blendctl campaign put|validate|get`.

#include <memory>
#include <vector>

#include "absl/strings/str_split.h"
#include "blend/blendctl/campaign_ops_commands.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/online_commands.h"
#include "blend/blendctl/table_printer.h"
#include "file_util.h"
#include "output.h"

namespace blend::blendctl {
namespace {

using nlohmann::json;

struct CampaignInputs {
  std::string id;
  std::string definition_path;
  std::string policies_path;
  std::vector<std::string> aliases;  // FOREIGN=blend:xxx
};

// Builds the Campaign from the files and flags. A definition file that is a whole campaign
// document (the `lint` format: definition + policies + resourceAliases) is unpacked; flags
// given beside it win. Returns the exit code on failure (message already printed).
int LoadCampaign(const CampaignInputs& in, const OnlineContext& ctx, blend::v1::Campaign& out) {
  std::optional<std::string> definition = ReadWholeFile(in.definition_path);
  if (!definition) return ReportError(ctx, kExitUsage, "cannot read " + in.definition_path);
  out.set_campaign_id(in.id);
  out.set_definition_json(*definition);
  // ordered_json: the stored definition keeps the author's key order.
  nlohmann::ordered_json doc =
      nlohmann::ordered_json::parse(*definition, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("definition") && !doc.contains("StartAt")) {
    out.set_definition_json(doc["definition"].dump());
    if (doc.contains("policies")) out.set_policies_json(doc["policies"].dump());
    if (in.id.empty() && doc.contains("campaignId") && doc["campaignId"].is_string()) {
      out.set_campaign_id(doc["campaignId"].get<std::string>());
    }
    if (doc.contains("resourceAliases") && doc["resourceAliases"].is_object()) {
      for (const auto& [k, v] : doc["resourceAliases"].items()) {
        if (v.is_string()) (*out.mutable_resource_aliases())[k] = v.get<std::string>();
      }
    }
  }
  if (!in.policies_path.empty()) {
    std::optional<std::string> policies = ReadWholeFile(in.policies_path);
    if (!policies) return ReportError(ctx, kExitUsage, "cannot read " + in.policies_path);
    out.set_policies_json(*policies);
  }
  for (const std::string& alias : in.aliases) {
    size_t eq = alias.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == alias.size()) {
      return ReportError(ctx, kExitUsage, "--alias wants FOREIGN=blend:<resource>, got " + alias);
    }
    (*out.mutable_resource_aliases())[alias.substr(0, eq)] = alias.substr(eq + 1);
  }
  return kExitOk;
}

// Prints the problems ("POINTER: message" lines, or a JSON document); returns kExitInvalid.
int PrintProblems(const OnlineContext& ctx, const std::string& campaign_id,
                  const std::vector<std::pair<std::string, std::string>>& problems) {
  if (ctx.json) {
    json list = json::array();
    for (const auto& [pointer, message] : problems) {
      list.push_back({{"pointer", pointer}, {"message", message}});
    }
    PrintJson(ctx, {{"campaignId", campaign_id}, {"valid", false}, {"problems", list}});
  } else {
    for (const auto& [pointer, message] : problems) {
      *ctx.out << (pointer.empty() ? "(document)" : pointer) << ": " << message << "\n";
    }
    *ctx.err << "campaign " << campaign_id << " is invalid: " << problems.size() << " problem(s)\n";
  }
  return kExitInvalid;
}

// PutCampaign reports problems as "pointer: message" lines in INVALID_ARGUMENT.
std::vector<std::pair<std::string, std::string>> ProblemsFromText(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (p.second.empty()) p = {"", std::string(line)};
    out.push_back(std::move(p));
  }
  return out;
}

int RunPut(const CampaignInputs& in, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::PutCampaignRequest req;
  if (int code = LoadCampaign(in, ctx, *req.mutable_campaign()); code != kExitOk) return code;
  if (req.campaign().campaign_id().empty()) {
    return ReportError(ctx, kExitUsage, "--id is required (or a campaignId in the document)");
  }
  blend::v1::PutCampaignResponse resp;
  grpc::Status s = conn.journeys().PutCampaign(conn.NewContext().get(), req, &resp);
  if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return PrintProblems(ctx, req.campaign().campaign_id(), ProblemsFromText(s.error_message()));
  }
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(resp));
  } else {
    *ctx.out << "campaign " << resp.campaign_id() << " version " << resp.version() << " stored\n";
  }
  return kExitOk;
}

int RunValidate(const CampaignInputs& in, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::ValidateCampaignRequest req;
  if (int code = LoadCampaign(in, ctx, *req.mutable_campaign()); code != kExitOk) return code;
  blend::v1::ValidateCampaignResponse resp;
  grpc::Status s = conn.journeys().ValidateCampaign(conn.NewContext().get(), req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (!resp.valid()) {
    std::vector<std::pair<std::string, std::string>> problems;
    for (const auto& p : resp.problems()) problems.emplace_back(p.pointer(), p.message());
    return PrintProblems(ctx, req.campaign().campaign_id(), problems);
  }
  if (ctx.json) {
    PrintJson(ctx, {{"campaignId", req.campaign().campaign_id()},
                    {"valid", true},
                    {"problems", json::array()}});
  } else {
    *ctx.out << "campaign " << req.campaign().campaign_id() << ": valid\n";
  }
  return kExitOk;
}

std::string PrettyJson(const std::string& text) {
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? text : parsed.dump(2);
}

int RunGet(const std::string& id, int version, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::GetCampaignRequest req;
  req.set_campaign_id(id);
  req.set_version(version);
  blend::v1::Campaign c;
  grpc::Status s = conn.journeys().GetCampaign(conn.NewContext().get(), req, &c);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(c));
    return kExitOk;
  }
  std::vector<std::pair<std::string, std::string>> rows = {
      {"campaign", c.campaign_id()},
      {"version", std::to_string(c.version())},
      {"created", FormatTimestamp(c.created_at())}};
  std::map<std::string, std::string> aliases(c.resource_aliases().begin(),
                                             c.resource_aliases().end());
  for (const auto& [foreign, target] : aliases)
    rows.emplace_back("alias", foreign + " -> " + target);
  *ctx.out << RenderKeyValues(rows) << "definition:\n"
           << PrettyJson(c.definition_json()) << "\npolicies:\n"
           << PrettyJson(c.policies_json().empty() ? "{}" : c.policies_json()) << "\n";
  return kExitOk;
}

void AddInputs(CLI::App* cmd, CampaignInputs& in, bool id_required) {
  auto* id = cmd->add_option("--id", in.id, "campaign id");
  if (id_required) id->description("campaign id (default: campaignId of a campaign document)");
  cmd->add_option("--definition", in.definition_path,
                  "ASL definition file (or a whole campaign document, as `lint` reads)")
      ->required();
  cmd->add_option("--policies", in.policies_path, "policies JSON file (libs/journey/README.md)");
  cmd->add_option("--alias", in.aliases, "FOREIGN=blend:<resource>, repeatable");
}

}  // namespace

void AddCampaignCommands(CLI::App& app, OnlineContext& context) {
  CLI::App* campaign = app.add_subcommand(
      "campaign", "Store, validate and read campaigns; their statistics; pause and resume them");
  campaign->require_subcommand(1);

  auto put_in = std::make_shared<CampaignInputs>();
  CLI::App* put = campaign->add_subcommand("put", "Store a new version of a campaign");
  AddInputs(put, *put_in, true);
  put->callback([put_in, &context] {
    context.action = [put_in](GrpcConnection& c, OnlineContext& x) {
      return RunPut(*put_in, c, x);
    };
  });

  auto val_in = std::make_shared<CampaignInputs>();
  CLI::App* validate = campaign->add_subcommand(
      "validate", "Check a campaign on the server without storing it; exit 1 when invalid");
  AddInputs(validate, *val_in, false);
  validate->callback([val_in, &context] {
    context.action = [val_in](GrpcConnection& c, OnlineContext& x) {
      return RunValidate(*val_in, c, x);
    };
  });

  auto get_id = std::make_shared<std::string>();
  auto get_version = std::make_shared<int>(0);
  CLI::App* get = campaign->add_subcommand("get", "Show a stored campaign version");
  get->add_option("ID", *get_id, "campaign id")->required();
  get->add_option("--version", *get_version, "version (default: the latest)");
  get->callback([get_id, get_version, &context] {
    context.action = [get_id, get_version](GrpcConnection& c, OnlineContext& x) {
      return RunGet(*get_id, *get_version, c, x);
    };
  });

  AddCampaignOpsCommands(*campaign, context);
}

}  // namespace blend::blendctl
