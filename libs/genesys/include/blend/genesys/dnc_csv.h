#pragma once

// Parsing of the CSV file a DNC list export produces.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace blend::genesys {

struct DncExportFile {
  std::vector<std::string> numbers = {};  // E.164, in file order, without duplicates
  int skipped_rows = 0;                   // rows whose number could not be normalised
};

// The phone-number column is the first whose header, lower-cased with everything but
// letters and digits removed, is "phonenumber", "phone", "number" or "dncphonenumber";
// otherwise the first column. A first row whose chosen cell is a valid phone number is
// data, not a header. Quoted fields (RFC 4180) and CRLF line ends are accepted.
// kInvalidArgument only for malformed CSV (an unterminated quote).
absl::StatusOr<DncExportFile> ParseDncExportCsv(std::string_view csv,
                                                std::string_view default_region = "US");

}  // namespace blend::genesys
