// `blendctl campaign list|stats|pause|resume` (campaign_ops_commands.h).

#include "blend/blendctl/campaign_ops_commands.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/table_printer.h"
#include "output.h"

namespace blend::blendctl {
namespace {

using nlohmann::json;

std::string Label(const std::string& enum_name, const std::string& prefix) {
  std::string rest = enum_name.substr(std::min(prefix.size(), enum_name.size()));
  return rest == "UNSPECIFIED" || rest.empty() ? "none" : absl::AsciiStrToLower(rest);
}

int64_t TouchTotal(const google::protobuf::RepeatedPtrField<blend::v1::TouchCount>& touches) {
  int64_t n = 0;
  for (const auto& t : touches) n += t.touches();
  return n;
}

int RunList(int limit, GrpcConnection& conn, OnlineContext& ctx) {
  std::vector<blend::v1::CampaignSummary> all;
  blend::v1::ListCampaignsRequest req;
  for (;;) {
    blend::v1::ListCampaignsResponse resp;
    grpc::Status s = conn.campaigns().ListCampaigns(conn.NewContext().get(), req, &resp);
    if (!s.ok()) return ReportRpcError(ctx, s);
    for (auto& c : *resp.mutable_campaigns()) {
      if (limit > 0 && static_cast<int>(all.size()) >= limit) break;
      all.push_back(std::move(c));
    }
    if (resp.next_page_token().empty() || (limit > 0 && static_cast<int>(all.size()) >= limit)) {
      break;
    }
    req.set_page_token(resp.next_page_token());
  }
  if (ctx.json) {
    json list = json::array();
    for (const auto& c : all) list.push_back(ProtoToJson(c));
    PrintJson(ctx, {{"campaigns", list}});
  } else {
    *ctx.out << RenderCampaignList(all);
  }
  return kExitOk;
}

int RunStats(const std::string& id, int version, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::GetCampaignStatsRequest req;
  req.set_campaign_id(id);
  req.set_version(version);
  blend::v1::CampaignStats stats;
  grpc::Status s = conn.campaigns().GetCampaignStats(conn.NewContext().get(), req, &stats);
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(stats));
  } else {
    *ctx.out << RenderCampaignStats(stats);
  }
  return kExitOk;
}

struct SwitchOptions {
  std::string id;
  std::string reason;
  std::string on_behalf_of;
};

int RunSwitch(bool pause, const SwitchOptions& o, GrpcConnection& conn, OnlineContext& ctx) {
  blend::v1::CampaignPause out;
  grpc::Status s;
  if (pause) {
    blend::v1::PauseCampaignRequest req;
    req.set_campaign_id(o.id);
    req.set_reason(o.reason);
    req.set_on_behalf_of(o.on_behalf_of);
    s = conn.campaigns().PauseCampaign(conn.NewContext().get(), req, &out);
  } else {
    blend::v1::ResumeCampaignRequest req;
    req.set_campaign_id(o.id);
    req.set_reason(o.reason);
    req.set_on_behalf_of(o.on_behalf_of);
    s = conn.campaigns().ResumeCampaign(conn.NewContext().get(), req, &out);
  }
  if (!s.ok()) return ReportRpcError(ctx, s);
  if (ctx.json) {
    PrintJson(ctx, ProtoToJson(out));
  } else {
    *ctx.out << "campaign " << out.campaign_id() << ": " << DescribePause(out) << "\n";
  }
  return kExitOk;
}

void AddSwitch(CLI::App& campaign, OnlineContext& context, bool pause) {
  auto o = std::make_shared<SwitchOptions>();
  CLI::App* cmd = campaign.add_subcommand(
      pause ? "pause" : "resume",
      pause ? "Pause a campaign: no touch of it is emitted or granted until it is resumed "
              "(timers keep running)"
            : "Resume a paused campaign: the touches it held are emitted again");
  cmd->add_option("ID", o->id, "campaign id")->required();
  cmd->add_option("--reason", o->reason, "why (required; recorded with your token's name)")
      ->required();
  cmd->add_option("--on-behalf-of", o->on_behalf_of,
                  "the person you act for (recorded beside the token's name)");
  cmd->callback([o, pause, &context] {
    context.action = [o, pause](GrpcConnection& c, OnlineContext& x) {
      return RunSwitch(pause, *o, c, x);
    };
  });
}

}  // namespace

std::string ChannelLabel(blend::v1::Channel channel) {
  return Label(blend::v1::Channel_Name(channel), "CHANNEL_");
}

std::string OutcomeLabel(blend::v1::TouchOutcome outcome) {
  return Label(blend::v1::TouchOutcome_Name(outcome), "TOUCH_OUTCOME_");
}

std::string DescribePause(const blend::v1::CampaignPause& pause) {
  if (!pause.has_changed_at()) return "running (never paused)";
  const std::string change = absl::StrCat(FormatTimestamp(pause.changed_at()), " by ",
                                          pause.changed_by(), ": ", pause.reason());
  if (pause.paused()) return "paused since " + change;
  return "running (resumed " + change + ")";
}

std::string RenderCampaignStats(const blend::v1::CampaignStats& stats) {
  std::string out = RenderKeyValues({
      {"campaign", absl::StrCat(stats.campaign_id(), " v", stats.version())},
      {"state", DescribePause(stats.pause())},
      {"conversions", std::to_string(stats.conversions())},
      {"computed", FormatTimestamp(stats.computed_at())},
  });
  Table states({"STATE", "NOW", "ENTERED"});
  for (const auto& s : stats.states()) {
    states.AddRow({s.state_name(), std::to_string(s.current()), std::to_string(s.entered())});
  }
  Table statuses({"STATUS", "JOURNEYS"});
  for (const auto& s : stats.statuses()) {
    statuses.AddRow({JourneyStatusName(s.status()), std::to_string(s.journeys())});
  }
  Table touches({"CHANNEL", "OUTCOME", "TOUCHES"});
  for (const auto& t : stats.touches()) {
    touches.AddRow(
        {ChannelLabel(t.channel()), OutcomeLabel(t.outcome()), std::to_string(t.touches())});
  }
  absl::StrAppend(&out, "\n", states.Render(), "\n", statuses.Render());
  if (touches.row_count() > 0) absl::StrAppend(&out, "\n", touches.Render());
  return out;
}

std::string RenderCampaignList(const std::vector<blend::v1::CampaignSummary>& campaigns) {
  Table t({"CAMPAIGN", "VERSION", "RUNNING", "FINISHED", "TOUCHES TODAY", "CONVERSIONS", "PAUSED"});
  for (const auto& c : campaigns) {
    t.AddRow({c.campaign_id(), std::to_string(c.latest_version()),
              std::to_string(c.journeys_running()), std::to_string(c.journeys_finished()),
              std::to_string(TouchTotal(c.touches_today())), std::to_string(c.conversions()),
              c.pause().paused() ? "yes" : "no"});
  }
  return t.Render();
}

void AddCampaignOpsCommands(CLI::App& campaign, OnlineContext& context) {
  auto limit = std::make_shared<int>(0);
  CLI::App* list = campaign.add_subcommand(
      "list", "List the campaigns your token may use, with their headline figures");
  list->add_option("--limit", *limit, "at most this many (default: all)");
  list->callback([limit, &context] {
    context.action = [limit](GrpcConnection& c, OnlineContext& x) { return RunList(*limit, c, x); };
  });

  auto id = std::make_shared<std::string>();
  auto version = std::make_shared<int>(0);
  CLI::App* stats = campaign.add_subcommand(
      "stats", "Journeys per state (now and ever entered), statuses, touches, conversions");
  stats->add_option("ID", *id, "campaign id")->required();
  stats->add_option("--version", *version, "version (default: the latest)");
  stats->callback([id, version, &context] {
    context.action = [id, version](GrpcConnection& c, OnlineContext& x) {
      return RunStats(*id, *version, c, x);
    };
  });

  AddSwitch(campaign, context, /*pause=*/true);
  AddSwitch(campaign, context, /*pause=*/false);
}

}  // namespace blend::blendctl
