#include "blend/telemetry/log.h"

#include <atomic>
#include <cctype>
#include <iostream>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace blend::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mu;
std::string g_service;  // guarded by g_mu
std::string* g_sink = nullptr;

constexpr const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

bool IsEmailChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '+' || c == '%';
}

// Keeps the first character of each dot-separated label of the domain except the last
// (the top-level domain), so operators can still tell domains apart.
std::string MaskDomain(std::string_view domain) {
  std::string out;
  size_t last_dot = domain.rfind('.');
  for (size_t i = 0; i < domain.size(); ++i) {
    bool label_start = i == 0 || domain[i - 1] == '.';
    bool in_tld = last_dot != std::string_view::npos && i > last_dot;
    out.push_back(domain[i] == '.' || label_start || in_tld ? domain[i] : '*');
  }
  return out;
}

// Replaces every email address in `text`.
std::string RedactEmails(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t at = text.find('@', pos);
    if (at == std::string_view::npos) break;
    size_t start = at;
    while (start > pos && IsEmailChar(text[start - 1])) --start;
    size_t end = at + 1;
    while (end < text.size() && IsEmailChar(text[end])) ++end;
    std::string_view domain = text.substr(at + 1, end - at - 1);
    if (start == at || domain.find('.') == std::string_view::npos) {
      out.append(text.substr(pos, at + 1 - pos));
      pos = at + 1;
      continue;
    }
    out.append(text.substr(pos, start - pos));
    out.append(RedactEmail(text.substr(start, end - start)));
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

// Replaces every run that looks like a phone number: an optional '+', then 7..15 digits
// possibly separated by spaces, dots, dashes or parentheses.
std::string RedactPhones(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool starts =
        text[i] == '+' || text[i] == '(' || std::isdigit(static_cast<unsigned char>(text[i]));
    bool after_word =
        i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '-');
    if (!starts || after_word) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    std::string digits;
    while (j < text.size()) {
      char c = text[j];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        digits.push_back(c);
      } else if (!(c == '+' && j == i) && c != ' ' && c != '-' && c != '.' && c != '(' &&
                 c != ')') {
        break;
      }
      ++j;
    }
    while (j > i && !std::isdigit(static_cast<unsigned char>(text[j - 1])))
      --j;  // no trailing separators
    bool word_follows = j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]));
    if (digits.size() >= 7 && digits.size() <= 15 && !word_follows) {
      out.append(RedactPhone(text.substr(i, j - i)));
      i = j;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view text, Level* level) {
  std::string t = absl::AsciiStrToLower(std::string(text));
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (t == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void SetService(std::string service) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_service = std::move(service);
}

std::string RedactPhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  if (digits.size() < 4) return "***";
  std::string out = phone.substr(0, 1) == "+" ? "+" : "";
  out += digits.substr(0, 1);
  out.append(digits.size() > 5 ? digits.size() - 5 : 0, '*');
  out += digits.substr(digits.size() - 4);
  return out;
}

std::string RedactEmail(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(email.substr(0, 1)) + "***@" + MaskDomain(email.substr(at + 1));
}

std::string Redact(std::string_view text) { return RedactPhones(RedactEmails(text)); }

void SetSinkForTest(std::string* sink) { g_sink = sink; }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  nlohmann::ordered_json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_service.empty()) line["service"] = g_service;
  line["msg"] = Redact(msg);
  for (const auto& [key, value] : fields) line[std::string(key)] = Redact(value);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (g_sink != nullptr) {
    g_sink->append(text).push_back('\n');
  } else {
    std::cerr << text << '\n';
  }
}

}  // namespace blend::log
