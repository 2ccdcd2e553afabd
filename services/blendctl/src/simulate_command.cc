#include <nlohmann/json.hpp>

#include "blend/blendctl/offline_commands.h"
#include "blend/blendctl/simulator.h"
#include "blend/journey/campaign.h"
#include "file_util.h"

namespace blend::blendctl {
namespace {

using json = nlohmann::json;

// Parses JSON text, or the file named after '@'. Writes the reason to `err` on failure.
std::optional<json> LoadJson(const std::string& text_or_file, const char* what, std::ostream& err,
                             int& code) {
  std::string text = text_or_file;
  if (!text.empty() && text[0] == '@') {
    auto file = ReadWholeFile(text.substr(1));
    if (!file) {
      err << what << ": cannot read " << text.substr(1) << "\n";
      code = 2;
      return std::nullopt;
    }
    text = *file;
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    err << what << ": not valid JSON (" << e.what() << ")\n";
    code = 1;
    return std::nullopt;
  }
}

}  // namespace

int RunSimulate(const SimulateOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<std::string> text = ReadWholeFile(options.campaign_path);
  if (!text) {
    err << options.campaign_path << ": cannot read the file\n";
    return 2;
  }
  std::vector<journey::ValidationProblem> problems;
  auto campaign = journey::ParseCampaignDocument(*text, &problems);
  if (!campaign.ok()) {
    for (const auto& p : problems)
      err << options.campaign_path << ":" << p.pointer << ": " << p.message << "\n";
    err << "fix the campaign first (blendctl lint " << options.campaign_path << ")\n";
    return 1;
  }
  int code = 0;
  auto input = LoadJson(options.input_json, "--input", err, code);
  if (!input) return code;
  json script = json::object();
  if (!options.script_path.empty()) {
    auto loaded = LoadJson("@" + options.script_path, "--script", err, code);
    if (!loaded) return code;
    script = *std::move(loaded);
  }
  auto result = Simulate(**campaign, *input, script);
  if (!result.ok()) {
    err << options.script_path << ": " << result.status().message() << "\n";
    return 1;
  }
  out << (options.json_lines ? FormatTimelineJsonLines(*result) : FormatTimelineTable(*result));
  return 0;
}

void AddSimulateCommand(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("simulate",
                         "Dry-run one journey of a campaign on a virtual clock through a script of "
                         "dispositions and customer events; prints the timeline");
  auto options = std::make_shared<SimulateOptions>();
  cmd->add_option("FILE", options->campaign_path, "campaign or ASL JSON file")->required();
  cmd->add_option("--input", options->input_json, "journey input: JSON text or @file.json")
      ->capture_default_str();
  cmd->add_option("--script", options->script_path,
                  "JSON script of triggers (see libs/journey/README.md); default: start, then "
                  "fire timers");
  cmd->add_flag("--json", options->json_lines, "print JSON lines instead of a table");
  cmd->callback([options, &out, &err, &exit_code] { exit_code = RunSimulate(*options, out, err); });
}

}  // namespace blend::blendctl
