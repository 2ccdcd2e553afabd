#pragma once

// blendctl's operator view of campaigns, over the orchestrator's blend.v1.CampaignService (the
// global --addr / --token / --ca-file / --json flags apply; the token's scope decides which
// campaigns it sees and may pause):
//   blendctl campaign list                                       every campaign, headline figures
//   blendctl campaign stats ID [--version N]                     journeys per state, statuses,
//                                                                touches, conversions
//   blendctl campaign pause ID --reason TEXT [--on-behalf-of W]  no touch emitted or granted
//   blendctl campaign resume ID --reason TEXT [--on-behalf-of W] held touches emitted again
// The Render* functions are the pure text output (the --json output is the proto's JSON).

#include <string>

#include <CLI/CLI.hpp>

#include "blend/blendctl/online_commands.h"
#include "blend/v1/campaign_service.pb.h"

namespace blend::blendctl {

// Registers list, stats, pause and resume under `campaign` (the `campaign` subcommand).
void AddCampaignOpsCommands(CLI::App& campaign, OnlineContext& context);

// "sms", "voice", "email" / "sent", "dnc_active", ..., "none" for UNSPECIFIED.
std::string ChannelLabel(blend::v1::Channel channel);
std::string OutcomeLabel(blend::v1::TouchOutcome outcome);

// "paused since <time> by <who>: <reason>", "running (resumed <time> by <who>: <reason>)",
// or "running (never paused)".
std::string DescribePause(const blend::v1::CampaignPause& pause);
// Key/values, then a table of states, of statuses and of touches.
std::string RenderCampaignStats(const blend::v1::CampaignStats& stats);
// One line per campaign.
std::string RenderCampaignList(const std::vector<blend::v1::CampaignSummary>& campaigns);

}  // namespace blend::blendctl
