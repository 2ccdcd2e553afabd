#include "blend/demo/campaign_file.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"

namespace blend::demo {

using nlohmann::json;

absl::StatusOr<DemoCampaign> ScaleCampaign(const std::string& document_json, double time_scale) {
  if (!(time_scale > 0)) return absl::InvalidArgumentError("--time-scale must be > 0");
  json doc = json::parse(document_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("campaign file is not a JSON object");
  }
  if (!doc.contains("campaignId") || !doc["campaignId"].is_string() ||
      !doc.contains("definition") || !doc["definition"].is_object()) {
    return absl::InvalidArgumentError("campaign file needs \"campaignId\" and \"definition\"");
  }
  DemoCampaign out;
  out.campaign_id = doc["campaignId"].get<std::string>();
  json& states = doc["definition"]["States"];
  if (states.is_object()) {
    for (auto& [name, state] : states.items()) {
      if (state.value("Type", "") != "Wait" || !state.contains("Seconds") ||
          !state["Seconds"].is_number()) {
        continue;
      }
      double scaled = std::round(state["Seconds"].get<double>() * time_scale);
      int seconds = std::max(1, static_cast<int>(scaled));
      state["Seconds"] = seconds;
      out.longest_wait_seconds = std::max(out.longest_wait_seconds, seconds);
    }
  }
  out.definition_json = doc["definition"].dump();
  out.policies_json = doc.value("policies", json::object()).dump();
  if (doc.contains("resourceAliases") && doc["resourceAliases"].is_object()) {
    for (auto& [k, v] : doc["resourceAliases"].items()) {
      if (v.is_string()) out.resource_aliases[k] = v.get<std::string>();
    }
  }
  return out;
}

absl::StatusOr<DemoCampaign> LoadCampaignFile(const std::string& path, double time_scale) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read campaign file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ScaleCampaign(text.str(), time_scale);
}

}  // namespace blend::demo
