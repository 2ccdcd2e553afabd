// Phone-number normalisation and location lookups on top of Google's libphonenumber.
//
// Every function is pure (no I/O): libphonenumber's metadata is compiled into the library
// and the prefix -> time-zone table (libs/phone/data/prefix_timezones.txt) is embedded at
// build time. All functions are thread-safe. Cost: libphonenumber's parse and type
// checks take ~50-60 us per call (regex-based), so call these once per customer / journey
// start, not per interpreter step.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace blend::phone {

// Parses `raw` (any human format: "(212) 555-0100", "+44 20 7946 0958", "00 33 1 ...")
// and returns it in E.164 ("+12125550100"). Numbers without a leading '+' are read as
// numbers of `default_region` (ISO 3166-1 alpha-2, e.g. "US").
// Returns InvalidArgument, with the reason in the message, when the text is not a
// phone number, has too few/many digits, or is not a valid number of its region.
absl::StatusOr<std::string> NormalizeE164(std::string_view raw,
                                          std::string_view default_region = "US");

// The IANA time-zone names ("America/New_York") the number may be located in, from
// libphonenumber's published prefix -> time-zone mapping (longest-prefix match).
// Geographic numbers usually give one zone; non-geographic numbers give every zone of
// their country (see LookupTimeZones). Empty if `e164` is not a valid E.164 number or its
// prefix is unknown. Sorted, without duplicates.
std::vector<std::string> TimeZonesForNumber(std::string_view e164);

// TimeZonesForNumber with how specific the answer is.
struct NumberTimeZones {
  std::vector<std::string> zones;  // sorted, no duplicates; empty if unknown
  // True when the number has no geographic association (toll-free, most mobiles outside
  // NANP and a few countries) and `zones` are all zones of its country calling code:
  // this says which country, not where in it the customer is.
  bool country_level = false;
};

// The lookup of libphonenumber's PhoneNumberToTimeZonesMapper (Java), on the C++ library:
// invalid numbers -> unknown; numbers of a geographic type (fixed line, fixed-line-or-mobile,
// mobile in AR/BR/CN/ID/MX) -> longest matching prefix of the E.164 digits; other valid
// numbers -> the zones of the country calling code.
NumberTimeZones LookupTimeZones(std::string_view e164);

// The ISO 3166-1 alpha-2 region of an E.164 number ("US", "GB"), "001" for
// non-geographic entities, or "" when the number cannot be parsed.
std::string RegionOf(std::string_view e164);

}  // namespace blend::phone
