#pragma once

#include <CLI/CLI.hpp>

#include "blend/blendctl/online_commands.h"

namespace blend::blendctl {

// Registers `journey start-many` on the `journey` subcommand (start_many_command.cc).
void AddStartManyCommand(CLI::App& journey, OnlineContext& context);

}  // namespace blend::blendctl
