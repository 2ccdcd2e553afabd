#pragma once

// The offline subcommands of blendctl (no server needed): `lint` and `simulate`. Each Add*
// function registers a subcommand on the app; when it runs, it writes to `out` / `err` and
// stores its exit code in `exit_code`. The Run* functions are the testable core.

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace blend::blendctl {

// Validates a campaign document or a bare ASL definition; prints every problem as
// "FILE:POINTER: message"; returns 0 when valid, 1 on problems, 2 when FILE is unreadable.
int RunLint(const std::string& path, std::ostream& out, std::ostream& err);

struct SimulateOptions {
  std::string campaign_path;
  std::string input_json = "{}";  // JSON text, or @path to a JSON file
  std::string script_path;        // empty: start only, then fire timers
  bool json_lines = false;
};
// Returns 0 when the simulation ran (whatever the journey's final status), 1 on an invalid
// campaign or script, 2 on unreadable files.
int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err);

void AddLintCommand(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code);
void AddSimulateCommand(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code);

}  // namespace blend::blendctl
