#include "blend/console/campaign_document.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"

namespace blend::console {

LintDocument CampaignFromDocument(std::string_view text) {
  LintDocument out;
  out.campaign.set_definition_json(std::string(text));
  // ordered_json: the definition keeps the author's key order.
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("definition") || doc.contains("StartAt")) return out;
  out.definition_pointer = "/definition";
  out.campaign.set_definition_json(doc["definition"].dump());
  if (doc.contains("campaignId") && doc["campaignId"].is_string()) {
    out.campaign.set_campaign_id(doc["campaignId"].get<std::string>());
  }
  if (doc.contains("policies")) {
    const auto& policies = doc["policies"];
    out.campaign.set_policies_json(policies.is_string() ? policies.get<std::string>()
                                                        : policies.dump());
  }
  if (doc.contains("resourceAliases") && doc["resourceAliases"].is_object()) {
    for (const auto& [from, to] : doc["resourceAliases"].items()) {
      (*out.campaign.mutable_resource_aliases())[from] =
          to.is_string() ? to.get<std::string>() : to.dump();
    }
  }
  return out;
}

void PointIntoDocument(const LintDocument& document, v1::ValidateCampaignResponse& response) {
  if (document.definition_pointer.empty()) return;
  for (v1::ValidationProblem& problem : *response.mutable_problems()) {
    const std::string& p = problem.pointer();
    if (absl::StartsWith(p, "/policies") || absl::StartsWith(p, "/resourceAliases")) continue;
    problem.set_pointer(document.definition_pointer + p);
  }
}

}  // namespace blend::console
