// blendctl: the operator and integrator CLI. main only wires the subcommands; each lives in
// its own file (offline: lint, simulate; online, over gRPC: campaign, journey, event).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "blend/blendctl/consent_commands.h"
#include "blend/blendctl/engagement_commands.h"
#include "blend/blendctl/exit_codes.h"
#include "blend/blendctl/offline_commands.h"
#include "blend/blendctl/online_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"blendctl: author, check and operate Blend campaigns and journeys"};
  app.require_subcommand(1);
  int exit_code = 0;
  blend::blendctl::OnlineContext online;
  online.out = &std::cout;
  online.err = &std::cerr;
  online.stderr_is_tty = isatty(STDERR_FILENO) == 1;
  blend::blendctl::AddGlobalFlags(app, online);
  blend::blendctl::AddLintCommand(app, std::cout, std::cerr, exit_code);
  blend::blendctl::AddSimulateCommand(app, std::cout, std::cerr, exit_code);
  blend::blendctl::AddCampaignCommands(app, online);
  blend::blendctl::AddJourneyCommands(app, online);
  blend::blendctl::AddEventCommands(app, online);
  blend::blendctl::AddEngagementCommands(app, online);
  blend::blendctl::AddConsentCommands(app, online);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? 0 : blend::blendctl::kExitUsage;
  }
  if (online.action) return blend::blendctl::RunOnline(online);
  return exit_code;
}
