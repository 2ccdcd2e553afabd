#pragma once

// Loads the demo's campaign document (examples/blended-collections/campaign.json: the
// format `blendctl lint` reads) and scales its waits so a day passes in seconds.

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace blend::demo {

struct DemoCampaign {
  std::string campaign_id;
  std::string definition_json;
  std::string policies_json;
  std::map<std::string, std::string> resource_aliases;
  int longest_wait_seconds = 0;  // after scaling
};

// Every Wait state's "Seconds" becomes max(1, round(Seconds * time_scale)); "SecondsPath",
// "Timestamp" and "TimestampPath" waits are left alone. InvalidArgument on a document
// without campaignId/definition, or time_scale <= 0.
absl::StatusOr<DemoCampaign> ScaleCampaign(const std::string& document_json, double time_scale);
absl::StatusOr<DemoCampaign> LoadCampaignFile(const std::string& path, double time_scale);

}  // namespace blend::demo
