// blendctl: the operator and integrator CLI. main only wires the subcommands; each lives in
// its own file (offline: lint, simulate; online gRPC subcommands are added beside them).

#include <iostream>

#include <CLI/CLI.hpp>

#include "blend/blendctl/engagement_commands.h"
#include "blend/blendctl/offline_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"blendctl: author, check and operate Blend campaigns and journeys"};
  app.require_subcommand(1);
  int exit_code = 0;
  blend::blendctl::AddLintCommand(app, std::cout, std::cerr, exit_code);
  blend::blendctl::AddSimulateCommand(app, std::cout, std::cerr, exit_code);
  blend::blendctl::AddEngagementCommands(app, std::cout, std::cerr, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
