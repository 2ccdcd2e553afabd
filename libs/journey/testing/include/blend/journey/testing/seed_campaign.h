#pragma once

// The seed campaign (examples/seed-collections/campaign.json: the Step Functions definition
// Blend started from, its Lambda ARNs mapped onto Blend channels by resource aliases). The one
// copy every test, fuzzer and tool check uses; embedded into the build when CMake configures.

#include <string_view>

namespace blend::journey::testing {

// The whole campaign document: {"campaignId", "definition", "policies", "resourceAliases"}.
std::string_view SeedCampaignDocument();

// The file's path in the source tree, for code under test that reads files (blendctl).
std::string_view SeedCampaignPath();

}  // namespace blend::journey::testing
