#include "blend/phone/phone.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "phonenumbers/logger.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"
#include "prefix_timezones.h"

namespace blend::phone {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

// libphonenumber logs parse failures (with the number in them) to stdout by default; a
// raw phone number must never reach a log, so the library is muted once, on first use.
const PhoneNumberUtil& Util() {
  static PhoneNumberUtil* const util = [] {
    PhoneNumberUtil* u = PhoneNumberUtil::GetInstance();
    u->SetLogger(new ::i18n::phonenumbers::NullLogger());
    return u;
  }();
  return *util;
}

absl::string_view ParseErrorReason(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "unknown or missing country calling code (use +<country code> or a valid "
             "default region)";
    case PhoneNumberUtil::NOT_A_NUMBER:
      return "not a phone number";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
      return "too short after the international dialling prefix";
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return "too few digits";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return "too many digits";
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
  }
  return "cannot be parsed";
}

absl::string_view PossibilityReason(PhoneNumberUtil::ValidationResult result) {
  switch (result) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return "unknown country calling code";
    case PhoneNumberUtil::TOO_SHORT:
      return "too few digits for its country";
    case PhoneNumberUtil::TOO_LONG:
      return "too many digits for its country";
    case PhoneNumberUtil::INVALID_LENGTH:
      return "wrong number of digits for its country";
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return "a local number only: add the area code";
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
  }
  return "not a valid number";
}

// Parses an E.164 string strictly: '+' and digits only, valid per libphonenumber.
bool ParseValidE164(std::string_view e164, PhoneNumber* number) {
  if (e164.size() < 2 || e164.front() != '+') return false;
  for (char c : e164.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  const PhoneNumberUtil& util = Util();
  return util.Parse(std::string(e164), "ZZ", number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumber(*number);
}

// PhoneNumberUtil.isNumberGeographical (Java): not exposed by the C++ 8.12 API.
bool IsGeographical(PhoneNumberUtil::PhoneNumberType type, int country_code) {
  if (type == PhoneNumberUtil::FIXED_LINE || type == PhoneNumberUtil::FIXED_LINE_OR_MOBILE) {
    return true;
  }
  // PhoneNumberUtil.GEO_MOBILE_COUNTRIES: MX, AR, BR, ID, CN.
  const bool geo_mobile_country = country_code == 52 || country_code == 54 || country_code == 55 ||
                                  country_code == 62 || country_code == 86;
  return type == PhoneNumberUtil::MOBILE && geo_mobile_country;
}

}  // namespace

absl::StatusOr<std::string> NormalizeE164(std::string_view raw, std::string_view default_region) {
  const PhoneNumberUtil& util = Util();
  PhoneNumber number;
  PhoneNumberUtil::ErrorType error =
      util.Parse(std::string(raw), std::string(default_region), &number);
  if (error != PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid phone number: ", ParseErrorReason(error)));
  }
  PhoneNumberUtil::ValidationResult possible = util.IsPossibleNumberWithReason(number);
  if (possible != PhoneNumberUtil::IS_POSSIBLE) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid phone number: ", PossibilityReason(possible)));
  }
  if (!util.IsValidNumber(number)) {
    return absl::InvalidArgumentError(
        "invalid phone number: no such number range in its country's numbering plan");
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

NumberTimeZones LookupTimeZones(std::string_view e164) {
  NumberTimeZones result;
  PhoneNumber number;
  if (!ParseValidE164(e164, &number)) return result;
  PhoneNumberUtil::PhoneNumberType type = Util().GetNumberType(number);
  if (type == PhoneNumberUtil::UNKNOWN) return result;
  if (IsGeographical(type, number.country_code())) {
    std::string digits;
    Util().Format(number, PhoneNumberUtil::E164, &digits);
    result.zones = internal::ZonesForLongestPrefix(std::string_view(digits).substr(1));
  } else {
    result.zones = internal::ZonesForLongestPrefix(absl::StrCat(number.country_code()));
    result.country_level = true;
  }
  return result;
}

std::vector<std::string> TimeZonesForNumber(std::string_view e164) {
  return LookupTimeZones(e164).zones;
}

std::string RegionOf(std::string_view e164) {
  PhoneNumber number;
  if (e164.size() < 2 || e164.front() != '+') return "";
  if (Util().Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return "";
  }
  std::string region;
  Util().GetRegionCodeForNumber(number, &region);
  return region == "ZZ" ? "" : region;
}

}  // namespace blend::phone
