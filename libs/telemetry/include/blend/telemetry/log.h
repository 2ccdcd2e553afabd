#pragma once

// Structured JSON logs, one object per line on stderr:
//   {"ts":"2026-11-26T19:00:00.123Z","level":"info","msg":"touch sent","touch_id":"…"}
// Field values that look like phone numbers or email addresses are redacted before they are
// written, so personal data never reaches the logs in clear. Thread-safe.
//
//   BLEND_LOG(kInfo, "touch sent", {{"touch_id", id}, {"to", phone}});

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace blend::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using Field = std::pair<std::string_view, std::string>;

// Minimum level written; from --log-level. Default kInfo.
void SetLevel(Level level);
bool ParseLevel(std::string_view text, Level* level);
bool Enabled(Level level);
// The component name written in every line ("service":"orchestrator").
void SetService(std::string service);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

// Masks phone numbers ("+1******0199") and email addresses ("c***@d***.example.com")
// anywhere inside `text`.
std::string Redact(std::string_view text);
// For a value known to be a phone number / email: keeps just enough to correlate.
std::string RedactPhone(std::string_view phone);
std::string RedactEmail(std::string_view email);

// Redirects output (tests); nullptr restores stderr. Not thread-safe with concurrent Write.
void SetSinkForTest(std::string* sink);

}  // namespace blend::log

#define BLEND_LOG(level, ...)                                       \
  do {                                                              \
    if (::blend::log::Enabled(::blend::log::Level::level))          \
      ::blend::log::Write(::blend::log::Level::level, __VA_ARGS__); \
  } while (0)
