#include "blend/genesys/dnc_csv.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "blend/phone/phone.h"
#include "string_bridge.h"

namespace blend::genesys {
namespace {

using internal::StdSv;

using Row = std::vector<std::string>;

// RFC 4180: fields separated by commas, optionally quoted with "" as an escaped quote;
// records end with LF or CRLF. Hand-written because no CSV library ships in Debian's C++
// set and the export has one simple shape.
absl::StatusOr<std::vector<Row>> ParseCsv(std::string_view text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool in_quotes = false;
  bool row_has_content = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        in_quotes = false;
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
      row_has_content = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_has_content = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_has_content || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      row_has_content = false;
    } else {
      field += c;
    }
  }
  if (in_quotes) return absl::InvalidArgumentError("DNC export CSV has an unterminated quote");
  if (row_has_content || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string HeaderKey(std::string_view header) {
  std::string key;
  for (char c : header) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) key += absl::ascii_tolower(c);
  }
  return key;
}

size_t PhoneColumn(const Row& header) {
  for (size_t i = 0; i < header.size(); ++i) {
    std::string key = HeaderKey(header[i]);
    if (key == "phonenumber" || key == "phone" || key == "number" || key == "dncphonenumber") {
      return i;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<DncExportFile> ParseDncExportCsv(std::string_view csv,
                                                std::string_view default_region) {
  if (csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // UTF-8 byte-order mark
  absl::StatusOr<std::vector<Row>> rows = ParseCsv(csv);
  if (!rows.ok()) return rows.status();
  DncExportFile out;
  if (rows->empty()) return out;
  size_t column = PhoneColumn(rows->front());
  bool first_is_header =
      !phone::NormalizeE164(StdSv(absl::StripAsciiWhitespace(rows->front()[column])),
                            default_region)
           .ok();
  absl::flat_hash_set<std::string> seen;
  for (size_t r = first_is_header ? 1 : 0; r < rows->size(); ++r) {
    const Row& row = (*rows)[r];
    if (column >= row.size()) {
      ++out.skipped_rows;
      continue;
    }
    absl::StatusOr<std::string> e164 =
        phone::NormalizeE164(StdSv(absl::StripAsciiWhitespace(row[column])), default_region);
    if (!e164.ok()) {
      ++out.skipped_rows;
      continue;
    }
    if (seen.insert(*e164).second) out.numbers.push_back(*std::move(e164));
  }
  return out;
}

}  // namespace blend::genesys
