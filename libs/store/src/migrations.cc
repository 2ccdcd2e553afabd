#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "blend/store/migrations.h"

namespace blend::store {

absl::StatusOr<MigrationFileName> ParseMigrationFileName(absl::string_view file_name) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad migration file name '", file_name, "': ", why,
                     " (expected NNNN_name.sql: 4+ digits, '_', lower-case letters, digits, '_')"));
  };
  if (!absl::ConsumeSuffix(&file_name, ".sql")) return invalid("not a .sql file");
  const size_t underscore = file_name.find('_');
  if (underscore == absl::string_view::npos) return invalid("no '_' after the version");
  const absl::string_view digits = file_name.substr(0, underscore);
  const absl::string_view name = file_name.substr(underscore + 1);
  if (digits.size() < 4 || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return invalid("the version must be at least four digits");
  }
  MigrationFileName parsed;
  if (!absl::SimpleAtoi(digits, &parsed.version) || parsed.version <= 0) {
    return invalid("the version must be a positive 64-bit number");
  }
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
  if (!name_ok) return invalid("the name must be [a-z0-9_]+");
  parsed.name = std::string(name);
  return parsed;
}

std::string MigrationChecksum(absl::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot EVP digest; cannot fail for SHA-256 on in-memory data short of OOM.
  EVP_Digest(sql.data(), sql.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

absl::StatusOr<std::vector<Migration>> ParseMigrations(absl::Span<const EmbeddedFile> files) {
  std::vector<Migration> migrations;
  migrations.reserve(files.size());
  for (const EmbeddedFile& file : files) {
    absl::StatusOr<MigrationFileName> parsed = ParseMigrationFileName(file.name);
    if (!parsed.ok()) return parsed.status();
    if (absl::StripAsciiWhitespace(file.contents).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("migration '", file.name, "' is empty"));
    }
    migrations.push_back(Migration{parsed->version, parsed->name, std::string(file.contents),
                                   MigrationChecksum(file.contents)});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two migrations share version ", migrations[i].version, ": '", migrations[i - 1].name,
          "' and '", migrations[i].name, "'; renumber the newer one"));
    }
  }
  return migrations;
}

absl::StatusOr<std::vector<Migration>> BlendMigrations() {
  return ParseMigrations(BlendMigrationFiles());
}

}  // namespace blend::store
