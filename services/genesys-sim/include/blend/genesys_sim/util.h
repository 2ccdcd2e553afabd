#pragma once

// Small pure helpers shared by the simulator's parts.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/time/time.h"

namespace blend::genesys_sim {

// "2026-01-01T00:00:00.000Z" (Genesys's ISO-8601 UTC with milliseconds).
std::string FormatIso(absl::Time t);
// "2026-01-01T00:00:00Z" (EventBridge's `time`, whole seconds).
std::string FormatIsoSeconds(absl::Time t);
int64_t EpochMillis(absl::Time t);

// Digits only ("+1 (317) 555-0100" -> "13175550100"); how the simulator matches DNC entries.
std::string DigitsOnly(absl::string_view number);
// "+" then 2..15 digits, first digit not 0 (the shape Genesys requires for SMS and dialling).
bool IsE164(absl::string_view number);

// Quotes a CSV field when needed (RFC 4180).
std::string CsvField(absl::string_view value);

}  // namespace blend::genesys_sim
