#include <vector>

#include "blend/blendctl/offline_commands.h"
#include "blend/journey/campaign.h"
#include "file_util.h"

namespace blend::blendctl {

int RunLint(const std::string& path, std::ostream& out, std::ostream& err) {
  std::optional<std::string> text = ReadWholeFile(path);
  if (!text) {
    err << path << ": cannot read the file\n";
    return 2;
  }
  std::vector<journey::ValidationProblem> problems;
  auto campaign = journey::ParseCampaignDocument(*text, &problems);
  if (campaign.ok()) {
    out << path << ": OK (" << (*campaign)->state_count() << " states)\n";
    return 0;
  }
  for (const journey::ValidationProblem& p : problems) {
    out << path << ":" << (p.pointer.empty() ? "(document)" : p.pointer) << ": " << p.message
        << "\n";
  }
  out << path << ": " << problems.size() << " problem(s)\n";
  return 1;
}

void AddLintCommand(CLI::App& app, std::ostream& out, std::ostream& err, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "lint",
      "Validate a campaign file (definition + policies + resourceAliases) or a bare ASL "
      "definition, offline; prints every problem with its JSON pointer");
  auto path = std::make_shared<std::string>();
  cmd->add_option("FILE", *path, "campaign or ASL JSON file")->required();
  cmd->callback([path, &out, &err, &exit_code] { exit_code = RunLint(*path, out, err); });
}

}  // namespace blend::blendctl
