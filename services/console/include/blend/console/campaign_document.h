#pragma once

// The lint page's input: a whole campaign document {"campaignId", "definition", "policies",
// "resourceAliases"} (the format blendctl lint and campaign put read) or a bare ASL
// definition, turned into the Campaign that ValidateCampaign checks; and the problems'
// pointers turned back into pointers into the document the operator pasted.

#include <string>
#include <string_view>

#include "blend/v1/common.pb.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::console {

struct LintDocument {
  v1::Campaign campaign;
  // Where the definition sits in the document: "/definition", or "" for a bare definition
  // (and for text that is not JSON, passed on whole so the validator says why).
  std::string definition_pointer;
};

LintDocument CampaignFromDocument(std::string_view text);

// ValidateCampaign reports definition problems relative to the definition ("/States/X") and
// policy and alias problems from "/policies" and "/resourceAliases"; rewrites each pointer of
// `response` to point into the document.
void PointIntoDocument(const LintDocument& document, v1::ValidateCampaignResponse& response);

}  // namespace blend::console
