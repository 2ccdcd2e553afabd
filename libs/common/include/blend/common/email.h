#pragma once

// The one rule Blend applies to a customer's email address wherever an address comes in
// (services/blendctl/README.md, "Customer fields"): what the orchestrator accepts in
// StartJourney and bulk starts. Deliberately narrower than RFC 5322 (no quoted local parts,
// comments, IP literals or non-ASCII): addresses a sender can actually deliver to through Genesys,
// and one stored form per mailbox so suppressions match.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace blend {

// The address trimmed of surrounding ASCII whitespace and lower-cased, or kInvalidArgument
// whose message says which part breaks the rule:
//  - at most 254 octets, exactly one '@';
//  - local part: 1-64 octets of letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~,
//    with single dots between them (no leading, trailing or doubled dot);
//  - domain: at least two dot-separated labels, each 1-63 letters, digits or hyphens, not
//    starting or ending with a hyphen; the last label not all digits (no IP addresses);
//    internationalised domains in their ASCII (xn--) form.
absl::StatusOr<std::string> NormalizeEmail(std::string_view address);

}  // namespace blend
